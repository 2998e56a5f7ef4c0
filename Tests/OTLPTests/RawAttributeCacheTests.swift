import OTLP
import Primitives
import Testing

/// `RawAttributeCache` on its own, and the protobuf decoder's use of it.
@Suite struct RawAttributeCacheTests {
    static func lookup(_ c: RawAttributeCache, _ raw: [UInt8]) -> Int32 {
        raw.withUnsafeBytes { c.lookup($0) }
    }

    static func insert(_ c: RawAttributeCache, _ raw: [UInt8], _ payload: [UInt8], _ value: UInt64) {
        raw.withUnsafeBytes { r in payload.withUnsafeBytes { p in c.insert(r, payload: p, value: value) } }
    }

    static func payload(_ c: RawAttributeCache, _ e: Int32) -> ([UInt8], UInt64) {
        let (b, v) = c.payload(e)
        return (Array(b), v)
    }

    @Test func missInsertHit() {
        let c = RawAttributeCache()
        let raw: [UInt8] = Array("\u{3a}\u{5}hello".utf8)
        #expect(Self.lookup(c, raw) == -1)
        Self.insert(c, raw, [1, 2, 3], 42)
        let e = Self.lookup(c, raw)
        #expect(e >= 0)
        #expect(Self.payload(c, e) == ([1, 2, 3], 42))
        #expect(Self.lookup(c, raw + [0]) == -1)
        #expect(Self.lookup(c, Array(raw.dropLast())) == -1)
        #expect(c.count == 1)
    }

    /// Against a dictionary model: random keys (many sharing prefixes and hashes of similar
    /// bytes) with a small arena, so the cache fills and starts over several times. Every hit
    /// must return exactly the payload inserted for those bytes, and every key inserted since
    /// the last reset must hit.
    @Test func modelWithResets() {
        var rng = SplitMix64(seed: 7)
        let c = RawAttributeCache(maxBytes: 16 << 10)
        var model: [[UInt8]: ([UInt8], UInt64)] = [:]
        var sinceReset: Set<[UInt8]> = []
        var generation = c.generation
        for step in 0..<20_000 {
            let n = Int(rng.next() % 40)
            let key = (0..<n).map { _ in UInt8(rng.next() % 3) }
            let e = Self.lookup(c, key)
            if e >= 0 {
                let expected = model[key]
                #expect(expected != nil, "hit for bytes never inserted at step \(step)")
                if let expected { #expect(Self.payload(c, e) == expected) }
            } else {
                #expect(!sinceReset.contains(key), "miss for bytes inserted since the last reset at step \(step)")
                let payload = (0..<Int(rng.next() % 50)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                let value = rng.next()
                Self.insert(c, key, payload, value)
                if c.generation != generation {
                    generation = c.generation
                    sinceReset = []
                }
                model[key] = (payload, value)
                sinceReset.insert(key)
            }
            #expect(c.memoryBytes <= (16 << 10) + 64 * 1024 * 16)
        }
        #expect(c.generation > 0, "the arena never filled: the test does not exercise resets")
    }

    /// Exporters repeat their series in one order: lookups then follow the entries' `next`
    /// links. Any other order (reversed, shuffled, a changed sequence) must still find every
    /// entry, with the right payload, through the index.
    @Test func repeatedAndChangedOrders() {
        let c = RawAttributeCache()
        let keys = (0..<500).map { Array("series-\($0)-attributes".utf8) }
        for (i, k) in keys.enumerated() {
            #expect(Self.lookup(c, k) == -1)
            Self.insert(c, k, Array("p\(i)".utf8), UInt64(i))
        }
        var rng = SplitMix64(seed: 3)
        let orders: [[Int]] = [
            Array(0..<500), Array(0..<500), Array((0..<500).reversed()),
            (0..<500).map { _ in Int(rng.next() % 500) },
            Array(0..<250) + Array(300..<500) + Array(250..<300), Array(0..<500),
        ]
        for order in orders {
            for i in order {
                let e = Self.lookup(c, keys[i])
                #expect(e >= 0)
                if e >= 0 { #expect(Self.payload(c, e) == (Array("p\(i)".utf8), UInt64(i))) }
            }
        }
        // A prefix of a known key, and a key that differs only in its last byte, are misses
        // even right where the prediction points.
        _ = Self.lookup(c, keys[10])
        #expect(Self.lookup(c, Array(keys[11].dropLast())) == -1)
        _ = Self.lookup(c, keys[10])
        #expect(Self.lookup(c, Array(keys[11].dropLast()) + [0]) == -1)
        #expect(c.count == 500)
    }

    @Test func oversizedListsAreNotKept() {
        let c = RawAttributeCache(maxBytes: 4096)
        let big = [UInt8](repeating: 7, count: 2000)
        #expect(Self.lookup(c, big) == -1)
        Self.insert(c, big, [], 1)
        #expect(Self.lookup(c, big) == -1)
        #expect(c.count == 0)
    }

    @Test func clearForgetsEverything() {
        let c = RawAttributeCache()
        for i in 0..<3000 {
            let k = Array("key-\(i)".utf8)
            _ = Self.lookup(c, k)
            Self.insert(c, k, Array("v\(i)".utf8), UInt64(i))
        }
        #expect(c.count == 3000)
        for i in stride(from: 0, to: 3000, by: 97) {
            let e = Self.lookup(c, Array("key-\(i)".utf8))
            #expect(e >= 0)
            if e >= 0 { #expect(Self.payload(c, e) == (Array("v\(i)".utf8), UInt64(i))) }
        }
        c.clear()
        #expect(c.count == 0)
        #expect(Self.lookup(c, Array("key-5".utf8)) == -1)
    }

    // MARK: - Decoder

    /// Offers a cache; records, per point, whether it was a hit and the attributes as text
    /// (decoded, or the cached payload); inserts every cacheable miss with that text.
    final class CachingSink: MetricsSink {
        let cache = RawAttributeCache()
        var points: [(hit: Bool, cacheable: Bool, attributes: String)] = []
        var rawAttributeCache: RawAttributeCache? { cache }
        func beginRequest(_ context: RequestContext) { points = [] }
        func resource(_ resource: ResourceView) {}
        func scope(_ scope: ScopeView) {}
        func metric(_ metric: MetricView) {}
        func numberPoint(_ point: NumberPointView) { record(point.common) }
        func histogramPoint(_ point: HistogramPointView) { record(point.common) }
        func exponentialHistogramPoint(_ point: ExponentialHistogramPointView) { record(point.common) }
        func summaryPoint(_ point: SummaryPointView) { record(point.common) }
        func endRequest(committed: Bool) {}

        static func text(_ attributes: Attributes) -> String {
            attributes.map { a -> String in
                switch a.value {
                case .string(let v): "\(a.key)=\(v)"
                case .int(let v): "\(a.key)=\(v)"
                case .bool(let v): "\(a.key)=\(v)"
                case .double(let v): "\(a.key)=\(v)"
                case .json(let v): "\(a.key)=\(v)"
                case .bytes(let v): "\(a.key)=\(v.array)"
                case .empty: "\(a.key)="
                }
            }.joined(separator: ",")
        }

        func record(_ c: PointCommon) {
            if c.cachedAttributes >= 0 {
                #expect(c.attributes.isEmpty)
                #expect(c.rawAttributes.isEmpty)
                let (bytes, _) = cache.payload(c.cachedAttributes)
                points.append((true, false, String(decoding: bytes, as: UTF8.self)))
                return
            }
            let text = Self.text(c.attributes)
            if !c.rawAttributes.isEmpty {
                var t = Array(text.utf8)
                t.withUnsafeMutableBytes { cache.insert(c.rawAttributes.buffer, payload: UnsafeRawBufferPointer($0), value: 0) }
            }
            points.append((false, !c.rawAttributes.isEmpty, text))
        }
    }

    static func decode(_ request: PB, into sink: CachingSink) throws {
        let decoder = OTLPProtobufDecoder()
        _ = try request.bytes.withUnsafeBytes { try decoder.decode($0, context: RequestContext(encoding: .protobuf), into: sink) }
    }

    static let attributeSets: [[PB]] = [
        [OTLPB.kv("method", OTLPB.str("GET")), OTLPB.kv("code", OTLPB.int(200))],
        [OTLPB.kv("method", OTLPB.str("POST")), OTLPB.kv("code", OTLPB.int(500)), OTLPB.kv("ok", OTLPB.bool(false))],
        [OTLPB.kv("list", OTLPB.array(OTLPB.str("a"), OTLPB.int(1))), OTLPB.kv("d", OTLPB.double(0.5))],
        [OTLPB.kv("dup", OTLPB.str("first")), OTLPB.kv("dup", OTLPB.str("last"))],
        [],
    ]

    @Test func secondRequestHitsAndCarriesTheSameAttributes() throws {
        let points = Self.attributeSets.enumerated().map { i, a in OTLPB.numberPoint(int: Int64(i), attributes: a) }
        let request = OTLPB.gaugeRequest(points: points)
        let sink = CachingSink()
        try Self.decode(request, into: sink)
        let first = sink.points
        #expect(first.map(\.hit) == [false, false, false, false, false])
        #expect(first.map(\.cacheable) == [true, true, true, true, false])   // no attributes: nothing to cache
        #expect(first[2].attributes == #"list=["a",1],d=0.5"#)
        try Self.decode(request, into: sink)
        #expect(sink.points.map(\.hit) == [true, true, true, true, false])
        #expect(sink.points.map(\.attributes) == first.map(\.attributes))
    }

    @Test func histogramExponentialAndSummaryPointsUseTheCacheToo() throws {
        let attrs = [OTLPB.kv("route", OTLPB.str("/a"))]
        let hist = PB {
            for a in attrs { $0.message(9, a) }
            $0.fixed64(3, OTLPB.time); $0.fixed64(4, 1); $0.packedFixed64(6, [1]); $0.double(5, 1)
        }
        let exp = PB {
            for a in attrs { $0.message(1, a) }
            $0.fixed64(3, OTLPB.time); $0.fixed64(4, 0)
        }
        let summary = PB {
            for a in attrs { $0.message(7, a) }
            $0.fixed64(3, OTLPB.time); $0.fixed64(4, 0)
        }
        let request = OTLPB.request(OTLPB.resourceMetrics(scopes: [OTLPB.scopeMetrics(metrics: [
            OTLPB.metric("h", 9, OTLPB.histogram(points: [hist])),
            OTLPB.metric("e", 10, OTLPB.histogram(points: [exp])),
            OTLPB.metric("s", 11, PB { $0.message(1, summary) }),
        ])]))
        let sink = CachingSink()
        try Self.decode(request, into: sink)
        #expect(sink.points.map(\.hit) == [false, false, false])
        #expect(sink.points.map(\.attributes) == ["route=/a", "route=/a", "route=/a"])
        try Self.decode(request, into: sink)
        #expect(sink.points.map(\.hit) == [true, true, true])
        #expect(sink.points.map(\.attributes) == ["route=/a", "route=/a", "route=/a"])
    }

    /// Attribute records split by another field are one list, but not one run of bytes: never
    /// cached, and a cached first run followed by a second run is decoded after all.
    @Test func splitAttributeRunsAreDecodedNotCached() throws {
        let a = OTLPB.kv("a", OTLPB.str("1")), b = OTLPB.kv("b", OTLPB.str("2")), c = OTLPB.kv("c", OTLPB.str("3"))
        let contiguous = PB { $0.message(7, a); $0.message(7, b); $0.fixed64(3, OTLPB.time); $0.sfixed64(6, 1) }
        let split = PB { $0.message(7, a); $0.message(7, b); $0.fixed64(3, OTLPB.time); $0.message(7, c); $0.sfixed64(6, 1) }
        let sink = CachingSink()
        try Self.decode(OTLPB.gaugeRequest(points: [contiguous]), into: sink)
        #expect(sink.points.map(\.cacheable) == [true])
        // The a,b run is now cached; here it is followed by c after the time field.
        try Self.decode(OTLPB.gaugeRequest(points: [split, contiguous]), into: sink)
        #expect(sink.points.map(\.hit) == [false, true])
        #expect(sink.points.map(\.cacheable) == [false, false])
        #expect(sink.points.map(\.attributes) == ["a=1,b=2,c=3", "a=1,b=2"])
    }

    /// A key written as a non-minimal varint is legal protobuf; such a list decodes normally.
    @Test func nonMinimalKeysDecodeWithoutTheCache() throws {
        let a = OTLPB.kv("a", OTLPB.str("1"))
        let point = PB {
            $0.raw([0xBA, 0x00])            // field 7, wire type 2, in two bytes
            $0.varintRaw(UInt64(a.bytes.count)); $0.raw(a.bytes)
            $0.fixed64(3, OTLPB.time); $0.sfixed64(6, 1)
        }
        let sink = CachingSink()
        for _ in 0..<2 {
            try Self.decode(OTLPB.gaugeRequest(points: [point]), into: sink)
            #expect(sink.points.map(\.hit) == [false])
            #expect(sink.points.map(\.attributes) == ["a=1"])
        }
    }

    /// The cache never stands in for validation: invalid bytes are never inserted, so they fail
    /// every time, and a valid list cached earlier does not make a different invalid one pass.
    @Test func invalidAttributesFailEveryTime() throws {
        var bad = OTLPB.kv("k", OTLPB.str("x")).bytes
        bad[bad.count - 1] = 0xFF
        let point = PB { $0.bytes(7, bad); $0.fixed64(3, OTLPB.time); $0.sfixed64(6, 1) }
        let good = OTLPB.numberPoint(int: 1, attributes: [OTLPB.kv("k", OTLPB.str("x"))])
        let sink = CachingSink()
        try Self.decode(OTLPB.gaugeRequest(points: [good]), into: sink)
        for _ in 0..<2 {
            #expect(throws: OTLPDecodeError.self) { try Self.decode(OTLPB.gaugeRequest(points: [point]), into: sink) }
        }
        #expect(sink.cache.count == 1)
    }

    /// A list whose last record runs past the point's end: the lookahead stops before it and the
    /// normal read reports the truncation.
    @Test func truncatedRunIsStillAnError() {
        let a = OTLPB.kv("a", OTLPB.str("1"))
        let point = PB { $0.message(7, a); $0.raw([0x3A, 0x40, 0x0A]) }
        let sink = CachingSink()
        #expect(throws: OTLPDecodeError.self) { try Self.decode(OTLPB.gaugeRequest(points: [point]), into: sink) }
    }
}
