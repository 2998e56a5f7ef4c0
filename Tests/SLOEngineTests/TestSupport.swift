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

/// One aggregator shard's SLO accounting, reporting the way the shards do (`ShardSLO.report`):
/// the increments collected since the last report, one `SLODelta` per point here (a shard sums
/// the points of one bucket; the engine adds either the same way), stamped with the start of
/// the point's `SLOLayout.deltaBucketNanos` bucket.
struct FakeShard {
    var widths: [Int32: Int64] = [:]
    var pending: [SLODelta] = []

    /// Declares that this shard feeds `instance` (of an SLO with `layout`).
    mutating func open(_ instance: Int32, layout: SLOLayout, now: Int64 = 0) {
        widths[instance] = layout.deltaBucketNanos
    }

    /// Adds `total` events of which `bad` are bad, at `time`, to `instance`.
    mutating func add(_ instance: Int32, total: Double, bad: Double, at time: Int64) {
        let w = widths[instance]!
        guard let g = SLOState.units(total - bad), let t = SLOState.units(total) else {
            pending.append(SLODelta(instance: instance, invalid: 1, time: 0, good: 0, total: 0))
            return
        }
        pending.append(SLODelta(instance: instance, time: time - ((time % w) + w) % w, good: g, total: t))
    }

    /// The deltas since the last report.
    mutating func report() -> [SLODelta] {
        defer { pending = [] }
        return pending
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
