import Aggregation
import Foundation
import OTLP
import SLO
import SLOEngine
import Selectors

/// `slod-bench slo`, part (d): what SLO accounting adds to the shard's per-point path. The same
/// synthetic stream — 1,000 cumulative counter series (a `code` attribute, 1 % errors) pushed 200
/// times with growing values and timestamps — is applied to a shard without SLOs and to one
/// whose every series feeds one SLO instance (events SLI, total and bad selectors), and the
/// difference per point is reported (target ≤ 15 ns per matching point). The slices are built
/// before timing; each is applied exactly once (timestamps only move forward), best of rounds.
func benchSLOShardPath(rounds: Int) {
    let series = 1_000, pushes = 200
    let second: UInt64 = 1_000_000_000
    let t0 = UInt64(Date().timeIntervalSince1970) * second - UInt64(pushes + 10) * second
    func request(_ push: Int) -> [UInt8] {
        var points: [String] = []
        points.reserveCapacity(series)
        for s in 0..<series {
            let code = s % 100 == 0 ? "500" : "200"
            points.append(#"{"attributes":[{"key":"code","value":{"stringValue":"\#(code)"}},{"key":"i","value":{"intValue":"\#(s)"}}],"startTimeUnixNano":"\#(t0)","timeUnixNano":"\#(t0 + UInt64(push + 1) * second)","asInt":"\#(push * 7 + s % 13)"}"#)
        }
        return Array(#"{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"bench"}}]},"scopeMetrics":[{"metrics":[{"name":"req","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[\#(points.joined(separator: ","))]}}]}]}]}"#.utf8)
    }
    let decoder = OTLPJSONDecoder()
    func slices() -> [BatchSlice] {
        (0..<pushes).map { push in
            let sink = ShardingSink(shards: 1)
            _ = request(push).withUnsafeBytes { try! decoder.decode($0, context: RequestContext(encoding: .json), into: sink) }
            return sink.takeSlices()[0]!
        }
    }
    let spec = try! SLOSpec(service: "bench", name: "errors", objective: Objective(percent: "99.9"), period: .rolling(seconds: 30 * 86_400),
                            sli: .events(total: try! SeriesSelector.parse("req_total"), good: nil,
                                         bad: try! SeriesSelector.parse(#"req_total{code="500"}"#)),
                            source: SLOSpec.Source(file: "bench", line: 1, column: 1))
    func run(withSLO: Bool) -> Double {
        var best = Double.infinity
        for _ in 0..<max(3, rounds) {
            let input = slices()
            let slo: ShardSLO? = withSLO
                ? ShardSLO(matcher: SLOMatcher(specs: [spec]), registry: SLOInstanceRegistry(specs: [spec]),
                           layouts: [try! SLOLayout(spec.configuration)])
                : nil
            let shard = AggregatorShard(slo: slo)
            _ = shard.apply(input[0], now: 1)          // creates the series (baseline points)
            let clock = ContinuousClock()
            let t = clock.measure {
                for i in 1..<pushes { _ = shard.apply(input[i], now: UInt64(i + 1)) }
            }
            let s = Double(t.components.seconds) + Double(t.components.attoseconds) / 1e18
            best = min(best, s / Double((pushes - 1) * series))
            if withSLO {
                let r = shard.sloReport(now: Int64(t0 + UInt64(pushes + 5) * second))
                precondition(r.count == 1 && r[0].totalEvents > 0, "the SLO counted nothing: the benchmark measures the wrong path")
            }
        }
        return best
    }
    let plain = run(withSLO: false)
    let linked = run(withSLO: true)
    print(String(format: "slo shard path: counter points %.1f ns without SLOs, %.1f ns feeding one SLO instance: +%.1f ns per matching point (target <= 15)",
                 plain * 1e9, linked * 1e9, (linked - plain) * 1e9))
}

/// `slod-bench slo`, part (e): the shard side of an evaluation tick — advancing every partial
/// state the shard holds and building its reports — for 10,000 instances on one shard (an SLO
/// grouped by a label with 10,000 values), in ms per tick (best of rounds). The shard applies
/// no slice meanwhile, so this is ingestion paused once a second.
func benchSLOShardTick(rounds: Int) {
    let series = 10_000
    let second: Int64 = 1_000_000_000
    let t0 = Int64(Date().timeIntervalSince1970) * second
    var points: [String] = []
    for s in 0..<series {
        points.append(#"{"attributes":[{"key":"route","value":{"stringValue":"/r\#(s)"}}],"startTimeUnixNano":"\#(t0 - 60 * second)","timeUnixNano":"\#(t0 - 30 * second)","asInt":"\#(s)"}"#)
    }
    let body = Array(#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"req","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[\#(points.joined(separator: ","))]}}]}]}]}"#.utf8)
    let spec = try! SLOSpec(service: "bench", name: "grouped", objective: Objective(percent: "99.9"), period: .rolling(seconds: 30 * 86_400),
                            sli: .events(total: try! SeriesSelector.parse("req_total"), good: nil,
                                         bad: try! SeriesSelector.parse(#"req_total{code="500"}"#)),
                            groupBy: ["route"], maxInstances: SLOSpec.maxInstancesLimit,
                            source: SLOSpec.Source(file: "bench", line: 1, column: 1))
    let sink = ShardingSink(shards: 1)
    _ = body.withUnsafeBytes { try! OTLPJSONDecoder().decode($0, context: RequestContext(encoding: .json), into: sink) }
    let shard = AggregatorShard(slo: ShardSLO(matcher: SLOMatcher(specs: [spec]), registry: SLOInstanceRegistry(specs: [spec]),
                                              layouts: [try! SLOLayout(spec.configuration)], wallClock: { t0 }))
    _ = shard.apply(sink.takeSlices()[0]!, now: 1)
    var now = t0
    precondition(shard.sloReport(now: now).count == series, "expected one partial state per route")
    let clock = ContinuousClock()
    var best = Double.infinity
    for _ in 0..<max(5, rounds) {
        now += second
        let t = clock.measure { precondition(shard.sloReport(now: now).count == series) }
        best = min(best, Double(t.components.seconds) + Double(t.components.attoseconds) / 1e18)
    }
    print(String(format: "slo shard tick: %d instances on one shard: %.2f ms per tick (advance + report)", series, best * 1e3))
}
