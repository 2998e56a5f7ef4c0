import Primitives

/// WAL record type 2, **points**: one accepted request's decoded points, as compact as the
/// log can keep them while replay applies them exactly as live ingestion did. Full reference:
/// `Storage.docc/OnDiskFormat.md` ("Points records").
///
/// A record belongs to a **lane** (the event loop that wrote it). Each lane keeps, per segment,
/// dictionaries of what its records defined: contexts (tenant · resource · scope · metric
/// header), resources (tenant · resource, for `target_info`), series (a context and a
/// canonical attribute encoding) and histogram bounds. A definition appears once per segment
/// and lane, in the record that first needs it, before its first use; a point then costs its
/// series reference, its times as deltas, and its values as varints. Dictionaries start empty
/// in every segment, so a segment replays on its own (a checkpoint always covers whole
/// segments).
///
/// Payload:
///
/// | bytes | field |
/// |---|---|
/// | varint | lane |
/// | 8 | receive time, Unix nanoseconds, little-endian (signed) |
/// | rest | entries back to back |
///
/// An entry starts with one byte: the entry kind in the low 4 bits; on point entries the high
/// bits are flags (`startChanged`, `timeChanged`, `hasFlags`, `hasSum`). Integers are LEB128
/// varints, signed ones zigzag-encoded; doubles are 8 bytes little-endian.
///
/// | kind | entry |
/// |---|---|
/// | 1 context | varint resource part length, varint scope part length, varint metric part length, the three parts (the shard's context blob) |
/// | 2 resource | varint length, tenant · resource part (the `target_info` blob) |
/// | 3 series | varint context ref, varint length, canonical attribute encoding |
/// | 4 bounds | varint n, n doubles |
/// | 5 target_info | varint resource ref |
/// | 6 forget | (nothing) the lane's dictionaries start over: a record of the lane was lost before it reached the log |
/// | 8 int number | point header, zigzag value |
/// | 9 double number | point header, double |
/// | 10 number without value | point header |
/// | 11 histogram | point header, varint count, [double sum], varint bounds ref (0: none), varint n, n varint counts |
/// | 14 histogram, packed counts | as 11, but after n one byte w (1–8) and n counts of w bytes, little-endian |
/// | 12 exponential | point header, varint count, [double sum], zigzag scale, varint zero count, double zero threshold, zigzag positive offset, varint n, n varints, zigzag negative offset, varint n, n varints |
/// | 13 summary | point header, varint count, double sum, varint n, n × (double quantile, double value) |
///
/// Point header: varint series ref; zigzag (start − previous start) if `startChanged`; zigzag
/// (time − previous time) if `timeChanged`; varint flags if `hasFlags`. Histograms are written as
/// kind 14: fifteen bucket counts as varints cost more CPU to write than everything else about
/// a point (each varint's length is data-dependent), at a width the largest count needs they
/// are plain stores. Kind 11 is still read. "Previous" is the
/// point before it in the record (0 for the first). Refs count from 0 per lane and segment in
/// the order of definition (bounds from 1).
public enum PointsRecord {
    public static let type: UInt8 = 2

    enum Kind: UInt8 {
        case context = 1, resource = 2, series = 3, bounds = 4, targetInfo = 5, forget = 6
        case intNumber = 8, doubleNumber = 9, emptyNumber = 10, histogram = 11, exponential = 12, summary = 13
        case packedHistogram = 14
    }

    /// Bytes per count (1–8) that hold the largest of `counts`.
    @inline(__always) static func packedWidth(_ counts: UnsafeBufferPointer<UInt64>) -> Int {
        var all: UInt64 = 0
        for c in counts { all |= c }
        return max(1, (64 - all.leadingZeroBitCount + 7) / 8)
    }

    static let kindMask: UInt8 = 0x0F
    static let startChanged: UInt8 = 0x10
    static let timeChanged: UInt8 = 0x20
    static let hasFlags: UInt8 = 0x40
    static let hasSum: UInt8 = 0x80

    /// Bytes before the entries at most (lane varint and receive time).
    static let maxHeaderBytes = 10 + 8
    /// Bytes of a point entry's first byte and point header at most: kind, series ref, start
    /// and time deltas, flags.
    static let maxPointHeaderBytes = 1 + 5 + 10 + 10 + 5
}

/// Writes one entry of a points record at a position the buffer has reserved room for: the
/// position stays in a register for the whole entry, with no capacity check per field.
struct EntryWriter {
    var position: UnsafeMutableRawPointer

    @inline(__always) mutating func byte(_ v: UInt8) {
        position.storeBytes(of: v, as: UInt8.self)
        position += 1
    }

    @inline(__always) mutating func varint(_ v: UInt64) { position = ByteBuffer.storeVarint(v, at: position) }

    @inline(__always) mutating func zigzag(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    @inline(__always) mutating func littleEndian(_ v: UInt64) {
        position.storeBytes(of: v.littleEndian, as: UInt64.self)
        position += 8
    }

    /// `values` as little-endian integers of `width` bytes each (1–8, wide enough for the
    /// largest): whole 8-byte words stored `width` bytes apart, each overwriting the previous
    /// one's spare high bytes, so no store depends on a value's size. Needs 8 spare bytes after them.
    @inline(__always) mutating func packed(_ values: UnsafeBufferPointer<UInt64>, width: Int) {
        for value in values {
            position.storeBytes(of: value.littleEndian, as: UInt64.self)
            position += width
        }
    }
}

extension ByteBuffer {
    /// A writer for an entry of at most `bytes` bytes at the end of the buffer; `commit` it.
    @inline(__always) func entryWriter(reserving bytes: Int) -> EntryWriter {
        reserve(bytes)
        return EntryWriter(position: base + writerIndex)
    }

    /// Takes what `writer` wrote into the buffer.
    @inline(__always) func commit(_ writer: EntryWriter) {
        writerIndex = writer.position - base
    }
    @inline(__always) func putVarint(_ value: UInt64) {
        reserve(10)
        writerIndex = Self.storeVarint(value, at: base + writerIndex) - base
    }

    /// Writes `value` as a LEB128 varint at `p` (which has room for 10 bytes); returns the byte
    /// after it. (A branch-free variant that spreads the seven-bit groups into one word measured
    /// slower here: the length computation costs more than the well-predicted loop.)
    @inline(__always) static func storeVarint(_ value: UInt64, at p: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        var v = value
        var p = p
        while v >= 0x80 {
            p.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, as: UInt8.self)
            p += 1
            v >>= 7
        }
        p.storeBytes(of: UInt8(truncatingIfNeeded: v), as: UInt8.self)
        return p + 1
    }

    @inline(__always) func putLittleEndian(_ value: UInt64) {
        put(value.littleEndian)
    }
}

/// Why a points record cannot be replayed (damage that passed the checksums, or a writer bug).
public struct PointsRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public init(offset: Int, _ reason: String) {
        self.offset = offset
        self.reason = reason
    }
    public var description: String { "points record at byte \(offset): \(reason)" }
}

/// A bounds-checked cursor over a points record: every read fails with the offset instead of
/// trapping, whatever the bytes.
struct PointsRecordCursor {
    let base: UnsafeRawPointer?
    let count: Int
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        base = bytes.baseAddress
        count = bytes.count
    }

    var atEnd: Bool { offset >= count }

    func fail(_ reason: String) -> PointsRecordError { PointsRecordError(offset: offset, reason) }

    @inline(__always) mutating func byte() throws(PointsRecordError) -> UInt8 {
        guard offset < count, let base else { throw fail("record ends inside an entry") }
        defer { offset &+= 1 }
        return base.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// One- and two-byte varints (nearly all of them: references, small counts, deltas) are
    /// read inline; longer ones by `longVarint`.
    @inline(__always) mutating func varint() throws(PointsRecordError) -> UInt64 {
        if let base, count &- offset >= 2 {
            let b0 = base.load(fromByteOffset: offset, as: UInt8.self)
            if b0 < 0x80 {
                offset &+= 1
                return UInt64(b0)
            }
            let b1 = base.load(fromByteOffset: offset &+ 1, as: UInt8.self)
            if b1 < 0x80 {
                offset &+= 2
                return UInt64(b0 & 0x7F) | UInt64(b1) << 7
            }
        }
        return try longVarint()
    }

    mutating func longVarint() throws(PointsRecordError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            if shift == 63 && b > 1 { throw fail("varint overflows 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    @inline(__always) mutating func zigzag() throws(PointsRecordError) -> Int64 {
        let v = try varint()
        return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
    }

    @inline(__always) mutating func littleEndian64() throws(PointsRecordError) -> UInt64 {
        guard count - offset >= 8, let base else { throw fail("record ends inside a 64-bit field") }
        defer { offset &+= 8 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always) mutating func double() throws(PointsRecordError) -> Double {
        Double(bitPattern: try littleEndian64())
    }

    /// A length or count that must fit what is left of the record at `bytesEach` bytes per item.
    @inline(__always) mutating func count(_ what: String, bytesEach: Int = 1) throws(PointsRecordError) -> Int {
        let at = offset
        let n = try varint()
        guard n <= UInt64(count - offset) / UInt64(max(1, bytesEach)) else { throw PointsRecordError(offset: at, "\(what) of \(n) does not fit the record") }
        return Int(n)
    }

    /// A reference below `limit`.
    @inline(__always) mutating func reference(_ what: String, below limit: Int) throws(PointsRecordError) -> Int {
        let at = offset
        let r = try varint()
        guard r < UInt64(limit) else { throw PointsRecordError(offset: at, "\(what) reference \(r) was never defined (\(limit) are)") }
        return Int(r)
    }

    mutating func bytes(_ n: Int) throws(PointsRecordError) -> UnsafeRawBufferPointer {
        guard n <= count - offset else { throw fail("record ends inside a \(n)-byte field") }
        defer { offset &+= n }
        return UnsafeRawBufferPointer(start: base.map { $0 + offset }, count: n)
    }
}
