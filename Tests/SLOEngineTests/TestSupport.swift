import Exposition
import SLO
import SLOEngine
import Selectors

/// Shared helpers for the engine tests: instants, specs, simulated shards.
enum E {
    static let second: Int64 = 1_000_000_000
    static let minute: Int64 = 60 * second
    static let hour: Int64 = 60 * minute
    static let day: Int64 = 24 * hour
    /// 2026-01-01T00:00:00Z: aligned to every bucket and slice width.
    static let t0: Int64 = 1_767_225_600 * second

    static let source = SLOSpec.Source(file: "slod.yaml", line: 3, column: 5)

    /// An events SLI with a `bad` selector.
    static func badEvents() throws -> SLOSpec.SLI {
        .events(total: try SeriesSelector.parse("http_requests_total"), good: nil,
                bad: try SeriesSelector.parse("http_requests_total{code=~\"5..\"}"))
    }

    static func spec(service: String = "checkout", name: String = "availability", objective: String = "99.9",
                     period: Period = .rolling(seconds: 30 * 86_400), budgeting: BudgetingMethod = .occurrences,
                     groupBy: [String] = [], maxInstances: Int = SLOSpec.defaultMaxInstances,
                     labels: [String: String] = [:], noData: NoDataPolicy = .ignore) throws -> SLOSpec {
        try SLOSpec(service: service, name: name, objective: Objective(percent: objective), period: period,
                    budgeting: budgeting, sli: badEvents(), groupBy: groupBy, maxInstances: maxInstances,
                    labels: labels, noData: noData, source: source)
    }

    static func engine(_ specs: [SLOSpec], version: String = "") throws -> SLOEngine {
        try SLOEngine(specs: specs, registry: SLOInstanceRegistry(specs: specs), version: version)
    }

    static func close(_ a: Double?, _ b: Double, tolerance: Double = 1e-12) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance * max(1, abs(b))
    }
}

/// One aggregator shard's part of some SLO instances, reporting the way the shards do
/// (`ShardSLO.report`): every partial state, advanced to the tick, with its window sums, or
/// for the timeslice methods the raw slices it closed since the last report. A point moves a
/// partial state's clock up to the point's time first, as the shard's ticks would have.
struct FakeShard {
    struct Partial {
        var instance: Int32
        var state: SLOState
        var good = 0.0
        var total = 0.0
        /// Slices closed since the last report.
        var closed: [ClosedSlice] = []
    }
    var partials: [Partial] = []

    /// Adds a partial state for `instance` whose clock starts at `now`.
    mutating func open(_ instance: Int32, layout: SLOLayout, now: Int64) {
        partials.append(Partial(instance: instance, state: SLOState(layout: layout, now: now)))
    }

    /// Adds `total` events of which `bad` are bad, at `time`, to `instance`'s partial state,
    /// whose clock first moves to `clock` (default: `time`).
    mutating func add(_ instance: Int32, total: Double, bad: Double, at time: Int64, clock: Int64? = nil) {
        let i = partials.firstIndex { $0.instance == instance }!
        var closed: [ClosedSlice] = []
        partials[i].state.advance(to: clock ?? time) { closed.append($0) }
        partials[i].closed += closed
        if partials[i].state.add(good: total - bad, total: total, at: time) == .accepted {
            partials[i].good += total - bad
            partials[i].total += total
        }
    }

    mutating func report(now: Int64) -> [SLOPartialReport] {
        partials.indices.map { i in
            var closed = partials[i].closed
            partials[i].closed = []
            partials[i].state.advance(to: now) { closed.append($0) }
            let s = partials[i].state
            return SLOPartialReport(instance: partials[i].instance, sums: (0..<s.layout.windowCount).map { s.windowSums($0) },
                                    closedSlices: closed, goodEvents: partials[i].good, totalEvents: partials[i].total,
                                    drops: s.drops)
        }
    }
}

extension SLOSnapshot {
    /// The status of the `k`-th instance.
    func status(_ k: Int) -> SLOStatus { status(of: instances[k]) }

    /// The text 0.0.4 exposition of `families()`.
    var text: String {
        var out: [UInt8] = []
        FamilyRenderer.render(families(), format: .text004, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
