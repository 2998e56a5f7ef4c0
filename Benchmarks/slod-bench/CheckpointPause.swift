import Aggregation
import Foundation
import OTLP
import Platform
import Synchronization

/// `slod-bench checkpoint --series N [--shards N] [--rounds N]`: the ingestion pause of a
/// checkpoint with N counter series (default 1,000,000) in the shards (issue 16).
///
/// The series are fed through the real path (a `ShardRuntime` of `--shards` aggregator shards,
/// default 2, fed by one "event loop" committing requests of 10,000 points: `SeriesFeeder`),
/// then a feeder thread keeps sending updates of those series while the cut runs as
/// `StorageService.cut` does: under a lock that every commit also takes (standing for the WAL
/// gate, held here only to push the markers) `ShardRuntime.cutCheckpoint`, then the wait for
/// every shard's part, then the encoding on this thread.
///
/// Reports, per round: the pause as the daemon logs it (`ingestion_paused_ms` = gate hold +
/// longest stall of a shard), the longest gap between two completed requests during the
/// checkpoint next to the longest gap over the same time before it (what a client sees), the
/// time until every shard's copy was complete, the encode time and size, and — for
/// comparison — the time the shards' encoding takes, which the previous barrier paused
/// ingestion for.
func runCheckpointPauseBench(series n: Int, shards: Int, rounds: Int) {
    let workers = (0..<shards).map { _ in AggregatorShard(maxSeries: n + 1, maxSeriesPerMetric: n + 1, seriesTTL: UInt64.max) }
    let runtime: ShardRuntime<AggregatorShard>
    do { runtime = try ShardRuntime(loops: 1, workers: workers, ringCapacity: 64) } catch { fail("runtime: \(error)") }
    do { try runtime.start() } catch { fail("shard threads: \(error)") }
    defer { runtime.stop() }
    let feed = PauseFeed(runtime: runtime)
    let gate = feed.journal.gate
    func commit(from: Int, count: Int) { feed.commit(from: from, count: count) }
    let batch = 10_000
    var sent = 0
    let fill = Date()
    for from in stride(from: 0, to: n, by: batch) {
        commit(from: from, count: min(batch, n - from))
        sent += 1
    }
    while feed.completed.load(ordering: .relaxed) < sent { usleep(1000) }
    let held = workers.map(\.seriesCount).reduce(0, +)
    guard held == n else { fail("the shards hold \(held) series, expected \(n)") }
    print(String(format: "checkpoint pause: %d counter series in %d shards, filled in %.1f s", n, shards, Date().timeIntervalSince(fill)))

    // Updates keep coming while the checkpoints are cut.
    let feeding = Atomic<Bool>(true)
    let sentTotal = Atomic<Int>(sent)
    let thread = Thread {
        var from = 0
        while feeding.load(ordering: .relaxed) {
            feed.commit(from: from, count: batch)
            sentTotal.wrappingAdd(1, ordering: .relaxed)
            from = (from + batch) % max(batch, n - batch)
        }
    }
    thread.start()
    func ms(_ nanos: UInt64) -> Double { Double(nanos) / 1e6 }
    for round in 1...max(1, rounds) {
        // Baseline: the longest gap between completions over 2 s of feeding without a checkpoint.
        usleep(200_000)
        feed.longestGap.store(0, ordering: .relaxed)
        usleep(2_000_000)
        let baselineGap = feed.longestGap.load(ordering: .relaxed)

        feed.longestGap.store(0, ordering: .relaxed)
        let parts = PThreadLocked<[ShardRuntime<AggregatorShard>.ShardCut]?>(nil)
        let cutStart = Clock.monotonicNanos()
        let gateNanos = gate.withLock { _ -> UInt64 in
            let t = Clock.monotonicNanos()
            guard runtime.cutCheckpoint({ p in parts.withLock { $0 = p } }) else { fail("no room for the cut marker") }
            return Clock.monotonicNanos() &- t
        }
        runtime.wakeShards()
        while parts.withLock({ $0 == nil }) { usleep(200) }
        let copied = Clock.monotonicNanos() &- cutStart
        let cut = parts.withLock { $0! }
        var bytes = 0
        let encodeStart = Clock.monotonicNanos()
        for p in cut {
            var out: [UInt8] = []
            p.state.encode(into: &out)
            bytes += out.count
        }
        let encode = Clock.monotonicNanos() &- encodeStart
        // The gap that spans the end of the checkpoint counts too: wait for two more completions.
        let seen = feed.completed.load(ordering: .relaxed)
        while feed.completed.load(ordering: .relaxed) < seen + 2 { usleep(200) }
        let duringGap = feed.longestGap.load(ordering: .relaxed)
        let stall = cut.map(\.longestStallNanos).max() ?? 0
        let marker = cut.map(\.markerNanos).max() ?? 0, step = cut.map(\.longestStepNanos).max() ?? 0
        let cpu = cut.map(\.longestStallCPUNanos).max() ?? 0
        print(String(format: "  round %d: ingestion_paused_ms %.3f (gate %.3f + longest shard stall %.3f: at the marker %.3f, longest copy step %.3f; thread CPU of the stall %.3f); longest gap between completed requests %.1f ms during the checkpoint vs %.1f ms without; copies complete after %.0f ms; encode %.0f ms, %.1f MB",
                     round, ms(gateNanos &+ stall), ms(gateNanos), ms(stall), ms(marker), ms(step), ms(cpu), ms(duringGap), ms(baselineGap),
                     ms(copied), ms(encode), Double(bytes) / 1e6))
    }
    feeding.store(false, ordering: .relaxed)
    while !thread.isFinished { usleep(1000) }
    while feed.completed.load(ordering: .relaxed) < sentTotal.load(ordering: .relaxed) { usleep(1000) }
    // What the previous barrier held ingestion for: every shard encoding its series (in parallel).
    let encodeAll = PThreadLocked<UInt64>(0)
    let done = Atomic<Int>(0)
    runtime.onEachShard({ worker in
        let t = Clock.monotonicNanos()
        var out: [UInt8] = []
        let copy = worker.beginStateCopy()
        _ = worker.continueStateCopy(bytes: .max)
        copy.encode(into: &out)
        let d = Clock.monotonicNanos() &- t
        encodeAll.withLock { $0 = max($0, d) }
    }, done: { done.store(1, ordering: .releasing) })
    while done.load(ordering: .acquiring) == 0 { usleep(1000) }
    print(String(format: "  for comparison, the shards' encoding on their own threads (copy and encode at once: what the barrier used to pause ingestion for): %.0f ms",
                 ms(encodeAll.withLock { $0 })))
}

/// The bench's one "event loop": builds requests of updates (`SeriesFeeder`) and commits them
/// under `gate` (the WAL gate's stand-in), noting the longest gap between two completions.
/// Used by one thread at a time (the main thread while filling, then the feeding thread).
final class PauseFeed: @unchecked Sendable {
    /// The WAL's stand-in: requests are handed over under its gate, as the daemon's are.
    final class GateJournal: IngestJournal, @unchecked Sendable {
        let gate = PThreadLocked(0)
        func append(_ slices: [BatchSlice?], lane: Int, receivedNanos: Int64, receipt: JournalReceipt, handOver: () -> Void) -> String? {
            gate.withLock { _ in handOver() }
            return nil
        }
        var waitsForDurability: Bool { false }
        func whenDurable(_ receipt: JournalReceipt, _ done: @escaping @Sendable (String?) -> Void) { done(nil) }
        func recorder(lane: Int) -> PointsRecordEncoder? { nil }
    }

    let runtime: ShardRuntime<AggregatorShard>
    let journal = GateJournal()
    let pipeline: IngestPipeline<AggregatorShard>
    let feeder: SeriesFeeder
    let completed = Atomic<Int>(0)
    let lastCompletion = Atomic<UInt64>(Clock.monotonicNanos())
    let longestGap = Atomic<UInt64>(0)

    init(runtime: ShardRuntime<AggregatorShard>) {
        self.runtime = runtime
        pipeline = IngestPipeline(runtime: runtime, journal: journal)
        feeder = SeriesFeeder(kind: .sum, sink: pipeline.makeSink(loop: 0))
    }

    static var request: IngestRequestInfo { IngestRequestInfo(body: UnsafeRawBufferPointer(start: nil, count: 0), encoding: .protobuf, coding: .identity,
                                           tenant: .empty, receivedNanos: 0) }

    func commit(from: Int, count: Int) {
        while true {
            // A refused commit dropped the request's slices: build it again for the retry.
            _ = feeder.request(from: from, count: count)
            let start = pipeline.commit(loop: 0, request: Self.request, completion: { [self] _ in
                    let now = Clock.monotonicNanos()
                    let gap = now &- lastCompletion.exchange(now, ordering: .relaxed)
                    var seen = longestGap.load(ordering: .relaxed)
                    while gap > seen {
                        let r = longestGap.compareExchange(expected: seen, desired: gap, ordering: .relaxed)
                        if r.exchanged { break }
                        seen = r.original
                    }
                    completed.wrappingAdd(1, ordering: .relaxed)
                })
            if case .unavailable = start { usleep(200); continue }
            return
        }
    }
}
