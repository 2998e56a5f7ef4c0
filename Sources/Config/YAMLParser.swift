/// Recursive-descent parser over normalized input (see `YAMLInput`): a cursor, the character
/// classes, and the stream/document level. Block collections, flow collections, quoted, plain and
/// block scalars live in the `YAMLParser+*.swift` extensions.
///
/// Indentation is measured in spaces: a node's `indent` is its 0-based column. `parentIndent` is
/// the indentation of the enclosing block collection (-1 at the document root); content of a
/// child must be indented more than it. `depth` counts enclosing collections.
struct YAMLParser {
    /// A saved cursor position.
    struct Mark {
        var offset: Int
        var line: Int
        var column: Int
    }

    let bytes: [UInt8]
    let maxDepth: Int
    var offset = 0
    var line = 1
    var column = 1

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    // MARK: Cursor

    var mark: Mark { Mark(offset: offset, line: line, column: column) }

    /// Moves the cursor back to a saved position (after a look-ahead).
    mutating func restore(_ saved: Mark) {
        offset = saved.offset
        line = saved.line
        column = saved.column
    }

    /// The byte `ahead` bytes after the cursor, or 0 past the end (input never contains NUL).
    @inline(__always)
    func peek(_ ahead: Int = 0) -> UInt8 {
        let index = offset + ahead
        return index < bytes.count ? bytes[index] : 0
    }

    var atEnd: Bool { offset >= bytes.count }

    /// True at `\n` or at the end of input.
    var atLineEnd: Bool { offset >= bytes.count || bytes[offset] == .newline }

    /// Moves past one byte, keeping line and column (counted in Unicode scalars) up to date.
    @inline(__always)
    mutating func advance() {
        let byte = bytes[offset]
        offset += 1
        if byte == .newline {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    mutating func advance(_ count: Int) {
        for _ in 0..<count where offset < bytes.count { advance() }
    }

    mutating func skipToLineEnd() {
        while offset < bytes.count && bytes[offset] != .newline { advance() }
    }

    func error(_ message: String) -> YAMLError {
        YAMLError(line: line, column: column, message: message)
    }

    func error(_ message: String, at mark: Mark) -> YAMLError {
        YAMLError(line: mark.line, column: mark.column, message: message)
    }

    func error(_ message: String, at node: YAMLNode) -> YAMLError {
        YAMLError(line: node.line, column: node.column, message: message)
    }

    /// Whether the byte before the cursor is whitespace or a line break (or there is none):
    /// the condition for `#` to start a comment.
    var afterWhitespace: Bool {
        offset == 0 || bytes[offset - 1] == .space || bytes[offset - 1] == .tab || bytes[offset - 1] == .newline
    }

    /// `---` or `...` at column 1 followed by whitespace, a line break or the end.
    var atDocumentMarker: Bool { atDocumentStart || atDocumentEnd }

    var atDocumentStart: Bool { atMarker(.hyphen) }

    var atDocumentEnd: Bool { atMarker(.period) }

    private func atMarker(_ byte: UInt8) -> Bool {
        column == 1 && peek() == byte && peek(1) == byte && peek(2) == byte && peek(3).isBlankOrEnd
    }

    // MARK: Whitespace and comments

    /// Skips spaces and tabs, then a comment if one starts there; returns true if the cursor is
    /// then at a line end.
    mutating func skipSpaceAndComment() -> Bool {
        while peek() == .space || peek() == .tab { advance() }
        if peek() == .hash && afterWhitespace { skipToLineEnd() }
        return atLineEnd
    }

    /// Requires the rest of the line to be whitespace or a comment.
    mutating func expectLineEnd(after what: String) throws(YAMLError) {
        if !skipSpaceAndComment() {
            throw error("unexpected text after \(what)")
        }
    }

    /// From a line end or within a line's leading spaces, skips blank and comment-only lines and
    /// stops at the first content character (after its indentation) or at the end of input.
    ///
    /// Throws if a content line's indentation contains a tab.
    mutating func skipBlankLines() throws(YAMLError) {
        while true {
            if peek() == .newline { advance() }
            while peek() == .space { advance() }
            switch peek() {
            case .newline:
                continue
            case 0:
                return
            case .hash:
                skipToLineEnd()
            case .tab:
                let tab = mark
                while peek() == .space || peek() == .tab { advance() }
                if peek() == .hash {
                    skipToLineEnd()
                } else if !atLineEnd {
                    throw error("tab character used for indentation (indent with spaces)", at: tab)
                }
            default:
                return
            }
        }
    }

    // MARK: Stream and documents

    /// Parses all documents. See `YAML.parse`.
    mutating func parseStream() throws(YAMLError) -> [YAMLNode] {
        var documents: [YAMLNode] = []
        while true {
            try skipBlankLines()
            if atEnd { break }
            if column == 1 && peek() == .percent {
                throw error("directives (%YAML, %TAG) are not supported")
            }
            if atDocumentEnd {
                advance(3)
                try expectLineEnd(after: "document end marker '...'")
                continue
            }
            documents.append(try parseDocument())
            try skipBlankLines()
            if atEnd { break }
            if atDocumentEnd {
                advance(3)
                try expectLineEnd(after: "document end marker '...'")
            } else if !atDocumentStart {
                if documents[documents.count - 1].isPlainScalar {
                    throw error(Self.plainScalarEndedByCommentMessage)
                }
                throw error("expected the end of the document (or '---' to start another one)")
            }
        }
        return documents
    }

    /// Parses one document starting at `---` or at its first content character.
    private mutating func parseDocument() throws(YAMLError) -> YAMLNode {
        guard atDocumentStart else {
            return try parseBlockNode(indent: column - 1, parentIndent: -1, depth: 0, inline: false)
        }
        let start = mark
        advance(3)
        if skipSpaceAndComment() {
            try skipBlankLines()
            if atEnd || atDocumentMarker {
                return YAMLNode(.null, line: start.line, column: start.column)
            }
            return try parseBlockNode(indent: column - 1, parentIndent: -1, depth: 0, inline: false)
        }
        return try parseBlockNode(indent: column - 1, parentIndent: -1, depth: 0, inline: true)
    }

    /// After a plain scalar in block context, a more-indented line would have continued it, so
    /// a comment ended the scalar before that line.
    static let plainScalarEndedByCommentMessage =
        "unexpected indentation: a comment ended the plain scalar above, so this line cannot continue it (remove the comment, or quote the value)"
}

// MARK: - Character classes

extension UInt8 {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let exclamation: UInt8 = 0x21
    static let doubleQuote: UInt8 = 0x22
    static let hash: UInt8 = 0x23
    static let percent: UInt8 = 0x25
    static let ampersand: UInt8 = 0x26
    static let singleQuote: UInt8 = 0x27
    static let asterisk: UInt8 = 0x2A
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let hyphen: UInt8 = 0x2D
    static let period: UInt8 = 0x2E
    static let colon: UInt8 = 0x3A
    static let greaterThan: UInt8 = 0x3E
    static let question: UInt8 = 0x3F
    static let at: UInt8 = 0x40
    static let leftBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let rightBracket: UInt8 = 0x5D
    static let backtick: UInt8 = 0x60
    static let leftBrace: UInt8 = 0x7B
    static let pipe: UInt8 = 0x7C
    static let rightBrace: UInt8 = 0x7D

    /// Space, tab, line break, or the end-of-input sentinel 0.
    var isBlankOrEnd: Bool { self == .space || self == .tab || self == .newline || self == 0 }

    /// `,` `[` `]` `{` `}`.
    var isFlowIndicator: Bool {
        self == .comma || self == .leftBracket || self == .rightBracket || self == .leftBrace || self == .rightBrace
    }
}
