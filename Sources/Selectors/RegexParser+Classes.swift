/// Bracketed character classes: `[a-z]`, `[^\d_]`, `[[:alpha:]]`, `[\p{Lu}-]`, following Go's
/// `parseClass` in Perl mode (`-` is literal where it cannot form a range, `]` is literal first).
extension RegexParser {
    /// Parses the class starting at the `[` under the cursor.
    ///
    /// Under `(?i)` each range and named group is case-folded as it is added; a leading `^`
    /// negates the whole class at the end, so `[^k]` under `(?i)` excludes `k`, `K` and U+212A.
    /// A negated class may match `\n` (Go's Perl flags include `ClassNL`).
    mutating func parseClass() throws(RegexError) -> ScalarSet {
        let start = pos
        pos += 1
        var negated = false
        if peek() == UInt8(ascii: "^") {
            negated = true
            pos += 1
        }
        var bounds: [UInt32] = []
        var first = true
        while pos >= pattern.count || pattern[pos] != UInt8(ascii: "]") || first {
            first = false
            if let group = try parsePOSIXClass() {
                bounds.append(contentsOf: group.bounds)
                continue
            }
            if let group = try parseUnicodeClass() {
                bounds.append(contentsOf: group.bounds)
                continue
            }
            if let group = parsePerlClass() {
                bounds.append(contentsOf: group.bounds)
                continue
            }
            let rangeStart = pos
            let lo = try parseClassChar(classStart: start)
            var hi = lo
            // `[a-]` means a or -: a range needs something other than `]` after the `-`.
            if pos + 1 < pattern.count, pattern[pos] == UInt8(ascii: "-"), pattern[pos + 1] != UInt8(ascii: "]") {
                pos += 1
                hi = try parseClassChar(classStart: start)
                if hi < lo {
                    throw RegexError(.invalidCharRange, offset: rangeStart, fragment: text(rangeStart))
                }
            }
            if flags.contains(.caseInsensitive) {
                bounds.append(contentsOf: ScalarSet.range(lo, hi).caseFolded().bounds)
            } else {
                bounds.append(contentsOf: [lo, hi])
            }
        }
        pos += 1   // ]
        let set = ScalarSet(unsortedBounds: bounds)
        return negated ? set.inverted() : set
    }

    /// One class member: an escape or a literal code point.
    mutating func parseClassChar(classStart: Int) throws(RegexError) -> UInt32 {
        guard pos < pattern.count else {
            throw RegexError(.missingBracket, offset: classStart, fragment: text(classStart, pattern.count))
        }
        if pattern[pos] == UInt8(ascii: "\\") { return try parseEscape() }
        let (c, width) = scalar(at: pos)
        pos += width
        return c
    }

    /// `[:name:]` or `[:^name:]` at the cursor; nil (cursor unchanged) when there is no `[:`…`:]`.
    /// As in Go, the closing `:]` is searched for in the rest of the pattern.
    mutating func parsePOSIXClass() throws(RegexError) -> ScalarSet? {
        guard pos + 2 < pattern.count, pattern[pos] == UInt8(ascii: "["), pattern[pos + 1] == UInt8(ascii: ":") else {
            return nil
        }
        var close = pos + 2
        while close + 1 < pattern.count, !(pattern[close] == UInt8(ascii: ":") && pattern[close + 1] == UInt8(ascii: "]")) {
            close += 1
        }
        guard close + 1 < pattern.count else { return nil }
        var nameStart = pos + 2
        let negated = pattern[nameStart] == UInt8(ascii: "^")
        if negated { nameStart += 1 }
        guard let set = NamedClasses.posix(pattern[nameStart..<close]) else {
            throw RegexError(.invalidCharRange, offset: pos, fragment: text(pos, close + 2))
        }
        pos = close + 2
        return applyGroupFlags(set, negated: negated)
    }
}
