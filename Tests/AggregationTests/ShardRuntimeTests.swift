import Exposition
import Foundation
import OTLP
import Synchronization
import Platform
import SLOEngine
import Testing
@testable import Aggregation

/// The runtime's contract with fake shard workers: every committed request completes exactly
/// once with the merged outcome of its slices, commits are all-or-nothing when rings are full,
/// snapshots gather one part per shard, and stop drains queued work.
@Suite(.serialized) struct ShardRuntimeTests {
    final class FakeWorker: ShardWorker, @unchecked Sendable {
        let applied = Atomic<Int>(0)
        let gate = Atomic<Bool>(true)   // false = block apply until opened
        let index: Int
        init(index: Int) { self.index = index }
        func apply(_ slice: BatchSlice, now: UInt64) -> SliceOutcome {
            while !gate.load(ordering: .acquiring) { usleep(1000) }
            applied.wrappingAdd(slice.pointCount, ordering: .relaxed)
            var o = SliceOutcome()
            o.applied = slice.pointCount
            if index == 1 { o.reject("series_limit", "shard 1 rejects one point per slice") }
            return o
        }
        func snapshot(into families: inout [MetricFamily]) {
            families.append(MetricFamily(name: "shard_\(index)", kind: .gauge, help: "", unit: "", series: []))
        }
        func sweep(now: UInt64) {}
        func sloReport() -> [SLODelta] {
            [SLODelta(instance: Int32(index), time: 0, good: Int64(applied.load(ordering: .relaxed)), total: 0)]
        }
        /// The copy holds the points applied at the cut and takes `copySteps` steps to fill.
        var copySteps = 3
        var stepsLeft = 0
        func beginStateCopy() -> any ShardStateCopy {
            stepsLeft = copySteps
            return FakeCopy(appliedAtCut: applied.load(ordering: .relaxed))
        }
        func continueStateCopy(bytes: Int) -> Bool {
            stepsLeft = max(0, stepsLeft - 1)
            return stepsLeft == 0
        }
    }

    final class FakeCopy: ShardStateCopy {
        let appliedAtCut: Int
        init(appliedAtCut: Int) { self.appliedAtCut = appliedAtCut }
        func encode(into out: inout [UInt8]) { out.append(contentsOf: String(appliedAtCut).utf8) }
    }

    /// A JSON request with `n` gauge points, each its own series.
    static func request(_ n: Int, tag: Int) -> [UInt8] {
        let points = (0..<n).map { i in
            #"{"attributes":[{"key":"i","value":{"intValue":"\#(i)"}},{"key":"t","value":{"intValue":"\#(tag)"}}],"timeUnixNano":"1","asDouble":1}"#
        }.joined(separator: ",")
        return Array(#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[\#(points)]}}]}]}]}"#.utf8)
    }

    /// Points per shard that `bytes` produces (records include target_info), via a private sink.
    func expectedPerShard(_ bytes: [UInt8], shards: Int) throws -> [Int] {
        let sink = ShardingSink(shards: shards)
        try decode(bytes, into: sink)
        return sink.takeSlices().map { $0?.pointCount ?? 0 }
    }

    func decode(_ bytes: [UInt8], into sink: MetricsSink) throws {
        let decoder = OTLPJSONDecoder()
        _ = try bytes.withUnsafeBytes { try decoder.decode($0, context: RequestContext(encoding: .json), into: sink) }
    }

    /// What the receiver hands over with a decoded request (the pipeline reads only the time).
    static var requestInfo: IngestRequestInfo {
        IngestRequestInfo(body: UnsafeRawBufferPointer(start: nil, count: 0), encoding: .json, coding: .identity, tenant: .empty,
                          receivedNanos: 0)
    }

    @Test func everyRequestCompletesOnceWithMergedOutcome() throws {
        let workers = (0..<3).map { FakeWorker(index: $0) }
        let runtime = try ShardRuntime(loops: 2, workers: workers, ringCapacity: 8)
        let pipeline = IngestPipeline(runtime: runtime, journal: NoJournal())
        try runtime.start()
        let completions = PThreadLocked<[Int: IngestCommit]>([:])
        let requestsPerLoop = 200
        let submitted = Atomic<Int>(0)
        // Two "event loops", each the only producer of its rings.
        let threads = (0..<2).map { loop in
            Thread {
                let decoder = OTLPJSONDecoder()
                var id = loop * 100_000
                var sent = 0
                while sent < requestsPerLoop {
                    let body = Self.request(10, tag: id)
                    _ = try? body.withUnsafeBytes { try decoder.decode($0, context: RequestContext(encoding: .json), into: pipeline.makeSink(loop: loop)) }
                    let myID = id
                    let start = pipeline.commit(loop: loop, request: Self.requestInfo, completion: { c in
                        completions.withLock { $0[myID] = c }
                    })
                    switch start {
                    case .pending:
                        sent += 1
                        id += 1
                        submitted.wrappingAdd(1, ordering: .relaxed)
                    case .unavailable:
                        usleep(500)   // rings full: nothing was applied; retry the same request
                    case .done:
                        Issue.record("a request with points completed synchronously")
                        sent += 1
                    }
                }
            }
        }
        threads.forEach { $0.start() }
        let deadline = Date().addingTimeInterval(30)
        while completions.withLock({ $0.count }) < 2 * requestsPerLoop && Date() < deadline { usleep(10_000) }
        runtime.stop()
        let all = completions.withLock { $0 }
        #expect(all.count == 2 * requestsPerLoop)
        var expected = 0
        for loop in 0..<2 {
            for id in (loop * 100_000)..<(loop * 100_000 + requestsPerLoop) {
                expected += try expectedPerShard(Self.request(10, tag: id), shards: 3).reduce(0, +)
            }
        }
        #expect(workers.map { $0.applied.load(ordering: .relaxed) }.reduce(0, +) == expected)
        // Requests whose points reached shard 1 carry its rejection, merged into one commit.
        for (_, c) in all where c.rejected > 0 {
            #expect(c.rejectedByReason["series_limit"] == c.rejected)
            #expect(c.firstRejection == "shard 1 rejects one point per slice")
        }
    }

    @Test func fullRingsRefuseTheWholeRequest() throws {
        let workers = (0..<2).map { FakeWorker(index: $0) }
        workers[0].gate.store(false, ordering: .releasing)   // shard 0 stalls
        let runtime = try ShardRuntime(loops: 1, workers: workers, ringCapacity: 2)
        let pipeline = IngestPipeline(runtime: runtime, journal: NoJournal())
        try runtime.start()
        var pending = 0, refused = 0
        var expected = [0, 0]
        for tag in 0..<10 {
            try decode(Self.request(20, tag: tag), into: pipeline.makeSink(loop: 0))
            switch pipeline.commit(loop: 0, request: Self.requestInfo, completion: { _ in }) {
            case .pending:
                pending += 1
                let e = try expectedPerShard(Self.request(20, tag: tag), shards: 2)
                expected[0] += e[0]
                expected[1] += e[1]
            case .unavailable: refused += 1
            case .done: Issue.record("unexpected synchronous commit")
            }
        }
        // Shard 0 holds at most 2 queued (+1 being applied); later requests are refused whole,
        // so shard 1 never applies a slice of a refused request.
        #expect(pending <= 3)
        #expect(refused >= 7)
        workers[0].gate.store(true, ordering: .releasing)
        runtime.stop()
        #expect(workers.map { $0.applied.load(ordering: .relaxed) } == expected, "each shard applied exactly its slices of the accepted requests")
    }

    /// Slices committed before the cut (on every loop) are in each shard's copy and SLO deltas,
    /// slices committed after it are not, though all were queued when the shards reached it.
    @Test func checkpointCutHoldsExactlyTheSlicesBeforeIt() throws {
        let workers = (0..<2).map { FakeWorker(index: $0) }
        for w in workers { w.gate.store(false, ordering: .releasing) }   // the rings fill up
        let runtime = try ShardRuntime(loops: 2, workers: workers, ringCapacity: 8)
        let pipeline = IngestPipeline(runtime: runtime, journal: NoJournal())
        try runtime.start()
        var before = [0, 0], all = [0, 0]
        func commit(_ tag: Int, loop: Int) throws -> [Int] {
            try decode(Self.request(7 + tag, tag: tag), into: pipeline.makeSink(loop: loop))
            guard case .pending = pipeline.commit(loop: loop, request: Self.requestInfo, completion: { _ in }) else {
                Issue.record("commit \(tag) refused")
                return [0, 0]
            }
            return try expectedPerShard(Self.request(7 + tag, tag: tag), shards: 2)
        }
        for tag in 0..<6 {
            let e = try commit(tag, loop: tag % 2)
            for s in 0..<2 { before[s] += e[s]; all[s] += e[s] }
        }
        let cut = PThreadLocked<[ShardRuntime<FakeWorker>.ShardCut]?>(nil)
        #expect(runtime.cutCheckpoint { parts in cut.withLock { $0 = parts } })
        runtime.wakeShards()
        // The ring keeps a slot for the marker: a full ring still takes it.
        for tag in 6..<12 {
            let e = try commit(tag, loop: tag % 2)
            for s in 0..<2 { all[s] += e[s] }
        }
        for w in workers { w.gate.store(true, ordering: .releasing) }
        let deadline = Date().addingTimeInterval(10)
        while cut.withLock({ $0 == nil }) && Date() < deadline { usleep(1000) }
        let parts = try #require(cut.withLock { $0 })
        runtime.stop()
        #expect(parts.map { ($0.state as? FakeCopy)?.appliedAtCut } == before.map { Optional($0) })
        #expect(parts.map { $0.sloDeltas.map(\.good) } == before.map { [Int64($0)] })
        #expect(workers.map { $0.applied.load(ordering: .relaxed) } == all)
        #expect(before != all)
    }

    @Test func snapshotGathersOnePartPerShard() throws {
        let workers = (0..<3).map { FakeWorker(index: $0) }
        let runtime = try ShardRuntime(loops: 1, workers: workers)
        try runtime.start()
        defer { runtime.stop() }
        let result = PThreadLocked<[[MetricFamily]]?>(nil)
        runtime.snapshot { parts in result.withLock { $0 = parts } }
        let deadline = Date().addingTimeInterval(5)
        while result.withLock({ $0 == nil }) && Date() < deadline { usleep(1000) }
        let parts = try #require(result.withLock { $0 })
        #expect(parts.map { $0.map(\.name) } == [["shard_0"], ["shard_1"], ["shard_2"]])
    }

    @Test func sloReportsGatherOnePartPerShard() throws {
        let workers = (0..<3).map { FakeWorker(index: $0) }
        let runtime = try ShardRuntime(loops: 1, workers: workers)
        try runtime.start()
        defer { runtime.stop() }
        let result = PThreadLocked<[[SLODelta]]?>(nil)
        runtime.sloReports { parts in result.withLock { $0 = parts } }
        let deadline = Date().addingTimeInterval(5)
        while result.withLock({ $0 == nil }) && Date() < deadline { usleep(1000) }
        let parts = try #require(result.withLock { $0 })
        #expect(parts.map { $0.map(\.instance) } == [[0], [1], [2]])
    }
}
