import Primitives
import Synchronization

/// The daemon's self-metrics: registered instruments plus scrape-time collectors, rendered as
/// Prometheus text format 0.0.4 or OpenMetrics 1.0.
///
/// Registration (`counter`, `gauge`, `histogram`, `register(collector:)`) takes a lock and
/// allocates; call it at start-up or on first use and keep the returned instrument — updating an
/// instrument never touches the registry. Registration pre-renders, for both formats, each
/// family's metadata lines and each series' `name{labels} ` prefixes, so `render(into:format:)`
/// only copies bytes and formats numbers: it holds the lock only to copy the list of families (a
/// reference-count increment), then reads the instruments' atomics without locking. It never
/// writes OpenMetrics' `# EOF` (the caller appends more families after the registry's).
///
/// Output order: entries (families and collectors) in registration order; all series of one family
/// are written together, in the order they were first registered, even when series of different
/// families were registered interleaved. Labels are sorted by name.
///
/// Programmer errors stop the process with a precondition failure: an invalid metric or label
/// name, a reserved label name (`__…`, or `le` on a histogram), a duplicate label name, a counter
/// name without `_total`, the same name registered with two types, or a histogram family with two
/// sets of bounds. A repeated registration with a different `help` keeps the first help text.
public final class MetricsRegistry: Sendable {
    /// `Content-Type` of what `render(into:)` produces in the default format, text 0.0.4.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    enum Instrument: Sendable {
        case counter(Counter)
        case gauge(Gauge)
        case histogram(Histogram)
    }

    /// One series with its line prefixes pre-rendered at registration.
    struct Series: Sendable {
        let instrument: Instrument
        /// Text 0.0.4. Counter/gauge: `[name{labels} ]`. Histogram: one
        /// `name_bucket{labels,le="…"} ` per bucket (`+Inf` last), then `name_sum{labels} `, then
        /// `name_count{labels} `.
        let prefixes: [[UInt8]]
        /// The same for OpenMetrics: only the `le` spelling differs (`1.0` for `1`), so for
        /// counters and gauges this shares `prefixes`' storage.
        let openMetricsPrefixes: [[UInt8]]

        func prefixes(_ format: ExpositionFormat) -> [[UInt8]] {
            format == .openMetrics100 ? openMetricsPrefixes : prefixes
        }
    }

    struct Family: Sendable {
        let type: MetricType
        /// Text 0.0.4: `# HELP …\n# TYPE …\n`.
        let header: [UInt8]
        /// OpenMetrics: `# TYPE …\n# HELP …\n` (counter family name without `_total`).
        let openMetricsHeader: [UInt8]
        /// Histogram families only: the bounds every series shares.
        let bounds: [Double]
        var series: [Series] = []
        /// Rendered, sorted label block (`{a="x",b="y"} `) → index into `series`.
        var seriesIndex: [[UInt8]: Int] = [:]
    }

    enum Entry: Sendable {
        case family(Int)
        case collector(Int)
    }

    struct State: Sendable {
        var families: [Family] = []
        var familyIndex: [String: Int] = [:]
        var entries: [Entry] = []
        var collectors: [@Sendable (inout MetricsWriter) -> Void] = []
        /// Per collector: the family names it declared (empty: undeclared, unchecked).
        var collectorFamilies: [[String]] = []
        /// Every registered or declared family name, in registration order.
        var names: [String] = []
        /// `ReservedFamilyNames(names: names)`, rebuilt at registration (rare), read per scrape.
        var reserved = ReservedFamilyNames.none
    }

    private let state = Mutex(State())

    public init() {}

    /// Returns the counter for `name` and `labels`, creating it on first use. The same name and
    /// label set (in any order) return the same instance; other label sets are further series of
    /// the same family. `name` must end in `_total`. Takes a lock; O(labels) plus a hash lookup.
    public func counter(_ name: String, help: String, labels: [(String, String)] = []) -> Counter {
        precondition(name.hasSuffix("_total"), "counter name \(name) must end in _total")
        let inst = series(name, help: help, type: .counter, labels: labels, bounds: []) {
            .counter(Counter())
        }
        guard case .counter(let c) = inst else { preconditionFailure("unreachable") }
        return c
    }

    /// Returns the gauge for `name` and `labels`, creating it on first use (see `counter`).
    public func gauge(_ name: String, help: String, labels: [(String, String)] = []) -> Gauge {
        let inst = series(name, help: help, type: .gauge, labels: labels, bounds: []) {
            .gauge(Gauge())
        }
        guard case .gauge(let g) = inst else { preconditionFailure("unreachable") }
        return g
    }

    /// Returns the histogram for `name` and `labels`, creating it on first use (see `counter`).
    /// All series of one family must use the same `bounds` (a trailing `+Inf` is ignored).
    public func histogram(
        _ name: String, help: String, labels: [(String, String)] = [],
        bounds: [Double] = Histogram.defaultBounds
    ) -> Histogram {
        let normalized = bounds.last == .infinity ? Array(bounds.dropLast()) : bounds
        let inst = series(name, help: help, type: .histogram, labels: labels, bounds: normalized) {
            .histogram(Histogram(bounds: normalized))
        }
        guard case .histogram(let h) = inst else { preconditionFailure("unreachable") }
        return h
    }

    /// Adds a collector that writes its own families at every scrape (process metrics, values
    /// computed on demand). It runs on the scraping thread, outside the registry lock, in
    /// registration order relative to the other families. It must write whole families (see
    /// `MetricsWriter`) with names nobody else uses. Calling this twice adds the collector twice.
    ///
    /// `families` declares the names the collector may write (counters with `_total`): they join
    /// `familyNames`/`reservedNames` (so ingested families cannot clash with them on `/metrics`),
    /// and debug builds assert that the collector writes no other family. Declare them; an empty
    /// list (the default) leaves the collector unchecked and its names unreserved.
    public func register(families: [String] = [], collector: @escaping @Sendable (inout MetricsWriter) -> Void) {
        for name in families { precondition(MetricName.isValidMetricName(name), "invalid metric name \(name)") }
        state.withLock { s in
            s.entries.append(.collector(s.collectors.count))
            s.collectors.append(collector)
            s.collectorFamilies.append(families)
            s.names.append(contentsOf: families)
            s.reserved = ReservedFamilyNames(names: s.names)
        }
    }

    /// Every family name registered (instruments) or declared (collectors), in registration
    /// order; counters with `_total`. Takes the lock.
    public var familyNames: [String] { state.withLock { $0.names } }

    /// The names `/metrics` keeps for these families (see `ReservedFamilyNames`). Takes the lock;
    /// no allocation (the value is rebuilt at registration).
    public var reservedNames: ReservedFamilyNames { state.withLock { $0.reserved } }

    /// Appends the exposition of every family to `out` in `format` (default text 0.0.4), without
    /// OpenMetrics' `# EOF`. Keep `out` between scrapes and `removeAll(keepingCapacity: true)` it
    /// so steady-state rendering does not grow the buffer. Safe to call concurrently with
    /// registration, with instrument updates and with other renders.
    public func render(into out: inout [UInt8], format: ExpositionFormat = .text004) {
        let (entries, families, collectors, declared) = state.withLock { s in
            (s.entries, s.families, s.collectors, s.collectorFamilies)
        }
        var writer = MetricsWriter(format: format)
        swap(&writer.bytes, &out)
        defer { swap(&writer.bytes, &out) }
        for entry in entries {
            switch entry {
            case .family(let i): Self.render(families[i], format: format, into: &writer.bytes)
            case .collector(let i):
                writer.declaredFamilies = declared[i].isEmpty ? nil : declared[i]
                collectors[i](&writer)
            }
        }
    }

    // MARK: - Internals

    private static func render(_ family: Family, format: ExpositionFormat, into out: inout [UInt8]) {
        out.append(contentsOf: format == .openMetrics100 ? family.openMetricsHeader : family.header)
        for series in family.series {
            let prefixes = series.prefixes(format)
            switch series.instrument {
            case .counter(let c):
                out.append(contentsOf: prefixes[0])
                PrometheusNumberText.appendUInt(c.value, to: &out)
                out.append(UInt8(ascii: "\n"))
            case .gauge(let g):
                out.append(contentsOf: prefixes[0])
                PrometheusNumberText.appendInt(g.value, to: &out)
                out.append(UInt8(ascii: "\n"))
            case .histogram(let h):
                let snap = h.snapshot()
                let buckets = snap.cumulativeCounts.count
                for i in 0..<buckets {
                    out.append(contentsOf: prefixes[i])
                    PrometheusNumberText.appendUInt(snap.cumulativeCounts[i], to: &out)
                    out.append(UInt8(ascii: "\n"))
                }
                out.append(contentsOf: prefixes[buckets])
                PrometheusNumberText.appendDouble(snap.sum, to: &out)
                out.append(UInt8(ascii: "\n"))
                out.append(contentsOf: prefixes[buckets + 1])
                PrometheusNumberText.appendUInt(snap.count, to: &out)
                out.append(UInt8(ascii: "\n"))
            }
        }
    }

    /// Validates, canonicalises (sorts) the labels, and finds or creates the series.
    private func series(
        _ name: String, help: String, type: MetricType, labels: [(String, String)], bounds: [Double],
        make: () -> Instrument
    ) -> Instrument {
        precondition(MetricName.isValidMetricName(name), "invalid metric name \(name)")
        let sorted = labels.sorted { $0.0 < $1.0 }
        for (i, (k, _)) in sorted.enumerated() {
            precondition(MetricName.isValidLabelName(k), "invalid or reserved label name \(k) on \(name)")
            precondition(i == 0 || sorted[i - 1].0 != k, "duplicate label name \(k) on \(name)")
            precondition(type != .histogram || k != "le", "histogram \(name) cannot have a label named le")
        }
        var key: [UInt8] = []
        ExpositionText.appendSeriesPrefix(name: "", labels: sorted, to: &key)

        return state.withLock { s in
            let fi: Int
            if let existing = s.familyIndex[name] {
                fi = existing
                precondition(s.families[fi].type == type, "metric \(name) registered as \(s.families[fi].type) and \(type)")
                precondition(s.families[fi].bounds == bounds, "histogram \(name) registered with different bounds")
                if let si = s.families[fi].seriesIndex[key] { return s.families[fi].series[si].instrument }
            } else {
                var header: [UInt8] = []
                ExpositionText.appendHeader(name: name, type: type, help: help, format: .text004, to: &header)
                var omHeader: [UInt8] = []
                ExpositionText.appendHeader(name: name, type: type, help: help, format: .openMetrics100, to: &omHeader)
                fi = s.families.count
                s.families.append(Family(type: type, header: header, openMetricsHeader: omHeader, bounds: bounds))
                s.familyIndex[name] = fi
                s.entries.append(.family(fi))
                s.names.append(name)
                s.reserved = ReservedFamilyNames(names: s.names)
            }
            let instrument = make()
            let text = Self.prefixes(name, type, sorted, bounds, .text004)
            let om = type == .histogram ? Self.prefixes(name, type, sorted, bounds, .openMetrics100) : text
            let series = Series(instrument: instrument, prefixes: text, openMetricsPrefixes: om)
            s.families[fi].seriesIndex[key] = s.families[fi].series.count
            s.families[fi].series.append(series)
            return instrument
        }
    }

    private static func prefixes(
        _ name: String, _ type: MetricType, _ labels: [(String, String)], _ bounds: [Double], _ format: ExpositionFormat
    ) -> [[UInt8]] {
        func one(_ suffix: String, le: Double? = nil) -> [UInt8] {
            var p: [UInt8] = []
            ExpositionText.appendSeriesPrefix(name: name, suffix: suffix, labels: labels, le: le, format: format, to: &p)
            return p
        }
        guard type == .histogram else { return [one("")] }
        var result = bounds.map { one("_bucket", le: $0) }
        result.append(one("_bucket", le: .infinity))
        result.append(one("_sum"))
        result.append(one("_count"))
        return result
    }
}
