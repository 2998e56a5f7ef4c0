/// JSON text for `arrayValue`/`kvlistValue` attributes, appended to the decoder's byte arena.
/// Cold path (only container attributes use it), so clarity beats speed here.
extension ScratchBuffer where Element == UInt8 {
    mutating func appendStatic(_ s: StaticString) {
        reserve(s.utf8CodeUnitCount)
        s.withUTF8Buffer { for b in $0 { append(b) } }
    }

    mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count)
        for b in bytes { append(b) }
    }

    /// A JSON string literal. `bytes` must be valid UTF-8 (it is copied as is, except `"`, `\`
    /// and control characters, which are escaped).
    mutating func appendJSONString(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count + 2)
        append(UInt8(ascii: "\""))
        for b in bytes {
            switch b {
            case UInt8(ascii: "\""): append(UInt8(ascii: "\\")); append(b)
            case UInt8(ascii: "\\"): append(UInt8(ascii: "\\")); append(b)
            case 0x0A: append(UInt8(ascii: "\\")); append(UInt8(ascii: "n"))
            case 0x0D: append(UInt8(ascii: "\\")); append(UInt8(ascii: "r"))
            case 0x09: append(UInt8(ascii: "\\")); append(UInt8(ascii: "t"))
            case 0x08: append(UInt8(ascii: "\\")); append(UInt8(ascii: "b"))
            case 0x0C: append(UInt8(ascii: "\\")); append(UInt8(ascii: "f"))
            case 0..<0x20:
                appendStatic("\\u00")
                append(Self.hexDigit(b >> 4))
                append(Self.hexDigit(b & 0xF))
            default: append(b)
            }
        }
        append(UInt8(ascii: "\""))
    }

    static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10 }

    mutating func appendDecimal(_ value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        appendDecimal(value.magnitude)
    }

    mutating func appendDecimal(_ value: UInt64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes ≥ 20 digits
        var n = 0
        var v = value
        withUnsafeMutableBytes(of: &digits) { buf in
            repeat {
                buf[n] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                n += 1
            } while v != 0
            reserve(n)
            for i in stride(from: n - 1, through: 0, by: -1) { append(buf[i]) }
        }
    }

    /// A double as a JSON value: ECMAScript `Number::toString` (as Go's encoding/json): the
    /// shortest round-trip digits, plain for 1e-6 ≤ |x| < 1e21, else `d.ddde±x`; both zeros
    /// as `0`. NaN and ±Inf (not representable in JSON) become the strings `"NaN"`,
    /// `"Infinity"`, `"-Infinity"` (OTel "AnyValue representation for non-OTLP protocols").
    mutating func appendJSONDouble(_ d: Double) {
        if d.isNaN { appendStatic("\"NaN\""); return }
        if d.isInfinite { appendStatic(d < 0 ? "\"-Infinity\"" : "\"Infinity\""); return }
        if d == 0 { append(UInt8(ascii: "0")); return }
        // Swift's description has the shortest round-trip digits, in its own layout
        // ("1.0", "0.001", "1e-05", "1.5e+20"): extract digits and the decimal exponent.
        var digits: [UInt8] = []
        var pointPosition: Int? = nil      // digits before '.'
        var exponent = 0
        var negative = false
        var text = d.description
        text.withUTF8 { utf8 in
            var i = 0
            if utf8[0] == UInt8(ascii: "-") { negative = true; i = 1 }
            while i < utf8.count {
                let c = utf8[i]
                if c == UInt8(ascii: ".") {
                    pointPosition = digits.count
                } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                    var j = i + 1
                    var expNegative = false
                    if utf8[j] == UInt8(ascii: "-") { expNegative = true; j += 1 } else if utf8[j] == UInt8(ascii: "+") { j += 1 }
                    while j < utf8.count { exponent = exponent * 10 + Int(utf8[j] - UInt8(ascii: "0")); j += 1 }
                    if expNegative { exponent = -exponent }
                    break
                } else {
                    digits.append(c)
                }
                i += 1
            }
        }
        // value = 0.d1d2…dk × 10^n  (ECMAScript's k and n)
        var n = (pointPosition ?? digits.count) + exponent
        while let f = digits.first, f == UInt8(ascii: "0") { digits.removeFirst(); n -= 1 }
        while let l = digits.last, l == UInt8(ascii: "0") { digits.removeLast() }
        let k = digits.count
        if negative { append(UInt8(ascii: "-")) }
        if k <= n && n <= 21 {
            for c in digits { append(c) }
            for _ in 0..<(n - k) { append(UInt8(ascii: "0")) }
        } else if 0 < n && n <= 21 {
            for c in digits[0..<n] { append(c) }
            append(UInt8(ascii: "."))
            for c in digits[n...] { append(c) }
        } else if -6 < n && n <= 0 {
            append(UInt8(ascii: "0")); append(UInt8(ascii: "."))
            for _ in 0..<(-n) { append(UInt8(ascii: "0")) }
            for c in digits { append(c) }
        } else {
            append(digits[0])
            if k > 1 {
                append(UInt8(ascii: "."))
                for c in digits[1...] { append(c) }
            }
            append(UInt8(ascii: "e"))
            let e = n - 1
            append(e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            appendDecimal(UInt64(e.magnitude))
        }
    }

    /// Standard base64 (RFC 4648, with padding) as a JSON string.
    mutating func appendBase64String(_ bytes: UnsafeRawBufferPointer) {
        let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        let table = alphabet.utf8Start
        reserve((bytes.count + 2) / 3 * 4 + 2)
        append(UInt8(ascii: "\""))
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            append(table[Int(v >> 18 & 63)]); append(table[Int(v >> 12 & 63)])
            append(table[Int(v >> 6 & 63)]); append(table[Int(v & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let v = UInt32(bytes[i]) << 16
            append(table[Int(v >> 18 & 63)]); append(table[Int(v >> 12 & 63)])
            append(UInt8(ascii: "=")); append(UInt8(ascii: "="))
        } else if rest == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            append(table[Int(v >> 18 & 63)]); append(table[Int(v >> 12 & 63)])
            append(table[Int(v >> 6 & 63)]); append(UInt8(ascii: "="))
        }
        append(UInt8(ascii: "\""))
    }
}
