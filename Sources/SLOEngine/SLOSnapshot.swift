import Exposition
import SLO

/// The state of every SLO instance at one evaluation tick: immutable, published by the
/// `SLOEngine` and read by `/metrics` (`families()`) and `/api/v1/slos` (`json(service:name:)`)
/// from any thread.
///
/// Instances are listed by SLO (spec order), then by group values (byte order), so outputs are
/// deterministic whatever order the shards created the instances in. An instance exists from
/// the first series linked to it (an SLO without `groupBy`: from start-up); until data arrives
/// its windows have no data (nil ratios), which the outputs show as absent samples and `null`.
///
/// Storage is flat and mostly shared: the raw window sums, event counters and drop counts of
/// all instances are three arrays the engine hands over (copy-on-write), the instances' order
/// and labels a table shared by every snapshot until an instance is added. Ratios, burn rates
/// and budgets are computed when read (`instances[k]`, `windows(of:)`): a tick publishes a
/// snapshot of 10,000 instances without building anything per instance, and readers (a scrape,
/// the JSON API) pay a few divisions per value they read.
public struct SLOSnapshot: Sendable {
    /// One SLO instance's numbers (its windows: `windows(of:)`), made when read.
    public struct Instance: Sendable {
        /// The registry's id of the instance.
        public let id: Int32
        /// Index of its SLO in `specs`.
        public let slo: Int
        /// The error budget over the period.
        public let budget: BudgetStatus
        /// Events counted since the instance was created (monotonic; carried over a reload that
        /// keeps the SLO; `slod_slo_events_total`).
        public let goodEvents: Double
        public let totalEvents: Double
        /// Points dropped: by the instance's state (too old, too far in the future, slice already
        /// judged) and by the shards (invalid increments).
        public let drops: DropCounters
        /// Where the instance's window sums start in the snapshot's sums, and how many.
        let windowBase: Int
        public let windowCount: Int
        /// Group values and output labels, made once per instance by the engine and shared by
        /// all snapshots.
        let labels: InstanceLabels

        /// Values of the SLO's `groupBy` labels, in `groupBy` order ("" for an absent label).
        public var groupValues: [String] { labels.groupValues }
        /// The group labels (empty values left out) and the SLO's `labels`, sorted by name: the
        /// labels the JSON API shows and alerts carry.
        public var labelPairs: [(name: String, value: String)] { labels.userPairs.map { (name: $0.0, value: $0.1) } }
    }

    /// Every instance, in snapshot order; each element is assembled when read (O(1)).
    public struct Instances: RandomAccessCollection, Sendable {
        let table: InstanceTable
        /// Per instance id: window sums (at `table.sumsBase[id]`), event counters, drops.
        let sums: [WindowSums]
        let counters: [InstanceCounters]
        let drops: [DropCounters]
        /// Per SLO: the period at the snapshot's instant.
        let periods: [PeriodBounds]

        public var startIndex: Int { 0 }
        public var endIndex: Int { table.order.count }

        public subscript(position: Int) -> Instance {
            let id = Int(table.order[position])
            let slo = table.instanceSLO[id]
            let shape = table.shapes[slo]
            let base = table.sumsBase[id]
            let period = periods[slo]
            let p = shape.status(sums[base + shape.periodIndex])
            let remaining = BudgetMath.remainingBudget(periodErrorRatio: p.errorRatio, errorBudget: shape.errorBudget)
            let budget = BudgetStatus(
                period: period, errorRatio: p.errorRatio, burnRate: p.burnRate, remaining: remaining, consumed: p.burnRate,
                exhaustionSeconds: BudgetMath.exhaustionSeconds(remaining: remaining, periodSeconds: period.lengthSeconds,
                                                                burnRate: shape.status(sums[base + shape.exhaustionIndex]).burnRate))
            let c = counters[id]
            return Instance(id: Int32(id), slo: slo, budget: budget, goodEvents: Double(c.good) / SLOState.eventUnits,
                            totalEvents: Double(c.total) / SLOState.eventUnits, drops: drops[id], windowBase: base,
                            windowCount: shape.windowCount, labels: table.labels[id])
        }
    }

    /// The registry id and SLO of the instance at `position` without assembling it (the alert
    /// evaluator's per-tick loop).
    public func idAndSLO(at position: Int) -> (id: Int32, slo: Int) {
        let id = instances.table.order[position]
        return (id, instances.table.instanceSLO[Int(id)])
    }

    /// The windows of the instance at `position` without assembling it.
    public func windows(at position: Int) -> Windows {
        let (id, slo) = idAndSLO(at: position)
        return Windows(sums: instances.sums, base: instances.table.sumsBase[Int(id)], shape: instances.table.shapes[slo])
    }

    /// The windows of one instance, in `SLOLayout.windows` order (the period last), each
    /// computed from its raw sums when read.
    public struct Windows: RandomAccessCollection, Sendable {
        let sums: [WindowSums]
        let base: Int
        let shape: InstanceTable.Shape

        public var startIndex: Int { 0 }
        public var endIndex: Int { shape.windowCount }
        public subscript(position: Int) -> WindowStatus {
            precondition(position >= 0 && position < shape.windowCount, "window index out of range")
            return shape.status(sums[base + position])
        }
    }

    /// The evaluation instant, Unix nanoseconds.
    public let nowNanos: Int64
    /// The SLOs, as the registry and the engine were built with.
    public let specs: [SLOSpec]
    /// Every instance, sorted by SLO, then group values.
    public let instances: Instances
    /// Per SLO (spec order): how many times a new instance was refused (`max_instances`).
    public let refusedInstances: [Int]
    /// Per SLO: series a selector picked that cannot feed the SLO (`SLOInstanceRegistry.refuseSeries`).
    public let refusedSeries: [Int]
    /// Per SLO, what the outputs write (labels, names, layout), computed once by the engine.
    let outputs: [SLOOutput]

    init(nowNanos: Int64, specs: [SLOSpec], instances: Instances, refusedInstances: [Int], refusedSeries: [Int], outputs: [SLOOutput]) {
        precondition(outputs.count == specs.count && refusedInstances.count == specs.count && refusedSeries.count == specs.count,
                     "one entry per SLO")
        self.refusedSeries = refusedSeries
        self.nowNanos = nowNanos
        self.specs = specs
        self.instances = instances
        self.refusedInstances = refusedInstances
        self.outputs = outputs
    }

    /// No SLOs at all (what a daemon without SLOs publishes).
    public static let empty = SLOSnapshot(
        nowNanos: 0, specs: [],
        instances: Instances(table: InstanceTable(order: [], instanceSLO: [], sumsBase: [], labels: [], shapes: []),
                             sums: [], counters: [], drops: [], periods: []),
        refusedInstances: [], refusedSeries: [], outputs: [])

    /// The windows of `instance` (an instance of this snapshot), in `SLOLayout.windows` order,
    /// the period last. O(1), no copy.
    public func windows(of instance: Instance) -> Windows {
        Windows(sums: instances.sums, base: instance.windowBase, shape: instances.table.shapes[instance.slo])
    }

    /// The windows of SLO `slo`, in the order `windows(of:)` lists them (the period last).
    public func windowDescriptors(ofSLO slo: Int) -> [WindowDescriptor] { outputs[slo].layout.windows }

    /// Window `j` of `instance` (an instance of this snapshot).
    func window(_ instance: Instance, _ j: Int) -> WindowStatus {
        instances.table.shapes[instance.slo].status(instances.sums[instance.windowBase + j])
    }

    /// The status of `instance` (an instance of this snapshot): its windows and budget.
    /// Allocates the windows array; prefer `windows(of:)` and `Instance.budget` in loops.
    public func status(of instance: Instance) -> SLOStatus {
        SLOStatus(nowNanos: nowNanos, windows: Array(windows(of: instance)), budget: instance.budget)
    }

    /// Whether an SLO named `name` exists in `service` (for answering 404 on
    /// `/api/v1/slos/{service}/{name}`); true even while it has no instance yet.
    public func hasSLO(service: String, name: String) -> Bool {
        specs.contains { $0.service == service && $0.name == name }
    }

    /// The instances of SLO `slo` (a contiguous run of `instances`). O(log n).
    public func instances(ofSLO slo: Int) -> Slice<Instances> {
        let table = instances.table
        func sloAt(_ k: Int) -> Int { table.instanceSLO[Int(table.order[k])] }
        var lo = 0, hi = instances.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sloAt(mid) < slo { lo = mid + 1 } else { hi = mid }
        }
        var end = lo
        while end < instances.count && sloAt(end) == slo { end += 1 }
        return instances[lo..<end]
    }
}

/// Events of one instance since it was created: accepted increments (units of 2^-12 events)
/// and points the shards could not count (`SLODelta.invalid`).
struct InstanceCounters: Sendable {
    var good: Int64 = 0
    var total: Int64 = 0
    var invalid: UInt64 = 0
}

/// The part of a snapshot that changes only when instances are added: the snapshot order, and
/// per instance id its SLO, labels and where its window sums start; per SLO, how its windows
/// turn into statuses. Built by the engine, shared by every snapshot until the next instance.
final class InstanceTable: Sendable {
    /// How an SLO's raw window sums turn into statuses.
    struct Shape: Sendable {
        let windowCount: Int
        /// Events per unit (`1 / SLOLayout.unitsPerCount`).
        let scale: Double
        let errorBudget: Double
        let periodIndex: Int
        let exhaustionIndex: Int

        init(layout: SLOLayout) {
            windowCount = layout.windowCount
            scale = 1 / layout.unitsPerCount
            errorBudget = layout.configuration.objective.errorBudget
            periodIndex = layout.periodWindowIndex
            exhaustionIndex = layout.exhaustionWindowIndex
        }

        /// What `SLOLayout.status(sums:period:now:)` gives for one window (a test checks this).
        @inline(__always)
        func status(_ s: WindowSums) -> WindowStatus {
            let ratio = BudgetMath.errorRatio(good: s.good, total: s.total)
            return WindowStatus(sums: s, good: Double(s.good) * scale, total: Double(s.total) * scale, errorRatio: ratio,
                                burnRate: BudgetMath.burnRate(errorRatio: ratio, errorBudget: errorBudget))
        }
    }

    let order: [Int32]
    let instanceSLO: [Int]
    let sumsBase: [Int]
    let labels: [InstanceLabels]
    let shapes: [Shape]

    init(order: [Int32], instanceSLO: [Int], sumsBase: [Int], labels: [InstanceLabels], shapes: [Shape]) {
        self.order = order
        self.instanceSLO = instanceSLO
        self.sumsBase = sumsBase
        self.labels = labels
        self.shapes = shapes
    }
}

/// What an SLO's output series carry, built once per SLO when the engine starts.
final class SLOOutput: Sendable {
    let layout: SLOLayout
    /// `sloth_id`, `sloth_service`, `sloth_slo` and the SLO's `labels`, sorted by name.
    let basePairs: [(String, String)]
    /// `basePairs` rendered.
    let baseLabels: RenderedLabels
    /// `basePairs` plus `sloth_mode`, `sloth_objective`, `sloth_spec` (and `sloth_version`) for
    /// `sloth_slo_info`, rendered.
    let infoLabels: RenderedLabels
    /// Per window (`layout.windows` order): the `sloth_window` value, which is also the suffix
    /// of its `slo:sli_error:ratio_rate<w>` name. Rolling windows and rolling periods use their
    /// duration (`5m`, `30d`); a calendar period uses the rolling stand-in `slod rules` uses
    /// (`30d` for a month, `7d` for a week).
    let windowNames: [String]
    /// Per window: `sloth_window="<name>"`, rendered, written after an instance's labels.
    let windowLabelSuffix: [[UInt8]]
    /// False for the period when its name equals a rolling window's (a rolling period of
    /// exactly `1d` or `3d`): that series is written once, from the rolling window.
    let windowIsExposed: [Bool]
    /// Index of the 5m window (Sloth's `slo:current_burn_rate:ratio`), if configured.
    let currentBurnWindow: Int?

    /// `version` becomes `sloth_version` on `sloth_slo_info` when not empty.
    init(spec: SLOSpec, layout: SLOLayout, version: String) {
        self.layout = layout
        let pairs = spec.labels.merging(spec.slothLabels) { $1 }.map { ($0.key, $0.value) }
        basePairs = pairs.sorted { $0.0 < $1.0 }
        baseLabels = RenderedLabels(basePairs)
        var info = pairs + [("sloth_mode", "slod"), ("sloth_objective", spec.objective.percentText), ("sloth_spec", "slod/v1")]
        if !version.isEmpty { info.append(("sloth_version", version)) }
        infoLabels = RenderedLabels(info.sorted { $0.0 < $1.0 })
        let names = layout.windows.map { w -> String in
            guard w.isPeriod else { return w.label }
            switch layout.configuration.period {
            case .rolling(let seconds): return SLODuration.render(seconds: seconds)
            case .calendar(.month, _): return "30d"
            case .calendar(.week, _): return "7d"
            }
        }
        windowNames = names
        windowLabelSuffix = names.map { RenderedLabels([("sloth_window", $0)]).bytes }
        windowIsExposed = layout.windows.enumerated().map { j, w in
            !w.isPeriod || !layout.windows.contains { !$0.isPeriod && $0.label == names[j] }
        }
        currentBurnWindow = layout.windowIndex(seconds: 300)
    }
}

/// An instance's group values and output labels: the SLO's base labels plus its group labels,
/// built once.
final class InstanceLabels: Sendable {
    let groupValues: [String]
    /// Group labels (`groupBy` names → values, empty values left out: Prometheus treats an empty
    /// label as absent, and `sum by (…)` in `slod rules` produces no such label) and the SLO's
    /// labels, sorted by name: the JSON `labels` object.
    let userPairs: [(String, String)]
    /// Base and group labels rendered, sorted by name: every per-instance series' labels.
    let rendered: RenderedLabels

    init(output: SLOOutput, spec: SLOSpec, groupValues: [String]) {
        self.groupValues = groupValues
        let group = zip(spec.groupBy, groupValues).filter { !$0.1.isEmpty }.map { ($0.0, $0.1) }
        userPairs = (group + spec.labels.map { ($0.key, $0.value) }).sorted { $0.0 < $1.0 }
        rendered = group.isEmpty ? output.baseLabels : RenderedLabels((output.basePairs + group).sorted { $0.0 < $1.0 })
    }
}
