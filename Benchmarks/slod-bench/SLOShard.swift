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
                let r = shard.sloReport()
                precondition(r.reduce(0) { $0 + $1.total } > 0, "the SLO counted nothing: the benchmark measures the wrong path")
            }
        }
        return best
    }
    let plain = run(withSLO: false)
    let linked = run(withSLO: true)
    print(String(format: "slo shard path: counter points %.1f ns without SLOs, %.1f ns feeding one SLO instance: +%.1f ns per matching point (target <= 15)",
                 plain * 1e9, linked * 1e9, (linked - plain) * 1e9))
}

/// `slod-bench slo`, part (e): evaluation ticks with 10,000 instances (an SLO grouped by a
/// label with 10,000 values, every instance fed since the previous tick), one second apart
/// over 60 ticks (or `--rounds`, if more), so they cross six 10 s bucket boundaries and one
/// 1-minute boundary, where every state's heads move. Reported in ms per tick, median and
/// worst: the shard's side (handing its deltas over; the shard applies no slice meanwhile, so
/// this is ingestion paused once a second) and the engine's (adding the deltas, advancing
/// 10,000 states, publishing the snapshot; target ≤ 5 ms).
func benchSLOTick(rounds: Int) {
    let series = 10_000
    let ticks = max(60, rounds)
    let second: Int64 = 1_000_000_000
    // Start a second after a minute boundary, so the ticks cross the boundaries they name.
    let t0 = (Int64(Date().timeIntervalSince1970) / 60 * 60 + 1) * second
    func body(_ tick: Int) -> [UInt8] {
        var points: [String] = []
        points.reserveCapacity(series)
        let start = t0 + Int64(tick - 1) * second, time = t0 + Int64(tick) * second
        for s in 0..<series {
            points.append(#"{"attributes":[{"key":"route","value":{"stringValue":"/r\#(s)"}}],"startTimeUnixNano":"\#(start)","timeUnixNano":"\#(time)","asInt":"\#(s % 7 + 1)"}"#)
        }
        return Array(#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"req","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[\#(points.joined(separator: ","))]}}]}]}]}"#.utf8)
    }
    let slices = (0...ticks).map { tick -> BatchSlice in
        let sink = ShardingSink(shards: 1)
        _ = body(tick).withUnsafeBytes { try! OTLPJSONDecoder().decode($0, context: RequestContext(encoding: .json), into: sink) }
        return sink.takeSlices()[0]!
    }
    let spec = benchGroupedSpec()
    let registry = SLOInstanceRegistry(specs: [spec])
    let engine = try! SLOEngine(specs: [spec], registry: registry)
    let shard = AggregatorShard(slo: ShardSLO(matcher: SLOMatcher(specs: [spec]), registry: registry,
                                              layouts: [try! SLOLayout(spec.configuration)]))
    _ = shard.apply(slices[0], now: 1)
    // The published snapshot lives until the next one replaces it, as in the daemon.
    var published = engine.evaluate(deltas: [shard.sloReport()], now: t0)
    let clock = ContinuousClock()
    var shardTimes: [Double] = [], engineTimes: [Double] = []
    for tick in 1...ticks {
        _ = shard.apply(slices[tick], now: UInt64(tick + 1))
        var deltas: [SLODelta] = []
        let ts = clock.measure { deltas = shard.sloReport() }
        precondition(deltas.count == series, "expected one delta per route, got \(deltas.count)")
        let te = clock.measure { published = engine.evaluate(deltas: [deltas], now: t0 + Int64(tick) * second) }
        shardTimes.append(Double(ts.components.seconds) + Double(ts.components.attoseconds) / 1e18)
        engineTimes.append(Double(te.components.seconds) + Double(te.components.attoseconds) / 1e18)
    }
    precondition(published.instances.count == series && published.windows(of: published.instances[0]).first!.total > 0)
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    if getenv("SLOD_BENCH_TICKS") != nil { print(engineTimes.map { String(format: "%.1f", $0 * 1e3) }.joined(separator: " ")) }
    // The first tick after the instances were created also grows the engine's buffers and
    // faults in the first copies of the published arrays: reported on its own.
    let steady = Array(engineTimes.dropFirst())
    print(String(format: "slo tick: %d instances x 8 windows, %d ticks: shard hands over its deltas in %.3f ms (worst %.3f); engine adds them, advances and publishes in %.2f ms median, %.2f ms worst (target <= 5; first tick %.2f ms)",
                 series, ticks, median(shardTimes) * 1e3, shardTimes.max()! * 1e3, median(steady) * 1e3, steady.max()! * 1e3, engineTimes[0] * 1e3))
}

/// The SLO the tick benchmarks use: 99.9 % over 30 days on `req_total`, errors `code="500"`,
/// one instance per `route` (up to the instance limit).
func benchGroupedSpec() -> SLOSpec {
    try! SLOSpec(service: "bench", name: "grouped", objective: Objective(percent: "99.9"), period: .rolling(seconds: 30 * 86_400),
                 sli: .events(total: try! SeriesSelector.parse("req_total"), good: nil,
                              bad: try! SeriesSelector.parse(#"req_total{code="500"}"#)),
                 groupBy: ["route"], maxInstances: SLOSpec.maxInstancesLimit,
                 source: SLOSpec.Source(file: "bench", line: 1, column: 1))
}
