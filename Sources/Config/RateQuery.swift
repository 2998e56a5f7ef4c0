import SLO
import Selectors

/// The PromQL shapes that imports accept: a sum of the per-second rate of the series a selector
/// picks, optionally grouped.
///
/// ```
/// sum(rate(SELECTOR[RANGE]))
/// sum by (a, b) (rate(SELECTOR[RANGE]))
/// sum(rate(SELECTOR[RANGE])) by (a, b)
/// ```
///
/// `increase` is accepted in place of `rate` (the ratio of two increases over the same range is
/// the ratio of the rates). OpenSLO queries may also read the counters themselves, as a
/// `counter: true` ratio metric does (its implementation takes the increase): `SELECTOR`,
/// `sum(SELECTOR)`, `sum by (a) (SELECTOR)`. slod counts events at ingestion, so the query
/// reduces exactly to its selector (and the grouping labels); the range is ignored, since slod
/// evaluates every window itself. Anything else (other functions, `without`, arithmetic but
/// `BadEventsQuery`'s count minus a bucket, `offset`, subqueries) is refused with the construct
/// named: approximating it would silently change the SLI.
struct RateQuery: Equatable {
    /// How the range in brackets must be written.
    enum RangeForm {
        /// Sloth's template variable `{{.window}}` (spaces inside the braces allowed).
        case slothWindow
        /// OpenSLO: a duration such as `5m`, or no `rate` at all (`SELECTOR`, `sum(SELECTOR)`):
        /// a `counter: true` ratio metric reads the counters.
        case openSLO
    }

    var selector: SeriesSelector
    /// The `by` labels, in the order written; empty without `by`.
    var groupBy: [String]

    struct Problem: Error, Equatable {
        /// Byte offset in the query text.
        var offset: Int
        var message: String
    }

    static func parse(_ text: String, range: RangeForm) throws(Problem) -> RateQuery {
        var parser = RateQueryParser(text: Array(text.utf8), range: range, difference: false)
        return try parser.parse()
    }
}

/// A query of the bad events: one `RateQuery`, or Sloth's latency form, all events minus the
/// good ones, a histogram's count minus one of its buckets:
///
/// ```
/// (sum(rate(X_count[{{.window}}])) - sum(rate(X_bucket{le="0.4"}[{{.window}}])))
/// ```
///
/// Outer parentheses are optional; each term is a `RateQuery` (its `by (…)` included). The
/// difference counts exactly the events of an events SLI with `total` the first term's selector
/// and `good` the second's, so no other arithmetic is read: `+`, `/`, a third term are refused.
enum BadEventsQuery: Equatable {
    /// One term: the rate of the bad events (the OpenSLO import carries its good and total
    /// queries, parsed as `RateQuery`, as this too).
    case single(RateQuery)
    /// `total − good`, with the byte offset where each term starts (to place problems).
    case totalMinusGood(total: RateQuery, totalOffset: Int, good: RateQuery, goodOffset: Int)

    /// Every term, with its byte offset (nil for a single query: the whole text).
    var terms: [(query: RateQuery, offset: Int?)] {
        switch self {
        case .single(let query): [(query, nil)]
        case .totalMinusGood(let total, let totalOffset, let good, let goodOffset): [(total, totalOffset), (good, goodOffset)]
        }
    }

    static func parse(_ text: String, range: RateQuery.RangeForm) throws(RateQuery.Problem) -> BadEventsQuery {
        var parser = RateQueryParser(text: Array(text.utf8), range: range, difference: true)
        return try parser.parseBadEvents()
    }
}

private struct RateQueryParser {
    let text: [UInt8]
    let range: RateQuery.RangeForm
    /// The shape accepted, for messages.
    let shape: String
    var pos = 0

    /// `difference`: the query may also be a `BadEventsQuery` difference (said in messages).
    init(text: [UInt8], range: RateQuery.RangeForm, difference: Bool) {
        self.text = text
        self.range = range
        let window = range == .slothWindow ? "{{.window}}" : "5m"
        var shape = switch range {
        case .slothWindow: "the query must have the shape sum(rate(SELECTOR[{{.window}}])), optionally with by (label, …)"
        case .openSLO: "the query must have the shape sum(rate(SELECTOR[5m])), sum(SELECTOR) or SELECTOR, optionally with by (label, …)"
        }
        if difference {
            shape += ", or be a histogram's count minus one bucket, (sum(rate(X_count[\(window)])) - sum(rate(X_bucket{le=\"0.4\"}[\(window)])))"
        }
        self.shape = shape
    }

    mutating func parse() throws(RateQuery.Problem) -> RateQuery {
        let query = try term()
        try expectEnd(after: "the query")
        return query
    }

    /// A `BadEventsQuery`: one term, or `TERM - TERM`, optionally in parentheses.
    mutating func parseBadEvents() throws(RateQuery.Problem) -> BadEventsQuery {
        skipSpace()
        let parenthesized = pos < text.count && text[pos] == UInt8(ascii: "(")
        if parenthesized { pos += 1 }
        skipSpace()
        let totalOffset = pos
        let first = try term()
        skipSpace()
        guard pos < text.count, text[pos] == UInt8(ascii: "-") else {
            if pos < text.count, Self.arithmeticOperators.contains(text[pos]) {
                throw problem("\(found()) between two terms: of PromQL arithmetic, slod reads only a count minus a bucket")
            }
            if parenthesized {
                guard pos < text.count, text[pos] == UInt8(ascii: ")") else { throw problem("\(found()) where slod expects \"-\" or \")\"") }
                pos += 1
            }
            try expectEnd(after: "the query")
            return .single(first)
        }
        pos += 1
        skipSpace()
        let goodOffset = pos
        let second = try term()
        if parenthesized {
            skipSpace()
            guard pos < text.count, text[pos] == UInt8(ascii: ")") else { throw problem("\(found()) after the second term, where slod expects \")\": a difference has exactly two terms") }
            pos += 1
        }
        try expectEnd(after: "the second term (a difference has exactly two terms)")
        return .totalMinusGood(total: first, totalOffset: totalOffset, good: second, goodOffset: goodOffset)
    }

    /// PromQL's binary arithmetic operators but `-`.
    static let arithmeticOperators: Set<UInt8> = [UInt8(ascii: "+"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "%"), UInt8(ascii: "^")]

    /// Nothing but white space after the cursor.
    mutating func expectEnd(after what: String) throws(RateQuery.Problem) {
        skipSpace()
        if pos < text.count { throw problem("\(found()) after \(what)") }
    }

    /// One `sum(rate(SELECTOR[RANGE]))` (or an OpenSLO counter reading) with its grouping.
    mutating func term() throws(RateQuery.Problem) -> RateQuery {
        skipSpace()
        if range == .openSLO, wordAt() != "sum" {
            return RateQuery(selector: try counterSelector(), groupBy: [])
        }
        try expectWord(["sum"])
        var groupBy = try grouping()
        try expect("(")
        skipSpace()
        let selector: SeriesSelector
        if range == .openSLO, !isCall() {
            selector = try parseSelector(upTo: UInt8(ascii: ")"))
        } else {
            try expectWord(["rate", "increase"])
            try expect("(")
            selector = try parseSelector(upTo: UInt8(ascii: "["))
            try rangeLiteral()
            try expect(")")
        }
        try expect(")")
        skipSpace()
        let trailingStart = pos
        if let trailing = try grouping() {
            if groupBy != nil {
                pos = trailingStart
                throw problem("a second by (…) clause")
            }
            groupBy = trailing
        }
        return RateQuery(selector: selector, groupBy: groupBy ?? [])
    }

    /// The whole query as a series selector (an OpenSLO counter reading without `sum`).
    mutating func counterSelector() throws(RateQuery.Problem) -> SeriesSelector {
        if isCall() { throw problem("\(found()) where slod expects sum, rate or a series selector") }
        return try parseSelector(upTo: nil)
    }

    /// Whether the word at the cursor is followed by `(`: a function call, not a metric name.
    func isCall() -> Bool {
        guard let word = wordAt() else { return false }
        var end = pos + word.utf8.count
        while end < text.count, text[end] == 0x20 || text[end] == 0x09 { end += 1 }
        return end < text.count && text[end] == UInt8(ascii: "(")
    }

    /// The selector from the cursor to `terminator` (outside braces and strings; nil: the end
    /// of the query), parsed.
    mutating func parseSelector(upTo terminator: UInt8?) throws(RateQuery.Problem) -> SeriesSelector {
        skipSpace()
        let start = pos
        var end = try scanSelector(upTo: terminator)
        while end > start, text[end - 1] == 0x20 || text[end - 1] == 0x09 || text[end - 1] == 0x0A || text[end - 1] == 0x0D { end -= 1 }
        let selectorText = String(decoding: text[start..<end], as: UTF8.self)
        do throws(SelectorError) {
            return try SeriesSelector.parse(selectorText)
        } catch {
            throw RateQuery.Problem(offset: start + error.offset, message: "invalid series selector: \(error.message)")
        }
    }

    func problem(_ what: String) -> RateQuery.Problem {
        RateQuery.Problem(offset: pos, message: "unsupported query: found \(what); \(shape)")
    }

    mutating func skipSpace() {
        while pos < text.count, text[pos] == 0x20 || text[pos] == 0x09 || text[pos] == 0x0A || text[pos] == 0x0D { pos += 1 }
    }

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x3A
    }

    func wordAt() -> String? {
        var end = pos
        while end < text.count, Self.isWordByte(text[end]) { end += 1 }
        return end > pos ? String(decoding: text[pos..<end], as: UTF8.self) : nil
    }

    /// What is at the cursor, for messages.
    func found() -> String {
        guard pos < text.count else { return "the end of the query" }
        if let word = wordAt() { return "\"\(word)\"" }
        return "\"\(String(decoding: [text[pos]], as: UTF8.self))\""
    }

    mutating func expectWord(_ words: [String]) throws(RateQuery.Problem) {
        skipSpace()
        guard let word = wordAt(), words.contains(word) else {
            let wanted = words.joined(separator: " or ")
            throw problem("\(found()) where slod expects \(wanted)")
        }
        pos += word.utf8.count
    }

    mutating func expect(_ char: Character) throws(RateQuery.Problem) {
        skipSpace()
        guard pos < text.count, text[pos] == char.asciiValue! else {
            throw problem("\(found()) where slod expects \"\(char)\"")
        }
        pos += 1
    }

    /// `by (a, b)` at the cursor, or nil when there is no grouping clause.
    mutating func grouping() throws(RateQuery.Problem) -> [String]? {
        skipSpace()
        guard let word = wordAt() else { return nil }
        if word == "without" { throw problem("\"without\": slod needs the grouping labels named with by (…)") }
        guard word == "by" else { return nil }
        pos += 2
        try expect("(")
        var labels: [String] = []
        while true {
            skipSpace()
            if pos < text.count, text[pos] == UInt8(ascii: ")") { pos += 1; break }
            guard let label = wordAt() else { throw problem("\(found()) where slod expects a label name") }
            labels.append(label)
            pos += label.utf8.count
            skipSpace()
            if pos < text.count, text[pos] == UInt8(ascii: ",") { pos += 1; continue }
            try expect(")")
            break
        }
        return labels
    }

    /// Moves to the `terminator` that ends the selector (outside braces and strings; nil: the
    /// end of the query) and returns its offset.
    mutating func scanSelector(upTo terminator: UInt8?) throws(RateQuery.Problem) -> Int {
        var depth = 0
        while pos < text.count {
            let b = text[pos]
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"):
                try skipString()
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"): depth -= 1
            case let t where t == terminator && depth == 0: return pos
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["):
                guard depth == 0 else { break }
                let inside = terminator == UInt8(ascii: "[") ? "rate(…)" : terminator == nil ? "the query" : "sum(…)"
                throw problem("\(found()) inside \(inside): the argument must be a plain series selector" + (terminator == UInt8(ascii: "[") ? " with a range" : ""))
            default: break
            }
            pos += 1
        }
        guard let terminator else { return pos }
        if terminator == UInt8(ascii: "[") { throw problem("no range [\(range == .slothWindow ? "{{.window}}" : "5m")] after the selector") }
        throw problem("the end of the query where slod expects \")\"")
    }

    /// Moves from the opening quote at the cursor to its closing quote (a backslash escapes the
    /// next byte, except in a backquoted string). The text is the user's: when it ends before the
    /// closing quote, the problem is placed at the opening one, and the cursor never passes the end.
    mutating func skipString() throws(RateQuery.Problem) {
        let quoteStart = pos
        let quote = text[pos]
        pos += 1
        while pos < text.count, text[pos] != quote {
            if text[pos] == UInt8(ascii: "\\"), quote != UInt8(ascii: "`"), pos + 1 < text.count { pos += 1 }
            pos += 1
        }
        guard pos < text.count else { throw RateQuery.Problem(offset: quoteStart, message: "unterminated string in the selector: the value opened here has no closing \(String(decoding: [quote], as: UTF8.self)); close it") }
    }

    /// `[RANGE]` at the cursor.
    mutating func rangeLiteral() throws(RateQuery.Problem) {
        try expect("[")
        let start = pos
        while pos < text.count, text[pos] != UInt8(ascii: "]") { pos += 1 }
        guard pos < text.count else { throw problem("an unterminated range [") }
        let inside = String(decoding: text[start..<pos], as: UTF8.self)
        let compact = String(inside.filter { $0 != " " })
        switch range {
        case .slothWindow:
            guard compact == "{{.window}}" else {
                pos = start
                throw problem("the range [\(inside)] where Sloth queries use [{{.window}}]")
            }
        case .openSLO:
            guard SLODuration.parseSeconds(compact) != nil else {
                pos = start
                throw problem("the range [\(inside)] where slod expects a duration like [5m] (subqueries are not supported)")
            }
        }
        pos += 1
    }
}
