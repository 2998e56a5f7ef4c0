import Primitives

/// The body of `GET /metrics`: slod's own metrics (the registry), then the ingested families,
/// in one exposition format, plus the self-metrics about scraping itself.
///
/// Composition rules:
/// - Self-metrics come first, then the ingested families grouped by name across shard parts
///   (`FamilyRenderer`); OpenMetrics output ends with exactly one `# EOF`, after both.
/// - An ingested family whose name clashes with one of the registry's families
///   (`MetricsRegistry.reservedNames`, see `ReservedFamilyNames`) is left out, and every scrape
///   that leaves families out adds their number (distinct names) to
///   `slod_exposition_conflicts_total` — before the registry renders, so the page that skipped
///   them already shows the count.
/// - `slod_scrapes_total{format}` is incremented before rendering (the page counts itself);
///   duration and size are known only after the response is built, so `recordScrape` feeds
///   them into the *next* scrape.
///
/// Registers its instruments in `registry` at `init`: create one per registry.
public final class MetricsPage: Sendable {
    /// The `Content-Encoding` of a response, the `encoding` label of `slod_scrape_response_bytes`.
    public enum Encoding: Int, Sendable, CaseIterable {
        case identity = 0, gzip = 1

        public var label: String {
            switch self {
            case .identity: "identity"
            case .gzip: "gzip"
            }
        }
    }

    /// Upper bounds of `slod_scrape_duration_seconds`: 0.5 ms (a small page) to 10 s.
    public static let durationBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Upper bounds of `slod_scrape_response_bytes`: powers of 4 from 1 KiB to 1 GiB.
    public static let sizeBounds: [Double] = (0...10).map { Double(1024 << (2 * $0)) }

    public let registry: MetricsRegistry
    /// Indexed by `ExpositionFormat.index`.
    let scrapes: [Counter]
    let durations: [Histogram]
    /// `[format.index][encoding.rawValue]`.
    let sizes: [[Histogram]]
    let conflicts: Counter

    public init(registry: MetricsRegistry) {
        self.registry = registry
        let formats = ExpositionFormat.allCases
        scrapes = formats.map {
            registry.counter("slod_scrapes_total", help: "Scrapes of /metrics answered, by exposition format (text 0.0.4 or OpenMetrics 1.0).",
                             labels: [("format", $0.label)])
        }
        durations = formats.map {
            registry.histogram("slod_scrape_duration_seconds",
                               help: "Time to answer a scrape of /metrics (gathering the shards' snapshots, rendering, compressing), by exposition format.",
                               labels: [("format", $0.label)], bounds: Self.durationBounds)
        }
        sizes = formats.map { f in
            Encoding.allCases.map { e in
                registry.histogram("slod_scrape_response_bytes",
                                   help: "Size of /metrics response bodies as sent (after compression), by exposition format and content encoding.",
                                   labels: [("format", f.label), ("encoding", e.label)], bounds: Self.sizeBounds)
            }
        }
        conflicts = registry.counter(
            "slod_exposition_conflicts_total",
            help: "Ingested metric families left out of /metrics because their names clash with slod's own metrics, summed over scrapes.")
    }

    /// Appends the whole page for `format` to `out` (not cleared here). Runs on the thread that
    /// gathered `parts`; safe to call concurrently. Cost: the registry's render plus
    /// `FamilyRenderer`'s, plus one cheap name check per ingested family.
    public func render<Parts: Collection<[MetricFamily]>>(
        parts: Parts, format: ExpositionFormat, into out: inout [UInt8]
    ) {
        scrapes[format.index].add()
        let reserved = registry.reservedNames
        let skipped = Self.countReserved(parts, reserved)
        if skipped > 0 { conflicts.add(UInt64(skipped)) }
        registry.render(into: &out, format: format)
        FamilyRenderer.renderFamilies(parts: parts, format: format, skipping: reserved, into: &out)
        if format == .openMetrics100 { out.append(contentsOf: "# EOF\n".utf8) }
    }

    /// Records one answered scrape: time from request to response ready, and the body size as
    /// sent. One histogram observation each; no allocation.
    public func recordScrape(format: ExpositionFormat, encoding: Encoding, bodyBytes: Int, seconds: Double) {
        durations[format.index].observe(seconds)
        sizes[format.index][encoding.rawValue].observe(Double(bodyBytes))
    }

    /// Distinct names of ingested families that `reserved` keeps off the page. Allocates only
    /// when there are such families.
    static func countReserved<Parts: Collection<[MetricFamily]>>(_ parts: Parts, _ reserved: ReservedFamilyNames) -> Int {
        if reserved.isEmpty { return 0 }
        var names: [String] = []
        for part in parts {
            for f in part where reserved.reserves(f.name) && !names.contains(f.name) { names.append(f.name) }
        }
        return names.count
    }
}
