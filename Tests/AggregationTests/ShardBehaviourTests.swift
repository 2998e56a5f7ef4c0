import Foundation
import Testing
@testable import Aggregation
import Exposition
import OTLP

/// Temporality, aliasing, limits, sweep and rejections through ShardingSink → AggregatorShard.
@Suite struct ShardBehaviourTests {
    static func request(metric: String, kind: String = "sum", temporality: Int = 2, monotonic: Bool = true,
                        points: [(attrs: String, start: UInt64, time: UInt64, value: Int)]) -> [UInt8] {
        let pts = points.map { p in
            "{\"attributes\":[\(p.attrs)],\"startTimeUnixNano\":\"\(p.start)\",\"timeUnixNano\":\"\(p.time)\",\"asInt\":\"\(p.value)\"}"
        }.joined(separator: ",")
        let data = kind == "gauge" ? "\"gauge\":{\"dataPoints\":[\(pts)]}"
            : "\"sum\":{\"aggregationTemporality\":\(temporality),\"isMonotonic\":\(monotonic),\"dataPoints\":[\(pts)]}"
        let json = """
        {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},\
        "scopeMetrics":[{"scope":{"name":"s"},"metrics":[{"name":"\(metric)",\(data)}]}]}]}
        """
        return Array(json.utf8)
    }

    static func attr(_ k: String, _ v: String) -> String { "{\"key\":\"\(k)\",\"value\":{\"stringValue\":\"\(v)\"}}" }

    static func values(_ p: ShardPipeline, _ family: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for f in p.families() where f.name == family {
            for s in f.series {
                guard case .number(let v, _) = s.value else { continue }
                // Name-sorted, whatever the split between context and series labels.
                out[String(decoding: s.labels.sortedPairs(), as: UTF8.self)] = v
            }
        }
        return out
    }

    @Test(arguments: [1, 3]) func deltaCounterAccumulatesAcrossRequests(shards: Int) throws {
        let p = ShardPipeline(shards: shards)
        let a = Self.attr("route", "/a")
        let (_, o1) = try p.ingest(Self.request(metric: "req", temporality: 1, points: [(a, 100, 200, 5)]), json: true, now: 10)
        let (_, o2) = try p.ingest(Self.request(metric: "req", temporality: 1, points: [(a, 200, 300, 7)]), json: true, now: 20)
        #expect(o1.applied == 1 && o2.applied == 1 && o2.rejected == 0)
        let v = Self.values(p, "req_total")
        #expect(v.values.first == 12)
        #expect(v.count == 1)
        // A retry (same time) is dropped as out of order and counted.
        let (_, o3) = try p.ingest(Self.request(metric: "req", temporality: 1, points: [(a, 200, 300, 7)]), json: true, now: 30)
        #expect(o3.rejected == 1 && o3.rejectedByReason["out_of_order"] == 1)
        #expect(o3.firstRejection?.contains("\"req\"") == true)
        #expect(Self.values(p, "req_total").values.first == 12)
    }

    /// `a.b` and `a_b` translate to the same labels but are different raw identities, so with
    /// several shards they can land on different shards; the exposition still has each label set
    /// once, with the newest point.
    @Test func aliasesOnDifferentShardsAreWrittenOnce() throws {
        var split = 0
        for i in 0..<24 {
            let p = ShardPipeline(shards: 3)
            try p.ingest(Self.request(metric: "g", kind: "gauge", points: [(Self.attr("a.b", "v\(i)"), 0, 100, 1)]), json: true)
            try p.ingest(Self.request(metric: "g", kind: "gauge", points: [(Self.attr("a_b", "v\(i)"), 0, 200, 3)]), json: true)
            if p.seriesCount == 2 { split += 1 }      // the two identities sit on different shards
            let text = p.render(.text004)
            let lines = text.split(separator: "\n").filter { $0.hasPrefix("g{") }
            #expect(lines.count == 1, "\(text)")
            #expect(lines.first?.hasSuffix(" 3") == true, "\(text)")
        }
        #expect(split > 0, "no case put the aliases on different shards; the test exercised nothing")
    }

    @Test(arguments: [1, 3]) func reorderedAttributesHitTheSameSeries(shards: Int) throws {
        let p = ShardPipeline(shards: shards)
        let ab = Self.attr("a", "1") + "," + Self.attr("b", "2")
        let ba = Self.attr("b", "2") + "," + Self.attr("a", "1")
        try p.ingest(Self.request(metric: "g", kind: "gauge", points: [(ab, 0, 100, 1)]), json: true)
        try p.ingest(Self.request(metric: "g", kind: "gauge", points: [(ba, 0, 200, 2)]), json: true)
        #expect(p.seriesCount == 1)
        #expect(Self.values(p, "g") == ["a=\"1\",b=\"2\",job=\"svc\",otel_scope_name=\"s\"": 2])
        // Different raw keys with the same labels (`a.b` vs `a_b`) alias to one series too.
        let p2 = ShardPipeline(shards: 1)
        try p2.ingest(Self.request(metric: "g", kind: "gauge", points: [(Self.attr("a.b", "x"), 0, 100, 1)]), json: true)
        try p2.ingest(Self.request(metric: "g", kind: "gauge", points: [(Self.attr("a_b", "x"), 0, 200, 3)]), json: true)
        #expect(p2.seriesCount == 1)
        #expect(Self.values(p2, "g").values.first == 3)
    }

    @Test func cardinalityLimitsRejectAndCount() throws {
        let stats = ShardStats()
        let p = ShardPipeline(shards: 1) { AggregatorShard(maxSeries: 100, maxSeriesPerMetric: 3, stats: stats) }
        let points = (0..<5).map { (Self.attr("i", "\($0)"), UInt64(0), UInt64(100), $0) }
        let (_, o) = try p.ingest(Self.request(metric: "g", kind: "gauge", points: points), json: true)
        #expect(o.applied == 3 && o.rejected == 2)
        #expect(o.rejectedByReason["series_limit"] == 2)
        #expect(o.firstRejection?.contains("\"g\"") == true)
        #expect(stats.rejected["series_limit"]?.value == 2)
        #expect(stats.series.value == 3)
        // Existing series still update; another metric has its own per-metric budget.
        let (_, o2) = try p.ingest(Self.request(metric: "h", kind: "gauge", points: points), json: true)
        #expect(o2.applied == 3)
        // Total limit.
        let p3 = ShardPipeline(shards: 1) { AggregatorShard(maxSeries: 2, maxSeriesPerMetric: 10) }
        let (_, o3) = try p3.ingest(Self.request(metric: "g", kind: "gauge", points: points), json: true)
        #expect(o3.applied == 2 && o3.rejectedByReason["series_limit"] == 3)
    }

    @Test func perTenantLimitRejectsOnlyThatTenant() throws {
        let sec: UInt64 = 1_000_000_000
        let stats = ShardStats()
        let p = ShardPipeline(shards: 1) {
            AggregatorShard(maxSeries: 100, maxSeriesPerMetric: 100, maxSeriesPerTenant: 2, seriesTTL: 60 * sec, stats: stats, tenantLabel: "tenant")
        }
        let points = (0..<4).map { (Self.attr("i", "\($0)"), UInt64(0), UInt64(100), $0) }
        let (_, a) = try p.ingest(Self.request(metric: "g", kind: "gauge", points: points), json: true, tenant: "team-a", now: 1 * sec)
        #expect(a.applied == 2 && a.rejectedByReason["series_limit"] == 2)
        #expect(a.firstRejection?.contains("tenant \"team-a\"") == true)
        // Another tenant has its own budget; requests without a tenant are not limited by it.
        let (_, b) = try p.ingest(Self.request(metric: "g", kind: "gauge", points: points), json: true, tenant: "team-b", now: 1 * sec)
        #expect(b.applied == 2 && b.rejected == 2)
        let (_, none) = try p.ingest(Self.request(metric: "g", kind: "gauge", points: points), json: true, now: 1 * sec)
        #expect(none.applied == 4 && none.rejected == 0)
        #expect(stats.rejected["series_limit"]?.value == 4)
        // When team-a's series expire, its budget is free again.
        for s in p.shards { s.sweep(now: 200 * sec) }
        let (_, again) = try p.ingest(Self.request(metric: "g", kind: "gauge", points: points), json: true, tenant: "team-a", now: 201 * sec)
        #expect(again.applied == 2 && again.rejected == 2)
    }

    @Test(arguments: [1, 3]) func sweepDropsIdleSeries(shards: Int) throws {
        let sec: UInt64 = 1_000_000_000
        let p = ShardPipeline(shards: shards) { AggregatorShard(seriesTTL: 60 * sec) }
        try p.ingest(Self.request(metric: "old", kind: "gauge", points: [(Self.attr("k", "v"), 0, 100, 1)]), json: true, now: 1 * sec)
        try p.ingest(Self.request(metric: "new", kind: "gauge", points: [(Self.attr("k", "v"), 0, 100, 1)]), json: true, now: 50 * sec)
        let before = p.seriesCount
        #expect(before == 2)   // old, new (no target_info: the resource has no attribute besides service.name)
        for s in p.shards { s.sweep(now: 70 * sec) }
        let names = Set(p.families().map(\.name))
        #expect(!names.contains("old"))
        #expect(names.contains("new"))
        // The swept series can come back as a new series.
        try p.ingest(Self.request(metric: "old", kind: "gauge", points: [(Self.attr("k", "v"), 0, 200, 4)]), json: true, now: 80 * sec)
        #expect(Self.values(p, "old").values.first == 4)
        for s in p.shards { s.sweep(now: 1000 * sec) }
        #expect(p.seriesCount == 0)
        #expect(p.families().isEmpty)
    }

    @Test func nonMonotonicDeltaIsRejectedWithMessage() throws {
        let p = ShardPipeline(shards: 2)
        let (_, o) = try p.ingest(Self.request(metric: "queue.depth", temporality: 1, monotonic: false,
                                               points: [(Self.attr("q", "a"), 0, 100, 3), (Self.attr("q", "b"), 0, 100, 4)]), json: true)
        #expect(o.applied == 0 && o.rejected == 2)
        #expect(o.rejectedByReason["non_monotonic_delta"] == 2)
        #expect(o.firstRejection == SeriesRejectReason.nonMonotonicDelta.message(metric: "queue.depth"))
        #expect(p.seriesCount == 0)
    }

    @Test func typeConflictDropsTheLaterMetric() throws {
        let p = ShardPipeline(shards: 1)
        try p.ingest(Self.request(metric: "x", kind: "gauge", points: [(Self.attr("k", "v"), 0, 100, 1)]), json: true)
        // A histogram-typed family named x would conflict; a monotonic sum maps to x_total (no
        // conflict), a non-monotonic sum to gauge x (same type: shares the family).
        let (_, o) = try p.ingest(Self.request(metric: "x", temporality: 2, monotonic: false, points: [(Self.attr("k", "w"), 0, 100, 2)]), json: true)
        #expect(o.applied == 1)
        #expect(Self.values(p, "x").count == 2)
        // Monotonic sum "y" → counter family y_total; a later gauge "y_total" conflicts (§4.9).
        try p.ingest(Self.request(metric: "y", points: [(Self.attr("k", "v"), 0, 100, 1)]), json: true)
        let (_, o2) = try p.ingest(Self.request(metric: "y_total", kind: "gauge", points: [(Self.attr("k", "z"), 0, 100, 2)]), json: true)
        #expect(o2.applied == 0 && o2.rejectedByReason["type_conflict"] == 1)
        #expect(o2.firstRejection?.contains("\"y_total\"") == true)
        #expect(Self.values(p, "y_total").count == 1)
    }

    @Test func committedFalseDropsEverything() throws {
        let p = ShardPipeline(shards: 2)
        var bytes = Self.request(metric: "g", kind: "gauge", points: [(Self.attr("k", "v"), 0, 100, 1)])
        bytes.removeLast(3)     // truncated JSON → decode error
        #expect(throws: OTLPDecodeError.self) { try p.ingest(bytes, json: true) }
        #expect(p.sink.takeSlices().allSatisfy { $0 == nil })
        #expect(p.seriesCount == 0)
    }
}
