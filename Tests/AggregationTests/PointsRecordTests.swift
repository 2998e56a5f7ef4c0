import Foundation
@testable import Aggregation
import OTLP
import Primitives
import Testing

/// The WAL's points records: what replay makes of a record is byte for byte the slices live
/// ingestion handed to the shards; a point costs a few bytes once its series is defined; the
/// dictionaries start over exactly where replay's do; damage is reported, never trapped on.
@Suite struct PointsRecordTests {
    static let fixtures = ShardPipeline.repoRoot.appendingPathComponent("Tests/Fixtures/otlp")

    /// Decodes `payload` into a sink of `shards` shards and returns its slices' bytes.
    static func liveSlices(_ payload: [UInt8], json: Bool, shards: Int, sink: ShardingSink) throws -> [BatchSlice?] {
        let context = RequestContext(encoding: json ? .json : .protobuf)
        _ = try payload.withUnsafeBytes { p in
            json ? try OTLPJSONDecoder().decode(p, context: context, into: sink) : try OTLPProtobufDecoder().decode(p, context: context, into: sink)
        }
        return sink.takeSlices()
    }

    static func bytes(_ slices: [BatchSlice?]) -> [[UInt8]?] {
        slices.map { $0.map { Array(UnsafeRawBufferPointer($0.buffer.readable)) } }
    }

    static let payloadFiles: [String] = [
        "attributes_nested.pb", "exemplars_flags.pb", "exponential_histogram.pb", "gauge_double_int.pb", "invalid_points.pb",
        "multi_resource.pb", "sum_delta_nonmonotonic.pb", "summary.pb", "http-server/metrics_small.pb", "http-server/metrics_medium.json",
    ]

    @Test(arguments: payloadFiles)
    func replayMakesTheSlicesLiveIngestionMade(_ file: String) throws {
        let payload = try ShardPipeline.payload(Self.fixtures.appendingPathComponent(file))
        let shards = 3
        let sink = ShardingSink(shards: shards)
        let encoder = PointsRecordEncoder(lane: 1)
        let decoder = PointsRecordDecoder(shards: shards)
        var sizes: [Int] = []
        // The same request twice: the second record refers to what the first defined.
        for round in 0..<2 {
            let live = try Self.liveSlices(payload, json: file.hasSuffix(".json"), shards: shards, sink: sink)
            let record = Array(encoder.encode(live, receivedNanos: 7, segment: 4))
            sizes.append(record.count)
            try Self.expectReplayIsLive(record, live, decoder, lane: 1, segment: 4, "round \(round) of \(file)")
        }
        #expect(sizes[1] < sizes[0], "the second record defines nothing again: \(sizes)")
    }

    /// Decodes `record` (lane `lane`, received at 7) and expects the slices `live`, byte for byte.
    static func expectReplayIsLive(_ record: [UInt8], _ live: [BatchSlice?], _ decoder: PointsRecordDecoder, lane: Int, segment: Int,
                                   _ what: String) throws {
        let replayed = try record.withUnsafeBytes { try decoder.decode($0, segment: segment) }
        #expect(replayed.lane == lane && replayed.receivedNanos == 7)
        let a = bytes(replayed.slices), b = bytes(live)
        for i in 0..<live.count where a[i] != b[i] {
            let x = a[i] ?? [], y = b[i] ?? []
            let first = zip(x, y).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            Issue.record("\(what), shard \(i): \(x.count) vs \(y.count) bytes, first difference at \(String(describing: first)): \(x.dropFirst((first ?? 0) - 16).prefix(48)) vs \(y.dropFirst((first ?? 0) - 16).prefix(48))")
        }
        #expect(replayed.slices.map { $0?.pointCount } == live.map { $0?.pointCount })
        #expect(replayed.points == live.reduce(0) { $0 + ($1?.pointCount ?? 0) })
    }

    /// What the WAL does with a committed request: takes the record the encoder made during the
    /// sink's pass, or encodes the slices, for the lane's last segment; encodes again when the
    /// record goes to another segment. Returns the record and whether it was the pass's.
    static func recordLikeTheWAL(_ encoder: PointsRecordEncoder, _ live: [BatchSlice?], segment: Int) -> (bytes: [UInt8], fromPass: Bool) {
        withExtendedLifetime(encoder) {
            if let pass = encoder.takeRecord(receivedNanos: 7, segment: encoder.segment), encoder.segment == segment {
                return (Array(pass), true)
            }
            return (Array(encoder.encode(live, receivedNanos: 7, segment: segment)), false)
        }
    }

    /// A record made while the sink writes its slices replays to the same slices as one made
    /// from them; the first record of a segment is made from the slices (the pass assumed the
    /// lane's previous segment), the next ones in the pass.
    @Test(arguments: payloadFiles)
    func recordsMadeDuringTheSinksPassReplayAsTheLiveSlices(_ file: String) throws {
        let payload = try ShardPipeline.payload(Self.fixtures.appendingPathComponent(file))
        let shards = 3
        let sink = ShardingSink(shards: shards)
        let encoder = PointsRecordEncoder(lane: 2)
        sink.recorder = encoder
        let decoder = PointsRecordDecoder(shards: shards)
        var sizes: [Int] = []
        for round in 0..<3 {
            let live = try Self.liveSlices(payload, json: file.hasSuffix(".json"), shards: shards, sink: sink)
            let (record, fromPass) = Self.recordLikeTheWAL(encoder, live, segment: 4)
            #expect(fromPass == (round > 0), "round \(round)")
            sizes.append(record.count)
            try Self.expectReplayIsLive(record, live, decoder, lane: 2, segment: 4, "round \(round) of \(file)")
        }
        #expect(sizes[2] == sizes[1] && sizes[1] < sizes[0], "later records define nothing again: \(sizes)")
    }

    /// A request decoded but refused afterwards (its pass record never taken) defined series the
    /// log never got: the next record forgets the lane's dictionaries, and replays exactly.
    @Test func aRefusedRequestsDefinitionsAreForgotten() throws {
        let first = try ShardPipeline.payload(Self.fixtures.appendingPathComponent("http-server/metrics_small.pb"))
        let other = try ShardPipeline.payload(Self.fixtures.appendingPathComponent("multi_resource.pb"))
        let sink = ShardingSink(shards: 2)
        let encoder = PointsRecordEncoder(lane: 0)
        sink.recorder = encoder
        let decoder = PointsRecordDecoder(shards: 2)
        for body in [first, first] {
            let live = try Self.liveSlices(body, json: false, shards: 2, sink: sink)
            let record = Self.recordLikeTheWAL(encoder, live, segment: 1).bytes
            _ = try record.withUnsafeBytes { try decoder.decode($0, segment: 1) }
        }
        _ = try Self.liveSlices(other, json: false, shards: 2, sink: sink)   // refused: never taken
        let live = try Self.liveSlices(other, json: false, shards: 2, sink: sink)
        let (record, fromPass) = Self.recordLikeTheWAL(encoder, live, segment: 1)
        #expect(fromPass)
        #expect(record.contains(PointsRecord.Kind.forget.rawValue))
        let replayed = try record.withUnsafeBytes { try decoder.decode($0, segment: 1) }
        #expect(Self.bytes(replayed.slices) == Self.bytes(live))
    }

    /// Series are recognised by their raw-attribute-cache entry only within a cache generation:
    /// with a cache that empties itself many times per request, records still replay exactly.
    @Test func aSmallAttributeCacheThatEmptiesItselfStillReplaysExactly() throws {
        let bodies = try ["http-server/metrics_small.pb", "multi_resource.pb", "attributes_nested.pb"].map {
            try ShardPipeline.payload(Self.fixtures.appendingPathComponent($0))
        }
        let sink = ShardingSink(shards: 2, attributeCacheBytes: 4096)
        let encoder = PointsRecordEncoder(lane: 0)
        sink.recorder = encoder
        let decoder = PointsRecordDecoder(shards: 2)
        for round in 0..<9 {
            let live = try Self.liveSlices(bodies[round % 3], json: false, shards: 2, sink: sink)
            let record = Self.recordLikeTheWAL(encoder, live, segment: 1).bytes
            let replayed = try record.withUnsafeBytes { try decoder.decode($0, segment: 1) }
            #expect(Self.bytes(replayed.slices) == Self.bytes(live), "round \(round)")
        }
        #expect(sink.rawAttributeCache!.generation > 3, "the cache emptied itself \(sink.rawAttributeCache!.generation) times")
    }

    /// The identity rule itself: a cache entry stands for its bytes only within its generation.
    /// The next point after series A has series B's entry number, but of a newer generation
    /// (the cache emptied and reused the number for other bytes): it is another series.
    @Test func aCacheEntryOfAnotherGenerationIsAnotherSeries() throws {
        // One gauge with three points: route=/a, /b, /c.
        func gauge(_ routes: [String]) -> [UInt8] {
            var points: [UInt8] = []
            for route in routes {
                let value: [UInt8] = [0x0A, UInt8(route.utf8.count)] + Array(route.utf8)
                let kv: [UInt8] = [0x0A, 5] + Array("route".utf8) + [0x12, UInt8(value.count)] + value
                var point: [UInt8] = [0x3A, UInt8(kv.count)] + kv
                point += [0x19] + withUnsafeBytes(of: UInt64(1_700_000_000_000_000_000).littleEndian, Array.init)
                point += [0x31] + withUnsafeBytes(of: UInt64(5).littleEndian, Array.init)
                points += [0x0A, UInt8(point.count)] + point
            }
            let metric: [UInt8] = [0x0A, 1, UInt8(ascii: "g"), 0x2A, UInt8(points.count)] + points
            let scope: [UInt8] = [0x12, UInt8(metric.count)] + metric
            let rm: [UInt8] = [0x12, UInt8(scope.count)] + scope
            return [0x0A, UInt8(rm.count)] + rm
        }
        let slice = try #require(try Self.liveSlices(gauge(["/a", "/b", "/c"]), json: false, shards: 1, sink: ShardingSink(shards: 1))[0])
        var records: [(RecordTag, Int)] = []          // tag and offset of each record in the slice
        var offset = 0
        let bytes = UnsafeRawBufferPointer(slice.buffer.readable)
        while offset < bytes.count {
            let tag = RecordTag(rawValue: bytes[offset])!
            records.append((tag, offset))
            offset += tag == .context || tag == .resource ? BlobRecordLayout.blob + Int(bytes.loadUnaligned(fromByteOffset: offset + BlobRecordLayout.blobLength, as: UInt32.self))
                : Int(bytes.loadUnaligned(fromByteOffset: offset + PointRecordLayout.length, as: UInt32.self))
            offset = (offset + 7) & ~7
        }
        records.removeAll { $0.0 == .resource }                  // the target_info record
        try #require(records.map(\.0) == [.context, .number, .number, .number])
        let base = bytes.baseAddress!
        let (a, b, c) = (base + records[1].1, base + records[2].1, base + records[3].1)
        typealias Key = PointsRecordEncoder.AttributesKey
        let encoder = PointsRecordEncoder(lane: 0)
        let decoder = PointsRecordDecoder(shards: 1)
        func record(_ points: [(UnsafeRawPointer, Key)]) throws -> BatchSlice {
            encoder.beginRequest()
            encoder.context(base + records[0].1)
            for (point, key) in points { encoder.point(.number, point, attributesKey: key) }
            let record = try #require(Self.recordLikeTheWAL(encoder, [slice], segment: encoder.segment).bytes as [UInt8]?)
            return try #require(try record.withUnsafeBytes { try decoder.decode($0, segment: encoder.segment) }.slices[0])
        }
        _ = try record([(a, Key(entry: 5, generation: 0)), (b, Key(entry: 9, generation: 0))])
        let replayed = try record([(a, Key(entry: 5, generation: 0)), (c, Key(entry: 9, generation: 1))])
        let attributes = ShardingSinkCacheTests.records(replayed).filter { $0.0 == RecordTag.number.rawValue }.map { $0.2.prefix(20) }
        let expected = ShardingSinkCacheTests.records(slice).filter { $0.0 == RecordTag.number.rawValue }.map { $0.2.prefix(20) }
        #expect(attributes == [expected[0], expected[2]], "the point of /c replayed as another series")
    }

    /// The shared HTTP-server fixture, one metric at a time: once its series are defined, a
    /// counter point costs ≤ 24 bytes and a 15-bucket histogram point ≤ 96 (issue 16's budget).
    @Test func aPointCostsFewBytesOnceItsSeriesAreDefined() throws {
        let url = Self.fixtures.appendingPathComponent("http-server/metrics_medium.json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        for (metric, budget) in [("http.server.request.count", 24), ("http.server.request.duration", 96)] {
            let body = try Self.keepingOnly(metric, in: document)
            let sink = ShardingSink(shards: 2)
            let encoder = PointsRecordEncoder(lane: 0)
            _ = encoder.encode(try Self.liveSlices(body, json: true, shards: 2, sink: sink), receivedNanos: 0, segment: 1)
            let second = encoder.encode(try Self.liveSlices(body, json: true, shards: 2, sink: sink), receivedNanos: 0, segment: 1)
            let points = encoder.points - 1   // the resource's target_info
            let perPoint = Double(second.count) / Double(points)
            print("POINTS RECORD \(metric): \(points) points, \(second.count) bytes once defined: \(perPoint) B/point (budget \(budget))")
            #expect(points == 500)
            #expect(perPoint <= Double(budget), "\(metric): \(perPoint) bytes per point")
        }
    }

    /// The fixture's JSON with only `metric` left.
    static func keepingOnly(_ metric: String, in document: [String: Any]) throws -> [UInt8] {
        var d = document
        var rms = d["resourceMetrics"] as! [[String: Any]]
        var sms = rms[0]["scopeMetrics"] as! [[String: Any]]
        sms[0]["metrics"] = (sms[0]["metrics"] as! [[String: Any]]).filter { $0["name"] as? String == metric }
        rms[0]["scopeMetrics"] = sms
        d["resourceMetrics"] = rms
        return [UInt8](try JSONSerialization.data(withJSONObject: d))
    }

    /// A new segment starts the dictionaries over on both sides; a lost record makes the next
    /// one say so (`forget`), so nothing refers to a definition only the lost record had.
    @Test func dictionariesStartOverWhereReplaysDo() throws {
        let payload = try ShardPipeline.payload(Self.fixtures.appendingPathComponent("multi_resource.pb"))
        let sink = ShardingSink(shards: 2)
        let encoder = PointsRecordEncoder(lane: 0)
        let decoder = PointsRecordDecoder(shards: 2)
        func roundTrip(segment: Int, lose: Bool = false) throws -> Int {
            let live = try Self.liveSlices(payload, json: false, shards: 2, sink: sink)
            let record = Array(encoder.encode(live, receivedNanos: 0, segment: segment))
            if lose {
                encoder.recordLost()   // never reaches the log: the decoder does not see it
                return record.count
            }
            let replayed = try record.withUnsafeBytes { try decoder.decode($0, segment: segment) }
            #expect(Self.bytes(replayed.slices) == Self.bytes(live))
            return record.count
        }
        let first = try roundTrip(segment: 1)
        let again = try roundTrip(segment: 1)
        #expect(try roundTrip(segment: 2) == first, "a new segment defines everything again")
        _ = try roundTrip(segment: 2, lose: true)
        #expect(try roundTrip(segment: 2) == first + 1, "after a lost record: forget, then everything again")
        #expect(try roundTrip(segment: 2) == again)
    }

    /// Cut short anywhere, or with any byte changed, a record is refused or decodes: the decoder
    /// never traps and never hands a shard a blob it could not walk.
    @Test func damagedRecordsAreRefusedNeverTrappedOn() throws {
        let payload = try ShardPipeline.payload(Self.fixtures.appendingPathComponent("attributes_nested.pb"))
        let sink = ShardingSink(shards: 2)
        let encoder = PointsRecordEncoder(lane: 0)
        let record = Array(encoder.encode(try Self.liveSlices(payload, json: false, shards: 2, sink: sink), receivedNanos: 0, segment: 1))
        let all = try record.withUnsafeBytes { try PointsRecordDecoder(shards: 2).decode($0, segment: 1) }.points
        var refused = 0
        // The frame's length and checksum catch a cut record; cut between entries it is a shorter
        // valid record, cut inside one it is refused.
        for cut in 0..<record.count {
            do {
                let decoded = try Array(record.prefix(cut)).withUnsafeBytes { try PointsRecordDecoder(shards: 2).decode($0, segment: 1) }
                #expect(decoded.points < all)
            } catch {
                refused += 1
            }
        }
        #expect(refused > record.count / 2, "most cuts fall inside an entry: \(refused) of \(record.count) refused")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var damaged = record
            let at = Int.random(in: 0..<damaged.count, using: &generator)
            damaged[at] = UInt8.random(in: 0...255, using: &generator)
            let decoder = PointsRecordDecoder(shards: 2)
            if let decoded = try? damaged.withUnsafeBytes({ try decoder.decode($0, segment: 1) }) {
                // Whatever decoded is something a shard can apply.
                let shards = [AggregatorShard(), AggregatorShard()]
                for (i, slice) in decoded.slices.enumerated() { if let slice { _ = shards[i].apply(slice, now: 1) } }
            }
        }
        let unknownRef: [UInt8] = [0] + [UInt8](repeating: 0, count: 8) + [PointsRecord.Kind.intNumber.rawValue, 5, 2]
        #expect(throws: PointsRecordError(offset: 10, "series reference 5 was never defined (0 are)")) {
            _ = try unknownRef.withUnsafeBytes { try PointsRecordDecoder(shards: 1).decode($0, segment: 1) }
        }
    }

    /// Every varint length, its edges and zigzag extremes read back as written, singly and in
    /// runs (the word-at-a-time writer must not leave a stale byte or a wrong length).
    @Test func varintsReadBackAtEveryLength() throws {
        var values: [UInt64] = [0, 1, 0x7F, 0x80, 0x3FFF, 0x4000, UInt64.max, UInt64.max - 1]
        for bits in stride(from: 7, through: 63, by: 7) {
            values += [(1 << UInt64(bits)) - 1, 1 << UInt64(bits), (1 << UInt64(bits)) + 1]
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1_000 { values.append(UInt64.random(in: 0...UInt64.max, using: &generator) >> UInt64.random(in: 0...63, using: &generator)) }
        let signed: [Int64] = [0, -1, 1, Int64.min, Int64.max, -64, 64]
        let buffer = ByteBuffer(capacity: 64)
        for v in values { buffer.putVarint(v) }
        // The entries' writer, as the encoder uses it.
        var writer = buffer.entryWriter(reserving: 10 * values.count + 10 * signed.count)
        for v in values { writer.varint(v) }
        for v in signed { writer.zigzag(v) }
        buffer.commit(writer)
        var cursor = PointsRecordCursor(UnsafeRawBufferPointer(buffer.readable))
        for v in values + values { #expect(try cursor.varint() == v) }
        for v in signed { #expect(try cursor.zigzag() == v) }
        #expect(cursor.atEnd)
    }

    /// Histograms are written with packed bucket counts (kind 14); a record of kind-11 entries
    /// (varint counts) replays to the very same slices.
    @Test func histogramsWithVarintCountsReplayAsPackedOnesDo() throws {
        let url = Self.fixtures.appendingPathComponent("http-server/metrics_medium.json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let body = try Self.keepingOnly("http.server.request.duration", in: document)
        let live = try Self.liveSlices(body, json: true, shards: 2, sink: ShardingSink(shards: 2))
        let encoder = PointsRecordEncoder(lane: 0)
        // The encoder owns the bytes `encode` returns: it must outlive the copy.
        let packed = withExtendedLifetime(encoder) { Array(encoder.encode(live, receivedNanos: 7, segment: 1)) }
        let varints = try Self.withVarintCounts(packed)
        #expect(varints.count != packed.count)
        for record in [packed, varints] {
            let replayed = try record.withUnsafeBytes { try PointsRecordDecoder(shards: 2).decode($0, segment: 1) }
            #expect(Self.bytes(replayed.slices) == Self.bytes(live))
        }
    }

    /// `record` with every packed histogram entry rewritten as kind 11. Knows only the entries the
    /// histogram fixture has.
    static func withVarintCounts(_ record: [UInt8]) throws -> [UInt8] {
        try record.withUnsafeBytes { bytes throws -> [UInt8] in
            var c = PointsRecordCursor(bytes)
            let out = ByteBuffer(capacity: record.count * 2)
            out.putVarint(try c.varint())
            out.putLittleEndian(try c.littleEndian64())
            func copyVarint() throws { out.putVarint(try c.varint()) }
            func copyBytes(_ n: Int) throws { out.append(try c.bytes(n)) }
            while !c.atEnd {
                let head = try c.byte()
                let kind = try #require(PointsRecord.Kind(rawValue: head & PointsRecord.kindMask))
                out.put(kind == .packedHistogram ? (head & ~PointsRecord.kindMask) | PointsRecord.Kind.histogram.rawValue : head)
                switch kind {
                case .context:
                    let lengths = [try c.varint(), try c.varint(), try c.varint()]
                    for n in lengths { out.putVarint(n) }
                    try copyBytes(Int(lengths.reduce(0, +)))
                case .resource: let n = try c.varint(); out.putVarint(n); try copyBytes(Int(n))
                case .series: try copyVarint(); let n = try c.varint(); out.putVarint(n); try copyBytes(Int(n))
                case .bounds: let n = try c.varint(); out.putVarint(n); try copyBytes(Int(n) * 8)
                case .targetInfo: try copyVarint()
                case .packedHistogram:
                    try copyVarint()   // series
                    if head & PointsRecord.startChanged != 0 { try copyVarint() }
                    if head & PointsRecord.timeChanged != 0 { try copyVarint() }
                    if head & PointsRecord.hasFlags != 0 { try copyVarint() }
                    try copyVarint()   // count
                    if head & PointsRecord.hasSum != 0 { try copyBytes(8) }
                    try copyVarint()   // bounds
                    let n = Int(try c.varint())
                    out.putVarint(UInt64(n))
                    let width = Int(try c.byte())
                    let counts = try c.bytes(n * width)
                    for i in 0..<n {
                        var value: UInt64 = 0
                        for k in 0..<width { value |= UInt64(counts[i * width + k]) << UInt64(8 * k) }
                        out.putVarint(value)
                    }
                default: throw PointsRecordError(offset: c.offset, "the histogram fixture has no \(kind) entry")
                }
            }
            return Array(UnsafeRawBufferPointer(out.readable))
        }
    }
}
