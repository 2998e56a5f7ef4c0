import SLO
import Selectors

/// What kind of Prometheus series an aggregator series is, for SLO matching.
public enum SLOSeriesKind: Sendable, Equatable {
    /// A monotonic sum, exposed as `<name>_total`.
    case counter
    /// An explicit-bucket histogram, exposed as `<name>_bucket{le}`, `<name>_count`, `<name>_sum`.
    case histogram
    /// An exponential histogram, exposed as classic buckets under the same names; its `le`
    /// bounds follow its scale and populated range.
    case exponentialHistogram
    /// A gauge or a non-monotonic sum, exposed as `<name>`: its value goes up and down, so no
    /// SLI can count it; a selector that picks it is refused.
    case gauge
    /// A summary, exposed as `<name>{quantile}`, `<name>_count`, `<name>_sum`: no SLI reads it
    /// (its quantiles cannot be aggregated); a selector that picks it is refused.
    case summary

    /// The kind in a refusal message.
    var described: String {
        switch self {
        case .counter: "a counter"
        case .histogram: "a histogram"
        case .exponentialHistogram: "an exponential histogram"
        case .gauge: "a gauge (or non-monotonic sum)"
        case .summary: "a summary"
        }
    }
}

/// Decides, once per series, which SLO instances a new series feeds and how (DESIGN §2:
/// membership is decided on creation and on reload, never per point).
///
/// Selectors match the series as `/metrics` exposes it: `__name__` is the sample name (a
/// counter's `…_total`; for a histogram, `…_count` and `…_bucket{le}` for events SLIs (see
/// `eventsReadings`) and the family name for latency SLIs, as `SLOSpec.SLI.latency` documents), the
/// labels are the full label set (resource-derived `job`/`instance` included). A selector that
/// picks a series it cannot count (a gauge, a summary, a bucket bound the histogram lacks) gets
/// a refusal, never silently nothing.
///
/// Pure and immutable: shard threads share one matcher.
public final class SLOMatcher: Sendable {
    public let specs: [SLOSpec]

    public init(specs: [SLOSpec]) {
        self.specs = specs
    }

    public var isEmpty: Bool { specs.isEmpty }

    /// Why a series that a selector selects could not be linked.
    public struct Refusal: Sendable, Equatable, CustomStringConvertible {
        public var slo: Int
        public var message: String
        public var description: String { message }
    }

    /// The links of a series, and the refusals (series a selector picked that cannot feed the
    /// SLO, e.g. a histogram without a bucket bound at the threshold). A series refused for an
    /// SLO has no link to it.
    /// - Parameters:
    ///   - name: the metric name as exposed (counter: with `_total`; histogram: the family name).
    ///   - labels: the series' labels (any order; names unique).
    ///   - bounds: a histogram's explicit bounds (ascending), else empty.
    public func links(name: String, labels: [(name: String, value: String)], kind: SLOSeriesKind,
                      bounds: [Double] = []) -> (links: [SLOLink], refusals: [Refusal]) {
        guard !specs.isEmpty else { return ([], []) }
        var map: [String: String] = [:]
        map.reserveCapacity(labels.count)
        for l in labels { map[l.name] = l.value }
        var links: [SLOLink] = []
        var refusals: [Refusal] = []
        for (i, spec) in specs.enumerated() {
            func refuse(_ why: String) {
                refusals.append(Refusal(slo: i, message: "SLO \(spec.id) (\(spec.source)): \(why)"))
            }
            switch spec.sli {
            case .events(let total, let good, let bad):
                // A series refused by one selector feeds none of the SLO's roles, as a refused
                // latency series: counting its total without its good events would page.
                var roles: [SLORole] = []
                var refused = false
                let selectors: [(SeriesSelector?, SLOEventRole)] = [(total, .total), (good, .good), (bad, .bad)]
                for case let (selector?, role) in selectors {
                    for reading in Self.eventsReadings(selector, name: name, labels: &map, kind: kind, bounds: bounds) {
                        switch reading {
                        case .success(let r):
                            roles.append(r.role(role))
                        case .failure(let why):
                            refused = true
                            refuse(why.description)
                        }
                    }
                }
                if !refused {
                    links += roles.map { SLOLink(slo: i, groupValues: groupValues(spec, map), role: $0) }
                }
            case .latency(let histogram, let threshold, let interpolate):
                guard histogram.matches(metricName: name, labels: map) else { continue }
                switch kind {
                case .exponentialHistogram:
                    links.append(SLOLink(slo: i, groupValues: groupValues(spec, map), role: .latencyExponential(threshold: threshold)))
                case .histogram:
                    switch Self.latencyRole(bounds: bounds, threshold: threshold, interpolate: interpolate) {
                    case .success(let role):
                        links.append(SLOLink(slo: i, groupValues: groupValues(spec, map), role: role))
                    case .failure(let why):
                        refuse("histogram \(name): \(why)")
                    }
                case .counter, .gauge, .summary:
                    refuse("\(histogram) selects \(name), \(kind.described), not a histogram; a latency SLI reads a histogram's buckets")
                }
            }
        }
        return (links, refusals)
    }

    func groupValues(_ spec: SLOSpec, _ labels: [String: String]) -> [String] {
        spec.groupBy.map { labels[$0] ?? "" }
    }

    /// Why a selected series cannot be counted (becomes a `Refusal`).
    struct LinkRefusal: Error, CustomStringConvertible {
        var description: String
    }

    /// How a latency threshold reads a histogram with these bounds: exact at a bound; with
    /// `interpolate`, linearly inside the bucket that contains it (the first bucket's lower edge
    /// is 0, or its upper bound when that is not positive). A threshold at or above the last
    /// finite bound cannot be read (the overflow bucket has no upper edge) unless it equals it.
    static func latencyRole(bounds: [Double], threshold: Double, interpolate: Bool) -> Result<SLORole, LinkRefusal> {
        if let k = bounds.firstIndex(of: threshold) {
            return .success(.latency(fullBuckets: k + 1, fraction: 0))
        }
        guard let j = bounds.firstIndex(where: { $0 > threshold }) else {
            let last = bounds.last.map { "\(render($0))" } ?? "none"
            return .failure(LinkRefusal(description: "threshold \(render(threshold)) is above the largest bucket bound (\(last)); observations above it are only known to be in the +Inf bucket"))
        }
        guard interpolate else {
            let below = j > 0 ? render(bounds[j - 1]) : "none"
            return .failure(LinkRefusal(description: "threshold \(render(threshold)) is not a bucket bound (nearest bounds: \(below) and \(render(bounds[j]))); use one of them or set interpolate: true"))
        }
        let upper = bounds[j]
        let lower = j > 0 ? bounds[j - 1] : min(0, upper)
        let fraction = upper > lower ? (threshold - lower) / (upper - lower) : 0
        return .success(.latency(fullBuckets: j, fraction: max(0, min(1, fraction))))
    }

    static func render(_ v: Double) -> String {
        v == v.rounded() && v.magnitude < 1e15 ? String(Int64(v)) : "\(v)"
    }
}

extension SLOSpec {
    /// Same SLO with states that stay valid: the id, what is counted (SLI, `groupBy`) and the
    /// state's shape (objective, period and budgeting method make its layout) are equal. A reload
    /// keeps, and a restart restores, the states of such SLOs. What only describes or limits an
    /// SLO — description, labels, `max_instances` (a lower limit drops the excess instances),
    /// the source — may change without losing its history; the no-data policy counts through
    /// the budgeting method it is part of.
    public func sameDefinition(as other: SLOSpec) -> Bool {
        service == other.service && name == other.name
            && objective == other.objective && period == other.period && budgeting == other.budgeting
            && sli == other.sli && groupBy == other.groupBy
    }
}
