import Primitives
import SLO
import Selectors

// What one events selector reads from one series. Events SLIs count increases of cumulative
// counts: a counter (`…_total`), a histogram's count (`…_count`, or `…_bucket{le="+Inf"}`),
// or the cumulative count of one explicit bucket (`…_bucket{le="0.4"}`: observations ≤ 0.4),
// exactly what PromQL's `rate()` over the same exposed series counts. Whatever else a selector
// picks (a gauge, a summary, a histogram's `_sum`, buckets without an exact `le`) is refused,
// so the daemon never counts less than the rules without saying so.
extension SLOMatcher {
    /// What an events selector reads from a series; the role (total/good/bad) is the selector's.
    enum EventsReading: Equatable {
        /// The counter's increase, or the histogram's count.
        case count
        /// The increase of the cumulative count of an explicit histogram's buckets `0..<n`.
        case cumulativeBuckets(Int)

        func role(_ role: SLOEventRole) -> SLORole {
            switch self {
            case .count: .events(role)
            case .cumulativeBuckets(let n): .bucketEvents(role, cumulativeBuckets: n)
            }
        }
    }

    /// What `selector` reads from a series, one entry per exposed series of it that the selector
    /// picks (a regex on `__name__` may pick a histogram's `_count` and a bucket: PromQL sums
    /// both, and so do the links), or why it cannot be counted. `labels` is the series' label
    /// map; `le` is set in it while buckets are tried, then restored.
    static func eventsReadings(_ selector: SeriesSelector, name: String, labels: inout [String: String],
                               kind: SLOSeriesKind, bounds: [Double]) -> [Result<EventsReading, LinkRefusal>] {
        switch kind {
        case .counter:
            return selector.matches(metricName: name, labels: labels) ? [.success(.count)] : []
        case .gauge:
            guard selector.matches(metricName: name, labels: labels) else { return [] }
            return [.failure(LinkRefusal(description: "\(selector) selects \(name), a gauge (or non-monotonic sum): its value goes up and down, it is not a count of events; select a counter (…_total) or a histogram's …_count or …_bucket{le=\"…\"}"))]
        case .summary:
            let samples = [name + "_count", name, name + "_sum"]
            guard let sample = samples.first(where: { selector.matches(metricName: $0, labels: labels) }) else { return [] }
            return [.failure(LinkRefusal(description: "\(selector) selects \(sample), a series of the summary \(name); slod counts no summary for SLOs: export the measurement as a histogram and select its …_count or …_bucket{le=\"…\"}"))]
        case .histogram, .exponentialHistogram:
            var readings: [Result<EventsReading, LinkRefusal>] = []
            if selector.matches(metricName: name + "_count", labels: labels) { readings.append(.success(.count)) }
            if selector.matches(metricName: name + "_sum", labels: labels) {
                readings.append(.failure(LinkRefusal(description: "\(selector) selects \(name)_sum, the sum of the values histogram \(name) observed, not a count of events; select \(name)_count or \(name)_bucket{le=\"…\"}")))
            }
            if let bucket = bucketReading(selector, family: name, labels: &labels, kind: kind, bounds: bounds) { readings.append(bucket) }
            return readings
        }
    }

    /// What `selector` reads from the `_bucket` series of a histogram family: nil when it picks
    /// none; the cumulative count of the bucket whose bound equals its exact `le` (compared as
    /// numbers: the rules compare the text slod exposes, `RuleSLO.eventsSeries`); refused when
    /// it picks buckets without an exact `le` (PromQL would add up cumulative counts, which
    /// counts no events), a bound the histogram lacks, or a finite bound of an exponential
    /// histogram (its exposed bounds follow its scale and populated range: the series comes and
    /// goes).
    static func bucketReading(_ selector: SeriesSelector, family: String, labels: inout [String: String],
                              kind: SLOSeriesKind, bounds: [Double]) -> Result<EventsReading, LinkRefusal>? {
        let bucket = family + "_bucket"
        // A fixed name that is not this family's buckets picks none: no bound need be formatted.
        if let name = selector.metricName, name != bucket { return nil }
        let seriesLE = labels["le"]
        defer { labels["le"] = seriesLE }
        func picks(_ le: String) -> Bool {
            labels["le"] = le
            return selector.matches(metricName: bucket, labels: labels)
        }
        guard let le = SLOSpec.exactBucketBound(selector) else {
            let exposed = (kind == .histogram ? bounds.map(\.prometheusText) : []) + ["+Inf"]
            guard exposed.contains(where: picks) else { return nil }
            return .failure(LinkRefusal(description: "\(selector) selects buckets of histogram \(family) without an exact le; select one bucket with le=\"…\" (its cumulative count: the observations ≤ le) or use a latency SLI"))
        }
        guard picks(le.text) else { return nil }
        if le.bound == .infinity { return .success(.count) }
        guard kind == .histogram else {
            return .failure(LinkRefusal(description: "\(selector) selects \(bucket){le=\"\(le.text)\"} of the exponential histogram \(family), whose bucket bounds follow its scale and populated range (the series comes and goes); use a latency SLI (histogram: \(family), threshold: \(le.text))"))
        }
        guard let k = bounds.firstIndex(of: le.bound) else {
            let known = bounds.map(\.prometheusText).joined(separator: ", ")
            return .failure(LinkRefusal(description: "\(selector): histogram \(family) has no bucket le=\"\(le.text)\" (its bounds: \(known)), so the selector counts nothing of it"))
        }
        return .success(.cumulativeBuckets(k + 1))
    }
}
