import Foundation
import SLO

/// `slod-bench slo [--rounds N] [--instances N]`: the SLO state's costs.
///   (a) ns per `add` on a warm 30d instance: all points in the current bucket, then a mix with
///       10 % late points (up to 2 h old), the shard's hot path (target ≤ 15 ns);
///   (b) N bare states (default 10,000) × 8 windows: advance by 1 s and fill every window's
///       status, in ms per tick, plus the read-only cost of adding window sums;
///   (c) bytes per instance for the period kinds (≤ 64 KiB for 30d);
///   (d) what linking a series to an SLO adds to the shard's per-point path (`SLOShard.swift`);
///   (e) a whole evaluation tick for 10,000 instances: the shard's hand-over and the engine's
///       work (adding deltas, advancing, the snapshot; target ≤ 5 ms).
func runSLOBench(arguments: [String]) {
    var rounds = 5
    var instances = 10_000
    parseRoundsAndInstances(arguments, rounds: &rounds, instances: &instances)
    let objective = try! Objective(percent: "99.9")
    func layout(_ period: Period) -> SLOLayout { try! SLOLayout(SLOConfiguration(objective: objective, period: period)) }
    let thirty = layout(.rolling(seconds: 30 * 86_400))
    let second: Int64 = 1_000_000_000
    let start: Int64 = 1_717_200_000 * second

    // (a) add
    var state = SLOState(layout: thirty, now: start)
    for i in 0..<100_000 { state.add(good: 9, total: 10, at: start - Int64(i % 86_400) * second) }
    let n = 1 << 16
    var rng = SystemRandomNumberGenerator()
    let current = (0..<n).map { _ in start - Int64.random(in: 0..<(5 * second), using: &rng) }
    let mixed = (0..<n).map { i in i % 10 == 0 ? start - Int64.random(in: 0..<(7_200 * second), using: &rng)
                                               : start - Int64.random(in: 0..<(5 * second), using: &rng) }
    let values = (0..<n).map { _ in Double(Int.random(in: 0...1_000, using: &rng)) }
    for (name, times) in [("current bucket", current), ("10% late", mixed)] {
        // Many short samples (about 1 ms each), best kept: a shared machine preempts long ones.
        var best = Double.infinity
        for _ in 0..<(rounds * 40) {
            let clock = ContinuousClock()
            let elapsed = clock.measure {
                for i in 0..<n { state.add(good: values[i], total: values[i] + 1, at: times[i]) }
            }
            best = min(best, sloSeconds(elapsed) / Double(n))
        }
        print(String(format: "slo add (%@): %.1f ns/call (target <= 15)", name, best * 1e9))
    }
    consume(state.windowSums(0))

    // (b) evaluator tick
    var states = (0..<instances).map { i -> SLOState in
        var s = SLOState(layout: thirty, now: start)
        s.add(good: Double(i % 100), total: 100, at: start - Int64(i % 3_600) * second)
        return s
    }
    var status = SLOStatus()
    var now = start
    var bestTick = Double.infinity
    for _ in 0..<rounds {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            now += second
            for i in states.indices { states[i].evaluate(now: now, into: &status) }
        }
        bestTick = min(bestTick, sloSeconds(elapsed))
    }
    consume(status)
    var sums = [WindowSums](repeating: .zero, count: thirty.windowCount)
    var bestMerge = Double.infinity
    for _ in 0..<rounds {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            states.withUnsafeBufferPointer { all in
                for s in all { s.accumulateWindowSums(into: &sums) }
            }
        }
        bestMerge = min(bestMerge, sloSeconds(elapsed))
    }
    consume(sums)
    print(String(format: "slo evaluate: %d instances x %d windows: %.2f ms/tick (target <= 5), window-sum merge alone %.2f ms",
                 instances, thirty.windowCount, bestTick * 1e3, bestMerge * 1e3))

    // (c) memory
    var sizes: [String] = []
    for (name, period) in [("7d", Period.rolling(seconds: 7 * 86_400)), ("28d", .rolling(seconds: 28 * 86_400)),
                           ("30d", .rolling(seconds: 30 * 86_400)), ("35d", .rolling(seconds: 35 * 86_400)),
                           ("week", .calendar(.week, .utc)), ("month", .calendar(.month, .utc))] {
        sizes.append("\(name) \(SLOState(layout: layout(period), now: start).memoryFootprint)")
    }
    print("slo bytes per instance: " + sizes.joined(separator: ", ") + " (target 30d <= 65536)")
    // (d) the shard path
    benchSLOShardPath(rounds: rounds)
    // (e) a whole tick, shard and engine
    benchSLOTick(rounds: rounds)
}

private func sloSeconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}
