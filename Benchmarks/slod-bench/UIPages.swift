import Alerting
import Foundation
import SLO
import SLOEngine
import Selectors
import UI

/// `slod-bench ui [--rounds N]`: render time and size of the SLO list page (`/`) for 1,000 and
/// 10,000 instances of one grouped SLO, every instance with data (targets: ≤ 50 ms and < 1 MB
/// at 1,000). Each case renders `--rounds` × 10 times; the median is reported.
func runUIBench(arguments: [String]) {
    var rounds = 5
    var unusedInstances = 0
    parseRoundsAndInstances(arguments, rounds: &rounds, instances: &unusedInstances)
    let second: Int64 = 1_000_000_000
    let now: Int64 = 1_767_225_600 * second
    print("slod-bench ui: the SLO list page, \(rounds * 10) renders per case, medians")
    for count in [1_000, 10_000] {
        let spec = try! SLOSpec(service: "checkout", name: "availability", objective: Objective(percent: "99.9"),
                                period: .rolling(seconds: 30 * 86_400),
                                sli: .events(total: try! SeriesSelector.parse("http_requests_total"), good: nil,
                                             bad: try! SeriesSelector.parse("http_requests_total{code=~\"5..\"}")),
                                groupBy: ["route"], maxInstances: count, labels: ["team": "payments"],
                                source: SLOSpec.Source(file: "bench.yaml", line: 1, column: 1))
        let engine = try! SLOEngine(specs: [spec], registry: SLOInstanceRegistry(specs: [spec]))
        let width = engine.layouts[0].deltaBucketNanos
        var deltas: [SLODelta] = []
        var alerts: [Alert] = []
        for k in 0..<count {
            let route = "/api/v\(k % 7)/resource-\(k)"
            let id = engine.registry.instance(for: SLOInstanceKey(slo: 0, groupValues: [route]))!
            // Every instance has events in the last hour; one in fifty burns its budget.
            let bad = k % 50 == 0 ? 40 : k % 5
            let time = now - Int64(k % 3_600) * second
            deltas.append(SLODelta(instance: id, time: time - time % width, good: SLOState.units(Double(1_000 - bad))!,
                                   total: SLOState.units(1_000)!))
            if k % 50 == 0 {
                alerts.append(Alert(key: AlertKey(slo: spec.id, groupValues: [route], tier: "page"), phase: .firing, labels: [],
                                    annotations: [], value: 40, activeSince: now, firingSince: now, resolvedAt: 0, generatorURL: ""))
            }
        }
        let snapshot = engine.evaluate(deltas: [deltas], now: now)
        for (name, queryText) in [("first page, by budget", ""), ("page 5, by name", "sort=name&page=5"), ("firing only", "state=firing")] {
            let query = try! SLOListQuery(parsing: Substring(queryText))
            var times: [Double] = []
            var bytes = 0
            for _ in 0..<(rounds * 10) {
                let clock = ContinuousClock()
                var page: [UInt8] = []
                let elapsed = clock.measure { page = SLOListPage(snapshot: snapshot, alerts: alerts, query: query).render() }
                bytes = page.count
                times.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15)
            }
            times.sort()
            let median = times[times.count / 2]
            let verdict = count == 1_000 ? (median <= 50 && bytes < 1 << 20 ? " (target ≤ 50 ms, < 1 MB: pass)" : " (target ≤ 50 ms, < 1 MB: NOT MET)") : ""
            print(String(format: "  %6d instances, %@: %.2f ms, %d bytes%@", count, name, median, bytes, verdict))
        }
    }
}
