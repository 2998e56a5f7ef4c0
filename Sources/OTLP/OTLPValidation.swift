/// The validity rules for data points (OTLP wire reference, Part C), in one place for both
/// decoders. A rejected point is counted in `DecodeSummary` and not handed to the sink; the
/// request still succeeds (`partial_success`).
///
/// A metric with no data member set carries no points, so nothing is counted; a metric with an
/// empty name has all its points rejected (`missingMetricName`).
public enum OTLPValidation {
    /// Checks the metric header; a non-nil reason rejects every point of the metric.
    public static func check(metric m: MetricView) -> RejectionReason? {
        if m.name.isEmpty { return .missingMetricName }
        switch m.kind {
        case .sum, .histogram, .exponentialHistogram:
            if m.temporality == .unspecified { return .invalidTemporality }
        case .gauge, .summary:
            break
        }
        return nil
    }

    public static func check(number p: NumberPointView) -> RejectionReason? {
        if p.common.timeUnixNano == 0 { return .missingTimestamp }
        if case .none = p.value, !p.common.flags.contains(.noRecordedValue) { return .missingValue }
        return nil
    }

    public static func check(histogram p: HistogramPointView) -> RejectionReason? {
        if p.common.timeUnixNano == 0 { return .missingTimestamp }
        if p.common.flags.contains(.noRecordedValue) { return nil }
        let b = p.explicitBounds, c = p.bucketCounts
        if b.isEmpty && c.isEmpty { return nil }
        if c.count != b.count + 1 { return .invalidBuckets }
        var previous = -Double.infinity
        for bound in b {
            if bound.isNaN || bound <= previous { return .invalidBuckets }
            previous = bound
        }
        var total: UInt64 = 0
        for n in c {
            let (t, o) = total.addingReportingOverflow(n)
            if o { return .invalidBuckets }
            total = t
        }
        return total == p.count ? nil : .invalidBuckets
    }

    public static func check(exponentialHistogram p: ExponentialHistogramPointView) -> RejectionReason? {
        if p.common.timeUnixNano == 0 { return .missingTimestamp }
        if p.common.flags.contains(.noRecordedValue) { return nil }
        if p.scale < -10 || p.scale > 20 { return .invalidScale }
        var total = p.zeroCount
        for n in p.positive.counts {
            let (t, o) = total.addingReportingOverflow(n)
            if o { return .invalidBuckets }
            total = t
        }
        for n in p.negative.counts {
            let (t, o) = total.addingReportingOverflow(n)
            if o { return .invalidBuckets }
            total = t
        }
        return total == p.count ? nil : .invalidBuckets
    }

    public static func check(summary p: SummaryPointView) -> RejectionReason? {
        if p.common.timeUnixNano == 0 { return .missingTimestamp }
        if p.common.flags.contains(.noRecordedValue) { return nil }
        for q in p.quantiles where !(q.quantile >= 0 && q.quantile <= 1) { return .invalidQuantile }
        return nil
    }

    /// The partial-success message for the first rejected point.
    public static func message(_ reason: RejectionReason, metric m: MetricView) -> String {
        let name = "\"\(m.name.string)\""
        switch reason {
        case .missingValue: return "number point of \(name) has no value and no no_recorded_value flag; dropped"
        case .missingTimestamp: return "\(m.kind) point of \(name) has time_unix_nano 0; dropped"
        case .invalidTemporality: return "\(m.kind) \(name) has aggregation_temporality unspecified or unknown; its points were dropped"
        case .invalidBuckets: return "\(m.kind) point of \(name) has bucket counts that do not match its bounds or its count; dropped"
        case .invalidQuantile: return "summary point of \(name) has a quantile outside [0, 1]; dropped"
        case .missingMetricName: return "metric with an empty name; its points were dropped"
        case .invalidScale: return "exponential histogram point of \(name) has a scale outside [-10, 20]; dropped"
        }
    }
}

extension DecodeSummary {
    /// Records one rejected point (the message is built only for the first).
    public mutating func reject(_ reason: RejectionReason, metric: MetricView) {
        rejectedPoints += 1
        rejectedByReason[reason, default: 0] += 1
        if firstRejection == nil { firstRejection = OTLPValidation.message(reason, metric: metric) }
    }
}

extension DecodeSummary {
    // The one place a decoded point is validated and then either handed to the sink or counted
    // as rejected (both decoders call these). `metricRejection` rejects every point of a metric
    // whose header is invalid.

    @inline(__always)
    mutating func deliver(_ p: NumberPointView, metricRejection: RejectionReason?, metric: MetricView, to sink: MetricsSink) {
        if let reason = metricRejection ?? OTLPValidation.check(number: p) { reject(reason, metric: metric); return }
        acceptedPoints += 1
        sink.numberPoint(p)
    }

    @inline(__always)
    mutating func deliver(_ p: HistogramPointView, metricRejection: RejectionReason?, metric: MetricView, to sink: MetricsSink) {
        if let reason = metricRejection ?? OTLPValidation.check(histogram: p) { reject(reason, metric: metric); return }
        acceptedPoints += 1
        sink.histogramPoint(p)
    }

    @inline(__always)
    mutating func deliver(_ p: ExponentialHistogramPointView, metricRejection: RejectionReason?, metric: MetricView, to sink: MetricsSink) {
        if let reason = metricRejection ?? OTLPValidation.check(exponentialHistogram: p) { reject(reason, metric: metric); return }
        acceptedPoints += 1
        sink.exponentialHistogramPoint(p)
    }

    @inline(__always)
    mutating func deliver(_ p: SummaryPointView, metricRejection: RejectionReason?, metric: MetricView, to sink: MetricsSink) {
        if let reason = metricRejection ?? OTLPValidation.check(summary: p) { reject(reason, metric: metric); return }
        acceptedPoints += 1
        sink.summaryPoint(p)
    }
}
