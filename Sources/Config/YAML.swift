/// Parser for the YAML subset slod's configuration is written in.
///
/// Supported (YAML 1.2 syntax):
/// - block mappings and block sequences by indentation (spaces only), including `- ` sequences
///   at the same indentation as their mapping key and compact forms (`- key: value`, `- - x`);
/// - flow mappings `{a: 1, b: [x, y]}` and flow sequences `[1, 2]`, nested, across lines;
/// - plain scalars, also folded over more-indented lines as YAML libraries write long strings;
///   single-quoted (`''` escapes a quote) and double-quoted scalars (escapes
///   `\\ \" \/ \0 \a \b \t \n \v \f \r \e \  \N \_ \L \P \xXX \uXXXX \UXXXXXXXX`, and `\` ending a
///   line), which may span lines; line breaks fold as YAML specifies;
/// - block scalars `|` and `>` with chomping (`-`, `+`) and an indentation indicator (1–9);
/// - comments (`#` at line start or after whitespace), `---` and `...`, several documents,
///   empty values (`key:` gives `.null`).
///
/// Rejected with an error that names the construct: anchors, aliases, tags, complex keys (`? `
/// or a flow collection as a key), directives (`%YAML`), tabs in indentation, duplicate keys in
/// one mapping, keys spanning lines, lines that continue a plain scalar after a comment ended it,
/// `: ` in a continuation line of a plain scalar (block context), single-pair mappings inside flow
/// sequences (`[a: 1]`), invalid UTF-8 and control characters, input larger than
/// `maxInputBytes`, nesting deeper than `maxDepth`.
///
/// CR LF and lone CR count as line breaks. A leading byte order mark is skipped.
public enum YAML {
    /// Inputs larger than this are rejected before parsing (4 MiB).
    public static let maxInputBytes = 4 * 1024 * 1024
    /// Collections nested deeper than this are rejected (the parser is recursive).
    public static let maxDepth = 64

    /// Parses every document of a YAML stream.
    ///
    /// Returns one node per document (an empty stream, or one holding only comments, gives
    /// `[]`; `---` with nothing after it gives a `.null` document). Never traps on any input;
    /// time and memory are linear in the input size.
    public static func parse(_ bytes: [UInt8]) throws(YAMLError) -> [YAMLNode] {
        if bytes.count > maxInputBytes {
            throw YAMLError(line: 1, column: 1,
                            message: "input is \(bytes.count) bytes, more than the limit of \(maxInputBytes) bytes")
        }
        let text = try YAMLInput.normalize(bytes)
        var parser = YAMLParser(bytes: text, maxDepth: maxDepth)
        return try parser.parseStream()
    }
}
