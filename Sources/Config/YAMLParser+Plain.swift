/// Plain (unquoted) scalars, on one line or folded over several (YAML 1.2, 7.3.3). YAML
/// libraries (PyYAML, Go's yaml.v2) write long strings folded this way.
extension YAMLParser {
    /// Scans a plain scalar starting at the cursor (the caller has checked with
    /// `rejectUnsupportedNodeStart` that one may start here).
    ///
    /// A line of it stops before `: ` (or `:` at the line end), before ` #`, at the line end, and
    /// in flow context also before `,[]{}` and before `:` followed by one of them. Only at a line
    /// end does the scalar continue, on the next non-empty line, if that line is indented more
    /// than `blockIndent` and is not a comment, not a document marker and (in flow context) does
    /// not start with a flow indicator or a `:` indicator. Lines fold as YAML specifies: white
    /// space around a break is dropped, a single break becomes a space and each empty line a
    /// `\n`. The cursor ends after the last line's content and trailing white space.
    ///
    /// - Parameter blockIndent: indentation of the enclosing block collection (-1 at the root).
    /// - Throws: in block context, when a continuation line holds a `: ` indicator: it is either
    ///   an over-indented mapping key or a value that needs quotes, and YAML allows neither.
    mutating func scanPlainScalar(flow: Bool, blockIndent: Int) throws(YAMLError) -> YAMLNode {
        let start = mark
        let first = scanPlainLine(flow: flow)
        guard !first.isEmpty else {
            throw error("expected a value", at: start)
        }
        var text = Array(bytes[first])
        var lineStart = start
        while atLineEnd, let breaks = skipToPlainContinuation(flow: flow, blockIndent: blockIndent) {
            if breaks == 0 {
                text.append(.space)
            } else {
                text.append(contentsOf: repeatElement(UInt8.newline, count: breaks))
            }
            lineStart = mark
            text.append(contentsOf: bytes[scanPlainLine(flow: flow)])
        }
        if !flow && peek() == .colon && lineStart.line != start.line {
            throw error(
                "this line continues the plain scalar that starts at \(start.line):\(start.column) and cannot hold ': '; indent a mapping key like the other keys of its mapping, or quote the value",
                at: lineStart)
        }
        let value = String(decoding: text, as: UTF8.self)
        return YAMLNode(.scalar(value, style: .plain), line: start.line, column: start.column)
    }

    /// Scans the rest of one line of a plain scalar; returns the range of its content without
    /// trailing white space, which is consumed.
    private mutating func scanPlainLine(flow: Bool) -> Range<Int> {
        let start = offset
        var end = offset
        while true {
            let byte = peek()
            if byte == 0 || byte == .newline { break }
            if byte == .colon {
                let next = peek(1)
                if next.isBlankOrEnd || (flow && next.isFlowIndicator) { break }
            }
            if flow && byte.isFlowIndicator { break }
            if byte == .hash && afterWhitespace { break }
            advance()
            if byte != .space && byte != .tab { end = offset }
        }
        return start..<end
    }

    /// At the line end of a plain scalar: if a continuation line follows (see
    /// `scanPlainScalar`), moves to its first content character and returns the number of empty
    /// lines skipped; otherwise leaves the cursor where it was and returns nil.
    private mutating func skipToPlainContinuation(flow: Bool, blockIndent: Int) -> Int? {
        let lineEnd = mark
        var breaks = -1
        while true {
            if atEnd {
                restore(lineEnd)
                return nil
            }
            advance()  // '\n'
            breaks += 1
            if atDocumentMarker {
                restore(lineEnd)
                return nil
            }
            while peek() == .space { advance() }
            // Block indentation is spaces only; flow lines measure it as `skipFlowSpace` does.
            let spaces = column - 1
            while peek() == .space || peek() == .tab { advance() }
            if peek() != .newline {
                let indent = flow ? column - 1 : spaces
                let byte = peek()
                let isComment = byte == .hash
                let isFlowStop = flow && (byte.isFlowIndicator
                    || (byte == .colon && (peek(1).isBlankOrEnd || peek(1).isFlowIndicator)))
                if atEnd || indent <= blockIndent || isComment || isFlowStop {
                    restore(lineEnd)
                    return nil
                }
                return breaks
            }
        }
    }
}
