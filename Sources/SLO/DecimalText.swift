/// Exact conversions between decimal text and fixed-point integers, so that an objective written
/// `99.9` is held as exactly 999,000,000 parts per billion and printed back as `99.9`, never as
/// `99.90000000000001`.
enum DecimalText {
    /// Parses unsigned decimal text `DIGITS[.DIGITS]` into `value × 10^fractionDigits`.
    ///
    /// Returns nil when the text is not of that form, when it has more significant fraction
    /// digits than `fractionDigits` (trailing zeros beyond it are fine), or when the integer part
    /// exceeds 10^12. No exponent, sign or whitespace is accepted.
    static func parseFixed(_ text: String, fractionDigits: Int) -> Int64? {
        precondition(fractionDigits >= 0 && fractionDigits <= 12)
        var integer: Int64 = 0
        var fraction: Int64 = 0
        var fractionCount = 0
        var integerDigits = 0
        var fractionSeen = 0
        var seenDot = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                if seenDot { return nil }
                seenDot = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int64(byte &- UInt8(ascii: "0"))
            if seenDot {
                fractionSeen += 1
                if fractionCount == fractionDigits {
                    if digit != 0 { return nil }
                    continue
                }
                fraction = fraction * 10 + digit
                fractionCount += 1
            } else {
                integerDigits += 1
                integer = integer * 10 + digit
                if integer > 1_000_000_000_000 { return nil }
            }
        }
        guard integerDigits > 0, !seenDot || fractionSeen > 0 else { return nil }
        for _ in fractionCount..<fractionDigits { fraction *= 10 }
        return integer * pow10(fractionDigits) + fraction
    }

    /// Renders `value / 10^fractionDigits` as the shortest exact decimal: `999000000, 9` →
    /// `0.999`; `950000000, 7` → `95`; negative values get a leading `-`.
    static func render(_ value: Int64, fractionDigits: Int) -> String {
        precondition(fractionDigits >= 0 && fractionDigits <= 18)
        let negative = value < 0
        let magnitude = value.magnitude
        let scale = UInt64(pow10(fractionDigits))
        let integer = magnitude / scale
        var fraction = magnitude % scale
        var text = negative ? "-" : ""
        text += String(integer)
        guard fraction != 0 else { return text }
        var digits = fractionDigits
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let fractionText = String(fraction)
        text += "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
        return text
    }

    static func pow10(_ n: Int) -> Int64 {
        var p: Int64 = 1
        for _ in 0..<n { p *= 10 }
        return p
    }
}
