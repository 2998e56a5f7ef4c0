import Aggregation
import Config
import Exposition
import Foundation
import OTLP
import Platform
import Storage
import Synchronization
import Testing
@testable import Daemon

/// Checkpoints cut while requests keep arriving: the checkpoint holds exactly the requests
/// before its WAL position, so a recovery (checkpoint, then the WAL after it) counts every
/// acknowledged point once; and the checkpoint the WAL's size triggers.
@Suite(.serialized) struct CheckpointCutTests {
    /// Request `n`, adding 1 to the delta counter `c_total` (one series) at time `n`.
    static func body(_ n: Int) -> [UInt8] {
        Array(#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"c","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[{"timeUnixNano":"\#(1_000 + n)","asDouble":1}]}}]}]}]}"#.utf8)
    }

    /// Feeds `body` through the durable backend (WAL append, then the shards) until `stop`,
    /// one request at a time; counts the acknowledged ones.
    final class Feeder: Sendable {
        let acked = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let backend: IngestPipeline<AggregatorShard>

        init(backend: IngestPipeline<AggregatorShard>) { self.backend = backend }

        func start() {
            Thread { [self] in run() }.start()
        }

        private func run() {
            let decoder = OTLPJSONDecoder()
            var n = 0
            while !stop.load(ordering: .relaxed) {
                let done = Atomic<Bool>(false)
                n += 1
                let committed = CheckpointCutTests.body(n).withUnsafeBytes { raw -> Bool in
                    _ = try? decoder.decode(raw, context: RequestContext(encoding: .json), into: backend.makeSink(loop: 0))
                    let info = IngestRequestInfo(body: raw, encoding: .json, coding: .identity, tenant: .empty, receivedNanos: 1)
                    switch backend.commit(loop: 0, request: info, completion: { [self] c in
                        if c.rejected == 0 { acked.wrappingAdd(1, ordering: .relaxed) }
                        done.store(true, ordering: .releasing)
                    }) {
                    case .pending: return true
                    case .done, .unavailable: return false
                    }
                }
                if committed { while !done.load(ordering: .acquiring) { usleep(50) } } else { usleep(200) }
            }
            stop.store(false, ordering: .releasing)   // tells `finish` the loop has ended
        }

        func waitFor(acked n: Int) -> Bool {
            let deadline = Date().addingTimeInterval(20)
            while acked.load(ordering: .relaxed) < n && Date() < deadline { usleep(1000) }
            return acked.load(ordering: .relaxed) >= n
        }

        func finish() {
            stop.store(true, ordering: .releasing)
            while stop.load(ordering: .acquiring) { usleep(1000) }
        }
    }

    /// Opens storage on `dir` (recovery from what is there) with two shards running.
    static func open(_ dir: String, config: SlodConfiguration.Storage = .default) throws
        -> (StorageService, ShardRuntime<AggregatorShard>, SLOService, [AggregatorShard], StorageService.Recovered) {
        let storage = try StorageService(config: config, path: dir, lanes: 1)
        let shards = [AggregatorShard(), AggregatorShard()]
        let slo = try SLOService(specs: [])
        var r = StorageService.Recovered()
        let from = try storage.loadCheckpoint(shards: shards, slo: slo, into: &r)
        let runtime = try ShardRuntime(loops: 1, workers: shards)
        try runtime.start()
        try storage.replay(after: from, into: IngestPipeline(runtime: runtime, journal: NoJournal()), into: &r)
        return (storage, runtime, slo, shards, r)
    }

    /// The value of `c_total` the (stopped) shards hold.
    static func counter(_ shards: [AggregatorShard]) -> Double? {
        var families: [MetricFamily] = []
        for s in shards { s.snapshot(into: &families) }
        for f in families where f.name == "c_total" {
            if case .number(let v, _)? = f.series.first?.value { return v }
        }
        return nil
    }

    @Test func aCheckpointCutWhileRequestsArriveHoldsExactlyThoseBeforeIt() throws {
        let dir = StorageServiceTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var sent = 0
        do {
            let (storage, runtime, slo, _, _) = try Self.open(dir)
            let feeder = Feeder(backend: IngestPipeline(runtime: runtime, journal: storage.wal))
            feeder.start()
            #expect(feeder.waitFor(acked: 200))
            #expect(storage.checkpoint(runtime: runtime, slo: slo, reason: "test"))
            let afterCheckpoint = feeder.acked.load(ordering: .relaxed)
            #expect(feeder.waitFor(acked: afterCheckpoint + 200))
            feeder.finish()
            sent = feeder.acked.load(ordering: .relaxed)
            runtime.stop()
            storage.wal.stop()
        }
        // The checkpoint alone: the requests before the cut, fewer than all.
        let atCut: Double
        do {
            let storage = try StorageService(config: .default, path: dir, lanes: 1)
            let shards = [AggregatorShard(), AggregatorShard()]
            var r = StorageService.Recovered()
            let covers = try storage.loadCheckpoint(shards: shards, slo: try SLOService(specs: []), into: &r)
            #expect(covers != nil)
            atCut = Self.counter(shards) ?? -1
            #expect(atCut >= 200 && atCut < Double(sent), "checkpoint holds \(atCut) of \(sent)")
            storage.wal.stop()
        }
        // Checkpoint plus the WAL after it: every acknowledged request, once.
        let (storage, runtime, _, shards, r) = try Self.open(dir)
        runtime.stop()
        storage.wal.stop()
        #expect(Self.counter(shards) == Double(sent), "recovered \(String(describing: Self.counter(shards))) of \(sent) (\(r.records) records replayed after \(atCut))")
        #expect(r.records == sent - Int(atCut))
    }

    @Test func theWALGrowingPastItsLimitCutsACheckpoint() throws {
        let dir = StorageServiceTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = SlodConfiguration.Storage.default
        config.checkpointInterval = .seconds(3_600)
        config.checkpointWALBytes = 64 << 10
        let (storage, runtime, slo, _, _) = try Self.open(dir, config: config)
        try storage.start(runtime: runtime, slo: slo)
        let feeder = Feeder(backend: IngestPipeline(runtime: runtime, journal: storage.wal))
        feeder.start()
        let deadline = Date().addingTimeInterval(15)
        while (try Checkpoint.list(dir)).isEmpty && Date() < deadline { usleep(10_000) }
        feeder.finish()
        let first = try Checkpoint.list(dir)
        #expect(first.count == 1, "no checkpoint after \(storage.metrics.bytes.value) WAL bytes")
        #expect(storage.metrics.bytes.value >= 64 << 10)
        // Idle: the WAL since the cut stays under the limit, so no further checkpoint.
        let bytesAfter = storage.walBytesSinceCheckpoint
        if bytesAfter < 64 << 10 {
            usleep(2_500_000)
            #expect(try Checkpoint.list(dir).count == 1)
        }
        storage.stop(runtime: runtime, slo: slo)
        runtime.stop()
        // The size checkpoint says why it was cut.
        let file = try #require(FileManager.default.contents(atPath: first[0].path))
        let sections = try Checkpoint.decode(Array(file), knownKinds: StorageService.knownSections).get().1
        let meta = sections.first { $0.kind == StorageService.metaSection }.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(meta?.contains("reason=wal_size") == true, "\(meta ?? "no meta section")")
    }
}
