/// Single- and double-quoted scalars, which may span lines.
extension YAMLParser {
    /// Parses a quoted scalar starting at its opening quote.
    ///
    /// Line breaks fold as YAML specifies: trailing and leading whitespace around a break is
    /// dropped, a single break becomes a space, and each empty line becomes `\n`. In double quotes
    /// `\` at the end of a line joins the lines without a space.
    ///
    /// - Parameter blockIndent: continuation lines must be indented more than this.
    mutating func parseQuotedScalar(blockIndent: Int) throws(YAMLError) -> YAMLNode {
        let open = mark
        let quote = peek()
        let double = quote == .doubleQuote
        advance()
        var out: [UInt8] = []
        // Length of `out` up to its last character that is not unescaped whitespace.
        var keep = 0
        while true {
            if atEnd { throw unterminated(double: double, open: open) }
            let byte = peek()
            if byte == quote {
                if !double && peek(1) == .singleQuote {
                    out.append(.singleQuote)
                    advance(2)
                    keep = out.count
                    continue
                }
                advance()
                break
            }
            if double && byte == .backslash {
                if peek(1) == .newline {
                    advance()  // '\\'; whitespace before it is kept
                    try foldLineBreak(into: &out, escaped: true, blockIndent: blockIndent, double: double, open: open)
                    keep = out.count
                    continue
                }
                try parseEscape(into: &out)
                keep = out.count
                continue
            }
            if byte == .newline {
                out.removeSubrange(keep...)
                try foldLineBreak(into: &out, escaped: false, blockIndent: blockIndent, double: double, open: open)
                keep = out.count
                continue
            }
            out.append(byte)
            advance()
            if byte != .space && byte != .tab { keep = out.count }
        }
        let text = String(decoding: out, as: UTF8.self)
        return YAMLNode(.scalar(text, style: double ? .doubleQuoted : .singleQuoted), line: open.line, column: open.column)
    }

    private func unterminated(double: Bool, open: Mark) -> YAMLError {
        error(double ? "unterminated double-quoted scalar (missing closing \")"
                     : "unterminated single-quoted scalar (missing closing ')", at: open)
    }

    /// At a line break inside quotes: consumes it, the empty lines after it and the next line's
    /// leading whitespace, and appends the folded result.
    private mutating func foldLineBreak(
        into out: inout [UInt8], escaped: Bool, blockIndent: Int, double: Bool, open: Mark
    ) throws(YAMLError) {
        advance()  // '\n'
        var breaks = 0
        while true {
            if atDocumentMarker { throw unterminated(double: double, open: open) }
            while peek() == .space || peek() == .tab { advance() }
            if atEnd { throw unterminated(double: double, open: open) }
            guard peek() == .newline else { break }
            breaks += 1
            advance()
        }
        if column - 1 <= blockIndent {
            throw error("line is not indented enough to continue the quoted scalar that starts at \(open.line):\(open.column)")
        }
        if breaks == 0 {
            if !escaped { out.append(.space) }
        } else {
            out.append(contentsOf: repeatElement(UInt8.newline, count: breaks))
        }
    }

    /// Parses one escape sequence starting at `\` and appends its UTF-8 encoding.
    private mutating func parseEscape(into out: inout [UInt8]) throws(YAMLError) {
        let start = mark
        advance()  // '\'
        let code = peek()
        let simple: UInt32?
        switch code {
        case UInt8(ascii: "0"): simple = 0x00
        case UInt8(ascii: "a"): simple = 0x07
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "t"), .tab: simple = 0x09
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "v"): simple = 0x0B
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "e"): simple = 0x1B
        case .space: simple = 0x20
        case .doubleQuote: simple = 0x22
        case UInt8(ascii: "/"): simple = 0x2F
        case .backslash: simple = 0x5C
        case UInt8(ascii: "N"): simple = 0x85
        case UInt8(ascii: "_"): simple = 0xA0
        case UInt8(ascii: "L"): simple = 0x2028
        case UInt8(ascii: "P"): simple = 0x2029
        default: simple = nil
        }
        if let simple {
            advance()
            appendUTF8(simple, to: &out)
            return
        }
        let digits: Int
        switch code {
        case UInt8(ascii: "x"): digits = 2
        case UInt8(ascii: "u"): digits = 4
        case UInt8(ascii: "U"): digits = 8
        case 0: throw error("unterminated double-quoted scalar (missing closing \")", at: start)
        default:
            if code >= 0x21 && code <= 0x7E {
                throw error("unknown escape sequence \\\(Character(Unicode.Scalar(code)))", at: start)
            }
            throw error("unknown escape sequence", at: start)
        }
        let letter = Character(Unicode.Scalar(code))
        advance()
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let digit = hexDigitValue(peek()) else {
                throw error("expected \(digits) hexadecimal digits after \\\(letter)", at: start)
            }
            value = value << 4 | digit
            advance()
        }
        guard Unicode.Scalar(value) != nil else {
            throw error("\\\(letter)\(YAMLInput.hex(value, width: digits)) is not a valid Unicode scalar value", at: start)
        }
        appendUTF8(value, to: &out)
    }
}

func hexDigitValue(_ byte: UInt8) -> UInt32? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
    default: return nil
    }
}

/// Appends the UTF-8 encoding of a valid Unicode scalar value.
func appendUTF8(_ value: UInt32, to out: inout [UInt8]) {
    guard let scalar = Unicode.Scalar(value) else { return }
    UTF8.encode(scalar) { out.append($0) }
}
