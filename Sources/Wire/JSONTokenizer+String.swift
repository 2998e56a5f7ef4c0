/// A string token: the raw bytes between the quotes, borrowed from the document.
///
/// The tokenizer has validated it (UTF-8, escapes, no control characters). Without escapes the
/// raw bytes are the value; with escapes, `unescape(into:)` writes the value (never longer than
/// the raw bytes) into caller-provided memory.
public struct JSONString {
    /// First byte after the opening quote.
    public let start: UnsafePointer<UInt8>
    /// Raw length (between the quotes, escapes not yet decoded).
    public let count: Int
    /// True when the raw bytes contain at least one backslash escape.
    public let hasEscapes: Bool
    /// Offset of the opening quote in the document (for error messages).
    public let offset: Int

    @inlinable init(start: UnsafePointer<UInt8>, count: Int, hasEscapes: Bool, offset: Int) {
        self.start = start
        self.count = count
        self.hasEscapes = hasEscapes
        self.offset = offset
    }

    /// The raw bytes (equal to the value when `hasEscapes` is false).
    @inlinable public var raw: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: start, count: count) }

    /// Byte equality of the raw bytes with a literal (no unescaping).
    @inlinable public func rawEquals(_ s: StaticString) -> Bool {
        count == s.utf8CodeUnitCount && (count == 0 || memcmp(start, s.utf8Start, count) == 0)
    }

    /// Writes the decoded value to `destination`, which must have room for `count` bytes, and
    /// returns its length (≤ `count`). Surrogate pairs become one 4-byte UTF-8 sequence.
    public func unescape(into destination: UnsafeMutableRawPointer) -> Int {
        let out = destination.assumingMemoryBound(to: UInt8.self)
        if !hasEscapes {
            if count > 0 { out.update(from: start, count: count) }
            return count
        }
        var i = 0, o = 0
        while i < count {
            // Copy the run up to the next backslash.
            var j = i
            while j < count && start[j] != UInt8(ascii: "\\") { j += 1 }
            if j > i { (out + o).update(from: start + i, count: j - i); o += j - i }
            if j >= count { break }
            let c = start[j + 1]
            i = j + 2
            switch c {
            case UInt8(ascii: "b"): out[o] = 0x08; o += 1
            case UInt8(ascii: "f"): out[o] = 0x0C; o += 1
            case UInt8(ascii: "n"): out[o] = 0x0A; o += 1
            case UInt8(ascii: "r"): out[o] = 0x0D; o += 1
            case UInt8(ascii: "t"): out[o] = 0x09; o += 1
            case UInt8(ascii: "u"):
                var cp = JSONTokenizer.hex4(start + i)
                i += 4
                if cp >= 0xD800 && cp <= 0xDBFF {   // validated: a low surrogate escape follows
                    let lo = JSONTokenizer.hex4(start + i + 2)
                    i += 6
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                }
                o += JSONString.encodeUTF8(cp, to: out + o)
            default: out[o] = c; o += 1   // " \ /
            }
        }
        return o
    }

    /// Writes the UTF-8 encoding of scalar `cp` and returns its length (1…4).
    @usableFromInline static func encodeUTF8(_ cp: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if cp < 0x80 { out[0] = UInt8(cp); return 1 }
        if cp < 0x800 {
            out[0] = UInt8(0xC0 | (cp >> 6)); out[1] = UInt8(0x80 | (cp & 0x3F)); return 2
        }
        if cp < 0x10000 {
            out[0] = UInt8(0xE0 | (cp >> 12)); out[1] = UInt8(0x80 | ((cp >> 6) & 0x3F)); out[2] = UInt8(0x80 | (cp & 0x3F))
            return 3
        }
        out[0] = UInt8(0xF0 | (cp >> 18)); out[1] = UInt8(0x80 | ((cp >> 12) & 0x3F))
        out[2] = UInt8(0x80 | ((cp >> 6) & 0x3F)); out[3] = UInt8(0x80 | (cp & 0x3F))
        return 4
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension JSONTokenizer {
    /// Scans a string whose opening quote is at `offset`, validating it, and consumes it.
    @usableFromInline
    mutating func scanString() throws(JSONError) -> JSONString {
        let open = offset
        let p = bytes, n = count
        var i = open + 1
        var escapes = false
        while true {
            // Eight plain bytes at a time: none of '"', '\\', < 0x20, >= 0x80.
            while i &+ 8 <= n {
                let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                let high: UInt64 = 0x8080_8080_8080_8080, ones: UInt64 = 0x0101_0101_0101_0101
                let q = w ^ 0x2222_2222_2222_2222, s = w ^ 0x5C5C_5C5C_5C5C_5C5C
                let special = (w | ((w &- 0x2020_2020_2020_2020) & ~w) | ((q &- ones) & ~q) | ((s &- ones) & ~s)) & high
                if special != 0 { break }
                i &+= 8
            }
            while i < n {
                let b = p[i]
                if b >= 0x20 && b < 0x80 && b != 0x22 && b != 0x5C { i &+= 1 } else { break }
            }
            guard i < n else { throw JSONError("unexpected end of input (unterminated string)", offset: n) }
            let b = p[i]
            if b == 0x22 {
                offset = i + 1
                return JSONString(start: p + open + 1, count: i - open - 1, hasEscapes: escapes, offset: open)
            }
            if b == 0x5C {
                escapes = true
                i = try validateEscape(at: i)
            } else if b < 0x20 {
                throw JSONError("control character in string (must be escaped)", offset: i)
            } else {
                i = try validateUTF8(at: i)
            }
        }
    }

    /// Validates the escape at `i` (a backslash) and returns the offset after it.
    @usableFromInline
    func validateEscape(at i: Int) throws(JSONError) -> Int {
        guard i + 1 < count else { throw JSONError("unexpected end of input (unterminated string)", offset: count) }
        switch bytes[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return i + 2
        case UInt8(ascii: "u"):
            guard i + 6 <= count, let cp = JSONTokenizer.hex4Checked(bytes + i + 2) else {
                throw JSONError("invalid \\u escape (expected 4 hex digits)", offset: i)
            }
            if cp >= 0xDC00 && cp <= 0xDFFF { throw JSONError("lone low surrogate in \\u escape", offset: i) }
            if cp >= 0xD800 && cp <= 0xDBFF {
                guard i + 12 <= count, bytes[i + 6] == UInt8(ascii: "\\"), bytes[i + 7] == UInt8(ascii: "u"),
                      let lo = JSONTokenizer.hex4Checked(bytes + i + 8), lo >= 0xDC00 && lo <= 0xDFFF else {
                    throw JSONError("lone high surrogate in \\u escape (expected a \\uDC00-\\uDFFF escape next)", offset: i)
                }
                return i + 12
            }
            return i + 6
        default:
            throw JSONError("invalid escape in string", offset: i)
        }
    }

    /// Validates the multi-byte UTF-8 sequence starting at `i` and returns the offset after it.
    @usableFromInline
    func validateUTF8(at i: Int) throws(JSONError) -> Int {
        let p = bytes, n = count
        let b0 = p[i]
        @inline(__always) func cont(_ j: Int) -> Bool { j < n && p[j] & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF:
            if cont(i + 1) { return i + 2 }
        case 0xE0:
            if i + 1 < n && p[i + 1] >= 0xA0 && p[i + 1] <= 0xBF && cont(i + 2) { return i + 3 }
        case 0xE1...0xEC, 0xEE...0xEF:
            if cont(i + 1) && cont(i + 2) { return i + 3 }
        case 0xED:
            if i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F && cont(i + 2) { return i + 3 }
        case 0xF0:
            if i + 1 < n && p[i + 1] >= 0x90 && p[i + 1] <= 0xBF && cont(i + 2) && cont(i + 3) { return i + 4 }
        case 0xF1...0xF3:
            if cont(i + 1) && cont(i + 2) && cont(i + 3) { return i + 4 }
        case 0xF4:
            if i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x8F && cont(i + 2) && cont(i + 3) { return i + 4 }
        default:
            break
        }
        throw JSONError("invalid UTF-8 in string", offset: i)
    }

    @inline(__always) static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c &- 48)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c &- 87)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c &- 55)
        default: return nil
        }
    }

    static func hex4Checked(_ p: UnsafePointer<UInt8>) -> UInt32? {
        guard let a = hexValue(p[0]), let b = hexValue(p[1]), let c = hexValue(p[2]), let d = hexValue(p[3]) else { return nil }
        return a << 12 | b << 8 | c << 4 | d
    }

    /// Four hex digits already validated.
    @usableFromInline static func hex4(_ p: UnsafePointer<UInt8>) -> UInt32 {
        hex4Checked(p) ?? 0
    }
}
