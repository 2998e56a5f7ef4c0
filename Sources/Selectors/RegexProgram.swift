/// A compiled regular expression: a Thompson NFA as a flat instruction array, run by the DFA
/// builder (`RegexDFA`) and the NFA simulation (`RegexProgram+NFA.swift`).
///
/// Consuming instructions continue at the next instruction; `split` forks, `jump` goes, `assert`
/// checks the context between two code points. The program is immutable once built.
struct RegexProgram: Sendable {
    /// Largest program, in instructions (`expression too large` beyond).
    static let maxInstructions = 50_000

    enum Opcode: UInt8, Sendable {
        /// Consume the code point `x`.
        case scalar
        /// Consume a code point in `sets[x]`.
        case set
        /// Continue at both `x` and `y`.
        case split
        /// Continue at `x`.
        case jump
        /// Continue at the next instruction when assertion `x` holds here.
        case assert
        /// The whole pattern has matched (counts only at the end of the text).
        case match
        /// No way forward.
        case fail
    }

    struct Instruction: Sendable {
        var op: Opcode
        var x: Int32
        var y: Int32
    }

    private(set) var instructions: [Instruction] = []
    /// The sets referenced by `.set` instructions, deduplicated.
    private(set) var sets: [ScalarSet] = []
    /// True when some `assert` checks `\n` around the position (`(?m)^`, `(?m)$`).
    private(set) var usesLineContext = false
    /// True when some `assert` checks word characters around the position (`\b`, `\B`).
    private(set) var usesWordContext = false
    /// True when the program has any `assert`.
    private(set) var hasAssertions = false

    /// Compiles a simplified tree; nil when it would exceed `maxInstructions`.
    init?(_ node: RegexNode) {
        var setIndex: [ScalarSet: Int32] = [:]
        guard emit(node, setIndex: &setIndex) else { return nil }
        append(.match)
    }

    var count: Int { instructions.count }

    private mutating func append(_ op: Opcode, _ x: Int32 = 0, _ y: Int32 = 0) {
        instructions.append(Instruction(op: op, x: x, y: y))
    }

    private var pc: Int32 { Int32(instructions.count) }

    /// Emits `node` so that it falls through to the instruction after it. False when too large.
    private mutating func emit(_ node: RegexNode, setIndex: inout [ScalarSet: Int32]) -> Bool {
        guard instructions.count <= Self.maxInstructions else { return false }
        switch node {
        case .empty:
            return true
        case .noMatch:
            append(.fail)
        case .literal(let scalars):
            for c in scalars { append(.scalar, Int32(bitPattern: c)) }
        case .set(let set):
            if let c = set.singleMember {
                append(.scalar, Int32(bitPattern: c))
            } else {
                let index: Int32
                if let known = setIndex[set] {
                    index = known
                } else {
                    index = Int32(sets.count)
                    sets.append(set)
                    setIndex[set] = index
                }
                append(.set, index)
            }
        case .assertion(let a):
            hasAssertions = true
            switch a {
            case .beginLine, .endLine: usesLineContext = true
            case .wordBoundary, .notWordBoundary: usesWordContext = true
            case .beginText, .endText: break
            }
            append(.assert, Int32(a.rawValue))
        case .concat(let parts):
            for part in parts where !emit(part, setIndex: &setIndex) { return false }
        case .alternate(let branches):
            // split(L1, next); L1: b1; jump end; next: split(L2, next2); … last: bn; end:
            var jumps: [Int] = []
            for (i, branch) in branches.enumerated() {
                if i < branches.count - 1 {
                    let split = Int(pc)
                    append(.split, pc + 1, 0)
                    guard emit(branch, setIndex: &setIndex) else { return false }
                    jumps.append(Int(pc))
                    append(.jump)
                    instructions[split].y = pc
                } else {
                    guard emit(branch, setIndex: &setIndex) else { return false }
                }
            }
            for j in jumps { instructions[j].x = pc }
        case .repetition(let sub, let min, let max):
            precondition(min <= 1 && (max == nil || max == 1), "counted repetitions are expanded by simplification")
            if min == 1 {
                // L: sub; split(L, end)
                let loop = pc
                guard emit(sub, setIndex: &setIndex) else { return false }
                append(.split, loop, pc + 1)
            } else if max == nil {
                // L: split(L+1, end); sub; jump L; end:
                let loop = Int(pc)
                append(.split, pc + 1, 0)
                guard emit(sub, setIndex: &setIndex) else { return false }
                append(.jump, Int32(loop))
                instructions[loop].y = pc
            } else {
                // split(L+1, end); sub; end:
                let split = Int(pc)
                append(.split, pc + 1, 0)
                guard emit(sub, setIndex: &setIndex) else { return false }
                instructions[split].y = pc
            }
        }
        return instructions.count <= Self.maxInstructions
    }

    /// True when the consuming instruction at `pc` accepts `c`.
    @inline(__always)
    func accepts(_ instruction: Instruction, _ c: UInt32) -> Bool {
        switch instruction.op {
        case .scalar: UInt32(bitPattern: instruction.x) == c
        case .set: sets[Int(instruction.x)].contains(c)
        default: false
        }
    }
}

/// What an assertion can see around a position: the kind of the code point on one side.
enum RegexContext: UInt8, Sendable {
    /// The edge of the text.
    case edge = 0
    /// `\n`.
    case newline = 1
    /// An ASCII word character `[0-9A-Za-z_]`.
    case word = 2
    /// Anything else.
    case other = 3

    @inline(__always)
    static func of(_ c: UInt32) -> RegexContext {
        if c == 0x0A { return .newline }
        return c < 128 && NamedClasses.word.contains(c) ? .word : .other
    }

    /// Whether assertion `raw` holds between `before` and `after`.
    @inline(__always)
    static func holds(_ raw: Int32, before: RegexContext, after: RegexContext) -> Bool {
        switch RegexAssertion(rawValue: UInt8(truncatingIfNeeded: raw))! {
        case .beginText: before == .edge
        case .endText: after == .edge
        case .beginLine: before == .edge || before == .newline
        case .endLine: after == .edge || after == .newline
        case .wordBoundary: (before == .word) != (after == .word)
        case .notWordBoundary: (before == .word) == (after == .word)
        }
    }
}
