// A tiny protobuf writer for hand-made decoder inputs: `PB { $0.string(1, "x"); $0.message(2, inner) }`.
// It writes exactly what it is told (any order, any wire type, repeated fields), so tests can
// build unusual but legal (or deliberately broken) encodings.

struct PB {
    var bytes: [UInt8] = []

    init() {}
    init(_ build: (inout PB) -> Void) { build(&self) }
    init(raw: [UInt8]) { bytes = raw }

    mutating func varintRaw(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ wire: Int) { varintRaw(UInt64(field) << 3 | UInt64(wire)) }

    mutating func varint(_ field: Int, _ v: UInt64) { key(field, 0); varintRaw(v) }
    mutating func int64(_ field: Int, _ v: Int64) { varint(field, UInt64(bitPattern: v)) }
    mutating func sint32(_ field: Int, _ v: Int32) {
        varint(field, UInt64(UInt32(bitPattern: (v << 1) ^ (v >> 31))))
    }
    mutating func fixed64(_ field: Int, _ v: UInt64) {
        key(field, 1)
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func sfixed64(_ field: Int, _ v: Int64) { fixed64(field, UInt64(bitPattern: v)) }
    mutating func double(_ field: Int, _ v: Double) { fixed64(field, v.bitPattern) }
    mutating func fixed32(_ field: Int, _ v: UInt32) {
        key(field, 5)
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func bytes(_ field: Int, _ b: [UInt8]) {
        key(field, 2)
        varintRaw(UInt64(b.count))
        bytes.append(contentsOf: b)
    }
    mutating func string(_ field: Int, _ s: String) { bytes(field, Array(s.utf8)) }
    mutating func message(_ field: Int, _ m: PB) { bytes(field, m.bytes) }
    mutating func message(_ field: Int, _ build: (inout PB) -> Void) { message(field, PB(build)) }
    mutating func packedFixed64(_ field: Int, _ values: [UInt64]) {
        var inner: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.littleEndian) { inner.append(contentsOf: $0) } }
        bytes(field, inner)
    }
    mutating func packedDoubles(_ field: Int, _ values: [Double]) { packedFixed64(field, values.map(\.bitPattern)) }
    mutating func packedVarints(_ field: Int, _ values: [UInt64]) {
        var inner = PB()
        for v in values { inner.varintRaw(v) }
        bytes(field, inner.bytes)
    }
    mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    /// One unknown field of every valid wire type (numbers 90…93 are unused everywhere in OTLP).
    mutating func unknownFields() {
        varint(90, 12345)
        fixed64(91, 0xDEAD_BEEF)
        bytes(92, [0xFF, 0x00, 0x80])      // not UTF-8, not a message: must be skipped unread
        fixed32(93, 7)
    }
}

/// Builders for OTLP messages (field numbers from the wire reference, Part B).
enum OTLPB {
    static func request(_ resourceMetrics: PB...) -> PB {
        PB { for rm in resourceMetrics { $0.message(1, rm) } }
    }

    static func resourceMetrics(attributes: [PB] = [], schemaURL: String? = nil, scopes: [PB]) -> PB {
        PB {
            $0.message(1, PB { r in for a in attributes { r.message(1, a) } })
            for s in scopes { $0.message(2, s) }
            if let schemaURL { $0.string(3, schemaURL) }
        }
    }

    static func scopeMetrics(name: String = "lib", version: String? = nil, metrics: [PB]) -> PB {
        PB {
            $0.message(1, PB { s in
                s.string(1, name)
                if let version { s.string(2, version) }
            })
            for m in metrics { $0.message(2, m) }
        }
    }

    /// A metric with the data message `data` in field `field` (5 gauge, 7 sum, 9 histogram,
    /// 10 exponential histogram, 11 summary).
    static func metric(_ name: String, _ field: Int, _ data: PB) -> PB {
        PB {
            $0.string(1, name)
            $0.message(field, data)
        }
    }

    static func sum(temporality: UInt64 = 2, monotonic: Bool = true, points: [PB]) -> PB {
        PB {
            for p in points { $0.message(1, p) }
            $0.varint(2, temporality)
            if monotonic { $0.varint(3, 1) }
        }
    }

    static func gauge(points: [PB]) -> PB { PB { for p in points { $0.message(1, p) } } }

    static func histogram(temporality: UInt64 = 2, points: [PB]) -> PB {
        PB {
            for p in points { $0.message(1, p) }
            $0.varint(2, temporality)
        }
    }

    static let time: UInt64 = 1_700_000_000_000_000_000

    static func numberPoint(int: Int64? = nil, double: Double? = nil, time: UInt64 = OTLPB.time,
                            attributes: [PB] = [], flags: UInt64? = nil) -> PB {
        PB {
            for a in attributes { $0.message(7, a) }
            if time != 0 { $0.fixed64(3, time) }
            if let int { $0.sfixed64(6, int) }
            if let double { $0.double(4, double) }
            if let flags { $0.varint(8, flags) }
        }
    }

    static func histogramPoint(count: UInt64, sum: Double? = nil, counts: [UInt64], bounds: [Double],
                               time: UInt64 = OTLPB.time, flags: UInt64? = nil) -> PB {
        PB {
            $0.fixed64(3, time)
            $0.fixed64(4, count)
            if let sum { $0.double(5, sum) }
            if !counts.isEmpty { $0.packedFixed64(6, counts) }
            if !bounds.isEmpty { $0.packedDoubles(7, bounds) }
            if let flags { $0.varint(10, flags) }
        }
    }

    static func kv(_ key: String, _ value: PB) -> PB {
        PB {
            $0.string(1, key)
            $0.message(2, value)
        }
    }

    static func str(_ s: String) -> PB { PB { $0.string(1, s) } }
    static func bool(_ b: Bool) -> PB { PB { $0.varint(2, b ? 1 : 0) } }
    static func int(_ i: Int64) -> PB { PB { $0.int64(3, i) } }
    static func double(_ d: Double) -> PB { PB { $0.double(4, d) } }
    static func array(_ values: PB...) -> PB { array(values) }
    static func array(_ values: [PB]) -> PB { PB { $0.message(5, PB { a in for v in values { a.message(1, v) } }) } }
    static func kvlist(_ pairs: PB...) -> PB { PB { $0.message(6, PB { l in for p in pairs { l.message(1, p) } }) } }
    static func bytes(_ b: [UInt8]) -> PB { PB { $0.bytes(7, b) } }
    static let empty = PB()

    /// A whole request with one gauge metric named `name` holding `points`.
    static func gaugeRequest(_ name: String = "g", points: [PB]) -> PB {
        request(resourceMetrics(scopes: [scopeMetrics(metrics: [metric(name, 5, gauge(points: points))])]))
    }

    /// A whole request with one point (int 1) whose only attribute is `key`=`value`.
    static func attributeRequest(_ value: PB, key: String = "a") -> PB {
        gaugeRequest(points: [numberPoint(int: 1, attributes: [kv(key, value)])])
    }
}
