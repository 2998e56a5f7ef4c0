/// LEB128 varints for the state checkpoint format: a writer that appends to a caller-owned
/// buffer and a bounds-checked reader that throws instead of trapping.
enum VarInt {
    static func append(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// Zigzag: small magnitudes of either sign encode short.
    static func append(signed value: Int64, to out: inout [UInt8]) {
        append(UInt64(bitPattern: (value << 1) ^ (value >> 63)), to: &out)
    }
}

/// Reads what `VarInt` wrote; every failure names the byte offset.
struct CheckpointReader {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position >= bytes.count }

    func fail(_ message: String) -> SLOStateDecodingError { SLOStateDecodingError(offset: position, message) }

    mutating func byte() throws(SLOStateDecodingError) -> UInt8 {
        guard position < bytes.count else { throw fail("unexpected end of data") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func unsigned() throws(SLOStateDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64, !(shift == 63 && b > 1) else { throw fail("varint longer than 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    mutating func signed() throws(SLOStateDecodingError) -> Int64 {
        let u = try unsigned()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    /// An unsigned varint that must be at most `limit`.
    mutating func count(max limit: UInt64, _ what: String) throws(SLOStateDecodingError) -> Int {
        let start = position
        let v = try unsigned()
        guard v <= limit else { throw SLOStateDecodingError(offset: start, "\(what) \(v) exceeds \(limit)") }
        return Int(v)
    }
}

/// A checkpoint that cannot be decoded (truncated, corrupt, or for another kind of SLO).
public struct SLOStateDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var message: String

    public init(offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "SLO state checkpoint at byte \(offset): \(message)" }
}
