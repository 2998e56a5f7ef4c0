/// A zero-width assertion: `\A` `^` `$` `\z` `\b` `\B`.
enum RegexAssertion: UInt8, Sendable, Hashable {
    /// `\A`, or `^` without `(?m)`: at the start of the text.
    case beginText
    /// `\z`, or `$` without `(?m)`: at the end of the text (Go: not before a final `\n`).
    case endText
    /// `^` under `(?m)`: at the start of the text or after `\n`.
    case beginLine
    /// `$` under `(?m)`: at the end of the text or before `\n`.
    case endLine
    /// `\b`: between an ASCII word character and a non-word character (or an edge).
    case wordBoundary
    /// `\B`: not at a `\b`.
    case notWordBoundary
}

/// The parse flags that `(?imsU)` toggles.
struct RegexFlags: OptionSet, Sendable, Hashable {
    let rawValue: UInt8
    /// `(?i)`: case-insensitive.
    static let caseInsensitive = RegexFlags(rawValue: 1)
    /// `(?s)`: `.` matches `\n`.
    static let dotMatchesNewline = RegexFlags(rawValue: 2)
    /// `(?m)`: `^` and `$` match at line boundaries.
    static let multiLine = RegexFlags(rawValue: 4)
    /// `(?U)`: swap greedy and lazy quantifiers (no effect on a whole-match answer).
    static let ungreedy = RegexFlags(rawValue: 8)
}

/// A parsed regular expression.
///
/// Flags are already applied (a case-folded literal is a `set`, `.` is a `set`, `^` is the right
/// assertion), and groups, capture names and greediness are gone: none of them changes whether
/// the *whole* text matches, which is the only question this engine answers.
indirect enum RegexNode: Sendable, Hashable {
    /// Matches the empty string.
    case empty
    /// Matches nothing (an empty class such as `[^\x00-\x{10FFFF}]`).
    case noMatch
    /// A sequence of code points, matched exactly.
    case literal([UInt32])
    /// One code point from the set.
    case set(ScalarSet)
    /// A zero-width assertion.
    case assertion(RegexAssertion)
    /// The parts in sequence.
    case concat([RegexNode])
    /// Any of the branches.
    case alternate([RegexNode])
    /// `min` to `max` repetitions (`max` nil: unbounded): `*` `+` `?` `{n,m}`.
    case repetition(RegexNode, min: Int, max: Int?)

    /// True when the node can only ever match the empty string, whatever surrounds it.
    var isEmptyWidth: Bool {
        switch self {
        case .empty, .assertion: true
        case .literal(let scalars): scalars.isEmpty
        case .noMatch, .set: false
        case .concat(let parts): parts.allSatisfy(\.isEmptyWidth)
        case .alternate(let branches): branches.allSatisfy(\.isEmptyWidth)
        case .repetition(let sub, _, let max): max == 0 || sub.isEmptyWidth
        }
    }

    /// Go's `repeatIsValid`: nested counted repetitions may multiply to at most `limit`
    /// (`(a{500}){3}` is rejected), so the expanded program stays bounded.
    func repeatCountIsValid(_ limit: Int) -> Bool {
        var limit = limit
        switch self {
        case .repetition(let sub, let min, let max):
            let m = max ?? min
            if m > limit { return false }
            if m > 0 { limit /= m }
            return sub.repeatCountIsValid(limit)
        case .concat(let parts), .alternate(let parts):
            return parts.allSatisfy { $0.repeatCountIsValid(limit) }
        default:
            return true
        }
    }
}
