import Exposition
import OTLP
import SLOEngine
import Primitives

/// Records for one shard from one request, produced on an event loop, consumed on the shard thread.
/// Owns copies of every byte it needs (the request buffer and decoder scratch are reused after the
/// loop hands the slice over). The record format is private to `ShardingSink`/`AggregatorShard`
/// (see `ShardingSink+Records.swift`).
///
/// Ownership moves with the slice: the producer writes it, hands it over (e.g. through a ring) and
/// never touches it again; the shard reads it. One allocation per slice, none per point.
public final class BatchSlice: @unchecked Sendable {
    /// Number of point records (target_info records included).
    public internal(set) var pointCount: Int = 0
    /// The encoded records, 8-byte aligned.
    let buffer: ByteBuffer

    init(capacity: Int = 4096) {
        buffer = ByteBuffer(capacity: capacity)
    }

    /// Empties the slice for reuse.
    func reset() {
        buffer.clear()
        pointCount = 0
    }
}

/// What a shard did with a slice.
public struct SliceOutcome: Sendable {
    /// Points that changed a series (applied, reset, stale marker).
    public var applied = 0
    /// Points not applied: rejected, out of order, over a cardinality limit.
    public var rejected = 0
    /// Human-readable reason for the first rejection, naming the metric.
    public var firstRejection: String? = nil
    /// Rejected points by reason (`SeriesRejectReason` raw values, `out_of_order`, `series_limit`).
    public var rejectedByReason: [String: Int] = [:]
    public init() {}

    public mutating func merge(_ o: SliceOutcome) {
        applied += o.applied
        rejected += o.rejected
        if firstRejection == nil { firstRejection = o.firstRejection }
        for (k, v) in o.rejectedByReason { rejectedByReason[k, default: 0] += v }
    }

    mutating func reject(_ reason: String, _ message: @autoclosure () -> String) {
        rejected += 1
        rejectedByReason[reason, default: 0] += 1
        if firstRejection == nil { firstRejection = message() }
    }
}

/// One aggregator shard: single-threaded owner of its series. What `ShardRuntime` needs of a
/// shard; the runtime is generic over the conforming type, so its users reach the rest of it.
/// (The type, not its instances, crosses threads: each instance stays on its shard's thread.)
public protocol ShardWorker: AnyObject, SendableMetatype {
    /// Applies every record of `slice`. `now`: monotonic ns (injectable clock).
    func apply(_ slice: BatchSlice, now: UInt64) -> SliceOutcome
    /// Appends this shard's families.
    func snapshot(into families: inout [MetricFamily])
    /// Drops series idle longer than the TTL.
    func sweep(now: UInt64)
    /// Hands over what this shard collected for SLO instances since the last call.
    func sloReport() -> [SLODelta]
    /// Starts a copy of this shard's state as it is now, for a checkpoint (between slices; must
    /// be cheap: the copy is filled by `continueStateCopy`, the shard applying slices meanwhile
    /// without the copy seeing them).
    func beginStateCopy() -> any ShardStateCopy
    /// Fills about `bytes` more of the copy begun last; true once no copy is unfinished (the
    /// copy may then be encoded on any thread).
    func continueStateCopy(bytes: Int) -> Bool
}

/// A shard's state as it was at a checkpoint cut (`ShardWorker.beginStateCopy`).
public protocol ShardStateCopy: AnyObject, Sendable {
    /// Appends the state's checkpoint section. Any thread, once the copy is complete.
    func encode(into out: inout [UInt8])
}

/// Self-metric instruments of one aggregator shard. Give every shard its own instance: `series`
/// is `set` by its shard (with a shared instance the last writer would win), and the daemon
/// renders `slod_series{shard}` and `slod_shard_batches_applied_total{shard}` per shard and the
/// other counters summed over shards. Rejections by reason: one counter per reason label.
public final class ShardStats: Sendable {
    /// Series currently held by this shard.
    public let series = Gauge()
    /// Batch slices applied by this shard (one per `apply` call, whatever its point count).
    public let batchesApplied = Counter()
    /// Points applied (accepted: applied, reset, stale).
    public let pointsApplied = Counter()
    /// Series created / removed by sweep.
    public let seriesCreated = Counter()
    public let seriesExpired = Counter()
    /// `reason` label → counter. Reasons: `SeriesRejectReason` raw values, `out_of_order`,
    /// `series_limit`, `invalid_name`.
    public let rejected: [String: Counter]

    public static let rejectionReasons: [String] =
        SeriesRejectReason.allCases.map(\.rawValue) + ["out_of_order", "series_limit", "invalid_name", "type_conflict"]

    public init() {
        var r: [String: Counter] = [:]
        for reason in Self.rejectionReasons { r[reason] = Counter() }
        rejected = r
    }
}
