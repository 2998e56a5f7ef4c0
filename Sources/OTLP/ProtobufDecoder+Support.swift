import Wire



/// A rendered `arrayValue`/`kvlistValue` whose text lives at `arena[start ..< start+count]`;
/// patched into `attributes[index]` once the attribute list is complete (the arena may move
/// while the list is being decoded).
struct ProtoJSONFixup {
    var index: Int
    var start: Int
    var count: Int
}

/// One entry of a kvlist being rendered: collected first, then sorted by key (wire order breaks
/// ties) so duplicates resolve last-wins.
struct ProtoKVEntry {
    var key: ByteView
    /// The `AnyValue` bytes (meaningful only if `hasValue`).
    var value: ProtobufReader
    var hasValue: Bool
    var order: Int
}

// MARK: - Errors

extension OTLPDecodeError {
    @inline(never)
    static func wire(_ e: ProtobufError, in context: StaticString) -> OTLPDecodeError {
        OTLPDecodeError("malformed \(context): \(e.problem)", offset: e.offset)
    }

    @inline(never)
    static func wrongWireType(_ key: ProtobufKey, field: StaticString, expected: String, offset: Int) -> OTLPDecodeError {
        OTLPDecodeError("field \(key.fieldNumber) (\(field)) has wire type \(key.wireType.rawValue), expected \(expected)", offset: offset)
    }

    @inline(never)
    static func invalidUTF8(field: StaticString, offset: Int) -> OTLPDecodeError {
        OTLPDecodeError("invalid UTF-8 in \(field)", offset: offset)
    }
}

// MARK: - Reader operations with OTLP error context

/// Each read names the message or field it belongs to, so malformed input produces errors like
/// `field 3 (Metric.unit) has wire type 0, expected 2` or `malformed Metric: truncated value`.
/// The names are static strings: nothing is built unless an error is thrown.
extension ProtobufReader {
    @inline(__always)
    mutating func key(_ message: StaticString) throws(OTLPDecodeError) -> ProtobufKey {
        do { return try readKey() } catch { throw .wire(error, in: message) }
    }

    @inline(__always)
    mutating func skip(_ key: ProtobufKey, _ message: StaticString) throws(OTLPDecodeError) {
        do { try skip(key.wireType) } catch { throw .wire(error, in: message) }
    }

    @inline(__always)
    mutating func varint(_ key: ProtobufKey, _ field: StaticString) throws(OTLPDecodeError) -> UInt64 {
        guard key.wireType == .varint else { throw .wrongWireType(key, field: field, expected: "0", offset: offset) }
        do { return try readVarint() } catch { throw .wire(error, in: field) }
    }

    @inline(__always)
    mutating func fixed64(_ key: ProtobufKey, _ field: StaticString) throws(OTLPDecodeError) -> UInt64 {
        guard key.wireType == .fixed64 else { throw .wrongWireType(key, field: field, expected: "1", offset: offset) }
        do { return try readFixed64() } catch { throw .wire(error, in: field) }
    }

    @inline(__always)
    mutating func double(_ key: ProtobufKey, _ field: StaticString) throws(OTLPDecodeError) -> Double {
        Double(bitPattern: try fixed64(key, field))
    }

    @inline(__always)
    mutating func message(_ key: ProtobufKey, _ field: StaticString) throws(OTLPDecodeError) -> ProtobufReader {
        guard key.wireType == .lengthDelimited else { throw .wrongWireType(key, field: field, expected: "2", offset: offset) }
        do { return try readSubmessage() } catch { throw .wire(error, in: field) }
    }

    @inline(__always)
    mutating func bytes(_ key: ProtobufKey, _ field: StaticString) throws(OTLPDecodeError) -> ByteView {
        guard key.wireType == .lengthDelimited else { throw .wrongWireType(key, field: field, expected: "2", offset: offset) }
        do {
            let b = try readLengthDelimited()
            return ByteView(base: b.baseAddress, count: b.count)
        } catch { throw .wire(error, in: field) }
    }

    /// A `string` field: length-delimited and valid UTF-8.
    @inline(__always)
    mutating func string(_ key: ProtobufKey, _ field: StaticString) throws(OTLPDecodeError) -> ByteView {
        let at = offset
        let b = try bytes(key, field)
        guard ProtobufUTF8.isValid(b.buffer) else { throw .invalidUTF8(field: field, offset: at) }
        return b
    }

    /// A repeated fixed64/double field: one packed chunk (wire type 2) or one element (wire type 1).
    @inline(__always)
    mutating func appendFixed64s(_ key: ProtobufKey, _ field: StaticString, into out: inout ScratchBuffer<UInt64>) throws(OTLPDecodeError) {
        switch key.wireType {
        case .fixed64:
            do { out.append(try readFixed64()) } catch { throw .wire(error, in: field) }
        case .lengthDelimited:
            do {
                let packed = try readPackedFixed64()
                #if _endian(little)
                out.appendRaw(packed.rawBytes, elements: packed.count)
                #else
                out.reserve(packed.count)
                for v in packed { out.append(v) }
                #endif
            } catch { throw .wire(error, in: field) }
        default:
            throw .wrongWireType(key, field: field, expected: "1 or 2 (packed)", offset: offset)
        }
    }

    /// `appendFixed64s` for doubles.
    @inline(__always)
    mutating func appendDoubles(_ key: ProtobufKey, _ field: StaticString, into out: inout ScratchBuffer<Double>) throws(OTLPDecodeError) {
        switch key.wireType {
        case .fixed64:
            do { out.append(Double(bitPattern: try readFixed64())) } catch { throw .wire(error, in: field) }
        case .lengthDelimited:
            do {
                let packed = try readPackedFixed64()
                #if _endian(little)
                out.appendRaw(packed.rawBytes, elements: packed.count)
                #else
                out.reserve(packed.count)
                for v in packed { out.append(Double(bitPattern: v)) }
                #endif
            } catch { throw .wire(error, in: field) }
        default:
            throw .wrongWireType(key, field: field, expected: "1 or 2 (packed)", offset: offset)
        }
    }

    /// A repeated uint64 field: one packed chunk of varints (wire type 2) or one varint (wire type 0).
    @inline(__always)
    mutating func appendVarints(_ key: ProtobufKey, _ field: StaticString, into out: inout ScratchBuffer<UInt64>) throws(OTLPDecodeError) {
        switch key.wireType {
        case .varint:
            do { out.append(try readVarint()) } catch { throw .wire(error, in: field) }
        case .lengthDelimited:
            do {
                var packed = try readPackedVarints()
                while !packed.isAtEnd { out.append(try packed.readVarint()) }
            } catch { throw .wire(error, in: field) }
        default:
            throw .wrongWireType(key, field: field, expected: "0 or 2 (packed)", offset: offset)
        }
    }
}
