import Foundation
import SLO
import SLOEngine

/// `slod-bench checkpoint [--instances N] [--rounds N]`: the SLO engine's checkpoint (with
/// `--series N`: the ingestion pause of a series checkpoint, `CheckpointPause.swift`).
/// N instances (default 10,000) of the tick benchmarks' 30-day SLO (`benchGroupedSpec`), each
/// with every bucket of every tier filled (points every 10 s over the last hour, every minute
/// over 6 h, every 5 minutes over 3 days and every 30 minutes over 30 days: what a
/// continuously fed instance holds). Measures `encodeCheckpoint` and the load after a
/// restart: a new registry and engine, `restoreCheckpoint` (decode every state, register,
/// adopt) and the first `evaluate`, which takes the states in (target: load ≤ 2 s).
/// Checks that the restored snapshot equals the original's.
func runCheckpointBench(arguments: [String]) {
    if let i = arguments.firstIndex(of: "--series") {
        var rest = arguments
        let series = i + 1 < rest.count ? Int(rest[i + 1]) ?? 1_000_000 : 1_000_000
        rest.removeSubrange(i..<min(i + 2, rest.count))
        var shards = 2
        if let j = rest.firstIndex(of: "--shards") {
            shards = j + 1 < rest.count ? Int(rest[j + 1]) ?? shards : shards
            rest.removeSubrange(j..<min(j + 2, rest.count))
        }
        var rounds = 3, unused = 0
        parseRoundsAndInstances(rest, rounds: &rounds, instances: &unused)
        runCheckpointPauseBench(series: series, shards: max(1, shards), rounds: rounds)
        return
    }
    var rounds = 1
    var instances = 10_000
    parseRoundsAndInstances(arguments, rounds: &rounds, instances: &instances)
    let second: Int64 = 1_000_000_000
    let now: Int64 = 1_717_200_000 / 1_800 * 1_800 * second
    let spec = benchGroupedSpec()
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
    let clock = ContinuousClock()

    // Fill: the points' times, shared by every instance.
    var times: [Int64] = []
    for (step, span) in [(10, 3_600), (60, 6 * 3_600), (300, 3 * 86_400), (1_800, 30 * 86_400)] as [(Int64, Int64)] {
        var t = now - span * second
        while t < now {
            times.append(t)
            t += step * second
        }
    }
    let registry = SLOInstanceRegistry(specs: [spec])
    let engine = try! SLOEngine(specs: [spec], registry: registry)
    let ids = (0..<instances).map { registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["/route/\($0)"]))! }
    let fill = clock.measure {
        let chunk = 250
        var deltas: [SLODelta] = []
        deltas.reserveCapacity(chunk * times.count)
        for start in stride(from: 0, to: instances, by: chunk) {
            deltas.removeAll(keepingCapacity: true)
            for i in start..<min(start + chunk, instances) {
                for (k, t) in times.enumerated() {
                    let total = Int64(100 + (i &* 31 &+ k) % 50) << 12
                    let bad = Int64((i + k) % 7 == 0 ? (k % 5) : 0) << 12
                    deltas.append(SLODelta(instance: ids[i], time: t, good: total - bad, total: total))
                }
            }
            _ = engine.evaluate(deltas: [deltas], now: now)
        }
    }
    let before = engine.evaluate(deltas: [], now: now)
    print(String(format: "checkpoint: %d instances of a 30d SLO, %d points each, filled in %.1f s",
                 instances, times.count, seconds(fill)))

    var bytes: [UInt8] = []
    var bestEncode = Double.infinity
    for _ in 0..<rounds {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        let t = clock.measure { engine.encodeCheckpoint(into: &out) }
        bestEncode = min(bestEncode, seconds(t))
        bytes = out
    }

    var bestRestore = Double.infinity, bestFirst = Double.infinity, bestLoad = Double.infinity
    var after = SLOSnapshot.empty
    for _ in 0..<rounds {
        after = .empty
        let next = try! SLOEngine(specs: [spec], registry: SLOInstanceRegistry(specs: [spec]))
        var result = (restored: 0, dropped: 0)
        let restore = clock.measure {
            do { result = try next.restoreCheckpoint(bytes) } catch { fail("restore: \(error)") }
        }
        let first = clock.measure { after = next.evaluate(deltas: [], now: now) }
        precondition(result.restored == instances && result.dropped == 0, "restored \(result)")
        bestRestore = min(bestRestore, seconds(restore))
        bestFirst = min(bestFirst, seconds(first))
        bestLoad = min(bestLoad, seconds(restore) + seconds(first))
    }
    // The restored snapshot is the original's.
    precondition(after.instances.count == before.instances.count)
    for k in [0, instances / 2, instances - 1] {
        precondition(after.status(of: after.instances[k]) == before.status(of: before.instances[k]), "instance \(k) differs")
        precondition(after.instances[k].totalEvents == before.instances[k].totalEvents && before.instances[k].totalEvents > 0)
    }
    let mb = Double(bytes.count) / 1e6
    print(String(format: "checkpoint: %.1f MB (%.1f KB/instance); encode %.0f ms (%.0f MB/s); load %.0f ms = restore (decode, register, adopt) %.0f ms + first evaluate %.0f ms (target load <= 2000 ms)",
                 mb, Double(bytes.count) / Double(instances) / 1e3, bestEncode * 1e3, mb / bestEncode,
                 bestLoad * 1e3, bestRestore * 1e3, bestFirst * 1e3))
}
