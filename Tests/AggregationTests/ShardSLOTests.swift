import Foundation
import OTLP
import Testing
@testable import Aggregation
import SLO
import SLOEngine
import Selectors

/// SLO accounting in the shards: series linked on creation, increments (cumulative, delta,
/// resets, histogram buckets) added to partial states at the points' event times, and the
/// partial reports the engine merges.
@Suite struct ShardSLOTests {
    static let t0: Int64 = 1_800_000_000_000_000_000
    static let second: Int64 = 1_000_000_000
    static let source = SLOSpec.Source(file: "slod.yaml", line: 1, column: 1)

    static func pipeline(_ specs: [SLOSpec], shards: Int = 1) throws -> (ShardPipeline, [AggregatorShard]) {
        let registry = SLOInstanceRegistry(specs: specs)
        let matcher = SLOMatcher(specs: specs)
        let layouts = try specs.map { try SLOLayout($0.configuration) }
        let p = ShardPipeline(shards: shards) {
            AggregatorShard(slo: ShardSLO(matcher: matcher, registry: registry, layouts: layouts, wallClock: { ShardSLOTests.t0 }))
        }
        return (p, p.shards)
    }

    static func spec(_ sli: SLOSpec.SLI, groupBy: [String] = []) throws -> SLOSpec {
        try SLOSpec(service: "svc", name: "slo", objective: Objective(percent: "99"), period: .rolling(seconds: 30 * 86_400),
                    sli: sli, groupBy: groupBy, source: source)
    }

    static let errorsSLI = SLOSpec.SLI.events(total: try! SeriesSelector.parse("req_total"), good: nil,
                                              bad: try! SeriesSelector.parse(#"req_total{code="500"}"#))

    /// The 5m window's (good, total) in events, summed over shards and instances.
    static func fiveMinutes(_ shards: [AggregatorShard], now: Int64 = t0) -> (good: Double, total: Double) {
        var g = 0.0, t = 0.0
        for s in shards {
            for r in s.sloReport(now: now) {
                g += Double(r.sums[0].good) / 4096
                t += Double(r.sums[0].total) / 4096
            }
        }
        return (g, t)
    }

    static func at(_ secondsBefore: Int64) -> UInt64 { UInt64(t0 - secondsBefore * second) }

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
        let report = s[0].sloReport(now: Self.t0)
        #expect(report.count == 1)
        let layout = try SLOLayout(Self.spec(Self.errorsSLI).configuration)
        let total = { (seconds: Int64) in Double(report[0].sums[layout.windowIndex(seconds: seconds)!].total) / 4096 }
        #expect(total(300) == 5)
        #expect(total(3_600) == 5)
        #expect(total(7_200) == 15)
        #expect(total(21_600) == 15)
        #expect(report[0].totalEvents == 15)
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
        let reports = s[0].sloReport(now: Self.t0).sorted { $0.instance < $1.instance }
        #expect(reports.map { Double($0.sums[0].total) / 4096 } == [4, 6])
        #expect(reports.map(\.totalEvents) == [4, 6])
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

    @Test func refusedSeriesAreReportedAndCountNothing() throws {
        let sli = SLOSpec.SLI.latency(histogram: try SeriesSelector.parse("lat_seconds"), threshold: 0.3, interpolate: false)
        let spec = try Self.spec(sli)
        final class Messages: @unchecked Sendable { var list: [String] = [] }
        let messages = Messages()
        let shard = AggregatorShard(slo: ShardSLO(matcher: SLOMatcher(specs: [spec]), registry: SLOInstanceRegistry(specs: [spec]),
                                                  layouts: [try SLOLayout(spec.configuration)], wallClock: { Self.t0 },
                                                  onRefusal: { messages.list.append($0) }))
        let p = ShardPipeline(shards: 1) { shard }
        let bounds = [0.1, 0.25, 0.5]
        try p.ingest(Self.histogramRequest(temporality: 1, start: Self.at(70), time: Self.at(60), counts: [1, 2, 3, 4], bounds: bounds), json: true)
        try p.ingest(Self.histogramRequest(temporality: 1, start: Self.at(60), time: Self.at(50), counts: [1, 2, 3, 4], bounds: bounds), json: true)
        #expect(messages.list.count == 1, "\(messages.list)")
        #expect(messages.list.first?.contains("nearest bounds: 0.25 and 0.5") == true, "\(messages.list)")
        #expect(Self.fiveMinutes(p.shards) == (0, 0))
    }

    /// Timeslice budgeting: the shard's partial state keeps raw slices and hands each one over,
    /// once, when its grace period has passed (the engine judges them on the whole instance).
    @Test func timesliceSLOsHandOverClosedSlicesOnce() throws {
        let spec = try SLOSpec(service: "svc", name: "slices", objective: Objective(percent: "99"), period: .rolling(seconds: 30 * 86_400),
                               budgeting: .timeslices(TimesliceOptions(sliceSeconds: 60, graceSeconds: 60)), sli: Self.errorsSLI, source: Self.source)
        let (p, s) = try Self.pipeline([spec])
        let ok = ShardBehaviourTests.attr("code", "200"), err = ShardBehaviourTests.attr("code", "500")
        // Minute-aligned slices: 30 ok + 3 bad in the slice holding t0 − 20 s (the partial
        // state starts at t0, so that slice is still open); it closes a grace minute after its end.
        let time = Self.t0 - 20 * Self.second
        let slice = time / (60 * Self.second) * (60 * Self.second)
        let t = UInt64(time)
        try p.ingest(ShardBehaviourTests.request(metric: "req", temporality: 1, points: [(ok, t - 5_000_000_000, t, 30), (err, t - 5_000_000_000, t, 3)]), json: true)
        #expect(s[0].sloReport(now: Self.t0).first?.closedSlices.isEmpty == true)    // still within its grace
        let closeTime = slice + 121 * Self.second
        let first = s[0].sloReport(now: closeTime)
        #expect(first.count == 1)
        let closed = first.first?.closedSlices ?? []
        #expect(closed.count == 1 && closed.first?.startNanos == slice, "\(closed)")
        #expect(closed.first?.good == 30 * 4096 && closed.first?.total == 33 * 4096, "\(closed)")
        // Partial windows stay empty (the engine keeps the judged slices), and a slice is handed
        // over only once.
        #expect(first.first?.sums.allSatisfy { $0.total == 0 } == true)
        #expect(s[0].sloReport(now: closeTime + Self.second).first?.closedSlices.isEmpty == true)
    }

    @Test func seriesThatFeedNothingAreNotLinked() throws {
        let (p, s) = try Self.pipeline([Self.spec(Self.errorsSLI)])
        try p.ingest(ShardBehaviourTests.request(metric: "other", temporality: 1, points: [("", Self.at(70), Self.at(60), 7)]), json: true)
        try p.ingest(ShardBehaviourTests.request(metric: "req", kind: "gauge", points: [("", Self.at(70), Self.at(60), 7)]), json: true)
        #expect(s[0].sloReport(now: Self.t0).isEmpty)
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
        #expect(ShardSLOTests.fiveMinutes(s) == (9, 10))

        // New list: `other` first, then `errors` moved to index 1 (and declared elsewhere).
        let moved = try SLOSpec(service: "svc", name: "slo", objective: Objective(percent: "99"), period: .rolling(seconds: 30 * 86_400),
                                sli: ShardSLOTests.errorsSLI, source: SLOSpec.Source(file: "other.yaml", line: 9, column: 3))
        let specs = [other, moved]
        let registry = SLOInstanceRegistry(specs: specs)
        s[0].reconfigureSLO(matcher: SLOMatcher(specs: specs), registry: registry, layouts: try specs.map { try SLOLayout($0.configuration) },
                            keep: [0: 1])
        // The errors SLO's events survived the reload; `other` starts empty.
        let reports = s[0].sloReport(now: ShardSLOTests.t0)
        let byKey = Dictionary(uniqueKeysWithValues: registry.instances().map { ($0.key.slo, $0.id) })
        let kept = try #require(reports.first { $0.instance == byKey[1] })
        #expect(Double(kept.sums[0].total) / 4096 == 10 && Double(kept.sums[0].good) / 4096 == 9)
        let fresh = try #require(reports.first { $0.instance == byKey[0] })   // linked on reload, nothing counted yet
        #expect(fresh.sums[0].total == 0 && fresh.totalEvents == 0)

        // Existing series now also feed `other` (good = code 200 over all).
        try p.ingest(ShardBehaviourTests.request(metric: "req", temporality: 1, points: [(ok, ShardSLOTests.at(60), ShardSLOTests.at(50), 18), (err, ShardSLOTests.at(60), ShardSLOTests.at(50), 2)]), json: true)
        let after = s[0].sloReport(now: ShardSLOTests.t0)
        let o = try #require(after.first { $0.instance == byKey[0] })
        #expect(Double(o.sums[0].good) / 4096 == 18 && Double(o.sums[0].total) / 4096 == 20)
        let e = try #require(after.first { $0.instance == byKey[1] })
        #expect(Double(e.sums[0].good) / 4096 == 9 + 18 && Double(e.sums[0].total) / 4096 == 30)
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
