import SLO
import Synchronization

// The seams between the aggregator shards and the SLO evaluator (issue 5).
//
// Data path: a series is linked to SLO instances once, when a shard creates it (`SLOMatcher`
// decides the roles, `SLOInstanceRegistry` the instance ids). Each shard keeps a
// pending sum per instance it feeds and adds every linked point's increments to it on its own
// thread (no lock, no message per point); points of another 10 s bucket (late points, or the
// next bucket) push the pending sum onto a list of `SLODelta`s. Once per evaluation tick each
// shard hands its deltas over; the `SLOEngine`, which owns the one `SLOState` of every instance,
// adds them at their buckets' times, advances every state to the tick, computes each
// instance's status, and publishes an immutable `SLOSnapshot` that `/metrics` and
// `/api/v1/slos` read.

/// What an events SLI's selector is: the `total`, `good` or `bad` events.
public enum SLOEventRole: Sendable, Hashable {
    case total
    case good
    case bad

    /// The (good, total) increments an increase `inc` of a selected series adds.
    /// A "bad" SLI counts good = total − bad: the total series adds (inc, inc), a bad series
    /// (−inc, 0). A "good" SLI: the total series adds (0, inc), a good series (inc, 0).
    @inlinable
    public func increments(_ inc: Double, sliHasGood: Bool) -> (good: Double, total: Double) {
        switch self {
        case .total: sliHasGood ? (0, inc) : (inc, inc)
        case .good: (inc, 0)
        case .bad: (-inc, 0)
        }
    }
}

/// How a series feeds an SLO instance.
public enum SLORole: Sendable, Hashable {
    /// Events SLI over a counter's increase, or a histogram's count (`_count`, and
    /// `_bucket{le="+Inf"}`, which equals it).
    case events(SLOEventRole)
    /// Events SLI over one bucket of an explicit-bucket histogram (`_bucket{le="0.4"}`): the
    /// bucket's cumulative count, i.e. the observations in buckets `0..<cumulativeBuckets`
    /// (the bucket whose bound is `le` and every bucket below it).
    case bucketEvents(SLOEventRole, cumulativeBuckets: Int)
    /// Latency SLI on an explicit-bucket histogram: good observations are
    /// `Σ bucketCounts[0..<fullBuckets] + fraction × bucketCounts[fullBuckets]` (fraction 0 when
    /// the threshold is a bucket bound, else the linear interpolation inside its bucket), total
    /// observations the histogram's count.
    case latency(fullBuckets: Int, fraction: Double)
    /// Latency SLI on an exponential histogram: good observations are the zero bucket (when its
    /// threshold is ≤ `threshold`), every negative bucket and the positive buckets whose upper
    /// bound is ≤ `threshold`, recomputed at each point's scale. The bucket that straddles the
    /// threshold counts as bad: the error is at most that bucket's observations, whose values
    /// lie within a factor `2^(2^-scale)` of the threshold (≈ 9 % at scale 3, 19 % at scale 2).
    case latencyExponential(threshold: Double)
}

/// One series → SLO instance link, as the matcher decides it (before instance ids exist).
public struct SLOLink: Sendable, Equatable {
    /// Index of the SLO in the engine's spec list.
    public var slo: Int
    /// Values of the SLO's `groupBy` labels, in `groupBy` order ("" for an absent label).
    public var groupValues: [String]
    public var role: SLORole

    public init(slo: Int, groupValues: [String], role: SLORole) {
        self.slo = slo
        self.groupValues = groupValues
        self.role = role
    }
}

/// An SLO instance: one SLO and one value set of its `groupBy` labels.
public struct SLOInstanceKey: Sendable, Hashable {
    public var slo: Int
    public var groupValues: [String]

    public init(slo: Int, groupValues: [String]) {
        self.slo = slo
        self.groupValues = groupValues
    }
}

/// What a shard collected for one SLO instance in one bucket of event time since the previous
/// evaluation tick (`ShardSLO`), handed to the `SLOEngine`, which adds it to the instance's state.
public struct SLODelta: Sendable, Equatable {
    public var instance: Int32
    /// Points the shard could not count: an increment that is not finite or of 2^40 events or
    /// more (`SLOState.units` refused it). Counted as `invalidValue` drops.
    public var invalid: UInt32
    /// The bucket's start, Unix nanoseconds: a multiple of the SLO's `SLOLayout.deltaBucketNanos`;
    /// every point summed here had an event time in `[time, time + deltaBucketNanos)`.
    public var time: Int64
    /// Sums of the points' increments in units of 2^-12 events (`SLOState.units`), wrapping.
    public var good: Int64
    public var total: Int64

    public init(instance: Int32, invalid: UInt32 = 0, time: Int64, good: Int64, total: Int64) {
        self.instance = instance
        self.invalid = invalid
        self.time = time
        self.good = good
        self.total = total
    }
}
