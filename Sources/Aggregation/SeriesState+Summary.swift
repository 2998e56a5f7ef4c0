import OTLP

/// A `Summary` series: `name{quantile}` samples + `_sum` / `_count` (prometheus-compat.md §4.4).
///
/// Summaries are cumulative by definition (no temporality field): the newest point wins; a
/// changed start time or a decreasing count is reported as `.reset` (created time = new start).
/// Quantiles are kept sorted ascending by quantile, in one `ContiguousArray` per series,
/// overwritten in place while the number of quantiles stays the same (no allocation; an unsorted
/// quantile list is sorted in place, which may allocate scratch — SDKs send them sorted).
/// Quantile values may be NaN (no observations in the window) and are exposed as is.
public struct SummaryState: Sendable {
    public private(set) var startTimeUnixNano: UInt64 = 0
    public private(set) var timeUnixNano: UInt64 = 0
    public private(set) var lastUpdate: UInt64 = 0
    public private(set) var count: UInt64 = 0
    public private(set) var sum: Double = 0
    /// Ascending by `quantile`.
    public private(set) var quantiles: ContiguousArray<QuantileValue> = []
    var status: UInt8 = 0

    public init() {}

    public var hasValue: Bool { status & statusHasValue != 0 }
    public var isStale: Bool { status & statusStale != 0 }

    public mutating func apply(_ p: SummaryPointView, now: UInt64) -> ApplyResult {
        apply(start: p.common.startTimeUnixNano, time: p.common.timeUnixNano, count: p.count, sum: p.sum,
              quantiles: p.quantiles, noRecordedValue: p.common.flags.contains(.noRecordedValue), now: now)
    }

    public mutating func apply(start: UInt64, time: UInt64, count c: UInt64, sum s: Double,
                               quantiles q: UnsafeBufferPointer<QuantileValue>, noRecordedValue: Bool = false,
                               now: UInt64) -> ApplyResult {
        if status != 0 && time < timeUnixNano { return .droppedOutOfOrder }
        timeUnixNano = time
        lastUpdate = now
        if noRecordedValue {
            status = statusStale
            startTimeUnixNano = 0
            count = 0
            sum = 0
            return .stale
        }
        var result = ApplyResult.applied
        if hasValue {
            let startChanged = start != startTimeUnixNano && start != 0 && startTimeUnixNano != 0
            if startChanged || c < count { result = .reset }
            if result == .reset || start != 0 { startTimeUnixNano = start }
        } else {
            startTimeUnixNano = start
        }
        count = c
        sum = s
        if quantiles.count != q.count { quantiles = ContiguousArray(repeating: QuantileValue(quantile: 0, value: 0), count: q.count) }
        quantiles.withUnsafeMutableBufferPointer { dst in
            var sorted = true
            for i in 0..<q.count {
                dst[i] = q[i]
                if i > 0 && !(q[i - 1].quantile <= q[i].quantile) { sorted = false }
            }
            if !sorted { dst.sort { $0.quantile < $1.quantile } }
        }
        status = statusHasValue
        return result
    }
}

// Checkpoint restore (`AggregatorShard+Checkpoint.swift`): a state with every field given.
extension SummaryState {
    init(start: UInt64, time: UInt64, lastUpdate: UInt64, count: UInt64, sum: Double,
         quantiles: ContiguousArray<QuantileValue>, status: UInt8) {
        startTimeUnixNano = start; timeUnixNano = time; self.lastUpdate = lastUpdate
        self.count = count; self.sum = sum; self.quantiles = quantiles; self.status = status
    }
}
