import SLO
import Synchronization

// The seams between the aggregator shards and the SLO evaluator (issue 5).
//
// Data path: a series is linked to SLO instances once, when a shard creates it (`SLOMatcher`
// decides the roles, `SLOInstanceRegistry` the instance ids). Each shard keeps a *partial*
// `SLOState` per instance it feeds and adds every linked point's increments to it on its own
// thread (no lock, no message per point). Once per evaluation tick each shard advances its
// partial states and hands back one `SLOPartialReport` per instance; the `SLOEngine` sums the
// partial window sums of every shard (for the timeslice methods it classifies the closed raw
// slices in one whole state per instance instead), computes each instance's `SLOStatus`, and
// publishes an immutable `SLOSnapshot` that `/metrics` and `/api/v1/slos` read.

/// How a series feeds an SLO instance.
public enum SLORole: Sendable, Hashable {
    /// Events SLI, the `total` selector.
    case total
    /// Events SLI, the `good` selector.
    case good
    /// Events SLI, the `bad` selector.
    case bad
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

    /// For the events roles: the (good, total) increments one counter increase `inc` adds.
    /// A "bad" SLI counts good = total − bad: the total series adds (inc, inc), a bad series
    /// (−inc, 0). A "good" SLI: the total series adds (0, inc), a good series (inc, 0).
    @inlinable
    public func increments(_ inc: Double, sliHasGood: Bool) -> (good: Double, total: Double) {
        switch self {
        case .total: sliHasGood ? (0, inc) : (inc, inc)
        case .good: (inc, 0)
        case .bad: (-inc, 0)
        case .latency, .latencyExponential: (0, 0)
        }
    }
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

/// What one shard reports for one instance at an evaluation tick (after advancing its partial
/// state to the tick's instant).
public struct SLOPartialReport: Sendable {
    public var instance: Int32
    /// The partial state's window sums, `SLOLayout.windows` order (period last). For the
    /// timeslice methods the partial windows stay empty; `closedSlices` carry the data.
    public var sums: [WindowSums]
    /// Timeslice methods: raw slices this shard closed since its last report.
    public var closedSlices: [ClosedSlice]
    /// Events this shard has counted for the instance since it started (monotonic), for
    /// `slod_slo_events_total{kind="good"|"total"}`.
    public var goodEvents: Double
    public var totalEvents: Double
    /// Points the partial state dropped (too old, too far in the future, invalid), cumulative.
    public var drops: DropCounters

    public init(instance: Int32, sums: [WindowSums], closedSlices: [ClosedSlice] = [], goodEvents: Double, totalEvents: Double,
                drops: DropCounters = DropCounters()) {
        self.instance = instance
        self.sums = sums
        self.closedSlices = closedSlices
        self.goodEvents = goodEvents
        self.totalEvents = totalEvents
        self.drops = drops
    }
}
