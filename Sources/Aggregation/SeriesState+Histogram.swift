import OTLP

/// Explicit bucket upper bounds (ascending, no `+Inf`), immutable and shared: every series of a
/// metric that uses the same bounds can point at one instance (pass it as `boundsHint`).
public final class BucketBounds: Sendable {
    public let values: ContiguousArray<Double>
    public init(_ values: some Sequence<Double>) { self.values = ContiguousArray(values) }

    public var count: Int { values.count }

    /// Element-wise equality with a point's bounds (no allocation).
    public func matches(_ other: UnsafeBufferPointer<Double>) -> Bool {
        values.withUnsafeBufferPointer { mine in
            guard mine.count == other.count else { return false }
            for i in 0..<mine.count where mine[i] != other[i] { return false }
            return true
        }
    }

    public static let empty = BucketBounds([])
}

/// A classic (explicit-bucket) histogram series: `_bucket{le}` / `_sum` / `_count`.
///
/// Storage: 64 inline bytes + one `ContiguousArray<UInt64>` of `bounds.count + 1` per-bucket
/// (non-cumulative) counts (32 + 8·(n+1) heap bytes) + a shared `BucketBounds`. Applying a point
/// with unchanged bounds overwrites/adds the counts in place: no allocation.
///
/// Bounds changing within a series ⇒ **reset**: the new point replaces the state (its start
/// becomes the created time). This is what the Collector does ("bounds differ ⇒ take newest");
/// rejecting instead would wedge a series forever after an SDK reconfiguration, and a cumulative
/// point with new bounds is a complete description of its stream anyway. For a delta stream the
/// accumulated history cannot be re-bucketed, so it restarts from the new point.
///
/// A point with no buckets (both arrays empty) is stored as bounds `[]`, counts `[count]`: the
/// renderer emits only `le="+Inf"`, `_sum`, `_count`.
public struct HistogramState: Sendable {
    public private(set) var startTimeUnixNano: UInt64 = 0
    public private(set) var timeUnixNano: UInt64 = 0
    public private(set) var lastUpdate: UInt64 = 0
    /// `_count` (= the `+Inf` bucket).
    public private(set) var count: UInt64 = 0
    /// `_sum`; meaningful only if `hasSum` (omit `_sum` otherwise, §4.3).
    public private(set) var sum: Double = 0
    public private(set) var bounds: BucketBounds = .empty
    /// Per-bucket counts, `bounds.count + 1` of them (the last is the overflow bucket).
    public private(set) var bucketCounts: ContiguousArray<UInt64> = []
    var status: UInt8 = 0

    public init() {}

    public var hasValue: Bool { status & statusHasValue != 0 }
    public var isStale: Bool { status & statusStale != 0 }
    public var hasSum: Bool { status & statusHasSum != 0 }

    /// Calls `body(le, cumulativeCount)` for each finite bound in ascending order; the `+Inf`
    /// bucket is `count`.
    public func forEachCumulativeBucket(_ body: (Double, UInt64) -> Void) {
        var cum: UInt64 = 0
        bounds.values.withUnsafeBufferPointer { b in
            bucketCounts.withUnsafeBufferPointer { c in
                for i in 0..<b.count {
                    cum &+= c[i]
                    body(b[i], cum)
                }
            }
        }
    }

    /// Applies a decoded point (the decoder has validated counts vs bounds).
    /// - Parameter boundsHint: a shared bounds object to use if it equals the point's bounds
    ///   (saves one allocation per new series; the shard can keep the last `bounds` per metric).
    ///   Evaluated only when the bounds change (an autoclosure: the per-point path does not
    ///   even retain it).
    public mutating func apply(_ p: HistogramPointView, temporality: Temporality, boundsHint: @autoclosure () -> BucketBounds? = nil,
                               now: UInt64) -> ApplyResult {
        apply(start: p.common.startTimeUnixNano, time: p.common.timeUnixNano, count: p.count, sum: p.sum,
              bucketCounts: p.bucketCounts, bounds: p.explicitBounds, temporality: temporality,
              noRecordedValue: p.common.flags.contains(.noRecordedValue), boundsHint: boundsHint(), now: now)
    }

    public mutating func apply(start: UInt64, time: UInt64, count c: UInt64, sum s: Double?,
                               bucketCounts pc: UnsafeBufferPointer<UInt64>, bounds pb: UnsafeBufferPointer<Double>,
                               temporality: Temporality, noRecordedValue: Bool = false,
                               boundsHint: @autoclosure () -> BucketBounds? = nil, now: UInt64) -> ApplyResult {
        let isDelta: Bool
        switch temporality {
        case .cumulative: isDelta = false
        case .delta: isDelta = true
        case .unspecified: return .rejected(.invalidTemporality)
        }
        if status != 0 && (time < timeUnixNano || (isDelta && time == timeUnixNano)) { return .droppedOutOfOrder }
        if noRecordedValue {
            status = statusStale
            timeUnixNano = time
            lastUpdate = now
            startTimeUnixNano = 0
            count = 0
            sum = 0
            return .stale
        }
        let sameBounds = hasValue && bounds.matches(pb)
        var result = ApplyResult.applied
        if hasValue {
            if isDelta {
                if start < startTimeUnixNano { return .droppedOutOfOrder }
                if sameBounds {
                    // Accumulate in place.
                    count &+= c
                    if let s, hasSum { sum += s } else { status &= ~statusHasSum }
                    bucketCounts.withUnsafeMutableBufferPointer { dst in
                        if pc.isEmpty { dst[0] &+= c } else { for i in 0..<dst.count { dst[i] &+= pc[i] } }
                    }
                    timeUnixNano = time
                    lastUpdate = now
                    return .applied
                }
                result = .reset
            } else {
                let startChanged = start != startTimeUnixNano && start != 0 && startTimeUnixNano != 0
                if startChanged || c < count || !sameBounds { result = .reset }
            }
        }
        // Replace the state with the point.
        if !sameBounds {
            if let hint = boundsHint(), hint.matches(pb) {
                bounds = hint
            } else {
                bounds = pb.isEmpty ? .empty : BucketBounds(pb)
            }
        }
        let n = pb.count + 1
        if bucketCounts.count != n {
            bucketCounts = ContiguousArray(repeating: 0, count: n)
        }
        bucketCounts.withUnsafeMutableBufferPointer { dst in
            if pc.isEmpty { dst[0] = c } else { for i in 0..<n { dst[i] = pc[i] } }
        }
        if !isDelta && hasValue && result == .applied {
            if start != 0 { startTimeUnixNano = start }
        } else if !(isDelta && hasValue && result == .applied) {
            startTimeUnixNano = start
        }
        count = c
        if let s { sum = s; status = statusHasValue | statusHasSum } else { sum = 0; status = statusHasValue }
        timeUnixNano = time
        lastUpdate = now
        return result
    }
}

// Checkpoint restore (`AggregatorShard+Checkpoint.swift`): a state with every field given.
extension HistogramState {
    init(start: UInt64, time: UInt64, lastUpdate: UInt64, count: UInt64, sum: Double, bounds: BucketBounds,
         bucketCounts: ContiguousArray<UInt64>, status: UInt8) {
        startTimeUnixNano = start; timeUnixNano = time; self.lastUpdate = lastUpdate
        self.count = count; self.sum = sum; self.bounds = bounds; self.bucketCounts = bucketCounts; self.status = status
    }
}
