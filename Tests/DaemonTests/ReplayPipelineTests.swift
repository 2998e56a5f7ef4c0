import Aggregation
import Exposition
import Foundation
import OTLP
import Storage
import Synchronization
import Testing
@testable import Daemon

/// The parallel replay applies records in log order whatever the lane count: a cumulative
/// counter whose records are replayed on several lanes gets no out-of-order rejection and ends
/// at the last record's value, exactly as on one lane; replaying the same records in reverse
/// shows that the check can fail.
@Suite(.serialized) struct ReplayPipelineTests {
    /// A JSON request with one cumulative monotonic point per series `s0…s{series-1}`, value
    /// `k` at `k` seconds (start 1 ns).
    static func body(_ k: Int, series: Int) -> String {
        let points = (0..<series).map { s in
            #"{"attributes":[{"key":"s","value":{"stringValue":"s\#(s)"}}],"startTimeUnixNano":"1","timeUnixNano":"\#(UInt64(k + 1) * 1_000_000_000)","asInt":"\#(k)"}"#
        }.joined(separator: ",")
        return #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"requests","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[\#(points)]}}]}]}]}"#
    }

    /// Points records (standalone, lane `k % lanes`) for record numbers `order`.
    static func records(_ order: [Int], series: Int, lanes: Int = 1) throws -> [[UInt8]] {
        try order.map { k in try PointsRecordMaker.records([body(k, series: series)], lane: k % lanes)[0] }
    }

    /// Submits points records in order (the caller keeps them alive until drained).
    static func submit(_ records: [[UInt8]], to pipeline: ReplayPipeline) throws {
        for (i, r) in records.enumerated() {
            try r.withUnsafeBytes { raw in
                try pipeline.submit(raw, position: WALPosition(segment: 1, offset: i))
            }
        }
    }

    struct Result {
        var outOfOrder: UInt64
        var applied: UInt64
        var values: [Double]
        var skipped: Int
    }

    /// Replays `order` (record numbers) through a pipeline of `lanes` lanes into 2 shards.
    func replay(_ order: [Int], lanes: Int, series: Int = 8) throws -> Result {
        let stats = [ShardStats(), ShardStats()]
        let runtime = try ShardRuntime(loops: lanes, workers: stats.map { AggregatorShard(stats: $0) })
        try runtime.start()
        defer { runtime.stop() }
        let pipeline = try ReplayPipeline(ingest: IngestPipeline(runtime: runtime, journal: NoJournal()), threads: lanes)
        defer { pipeline.stop() }
        // The reader keeps the records' bytes alive until drain, as WALReplay does per segment.
        // Writer lanes alternate, so records of one lane go to one replay thread and the order
        // across threads is what the turns keep.
        let records = try Self.records(order, series: series, lanes: lanes)
        try Self.submit(records, to: pipeline)
        try pipeline.drain()
        #expect(pipeline.applied.load(ordering: .acquiring) == records.count)
        pipeline.stop()   // a lane may still be about to pass the turn on
        #expect(pipeline.turn.load(ordering: .acquiring) == records.count)
        let families = Mutex<[[MetricFamily]]?>(nil)
        runtime.snapshot { parts in families.withLock { $0 = parts } }
        for _ in 0..<2_000 where families.withLock({ $0 == nil }) { usleep(1_000) }
        let all = try #require(families.withLock { $0 }).flatMap { $0 }
        let values = all.filter { $0.name == "requests_total" }.flatMap(\.series).compactMap { s -> Double? in
            if case .number(let v, _) = s.value { return v }
            return nil
        }
        return Result(outOfOrder: stats.reduce(0) { $0 + ($1.rejected["out_of_order"]?.value ?? 0) },
                      applied: stats.reduce(0) { $0 + $1.pointsApplied.value }, values: values,
                      skipped: pipeline.skippedRecords.load(ordering: .relaxed))
    }

    @Test(arguments: [1, 2, 3])
    func recordsAreAppliedInLogOrder(lanes: Int) throws {
        let n = 300
        let r = try replay(Array(0..<n), lanes: lanes)
        #expect(r.outOfOrder == 0)
        #expect(r.skipped == 0)
        #expect(r.applied == UInt64(n * 8))
        #expect(r.values.count == 8)
        #expect(r.values.allSatisfy { $0 == Double(n - 1) }, "\(r.values)")
    }

    @Test func theOrderCheckCanFail() throws {
        // Reversed: every record after the first is older than the series' latest point.
        let r = try replay(Array((0..<50).reversed()), lanes: 2)
        #expect(r.outOfOrder == 49 * 8)
    }

    /// Stopping with records still queued (a failed recovery): lanes drop what is queued and
    /// abandon their turn instead of committing out of order; nothing traps.
    @Test func stoppingMidwayCommitsNothingOutOfOrder() throws {
        let stats = [ShardStats()]
        let runtime = try ShardRuntime(loops: 3, workers: stats.map { AggregatorShard(stats: $0) })
        try runtime.start()
        let pipeline = try ReplayPipeline(ingest: IngestPipeline(runtime: runtime, journal: NoJournal()), threads: 3)
        let records = try Self.records(Array(0..<12), series: 200, lanes: 3)
        try Self.submit(records, to: pipeline)
        pipeline.stop()
        runtime.stop()
        #expect(pipeline.turn.load(ordering: .acquiring) <= records.count)
        #expect(stats[0].rejected["out_of_order"]?.value == 0)
        #expect(stats[0].pointsApplied.value % 200 == 0)   // whole records only
        withExtendedLifetime(records) {}
    }

    /// A record that does not decode is skipped in its turn, named in the log; the others apply.
    @Test func anUndecodableRecordIsSkippedAndTheRestApplied() throws {
        let stats = [ShardStats()]
        let runtime = try ShardRuntime(loops: 2, workers: stats.map { AggregatorShard(stats: $0) })
        try runtime.start()
        defer { runtime.stop() }
        let pipeline = try ReplayPipeline(ingest: IngestPipeline(runtime: runtime, journal: NoJournal()), threads: 2)
        defer { pipeline.stop() }
        var records = try Self.records(Array(0..<10), series: 1, lanes: 2)
        // A reference to a series the lane never defined (damage that passed the checksums).
        records[4] = records[4].prefix(9) + [8, 0x7F, 2]
        try Self.submit(records, to: pipeline)
        try pipeline.drain()
        #expect(pipeline.skippedRecords.load(ordering: .relaxed) == 1)
        #expect(pipeline.skippedBytes.load(ordering: .relaxed) == records[4].count)
        #expect(stats[0].pointsApplied.value == 9)
        #expect(stats[0].rejected["out_of_order"]?.value == 0)
    }
}
