import SLO

/// The SLO evaluator: owns the `SLOState` of every SLO instance, adds the increments the
/// aggregator shards collected since the previous tick (`SLODelta`s), and computes every
/// instance's windows and budget, once per evaluation tick.
///
/// The shards only sum their points per instance and `SLOLayout.deltaBucketNanos` bucket
/// (`ShardSLO`); all window, period and slice logic runs here, on the evaluation thread, so a
/// tick never pauses ingestion for more than handing over a list, an instance costs one state
/// however many shards feed it, and timeslices are judged on the whole instance.
///
/// Instances the registry knows but no shard has reported yet are evaluated with empty states.
///
/// Not thread-safe: one thread at a time calls `evaluate` (the daemon's evaluation timer); the
/// snapshots it returns are immutable and can be read anywhere. It is `@unchecked Sendable` so
/// the composition root can build it and hand it to that thread, the way a `BatchSlice` moves
/// to its shard: whoever hands it over must not touch it again. Cost per tick: O(deltas +
/// instances × windows); the buffers are reused between ticks, and the only allocations are
/// the snapshot's three arrays (instances, their windows, the refusal counts) and what new
/// instances need.
public final class SLOEngine: @unchecked Sendable {
    public let specs: [SLOSpec]
    public let registry: SLOInstanceRegistry
    /// One layout per SLO, shared by all its instances (and usable by the shards).
    public let layouts: [SLOLayout]
    let outputs: [SLOOutput]
    /// `layouts[slo].windowCount`, as plain integers for the per-instance loop.
    let windowCounts: [Int]

    // Per known instance, indexed by id (flat arrays: the tick loops touch only what they need).
    /// The instance's SLO.
    var instanceSLO: [Int] = []
    /// First element of the instance's run in `sums`.
    var sumsBase: [Int] = []
    /// Group values and output labels.
    var labels: [InstanceLabels] = []
    /// The instance's state, created when the engine first sees the instance.
    var states: [SLOState] = []
    /// Event counters since the instance was created, for `slod_slo_events_total` and drops.
    var counters: [InstanceCounters] = []
    /// Drops per instance (the state's and the shards' invalid points), refreshed every tick.
    var drops: [DropCounters] = []
    /// This tick's deltas grouped by instance (`group`): instance `id`'s are
    /// `grouped[groupEnd[id − 1] ..< groupEnd[id]]` (from 0 for id 0). Reused between ticks.
    var grouped: [SLODelta] = []
    var groupEnd: [Int] = []
    /// Per instance new in the current tick (from the first new id): a timeslice instance not
    /// adopted from a previous engine, whose state restarts at its earliest delta (`applyFirst`).
    var fresh: [Bool] = []
    /// Window sums of every instance, flat, refilled every tick.
    var sums: [WindowSums] = []
    /// Snapshot order, labels and sums offsets, rebuilt when instances are added.
    var table: InstanceTable
    /// The instant of the last evaluation (ticks never go back).
    public private(set) var lastNow: Int64 = .min
    /// Deltas ignored since start: an instance id the registry never assigned (a shard built
    /// for another SLO set).
    public private(set) var ignoredDeltas = 0

    /// An engine for the SLOs of `registry` (`specs` must be the registry's). `version` is
    /// written as `sloth_version` on `sloth_slo_info` when not empty. Throws when a spec's
    /// configuration does not give a valid `SLOLayout` (specs are validated when built, so
    /// this means a configuration the layout refuses, named in the error).
    public init(specs: [SLOSpec], registry: SLOInstanceRegistry, version: String = "") throws(SLOConfigurationError) {
        precondition(specs == registry.specs, "the engine and its registry must share one SLO list")
        self.specs = specs
        self.registry = registry
        var layouts: [SLOLayout] = []
        for spec in specs {
            do {
                layouts.append(try SLOLayout(spec.configuration))
            } catch {
                throw SLOConfigurationError(error.subject, "SLO \(spec.id) (\(spec.source)): \(error.message)")
            }
        }
        self.layouts = layouts
        outputs = zip(specs, layouts).map { SLOOutput(spec: $0, layout: $1, version: version) }
        windowCounts = layouts.map(\.windowCount)
        table = InstanceTable(order: [], instanceSLO: [], sumsBase: [], labels: [], shapes: layouts.map(InstanceTable.Shape.init))
    }

    /// Adds the shards' deltas (one array per shard, each holding what that shard collected
    /// since the previous tick), advances every state to `now` (Unix nanoseconds) and returns
    /// the snapshot at `now`.
    ///
    /// Deltas are added before the states advance, at the clock of the previous tick, so a
    /// point that arrived before a slice's grace period ended still counts in that slice. A
    /// timeslice instance new in this tick starts its state at its earliest delta (not before
    /// the period's start; at `now` without any) and takes its deltas in time order, its clock
    /// moved up to each: what the shards collected between the instance's creation and its
    /// first tick lands in slices that are still open, as if the state had existed all along.
    /// (Occurrences need no such care: a state reaches back over all its windows from any
    /// clock.) A delta for an instance id the registry never assigned is skipped and counted in
    /// `ignoredDeltas`. `now` earlier than the previous tick is treated as the previous tick
    /// (windows never slide back).
    public func evaluate(deltas: [[SLODelta]], now requestedNow: Int64) -> SLOSnapshot {
        let now = max(requestedNow, lastNow)
        lastNow = now
        let firstNew = syncInstances(now: now)
        let first = group(deltas, firstNew: firstNew)
        if !first.isEmpty { applyFirst(first, now: now) }
        update(to: now)
        return snapshot(now: now)
    }

    // MARK: Instances

    /// What the engine this one replaces (reload) hands over, by new instance id; taken when
    /// the instance first shows up.
    struct Adopted {
        var state: SLOState
        var counters: InstanceCounters
    }
    var adopted: [Int32: Adopted] = [:]

    /// On reload: takes over the states (windows, budget, judged slices) and event counters of
    /// `old`'s instances whose SLO is unchanged (`keep[old SLO index] = new SLO index`), under
    /// this engine's instance ids, each re-laid into the new layout when its alert windows
    /// changed (`SLOState.relaid(in:)`). Call before the first `evaluate`. Returns the instances
    /// whose state could not be re-laid and start over, with the reason, for the caller to log.
    @discardableResult
    public func adoptStates(from old: SLOEngine, keep: [Int: Int]) -> [(slo: String, groupValues: [String], reason: String)] {
        var startedOver: [(slo: String, groupValues: [String], reason: String)] = []
        for (id, key) in old.registry.instances() where Int(id) < old.states.count {
            guard let slo = keep[key.slo],
                  let newID = registry.instance(for: SLOInstanceKey(slo: slo, groupValues: key.groupValues)) else { continue }
            let i = Int(id)
            // Same definition, but the alert windows (hence the layout) may have changed.
            do throws(SLOStateDecodingError) {
                adopted[newID] = Adopted(state: try old.states[i].relaid(in: layouts[slo]), counters: old.counters[i])
            } catch {
                startedOver.append((slo: old.specs[key.slo].id, groupValues: key.groupValues, reason: error.description))
            }
        }
        return startedOver
    }

    /// Takes in the instances the registry assigned since the last tick and returns the first
    /// new id (`states.count` when none is new). A new instance's state starts at `now`;
    /// `apply` moves it back to its earliest delta.
    func syncInstances(now: Int64) -> Int {
        let firstNew = instanceSLO.count
        let added = registry.instances(from: firstNew)
        guard !added.isEmpty else { return firstNew }
        for (id, key) in added {
            precondition(Int(id) == instanceSLO.count, "registry ids are dense")
            let layout = layouts[key.slo]
            instanceSLO.append(key.slo)
            sumsBase.append(sums.count)
            labels.append(InstanceLabels(output: outputs[key.slo], spec: specs[key.slo], groupValues: key.groupValues))
            if let a = adopted.removeValue(forKey: id) {
                fresh.append(false)
                states.append(a.state)
                counters.append(a.counters)
            } else {
                fresh.append(layout.configuration.budgeting.usesTimeslices)
                states.append(SLOState(layout: layout, now: now))
                counters.append(InstanceCounters())
            }
            sums.append(contentsOf: repeatElement(.zero, count: layout.windowCount))
            drops.append(DropCounters())
        }
        var order = (0..<instanceSLO.count).map { Int32($0) }
        order.sort { a, b in
            let x = Int(a), y = Int(b)
            if instanceSLO[x] != instanceSLO[y] { return instanceSLO[x] < instanceSLO[y] }
            return labels[x].groupValues.lexicographicallyPrecedes(labels[y].groupValues) { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
        table = InstanceTable(order: order, instanceSLO: instanceSLO, sumsBase: sumsBase, labels: labels, shapes: table.shapes)
        return firstNew
    }

    // MARK: Ticks

    /// Groups this tick's deltas by instance (a counting sort into `grouped` and `groupEnd`),
    /// so `update` touches each state once. Returns the deltas of new timeslice instances
    /// instead, for `applyFirst`. O(deltas + instances), no allocation once the buffers grew.
    func group(_ deltas: [[SLODelta]], firstNew: Int) -> [SLODelta] {
        let count = states.count
        groupEnd.removeAll(keepingCapacity: true)
        groupEnd.append(contentsOf: repeatElement(0, count: count))
        var first: [SLODelta] = []
        var total = 0
        var ignored = 0
        fresh.withUnsafeBufferPointer { fresh in
            groupEnd.withUnsafeMutableBufferPointer { ends in
                // Count per instance, then turn counts into start offsets.
                for shard in deltas {
                    for d in shard {
                        let id = Int(d.instance)
                        guard id >= 0, id < count else { ignored += 1; continue }
                        if id >= firstNew && fresh[id - firstNew] { first.append(d); continue }
                        ends[id] += 1
                        total += 1
                    }
                }
                var sum = 0
                for id in 0..<count {
                    let c = ends[id]
                    ends[id] = sum
                    sum += c
                }
                if grouped.count < total {
                    grouped.append(contentsOf: repeatElement(SLODelta(instance: 0, time: 0, good: 0, total: 0), count: total - grouped.count))
                }
                // Scatter; each start offset ends up as its instance's end.
                grouped.withUnsafeMutableBufferPointer { g in
                    for shard in deltas {
                        for d in shard {
                            let id = Int(d.instance)
                            guard id >= 0, id < count, !(id >= firstNew && fresh[id - firstNew]) else { continue }
                            g[ends[id]] = d
                            ends[id] += 1
                        }
                    }
                }
            }
        }
        ignoredDeltas += ignored
        fresh.removeAll(keepingCapacity: true)
        return first
    }

    /// New timeslice instances: each state restarts at its earliest delta (clamped to
    /// [period start, `now`]) and takes its deltas in time order, its clock moved up to each,
    /// so a slice that would still have been open for them takes them.
    func applyFirst(_ deltas: [SLODelta], now: Int64) {
        let sorted = deltas.sorted { $0.instance != $1.instance ? $0.instance < $1.instance : $0.time < $1.time }
        var k = 0
        while k < sorted.count {
            let id = Int(sorted[k].instance)
            let layout = states[id].layout
            let periodStart = layout.configuration.period.bounds(containing: now).startNanos
            states[id] = SLOState(layout: layout, now: min(now, max(periodStart, sorted[k].time)))
            while k < sorted.count, Int(sorted[k].instance) == id {
                states[id].advance(to: min(now, sorted[k].time))
                Self.add(sorted[k], to: &states[id], counters: &counters[id])
                k += 1
            }
        }
    }

    @inline(__always)
    static func add(_ d: SLODelta, to state: inout SLOState, counters: inout InstanceCounters) {
        if d.invalid != 0 { counters.invalid &+= UInt64(d.invalid) }
        guard d.good != 0 || d.total != 0 else { return }
        if state.add(goodUnits: d.good, totalUnits: d.total, at: d.time) == .accepted {
            counters.good &+= d.good
            counters.total &+= d.total
        }
    }

    /// How many instances ahead `update` prefetches a state's memory. A state's header and
    /// buckets are cold at every tick (10,000 states are ~500 MB); overlapping those misses
    /// roughly halves the ticks that cross a 10 s bucket boundary (`slod-bench slo` (e)).
    static let prefetchDistance = 6

    /// Adds every instance's grouped deltas (at the previous tick's clock), then advances every
    /// state to `now` and copies its window sums into `sums`, both passes in id order with the
    /// memory of the state `prefetchDistance` ids ahead requested early. (One fused pass per
    /// instance measured slower: two short loops let the CPU overlap more misses.)
    func update(to now: Int64) {
        let windowCounts = self.windowCounts
        states.withUnsafeMutableBufferPointer { states in
            counters.withUnsafeMutableBufferPointer { counters in
                sums.withUnsafeMutableBufferPointer { sums in
                drops.withUnsafeMutableBufferPointer { drops in
                    instanceSLO.withUnsafeBufferPointer { instanceSLO in
                        sumsBase.withUnsafeBufferPointer { sumsBase in
                            grouped.withUnsafeBufferPointer { grouped in
                                groupEnd.withUnsafeBufferPointer { ends in
                                    let ahead = Self.prefetchDistance
                                    var start = 0
                                    for id in 0..<states.count {
                                        let end = ends[id]
                                        // The first delta of the instance `ahead` ids on (the rest
                                        // usually share its bucket).
                                        if ahead > 0 && id + ahead < states.count {
                                            let next = ends[id + ahead - 1]
                                            if next < ends[id + ahead] { states[id + ahead].prefetch(adding: grouped[next].time) }
                                        }
                                        while start < end {
                                            Self.add(grouped[start], to: &states[id], counters: &counters[id])
                                            start += 1
                                        }
                                    }
                                    for id in 0..<states.count {
                                        if ahead > 0 && id + ahead < states.count { states[id + ahead].prefetch(advancingTo: now) }
                                        states[id].advance(to: now)
                                        drops[id] = states[id].drops
                                        drops[id].invalidValue &+= counters[id].invalid
                                        let base = sumsBase[id]
                                        for j in 0..<windowCounts[instanceSLO[id]] { sums[base + j] = states[id].windowSums(j) }
                                    }
                                }
                            }
                        }
                    }
                }
                }
            }
        }
    }

    // MARK: Snapshot

    /// The snapshot at `now`: the table and this tick's arrays, shared (copy-on-write: the
    /// next tick's writes copy them, about 1.8 MB for 10,000 instances × 8 windows). Ratios,
    /// burn rates and budgets are computed by readers, with the same `BudgetMath` in the same
    /// composition as `SLOLayout.status` (a test checks that they are equal).
    func snapshot(now: Int64) -> SLOSnapshot {
        let periods = layouts.map { $0.configuration.period.bounds(containing: now) }
        let refused = registry.refusals()
        return SLOSnapshot(nowNanos: now, specs: specs,
                           instances: SLOSnapshot.Instances(table: table, sums: sums, counters: counters, drops: drops, periods: periods),
                           refusedInstances: refused.instances, refusedSeries: refused.series, outputs: outputs)
    }
}

extension DropCounters {
    /// Adds `other`'s counts, reason by reason (wrapping).
    mutating func add(_ other: DropCounters) {
        tooOld &+= other.tooOld
        tooFarInFuture &+= other.tooFarInFuture
        invalidValue &+= other.invalidValue
        sliceClosed &+= other.sliceClosed
    }
}
