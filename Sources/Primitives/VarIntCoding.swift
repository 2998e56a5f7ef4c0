/// LEB128 varints, zigzag-signed integers and length-prefixed strings: the integer coding of
/// slod's state checkpoints (SLO states, the SLO engine's and the alert evaluator's sections).
/// A writer that appends to a caller-owned buffer, and a bounds-checked reader that throws the
/// caller's error type, naming the byte offset, instead of trapping.
public enum VarInt {
    @inlinable
    public static func append(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// Zigzag: small magnitudes of either sign encode short.
    @inlinable
    public static func append(signed value: Int64, to out: inout [UInt8]) {
        append(UInt64(bitPattern: (value << 1) ^ (value >> 63)), to: &out)
    }

    /// Eight bytes, little-endian (what `VarIntReader.uint64LE` reads): doubles' bit patterns
    /// and fingerprints, which a varint would not shorten.
    @inlinable
    public static func append(littleEndian value: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    /// A varint length, then the UTF-8 bytes.
    @inlinable
    public static func append(string value: String, to out: inout [UInt8]) {
        append(UInt64(value.utf8.count), to: &out)
        out.append(contentsOf: value.utf8)
    }
}

/// The error a `VarIntReader` throws: each format names its own type (and its message prefix).
public protocol ByteDecodingError: Error {
    init(offset: Int, _ reason: String)
}

/// Names a binary format in its decoding errors (`ByteFormatError<Format>`).
public protocol ByteFormat {
    /// E.g. "alert checkpoint": the prefix of every error's description.
    static var name: String { get }
}

/// Bytes that do not decode as `Format` (truncated, corrupt, or another format): the byte
/// offset where decoding failed and why. One type per format (`ByteFormatError<Format>`), so a
/// caller catches exactly the format it decodes.
public struct ByteFormatError<Format: ByteFormat>: ByteDecodingError, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset in the input where decoding failed.
    public var offset: Int
    public var reason: String

    public init(offset: Int, _ reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(Format.name) at byte \(offset): \(reason)" }
}

/// Reads what `VarInt` wrote; every failure is a `Failure` naming the byte offset.
public struct VarIntReader<Failure: ByteDecodingError> {
    public let bytes: [UInt8]
    public var position = 0

    @inlinable public init(_ bytes: [UInt8]) { self.bytes = bytes }

    @inlinable public var atEnd: Bool { position >= bytes.count }
    @inlinable public var remaining: Int { bytes.count - position }

    @inlinable
    public func fail(_ reason: String, at offset: Int? = nil) -> Failure { Failure(offset: offset ?? position, reason) }

    @inlinable
    public mutating func byte() throws(Failure) -> UInt8 {
        guard position < bytes.count else { throw fail("unexpected end of data") }
        defer { position += 1 }
        return bytes[position]
    }

    @inlinable
    public mutating func unsigned() throws(Failure) -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64, !(shift == 63 && b > 1) else { throw fail("varint longer than 64 bits", at: start) }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    @inlinable
    public mutating func signed() throws(Failure) -> Int64 {
        let u = try unsigned()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    /// 8 bytes, little-endian.
    @inlinable
    public mutating func uint64LE() throws(Failure) -> UInt64 {
        guard remaining >= 8 else { throw fail("unexpected end of data") }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += 8
        return v
    }

    /// A count of items of at least `bytesEach` bytes each (or of bytes, with 1): at most what
    /// the remaining bytes can hold, so allocations stay bounded by the input's size.
    @inlinable
    public mutating func count(_ what: String, bytesEach: Int) throws(Failure) -> Int {
        let start = position
        let v = try unsigned()
        guard v <= UInt64(remaining / bytesEach) else {
            throw fail("\(what) \(v) exceeds what the \(remaining) remaining bytes can hold", at: start)
        }
        return Int(v)
    }

    /// An unsigned varint that must be at most `limit`.
    @inlinable
    public mutating func count(_ what: String, max limit: UInt64) throws(Failure) -> Int {
        let start = position
        let v = try unsigned()
        guard v <= limit else { throw fail("\(what) \(v) exceeds \(limit)", at: start) }
        return Int(v)
    }

    /// A varint length, then that many bytes of valid UTF-8.
    @inlinable
    public mutating func string() throws(Failure) -> String {
        let start = position
        let length = try count("string length", bytesEach: 1)
        guard let s = String(validating: bytes[position..<position + length], as: UTF8.self) else {
            throw fail("string is not valid UTF-8", at: start)
        }
        position += length
        return s
    }
}
