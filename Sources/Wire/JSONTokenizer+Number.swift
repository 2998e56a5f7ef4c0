#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A number token: its bytes, borrowed from the document, already checked against the RFC 8259
/// grammar. Convert with `uint64`, `int64` (exact; no `Double` round trip) or `double`
/// (correctly rounded).
public struct JSONNumber {
    public let start: UnsafePointer<UInt8>
    public let count: Int
    /// No fraction and no exponent.
    public let isInteger: Bool
    /// Offset of the first byte in the document.
    public let offset: Int

    @inlinable init(start: UnsafePointer<UInt8>, count: Int, isInteger: Bool, offset: Int) {
        self.start = start; self.count = count; self.isInteger = isInteger; self.offset = offset
    }

    @inlinable public var raw: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: start, count: count) }

    /// The value as UInt64; nil for a sign, a fraction, an exponent or overflow.
    @inlinable public var uint64: UInt64? { isInteger ? JSONNumberParsing.uint64(raw) : nil }
    /// The value as Int64; nil for a fraction, an exponent or overflow.
    @inlinable public var int64: Int64? { isInteger ? JSONNumberParsing.int64(raw) : nil }
    /// The value as the nearest Double (±infinity beyond the range).
    @inlinable public var double: Double { JSONNumberParsing.double(raw) ?? .nan }
}

/// Exact text-to-number conversions, usable on number tokens and on the contents of strings
/// (proto3 JSON carries 64-bit integers as decimal strings). None allocate.
public enum JSONNumberParsing {
    /// Decimal digits only (leading zeros allowed, at least one digit) → UInt64; nil on any other
    /// byte (sign, '.', 'e') or overflow.
    public static func uint64(_ b: UnsafeRawBufferPointer) -> UInt64? {
        guard let base = b.baseAddress, b.count > 0 else { return nil }
        let p = base.assumingMemoryBound(to: UInt8.self)
        var i = 0
        let n = b.count
        while i < n - 1 && p[i] == UInt8(ascii: "0") { i += 1 }   // leading zeros (strings only)
        let digits = n - i
        if digits > 20 { return nil }
        var v: UInt64 = 0
        if digits < 20 {
            while i < n {
                let d = p[i] &- 48
                if d > 9 { return nil }
                v = v &* 10 &+ UInt64(d)
                i += 1
            }
            return v
        }
        while i < n {
            let d = p[i] &- 48
            if d > 9 { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            v = a
            i += 1
        }
        return v
    }

    /// Optional '-' then decimal digits → Int64; nil otherwise or on overflow.
    public static func int64(_ b: UnsafeRawBufferPointer) -> Int64? {
        guard let base = b.baseAddress, b.count > 0 else { return nil }
        if base.load(as: UInt8.self) == UInt8(ascii: "-") {
            guard let m = uint64(UnsafeRawBufferPointer(start: base + 1, count: b.count - 1)) else { return nil }
            if m <= UInt64(Int64.max) { return -Int64(m) }
            if m == UInt64(Int64.max) + 1 { return Int64.min }
            return nil
        }
        guard let m = uint64(b), m <= UInt64(Int64.max) else { return nil }
        return Int64(m)
    }

    /// Checks the RFC 8259 number grammar over all of `b`: nil if `b` is not a JSON number,
    /// else whether it is an integer (no fraction or exponent).
    public static func isInteger(_ b: UnsafeRawBufferPointer) -> Bool? {
        guard let base = b.baseAddress, b.count > 0 else { return nil }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let (end, isInteger, err) = scan(p, 0, b.count)
        if err != nil || end != b.count { return nil }
        return isInteger
    }

    /// Scans a number at `i`; returns the end offset, whether it is an integer, and an error
    /// message (nil if fine) with the end pointing at the offending byte.
    @usableFromInline
    static func scan(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> (Int, Bool, String?) {
        var i = start
        @inline(__always) func digit(_ j: Int) -> Bool { j < n && p[j] &- 48 < 10 }
        if i < n && p[i] == UInt8(ascii: "-") { i += 1 }
        if i < n && p[i] == UInt8(ascii: "0") {
            i += 1
            if digit(i) { return (i, true, "leading zeros are not allowed in numbers") }
        } else if digit(i) {
            i += 1
            while digit(i) { i += 1 }
        } else {
            return (i, true, "expected a digit")
        }
        var isInteger = true
        if i < n && p[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard digit(i) else { return (i, false, "expected a digit after '.'") }
            while digit(i) { i += 1 }
        }
        if i < n && (p[i] | 0x20) == UInt8(ascii: "e") {
            isInteger = false
            i += 1
            if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
            guard digit(i) else { return (i, false, "expected a digit in the exponent") }
            while digit(i) { i += 1 }
        }
        return (i, isInteger, nil)
    }

    /// A JSON number (RFC 8259 grammar, whole buffer) → the correctly rounded Double; nil if `b`
    /// is not a JSON number. Values beyond the range become ±infinity, tiny ones ±0.
    ///
    /// Fast path (Clinger): ≤ 19 significant digits with a mantissa ≤ 2^53 and a decimal
    /// exponent within ±22 is one exact IEEE operation. Anything else goes to `strtod` on a
    /// NUL-terminated stack copy (the process must use the "C" numeric locale, which Swift
    /// programs do unless they call `setlocale`).
    public static func double(_ b: UnsafeRawBufferPointer) -> Double? {
        guard let base = b.baseAddress, b.count > 0 else { return nil }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let n = b.count
        var i = 0
        let negative = p[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        var mantissa: UInt64 = 0
        var significant = 0
        var exp10 = 0
        var truncated = false
        var sawDigit = false
        // Integer part.
        if i < n && p[i] == UInt8(ascii: "0") {
            i += 1
            sawDigit = true
            if i < n && p[i] &- 48 < 10 { return nil }
        } else {
            while i < n {
                let d = p[i] &- 48
                if d > 9 { break }
                sawDigit = true
                if significant < 19 { mantissa = mantissa &* 10 &+ UInt64(d); significant += 1 } else { exp10 += 1; if d != 0 { truncated = true } }
                i += 1
            }
        }
        if !sawDigit { return nil }
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            var fracDigits = 0
            while i < n {
                let d = p[i] &- 48
                if d > 9 { break }
                fracDigits += 1
                if mantissa == 0 && d == 0 { exp10 -= 1 }
                else if significant < 19 { mantissa = mantissa &* 10 &+ UInt64(d); significant += 1; exp10 -= 1 }
                else if d != 0 { truncated = true }
                i += 1
            }
            if fracDigits == 0 { return nil }
        }
        if i < n && (p[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            var expNegative = false
            if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { expNegative = p[i] == UInt8(ascii: "-"); i += 1 }
            var e = 0, expDigits = 0
            while i < n {
                let d = p[i] &- 48
                if d > 9 { break }
                if e < 100_000 { e = e * 10 + Int(d) }
                expDigits += 1
                i += 1
            }
            if expDigits == 0 { return nil }
            exp10 += expNegative ? -e : e
        }
        if i != n { return nil }
        if mantissa == 0 && !truncated { return negative ? -0.0 : 0.0 }
        if !truncated && mantissa <= 1 << 53 && exp10 >= -22 && exp10 <= 22 {
            var v = Double(mantissa)
            if exp10 < 0 { v /= powersOfTen[-exp10] } else if exp10 > 0 { v *= powersOfTen[exp10] }
            return negative ? -v : v
        }
        return slowDouble(p, n)
    }

    static let powersOfTen: [Double] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

    static func slowDouble(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { tmp in
            let t = tmp.baseAddress!
            UnsafeMutableRawPointer(t).copyMemory(from: p, byteCount: n)
            t[n] = 0
            return strtod(t, nil)
        }
    }
}

extension JSONTokenizer {
    /// Scans a number at `offset` and consumes it.
    @usableFromInline
    mutating func scanNumber() throws(JSONError) -> JSONNumber {
        let s = offset
        let (end, isInteger, err) = JSONNumberParsing.scan(bytes, s, count)
        if let err { throw error(err, at: end) }
        offset = end
        return JSONNumber(start: bytes + s, count: end - s, isInteger: isInteger, offset: s)
    }
}
