import SLO

/// The SLO evaluator: merges the aggregator shards' partial reports of every SLO instance and
/// computes each instance's windows and budget, once per evaluation tick.
///
/// Occurrences: an instance's window sums are the sums of its shards' partial window sums
/// (fixed-point integers, so the merge is exact). Timeslice methods: a slice must be judged on
/// the whole instance, so the engine keeps one *whole* `SLOState` per instance, feeds it every
/// raw slice the shards closed since the last tick (`addClosedSlice`), advances it to the tick
/// instant (which classifies the slices) and reads its windows; the shards' partial windows are
/// not used (see `SLOState`'s notes on partial states).
///
/// Instances the registry knows but no shard has reported yet are evaluated with zero sums.
///
/// Not thread-safe: one thread at a time calls `evaluate` (the daemon's evaluation timer); the
/// snapshots it returns are immutable and can be read anywhere. It is `@unchecked Sendable` so
/// the composition root can build it and hand it to that thread, the way a `BatchSlice` moves
/// to its shard: whoever hands it over must not touch it again. Cost per tick: O(instances ×
/// windows + reports + closed slices); the buffers are reused between ticks, and the only
/// allocations are the snapshot's three arrays (instances, their windows, the refusal counts)
/// and what new instances need.
public final class SLOEngine: @unchecked Sendable {
    public let specs: [SLOSpec]
    public let registry: SLOInstanceRegistry
    /// One layout per SLO, shared by all its instances (and usable by the shards).
    public let layouts: [SLOLayout]
    let outputs: [SLOOutput]
    /// `layouts[slo].windowCount`, as plain integers for the per-report loop.
    let windowCounts: [Int]

    // Per known instance, indexed by id (flat arrays: the tick loops touch only what they need).
    /// The instance's SLO.
    var instanceSLO: [Int] = []
    /// First element of the instance's run in `sums`.
    var sumsBase: [Int] = []
    /// Group values and output labels.
    var labels: [InstanceLabels] = []
    /// Timeslice methods: the whole state, created at the first tick that sees the instance;
    /// nil for occurrences.
    var wholes: [SLOState?] = []
    /// Ids of the instances whose SLO uses a timeslice method.
    var timesliceInstances: [Int] = []
    /// Window sums of every instance, flat, zeroed and re-accumulated every tick.
    var sums: [WindowSums] = []
    /// Summed over the reports of the current tick.
    var goodEvents: [Double] = []
    var totalEvents: [Double] = []
    var drops: [DropCounters] = []
    /// Instance ids sorted by (SLO, group values): the snapshot's order.
    var order: [Int32] = []
    /// Closed slices of the current tick, (instance, slice), sorted before use.
    var pendingSlices: [(instance: Int32, slice: ClosedSlice)] = []
    /// The instant of the last evaluation (ticks never go back).
    public private(set) var lastNow: Int64 = .min
    /// Reports ignored since start: an instance id the registry never assigned, or window sums
    /// that do not match the SLO's layout (a shard built for another SLO set, e.g. mid-reload).
    public private(set) var ignoredReports = 0

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

    /// Merges `reports` (one array per shard, each holding that shard's reports of this tick,
    /// every shard advanced to `now`) and returns the snapshot at `now` (Unix nanoseconds).
    ///
    /// Each shard is expected to report every partial state it holds at every tick: window sums
    /// and event counters are the sums of this tick's reports, and closed slices are taken as
    /// "closed since the previous tick". A report with an unknown instance id or window count is
    /// skipped and counted in `ignoredReports`. `now` earlier than the previous tick is treated
    /// as the previous tick (windows never slide back).
    public func evaluate(reports: [[SLOPartialReport]], now requestedNow: Int64) -> SLOSnapshot {
        let now = max(requestedNow, lastNow)
        lastNow = now
        syncInstances()
        refill(reports)
        classifySlices(now: now)
        return snapshot(now: now)
    }

    // MARK: Instances

    /// Whole states handed over from the engine this one replaces (reload), by new instance id;
    /// taken when the instance first shows up.
    var adoptedWholes: [Int32: SLOState] = [:]

    /// On reload: takes over the timeslice whole states (the judged slices) of `old`'s instances
    /// whose SLO is unchanged (`keep[old SLO index] = new SLO index`), under this engine's
    /// instance ids. Call before the first `evaluate`.
    public func adoptWholeStates(from old: SLOEngine, keep: [Int: Int]) {
        for (id, key) in old.registry.instances() where Int(id) < old.wholes.count {
            guard let state = old.wholes[Int(id)], let slo = keep[key.slo],
                  let newID = registry.instance(for: SLOInstanceKey(slo: slo, groupValues: key.groupValues)) else { continue }
            adoptedWholes[newID] = state
        }
    }

    /// Takes in the instances the registry assigned since the last tick.
    func syncInstances() {
        let added = registry.instances(from: instanceSLO.count)
        guard !added.isEmpty else { return }
        for (id, key) in added {
            precondition(Int(id) == instanceSLO.count, "registry ids are dense")
            let layout = layouts[key.slo]
            if layout.configuration.budgeting.timesliceOptions != nil { timesliceInstances.append(Int(id)) }
            instanceSLO.append(key.slo)
            sumsBase.append(sums.count)
            labels.append(InstanceLabels(output: outputs[key.slo], spec: specs[key.slo], groupValues: key.groupValues))
            wholes.append(adoptedWholes.removeValue(forKey: id))
            sums.append(contentsOf: repeatElement(.zero, count: layout.windowCount))
        }
        let count = instanceSLO.count
        goodEvents = [Double](repeating: 0, count: count)
        totalEvents = goodEvents
        drops = [DropCounters](repeating: DropCounters(), count: count)
        order = (0..<count).map { Int32($0) }
        order.sort { a, b in
            let x = Int(a), y = Int(b)
            if instanceSLO[x] != instanceSLO[y] { return instanceSLO[x] < instanceSLO[y] }
            return labels[x].groupValues.lexicographicallyPrecedes(labels[y].groupValues) { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
    }

    // MARK: Merging

    /// Zeroes the per-tick accumulators and adds every report into them.
    func refill(_ reports: [[SLOPartialReport]]) {
        pendingSlices.removeAll(keepingCapacity: true)
        let count = instanceSLO.count
        sums.withUnsafeMutableBufferPointer { s in
            for i in s.indices { s[i] = .zero }
        }
        goodEvents.withUnsafeMutableBufferPointer { g in
            totalEvents.withUnsafeMutableBufferPointer { t in
                drops.withUnsafeMutableBufferPointer { d in
                    for i in 0..<count {
                        g[i] = 0
                        t[i] = 0
                        d[i] = DropCounters()
                    }
                }
            }
        }
        for shard in reports {
            for k in shard.indices {
                let id = Int(shard[k].instance)
                guard id >= 0, id < count else { ignoredReports += 1; continue }
                let windows = windowCounts[instanceSLO[id]]
                guard shard[k].sums.count == windows else { ignoredReports += 1; continue }
                let base = sumsBase[id]
                sums.withUnsafeMutableBufferPointer { s in
                    shard[k].sums.withUnsafeBufferPointer { r in
                        for j in 0..<windows { s[base + j] += r[j] }
                    }
                }
                goodEvents[id] += shard[k].goodEvents
                totalEvents[id] += shard[k].totalEvents
                drops[id].add(shard[k].drops)
                if !shard[k].closedSlices.isEmpty {
                    for slice in shard[k].closedSlices { pendingSlices.append((shard[k].instance, slice)) }
                }
            }
        }
    }

    // MARK: Timeslices

    /// Feeds the tick's closed slices into the instances' whole states, advances every whole
    /// state to `now`, and replaces the instances' sums with the whole states' windows.
    ///
    /// Slices are added in (instance, start) order; before a slice is added its whole state is
    /// advanced to the slice's start plus the grace period (never past `now`), which closes the
    /// earlier slices (all already added, from every shard) and keeps this one open. So slices
    /// that a shard closed long after the whole state's clock (a partial state created between
    /// two ticks, or a burst of slices in one report) are still accepted. A new instance's whole
    /// state starts at its first slice (start + grace), or at `now` when it has none yet, so
    /// the no-data rule counts empty slices from then on.
    func classifySlices(now: Int64) {
        if !pendingSlices.isEmpty {
            pendingSlices.sort { $0.instance != $1.instance ? $0.instance < $1.instance : $0.slice.startNanos < $1.slice.startNanos }
            for (instance, slice) in pendingSlices {
                let id = Int(instance)
                let layout = layouts[instanceSLO[id]]
                guard let options = layout.configuration.budgeting.timesliceOptions else { continue }
                let openUntil = min(now, slice.startNanos &+ options.graceSeconds &* 1_000_000_000)
                if wholes[id] == nil { wholes[id] = SLOState(layout: layout, now: openUntil) }
                wholes[id]!.advance(to: openUntil)
                wholes[id]!.addClosedSlice(slice)
            }
        }
        for id in timesliceInstances {
            let layout = layouts[instanceSLO[id]]
            if wholes[id] == nil { wholes[id] = SLOState(layout: layout, now: now) }
            wholes[id]!.advance(to: now)
            let base = sumsBase[id]
            for j in 0..<layout.windowCount { sums[base + j] = wholes[id]!.windowSums(j) }
            drops[id].add(wholes[id]!.drops)
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
                    instances.append(SLOSnapshot.Instance(id: order[k], slo: slo, budget: budget, goodEvents: goodEvents[id],
                                                          totalEvents: totalEvents[id], drops: drops[id],
                                                          windowBase: windowBase, windowCount: count, labels: labels[id]))
                    k += 1
                }
            }
        }
        return SLOSnapshot(nowNanos: now, specs: specs, instances: instances, windows: windowsOut,
                           refusedInstances: registry.refusedCounts(), outputs: outputs)
    }
}

extension BudgetingMethod {
    /// The timeslice options, nil for occurrences.
    var timesliceOptions: TimesliceOptions? {
        switch self {
        case .occurrences: nil
        case .timeslices(let o), .ratioTimeslices(let o): o
        }
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
