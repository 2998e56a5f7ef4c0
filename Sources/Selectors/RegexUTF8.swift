/// UTF-8 decoding with Go's error rule: every byte that does not start a well-formed sequence
/// (stray continuation bytes, overlong forms, surrogates, values above U+10FFFF, truncated
/// sequences) decodes as U+FFFD and is consumed alone. So invalid input never traps, `.` and
/// `[^a]` match one invalid byte each, and a literal U+FFFD in a pattern matches an invalid byte,
/// exactly as in Go's `regexp`.
enum UTF8Decoding {
    /// The replacement character.
    static let replacement: UInt32 = 0xFFFD

    /// Decodes the code point starting at `i` (`i < bytes.count`): the value and its byte length.
    @inline(__always)
    static func decode<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, at i: Int) -> (scalar: UInt32, width: Int)
    where Bytes.Index == Int {
        let b0 = bytes[i]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        return decodeMultibyte(bytes, at: i, first: b0)
    }

    @inline(__always)
    static func decodeMultibyte<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, at i: Int, first b0: UInt8) -> (scalar: UInt32, width: Int)
    where Bytes.Index == Int {
        let end = bytes.endIndex
        // Allowed range of the second byte, by lead byte (Unicode Table 3-7).
        let length: Int, lo: UInt8, hi: UInt8
        switch b0 {
        case 0xC2...0xDF: (length, lo, hi) = (2, 0x80, 0xBF)
        case 0xE0: (length, lo, hi) = (3, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, lo, hi) = (3, 0x80, 0xBF)
        case 0xED: (length, lo, hi) = (3, 0x80, 0x9F)
        case 0xF0: (length, lo, hi) = (4, 0x90, 0xBF)
        case 0xF1...0xF3: (length, lo, hi) = (4, 0x80, 0xBF)
        case 0xF4: (length, lo, hi) = (4, 0x80, 0x8F)
        default: return (replacement, 1)
        }
        guard i + length <= end else { return (replacement, 1) }
        let b1 = bytes[i + 1]
        guard b1 >= lo && b1 <= hi else { return (replacement, 1) }
        if length == 2 { return (UInt32(b0 & 0x1F) << 6 | UInt32(b1 & 0x3F), 2) }
        let b2 = bytes[i + 2]
        guard b2 & 0xC0 == 0x80 else { return (replacement, 1) }
        if length == 3 { return (UInt32(b0 & 0x0F) << 12 | UInt32(b1 & 0x3F) << 6 | UInt32(b2 & 0x3F), 3) }
        let b3 = bytes[i + 3]
        guard b3 & 0xC0 == 0x80 else { return (replacement, 1) }
        return (UInt32(b0 & 0x07) << 18 | UInt32(b1 & 0x3F) << 12 | UInt32(b2 & 0x3F) << 6 | UInt32(b3 & 0x3F), 4)
    }

    /// The UTF-8 encoding of a code point (nil for surrogate values, which have none).
    static func encode(_ c: UInt32) -> [UInt8]? {
        guard let scalar = Unicode.Scalar(c), let encoded = UTF8.encode(scalar) else { return nil }
        return Array(encoded)
    }
}
