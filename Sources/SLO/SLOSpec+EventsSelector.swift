import Selectors

/// What an events SLI's selectors (`total`, `good`, `bad`) may select. Events SLIs count
/// increases of cumulative counts, and slod exposes exactly three kinds of them: a counter
/// (`…_total`), a histogram's count (`…_count`) and a histogram bucket's cumulative count
/// (`…_bucket{le="0.4"}`: the observations ≤ 0.4). A selector that names any other series
/// could only select something no rate counts (a gauge, a histogram's `_sum`), so it is refused
/// here, where the configuration can say what to write instead. Selectors with a regex on
/// `__name__` are matched series by series, and what they pick that cannot be counted is
/// refused at run time (`SLOMatcher`).
extension SLOSpec {
    /// An events selector whose name (if it fixes one) is a counter, a histogram count or one
    /// exact bucket of a histogram.
    public static func checkEventsSelector(_ selector: SeriesSelector, subject: String) throws(SLOConfigurationError) {
        guard let name = selector.metricName else { return }
        if name.hasSuffix("_sum") {
            let family = String(name.dropLast("_sum".utf8.count))
            throw SLOConfigurationError(subject, "\"\(name)\" is the sum of the values a histogram or summary observed, not a count of events; count the observations with \"\(family)_count\" (all of them) or \"\(family)_bucket{le=\"…\"}\" (those ≤ le), or use a latency SLI")
        }
        if name.hasSuffix("_bucket") {
            let family = String(name.dropLast("_bucket".utf8.count))
            let le = selector.matchers.filter { $0.name == "le" }
            guard le.count == 1, le[0].op == .equal else {
                let which = le.isEmpty ? "every bucket of histogram \(family) (no le matcher)"
                    : "buckets of histogram \(family) by \(le.map(\.description).joined(separator: ", ")), not one exact bound"
                throw SLOConfigurationError(subject, "\(selector) selects \(which), and cumulative bucket counts add up to no count of events; select one bucket with le=\"0.4\" (its bound as /metrics shows it: the observations ≤ 0.4), or use a latency SLI (latency: {histogram: \(family), threshold: 0.4})")
            }
            guard bucketBound(le[0].value) != nil else {
                throw SLOConfigurationError(subject, "le=\"\(le[0].value)\" is not a bucket bound; write a number as /metrics shows it (le=\"0.4\"), or le=\"+Inf\" for all observations")
            }
            return
        }
        guard name.hasSuffix("_total") || name.hasSuffix("_count") else {
            throw SLOConfigurationError(subject, "\"\(name)\" can never be a count of events in slod's exposition: counters are exposed as …_total, histograms as …_count and …_bucket{le=\"…\"}, and a gauge counts no events; select \"\(name)_total\" for a counter or \"\(name)_count\" for a histogram, or use a latency SLI")
        }
    }

    /// The bucket an events selector's exact `le` picks: its text and its bound (`+Inf`: ∞);
    /// nil unless the selector has one `le` matcher, an equality with a bound.
    public static func exactBucketBound(_ selector: SeriesSelector) -> (text: String, bound: Double)? {
        let le = selector.matchers.filter { $0.name == "le" }
        guard le.count == 1, le[0].op == .equal, let bound = bucketBound(le[0].value) else { return nil }
        return (le[0].value, bound)
    }

    /// An `le` label value as a bound: `+Inf` (as slod exposes it) or a finite number.
    static func bucketBound(_ text: String) -> Double? {
        if text == "+Inf" { return .infinity }
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }
}
