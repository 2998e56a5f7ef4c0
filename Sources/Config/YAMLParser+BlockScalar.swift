/// Block scalars: literal `|` and folded `>`, with chomping and indentation indicators.
extension YAMLParser {
    private enum Chomping {
        /// `-`: no final line break.
        case strip
        /// default: one final line break.
        case clip
        /// `+`: every trailing line break.
        case keep
    }

    /// Parses a block scalar starting at its `|` or `>`; leaves the cursor in the leading spaces
    /// of the first line after it (or at the end).
    ///
    /// The content indentation is `max(parentIndent, 0) + m` with an explicit indicator `m`,
    /// otherwise the indentation of the first non-empty line (which must be more than
    /// `parentIndent`). Folding follows YAML 1.2: lines break into spaces except around empty
    /// and more-indented lines.
    mutating func parseBlockScalar(parentIndent: Int) throws(YAMLError) -> YAMLNode {
        let start = mark
        let folded = peek() == .greaterThan
        advance()
        var chomping: Chomping?
        var explicitIndent: Int?
        for _ in 0..<2 {
            let byte = peek()
            if chomping == nil && (byte == .plus || byte == .hyphen) {
                chomping = byte == .plus ? .keep : .strip
                advance()
            } else if explicitIndent == nil && byte >= UInt8(ascii: "1") && byte <= UInt8(ascii: "9") {
                explicitIndent = Int(byte - UInt8(ascii: "0"))
                advance()
            } else if byte == UInt8(ascii: "0") {
                throw error("a block scalar indentation indicator must be 1-9")
            }
        }
        guard peek().isBlankOrEnd, skipSpaceAndComment() else {
            throw error("invalid block scalar header: expected '+' or '-' (chomping), 1-9 (indentation), a comment or the line end")
        }
        let style: YAMLNode.ScalarStyle = folded ? .folded : .literal
        guard !atEnd else {
            return YAMLNode(.scalar("", style: style), line: start.line, column: start.column)
        }
        advance()  // '\n'

        let indent: Int
        if let explicitIndent {
            indent = max(parentIndent, 0) + explicitIndent
        } else {
            indent = try detectBlockScalarIndent(parentIndent: parentIndent)
        }

        var out: [UInt8] = []
        var breaks = try consumeBlockScalarBreaks(indent: indent)
        var lineBreak = false
        while atBlockScalarContent(indent: indent) {
            out.append(contentsOf: repeatElement(UInt8.newline, count: breaks))
            let leadingNonSpace = peek() != .space && peek() != .tab
            let lineStart = offset
            skipToLineEnd()
            out.append(contentsOf: bytes[lineStart..<offset])
            lineBreak = !atEnd
            if lineBreak { advance() }
            breaks = try consumeBlockScalarBreaks(indent: indent)
            guard atBlockScalarContent(indent: indent) else { break }
            if folded && leadingNonSpace && peek() != .space && peek() != .tab {
                if breaks == 0 { out.append(.space) }
            } else {
                out.append(.newline)
            }
        }
        if chomping != .strip && lineBreak { out.append(.newline) }
        if chomping == .keep { out.append(contentsOf: repeatElement(UInt8.newline, count: breaks)) }
        let text = String(decoding: out, as: UTF8.self)
        return YAMLNode(.scalar(text, style: style), line: start.line, column: start.column)
    }

    /// True when the cursor stands at the content indentation of a content line.
    private func atBlockScalarContent(indent: Int) -> Bool {
        column - 1 == indent && !atEnd && !(indent == 0 && atDocumentMarker)
    }

    /// From a line start, skips up to `indent` spaces of each empty line and counts those lines;
    /// stops in the leading spaces of the first non-empty line.
    private mutating func consumeBlockScalarBreaks(indent: Int) throws(YAMLError) -> Int {
        var breaks = 0
        while true {
            while column - 1 < indent && peek() == .space { advance() }
            guard peek() == .newline else { return breaks }
            breaks += 1
            advance()
        }
    }

    /// Finds the indentation of the first non-empty line without moving the cursor.
    private func detectBlockScalarIndent(parentIndent: Int) throws(YAMLError) -> Int {
        var index = offset
        var lineNumber = line
        var maxEmpty = 0
        var maxEmptyLine = line
        while index < bytes.count {
            var spaces = 0
            while index < bytes.count && bytes[index] == .space {
                spaces += 1
                index += 1
            }
            if index < bytes.count && bytes[index] == .newline {
                if spaces > maxEmpty {
                    maxEmpty = spaces
                    maxEmptyLine = lineNumber
                }
                index += 1
                lineNumber += 1
                continue
            }
            if index >= bytes.count { break }
            // First non-empty line.
            var isMarker = false
            if spaces == 0 && index + 2 < bytes.count {
                let byte = bytes[index]
                isMarker = (byte == .hyphen || byte == .period)
                    && bytes[index + 1] == byte && bytes[index + 2] == byte
                    && (index + 3 == bytes.count || bytes[index + 3].isBlankOrEnd)
            }
            if spaces <= parentIndent || isMarker { break }
            if maxEmpty > spaces {
                throw YAMLError(line: maxEmptyLine, column: 1,
                                message: "a leading empty line of the block scalar has more spaces (\(maxEmpty)) than its first non-empty line (\(spaces))")
            }
            return spaces
        }
        return max(parentIndent + 1, maxEmpty)
    }
}
