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
    /// Accepted increments since the instance was created (units of 2^-12 events), for
    /// `slod_slo_events_total`.
    var goodUnits: [Int64] = []
    var totalUnits: [Int64] = []
    /// Points the shards could not count (`SLODelta.invalid`), since the instance was created.
    var invalidPoints: [UInt64] = []
    /// Per instance new in the current tick (from the first new id): a timeslice instance not
    /// adopted from a previous engine, whose state restarts at its earliest delta (`applyFirst`).
    var fresh: [Bool] = []
    /// Window sums of every instance, flat, refilled every tick.
    var sums: [WindowSums] = []
    /// Instance ids sorted by (SLO, group values): the snapshot's order.
    var order: [Int32] = []
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
        apply(deltas, firstNew: firstNew, now: now)
        advance(to: now)
        return snapshot(now: now)
    }

    // MARK: Instances

    /// What the engine this one replaces (reload) hands over, by new instance id; taken when
    /// the instance first shows up.
    struct Adopted {
        var state: SLOState
        var good: Int64
        var total: Int64
        var invalid: UInt64
    }
    var adopted: [Int32: Adopted] = [:]

    /// On reload: takes over the states (windows, budget, judged slices) and event counters of
    /// `old`'s instances whose SLO is unchanged (`keep[old SLO index] = new SLO index`), under
    /// this engine's instance ids. Call before the first `evaluate`.
    public func adoptStates(from old: SLOEngine, keep: [Int: Int]) {
        for (id, key) in old.registry.instances() where Int(id) < old.states.count {
            guard let slo = keep[key.slo],
                  let newID = registry.instance(for: SLOInstanceKey(slo: slo, groupValues: key.groupValues)) else { continue }
            let i = Int(id)
            adopted[newID] = Adopted(state: old.states[i], good: old.goodUnits[i], total: old.totalUnits[i], invalid: old.invalidPoints[i])
        }
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
                goodUnits.append(a.good)
                totalUnits.append(a.total)
                invalidPoints.append(a.invalid)
            } else {
                fresh.append(layout.configuration.budgeting.usesTimeslices)
                states.append(SLOState(layout: layout, now: now))
                goodUnits.append(0)
                totalUnits.append(0)
                invalidPoints.append(0)
            }
            sums.append(contentsOf: repeatElement(.zero, count: layout.windowCount))
        }
        order = (0..<instanceSLO.count).map { Int32($0) }
        order.sort { a, b in
            let x = Int(a), y = Int(b)
            if instanceSLO[x] != instanceSLO[y] { return instanceSLO[x] < instanceSLO[y] }
            return labels[x].groupValues.lexicographicallyPrecedes(labels[y].groupValues) { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
        return firstNew
    }

    // MARK: Ticks

    /// Adds every delta to its instance's state. Deltas of instances new in this tick (id ≥
    /// `firstNew`, not adopted from a previous engine) go to `applyFirst` instead.
    func apply(_ deltas: [[SLODelta]], firstNew: Int, now: Int64) {
        let count = states.count
        var first: [SLODelta] = []
        states.withUnsafeMutableBufferPointer { states in
            for shard in deltas {
                for d in shard {
                    let id = Int(d.instance)
                    guard id >= 0, id < count else { ignoredDeltas += 1; continue }
                    if id >= firstNew && fresh[id - firstNew] {
                        first.append(d)
                        continue
                    }
                    add(d, to: &states[id])
                }
            }
        }
        fresh.removeAll(keepingCapacity: true)
        if !first.isEmpty { applyFirst(first, now: now) }
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
                add(sorted[k], to: &states[id])
                k += 1
            }
        }
    }

    @inline(__always)
    func add(_ d: SLODelta, to state: inout SLOState) {
        let id = Int(d.instance)
        if d.invalid != 0 { invalidPoints[id] &+= UInt64(d.invalid) }
        guard d.good != 0 || d.total != 0 else { return }
        if state.add(goodUnits: d.good, totalUnits: d.total, at: d.time) == .accepted {
            goodUnits[id] &+= d.good
            totalUnits[id] &+= d.total
        }
    }

    /// Advances every state to `now` and copies its window sums into `sums`.
    func advance(to now: Int64) {
        let windowCounts = self.windowCounts
        states.withUnsafeMutableBufferPointer { states in
            sums.withUnsafeMutableBufferPointer { sums in
                instanceSLO.withUnsafeBufferPointer { instanceSLO in
                    sumsBase.withUnsafeBufferPointer { sumsBase in
                        for id in 0..<states.count {
                            states[id].advance(to: now)
                            let base = sumsBase[id]
                            for j in 0..<windowCounts[instanceSLO[id]] { sums[base + j] = states[id].windowSums(j) }
                        }
                    }
                }
            }
        }
    }

    // MARK: Snapshot

    /// The statuses of every instance, in snapshot order, in flat storage.
    ///
    /// The windows and budget of an instance are what `SLOLayout.status(sums:period:now:)`
    /// gives for its sums (the same `BudgetMath` in the same composition; a test checks that
    /// they are equal), computed here straight into the snapshot's arrays instead of one
    /// `SLOStatus` per instance: with 10,000 instances, allocating and freeing one windows
    /// array each per tick costs more than the arithmetic.
    func snapshot(now: Int64) -> SLOSnapshot {
        let periods = layouts.map { $0.configuration.period.bounds(containing: now) }
        var instances: [SLOSnapshot.Instance] = []
        instances.reserveCapacity(order.count)
        var windowsOut: [WindowStatus] = []
        windowsOut.reserveCapacity(sums.count)
        sums.withUnsafeBufferPointer { sums in
            // `order` runs SLO by SLO: read each layout once per run.
            var k = 0
            while k < order.count {
                let slo = instanceSLO[Int(order[k])]
                let layout = layouts[slo]
                let count = windowCounts[slo]
                let period = periods[slo]
                let errorBudget = layout.configuration.objective.errorBudget
                let scale = 1 / layout.unitsPerCount
                let periodIndex = layout.periodWindowIndex
                let exhaustionIndex = layout.exhaustionWindowIndex
                while k < order.count, instanceSLO[Int(order[k])] == slo {
                    let id = Int(order[k])
                    let base = sumsBase[id]
                    let windowBase = windowsOut.count
                    for j in 0..<count {
                        let s = sums[base + j]
                        let ratio = BudgetMath.errorRatio(good: s.good, total: s.total)
                        windowsOut.append(WindowStatus(sums: s, good: Double(s.good) * scale, total: Double(s.total) * scale,
                                                       errorRatio: ratio,
                                                       burnRate: BudgetMath.burnRate(errorRatio: ratio, errorBudget: errorBudget)))
                    }
                    let p = windowsOut[windowBase + periodIndex]
                    let remaining = BudgetMath.remainingBudget(periodErrorRatio: p.errorRatio, errorBudget: errorBudget)
                    let budget = BudgetStatus(
                        period: period, errorRatio: p.errorRatio, burnRate: p.burnRate, remaining: remaining, consumed: p.burnRate,
                        exhaustionSeconds: BudgetMath.exhaustionSeconds(remaining: remaining, periodSeconds: period.lengthSeconds,
                                                                        burnRate: windowsOut[windowBase + exhaustionIndex].burnRate))
                    var drops = states[id].drops
                    drops.invalidValue &+= invalidPoints[id]
                    instances.append(SLOSnapshot.Instance(id: order[k], slo: slo, budget: budget,
                                                          goodEvents: Double(goodUnits[id]) / SLOState.eventUnits,
                                                          totalEvents: Double(totalUnits[id]) / SLOState.eventUnits, drops: drops,
                                                          windowBase: windowBase, windowCount: count, labels: labels[id]))
                    k += 1
                }
            }
        }
        return SLOSnapshot(nowNanos: now, specs: specs, instances: instances, windows: windowsOut,
                           refusedInstances: registry.refusedCounts(), outputs: outputs)
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
