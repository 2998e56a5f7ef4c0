/// PromQL string literals, lexed as Prometheus' lexer (`lexString`, `lexEscape`, `lexRawString`)
/// and unquoted as its `strutil.Unquote`:
///
/// - `"…"` and `'…'`: Go escapes `\a \b \f \n \r \t \v \\`, the escaped delimiter (`\"` in
///   double quotes, `\'` in single quotes; the other one is an unknown escape), `\xHH` and `\NNN`
///   (octal, at most `\377`) for single bytes, `\uHHHH` and `\UHHHHHHHH` for code points (no
///   surrogates). A raw newline ends the string with an error.
/// - `` `…` ``: raw, no escapes, may span lines.
///
/// Byte escapes may spell multi-byte UTF-8 (`"\xc3\xa9"` is `é`); a value that is not valid
/// UTF-8 after unescaping is rejected, since label values are UTF-8.
enum PromQLStringLiteral {
    /// A lexed literal.
    struct Token {
        /// The unescaped value.
        var value: String
        /// Offset just after the closing delimiter.
        var end: Int
        /// True when the value is byte-for-byte the text between the delimiters (no escapes), so
        /// an offset inside the value maps to `start + 1 + offset` in the selector text.
        var verbatim: Bool
    }

    static func isQuote(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") || b == UInt8(ascii: "`")
    }

    /// Lexes the literal whose opening delimiter is at `start`.
    static func lex(_ text: [UInt8], at start: Int) throws(SelectorError) -> Token {
        let quote = text[start]
        var i = start + 1
        var value: [UInt8] = []
        var verbatim = true
        if quote == UInt8(ascii: "`") {
            guard let close = text[i...].firstIndex(of: quote) else {
                throw SelectorError(offset: start, message: "unterminated raw string")
            }
            return Token(value: String(decoding: text[i..<close], as: UTF8.self), end: close + 1, verbatim: true)
        }
        while true {
            guard i < text.count, text[i] != UInt8(ascii: "\n") else {
                throw SelectorError(offset: start, message: "unterminated quoted string")
            }
            let b = text[i]
            if b == quote { break }
            if b != UInt8(ascii: "\\") {
                value.append(b)
                i += 1
                continue
            }
            verbatim = false
            i = try unescape(text, at: i, quote: quote, into: &value)
        }
        guard let string = String(validating: value, as: UTF8.self) else {
            throw SelectorError(offset: start, message: "string is not valid UTF-8 after unescaping (\\x and octal escapes give single bytes)")
        }
        return Token(value: string, end: i + 1, verbatim: verbatim)
    }

    /// Decodes the escape whose backslash is at `at`, appending its bytes; returns the offset
    /// after it.
    private static func unescape(_ text: [UInt8], at escape: Int, quote: UInt8, into value: inout [UInt8]) throws(SelectorError) -> Int {
        var i = escape + 1
        guard i < text.count else {
            throw SelectorError(offset: escape, message: "escape sequence not terminated")
        }
        let c = text[i]
        i += 1
        let digits: Int, base: UInt32, limit: UInt32
        var firstDigit: UInt8? = nil
        switch c {
        case UInt8(ascii: "a"): value.append(0x07); return i
        case UInt8(ascii: "b"): value.append(0x08); return i
        case UInt8(ascii: "f"): value.append(0x0C); return i
        case UInt8(ascii: "n"): value.append(0x0A); return i
        case UInt8(ascii: "r"): value.append(0x0D); return i
        case UInt8(ascii: "t"): value.append(0x09); return i
        case UInt8(ascii: "v"): value.append(0x0B); return i
        case UInt8(ascii: "\\"): value.append(c); return i
        case quote: value.append(c); return i
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            (digits, base, limit) = (3, 8, 255)
            firstDigit = c
        case UInt8(ascii: "x"): (digits, base, limit) = (2, 16, 255)
        case UInt8(ascii: "u"): (digits, base, limit) = (4, 16, 0x10FFFF)
        case UInt8(ascii: "U"): (digits, base, limit) = (8, 16, 0x10FFFF)
        case UInt8(ascii: "\n"):
            throw SelectorError(offset: escape, message: "unterminated quoted string")
        default:
            let scalar = UTF8Decoding.decode(text, at: i - 1).scalar
            throw SelectorError(offset: escape, message: "unknown escape sequence \(describe(scalar))")
        }
        var x: UInt32 = 0
        var remaining = digits
        if let firstDigit {
            x = UInt32(firstDigit - 0x30)
            remaining -= 1
        }
        while remaining > 0 {
            guard i < text.count else {
                throw SelectorError(offset: escape, message: "escape sequence not terminated")
            }
            let d = digitValue(text[i])
            guard d < base else {
                let scalar = UTF8Decoding.decode(text, at: i).scalar
                throw SelectorError(offset: escape, message: "illegal character \(describe(scalar)) in escape sequence")
            }
            x = x * base + d
            i += 1
            remaining -= 1
        }
        guard x <= limit, !(0xD800..<0xE000).contains(x) else {
            throw SelectorError(offset: escape, message: "escape sequence is an invalid Unicode code point")
        }
        if c == UInt8(ascii: "u") || c == UInt8(ascii: "U") {
            value += UTF8Decoding.encode(x) ?? []
        } else {
            value.append(UInt8(x))
        }
        return i
    }

    private static func digitValue(_ b: UInt8) -> UInt32 {
        switch b {
        case 0x30...0x39: UInt32(b - 0x30)
        case 0x41...0x46: UInt32(b - 0x41 + 10)
        case 0x61...0x66: UInt32(b - 0x61 + 10)
        default: 16
        }
    }

    /// `U+0071 'q'` (Go's `%#U`), without the quoted character when it is not printable.
    static func describe(_ c: UInt32) -> String {
        var hex = String(c, radix: 16, uppercase: true)
        hex = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        guard let scalar = Unicode.Scalar(c), SeriesSelector.isPrintable(scalar) else { return "U+" + hex }
        return "U+\(hex) '\(Character(scalar))'"
    }
}
