@testable import Selectors
import Primitives

/// A small regular-expression language, independent of the engine under test: random trees are
/// rendered to RE2 syntax for the engine and evaluated here directly, by computing the set of
/// positions each node can end at (no backtracking, obviously correct, slow).
///
/// Features: literals (including escaped metacharacters and non-ASCII), `(?i:c)` on ASCII
/// letters without non-ASCII variants, `.`, `(?s:.)`, bracket classes and their negation, `\d`,
/// `\w`, concatenation, alternation, `* + ?`, `{n}`, `{n,}`, `{n,m}`, capturing, non-capturing
/// and named groups, `^ $`, `(?m:^)`, `(?m:$)`, `\b`, `\B`, and the empty pattern.
indirect enum ReferenceRegex {
    case char(UInt32)
    case foldedChar(UInt32)
    case dot
    case dotAll
    case bracket([UInt32], negated: Bool)
    case digit
    case word
    case concat([ReferenceRegex])
    case alternate([ReferenceRegex])
    case star(ReferenceRegex)
    case plus(ReferenceRegex)
    case quest(ReferenceRegex)
    case counted(ReferenceRegex, min: Int, max: Int?)
    case group(ReferenceRegex, style: Int)
    case beginText, endText, beginLine, endLine, wordBoundary, notWordBoundary
    case empty

    /// Code points random texts and literals are drawn from.
    static let alphabet: [UInt32] = [0x61, 0x62, 0x63, 0x41, 0x0A, 0x20, 0x31, 0xE9, 0x2D, 0x2E, 0x2A]

    // MARK: Rendering

    var pattern: String { render() }

    private var isAtom: Bool {
        switch self {
        case .char, .foldedChar, .dot, .dotAll, .bracket, .digit, .word, .group: true
        case .beginText, .endText, .wordBoundary, .notWordBoundary: true
        default: false
        }
    }

    private static func escape(_ c: UInt32, inClass: Bool) -> String {
        let s = String(Character(Unicode.Scalar(c)!))
        if c == 0x0A { return "\\n" }
        let special: Set<Character> = inClass ? ["]", "\\", "-", "^", "["] : ["\\", ".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "^", "$"]
        return special.contains(Character(s)) ? "\\" + s : s
    }

    private func render() -> String {
        switch self {
        case .char(let c): return Self.escape(c, inClass: false)
        case .foldedChar(let c): return "(?i:" + Self.escape(c, inClass: false) + ")"
        case .dot: return "."
        case .dotAll: return "(?s:.)"
        case .bracket(let members, let negated):
            return "[" + (negated ? "^" : "") + members.map { Self.escape($0, inClass: true) }.joined() + "]"
        case .digit: return "\\d"
        case .word: return "\\w"
        case .concat(let parts):
            return parts.map { part in
                if case .alternate = part { return "(?:" + part.render() + ")" }
                return part.render()
            }.joined()
        case .alternate(let branches): return branches.map { $0.render() }.joined(separator: "|")
        case .star(let sub): return Self.operand(sub) + "*"
        case .plus(let sub): return Self.operand(sub) + "+"
        case .quest(let sub): return Self.operand(sub) + "?"
        case .counted(let sub, let min, let max):
            let count = max == min ? "{\(min)}" : max.map { "{\(min),\($0)}" } ?? "{\(min),}"
            return Self.operand(sub) + count
        case .group(let sub, let style):
            switch style {
            case 0: return "(" + sub.render() + ")"
            case 1: return "(?:" + sub.render() + ")"
            default: return "(?P<g" + String(style) + ">" + sub.render() + ")"
            }
        case .beginText: return "^"
        case .endText: return "$"
        case .beginLine: return "(?m:^)"
        case .endLine: return "(?m:$)"
        case .wordBoundary: return "\\b"
        case .notWordBoundary: return "\\B"
        case .empty: return ""
        }
    }

    private static func operand(_ sub: ReferenceRegex) -> String {
        sub.isAtom ? sub.render() : "(?:" + sub.render() + ")"
    }

    // MARK: Evaluation

    /// Whether the whole text matches.
    func wholeMatch(_ text: [UInt32]) -> Bool {
        ends(from: 0, in: text).contains(text.count)
    }

    private static func isWord(_ text: [UInt32], _ i: Int) -> Bool {
        guard i >= 0 && i < text.count else { return false }
        let c = text[i]
        return (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || c == 0x5F
    }

    private func one(_ text: [UInt32], _ start: Int, _ accepts: (UInt32) -> Bool) -> Set<Int> {
        start < text.count && accepts(text[start]) ? [start + 1] : []
    }

    /// Every position where a match of this node starting at `start` can end.
    func ends(from start: Int, in text: [UInt32]) -> Set<Int> {
        switch self {
        case .char(let c): return one(text, start) { $0 == c }
        case .foldedChar(let c): return one(text, start) { $0 | 0x20 == c | 0x20 }
        case .dot: return one(text, start) { $0 != 0x0A }
        case .dotAll: return one(text, start) { _ in true }
        case .bracket(let members, let negated): return one(text, start) { members.contains($0) != negated }
        case .digit: return one(text, start) { (0x30...0x39).contains($0) }
        case .word: return one(text, start) { _ in Self.isWord(text, start) }
        case .concat(let parts):
            var positions: Set<Int> = [start]
            for part in parts { positions = Set(positions.flatMap { part.ends(from: $0, in: text) }) }
            return positions
        case .alternate(let branches):
            return Set(branches.flatMap { $0.ends(from: start, in: text) })
        case .star(let sub): return Self.closure(sub, from: [start], in: text)
        case .plus(let sub): return Self.closure(sub, from: sub.ends(from: start, in: text), in: text)
        case .quest(let sub): return sub.ends(from: start, in: text).union([start])
        case .counted(let sub, let min, let max):
            var positions: Set<Int> = [start]
            for _ in 0..<min { positions = Set(positions.flatMap { sub.ends(from: $0, in: text) }) }
            guard let max else { return Self.closure(sub, from: positions, in: text) }
            var all = positions
            for _ in min..<max {
                positions = Set(positions.flatMap { sub.ends(from: $0, in: text) })
                all.formUnion(positions)
            }
            return all
        case .group(let sub, _): return sub.ends(from: start, in: text)
        case .beginText: return start == 0 ? [start] : []
        case .endText: return start == text.count ? [start] : []
        case .beginLine: return start == 0 || text[start - 1] == 0x0A ? [start] : []
        case .endLine: return start == text.count || text[start] == 0x0A ? [start] : []
        case .wordBoundary: return Self.isWord(text, start - 1) != Self.isWord(text, start) ? [start] : []
        case .notWordBoundary: return Self.isWord(text, start - 1) == Self.isWord(text, start) ? [start] : []
        case .empty: return [start]
        }
    }

    /// Positions reachable by zero or more repetitions of `sub` from `starts`.
    private static func closure(_ sub: ReferenceRegex, from starts: Set<Int>, in text: [UInt32]) -> Set<Int> {
        var reached = starts
        var frontier = Array(starts)
        while let p = frontier.popLast() {
            for e in sub.ends(from: p, in: text) where reached.insert(e).inserted { frontier.append(e) }
        }
        return reached
    }

    // MARK: Generation

    /// A random tree of at most `depth` levels.
    static func random(_ rng: inout SplitMix64, depth: Int) -> ReferenceRegex {
        let leafOnly = depth <= 0
        switch rng.next(leafOnly ? 10 : 19) {
        case 0, 1, 2: return .char(alphabet[rng.next(alphabet.count)])
        case 3: return .foldedChar([0x61, 0x62, 0x41][rng.next(3)])
        case 4: return rng.next(2) == 0 ? .dot : .dotAll
        case 5: return .bracket((0..<(1 + rng.next(3))).map { _ in alphabet[rng.next(alphabet.count)] }, negated: rng.next(3) == 0)
        case 6: return rng.next(2) == 0 ? .digit : .word
        case 7: return [.beginText, .endText, .beginLine, .endLine, .wordBoundary, .notWordBoundary][rng.next(6)]
        case 8: return .empty
        case 9: return .char(alphabet[rng.next(3)])
        case 10, 11, 12: return .concat((0..<(2 + rng.next(3))).map { _ in random(&rng, depth: depth - 1) })
        case 13, 14: return .alternate((0..<(2 + rng.next(3))).map { _ in random(&rng, depth: depth - 1) })
        case 15: return .star(random(&rng, depth: depth - 1))
        case 16: return rng.next(2) == 0 ? .plus(random(&rng, depth: depth - 1)) : .quest(random(&rng, depth: depth - 1))
        case 17:
            let min = rng.next(3)
            let max: Int? = [nil, min, min + 1 + rng.next(2)][rng.next(3)]
            return .counted(random(&rng, depth: depth - 1), min: min, max: max)
        default: return .group(random(&rng, depth: depth - 1), style: rng.next(4))
        }
    }

    /// A text this tree would likely match (assertions ignored), to balance random texts.
    func sample(_ rng: inout SplitMix64) -> [UInt32] {
        switch self {
        case .char(let c): return [c]
        case .foldedChar(let c): return [rng.next(2) == 0 ? c | 0x20 : c & ~0x20]
        case .dot, .dotAll: return [Self.alphabet[rng.next(Self.alphabet.count)]]
        case .bracket(let members, let negated): return negated ? [0x7A] : [members[rng.next(members.count)]]
        case .digit: return [0x37]
        case .word: return [0x5F]
        case .concat(let parts): return parts.flatMap { $0.sample(&rng) }
        case .alternate(let branches): return branches[rng.next(branches.count)].sample(&rng)
        case .star(let sub): return (0..<rng.next(3)).flatMap { _ in sub.sample(&rng) }
        case .plus(let sub): return (0..<(1 + rng.next(2))).flatMap { _ in sub.sample(&rng) }
        case .quest(let sub): return rng.next(2) == 0 ? [] : sub.sample(&rng)
        case .counted(let sub, let min, let max): return (0..<(min + rng.next((max ?? min + 2) - min + 1))).flatMap { _ in sub.sample(&rng) }
        case .group(let sub, _): return sub.sample(&rng)
        default: return []
        }
    }
}

extension SplitMix64 {
    /// Uniform in `0..<bound`.
    mutating func next(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }
}
