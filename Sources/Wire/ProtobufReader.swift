/// A protobuf wire-format reader over borrowed bytes (no schema).
///
/// Reads one record at a time: `readKey()` then exactly one value read or `skip(_:)` for that
/// key's wire type. Length-delimited values come back as borrowed buffers or as sub-readers that
/// share this reader's origin, so every error offset is relative to the outermost buffer.
///
/// The reader borrows: the bytes must stay valid and unchanged while it (or anything read from
/// it) is in use. It never allocates. Every read is bounds-checked against the enclosing buffer;
/// malformed input throws `ProtobufError` and leaves the reader's position unspecified.
///
/// Hot paths are `@inlinable` so that callers in other modules (OTLP) get them specialised and
/// inlined; the multi-byte varint path is a separate out-of-line function.
@frozen
public struct ProtobufReader {
    @usableFromInline var cursor: UnsafeRawPointer
    @usableFromInline let end: UnsafeRawPointer
    @usableFromInline let origin: UnsafeRawPointer

    /// A reader over all of `buffer`; offsets in errors count from its first byte.
    @inlinable
    public init(_ buffer: UnsafeRawBufferPointer) {
        // An empty buffer may have no base address: use a non-null dangling pointer that is
        // never dereferenced (count 0).
        let start = buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 0x10)!
        cursor = start
        end = start + buffer.count
        origin = start
    }

    @inlinable
    init(cursor: UnsafeRawPointer, end: UnsafeRawPointer, origin: UnsafeRawPointer) {
        self.cursor = cursor
        self.end = end
        self.origin = origin
    }

    /// True when every byte has been consumed.
    @inlinable public var isAtEnd: Bool { cursor >= end }

    /// Bytes left to read.
    @inlinable public var remaining: Int { end - cursor }

    /// Position of the next byte, relative to the outermost buffer's start.
    @inlinable public var offset: Int { cursor - origin }

    /// The unread bytes.
    @inlinable public var unreadBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: cursor, count: end - cursor) }

    @inlinable
    func error(_ kind: ProtobufError.Kind, at position: UnsafeRawPointer? = nil) -> ProtobufError {
        ProtobufError(kind, offset: (position ?? cursor) - origin)
    }

    // MARK: Positions (for callers that look ahead over raw record bytes)

    /// The address of the next unread byte.
    @inlinable public var position: UnsafeRawPointer { cursor }

    /// Moves to `p`, which must lie between the current position and the end.
    @inlinable @inline(__always)
    public mutating func move(to p: UnsafeRawPointer) {
        precondition(p >= cursor && p <= end, "ProtobufReader.move(to:) outside the unread bytes")
        cursor = p
    }

    /// A reader over `start..<stop`, a range of this reader's bytes already passed (error
    /// offsets stay relative to the same origin).
    @inlinable
    public func reader(from start: UnsafeRawPointer, to stop: UnsafeRawPointer) -> ProtobufReader {
        precondition(start >= origin && start <= stop && stop <= end, "ProtobufReader.reader(from:to:) outside the buffer")
        return ProtobufReader(cursor: start, end: stop, origin: origin)
    }

    /// The bytes, starting at `start` (a record key's address in this reader, at or before the
    /// current position), of the run of consecutive length-delimited records whose key is the
    /// single byte `keyByte` (fields 1–15, wire type 2). The run ends at the first other byte,
    /// or before a record whose length runs past the end (the normal reads then report it).
    /// Looks only; never throws.
    @inlinable
    public func lengthDelimitedRun(from start: UnsafeRawPointer, keyByte: UInt8) -> UnsafeRawBufferPointer {
        var p = start
        while end - p >= 2, p.load(as: UInt8.self) == keyByte {
            let b = p.load(fromByteOffset: 1, as: UInt8.self)
            var q = p + 2
            var length = UInt64(b)
            if b >= 0x80 {                     // a multi-byte length (rare for attributes)
                length &= 0x7F
                var shift: UInt64 = 7
                var ok = false
                while q < end, shift < 64 {
                    let c = q.load(as: UInt8.self)
                    q += 1
                    length |= UInt64(c & 0x7F) << shift
                    if c < 0x80 { ok = true; break }
                    shift += 7
                }
                guard ok else { break }
            }
            guard length <= UInt64(end - q) else { break }
            p = q + Int(length)
        }
        return UnsafeRawBufferPointer(start: start, count: p - start)
    }

    // MARK: Keys

    /// Reads a record key. Call only when `!isAtEnd`.
    ///
    /// Throws for field number 0, field numbers above 2^29−1, group wire types (3, 4) and the
    /// invalid wire types 6 and 7.
    @inlinable @inline(__always)
    public mutating func readKey() throws(ProtobufError) -> ProtobufKey {
        let start = cursor
        let raw = try readVarint()
        let wire = UInt8(truncatingIfNeeded: raw & 7)
        let number = raw >> 3
        if number == 0 || number > ProtobufKey.maxFieldNumber || wire > 5 || wire == 3 || wire == 4 {
            throw invalidKey(raw, at: start)
        }
        return ProtobufKey(fieldNumber: UInt32(truncatingIfNeeded: number), wireType: ProtobufWireType(unchecked: wire))
    }

    @usableFromInline
    func invalidKey(_ raw: UInt64, at start: UnsafeRawPointer) -> ProtobufError {
        let wire = UInt8(truncatingIfNeeded: raw & 7)
        let number = raw >> 3
        if number == 0 { return error(.fieldNumberZero, at: start) }
        if number > ProtobufKey.maxFieldNumber { return error(.fieldNumberOutOfRange, at: start) }
        if wire == 3 || wire == 4 { return error(.groupWireType(wire), at: start) }
        return error(.invalidWireType(wire), at: start)
    }

    // MARK: Scalars

    /// Reads a base-128 varint (at most 10 bytes; the 10th may only carry the top bit).
    @inlinable @inline(__always)
    public mutating func readVarint() throws(ProtobufError) -> UInt64 {
        // 1- and 2-byte varints (keys, most lengths) inline; longer ones out of line.
        if end - cursor >= 2 {
            let b0 = cursor.load(as: UInt8.self)
            if b0 < 0x80 {
                cursor += 1
                return UInt64(b0)
            }
            let b1 = cursor.load(fromByteOffset: 1, as: UInt8.self)
            if b1 < 0x80 {
                cursor += 2
                return UInt64(b0 & 0x7F) | UInt64(b1) << 7
            }
        } else if cursor < end {
            let b0 = cursor.load(as: UInt8.self)
            if b0 < 0x80 {
                cursor += 1
                return UInt64(b0)
            }
        }
        return try readVarintSlow()
    }

    @inlinable @inline(never)
    mutating func readVarintSlow() throws(ProtobufError) -> UInt64 {
        let start = cursor
        var p = cursor
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            if p >= end { throw error(.truncated, at: start) }
            let b = p.load(as: UInt8.self)
            p += 1
            if shift == 63 {
                // 10th byte: only the lowest bit fits in 64 bits.
                if b > 1 { throw error(.varintTooLong, at: start) }
                result |= UInt64(b) << 63
                break
            }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { break }
            shift += 7
        }
        cursor = p
        return result
    }

    /// Reads 4 little-endian bytes.
    @inlinable @inline(__always)
    public mutating func readFixed32() throws(ProtobufError) -> UInt32 {
        if end - cursor < 4 { throw error(.truncated) }
        let v = UInt32(littleEndian: cursor.loadUnaligned(as: UInt32.self))
        cursor += 4
        return v
    }

    /// Reads 8 little-endian bytes.
    @inlinable @inline(__always)
    public mutating func readFixed64() throws(ProtobufError) -> UInt64 {
        if end - cursor < 8 { throw error(.truncated) }
        let v = UInt64(littleEndian: cursor.loadUnaligned(as: UInt64.self))
        cursor += 8
        return v
    }

    /// Reads a `double` (wire type I64).
    @inlinable @inline(__always)
    public mutating func readDouble() throws(ProtobufError) -> Double {
        Double(bitPattern: try readFixed64())
    }

    // MARK: Length-delimited

    /// Reads a length-delimited value and returns its bytes (borrowed from the input).
    @inlinable @inline(__always)
    public mutating func readLengthDelimited() throws(ProtobufError) -> UnsafeRawBufferPointer {
        let start = cursor
        let length = try readVarint()
        if length > UInt64(end - cursor) { throw error(.lengthOutOfBounds, at: start) }
        let bytes = UnsafeRawBufferPointer(start: cursor, count: Int(length))
        cursor += Int(length)
        return bytes
    }

    /// Reads a length-delimited value as a reader over just its bytes (sharing this origin).
    @inlinable @inline(__always)
    public mutating func readSubmessage() throws(ProtobufError) -> ProtobufReader {
        let start = cursor
        let length = try readVarint()
        if length > UInt64(end - cursor) { throw error(.lengthOutOfBounds, at: start) }
        let sub = ProtobufReader(cursor: cursor, end: cursor + Int(length), origin: origin)
        cursor += Int(length)
        return sub
    }

    // MARK: Skipping

    /// Skips the value of a record with the given wire type (any of 0, 1, 2, 5).
    @inlinable
    public mutating func skip(_ wireType: ProtobufWireType) throws(ProtobufError) {
        switch wireType {
        case .varint: _ = try readVarint()
        case .fixed64:
            if end - cursor < 8 { throw error(.truncated) }
            cursor += 8
        case .lengthDelimited: _ = try readLengthDelimited()
        case .fixed32:
            if end - cursor < 4 { throw error(.truncated) }
            cursor += 4
        }
    }

    // MARK: Packed repeated

    /// Reads a packed `fixed64`/`double`/`sfixed64` chunk; its length must be a multiple of 8.
    @inlinable
    public mutating func readPackedFixed64() throws(ProtobufError) -> ProtobufPackedFixed64 {
        let start = cursor
        let bytes = try readLengthDelimited()
        if bytes.count & 7 != 0 { throw error(.packedLengthNotMultiple(bytes.count), at: start) }
        return ProtobufPackedFixed64(bytes)
    }

    /// Reads a packed varint chunk (`uint64`, `int64`, `sint32`, enums…): iterate the returned
    /// reader with `readVarint()` until `isAtEnd`.
    @inlinable
    public mutating func readPackedVarints() throws(ProtobufError) -> ProtobufReader {
        try readSubmessage()
    }

    // MARK: ZigZag

    /// `sint32` decoding: 0→0, 1→−1, 2→1, 3→−2 … (uses the low 32 bits, like protobuf).
    @inlinable @inline(__always)
    public static func zigZag32(_ v: UInt64) -> Int32 {
        let u = UInt32(truncatingIfNeeded: v)
        return Int32(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    /// `sint64` decoding.
    @inlinable @inline(__always)
    public static func zigZag64(_ v: UInt64) -> Int64 {
        Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }
}

/// The elements of a packed 8-byte chunk, read unaligned and little-endian.
@frozen
public struct ProtobufPackedFixed64: Sequence, IteratorProtocol {
    @usableFromInline var cursor: UnsafeRawPointer?
    @usableFromInline let end: UnsafeRawPointer?

    @inlinable
    init(_ bytes: UnsafeRawBufferPointer) {
        cursor = bytes.baseAddress
        end = bytes.baseAddress.map { $0 + bytes.count }
    }

    /// The bytes not yet iterated (8 per element, little-endian, possibly unaligned).
    @inlinable public var rawBytes: UnsafeRawBufferPointer {
        guard let c = cursor, let e = end else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: c, count: e - c)
    }

    /// Number of elements left.
    @inlinable public var count: Int {
        guard let c = cursor, let e = end else { return 0 }
        return (e - c) >> 3
    }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64? {
        guard let c = cursor, let e = end, c < e else { return nil }
        cursor = c + 8
        return UInt64(littleEndian: c.loadUnaligned(as: UInt64.self))
    }
}
