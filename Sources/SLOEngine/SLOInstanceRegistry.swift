import SLO
import Synchronization

/// The SLO instances that exist, each with a dense id, shared by every aggregator shard and the
/// `SLOEngine`.
///
/// An instance is one SLO and one value set of its `groupBy` labels (`SLOInstanceKey`). Ids are
/// assigned in order of first request, counting from 0 across all SLOs, so the engine can keep
/// per-instance data in flat arrays indexed by id. An SLO without `groupBy` has exactly one
/// instance; it is created by `init` (ids `0…` in spec order), so that SLO is evaluated and
/// exposed from start-up, before any series feeds it. Ids are never reused or removed: the
/// registry lives as long as its SLO set (a reload that changes the SLOs builds a new one).
///
/// At most `spec.maxInstances` instances per SLO: a key that would open another one gets nil,
/// and the refusal is counted per SLO (`refusedInstances(slo:)`), one per call, that is one per
/// series that could not be counted (shards call `instance(for:)` when they create a series).
///
/// Thread-safe: one `Mutex` guards everything. Shards take it once per new series, never per
/// point; the engine takes it once per evaluation tick (`instances(from:)`, `refusals()`).
public final class SLOInstanceRegistry: Sendable {
    /// The SLOs, in the order their indices (`SLOInstanceKey.slo`) refer to.
    public let specs: [SLOSpec]

    private struct State {
        var ids: [SLOInstanceKey: Int32] = [:]
        /// `keys[id]` is the key of instance `id`.
        var keys: [SLOInstanceKey] = []
        /// Per SLO: instances assigned, keys refused, series refused (`refuseSeries`).
        var counts: [Int]
        var refused: [Int]
        var refusedSeries: [Int]
    }

    private let state: Mutex<State>

    /// A registry for `specs`, with the single instance of every SLO without `groupBy` already
    /// assigned (in spec order).
    public init(specs: [SLOSpec]) {
        self.specs = specs
        let zeros = [Int](repeating: 0, count: specs.count)
        var s = State(counts: zeros, refused: zeros, refusedSeries: zeros)
        for (slo, spec) in specs.enumerated() where spec.groupBy.isEmpty {
            let key = SLOInstanceKey(slo: slo, groupValues: [])
            s.ids[key] = Int32(s.keys.count)
            s.keys.append(key)
            s.counts[slo] = 1
        }
        state = Mutex(s)
    }

    /// The id of the instance `key` names, assigning the next id to a new key; nil when the
    /// key's SLO already has `maxInstances` instances (the refusal is counted).
    ///
    /// `key.slo` must index `specs` and `key.groupValues` must hold one value per `groupBy`
    /// label (the matcher's contract; a violation is a programmer error and traps). O(1)
    /// expected: one hash of the key under the lock.
    public func instance(for key: SLOInstanceKey) -> Int32? {
        precondition(key.slo >= 0 && key.slo < specs.count, "SLO index \(key.slo) out of range (\(specs.count) SLOs)")
        let spec = specs[key.slo]
        precondition(key.groupValues.count == spec.groupBy.count,
                     "SLO \(spec.id) groups by \(spec.groupBy), got \(key.groupValues.count) values")
        return state.withLock { s -> Int32? in
            if let id = s.ids[key] { return id }
            guard s.counts[key.slo] < spec.maxInstances, s.keys.count < Int(Int32.max) else {
                s.refused[key.slo] += 1
                return nil
            }
            let id = Int32(s.keys.count)
            s.ids[key] = id
            s.keys.append(key)
            s.counts[key.slo] += 1
            return id
        }
    }

    /// How many times a new instance of SLO `slo` was refused because of `maxInstances`.
    public func refusedInstances(slo: Int) -> Int {
        state.withLock { $0.refused[slo] }
    }

    /// Counts a series a selector of SLO `slo` picked that cannot feed it (a histogram without
    /// a bucket bound at the latency threshold). Cold path: once per such series and shard.
    public func refuseSeries(slo: Int) {
        precondition(slo >= 0 && slo < specs.count, "SLO index \(slo) out of range (\(specs.count) SLOs)")
        state.withLock { $0.refusedSeries[slo] += 1 }
    }

    /// Per SLO, in spec order: instances refused (`maxInstances`) and series refused
    /// (`refuseSeries`), under one lock.
    public func refusals() -> (instances: [Int], series: [Int]) {
        state.withLock { ($0.refused, $0.refusedSeries) }
    }

    /// Instances assigned so far.
    public var count: Int {
        state.withLock { $0.keys.count }
    }

    /// Every instance, in id order (ids are `0..<count`).
    public func instances() -> [(id: Int32, key: SLOInstanceKey)] {
        instances(from: 0)
    }

    /// The instances with ids from `first` on, in id order: what the engine asks for at each
    /// tick to learn the instances created since the last one. Cost: O(new instances).
    public func instances(from first: Int) -> [(id: Int32, key: SLOInstanceKey)] {
        state.withLock { s in
            guard first < s.keys.count else { return [] }
            return (max(first, 0)..<s.keys.count).map { (Int32($0), s.keys[$0]) }
        }
    }
}
