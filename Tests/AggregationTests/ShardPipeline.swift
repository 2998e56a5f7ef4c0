import Foundation
@testable import Aggregation
import Exposition
import OTLP

/// Test harness: payload → decoder → ShardingSink → shards → sorted families → text.
final class ShardPipeline {
    let sink: ShardingSink
    let shards: [AggregatorShard]
    let proto = OTLPProtobufDecoder()
    let json = OTLPJSONDecoder()

    init(shards n: Int, make: () -> AggregatorShard = { AggregatorShard() }) {
        sink = ShardingSink(shards: n)
        shards = (0..<n).map { _ in make() }
    }

    static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The HTTP server payloads (`metrics_small.pb`, `metrics_medium.pb.gz`, …) written by
    /// `Scripts/gen_otlp_payloads.py`; see `Tests/Fixtures/otlp/README.md`.
    static let httpServerFixtures = repoRoot.appendingPathComponent("Tests/Fixtures/otlp/http-server")

    /// Reads a fixture, inflating `.gz`.
    static func payload(_ url: URL) throws -> [UInt8] {
        let data = [UInt8](try Data(contentsOf: url))
        if url.pathExtension == "gz" {
            let inflater = Inflater(maxOutputBytes: 64 << 20, maxRatio: 1 << 30)
            return try data.withUnsafeBytes { Array(try inflater.inflate($0, coding: .gzip)) }
        }
        return data
    }

    @discardableResult
    func ingest(_ bytes: [UInt8], json isJSON: Bool, tenant: String = "", now: UInt64 = 1) throws -> (DecodeSummary, SliceOutcome) {
        var tenantBytes = Array(tenant.utf8)
        let summary: DecodeSummary = try tenantBytes.withUnsafeMutableBytes { t in
            let ctx = RequestContext(encoding: isJSON ? .json : .protobuf, tenant: ByteView(base: UnsafeRawPointer(t.baseAddress), count: t.count))
            return try bytes.withUnsafeBytes { p in
                isJSON ? try json.decode(p, context: ctx, into: sink) : try proto.decode(p, context: ctx, into: sink)
            }
        }
        var outcome = SliceOutcome()
        for (i, slice) in sink.takeSlices().enumerated() {
            if let slice { outcome.merge(shards[i].apply(slice, now: now)) }
        }
        return (summary, outcome)
    }

    /// All shards' families merged by name, sorted by name; series sorted by labels.
    func families() -> [MetricFamily] {
        var parts: [[MetricFamily]] = []
        for s in shards { var f: [MetricFamily] = []; s.snapshot(into: &f); parts.append(f) }
        var merged = FamilyRenderer.merge(parts)
        merged.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        for i in merged.indices {
            merged[i].series.sort { ($0.labels.prefix + $0.labels.bytes).lexicographicallyPrecedes($1.labels.prefix + $1.labels.bytes) }
        }
        return merged
    }

    func render(_ format: ExpositionFormat) -> String {
        var out: [UInt8] = []
        FamilyRenderer.render(families(), format: format, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    var seriesCount: Int { shards.reduce(0) { $0 + $1.seriesCount } }
}
