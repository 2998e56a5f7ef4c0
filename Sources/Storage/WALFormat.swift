import Primitives

/// The write-ahead log's byte layout (version 2: points records, `PointsRecord`). Record types are only ever added, never
/// changed. An unknown record type or a newer segment version stops a replay with an error
/// naming it, so an old slod never half-replays a newer log (a known record whose own fields
/// do not check out is skipped and logged). Full reference: `Storage.docc/OnDiskFormat.md`.
///
/// A **segment** is a file `wal/NNNNNNNN` (8 decimal digits, increasing). It starts with an
/// 8-byte header — the magic `SWAL`, the version byte `2`, three zero bytes — followed by records
/// back to back.
///
/// A **record** is a 13-byte header and a payload:
///
/// | bytes | field |
/// |---|---|
/// | 1 | type (1…255; 0 never starts a record) |
/// | 4 | payload length, little-endian, ≤ `maxPayloadBytes` |
/// | 4 | CRC-32 (zlib's, IEEE) of the payload, little-endian |
/// | 4 | CRC-32 of the 9 bytes above, little-endian |
/// | n | payload |
///
/// The header's own CRC makes a damaged length detectable: a reader never trusts a length it
/// has not checked, so a bit flip is reported as corruption instead of being mistaken for a torn
/// tail (which would drop the good records after it).
///
/// **Torn tail** (a crash during an append, only possible at the end of the newest segment):
/// fewer than 13 bytes left, a valid header whose payload runs past the end of the file, or a
/// tail of zero bytes (space the file system allocated but never wrote). Anything else that does
/// not check out is **corruption**, reported with the segment and offset.
public enum WALFormat {
    public static let magic: [UInt8] = Array("SWAL".utf8)
    public static let version: UInt8 = 2
    /// Version 1 segments hold request bodies as received (slod before the compact log): this
    /// slod refuses to replay them, naming the file and what to do (`WALOlderFormatError`).
    public static let firstVersion: UInt8 = 1
    public static let segmentHeaderBytes = 8
    public static let recordHeaderBytes = 13
    /// Larger than the biggest request body slod accepts (1 GiB) plus its replay metadata.
    public static let maxPayloadBytes = (1 << 30) + (1 << 16)

    /// The segment header.
    public static var segmentHeader: [UInt8] { magic + [version, 0, 0, 0] }

    /// zlib's CRC-32 of `bytes` (`CRC32`: carry-less multiplication where the CPU has it).
    @inlinable
    public static func crc32(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        CRC32.update(seed, bytes)
    }

    /// The 13-byte header of a record of `type` with `payload`.
    public static func recordHeader(type: UInt8, payload: UnsafeRawBufferPointer) -> [UInt8] {
        var h: [UInt8] = []
        appendRecordHeader(type: type, length: payload.count, crc: crc32(payload), to: &h)
        return h
    }

    /// Appends the 13-byte header of a record of `type` whose payload has `length` bytes and
    /// CRC-32 `crc` (a payload written in parts: chain `crc32(_:seed:)` over them).
    public static func appendRecordHeader(type: UInt8, length: Int, crc: UInt32, to h: inout [UInt8]) {
        let start = h.count
        h.append(contentsOf: repeatElement(0, count: recordHeaderBytes))
        storeRecordHeader(type: type, length: length, crc: crc, into: &h, at: start)
    }

    /// Writes that header over the 13 bytes of `h` at `start`.
    public static func storeRecordHeader(type: UInt8, length: Int, crc: UInt32, into h: inout [UInt8], at start: Int = 0) {
        precondition(type != 0, "record type 0 is reserved")
        precondition(length <= maxPayloadBytes, "WAL payload of \(length) bytes")
        h[start] = type
        LittleEndian.store(UInt64(length), width: 4, into: &h, at: start + 1)
        LittleEndian.store(UInt64(crc), width: 4, into: &h, at: start + 5)
        let headerCRC = h.withUnsafeBytes { crc32(UnsafeRawBufferPointer(rebasing: $0[start..<(start + 9)])) }
        LittleEndian.store(UInt64(headerCRC), width: 4, into: &h, at: start + 9)
    }

    /// A whole framed record (header + payload).
    public static func frame(type: UInt8, payload: [UInt8]) -> [UInt8] {
        payload.withUnsafeBytes { recordHeader(type: type, payload: $0) } + payload
    }
}

/// What reading a segment's bytes found at one position.
public enum WALReadEvent: Equatable, Sendable {
    /// A record that checked out; `offset` is where its header starts in the segment.
    case record(type: UInt8, payload: Range<Int>, offset: Int)
    /// The segment ended cleanly at `offset`.
    case end(offset: Int)
    /// An interrupted append starts at `offset`: everything before it is good.
    case tornTail(offset: Int)
    /// Damage at `offset` (the reason names what did not check out).
    case corrupt(offset: Int, reason: String)
}

/// Reads the records of one segment held in memory, in order. Pure: the bytes are borrowed, and
/// a read never traps whatever they are.
public struct WALSegmentReader {
    let bytes: UnsafeRawBufferPointer
    public private(set) var offset: Int

    /// A reader at the start of a segment (`next()` checks the header first; an empty file or a
    /// prefix of a header reads as a torn tail at 0: a crash right after the segment was created).
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.offset = 0
    }

    /// The next event; after `end`, `tornTail` or `corrupt` it repeats that event.
    public mutating func next() -> WALReadEvent {
        if offset == 0 {
            // A crash while the segment was created leaves a prefix of its header, or zeros.
            if bytes.count < WALFormat.segmentHeaderBytes {
                return zeroTail(from: 0) || Array(bytes) == Array(WALFormat.segmentHeader.prefix(bytes.count))
                    ? .tornTail(offset: 0) : .corrupt(offset: 0, reason: "not a WAL segment (short header)")
            }
            guard Array(bytes[0..<4]) == WALFormat.magic else {
                return zeroTail(from: 0) ? .tornTail(offset: 0) : .corrupt(offset: 0, reason: "not a WAL segment (magic SWAL missing)")
            }
            guard bytes[4] == WALFormat.version else {
                return .corrupt(offset: 4, reason: "unsupported WAL version \(bytes[4])")
            }
            offset = WALFormat.segmentHeaderBytes
        }
        let left = bytes.count - offset
        if left == 0 { return .end(offset: offset) }
        // Type 0 never starts a record: zeros to the end are unwritten space (torn), else damage.
        if bytes[offset] == 0 {
            return zeroTail(from: offset) ? .tornTail(offset: offset) : .corrupt(offset: offset, reason: "record type 0")
        }
        if left < WALFormat.recordHeaderBytes { return .tornTail(offset: offset) }
        let header = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 9)])
        let headerCRC = UInt32(LittleEndian.load(bytes, at: offset + 9, width: 4))
        guard WALFormat.crc32(header) == headerCRC else {
            return .corrupt(offset: offset, reason: "record header checksum mismatch")
        }
        let type = bytes[offset]
        let length = Int(LittleEndian.load(bytes, at: offset + 1, width: 4))
        guard length <= WALFormat.maxPayloadBytes else {
            return .corrupt(offset: offset, reason: "record length \(length) over the limit")
        }
        let start = offset + WALFormat.recordHeaderBytes
        guard length <= bytes.count - start else { return .tornTail(offset: offset) }
        let payload = start..<(start + length)
        guard WALFormat.crc32(UnsafeRawBufferPointer(rebasing: bytes[payload])) == UInt32(LittleEndian.load(bytes, at: offset + 5, width: 4)) else {
            // A payload the file system never wrote reads back as zeros up to the end.
            if payload.upperBound == bytes.count && bytes[payload].allSatisfy({ $0 == 0 }) && length > 0 {
                return .tornTail(offset: offset)
            }
            return .corrupt(offset: offset, reason: "record payload checksum mismatch")
        }
        let event = WALReadEvent.record(type: type, payload: payload, offset: offset)
        offset = payload.upperBound
        return event
    }

    /// True when every byte from `start` to the end is zero.
    private func zeroTail(from start: Int) -> Bool {
        bytes[start...].allSatisfy { $0 == 0 }
    }
}
