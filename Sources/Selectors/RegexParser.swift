/// Parser for RE2 syntax (Go's `regexp/syntax` with `Perl` flags): pattern bytes → `RegexNode`.
///
/// An explicit stack of open groups replaces recursion, so deep nesting cannot overflow the
/// stack; the tree's height is checked against `maxHeight` as Go does (`expression nests too
/// deeply`). Errors carry Go's codes, the byte offset and the fragment Go would quote. Escapes
/// and character classes live in `RegexParser+Escapes.swift` and `RegexParser+Classes.swift`.
struct RegexParser {
    /// Longest accepted pattern, in UTF-8 bytes.
    static let maxPatternBytes = 65_536
    /// Largest count in `{n,m}`, and largest product of nested counts (Go's limit).
    static let maxRepeat = 1000
    /// Deepest tree, and deepest group nesting (Go's `maxHeight`).
    static let maxHeight = 1000

    /// A parsed piece with its tree height.
    struct Item {
        var node: RegexNode
        var height: Int
    }

    /// An open group (or the whole pattern, at the bottom of the stack).
    struct Frame {
        /// Branches already closed by `|`.
        var branches: [Item] = []
        /// Pieces of the branch being parsed.
        var items: [Item] = []
        /// Flags to restore when the group closes.
        var savedFlags: RegexFlags
        /// Offset of the `(` (0 for the whole pattern).
        var openOffset: Int
    }

    let pattern: [UInt8]
    var pos = 0
    var flags: RegexFlags
    /// Enclosing groups, outermost first; `current` is the innermost.
    var stack: [Frame] = []
    var current: Frame

    /// Parses `pattern` (valid UTF-8) with the initial `flags`.
    static func parse(_ pattern: [UInt8], flags: RegexFlags = []) throws(RegexError) -> RegexNode {
        guard pattern.count <= maxPatternBytes else {
            throw RegexError(.patternTooLong, offset: maxPatternBytes,
                             fragment: "\(pattern.count) bytes, limit \(maxPatternBytes)")
        }
        var parser = RegexParser(pattern: pattern, flags: flags, current: Frame(savedFlags: flags, openOffset: 0))
        return try parser.run()
    }

    // MARK: Cursor

    func peek(_ ahead: Int = 0) -> UInt8? {
        pos + ahead < pattern.count ? pattern[pos + ahead] : nil
    }

    /// The code point at `offset` and its byte length (the pattern is valid UTF-8).
    func scalar(at offset: Int) -> (value: UInt32, width: Int) {
        let decoded = UTF8Decoding.decode(pattern, at: offset)
        return (decoded.scalar, decoded.width)
    }

    /// The pattern text from `start` up to `end` (default: the cursor), for error fragments.
    func text(_ start: Int, _ end: Int? = nil) -> String {
        let end = Swift.min(end ?? pos, pattern.count)
        return String(decoding: pattern[Swift.min(start, end)..<end], as: UTF8.self)
    }

    var wholePattern: String { String(decoding: pattern, as: UTF8.self) }

    // MARK: Main loop

    mutating func run() throws(RegexError) -> RegexNode {
        // Offset of the repetition operator parsed in the previous step, if that step was one:
        // Perl syntax forbids stacking them (`a**`).
        var lastRepeat: Int? = nil
        while pos < pattern.count {
            var thisRepeat: Int? = nil
            switch pattern[pos] {
            case UInt8(ascii: "("):
                try parseOpenParen()
            case UInt8(ascii: "|"):
                closeBranch()
                pos += 1
            case UInt8(ascii: ")"):
                try closeGroup()
                pos += 1
            case UInt8(ascii: "^"):
                push(.assertion(flags.contains(.multiLine) ? .beginLine : .beginText))
                pos += 1
            case UInt8(ascii: "$"):
                push(.assertion(flags.contains(.multiLine) ? .endLine : .endText))
                pos += 1
            case UInt8(ascii: "."):
                push(.set(flags.contains(.dotMatchesNewline) ? .all : .allButNewline))
                pos += 1
            case UInt8(ascii: "["):
                push(.set(try parseClass()))
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
                let start = pos
                let op = pattern[pos]
                pos += 1
                let (min, max): (Int, Int?) = op == UInt8(ascii: "*") ? (0, nil) : op == UInt8(ascii: "+") ? (1, nil) : (0, 1)
                try applyRepeat(min: min, max: max, start: start, lastRepeat: lastRepeat, counted: false)
                thisRepeat = start
            case UInt8(ascii: "{"):
                let start = pos
                guard let (min, max, end) = parseRepeatBraces() else {
                    push(literal: UInt32(UInt8(ascii: "{")))
                    pos += 1
                    break
                }
                pos = end
                if min < 0 || min > Self.maxRepeat || (max ?? 0) > Self.maxRepeat || max.map({ min > $0 }) == true {
                    throw RegexError(.invalidRepeatSize, offset: start, fragment: text(start))
                }
                try applyRepeat(min: min, max: max, start: start, lastRepeat: lastRepeat, counted: true)
                thisRepeat = start
            case UInt8(ascii: "\\"):
                try parseBackslash()
            default:
                let (c, width) = scalar(at: pos)
                pos += width
                push(literal: c)
            }
            lastRepeat = thisRepeat
        }
        guard stack.isEmpty else {
            throw RegexError(.missingParen, offset: current.openOffset, fragment: wholePattern)
        }
        return finishFrame().node
    }

    // MARK: Building

    /// Appends a piece to the current branch.
    mutating func push(_ node: RegexNode, height: Int = 1) {
        current.items.append(Item(node: node, height: height))
    }

    /// Appends a literal code point, as the set of its case variants under `(?i)`.
    mutating func push(literal c: UInt32) {
        if flags.contains(.caseInsensitive) {
            let folded = ScalarSet.single(c).caseFolded()
            if folded.singleMember == nil {
                push(.set(folded))
                return
            }
        }
        push(.literal([c]))
    }

    /// `|`: the current branch is complete.
    mutating func closeBranch() {
        current.branches.append(Self.concat(current.items))
        current.items = []
    }

    /// The current frame as one item (alternation of its branches).
    mutating func finishFrame() -> Item {
        closeBranch()
        let branches = current.branches
        if branches.count == 1 { return branches[0] }
        return Item(node: .alternate(branches.map(\.node)), height: branches.map(\.height).max()! + 1)
    }

    /// A branch's items as one item.
    static func concat(_ items: [Item]) -> Item {
        switch items.count {
        case 0: Item(node: .empty, height: 1)
        case 1: items[0]
        default: Item(node: .concat(items.map(\.node)), height: items.map(\.height).max()! + 1)
        }
    }

    /// Opens a group at the `(` at `offset`; the current flags are restored when it closes.
    mutating func openGroup(at offset: Int) throws(RegexError) {
        guard stack.count < Self.maxHeight else {
            throw RegexError(.nestingDepth, offset: offset, fragment: wholePattern)
        }
        stack.append(current)
        current = Frame(savedFlags: flags, openOffset: offset)
    }

    /// `)`: closes the innermost group and appends it to its parent.
    mutating func closeGroup() throws(RegexError) {
        guard let parent = stack.popLast() else {
            throw RegexError(.unexpectedParen, offset: pos, fragment: wholePattern)
        }
        let item = finishFrame()
        flags = current.savedFlags
        current = parent
        guard item.height <= Self.maxHeight else {
            throw RegexError(.nestingDepth, offset: pos, fragment: wholePattern)
        }
        current.items.append(item)
    }

    // MARK: Groups and flags

    /// `(`, `(?:`, `(?P<name>`, `(?<name>`, `(?flags)` or `(?flags:`.
    mutating func parseOpenParen() throws(RegexError) {
        let start = pos
        guard peek(1) == UInt8(ascii: "?") else {
            try openGroup(at: start)
            pos += 1
            return
        }
        let remaining = pattern.count - pos
        let pythonStyle = remaining > 4 && peek(2) == UInt8(ascii: "P") && peek(3) == UInt8(ascii: "<")
        if pythonStyle || remaining > 3 && peek(2) == UInt8(ascii: "<") {
            let nameStart = pos + (pythonStyle ? 4 : 3)
            guard let close = pattern[pos...].firstIndex(of: UInt8(ascii: ">")) else {
                throw RegexError(.invalidNamedCapture, offset: start, fragment: text(start, pattern.count))
            }
            let name = pattern[nameStart..<close]
            guard !name.isEmpty, name.allSatisfy(Self.isWordByte) else {
                throw RegexError(.invalidNamedCapture, offset: start, fragment: text(start, close + 1))
            }
            try openGroup(at: start)
            pos = close + 1
            return
        }
        // Flags: (?i) (?-s) (?im-sU:re) …
        pos += 2
        var newFlags = flags
        var negated = false
        var sawFlag = false
        while pos < pattern.count {
            let c = pattern[pos]
            pos += c < 0x80 ? 1 : scalar(at: pos).width
            var flag: RegexFlags
            switch c {
            case UInt8(ascii: "i"): flag = .caseInsensitive
            case UInt8(ascii: "m"): flag = .multiLine
            case UInt8(ascii: "s"): flag = .dotMatchesNewline
            case UInt8(ascii: "U"): flag = .ungreedy
            case UInt8(ascii: "-"):
                if negated { throw RegexError(.invalidPerlOp, offset: start, fragment: text(start)) }
                negated = true
                sawFlag = false
                continue
            case UInt8(ascii: ":"), UInt8(ascii: ")"):
                if negated && !sawFlag { throw RegexError(.invalidPerlOp, offset: start, fragment: text(start)) }
                if c == UInt8(ascii: ":") { try openGroup(at: start) }
                flags = newFlags
                return
            default:
                throw RegexError(.invalidPerlOp, offset: start, fragment: text(start))
            }
            if negated { newFlags.remove(flag) } else { newFlags.insert(flag) }
            sawFlag = true
        }
        throw RegexError(.invalidPerlOp, offset: start, fragment: text(start))
    }

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x5F
    }

    // MARK: Repetition

    /// Parses `{n}`, `{n,}` or `{n,m}` at the cursor without moving it: (min, max, end offset),
    /// with -1 for a number too large; nil when the text is not a repetition (then `{` is a
    /// literal, as in Go). Leading zeros are not allowed.
    func parseRepeatBraces() -> (min: Int, max: Int?, end: Int)? {
        var i = pos + 1
        func number() -> Int? {
            guard i < pattern.count, pattern[i] >= 0x30, pattern[i] <= 0x39 else { return nil }
            if pattern[i] == 0x30, i + 1 < pattern.count, pattern[i + 1] >= 0x30, pattern[i + 1] <= 0x39 { return nil }
            var value = 0
            while i < pattern.count, pattern[i] >= 0x30, pattern[i] <= 0x39 {
                if value >= 100_000_000 { value = -1 }
                if value >= 0 { value = value * 10 + Int(pattern[i] - 0x30) }
                i += 1
            }
            return value
        }
        guard var min = number(), i < pattern.count else { return nil }
        var max: Int?
        if pattern[i] == UInt8(ascii: ",") {
            i += 1
            guard i < pattern.count else { return nil }
            if pattern[i] == UInt8(ascii: "}") {
                max = nil
            } else {
                guard let m = number() else { return nil }
                if m < 0 { min = -1 }
                max = m
            }
        } else {
            max = min
        }
        guard i < pattern.count, pattern[i] == UInt8(ascii: "}") else { return nil }
        return (min, max, i + 1)
    }

    /// Applies a repetition operator (already consumed, from `start`) to the last piece.
    mutating func applyRepeat(min: Int, max: Int?, start: Int, lastRepeat: Int?, counted: Bool) throws(RegexError) {
        if peek() == UInt8(ascii: "?") { pos += 1 }   // lazy: same whole-match answer
        if let lastRepeat {
            throw RegexError(.invalidRepeatOp, offset: lastRepeat, fragment: text(lastRepeat))
        }
        guard let last = current.items.popLast() else {
            throw RegexError(.missingRepeatArgument, offset: start, fragment: text(start))
        }
        let node = RegexNode.repetition(last.node, min: min, max: max)
        if counted && (min >= 2 || (max ?? 0) >= 2) && !node.repeatCountIsValid(Self.maxRepeat) {
            throw RegexError(.invalidRepeatSize, offset: start, fragment: text(start))
        }
        guard last.height < Self.maxHeight else {
            throw RegexError(.nestingDepth, offset: start, fragment: wholePattern)
        }
        current.items.append(Item(node: node, height: last.height + 1))
    }
}
