/// Parsing of series selectors with PromQL's lexical rules (Prometheus 3):
///
/// ```
/// selector := metric_name [ "{" matchers "}" ] | "{" matchers "}"
/// matchers := [ matcher { "," matcher } [ "," ] ]
/// matcher  := label_name op string | string op string | string      (a lone string names the metric)
/// op       := "=" | "!=" | "=~" | "!~"
/// ```
///
/// Metric names are `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*`; other names
/// are written as strings (`{"http.server.duration", "url.scheme"="https"}`). Whitespace (space,
/// tab, CR, LF) may separate tokens. Strings follow `PromQLStringLiteral`. Range, `offset` and
/// `@` parts are rejected: a selector names series, not a time range.
extension SeriesSelector {
    /// Parses `text`. Errors carry the byte offset of the problem in `text`.
    public static func parse(_ text: String) throws(SelectorError) -> SeriesSelector {
        var parser = SelectorParser(text: Array(text.utf8))
        return try parser.parse()
    }
}

struct SelectorParser {
    /// A matcher with where it was written.
    struct Located {
        var matcher: LabelMatcher
        var offset: Int
    }

    let text: [UInt8]
    var pos = 0

    init(text: [UInt8]) {
        self.text = text
    }

    func peek(_ ahead: Int = 0) -> UInt8? {
        pos + ahead < text.count ? text[pos + ahead] : nil
    }

    mutating func skipSpace() {
        while let b = peek(), b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { pos += 1 }
    }

    static func isNameByte(_ b: UInt8, colon: Bool) -> Bool {
        SeriesSelector.isNameStart(b) || (b >= 0x30 && b <= 0x39) || (colon && b == UInt8(ascii: ":"))
    }

    /// A name at the cursor (`[a-zA-Z_(:)][a-zA-Z0-9_(:)]*`); the cursor must be at a start byte.
    mutating func lexName(colon: Bool) -> String {
        let start = pos
        while let b = peek(), Self.isNameByte(b, colon: colon) { pos += 1 }
        return String(decoding: text[start..<pos], as: UTF8.self)
    }

    /// What is at the cursor, for messages: `end of input`, a word or a quoted character.
    func found() -> String {
        guard let b = peek() else { return "end of input" }
        if Self.isNameByte(b, colon: true) {
            var end = pos
            while end < text.count, Self.isNameByte(text[end], colon: true) { end += 1 }
            return "\"" + String(decoding: text[pos..<end], as: UTF8.self) + "\""
        }
        let (c, _) = UTF8Decoding.decode(text, at: pos)
        return "\"" + String(Character(Unicode.Scalar(c) ?? "\u{FFFD}")) + "\""
    }

    mutating func parse() throws(SelectorError) -> SeriesSelector {
        skipSpace()
        let start = pos
        var outsideName: String? = nil
        var located: [Located] = []
        if let b = peek(), SeriesSelector.isNameStart(b) || b == UInt8(ascii: ":") {
            outsideName = lexName(colon: true)
            skipSpace()
        }
        if peek() == UInt8(ascii: "{") {
            pos += 1
            located = try parseMatchers()
        } else if outsideName == nil {
            throw SelectorError(offset: pos, message: "expected a metric name or \"{\", found \(found())")
        }
        skipSpace()
        try rejectTrailing()

        var matchers = located.map(\.matcher)
        let named = located.filter { $0.matcher.name == LabelMatcher.metricNameLabel }
        if let outsideName {
            if let duplicate = named.first {
                throw SelectorError(offset: duplicate.offset,
                                    message: "metric name must not be set twice: \(SeriesSelector.quote(outsideName)) or \(SeriesSelector.quote(duplicate.matcher.value))")
            }
            matchers.insert(LabelMatcher(metricName: outsideName), at: 0)
        }
        do {
            return try SeriesSelector(matchers: matchers)
        } catch {
            throw SelectorError(offset: start, message: error.message)
        }
    }

    /// Rejects anything after the selector, naming range, `offset` and `@` parts.
    mutating func rejectTrailing() throws(SelectorError) {
        guard let b = peek() else { return }
        if b == UInt8(ascii: "[") {
            throw SelectorError(offset: pos, message: "range selectors are not allowed here")
        }
        if b == UInt8(ascii: "@") {
            throw SelectorError(offset: pos, message: "@ modifiers are not allowed here")
        }
        if found() == "\"offset\"" {
            throw SelectorError(offset: pos, message: "offset modifiers are not allowed here")
        }
        throw SelectorError(offset: pos, message: "unexpected \(found()) after the selector")
    }

    /// The matchers after `{`, through the closing `}`.
    mutating func parseMatchers() throws(SelectorError) -> [Located] {
        var result: [Located] = []
        while true {
            skipSpace()
            guard let b = peek() else {
                throw SelectorError(offset: pos, message: "unexpected end of input in label matching, expected \"}\"")
            }
            if b == UInt8(ascii: "}") {
                pos += 1
                return result
            }
            result.append(try parseMatcher())
            skipSpace()
            if peek() == UInt8(ascii: ",") {
                pos += 1
            } else if peek() == UInt8(ascii: "}") {
                pos += 1
                return result
            } else {
                throw SelectorError(offset: pos, message: "expected \",\" or \"}\" in label matching, found \(found())")
            }
        }
    }

    /// One matcher, or a lone quoted metric name.
    mutating func parseMatcher() throws(SelectorError) -> Located {
        let start = pos
        let name: String
        if let b = peek(), PromQLStringLiteral.isQuote(b) {
            let token = try PromQLStringLiteral.lex(text, at: pos)
            name = token.value
            pos = token.end
            skipSpace()
            if peek() != UInt8(ascii: "=") && peek() != UInt8(ascii: "!") {
                guard !name.isEmpty else { throw SelectorError(offset: start, message: "metric name must not be empty") }
                let matcher = LabelMatcher(metricName: name)
                return Located(matcher: matcher, offset: start)
            }
            guard !name.isEmpty else { throw SelectorError(offset: start, message: "label name must not be empty") }
        } else if let b = peek(), SeriesSelector.isNameStart(b) {
            name = lexName(colon: false)
        } else {
            throw SelectorError(offset: pos, message: "expected a label name in label matching, found \(found())")
        }
        skipSpace()
        let op = try parseOperator(after: name)
        skipSpace()
        guard let q = peek(), PromQLStringLiteral.isQuote(q) else {
            throw SelectorError(offset: pos, message: "expected a quoted label value after \(name)\(op.rawValue), found \(found())")
        }
        let valueStart = pos
        let token = try PromQLStringLiteral.lex(text, at: pos)
        pos = token.end
        do {
            return Located(matcher: try LabelMatcher(name: name, op: op, value: token.value), offset: start)
        } catch {
            throw SelectorError(offset: token.verbatim ? valueStart + 1 + error.offset : valueStart,
                                message: "invalid regular expression \(SeriesSelector.quote(token.value)): \(error)",
                                regexError: error)
        }
    }

    /// `=`, `!=`, `=~` or `!~` at the cursor.
    mutating func parseOperator(after name: String) throws(SelectorError) -> LabelMatcher.Operator {
        let first = peek(), second = peek(1)
        if first == UInt8(ascii: "=") {
            if second == UInt8(ascii: "~") { pos += 2; return .matchesRegex }
            if second == UInt8(ascii: "=") {
                throw SelectorError(offset: pos, message: "\"==\" is not a label matching operator; use \"=\"")
            }
            pos += 1
            return .equal
        }
        if first == UInt8(ascii: "!") {
            if second == UInt8(ascii: "=") { pos += 2; return .notEqual }
            if second == UInt8(ascii: "~") { pos += 2; return .doesNotMatchRegex }
        }
        throw SelectorError(offset: pos, message: "expected a label matching operator (=, !=, =~, !~) after label name \(SeriesSelector.quote(name)), found \(found())")
    }
}
