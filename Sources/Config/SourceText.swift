/// The source lines of a YAML file, kept to point errors inside a scalar: a selector error at
/// byte 17 of `'http_requests{code=~"5(.."}'` is reported at that character's column.
struct SourceText {
    /// Each line as Unicode scalars (columns count scalars), after the same normalization the
    /// parser applies (BOM dropped, CR LF and CR turned into LF).
    private let lines: [[Unicode.Scalar]]

    init(_ bytes: [UInt8]) {
        let normalized = (try? YAMLInput.normalize(bytes)) ?? []
        lines = normalized.split(separator: 0x0A, omittingEmptySubsequences: false)
            .map { Array(String(decoding: $0, as: UTF8.self).unicodeScalars) }
    }

    /// The position of byte `offset` of `node`'s text. Exact when the scalar is written on one
    /// line exactly as its text reads (plain, or quoted without escapes or `''`), or is a block
    /// scalar whose lines are its text's lines (literal, or folded without a fold); otherwise
    /// the position of the scalar itself.
    func position(in node: YAMLNode, byteOffset offset: Int) -> (line: Int, column: Int) {
        guard case .scalar(let text, let style) = node.kind, node.line >= 1, node.line <= lines.count else {
            return (node.line, node.column)
        }
        let quote: Unicode.Scalar?
        switch style {
        case .plain: quote = nil
        case .singleQuoted: quote = "'"
        case .doubleQuoted: quote = "\""
        case .literal, .folded: return blockPosition(in: node, text: text, byteOffset: offset)
        }
        let line = lines[node.line - 1]
        let expected = Array(text.unicodeScalars)
        var start = node.column - 1
        if let quote {
            guard start < line.count, line[start] == quote else { return (node.line, node.column) }
            start += 1
        }
        let end = start + expected.count
        guard end <= line.count, Array(line[start..<end]) == expected else { return (node.line, node.column) }
        if let quote, !(end < line.count && line[end] == quote) { return (node.line, node.column) }
        let prefix = String(decoding: text.utf8.prefix(max(0, offset)), as: UTF8.self)
        return (node.line, start + 1 + prefix.unicodeScalars.count)
    }

    /// `position(in:byteOffset:)` for a block scalar: its content starts on the line after the
    /// `|` or `>`. Exact when every text line up to the offset's is its source line after one
    /// common indentation (an empty text line, a blank source line), which a fold breaks; then
    /// the scalar's own position. An offset in the trailing line breaks points just after the
    /// last character.
    private func blockPosition(in node: YAMLNode, text: String, byteOffset offset: Int) -> (line: Int, column: Int) {
        let bytes = Array(text.utf8)
        var end = min(max(0, offset), bytes.count)
        if bytes[end...].allSatisfy({ $0 == 0x0A }) {
            while end > 0, bytes[end - 1] == 0x0A { end -= 1 }
        }
        let textLines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            .map { Array(String(decoding: $0, as: UTF8.self).unicodeScalars) }
        let lineIndex = bytes[..<end].reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
        // node.line is 1-based: lines[node.line] is the line after the header.
        guard !textLines[lineIndex].isEmpty, node.line + lineIndex < lines.count else { return (node.line, node.column) }
        let indent = lines[node.line + lineIndex].count - textLines[lineIndex].count
        for k in 0...lineIndex {
            let source = lines[node.line + k], textLine = textLines[k]
            let matches = textLine.isEmpty ? source.allSatisfy { $0 == " " }
                : indent >= 0 && source.count == indent + textLine.count
                    && source[..<indent].allSatisfy { $0 == " " } && Array(source[indent...]) == textLine
            guard matches else { return (node.line, node.column) }
        }
        let lineStart = bytes[..<end].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        let column = String(decoding: bytes[lineStart..<end], as: UTF8.self).unicodeScalars.count
        return (node.line + lineIndex + 1, indent + 1 + column)
    }
}
