import OTLP

// MARK: - Label values (§2.3)

extension PrometheusLabels {
    /// The label value for an attribute value (reference `prometheus-compat.md` §2.3, wire
    /// reference B.15 — the Collector's `AsString`):
    ///
    /// | kind | text |
    /// |------|------|
    /// | string | as is |
    /// | bool | `true` / `false` |
    /// | int | decimal (`-42`) |
    /// | double | ECMAScript `Number::toString` (`javaScriptNumber`): `1.5`, `1e-7`, `1e+21`, `NaN`, `Infinity` |
    /// | bytes | standard base64 with padding |
    /// | json (array/kvlist) | the JSON text the decoder rendered, as is |
    /// | empty | `""` (the label is then omitted, see `labels(from:)`) |
    ///
    /// Doubles are spelled the JavaScript way, not Go's `'g'` (which the exposition uses for
    /// sample values): the reference prescribes it for attribute values, and it matches the
    /// numbers inside rendered arrays/kvlists. Copies the borrowed bytes.
    static func labelValue(_ value: AttributeValue) -> String {
        switch value {
        case .string(let s): s.string
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): javaScriptNumber(d)
        case .bytes(let b): base64(b.buffer)
        case .json(let j): j.string
        case .empty: ""
        }
    }

    /// ECMAScript `Number::toString(x)` (what Go's `encoding/json` and the Collector produce):
    /// shortest round-trip digits; plain notation for 1e-6 ≤ |x| < 1e21 (`0.000001`,
    /// `100000000000000000000`), otherwise `d[.ddd]e±x` with no exponent padding (`1e-7`,
    /// `1.5e+21`); both zeros as `0`; `NaN`, `Infinity`, `-Infinity`.
    ///
    /// Aggregation cannot import Exposition (whose formatter is Go-`'g'` style anyway), so this
    /// re-spells Swift's own shortest round-trip `description` ("1.0", "1e-05", "1.5e+20").
    /// Cost: two small allocations; called once per new series.
    static func javaScriptNumber(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == 0 { return "0" }

        // Digits and decimal exponent of |d| from Swift's description: value = 0.digits × 10^n.
        var digits: [UInt8] = []
        var pointPosition: Int? = nil
        var exponent = 0
        let text = Array(d.magnitude.description.utf8)
        var i = 0
        while i < text.count {
            let c = text[i]
            if c == UInt8(ascii: ".") {
                pointPosition = digits.count
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                var j = i + 1
                var negative = false
                if j < text.count, text[j] == UInt8(ascii: "-") { negative = true; j += 1 }
                else if j < text.count, text[j] == UInt8(ascii: "+") { j += 1 }
                while j < text.count { exponent = exponent * 10 + Int(text[j] &- UInt8(ascii: "0")); j += 1 }
                if negative { exponent = -exponent }
                break
            } else {
                digits.append(c)
            }
            i += 1
        }
        var n = (pointPosition ?? digits.count) + exponent
        while digits.first == UInt8(ascii: "0") { digits.removeFirst(); n -= 1 }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        let k = digits.count

        var out: [UInt8] = []
        out.reserveCapacity(k + 24)
        if d < 0 { out.append(UInt8(ascii: "-")) }
        if k <= n && n <= 21 {                      // integer: digits then zeros
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: n - k))
        } else if 0 < n && n <= 21 {                // dd.ddd
            out.append(contentsOf: digits[..<n])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[n...])
        } else if -6 < n && n <= 0 {                // 0.000ddd
            out.append(UInt8(ascii: "0")); out.append(UInt8(ascii: "."))
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -n))
            out.append(contentsOf: digits)
        } else {                                    // d.ddde±x
            out.append(digits[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            let e = n - 1
            out.append(UInt8(ascii: "e"))
            out.append(e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            out.append(contentsOf: String(e.magnitude).utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Standard base64 (RFC 4648 §4, alphabet `A–Z a–z 0–9 + /`, `=` padding).
    static func base64(_ bytes: UnsafeRawBufferPointer) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)]); out.append(alphabet[Int(v & 63)])
            i += 3
        }
        switch bytes.count - i {
        case 1:
            let v = UInt32(bytes[i]) << 16
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(UInt8(ascii: "=")); out.append(UInt8(ascii: "="))
        case 2:
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)]); out.append(UInt8(ascii: "="))
        default:
            break
        }
        return String(decoding: out, as: UTF8.self)
    }
}
