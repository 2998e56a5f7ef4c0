import Foundation
import Testing
@testable import Aggregation
import Exposition
import OTLP
import Primitives
import SLO
import SLOEngine
import Selectors

/// Checkpoint and restore of the shards' series state: round trips across shard counts, the
/// next point after a restart, SLO links without deltas, limits, and decoding of bad bytes.
@Suite struct SeriesCheckpointTests {
    // MARK: Requests

    static let t0: UInt64 = 1_800_000_000_000_000_000
    static let s: UInt64 = 1_000_000_000

    static func q(_ v: some BinaryInteger) -> String { "\"\(v)\"" }

    /// One resource (identifying + other attributes: a target_info series) with the given metrics.
    static func request(_ metrics: [String], service: String = "svc", instance: String = "i-1") -> [UInt8] {
        let json = """
        {"resourceMetrics":[{"resource":{"attributes":[\(ShardBehaviourTests.attr("service.name", service)),\
        \(ShardBehaviourTests.attr("service.instance.id", instance)),\(ShardBehaviourTests.attr("host.name", "h-\(instance)"))]},\
        "scopeMetrics":[{"scope":{"name":"s","version":"1.2"},"metrics":[\(metrics.joined(separator: ","))]}]}]}
        """
        return Array(json.utf8)
    }

    static func sum(_ name: String, temporality: Int, monotonic: Bool = true, attrs: String, start: UInt64, time: UInt64, value: Double) -> String {
        """
        {"name":"\(name)","description":"d \(name)","unit":"1","sum":{"aggregationTemporality":\(temporality),"isMonotonic":\(monotonic),\
        "dataPoints":[{"attributes":[\(attrs)],"startTimeUnixNano":\(q(start)),"timeUnixNano":\(q(time)),"asDouble":\(value)}]}}
        """
    }

    static func gauge(_ name: String, attrs: String, time: UInt64, value: Double) -> String {
        """
        {"name":"\(name)","gauge":{"dataPoints":[{"attributes":[\(attrs)],"timeUnixNano":\(q(time)),"asDouble":\(value)}]}}
        """
    }

    static func histogram(_ name: String, temporality: Int, attrs: String, start: UInt64, time: UInt64, counts: [Int], bounds: [Double]) -> String {
        """
        {"name":"\(name)","unit":"s","histogram":{"aggregationTemporality":\(temporality),"dataPoints":[{"attributes":[\(attrs)],\
        "startTimeUnixNano":\(q(start)),"timeUnixNano":\(q(time)),"count":\(q(counts.reduce(0, +))),"sum":\(Double(counts.reduce(0, +)) * 0.3),\
        "bucketCounts":[\(counts.map { q($0) }.joined(separator: ","))],"explicitBounds":[\(bounds.map { "\($0)" }.joined(separator: ","))]}]}}
        """
    }

    static func exponential(_ name: String, temporality: Int, attrs: String, start: UInt64, time: UInt64, scale: Int,
                            zero: Int, positive: (Int, [Int]), negative: (Int, [Int])) -> String {
        let count = zero + positive.1.reduce(0, +) + negative.1.reduce(0, +)
        return """
        {"name":"\(name)","unit":"s","exponentialHistogram":{"aggregationTemporality":\(temporality),"dataPoints":[{"attributes":[\(attrs)],\
        "startTimeUnixNano":\(q(start)),"timeUnixNano":\(q(time)),"count":\(q(count)),"sum":\(Double(count) * 1.5),"scale":\(scale),\
        "zeroCount":\(q(zero)),"zeroThreshold":0.001,\
        "positive":{"offset":\(positive.0),"bucketCounts":[\(positive.1.map { q($0) }.joined(separator: ","))]},\
        "negative":{"offset":\(negative.0),"bucketCounts":[\(negative.1.map { q($0) }.joined(separator: ","))]}}]}}
        """
    }

    static func summary(_ name: String, attrs: String, start: UInt64, time: UInt64, count: Int, quantiles: [(Double, Double)]) -> String {
        """
        {"name":"\(name)","summary":{"dataPoints":[{"attributes":[\(attrs)],"startTimeUnixNano":\(q(start)),"timeUnixNano":\(q(time)),\
        "count":\(q(count)),"sum":\(Double(count) * 2),\
        "quantileValues":[\(quantiles.map { "{\"quantile\":\($0.0),\"value\":\($0.1)}" }.joined(separator: ","))]}]}}
        """
    }

    static func a(_ k: String, _ v: String) -> String { ShardBehaviourTests.attr(k, v) }

    /// Step `k` (0, 1, 2, …) of a mixed workload: every state kind, cumulative and delta, a
    /// counter that resets at step 2, two services; `aliases`: two raw identities (`a.b` vs `a_b`)
    /// of one series (which series the exposition shows for them depends on the shard layout, so
    /// only same-layout comparisons include them).
    static func workload(step k: Int, aliases: Bool = false) -> [[UInt8]] {
        let start = t0 - 10_000 * s
        let time = t0 + UInt64(k) * 10 * s
        let kk = Double(k)
        var out: [[UInt8]] = []
        for (service, instance) in [("svc", "i-1"), ("other", "i-2")] {
            var metrics: [String] = []
            for r in 0..<6 {
                let attrs = a("route", "/r\(r)") + "," + a("code", r % 3 == 0 ? "500" : "200")
                metrics.append(sum("req", temporality: 2, attrs: attrs, start: start, time: time, value: 100 * Double(r + 1) + 7 * kk))
                metrics.append(sum("jobs", temporality: 1, attrs: attrs, start: time - 10 * s, time: time, value: Double(r) + kk))
                metrics.append(sum("queue", temporality: 2, monotonic: false, attrs: attrs, start: start, time: time, value: Double(r) - kk))
                metrics.append(gauge("temp", attrs: attrs, time: time, value: 20 + Double(r) + kk / 4))
                metrics.append(histogram("lat", temporality: 2, attrs: attrs, start: start, time: time,
                                         counts: [10 + k, 5 + 2 * k, r, 1], bounds: [0.1, 0.25, 1]))
                metrics.append(histogram("size", temporality: 1, attrs: attrs, start: time - 10 * s, time: time,
                                         counts: [1, k, 2], bounds: [100, 1000]))
                metrics.append(exponential("elat", temporality: 2, attrs: attrs, start: start, time: time, scale: 2,
                                           zero: 1 + k, positive: (-3 + r, [1, 2 + k, 3]), negative: (0, [k])))
                metrics.append(exponential("edur", temporality: 1, attrs: attrs, start: time - 10 * s, time: time, scale: 1,
                                           zero: 0, positive: (r, [1, k]), negative: (0, [])))
                metrics.append(summary("rpc", attrs: attrs, start: start, time: time, count: 10 * (r + 1) + k,
                                       quantiles: [(0.5, 1 + kk), (0.99, 3 + kk)]))
            }
            // Resets at step 2 (value goes down).
            metrics.append(sum("restarts", temporality: 2, attrs: a("x", "1"), start: start, time: time, value: k == 2 ? 1 : 50 + kk))
            if aliases {
                metrics.append(gauge("alias", attrs: a("a.b", "v"), time: time, value: kk))
                metrics.append(gauge("alias", attrs: a("a_b", "v"), time: time + 1, value: kk + 0.5))
            }
            out.append(request(metrics, service: service, instance: instance))
        }
        return out
    }

    // MARK: Helpers

    static func encode(_ shards: [AggregatorShard]) -> [[UInt8]] {
        shards.map { shard in var out: [UInt8] = []; shard.encodeSeries(into: &out); return out }
    }

    /// A fresh pipeline of `n` shards holding the restored parts.
    static func restored(_ parts: [[UInt8]], shards n: Int, now: UInt64 = 5,
                         make: @escaping () -> AggregatorShard = { AggregatorShard() }) throws -> (ShardPipeline, SeriesRestoreReport) {
        let p = ShardPipeline(shards: n, make: make)
        let report = try SeriesCheckpoint.restore(parts, into: p.shards, now: now)
        return (p, report)
    }

    static func expectSameExposition(_ a: ShardPipeline, _ b: ShardPipeline, _ what: String) {
        for format in [ExpositionFormat.text004, .openMetrics100] {
            let x = a.render(format).split(separator: "\n"), y = b.render(format).split(separator: "\n")
            #expect(x.count > 1)
            guard x != y else { continue }
            let i = (0..<min(x.count, y.count)).first { x[$0] != y[$0] } ?? min(x.count, y.count)
            Issue.record("\(what) (\(format)): first difference at line \(i + 1) of \(x.count)/\(y.count):\n original: \(i < x.count ? String(x[i]) : "<eof>")\n restored: \(i < y.count ? String(y[i]) : "<eof>")")
        }
    }

    static func ingest(_ p: ShardPipeline, _ requests: [[UInt8]], tenant: String = "", now: UInt64 = 1) throws {
        for r in requests { try p.ingest(r, json: true, tenant: tenant, now: now) }
    }

    // MARK: Round trips

    @Test(arguments: [1, 2, 5]) func mixedWorkloadSurvivesARestartWithAnotherShardCount(restoredShards: Int) throws {
        let make = { AggregatorShard(tenantLabel: "tenant") }
        let original = ShardPipeline(shards: 3, make: make)
        for step in 0..<2 {
            try Self.ingest(original, Self.workload(step: step))
            try Self.ingest(original, Self.workload(step: step), tenant: "team-a")
        }
        // A stale series (NO_RECORDED_VALUE) stays stale.
        let stale = #"{"name":"temp","gauge":{"dataPoints":[{"attributes":[\#(Self.a("route", "/r1")),\#(Self.a("code", "200"))],"timeUnixNano":"\#(Self.t0 + 15 * Self.s)","flags":1}]}}"#
        try original.ingest(Self.request([stale]), json: true)
        let parts = Self.encode(original.shards)
        let (copy, report) = try Self.restored(parts, shards: restoredShards, make: make)
        Self.expectSameExposition(original, copy, "restored")
        #expect(report.series > 0 && report.dropped == 0)
        #expect(report.targets == 4)   // two services × (no tenant, team-a)
        #expect(copy.seriesCount == original.seriesCount)

        // The next points (a reset, delta accumulation, new buckets) land the same way.
        for step in 2..<4 {
            try Self.ingest(original, Self.workload(step: step), now: 7)
            try Self.ingest(copy, Self.workload(step: step), now: 7)
            try Self.ingest(original, Self.workload(step: step), tenant: "team-a", now: 7)
            try Self.ingest(copy, Self.workload(step: step), tenant: "team-a", now: 7)
            Self.expectSameExposition(original, copy, "after step \(step)")
            // Cumulative → delta per series: the same last increases.
            #expect(Self.lastIncreases(original) == Self.lastIncreases(copy))
            if step == 2 { #expect(Self.lastIncreases(copy).values.contains(1)) }   // the reset: the new value is the increase
        }
    }

    @Test func aliasesComeBackAsOneSeries() throws {
        let original = ShardPipeline(shards: 1)
        try Self.ingest(original, Self.workload(step: 0, aliases: true))
        let (copy, report) = try Self.restored(Self.encode(original.shards), shards: 1)
        #expect(report.aliases == 2)   // one per service
        #expect(copy.seriesCount == original.seriesCount)
        #expect(copy.shards[0].rawIndex.count == original.shards[0].rawIndex.count)
        Self.expectSameExposition(original, copy, "aliases")
        for step in 1..<3 {
            try Self.ingest(original, Self.workload(step: step, aliases: true))
            try Self.ingest(copy, Self.workload(step: step, aliases: true))
            Self.expectSameExposition(original, copy, "aliases, step \(step)")
        }
        #expect(copy.seriesCount == original.seriesCount)
    }

    /// Counter last increases by full label set.
    static func lastIncreases(_ p: ShardPipeline) -> [String: Double] {
        var out: [String: Double] = [:]
        for shard in p.shards {
            for i in 0..<shard.series.count where shard.series[i].family >= 0 && shard.series[i].kind == .counter {
                var bytes: [UInt8] = []
                shard.fullLabels(shard.series[i], into: &bytes)
                let name = shard.families[Int(shard.series[i].family)]!.name
                out[name + String(decoding: bytes, as: UTF8.self)] = shard.counters[shard.series[i].slot].lastIncrease
            }
        }
        return out
    }

    @Test func fixturesSurviveARestart() throws {
        let local = ShardGoldenTests.fixtures(in: ShardGoldenTests.localFixtures).filter { $0.pathExtension == "pb" }
        let httpServer = ["metrics_small.pb", "metrics_medium.pb"].map { ShardPipeline.httpServerFixtures.appendingPathComponent($0) }
        let original = ShardPipeline(shards: 3)
        for url in local + httpServer { try original.ingest(try ShardPipeline.payload(url), json: false) }
        #expect(original.seriesCount > 1_000)
        let parts = Self.encode(original.shards)
        for n in [1, 4] {
            let (copy, report) = try Self.restored(parts, shards: n)
            Self.expectSameExposition(original, copy, "fixtures into \(n) shards")
            #expect(report.dropped == 0)
            // Encoding the restored shards and restoring again changes nothing either.
            let (again, _) = try Self.restored(Self.encode(copy.shards), shards: 2)
            Self.expectSameExposition(original, again, "second restore")
        }
    }

    @Test func lastUpdateIsTheRestoreTimeSoTheTTLStartsAgain() throws {
        let original = ShardPipeline(shards: 2) { AggregatorShard(seriesTTL: 100) }
        try Self.ingest(original, Self.workload(step: 0), now: 1)
        let (copy, _) = try Self.restored(Self.encode(original.shards), shards: 2, now: 1_000) { AggregatorShard(seriesTTL: 100) }
        let before = copy.seriesCount
        for shard in copy.shards { shard.sweep(now: 1_050) }
        #expect(copy.seriesCount == before)
        for shard in copy.shards { shard.sweep(now: 1_101) }
        #expect(copy.seriesCount == 0)
    }

    @Test func emptyShardsEncodeAndRestore() throws {
        let parts = Self.encode([AggregatorShard(), AggregatorShard()])
        #expect(parts[0] == SeriesCheckpoint.magic + [SeriesCheckpoint.version, 0])
        let (copy, report) = try Self.restored(parts, shards: 3)
        #expect(report == SeriesRestoreReport())
        #expect(copy.seriesCount == 0)
    }

    @Test func smallerLimitsAfterARestartDropTheExcess() throws {
        let original = ShardPipeline(shards: 1)
        try Self.ingest(original, Self.workload(step: 0))
        let total = original.seriesCount
        let (copy, report) = try Self.restored(Self.encode(original.shards), shards: 1) { AggregatorShard(maxSeries: 10) }
        #expect(copy.seriesCount == 10)
        #expect(report.series == 10 - report.targets)   // target_info counts against max_series too
        #expect(report.dropped > 0)
        #expect(report.series + report.dropped + report.aliases + report.targets == total)
    }

    // MARK: SLOs

    @Test(arguments: [1, 2]) func restoredSeriesAreLinkedWithoutDeltasAndCountTheNextIncreaseOnce(restoredShards: Int) throws {
        let errors = try ShardSLOTests.spec(ShardSLOTests.errorsSLI)
        let latency = try SLOSpec(service: "svc", name: "lat", objective: Objective(percent: "99"), period: .rolling(seconds: 30 * 86_400),
                                  sli: .latency(histogram: try SeriesSelector.parse("lat_seconds"), threshold: 0.25, interpolate: false),
                                  source: ShardSLOTests.source)
        let specs = [errors, latency]
        let (original, _) = try ShardSLOTests.pipeline(specs, shards: 3)
        let ok = ShardBehaviourTests.attr("code", "200"), err = ShardBehaviourTests.attr("code", "500")
        let start = ShardSLOTests.at(1_000)
        let bounds = [0.1, 0.25, 0.5]
        func push(_ p: ShardPipeline, _ k: Int) throws {
            let time = ShardSLOTests.at(Int64(60 - 10 * k))
            try p.ingest(ShardBehaviourTests.request(metric: "req", points: [(ok, start, time, 1_000 + 10 * k), (err, start, time, 50 + 2 * k)]), json: true)
            try p.ingest(ShardBehaviourTests.request(metric: "req", temporality: 1, points: [(ok + "," + Self.a("d", "1"), time - 5, time, 3 + k)]), json: true)
            try p.ingest(ShardSLOTests.histogramRequest(temporality: 2, start: start, time: time, counts: [10 + 5 * k, 10 + 2 * k, 10 + k, 10], bounds: bounds), json: true)
        }
        try push(original, 0)
        try push(original, 1)
        _ = original.shards.map { $0.sloReport() }   // what the engine already has
        let parts = Self.encode(original.shards)
        let (copy, _) = try ShardSLOTests.pipeline(specs, shards: restoredShards)
        let report = try SeriesCheckpoint.restore(parts, into: copy.shards, now: 5)
        #expect(report.series == 4 && report.dropped == 0)
        // Linked (series and raw identities), and the restore itself adds nothing.
        for shard in copy.shards {
            for i in 0..<shard.series.count where shard.series[i].family >= 0 {
                #expect(shard.series[i].sloLinks >= 0)
            }
            shard.forEachRaw { _, h, _ in #expect(h.sloLinks == shard.series[Int(h.series)].sloLinks) }
        }
        #expect(copy.shards.flatMap { $0.sloReport() }.isEmpty)
        // The next points: the same increases as without the restart.
        try push(original, 2)
        try push(copy, 2)
        let a = Self.deltaSums(original.shards), b = Self.deltaSums(copy.shards)
        #expect(a == b)
        #expect(a.values.reduce(0) { $0 + $1.total } > 0)
        Self.expectSameExposition(original, copy, "SLO series")
    }

    /// (good, total) per event-time bucket, summed over shards and instances.
    static func deltaSums(_ shards: [AggregatorShard]) -> [Int64: Totals] {
        var out: [Int64: Totals] = [:]
        for d in shards.flatMap({ $0.sloReport() }) {
            out[d.time, default: Totals()].good += d.good
            out[d.time, default: Totals()].total += d.total
        }
        return out
    }

    struct Totals: Equatable { var good: Int64 = 0; var total: Int64 = 0 }

    // MARK: Bad bytes

    static func samplePart() throws -> [UInt8] {
        let p = ShardPipeline(shards: 1)
        try Self.ingest(p, Self.workload(step: 0), tenant: "t")
        let stale = #"{"name":"lat","unit":"s","histogram":{"aggregationTemporality":2,"dataPoints":[{"timeUnixNano":"\#(Self.t0)","flags":1}]}}"#
        try p.ingest(Self.request([stale]), json: true)
        return Self.encode(p.shards)[0]
    }

    @Test func everyTruncationIsAnErrorNamingAnOffset() throws {
        let part = try Self.samplePart()
        try SeriesCheckpoint.validate(part)
        for n in 0..<part.count {
            do throws(SeriesCheckpointError) {
                try SeriesCheckpoint.validate(Array(part[0..<n]))
                Issue.record("prefix of \(n) bytes accepted")
            } catch {
                #expect(error.offset >= 0 && error.offset <= n, "\(error)")
            }
        }
        // A failed restore leaves the shards untouched (all parts are checked first).
        let shard = AggregatorShard()
        #expect(throws: SeriesCheckpointError.self) {
            _ = try SeriesCheckpoint.restore([part, Array(part.dropLast())], into: [shard], now: 1)
        }
        #expect(shard.seriesCount == 0)
    }

    @Test func headerErrors() throws {
        #expect(throws: SeriesCheckpointError(part: 0, offset: 0, reason: "not a series checkpoint (bad magic)")) {
            try SeriesCheckpoint.validate(Array("NOPE\u{1}\u{0}".utf8))
        }
        #expect(throws: SeriesCheckpointError(part: 0, offset: 4, reason: "unsupported version 2")) {
            try SeriesCheckpoint.validate(SeriesCheckpoint.magic + [2, 0])
        }
        do throws(SeriesCheckpointError) {
            try SeriesCheckpoint.validate(SeriesCheckpoint.magic + [1, 0, 0])
            Issue.record("trailing byte accepted")
        } catch {
            #expect(error.offset == 6 && error.description.contains("after the end record"))
        }
        do throws(SeriesCheckpointError) {
            try SeriesCheckpoint.validate(SeriesCheckpoint.magic + [1, 9])
            Issue.record("unknown tag accepted")
        } catch {
            #expect(error.offset == 5 && error.reason == "unknown record tag 9")
        }
        // A series whose context was never defined; a count larger than the bytes left.
        do throws(SeriesCheckpointError) {
            try SeriesCheckpoint.validate(SeriesCheckpoint.magic + [1, 4, 3, 0, 0, 0])
            Issue.record("undefined context accepted")
        } catch { #expect(error.offset == 6) }
        do throws(SeriesCheckpointError) {
            try SeriesCheckpoint.validate(SeriesCheckpoint.magic + [1, 1, 0xff, 0xff, 0xff, 0xff])
            Issue.record("huge blob accepted")
        } catch { #expect(error.reason.hasPrefix("truncated context blob")) }
    }

    @Test func garbageAndMutationsNeverTrap() throws {
        let part = try Self.samplePart()
        var rng = SplitMix64(seed: 42)
        // Random bytes, with and without a valid header.
        for i in 0..<3_000 {
            let n = Int(rng.next() % 200)
            var bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if i % 2 == 0 {
                // A valid header: the records are random (a lone end tag would even be valid).
                bytes = SeriesCheckpoint.magic + [1] + bytes
                do throws(SeriesCheckpointError) { try SeriesCheckpoint.validate(bytes) } catch { #expect(error.offset <= bytes.count) }
            } else {
                #expect(throws: SeriesCheckpointError.self) { try SeriesCheckpoint.validate(bytes) }
            }
        }
        // Mutated valid parts: either an error or a restore that works (and renders).
        var restoredCount = 0
        for _ in 0..<400 {
            var bytes = part
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            let p = ShardPipeline(shards: 2)
            do throws(SeriesCheckpointError) {
                _ = try SeriesCheckpoint.restore([bytes], into: p.shards, now: 1)
            } catch {
                #expect(error.offset <= bytes.count)
                continue
            }
            restoredCount += 1
            _ = p.render(.openMetrics100)
            try Self.ingest(p, Self.workload(step: 1))
        }
        #expect(restoredCount > 0)
    }
}
