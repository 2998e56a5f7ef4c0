/// Block context: node dispatch, block mappings and block sequences.
extension YAMLParser {
    /// Parses the node whose first character is under the cursor.
    ///
    /// - Parameters:
    ///   - indent: the node's indentation (its 0-based column); a block collection starting here
    ///     uses it for all its entries.
    ///   - parentIndent: indentation of the enclosing collection (-1 at the root).
    ///   - inline: the node follows `key:` or `---` on the same line, where block collections
    ///     cannot start.
    ///   - tabSeparated: the node follows `-` and a tab, so it must not start a block collection
    ///     (its indentation would be ambiguous).
    mutating func parseBlockNode(
        indent: Int, parentIndent: Int, depth: Int, inline: Bool, tabSeparated: Bool = false
    ) throws(YAMLError) -> YAMLNode {
        let start = mark
        let byte = peek()
        switch byte {
        case .hyphen where peek(1).isBlankOrEnd:
            if inline {
                throw error("a block sequence cannot start on the same line as its key; start it on the next line")
            }
            if tabSeparated { throw error("tab character used for indentation (indent with spaces)", at: start) }
            return try parseBlockSequence(indent: indent, depth: depth, isMappingValue: false)
        case .pipe, .greaterThan:
            return try parseBlockScalar(parentIndent: parentIndent)
        case .leftBracket, .leftBrace:
            let node = try parseFlowCollection(blockIndent: parentIndent, depth: depth)
            while peek() == .space || peek() == .tab { advance() }
            if peek() == .colon && peek(1).isBlankOrEnd {
                throw error("complex mapping keys (a flow collection used as a key) are not supported", at: start)
            }
            try expectLineEnd(after: "flow collection")
            return node
        case .doubleQuote, .singleQuote:
            let node = try parseQuotedScalar(blockIndent: parentIndent)
            let singleLine = line == start.line
            while peek() == .space || peek() == .tab { advance() }
            if peek() == .colon && peek(1).isBlankOrEnd {
                if !singleLine { throw error("a mapping key must fit on one line", at: start) }
                try checkBlockMappingAllowed(inline: inline, tabSeparated: tabSeparated, at: start)
                return try parseBlockMapping(indent: indent, firstKey: node, depth: depth)
            }
            try expectLineEnd(after: "quoted scalar")
            return node
        default:
            try rejectUnsupportedNodeStart(flow: false)
            let node = try scanPlainScalar(flow: false, blockIndent: parentIndent)
            if peek() == .colon {
                try checkBlockMappingAllowed(inline: inline, tabSeparated: tabSeparated, at: start)
                return try parseBlockMapping(indent: indent, firstKey: node, depth: depth)
            }
            try expectLineEnd(after: "plain scalar")
            return node
        }
    }

    private func checkBlockMappingAllowed(inline: Bool, tabSeparated: Bool, at start: Mark) throws(YAMLError) {
        if inline {
            throw error("a nested mapping cannot start on the same line as its key; start it on the next line", at: start)
        }
        if tabSeparated { throw error("tab character used for indentation (indent with spaces)", at: start) }
    }

    /// Throws for characters that cannot start a node in this subset (anchors, aliases, tags,
    /// complex keys, directives, reserved and misplaced indicators). Returns if a plain scalar
    /// may start at the cursor.
    func rejectUnsupportedNodeStart(flow: Bool) throws(YAMLError) {
        let byte = peek()
        let next = peek(1)
        switch byte {
        case .ampersand: throw error("anchors (&name) are not supported")
        case .asterisk: throw error("aliases (*name) are not supported")
        case .exclamation: throw error("tags (!tag, !!type) are not supported")
        case .percent where column == 1: throw error("directives (%YAML, %TAG) are not supported")
        case .percent, .at, .backtick:
            throw error("'\(Character(Unicode.Scalar(byte)))' cannot start a plain scalar; quote the value")
        case .question where next.isBlankOrEnd || (flow && next.isFlowIndicator):
            throw error("complex mapping keys ('? ') are not supported")
        case .colon where next.isBlankOrEnd || (flow && next.isFlowIndicator):
            throw error("missing mapping key before ':'")
        case .hyphen where next.isBlankOrEnd || (flow && next.isFlowIndicator):
            throw error("block sequence entries ('- ') are not allowed inside flow collections")
        case .hash:
            throw error("'#' cannot start a plain scalar (a comment needs whitespace before '#')")
        case .pipe, .greaterThan:
            throw error("block scalars (| or >) are not allowed inside flow collections")
        case .comma, .rightBracket, .rightBrace, .leftBracket, .leftBrace:
            throw error("unexpected '\(Character(Unicode.Scalar(byte)))'")
        case .doubleQuote, .singleQuote, .newline, .space, .tab, 0:
            // Callers dispatch quotes and whitespace before getting here.
            throw error("expected a value")
        default:
            return
        }
    }

    // MARK: Mappings

    /// Parses a block mapping whose first key has been read; the cursor is at its `:`.
    private mutating func parseBlockMapping(indent: Int, firstKey: YAMLNode, depth: Int) throws(YAMLError) -> YAMLNode {
        guard depth < maxDepth else {
            throw error("nesting is deeper than the limit of \(maxDepth) levels", at: firstKey)
        }
        var entries: [YAMLNode.Entry] = []
        var seen: [String: (line: Int, column: Int)] = [:]
        var key = firstKey
        while true {
            let name = key.scalar ?? ""
            if let first = seen[name] {
                throw error("duplicate key \(quoted(name)) (first defined at \(first.line):\(first.column))", at: key)
            }
            seen[name] = (key.line, key.column)
            advance()  // ':'
            let (value, plainValue) = try parseMappingValue(mappingIndent: indent, depth: depth + 1)
            entries.append(YAMLNode.Entry(key: key, value: value))

            try skipBlankLines()
            if atEnd || atDocumentMarker { break }
            let next = column - 1
            if next < indent { break }
            if next > indent {
                throw error(plainValue
                    ? Self.plainScalarEndedByCommentMessage
                    : "unexpected indentation: expected the next key of this mapping at column \(indent + 1)")
            }
            key = try parseBlockMappingKey()
        }
        return YAMLNode(.mapping(entries), line: firstKey.line, column: firstKey.column)
    }

    /// Parses `key` of a further `key: value` line and leaves the cursor at its `:`.
    private mutating func parseBlockMappingKey() throws(YAMLError) -> YAMLNode {
        let start = mark
        let byte = peek()
        let key: YAMLNode
        switch byte {
        case .hyphen where peek(1).isBlankOrEnd:
            throw error("expected a mapping key at this indentation, found a sequence entry '- '")
        case .leftBracket, .leftBrace:
            throw error("expected a mapping key at this indentation, found a flow collection")
        case .pipe, .greaterThan:
            throw error("expected a mapping key at this indentation, found a block scalar")
        case .doubleQuote, .singleQuote:
            key = try parseQuotedScalar(blockIndent: column - 1)
            if line != start.line { throw error("a mapping key must fit on one line", at: start) }
            while peek() == .space || peek() == .tab { advance() }
        default:
            try rejectUnsupportedNodeStart(flow: false)
            key = try scanPlainScalar(flow: false, blockIndent: column - 1)
        }
        guard peek() == .colon && peek(1).isBlankOrEnd else {
            throw error("expected ':' after the mapping key \(quoted(key.scalar ?? ""))", at: start)
        }
        return key
    }

    /// Parses what follows `key:`. Returns the value and whether it was a plain scalar (for a
    /// better message when the next line is over-indented: a comment ended the scalar).
    private mutating func parseMappingValue(mappingIndent indent: Int, depth: Int) throws(YAMLError) -> (YAMLNode, Bool) {
        let afterColon = mark
        if skipSpaceAndComment() {
            try skipBlankLines()
            let null = YAMLNode(.null, line: afterColon.line, column: afterColon.column)
            if atEnd || atDocumentMarker { return (null, false) }
            let next = column - 1
            if next > indent {
                let value = try parseBlockNode(indent: next, parentIndent: indent, depth: depth, inline: false)
                return (value, value.isPlainScalar)
            }
            if next == indent && peek() == .hyphen && peek(1).isBlankOrEnd {
                return (try parseBlockSequence(indent: indent, depth: depth, isMappingValue: true), false)
            }
            return (null, false)
        }
        let value = try parseBlockNode(indent: column - 1, parentIndent: indent, depth: depth, inline: true)
        return (value, value.isPlainScalar)
    }

    // MARK: Sequences

    /// Parses a block sequence whose first `-` is under the cursor.
    ///
    /// - Parameter isMappingValue: the sequence is a mapping value at the key's indentation, so a
    ///   line at `indent` that is not `- ` ends it (it is the mapping's next key).
    mutating func parseBlockSequence(indent: Int, depth: Int, isMappingValue: Bool) throws(YAMLError) -> YAMLNode {
        let start = mark
        guard depth < maxDepth else {
            throw error("nesting is deeper than the limit of \(maxDepth) levels", at: start)
        }
        var items: [YAMLNode] = []
        while true {
            advance()  // '-'
            let afterDash = mark
            var sawTab = false
            while peek() == .space || peek() == .tab {
                if peek() == .tab { sawTab = true }
                advance()
            }
            if peek() == .hash { skipToLineEnd() }
            var plainValue = false
            if atLineEnd {
                try skipBlankLines()
                let next = column - 1
                if atEnd || atDocumentMarker || next <= indent {
                    items.append(YAMLNode(.null, line: afterDash.line, column: afterDash.column))
                } else {
                    let item = try parseBlockNode(indent: next, parentIndent: indent, depth: depth + 1, inline: false)
                    plainValue = item.isPlainScalar
                    items.append(item)
                }
            } else {
                let item = try parseBlockNode(
                    indent: column - 1, parentIndent: indent, depth: depth + 1, inline: false, tabSeparated: sawTab)
                plainValue = item.isPlainScalar
                items.append(item)
            }

            try skipBlankLines()
            if atEnd || atDocumentMarker { break }
            let next = column - 1
            if next < indent { break }
            if next > indent {
                throw error(plainValue
                    ? Self.plainScalarEndedByCommentMessage
                    : "unexpected indentation: expected the next '- ' entry of this sequence at column \(indent + 1)")
            }
            if !(peek() == .hyphen && peek(1).isBlankOrEnd) {
                if isMappingValue { break }
                throw error("expected a sequence entry '- ' at this indentation")
            }
        }
        return YAMLNode(.sequence(items), line: start.line, column: start.column)
    }
}

extension YAMLNode {
    var isPlainScalar: Bool {
        if case .scalar(_, style: .plain) = kind { return true }
        return false
    }
}
