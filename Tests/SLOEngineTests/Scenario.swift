import SLO
import SLOEngine

/// The snapshot the exposition and JSON tests read, at `E.t0 + 1h`:
///
/// - SLO 0, `checkout/availability`, 99.9 %, 30d, `group_by: [http_route]`, `labels: {team:
///   payments}`, `max_instances: 2`:
///   - `/pay`: 1,000 requests, 20 bad, in the last 5 minutes (two shards): error ratio 0.02
///     and burn rate 20 in every window, remaining budget −19 (no exhaustion time);
///   - `""` (no route label): registered, never fed: no data anywhere;
///   - a third route was refused (`max_instances`).
/// - SLO 1 also refused one series (`slod_slo_series_refused_total`).
/// - SLO 1, `search/latency`, 99 %, 7d, no `group_by` (so its instance is id 0, made by the
///   registry at start): 10,000 requests, 5 bad, over the hour: E = 0.0005, burn rate 0.05,
///   remaining 0.95, exhaustion 0.95 × 7d / 0.05 = 11,491,200 s (133 days).
enum Scenario {
    static let now = E.t0 + E.hour

    static func specs() throws -> [SLOSpec] {
        [try E.spec(groupBy: ["http_route"], maxInstances: 2, labels: ["team": "payments"]),
         try E.spec(service: "search", name: "latency", objective: "99", period: .rolling(seconds: 7 * 86_400))]
    }

    static func snapshot() throws -> SLOSnapshot {
        let engine = try E.engine(try specs(), version: "1.2.3")
        let registry = engine.registry
        let pay = registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["/pay"]))!
        _ = registry.instance(for: SLOInstanceKey(slo: 0, groupValues: [""]))!
        precondition(registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["/cart"])) == nil)
        let search = registry.instance(for: SLOInstanceKey(slo: 1, groupValues: []))!
        registry.refuseSeries(slo: 1)     // e.g. a histogram without a bound at the threshold
        var a = FakeShard(), b = FakeShard()
        a.open(pay, layout: engine.layouts[0], now: E.t0)
        b.open(pay, layout: engine.layouts[0], now: E.t0)
        a.open(search, layout: engine.layouts[1], now: E.t0)
        a.add(pay, total: 600, bad: 5, at: now - 4 * E.minute)
        b.add(pay, total: 400, bad: 15, at: now - 3 * E.minute)
        for m in 1...50 { a.add(search, total: 200, bad: m <= 5 ? 1 : 0, at: E.t0 + Int64(m) * E.minute) }
        return engine.evaluate(deltas: [a.report(), b.report()], now: now)
    }
}
