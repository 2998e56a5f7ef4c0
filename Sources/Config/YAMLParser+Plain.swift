/// Plain (unquoted) scalars. Only single-line plain scalars are supported.
extension YAMLParser {
    /// Scans a plain scalar on the current line, starting at the cursor (the caller has checked
    /// with `rejectUnsupportedNodeStart` that one may start here).
    ///
    /// Stops before `: ` (or `:` at the line end), before ` #`, at the line end, and in flow
    /// context also before `,[]{}` and before `:` followed by one of them. Trailing whitespace is
    /// consumed but not part of the value. Always consumes at least one character.
    mutating func scanPlainScalar(flow: Bool) throws(YAMLError) -> YAMLNode {
        let start = mark
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
        guard end > start.offset else {
            throw error("expected a value", at: start)
        }
        let text = String(decoding: bytes[start.offset..<end], as: UTF8.self)
        return YAMLNode(.scalar(text, style: .plain), line: start.line, column: start.column)
    }
}
