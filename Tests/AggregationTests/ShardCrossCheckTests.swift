import Foundation
import Testing
@testable import Aggregation
import Exposition
import OTLP

/// Cross-checks the shard output of the HTTP server fixtures against the decoded points
/// (RecordingSink) and the fixture README (100 / 1,000 series + target_info).
@Suite struct ShardCrossCheckTests {
    @Test(arguments: [("metrics_small.pb", 100), ("metrics_small.pb.gz", 100), ("metrics_medium.pb.gz", 1000), ("metrics_medium.json", 1000)])
    func sumsMatchDecodedPoints(name: String, series: Int) throws {
        let url = ShardPipeline.httpServerFixtures.appendingPathComponent(name)
        let bytes = try ShardPipeline.payload(url)
        let isJSON = name.hasSuffix(".json")
        let recording = RecordingSink()
        _ = try bytes.withUnsafeBytes { p in
            isJSON ? try OTLPJSONDecoder().decode(p, context: RequestContext(encoding: .json), into: recording)
                : try OTLPProtobufDecoder().decode(p, context: RequestContext(encoding: .protobuf), into: recording)
        }
        var sumOfSums = 0.0, histCount: UInt64 = 0, histSum = 0.0
        for m in recording.allMetrics {
            for pt in m.points {
                if m.kind == .sum { sumOfSums += pt.number.doubleValue ?? 0 }
                if m.kind == .histogram { histCount += pt.count; histSum += pt.sum ?? 0 }
            }
        }
        for shards in [1, 3] {
            let p = ShardPipeline(shards: shards)
            let (summary, outcome) = try p.ingest(bytes, json: isJSON)
            #expect(outcome.applied == summary.acceptedPoints)
            #expect(outcome.rejected == 0)
            #expect(p.seriesCount == series + 1)   // + target_info
            let families = p.families()
            #expect(families.map(\.name) == ["http_server_request_count_total", "http_server_request_duration_seconds", "target_info"])
            var counterTotal = 0.0, count: UInt64 = 0, sum = 0.0, n = 0
            for f in families {
                for s in f.series {
                    n += 1
                    switch s.value {
                    case .number(let v, _): if f.name == "http_server_request_count_total" { counterTotal += v }
                    case .histogram(let h): count += h.count; sum += h.sum ?? 0
                    case .summary: Issue.record("unexpected summary")
                    }
                }
            }
            #expect(n == series + 1)
            #expect(counterTotal == sumOfSums)
            #expect(count == histCount)
            #expect(abs(sum - histSum) <= 1e-9 * max(1, abs(histSum)))
            // Samples as in the README: 1 per Sum point + 17 per histogram point + 1 target_info
            // (text 0.0.4, no HELP/TYPE lines counted).
            let samples = p.render(.text004).split(separator: "\n").filter { !$0.hasPrefix("#") }.count
            #expect(samples == series / 2 + 17 * series / 2 + 1)
        }
    }
}
