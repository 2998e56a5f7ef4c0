import Foundation
import OTLP
import Primitives
import Testing
@testable import Aggregation
import SLO
import SLOEngine
import Selectors

/// The shards of a pipeline and an `SLOEngine` sharing their instance registry: what the
/// daemon's SLO tick does (the shards hand over their deltas, the engine adds them).
final class SLOHarness {
    let shards: [AggregatorShard]
    let engine: SLOEngine

    init(shards: [AggregatorShard], engine: SLOEngine) {
        self.shards = shards
        self.engine = engine
    }

    subscript(_ i: Int) -> AggregatorShard { shards[i] }

    /// One evaluation tick at `now`.
    func tick(now: Int64 = ShardSLOTests.t0) -> SLOSnapshot {
        engine.evaluate(deltas: shards.map { $0.sloReport() }, now: now)
    }
}

/// SLO accounting in the shards: series linked on creation, increments (cumulative, delta,
/// resets, histogram buckets) summed per instance and event-time bucket, handed to the engine.
@Suite struct ShardSLOTests {
    static let t0: Int64 = 1_800_000_000_000_000_000
    static let second: Int64 = 1_000_000_000
    static let source = SLOSpec.Source(file: "slod.yaml", line: 1, column: 1)

    static func pipeline(_ specs: [SLOSpec], shards: Int = 1,
                         onRefusal: @escaping (String) -> Void = { _ in }) throws -> (ShardPipeline, SLOHarness) {
        let registry = SLOInstanceRegistry(specs: specs)
        let matcher = SLOMatcher(specs: specs)
        let layouts = try specs.map { try SLOLayout($0.configuration) }
        let p = ShardPipeline(shards: shards) {
            AggregatorShard(slo: ShardSLO(matcher: matcher, registry: registry, layouts: layouts, onRefusal: onRefusal))
        }
        return (p, SLOHarness(shards: p.shards, engine: try SLOEngine(specs: specs, registry: registry)))
    }

    static func spec(_ sli: SLOSpec.SLI, groupBy: [String] = []) throws -> SLOSpec {
        try SLOSpec(service: "svc", name: "slo", objective: Objective(percent: "99"), period: .rolling(seconds: 30 * 86_400),
                    sli: sli, groupBy: groupBy, source: source)
    }

    static let errorsSLI = SLOSpec.SLI.events(total: try! SeriesSelector.parse("req_total"), good: nil,
                                              bad: try! SeriesSelector.parse(#"req_total{code="500"}"#))

    /// The 5m window's (good, total) in events at `t0`, summed over instances, after a tick.
    static func fiveMinutes(_ h: SLOHarness) -> (good: Double, total: Double) {
        let snapshot = h.tick()
        var g = 0.0, t = 0.0
        for i in snapshot.instances {
            g += snapshot.windows(of: i).first!.good
            t += snapshot.windows(of: i).first!.total
        }
        return (g, t)
    }

    static func at(_ secondsBefore: Int64) -> UInt64 { UInt64(t0 - secondsBefore * second) }

    /// What `ShardSLO` told about refused series.
    final class Messages: @unchecked Sendable { var list: [String] = [] }

    @Test(arguments: [1, 3]) func cumulativeCountersCountIncreasesNotTheirFirstValue(shards: Int) throws {
        let (p, s) = try Self.pipeline([Self.spec(Self.errorsSLI)], shards: shards)
        let ok = ShardBehaviourTests.attr("code", "200"), err = ShardBehaviourTests.attr("code", "500")
        let start = Self.at(1_000)
        // First push: the baseline (values since the stream began, before slod saw it).
        try p.ingest(ShardBehaviourTests.request(metric: "req", points: [(ok, start, Self.at(60), 1_000), (err, start, Self.at(60), 50)]), json: true)
        #expect(Self.fiveMinutes(s) == (0, 0))
        try p.ingest(ShardBehaviourTests.request(metric: "req", points: [(ok, start, Self.at(50), 1_010), (err, start, Self.at(50), 52)]), json: true)
        try p.ingest(ShardBehaviourTests.request(metric: "req", points: [(ok, start, Self.at(40), 1_030), (err, start, Self.at(40), 55)]), json: true)
        // total = 10 + 2 + 20 + 3 = 35 events, bad = 5: good = 30.
        #expect(Self.fiveMinutes(s) == (30, 35))
        // A counter reset (value went down): the new value is the increase.
        try p.ingest(ShardBehaviourTests.request(metric: "req", points: [(ok, start, Self.at(30), 4), (err, start, Self.at(30), 1)]), json: true)
        #expect(Self.fiveMinutes(s) == (34, 40))   // +4 ok, +1 bad: total 40, bad 6
        // Out-of-order points change nothing.
        try p.ingest(ShardBehaviourTests.request(metric: "req", points: [(ok, start, Self.at(45), 2_000)]), json: true)
        #expect(Self.fiveMinutes(s) == (34, 40))
    }

    @Test func eventsLandInTheBucketOfTheirEventTime() throws {
        let (p, s) = try Self.pipeline([Self.spec(Self.errorsSLI)])
        let ok = ShardBehaviourTests.attr("code", "200")
        let start = Self.at(20_000)
        try p.ingest(ShardBehaviourTests.request(metric: "req", points: [(ok, start, Self.at(3 * 3_600), 100)]), json: true)   // baseline, 3h ago
        try p.ingest(ShardBehaviourTests.request(metric: "req", points: [(ok, start, Self.at(90 * 60), 110)]), json: true)     // +10, 90 min ago
        try p.ingest(ShardBehaviourTests.request(metric: "req", points: [(ok, start, Self.at(60), 115)]), json: true)          // +5, 1 min ago
        // The baseline adds nothing; two more buckets: one delta handed over when the second began, one at the tick.
        let deltas = s[0].sloReport()
        #expect(deltas.map { Double($0.total) / 4096 } == [10, 5])
        _ = s.engine.evaluate(deltas: [deltas], now: Self.t0)
        let snapshot = s.tick()
        let layout = s.engine.layouts[0]
        let windows = snapshot.windows(of: snapshot.instances[0])
        let total = { (seconds: Int64) in windows[layout.windowIndex(seconds: seconds)!].total }
        #expect(total(300) == 5)
        #expect(total(3_600) == 5)
        #expect(total(7_200) == 15)
        #expect(total(21_600) == 15)
        #expect(snapshot.instances[0].totalEvents == 15)
    }

    @Test func deltaCountersCountEveryPoint() throws {
        let (p, s) = try Self.pipeline([Self.spec(Self.errorsSLI)])
        let ok = ShardBehaviourTests.attr("code", "200"), err = ShardBehaviourTests.attr("code", "500")
        try p.ingest(ShardBehaviourTests.request(metric: "req", temporality: 1, points: [(ok, Self.at(70), Self.at(60), 7), (err, Self.at(70), Self.at(60), 1)]), json: true)
        try p.ingest(ShardBehaviourTests.request(metric: "req", temporality: 1, points: [(ok, Self.at(60), Self.at(50), 3)]), json: true)
        #expect(Self.fiveMinutes(s) == (10, 11))
    }

    @Test func groupByMakesOneInstancePerValue() throws {
        let (p, s) = try Self.pipeline([Self.spec(Self.errorsSLI, groupBy: ["route"])])
        for route in ["/a", "/b"] {
            let a = ShardBehaviourTests.attr("route", route) + "," + ShardBehaviourTests.attr("code", "200")
            try p.ingest(ShardBehaviourTests.request(metric: "req", temporality: 1, points: [(a, Self.at(70), Self.at(60), route == "/a" ? 4 : 6)]), json: true)
        }
        let snapshot = s.tick()
        #expect(snapshot.instances.map(\.groupValues) == [["/a"], ["/b"]])
        #expect(snapshot.instances.map { snapshot.windows(of: $0).first!.total } == [4, 6])
        #expect(snapshot.instances.map(\.totalEvents) == [4, 6])
    }

    static func histogramRequest(temporality: Int, start: UInt64, time: UInt64, counts: [Int], bounds: [Double]) -> [UInt8] {
        let json = """
        {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},\
        "scopeMetrics":[{"scope":{"name":"s"},"metrics":[{"name":"lat","unit":"s","histogram":{"aggregationTemporality":\(temporality),\
        "dataPoints":[{"startTimeUnixNano":"\(start)","timeUnixNano":"\(time)","count":"\(counts.reduce(0, +))",\
        "bucketCounts":[\(counts.map { "\"\($0)\"" }.joined(separator: ","))],"explicitBounds":[\(bounds.map { "\($0)" }.joined(separator: ","))]}]}}]}]}]}
        """
        return Array(json.utf8)
    }

    @Test func latencyCountsObservationsAtOrBelowTheThreshold() throws {
        let sli = SLOSpec.SLI.latency(histogram: try SeriesSelector.parse("lat_seconds"), threshold: 0.25, interpolate: false)
        let (p, s) = try Self.pipeline([Self.spec(sli)])
        let bounds = [0.1, 0.25, 0.5]
        let start = Self.at(1_000)
        try p.ingest(Self.histogramRequest(temporality: 2, start: start, time: Self.at(60), counts: [10, 10, 10, 10], bounds: bounds), json: true)
        #expect(Self.fiveMinutes(s) == (0, 0))   // baseline
        try p.ingest(Self.histogramRequest(temporality: 2, start: start, time: Self.at(50), counts: [15, 12, 11, 10], bounds: bounds), json: true)
        // Increases: buckets (5, 2, 1, 0); good = 5 + 2 (≤ 0.25), total = 8.
        #expect(Self.fiveMinutes(s) == (7, 8))
        // Delta histograms count every point.
        let (pd, sd) = try Self.pipeline([Self.spec(sli)])
        try pd.ingest(Self.histogramRequest(temporality: 1, start: Self.at(70), time: Self.at(60), counts: [1, 2, 3, 4], bounds: bounds), json: true)
        try pd.ingest(Self.histogramRequest(temporality: 1, start: Self.at(60), time: Self.at(50), counts: [1, 0, 0, 1], bounds: bounds), json: true)
        #expect(Self.fiveMinutes(sd) == (4, 12))
    }

    /// The Sloth/OpenSLO latency SLI written as events (good = `_bucket{le}`, total = `_count`)
    /// counts what the latency SLI at the same threshold counts: the bucket's cumulative count.
    @Test func bucketEventsCountTheBucketsCumulativeCount() throws {
        let latency = SLOSpec.SLI.latency(histogram: try SeriesSelector.parse("lat_seconds"), threshold: 0.25, interpolate: false)
        let events = SLOSpec.SLI.events(total: try SeriesSelector.parse("lat_seconds_count"),
                                        good: try SeriesSelector.parse(#"lat_seconds_bucket{le="0.25"}"#), bad: nil)
        let bad = SLOSpec.SLI.events(total: try SeriesSelector.parse(#"lat_seconds_bucket{le="+Inf"}"#), good: nil,
                                     bad: try SeriesSelector.parse(#"lat_seconds_bucket{le="0.1"}"#))
        let specs = try [Self.spec(latency), Self.spec(events), Self.spec(bad)].enumerated().map { i, spec in
            try SLOSpec(service: "svc", name: "slo\(i)", objective: spec.objective, period: spec.period, sli: spec.sli, source: Self.source)
        }
        let (p, s) = try Self.pipeline(specs)
        let bounds = [0.1, 0.25, 0.5]
        let start = Self.at(1_000)
        try p.ingest(Self.histogramRequest(temporality: 2, start: start, time: Self.at(60), counts: [10, 10, 10, 10], bounds: bounds), json: true)
        try p.ingest(Self.histogramRequest(temporality: 2, start: start, time: Self.at(50), counts: [15, 12, 11, 10], bounds: bounds), json: true)
        // Increases (5, 2, 1, 0): ≤ 0.25 is 7 of 8; "bad" ≤ 0.1 is 5 of 8, good = 8 − 5.
        let snapshot = s.tick()
        let fiveMinutes = snapshot.instances.map { (snapshot.windows(of: $0).first!.good, snapshot.windows(of: $0).first!.total) }
        #expect(fiveMinutes.map(\.0) == [7, 7, 3])
        #expect(fiveMinutes.map(\.1) == [8, 8, 8])
        #expect(snapshot.refusedSeries == [0, 0, 0])
    }

    /// The false page of issue 15: a healthy service (every request fast) under the bucket SLI
    /// has error ratio 0 in every window and burns no budget.
    @Test func healthyServiceUnderABucketSLIBurnsNothing() throws {
        let sli = SLOSpec.SLI.events(total: try SeriesSelector.parse("lat_seconds_count"),
                                     good: try SeriesSelector.parse(#"lat_seconds_bucket{le="0.25"}"#), bad: nil)
        let (p, s) = try Self.pipeline([Self.spec(sli)])
        let bounds = [0.1, 0.25, 0.5]
        let start = Self.at(1_000)
        for (i, fast) in [0, 40, 90, 150].enumerated() {
            try p.ingest(Self.histogramRequest(temporality: 2, start: start, time: Self.at(Int64(120 - 30 * i)), counts: [fast, 0, 0, 0], bounds: bounds), json: true)
        }
        let snapshot = s.tick()
        let status = snapshot.status(of: snapshot.instances.first!)
        #expect(status.windows.first?.total == 150)
        #expect(status.windows.allSatisfy { $0.errorRatio == 0 && $0.burnRate == 0 }, "\(status.windows)")
        #expect(status.budget.remaining == 1)
    }

    @Test func refusedSeriesAreReportedAndCountNothing() throws {
        let sli = SLOSpec.SLI.latency(histogram: try SeriesSelector.parse("lat_seconds"), threshold: 0.3, interpolate: false)
        let spec = try Self.spec(sli)
        let messages = Messages()
        let (p, s) = try Self.pipeline([spec], onRefusal: { messages.list.append($0) })
        let bounds = [0.1, 0.25, 0.5]
        try p.ingest(Self.histogramRequest(temporality: 1, start: Self.at(70), time: Self.at(60), counts: [1, 2, 3, 4], bounds: bounds), json: true)
        try p.ingest(Self.histogramRequest(temporality: 1, start: Self.at(60), time: Self.at(50), counts: [1, 2, 3, 4], bounds: bounds), json: true)
        #expect(messages.list.count == 1, "\(messages.list)")
        #expect(messages.list.first?.contains("nearest bounds: 0.25 and 0.5") == true, "\(messages.list)")
        #expect(s.engine.registry.refusals().series == [1])      // the series, once (not per point)
        #expect(Self.fiveMinutes(s) == (0, 0))
    }

    /// A latency SLI and its events form (good `_bucket{le}`, total `_count`), both at 0.25.
    static func thresholdSLOs() throws -> [SLOSpec] {
        let latency = SLOSpec.SLI.latency(histogram: try SeriesSelector.parse("lat_seconds"), threshold: 0.25, interpolate: false)
        let events = SLOSpec.SLI.events(total: try SeriesSelector.parse("lat_seconds_count"),
                                        good: try SeriesSelector.parse(#"lat_seconds_bucket{le="0.25"}"#), bad: nil)
        return try [latency, events].enumerated().map { i, sli in
            try SLOSpec(service: "svc", name: "slo\(i)", objective: Objective(percent: "99"), period: .rolling(seconds: 30 * 86_400),
                        sli: sli, source: Self.source)
        }
    }

    /// The 5m window's (good, total) of each instance, in instance order, after a tick.
    static func fiveMinutesPerInstance(_ h: SLOHarness) -> [[Double]] {
        let snapshot = h.tick()
        return snapshot.instances.map { [snapshot.windows(of: $0).first!.good, snapshot.windows(of: $0).first!.total] }
    }

    /// `thresholdSLOs` fed a cumulative histogram with bounds [0.1, 0.25, 0.5]: a baseline,
    /// then 3 events, all at or below 0.25.
    static func thresholdPipelineAfterThreeEvents(_ messages: Messages) throws -> (ShardPipeline, SLOHarness) {
        let (p, s) = try Self.pipeline(Self.thresholdSLOs(), onRefusal: { messages.list.append($0) })
        try p.ingest(Self.histogramRequest(temporality: 2, start: Self.at(1_000), time: Self.at(70), counts: [1, 1, 1, 1], bounds: [0.1, 0.25, 0.5]), json: true)
        try p.ingest(Self.histogramRequest(temporality: 2, start: Self.at(1_000), time: Self.at(65), counts: [3, 2, 1, 1], bounds: [0.1, 0.25, 0.5]), json: true)
        #expect(Self.fiveMinutesPerInstance(s) == [[3, 3], [3, 3]])
        return (p, s)
    }

    /// Bounds changing within a series reset it (`HistogramState`) and link it again: the
    /// threshold's bucket is read at its index in the new bounds, whether their count changed or
    /// not (with the same count, the old index would read another bucket), and the counts
    /// after the change are exact.
    @Test(arguments: [
        ([0.25, 0.5, 1], [4, 3, 2, 1], [6, 3, 3, 1]),             // same count, 0.25 moved from index 1 to 0
        ([0.25, 1], [4, 3, 3], [6, 4, 3]),                         // fewer buckets
        ([0.05, 0.1, 0.25, 1], [1, 1, 2, 3, 3], [2, 1, 3, 4, 3]),  // more buckets, 0.25 at index 2
    ] as [([Double], [Int], [Int])])
    func changedBoundsReadTheThresholdAtItsNewIndex(bounds: [Double], reset: [Int], next: [Int]) throws {
        let messages = Messages()
        let (p, s) = try Self.thresholdPipelineAfterThreeEvents(messages)
        // The SDK restarts with new bounds: the reset point counts whole, 4 of its 10 at or below 0.25.
        try p.ingest(Self.histogramRequest(temporality: 2, start: Self.at(60), time: Self.at(55), counts: reset, bounds: bounds), json: true)
        #expect(Self.fiveMinutesPerInstance(s) == [[7, 13], [7, 13]])
        // Then increases of the new layout: 2 of 3 at or below 0.25.
        try p.ingest(Self.histogramRequest(temporality: 2, start: Self.at(60), time: Self.at(50), counts: next, bounds: bounds), json: true)
        #expect(Self.fiveMinutesPerInstance(s) == [[9, 16], [9, 16]])
        #expect(messages.list.isEmpty, "\(messages.list)")
        #expect(s.engine.registry.refusals().series == [0, 0])
    }

    /// New bounds without the threshold (same bucket count): the series is refused (told,
    /// counted) and holds back both the good events and the total, instead of reading another
    /// bucket or counting every event as bad; bounds with the threshold again count again.
    @Test func changedBoundsWithoutTheThresholdHoldBackAndAreRefused() throws {
        let messages = Messages()
        let (p, s) = try Self.thresholdPipelineAfterThreeEvents(messages)
        try p.ingest(Self.histogramRequest(temporality: 2, start: Self.at(60), time: Self.at(55), counts: [4, 3, 2, 1], bounds: [0.2, 0.4, 1]), json: true)
        try p.ingest(Self.histogramRequest(temporality: 2, start: Self.at(60), time: Self.at(50), counts: [9, 3, 2, 1], bounds: [0.2, 0.4, 1]), json: true)
        #expect(Self.fiveMinutesPerInstance(s) == [[3, 3], [3, 3]])
        #expect(s.engine.registry.refusals().series == [1, 1])     // once per change, not per point
        #expect(messages.list.count == 2, "\(messages.list)")
        #expect(messages.list.first?.contains("threshold 0.25 is not a bucket bound (nearest bounds: 0.2 and 0.4)") == true, "\(messages.list)")
        // The bounds come back: linked again, the reset point counts whole (3 of 5 ≤ 0.25).
        try p.ingest(Self.histogramRequest(temporality: 2, start: Self.at(45), time: Self.at(40), counts: [1, 2, 1, 1], bounds: [0.1, 0.25, 0.5]), json: true)
        #expect(Self.fiveMinutesPerInstance(s) == [[6, 8], [6, 8]])
    }

    /// A bucket bound the histogram lacks: the series is refused (logged, counted) and feeds
    /// neither role: its count alone would make every event bad.
    @Test func bucketBoundTheHistogramLacksRefusesTheSeries() throws {
        let sli = SLOSpec.SLI.events(total: try SeriesSelector.parse("lat_seconds_count"),
                                     good: try SeriesSelector.parse(#"lat_seconds_bucket{le="0.3"}"#), bad: nil)
        let messages = Messages()
        let (p, s) = try Self.pipeline([Self.spec(sli)], onRefusal: { messages.list.append($0) })
        let bounds = [0.1, 0.25, 0.5]
        try p.ingest(Self.histogramRequest(temporality: 1, start: Self.at(70), time: Self.at(60), counts: [1, 2, 3, 4], bounds: bounds), json: true)
        try p.ingest(Self.histogramRequest(temporality: 1, start: Self.at(60), time: Self.at(50), counts: [1, 2, 3, 4], bounds: bounds), json: true)
        #expect(messages.list.count == 1, "\(messages.list)")
        #expect(messages.list.first?.contains(#"histogram lat_seconds has no bucket le="0.3" (its bounds: 0.1, 0.25, 0.5)"#) == true, "\(messages.list)")
        #expect(s.engine.registry.refusals().series == [1])
        #expect(Self.fiveMinutes(s) == (0, 0))
    }

    /// A gauge (or non-monotonic sum) whose exposed name ends in `_total` passes the config
    /// check; when a series of it appears, each selector that picks it is refused and counted.
    @Test(arguments: [("gauge", true), ("sum", false)])
    func gaugesPickedByAnEventsSLIAreRefusedAndCounted(kind: String, monotonic: Bool) throws {
        let sli = SLOSpec.SLI.events(total: try SeriesSelector.parse("jobs_total"), good: nil,
                                     bad: try SeriesSelector.parse(#"jobs_total{code="500"}"#))
        let messages = Messages()
        let (p, s) = try Self.pipeline([Self.spec(sli)], onRefusal: { messages.list.append($0) })
        let attrs = ShardBehaviourTests.attr("code", "500")
        try p.ingest(ShardBehaviourTests.request(metric: "jobs.total", kind: kind, temporality: 2, monotonic: monotonic,
                                                 points: [(attrs, Self.at(70), Self.at(60), 7)]), json: true)
        try p.ingest(ShardBehaviourTests.request(metric: "jobs.total", kind: kind, temporality: 2, monotonic: monotonic,
                                                 points: [(attrs, Self.at(60), Self.at(50), 9)]), json: true)
        #expect(messages.list.count == 2, "\(messages.list)")
        #expect(messages.list.allSatisfy { $0.contains("selects jobs_total, a gauge (or non-monotonic sum)") }, "\(messages.list)")
        #expect(s.engine.registry.refusals().series == [1])     // picked by total and bad: one series
        #expect(Self.fiveMinutes(s) == (0, 0))
    }

    /// Timeslice budgeting: the shard sums points per 10 s bucket (a divisor of the slice) and
    /// hands each sum over once; the engine judges the slice when its grace period has passed.
    @Test func timesliceSLOsHandOverBucketSumsOnce() throws {
        let spec = try SLOSpec(service: "svc", name: "slices", objective: Objective(percent: "99"), period: .rolling(seconds: 30 * 86_400),
                               budgeting: .timeslices(TimesliceOptions(sliceSeconds: 60, graceSeconds: 60)), sli: Self.errorsSLI, source: Self.source)
        let (p, s) = try Self.pipeline([spec])
        #expect(s.engine.layouts[0].deltaBucketNanos == 10 * Self.second)
        let ok = ShardBehaviourTests.attr("code", "200"), err = ShardBehaviourTests.attr("code", "500")
        // 30 ok + 3 bad at t0 − 20 s: one bucket, one delta (30 good of 33).
        let time = Self.t0 - 20 * Self.second
        let t = UInt64(time)
        try p.ingest(ShardBehaviourTests.request(metric: "req", temporality: 1, points: [(ok, t - 5_000_000_000, t, 30), (err, t - 5_000_000_000, t, 3)]), json: true)
        let deltas = s[0].sloReport()
        #expect(deltas == [SLODelta(instance: 0, time: time - time % (10 * Self.second), good: 30 * 4096, total: 33 * 4096)])
        #expect(s[0].sloReport().isEmpty)     // handed over once
        // The engine keeps the slice open through its grace period, then judges it bad (30/33 < 0.95).
        var snapshot = s.engine.evaluate(deltas: [deltas], now: Self.t0)
        #expect(snapshot.windows(of: snapshot.instances[0]).allSatisfy { $0.total == 0 })
        let slice = time / (60 * Self.second) * (60 * Self.second)
        snapshot = s.tick(now: slice + 121 * Self.second)
        #expect(snapshot.windows(of: snapshot.instances[0]).dropFirst().allSatisfy { $0.total == 1 && $0.good == 0 })
    }

    /// Points of other buckets than the pending one (late points, out of order) become deltas;
    /// however they interleave, the deltas add up to the points' sums per bucket, and a long
    /// list is merged so it stays bounded by the buckets touched.
    @Test(arguments: [100, 200_000])
    func deltasAddUpPerBucketWhateverTheOrder(points: Int) throws {
        let (_, s) = try Self.pipeline([Self.spec(Self.errorsSLI, groupBy: ["route"])])
        let slo = try #require(s[0].slo)
        let registry = s.engine.registry
        let ids = (0..<3).map { registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["/r\($0)"]))! }
        let partials = ids.map { slo.partialIndex($0, slo: 0) }
        var random = SplitMix64(seed: UInt64(points))
        var sums: [[Int64]: (Int64, Int64)] = [:]
        let width = 10 * Self.second
        var handed: [SLODelta] = []
        for k in 0..<points {
            let i = Int.random(in: 0..<3, using: &random)
            let time = Self.t0 - Int64.random(in: 0..<(Bool.random(using: &random) ? 3 : 500), using: &random) * width
                + Int64.random(in: 0..<width, using: &random)
            let good = Double(Int.random(in: 0...5, using: &random)), total = good + Double(Int.random(in: 0...2, using: &random))
            slo.add(partials[i], good: good, total: total, time: UInt64(time))
            let key = [Int64(ids[i]), time - time % width]
            let old = sums[key] ?? (0, 0)
            sums[key] = (old.0 + Int64(good * 4096), old.1 + Int64(total * 4096))
            if k == points / 2 { handed += slo.report() }
        }
        handed += slo.report()
        // Unmerged, 200,000 points would leave ~170,000 deltas (most points switch buckets).
        #expect(handed.count < 2 * ShardSLO.minimumMergeAt, "merged: \(handed.count) deltas")
        var got: [[Int64]: (Int64, Int64)] = [:]
        for d in handed {
            let key = [Int64(d.instance), d.time]
            let old = got[key] ?? (0, 0)
            got[key] = (old.0 + d.good, old.1 + d.total)
        }
        #expect(got.count == sums.count)
        for (key, value) in sums { #expect(got[key]! == value, "\(key)") }
        #expect(slo.report().isEmpty)
    }

    /// A NaN increment is counted as an invalid point, not added.
    @Test func invalidIncrementsAreCounted() throws {
        let (_, s) = try Self.pipeline([Self.spec(Self.errorsSLI)])
        let slo = try #require(s[0].slo)
        let p = slo.partialIndex(0, slo: 0)
        slo.add(p, good: .nan, total: 1, time: UInt64(Self.t0))
        slo.add(p, good: 1, total: 1, time: UInt64(Self.t0))
        let deltas = slo.report()
        #expect(deltas.reduce(0) { $0 + Int($1.invalid) } == 1)
        #expect(deltas.reduce(0) { $0 + $1.total } == 4096)
        let snapshot = s.engine.evaluate(deltas: [deltas], now: Self.t0)
        #expect(snapshot.instances[0].drops.invalidValue == 1 && snapshot.instances[0].totalEvents == 1)
    }

    @Test func seriesThatFeedNothingAreNotLinked() throws {
        let (p, s) = try Self.pipeline([Self.spec(Self.errorsSLI)])
        try p.ingest(ShardBehaviourTests.request(metric: "other", temporality: 1, points: [("", Self.at(70), Self.at(60), 7)]), json: true)
        try p.ingest(ShardBehaviourTests.request(metric: "req", kind: "gauge", points: [("", Self.at(70), Self.at(60), 7)]), json: true)
        #expect(s[0].sloReport().isEmpty)
    }
}

/// Exponential histograms under a latency SLI.
@Suite struct ExponentialLatencySLOTests {
    static func state() -> ExponentialHistogramState {
        var s = ExponentialHistogramState()
        let positive: [UInt64] = [1, 2, 3, 4]        // scale 0, index -3…0: (1/8,1/4], (1/4,1/2], (1/2,1], (1,2]
        let negative: [UInt64] = [7]
        positive.withUnsafeBufferPointer { p in
            negative.withUnsafeBufferPointer { n in
                let view = ExponentialHistogramPointView(
                    common: PointCommon(attributes: UnsafeBufferPointer(start: nil, count: 0), startTimeUnixNano: 1, timeUnixNano: 2),
                    count: 22, sum: nil, min: nil, max: nil, scale: 0, zeroCount: 5, zeroThreshold: 0,
                    positive: ExponentialBuckets(offset: -3, counts: p), negative: ExponentialBuckets(offset: 0, counts: n))
                _ = s.apply(view, temporality: .cumulative, maxBuckets: 40, now: 1)
            }
        }
        return s
    }

    @Test func observationsAtOrBelowCountWholeBucketsOnly() {
        let s = Self.state()
        #expect(s.count == 22)
        #expect(s.observations(atOrBelow: 0.25) == 7 + 5 + 1)
        #expect(s.observations(atOrBelow: 0.3) == 7 + 5 + 1)          // (1/4, 1/2] straddles 0.3: not counted
        #expect(s.observations(atOrBelow: 1) == 7 + 5 + 1 + 2 + 3)
        #expect(s.observations(atOrBelow: 100) == 22)
        #expect(s.observations(atOrBelow: 0) == 7)
    }

    static func request(temporality: Int, start: UInt64, time: UInt64, positive: [Int]) -> [UInt8] {
        let json = """
        {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},\
        "scopeMetrics":[{"scope":{"name":"s"},"metrics":[{"name":"lat","unit":"s","exponentialHistogram":{"aggregationTemporality":\(temporality),\
        "dataPoints":[{"startTimeUnixNano":"\(start)","timeUnixNano":"\(time)","count":"\(positive.reduce(0, +))","scale":0,\
        "positive":{"offset":-3,"bucketCounts":[\(positive.map { "\"\($0)\"" }.joined(separator: ","))]}}]}}]}]}]}
        """
        return Array(json.utf8)
    }

    @Test func shardsCountExponentialLatencyIncreases() throws {
        let sli = SLOSpec.SLI.latency(histogram: try SeriesSelector.parse("lat_seconds"), threshold: 0.5, interpolate: false)
        let (p, s) = try ShardSLOTests.pipeline([ShardSLOTests.spec(sli)])
        let start = ShardSLOTests.at(1_000)
        try p.ingest(Self.request(temporality: 2, start: start, time: ShardSLOTests.at(60), positive: [1, 1, 1, 1]), json: true)
        #expect(ShardSLOTests.fiveMinutes(s) == (0, 0))     // baseline
        try p.ingest(Self.request(temporality: 2, start: start, time: ShardSLOTests.at(50), positive: [4, 3, 1, 2]), json: true)
        // Increases (3, 2, 0, 1): ≤ 0.5 s are the first two buckets → good 5 of 6.
        #expect(ShardSLOTests.fiveMinutes(s) == (5, 6))
    }
}

/// Reload: new SLOs, unchanged ones keep their state, existing series are matched again.
@Suite struct ShardSLOReconfigureTests {
    @Test func unchangedSLOsKeepTheirStateAndSeriesAreMatchedAgain() throws {
        let errors = try ShardSLOTests.spec(ShardSLOTests.errorsSLI)
        let other = try SLOSpec(service: "svc", name: "other", objective: Objective(percent: "90"), period: .rolling(seconds: 7 * 86_400),
                                sli: .events(total: try SeriesSelector.parse("req_total"), good: try SeriesSelector.parse(#"req_total{code="200"}"#), bad: nil),
                                source: ShardSLOTests.source)
        let (p, s) = try ShardSLOTests.pipeline([errors])
        let ok = ShardBehaviourTests.attr("code", "200"), err = ShardBehaviourTests.attr("code", "500")
        try p.ingest(ShardBehaviourTests.request(metric: "req", temporality: 1, points: [(ok, ShardSLOTests.at(70), ShardSLOTests.at(60), 9), (err, ShardSLOTests.at(70), ShardSLOTests.at(60), 1)]), json: true)

        // New list: `other` first, then `errors` moved to index 1 (and declared elsewhere).
        let moved = try SLOSpec(service: "svc", name: "slo", objective: Objective(percent: "99"), period: .rolling(seconds: 30 * 86_400),
                                sli: ShardSLOTests.errorsSLI, source: SLOSpec.Source(file: "other.yaml", line: 9, column: 3))
        let specs = [other, moved]
        let registry = SLOInstanceRegistry(specs: specs)
        s[0].reconfigureSLO(matcher: SLOMatcher(specs: specs), registry: registry, layouts: try specs.map { try SLOLayout($0.configuration) },
                            keep: [0: 1])
        // The errors SLO's pending events survived the reload under its new instance id.
        let byKey = Dictionary(uniqueKeysWithValues: registry.instances().map { ($0.key.slo, $0.id) })
        func sums(_ deltas: [SLODelta], _ instance: Int32?) -> (Double, Double) {
            let mine = deltas.filter { $0.instance == instance }
            return (Double(mine.reduce(0) { $0 + $1.good }) / 4096, Double(mine.reduce(0) { $0 + $1.total }) / 4096)
        }
        let reports = s[0].sloReport()
        #expect(sums(reports, byKey[1]) == (9, 10))
        #expect(sums(reports, byKey[0]) == (0, 0))     // `other`: linked on reload, nothing counted yet

        // Existing series now also feed `other` (good = code 200 over all).
        try p.ingest(ShardBehaviourTests.request(metric: "req", temporality: 1, points: [(ok, ShardSLOTests.at(60), ShardSLOTests.at(50), 18), (err, ShardSLOTests.at(60), ShardSLOTests.at(50), 2)]), json: true)
        let after = s[0].sloReport()
        #expect(sums(after, byKey[0]) == (18, 20))
        #expect(sums(after, byKey[1]) == (18, 20))
    }

    @Test func sameDefinitionIgnoresOnlyTheSource() throws {
        let a = try ShardSLOTests.spec(ShardSLOTests.errorsSLI)
        let b = try SLOSpec(service: "svc", name: "slo", objective: Objective(percent: "99"), period: .rolling(seconds: 30 * 86_400),
                            sli: ShardSLOTests.errorsSLI, source: SLOSpec.Source(file: "x.yaml", line: 2, column: 2))
        let c = try SLOSpec(service: "svc", name: "slo", objective: Objective(percent: "99.5"), period: .rolling(seconds: 30 * 86_400),
                            sli: ShardSLOTests.errorsSLI, source: ShardSLOTests.source)
        #expect(a.sameDefinition(as: b))
        #expect(!a.sameDefinition(as: c))
    }
}
