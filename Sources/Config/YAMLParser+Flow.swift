/// Flow collections: `[a, b]` and `{k: v}`, nested and across lines.
extension YAMLParser {
    /// Parses a flow sequence or mapping starting at its `[` or `{`.
    ///
    /// Entries are separated by `,` (a trailing comma is allowed). Mapping keys are scalars; a
    /// key without `:` has a null value (`{a, b: 1}`). Keys of one mapping must be unique.
    ///
    /// - Parameter blockIndent: indentation of the enclosing block collection; continuation
    ///   lines must be indented more (a line starting with the closing bracket may be at it).
    mutating func parseFlowCollection(blockIndent: Int, depth: Int) throws(YAMLError) -> YAMLNode {
        let open = mark
        guard depth < maxDepth else {
            throw error("nesting is deeper than the limit of \(maxDepth) levels", at: open)
        }
        let isSequence = peek() == .leftBracket
        let closer: UInt8 = isSequence ? .rightBracket : .rightBrace
        let name = isSequence ? "flow sequence" : "flow mapping"
        advance()
        var items: [YAMLNode] = []
        var entries: [YAMLNode.Entry] = []
        var seen: [String: (line: Int, column: Int)] = [:]
        while true {
            try skipFlowSpace(blockIndent: blockIndent, open: open, name: name)
            if peek() == closer {
                advance()
                break
            }
            if peek() == .comma {
                throw error("unexpected ',' in \(name) (empty entry)")
            }
            if isSequence {
                items.append(try parseFlowNode(blockIndent: blockIndent, depth: depth + 1))
            } else {
                let key = try parseFlowKey(blockIndent: blockIndent)
                let name = key.scalar ?? ""
                if let first = seen[name] {
                    throw error("duplicate key \(quoted(name)) (first defined at \(first.line):\(first.column))", at: key)
                }
                seen[name] = (key.line, key.column)
                try skipFlowSpace(blockIndent: blockIndent, open: open, name: "flow mapping")
                var value = YAMLNode(.null, line: line, column: column)
                if peek() == .colon {
                    advance()
                    try skipFlowSpace(blockIndent: blockIndent, open: open, name: "flow mapping")
                    value = YAMLNode(.null, line: line, column: column)
                    if peek() != .comma && peek() != .rightBrace {
                        value = try parseFlowNode(blockIndent: blockIndent, depth: depth + 1)
                    }
                }
                entries.append(YAMLNode.Entry(key: key, value: value))
            }
            try skipFlowSpace(blockIndent: blockIndent, open: open, name: name)
            if peek() == .comma {
                advance()
                continue
            }
            if peek() == closer {
                advance()
                break
            }
            if isSequence && peek() == .colon {
                throw error("single-pair mappings inside flow sequences ([key: value]) are not supported; use [{key: value}]")
            }
            throw error("expected ',' or '\(Character(Unicode.Scalar(closer)))' in \(name)")
        }
        let kind: YAMLNode.Kind = isSequence ? .sequence(items) : .mapping(entries)
        return YAMLNode(kind, line: open.line, column: open.column)
    }

    /// Parses a node inside a flow collection.
    private mutating func parseFlowNode(blockIndent: Int, depth: Int) throws(YAMLError) -> YAMLNode {
        switch peek() {
        case .leftBracket, .leftBrace:
            return try parseFlowCollection(blockIndent: blockIndent, depth: depth)
        case .doubleQuote, .singleQuote:
            return try parseQuotedScalar(blockIndent: blockIndent)
        default:
            try rejectUnsupportedNodeStart(flow: true)
            return try scanPlainScalar(flow: true, blockIndent: blockIndent)
        }
    }

    /// Parses a flow mapping key: a quoted or plain scalar on one line.
    private mutating func parseFlowKey(blockIndent: Int) throws(YAMLError) -> YAMLNode {
        let start = mark
        let key: YAMLNode
        switch peek() {
        case .leftBracket, .leftBrace:
            throw error("complex mapping keys (a flow collection used as a key) are not supported")
        case .doubleQuote, .singleQuote:
            key = try parseQuotedScalar(blockIndent: -1)
        default:
            try rejectUnsupportedNodeStart(flow: true)
            key = try scanPlainScalar(flow: true, blockIndent: blockIndent)
        }
        if line != start.line { throw error("a mapping key must fit on one line", at: start) }
        return key
    }

    /// Skips whitespace, line breaks and comments inside a flow collection.
    private mutating func skipFlowSpace(blockIndent: Int, open: Mark, name: String) throws(YAMLError) {
        while true {
            switch peek() {
            case .space, .tab:
                advance()
            case .hash where afterWhitespace:
                skipToLineEnd()
            case .newline:
                advance()
                if atDocumentMarker {
                    throw error("unterminated \(name) (missing closing \(name == "flow sequence" ? "]" : "}"))", at: open)
                }
                // Indentation of the next content line.
                var index = offset
                while index < bytes.count && (bytes[index] == .space || bytes[index] == .tab) { index += 1 }
                guard index < bytes.count else { continue }
                let first = bytes[index]
                if first == .newline || first == .hash { continue }
                let indent = index - offset
                let closing = first == .rightBracket || first == .rightBrace
                if indent < blockIndent || (indent == blockIndent && !closing) {
                    throw YAMLError(line: line, column: indent + 1,
                                    message: "line is not indented enough to continue the \(name) that starts at \(open.line):\(open.column)")
                }
            case 0:
                throw error("unterminated \(name) (missing closing \(name == "flow sequence" ? "]" : "}"))", at: open)
            default:
                return
            }
        }
    }
}
