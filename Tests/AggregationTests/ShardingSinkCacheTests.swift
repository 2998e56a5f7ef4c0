import Foundation
@testable import Aggregation
import OTLP
import Testing

/// The ShardingSink's raw attribute cache must be invisible in its output: records built from a
/// cached list are the records built by decoding and encoding it.
@Suite struct ShardingSinkCacheTests {
    /// One slice's records, with padding ignored: (tag, hash or 0, the bytes that follow the
    /// record header: context/resource blob, or a point's attributes and values).
    static func records(_ slice: BatchSlice) -> [(UInt8, UInt64, [UInt8])] {
        var out: [(UInt8, UInt64, [UInt8])] = []
        var r = RecordReader(UnsafeRawBufferPointer(slice.buffer.readable))
        while !r.atEnd {
            r.align8()
            if r.atEnd { break }
            let start = r.offset
            let tag = r.get(UInt8.self)
            switch RecordTag(rawValue: tag)! {
            case .context, .resource:
                let hash = r.get(UInt64.self)
                let blob = r.lengthPrefixed()
                out.append((tag, hash, blob.array))
            case .number, .histogram, .exponential, .summary:
                r.offset = start + 4
                let length = Int(r.get(UInt32.self))
                let hash = r.get(UInt64.self)
                _ = r.get(UInt64.self); _ = r.get(UInt64.self); _ = r.get(UInt32.self)   // start, time, flags
                let attrs = Int(r.get(UInt32.self))
                let body = r.bytes(attrs).array                  // the attribute encoding
                // Values follow; compare them too (histogram arrays sit after alignment padding,
                // so take the scalar part and the arrays by their counts where it matters).
                let valueStart = r.offset
                out.append((tag, hash, body + Array(UnsafeRawBufferPointer(start: slice.buffer.readable.baseAddress! + valueStart,
                                                                          count: min(9, start + length - valueStart)))))
                r.offset = start + length
            }
        }
        return out
    }

    static func decode(_ bytes: [UInt8], _ decoder: OTLPProtobufDecoder, _ sink: ShardingSink) throws -> [[(UInt8, UInt64, [UInt8])]] {
        _ = try bytes.withUnsafeBytes { try decoder.decode($0, context: RequestContext(encoding: .protobuf), into: sink) }
        return sink.takeSlices().map { $0.map(records) ?? [] }
    }

    static func same(_ a: [[(UInt8, UInt64, [UInt8])]], _ b: [[(UInt8, UInt64, [UInt8])]]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 && $0.2 == $1.2 }
        }
    }

    @Test(arguments: ["metrics_medium.pb", "metrics_small.pb"])
    func cachedRequestsBuildIdenticalRecords(fixture: String) throws {
        let url = ShardPipeline.httpServerFixtures.appendingPathComponent(fixture)
        let bytes = try ShardPipeline.payload(url)
        let sink = ShardingSink(shards: 3)
        let decoder = OTLPProtobufDecoder()
        let first = try Self.decode(bytes, decoder, sink)
        #expect(sink.rawAttributeCache!.count > 0, "nothing was cached")
        let hitsBefore = sink.rawAttributeCache!.count
        let second = try Self.decode(bytes, decoder, sink)
        #expect(sink.rawAttributeCache!.count == hitsBefore, "the second request inserted: it missed")
        #expect(first.map(\.count).reduce(0, +) > 100)
        let warmSame = Self.same(first, second)
        #expect(warmSame, "records built from cached attributes differ from decoded ones")
        // A fresh sink (empty cache) builds the same records as a warm one.
        let fresh = try Self.decode(bytes, OTLPProtobufDecoder(), ShardingSink(shards: 3))
        let freshSame = Self.same(fresh, second)
        #expect(freshSame, "a warm cache builds different records than an empty one")
    }

    /// Reordered (and duplicated) attributes are different raw bytes, hence separate cache
    /// entries, but one canonical encoding: same records, same shard, same series.
    @Test func reorderedListsShareRecordsAcrossCacheEntries() throws {
        func request(_ order: [Int]) -> [UInt8] {
            let kvs: [(String, String)] = [("method", "GET"), ("route", "/a"), ("code", "200"), ("route", "/b")]
            var point: [UInt8] = []
            func kv(_ k: String, _ v: String) -> [UInt8] {
                let value: [UInt8] = [0x0A, UInt8(v.utf8.count)] + Array(v.utf8)
                return [0x0A, UInt8(k.utf8.count)] + Array(k.utf8) + [0x12, UInt8(value.count)] + value
            }
            for i in order { let b = kv(kvs[i].0, kvs[i].1); point += [0x3A, UInt8(b.count)] + b }
            point += [0x19] + withUnsafeBytes(of: UInt64(1_700_000_000_000_000_000).littleEndian, Array.init)
            point += [0x31] + withUnsafeBytes(of: UInt64(5).littleEndian, Array.init)
            let gauge: [UInt8] = [0x0A, UInt8(point.count)] + point
            let metric: [UInt8] = [0x0A, 1, UInt8(ascii: "g"), 0x2A, UInt8(gauge.count)] + gauge
            let scope: [UInt8] = [0x12, UInt8(metric.count)] + metric
            let rm: [UInt8] = [0x12, UInt8(scope.count)] + scope
            return [0x0A, UInt8(rm.count)] + rm
        }
        let sink = ShardingSink(shards: 4)
        let decoder = OTLPProtobufDecoder()
        let a = try Self.decode(request([0, 1, 2, 3]), decoder, sink)
        let b = try Self.decode(request([3, 2, 0, 1]), decoder, sink)   // route=/a last → wins
        let c = try Self.decode(request([0, 1, 2, 3]), decoder, sink)   // hit
        let d = try Self.decode(request([2, 1, 3, 0]), decoder, sink)   // route=/b wins, like a
        let (ac, ad, ab) = (Self.same(a, c), Self.same(a, d), Self.same(a, b))
        #expect(ac, "the cached repeat differs")
        #expect(ad, "a reordering with the same last duplicate differs")
        #expect(!ab, "a different last duplicate built the same records")
        #expect(sink.rawAttributeCache!.count == 3)
    }
}
