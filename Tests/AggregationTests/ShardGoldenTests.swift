import Foundation
import Testing
@testable import Aggregation
import Exposition
import OTLP

/// Golden files: every OTLP fixture → shards (1 and 3) → exposition, compared with
/// `Tests/Fixtures/exposition/<fixture>.txt` (text 0.0.4) and `.om.txt` (OpenMetrics).
/// `SLOD_UPDATE_GOLDEN=1 swift test --filter ShardGoldenTests` rewrites them.
/// The `.pb` and `.json` forms of a fixture must render identically (one golden per base name).
@Suite struct ShardGoldenTests {
    static let localFixtures = ShardPipeline.repoRoot.appendingPathComponent("Tests/Fixtures/otlp")
    static let goldenDir = ShardPipeline.repoRoot.appendingPathComponent("Tests/Fixtures/exposition")
    static var update: Bool { ProcessInfo.processInfo.environment["SLOD_UPDATE_GOLDEN"] == "1" }

    static func fixtures(in dir: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".pb") || $0.hasSuffix(".pb.gz") || $0.hasSuffix(".json") }
            .filter { $0 != "expected.json" }
            .sorted()
            .map { dir.appendingPathComponent($0) }
    }

    static func baseName(_ url: URL) -> String {
        var n = url.lastPathComponent
        for suffix in [".gz", ".pb", ".json"] where n.hasSuffix(suffix) { n.removeLast(suffix.count) }
        return n
    }

    func check(_ url: URL, golden: Bool) throws {
        let bytes = try ShardPipeline.payload(url)
        let isJSON = url.lastPathComponent.hasSuffix(".json")
        var outputs: [(String, String)] = []
        for shards in [1, 3] {
            let p = ShardPipeline(shards: shards)
            try p.ingest(bytes, json: isJSON)
            outputs.append((p.render(.text004), p.render(.openMetrics100)))
        }
        #expect(outputs[0].0 == outputs[1].0, "\(url.lastPathComponent): 1 vs 3 shards differ (text)")
        #expect(outputs[0].1 == outputs[1].1, "\(url.lastPathComponent): 1 vs 3 shards differ (OpenMetrics)")
        guard golden else { return }
        let base = Self.baseName(url)
        for (ext, text) in [(".txt", outputs[0].0), (".om.txt", outputs[0].1)] {
            let file = Self.goldenDir.appendingPathComponent(base + ext)
            if Self.update && !url.lastPathComponent.hasSuffix(".json") {
                try FileManager.default.createDirectory(at: Self.goldenDir, withIntermediateDirectories: true)
                try text.write(to: file, atomically: true, encoding: .utf8)
                continue
            }
            guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
                if Self.update { continue }
                Issue.record("missing golden \(file.path); run with SLOD_UPDATE_GOLDEN=1"); continue
            }
            if expected != text {
                let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
                let b = text.split(separator: "\n", omittingEmptySubsequences: false)
                let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
                Issue.record("\(url.lastPathComponent) vs \(file.lastPathComponent): first difference at line \(i + 1):\n expected: \(i < a.count ? String(a[i]) : "<eof>")\n   actual: \(i < b.count ? String(b[i]) : "<eof>")")
            }
        }
    }

    @Test func localFixturesMatchGoldens() throws {
        let all = Self.fixtures(in: Self.localFixtures)
        #expect(all.count >= 16)
        // .pb first so an update writes from protobuf and the JSON form is compared against it.
        for url in all.sorted(by: { ($0.pathExtension == "json" ? 1 : 0, $0.lastPathComponent) < ($1.pathExtension == "json" ? 1 : 0, $1.lastPathComponent) }) {
            try check(url, golden: true)
        }
    }

    @Test func httpServerFixturesMatchGoldens() throws {
        // metrics_small (.pb, .pb.gz) has a committed golden; medium is checked by sums
        // (ShardCrossCheckTests) and for shard-count independence here.
        for name in ["metrics_small.pb", "metrics_small.pb.gz", "metrics_medium.pb", "metrics_medium.json", "metrics_medium.pb.gz"] {
            let url = ShardPipeline.httpServerFixtures.appendingPathComponent(name)
            try check(url, golden: name.hasPrefix("metrics_small"))
        }
    }
}
