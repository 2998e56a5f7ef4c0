import Alerting
import Foundation
import SLO
import SLOEngine

/// `slod-bench alerts [--rounds N]`, part (a): the cost of evaluating every SLO instance's
/// alert tiers once per tick — 10,000 instances of one grouped SLO (workbook page and ticket
/// tiers), every instance with data in every window, 1 % of them burning hard enough to page.
/// Reported in ms per tick, median and worst of 60 ticks (target ≤ 5 ms). The end-to-end
/// latency part (ingest request → Alertmanager) needs the notifiers (issue 6, not yet).
func runAlertsBench(arguments: [String]) {
    var rounds = 60
    if let i = arguments.firstIndex(of: "--rounds"), i + 1 < arguments.count, let v = Int(arguments[i + 1]) { rounds = max(v, 5) }
    let instances = 10_000
    let second: Int64 = 1_000_000_000
    let t0 = (Int64(Date().timeIntervalSince1970) / 60 * 60) * second
    let spec = benchGroupedSpec()
    let registry = SLOInstanceRegistry(specs: [spec])
    for r in 0..<instances { _ = registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["/r\(r)"])) }
    let engine = try! SLOEngine(specs: [spec], registry: registry)
    let evaluator = AlertEvaluator(specs: [spec], externalURL: "http://127.0.0.1:4318")
    func deltas(_ t: Int64) -> [SLODelta] {
        (0..<instances).map { r in
            let total = SLOState.units(100)!
            let bad = r % 100 == 0 ? SLOState.units(50)! : 0      // 1 % of instances at 50 % errors
            return SLODelta(instance: Int32(r), time: t - t % (10 * second), good: total - bad, total: total)
        }
    }
    var snapshot = engine.evaluate(deltas: [deltas(t0)], now: t0)
    _ = evaluator.evaluate(snapshot)
    let clock = ContinuousClock()
    var times: [Double] = []
    var notices = 0
    for tick in 1...rounds {
        let now = t0 + Int64(tick) * second
        snapshot = engine.evaluate(deltas: [deltas(now)], now: now)
        var n: [AlertNotice] = []
        let t = clock.measure { n = evaluator.evaluate(snapshot) }
        notices += n.count
        times.append(Double(t.components.seconds) + Double(t.components.attoseconds) / 1e18)
    }
    precondition(evaluator.alerts.count == 2 * instances / 100, "expected page and ticket for 1 % of the instances, got \(evaluator.alerts.count)")
    let sorted = times.sorted()
    print(String(format: "alerts evaluate: %d instances x 2 tiers: %.2f ms median, %.2f ms worst per tick over %d ticks (target <= 5); %d alerts active",
                 instances, sorted[sorted.count / 2] * 1e3, sorted.last! * 1e3, rounds, evaluator.alerts.count))
    _ = notices
}
