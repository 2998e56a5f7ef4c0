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
    /// line exactly as its text reads (plain, or quoted without escapes or `''`); otherwise the
    /// position of the scalar itself.
    func position(in node: YAMLNode, byteOffset offset: Int) -> (line: Int, column: Int) {
        guard case .scalar(let text, let style) = node.kind, node.line >= 1, node.line <= lines.count else {
            return (node.line, node.column)
        }
        let quote: Unicode.Scalar?
        switch style {
        case .plain: quote = nil
        case .singleQuoted: quote = "'"
        case .doubleQuoted: quote = "\""
        case .literal, .folded: return (node.line, node.column)
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
}
