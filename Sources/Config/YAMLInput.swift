/// Checks raw input before parsing: valid UTF-8, no control characters, and one kind of line
/// break.
enum YAMLInput {
    /// Returns `bytes` without a leading byte order mark and with CR LF and lone CR turned into
    /// LF, after checking that it is valid UTF-8 holding only characters YAML allows
    /// (tab, line breaks and printable characters; no C0/C1 controls, DEL, U+FFFE or U+FFFF).
    ///
    /// The output never contains a NUL byte, which the parser uses as its end-of-input sentinel.
    /// O(n).
    static func normalize(_ bytes: [UInt8]) throws(YAMLError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        var line = 1
        var column = 1
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            index = 3
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                switch byte {
                case 0x0A:
                    out.append(0x0A)
                    line += 1
                    column = 1
                    index += 1
                case 0x0D:
                    out.append(0x0A)
                    line += 1
                    column = 1
                    index += 1
                    if index < bytes.count && bytes[index] == 0x0A { index += 1 }
                case 0x09, 0x20...0x7E:
                    out.append(byte)
                    column += 1
                    index += 1
                default:
                    throw YAMLError(line: line, column: column,
                                    message: "control character \(unicodeName(UInt32(byte))) is not allowed")
                }
                continue
            }
            guard let (scalar, length) = decodeScalar(bytes, at: index) else {
                throw YAMLError(line: line, column: column,
                                message: "invalid UTF-8 (byte 0x\(hex(UInt32(byte), width: 2)))")
            }
            if (scalar >= 0x80 && scalar <= 0x9F && scalar != 0x85) {
                throw YAMLError(line: line, column: column,
                                message: "control character \(unicodeName(scalar)) is not allowed")
            }
            if scalar == 0xFFFE || scalar == 0xFFFF {
                throw YAMLError(line: line, column: column,
                                message: "noncharacter \(unicodeName(scalar)) is not allowed")
            }
            out.append(contentsOf: bytes[index..<(index + length)])
            column += 1
            index += length
        }
        return out
    }

    /// Decodes the multi-byte UTF-8 sequence starting at `index` (whose first byte is ≥ 0x80),
    /// or returns nil if it is malformed, overlong, a surrogate, beyond U+10FFFF or truncated.
    private static func decodeScalar(_ bytes: [UInt8], at index: Int) -> (UInt32, Int)? {
        let lead = bytes[index]
        let length: Int
        var value: UInt32
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF:
            length = 2
            value = UInt32(lead & 0x1F)
        case 0xE0...0xEF:
            length = 3
            value = UInt32(lead & 0x0F)
            if lead == 0xE0 { low = 0xA0 }
            if lead == 0xED { high = 0x9F }
        case 0xF0...0xF4:
            length = 4
            value = UInt32(lead & 0x07)
            if lead == 0xF0 { low = 0x90 }
            if lead == 0xF4 { high = 0x8F }
        default:
            return nil
        }
        guard index + length <= bytes.count else { return nil }
        for offset in 1..<length {
            let byte = bytes[index + offset]
            let (lo, hi) = offset == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard byte >= lo && byte <= hi else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return (value, length)
    }

    static func unicodeName(_ scalar: UInt32) -> String {
        "U+" + hex(scalar, width: 4)
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
