/// A deterministic automaton built from a program ahead of time, within a budget: one table
/// lookup per input code point, no allocation, and shareable between threads because it is never
/// modified after construction.
///
/// RE2 builds its DFA lazily, caching states while matching; that needs a mutable, locked cache.
/// A selector regex is compiled once and then matched against every new series from several
/// shards, so this one is built completely up front instead, and abandoned (the program then runs
/// on the NFA) when it would exceed `maxStates`, `maxCells` or `maxWork`. Typical selector
/// patterns (`5..`, `GET|POST`, `/api/.*`) need a handful of states.
///
/// A state is a set of program positions plus what precedes the current position (`RegexContext`)
/// when the program has assertions. A transition first resolves the assertions the state is
/// waiting on, using the context on both sides, then steps every consuming instruction.
/// State 0 is dead (nothing can match any more); state 1 accepts every continuation (it is only
/// reachable when such a state exists), so the match loop can stop early at either.
///
/// A class, so that reaching it from a compiled regex costs one reference rather than copies
/// of its tables.
final class RegexDFA: Sendable {
    static let maxStates = 1024
    static let maxCells = 1 << 16
    static let maxWork = 500_000

    let alphabet: RegexAlphabet
    /// `transitions[state * alphabet.count + class]`.
    let transitions: [UInt16]
    /// Whether the text may end in each state.
    let acceptsAtEnd: [Bool]
    let start: UInt16

    var stateCount: Int { acceptsAtEnd.count }

    /// Builds the DFA of `program`; nil when over budget.
    init?(_ program: RegexProgram) {
        guard let alphabet = RegexAlphabet(program) else { return nil }
        var builder = DFABuilder(program: program, alphabet: alphabet)
        guard let built = builder.build() else { return nil }
        self.alphabet = alphabet
        self.transitions = built.transitions
        self.acceptsAtEnd = built.acceptsAtEnd
        self.start = built.start
    }

    /// Whether all of `text` is accepted.
    @inline(__always)
    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var state = Int(start)
        if state <= 1 { return state == 1 }
        let stride = alphabet.count
        return transitions.withUnsafeBufferPointer { table in
            alphabet.ascii.withUnsafeBufferPointer { ascii in
                var i = 0
                let end = text.count
                while i < end {
                    let byte = text[i]
                    let symbol: Int
                    if byte < 0x80 {
                        symbol = Int(ascii[Int(byte)])
                        i += 1
                    } else {
                        let (c, width) = UTF8Decoding.decodeMultibyte(text, at: i, first: byte)
                        symbol = alphabet.classOf(nonASCII: c)
                        i += width
                    }
                    state = Int(table[state &* stride &+ symbol])
                    if state <= 1 { return state == 1 }
                }
                return acceptsAtEnd[state]
            }
        }
    }
}

/// Subset construction for `RegexDFA`.
private struct DFABuilder {
    struct StateKey: Hashable {
        var before: RegexContext
        var positions: [Int32]
    }

    /// The positions a step lands on before their closure, with the context they land in.
    struct StepKey: Hashable {
        var before: RegexContext
        var targets: [Int32]
    }

    let program: RegexProgram
    let alphabet: RegexAlphabet
    let tracksContext: Bool
    /// Context of each symbol class's code points.
    let symbolContext: [RegexContext]
    var keys: [StateKey] = []
    var index: [StateKey: Int] = [:]
    var marks: [Int]
    var generation = 0
    /// Instructions visited so far, against `RegexDFA.maxWork`.
    var work = 0
    /// Scratch for `closure`, kept between calls.
    var stack: [Int32] = []

    init(program: RegexProgram, alphabet: RegexAlphabet) {
        self.program = program
        self.alphabet = alphabet
        tracksContext = program.hasAssertions
        symbolContext = alphabet.representatives.map { program.hasAssertions ? RegexContext.of($0) : .other }
        marks = [Int](repeating: -1, count: program.count)
    }

    /// The positions reachable from `roots` through jumps and splits; assertions are followed
    /// when they hold in `context` (and dropped when they do not), or kept unresolved when
    /// `context` is nil. Returns consuming, `match` and unresolved `assert` positions. Nil when
    /// the work budget is exhausted.
    mutating func closure(_ roots: [Int32], context: (before: RegexContext, after: RegexContext)?) -> [Int32]? {
        generation += 1
        var result: [Int32] = []
        stack.removeAll(keepingCapacity: true)
        for root in roots where marks[Int(root)] != generation {
            marks[Int(root)] = generation
            stack.append(root)
        }
        while let pc = stack.popLast() {
            work += 1
            let instruction = program.instructions[Int(pc)]
            var first: Int32 = -1, second: Int32 = -1
            switch instruction.op {
            case .jump: first = instruction.x
            case .split: (first, second) = (instruction.x, instruction.y)
            case .assert:
                if let context {
                    if RegexContext.holds(instruction.x, before: context.before, after: context.after) { first = pc + 1 }
                } else {
                    result.append(pc)
                }
            case .fail: break
            case .scalar, .set, .match: result.append(pc)
            }
            if first >= 0 && marks[Int(first)] != generation {
                marks[Int(first)] = generation
                stack.append(first)
            }
            if second >= 0 && marks[Int(second)] != generation {
                marks[Int(second)] = generation
                stack.append(second)
            }
        }
        return work <= RegexDFA.maxWork ? result : nil
    }

    /// The index of the state with this key, adding it when new; nil when over budget.
    mutating func state(_ key: StateKey) -> Int? {
        if key.positions.isEmpty { return 0 }
        work += 4 * key.positions.count   // sorting and hashing the key
        if let known = index[key] { return known }
        guard keys.count < RegexDFA.maxStates, (keys.count + 1) * alphabet.count <= RegexDFA.maxCells else { return nil }
        index[key] = keys.count
        keys.append(key)
        return keys.count - 1
    }

    mutating func build() -> (transitions: [UInt16], acceptsAtEnd: [Bool], start: UInt16)? {
        let stride = alphabet.count
        keys = [StateKey(before: .edge, positions: [])]   // state 0: dead
        guard let startPositions = closure([0], context: nil),
              let start = state(StateKey(before: tracksContext ? .edge : .other, positions: startPositions.sorted())) else {
            return nil
        }
        var transitions = [UInt16](repeating: 0, count: stride)
        var acceptsAtEnd = [false]
        var s = 1
        while s < keys.count {
            let key = keys[s]
            // Assertions waiting in this state are resolved once per context after the position.
            var expanded = [[Int32]?](repeating: nil, count: 4)
            func expand(_ after: RegexContext, _ builder: inout DFABuilder) -> [Int32]? {
                if let known = expanded[Int(after.rawValue)] { return known }
                guard let positions = builder.closure(key.positions, context: (key.before, after)) else { return nil }
                expanded[Int(after.rawValue)] = positions
                return positions
            }
            guard let atEnd = expand(.edge, &self) else { return nil }
            acceptsAtEnd.append(atEnd.contains { program.instructions[Int($0)].op == .match })
            // Many symbols step to the same positions (often none): compute each successor once.
            var successors: [StepKey: UInt16] = [:]
            for symbol in 0..<stride {
                let after = symbolContext[symbol]
                guard let live = expand(after, &self) else { return nil }
                let c = alphabet.representatives[symbol]
                var targets: [Int32] = []
                for pc in live where program.accepts(program.instructions[Int(pc)], c) { targets.append(pc + 1) }
                work += live.count
                if targets.isEmpty {
                    transitions.append(0)
                    continue
                }
                let before = tracksContext ? after : .other
                let stepKey = StepKey(before: before, targets: targets)
                if let known = successors[stepKey] {
                    transitions.append(known)
                    continue
                }
                guard let positions = closure(targets, context: nil),
                      let next = state(StateKey(before: before, positions: positions.sorted())) else {
                    return nil
                }
                successors[stepKey] = UInt16(next)
                transitions.append(UInt16(next))
            }
            s += 1
        }
        return Self.withUniversalState(transitions: transitions, acceptsAtEnd: acceptsAtEnd, start: start, stride: stride)
    }

    /// Renumbers the states so that index 1 is the (merged) state that accepts every
    /// continuation, or an unreachable placeholder when there is none.
    static func withUniversalState(transitions: [UInt16], acceptsAtEnd: [Bool], start: Int, stride: Int)
        -> (transitions: [UInt16], acceptsAtEnd: [Bool], start: UInt16) {
        let count = acceptsAtEnd.count
        var universal = [Bool](repeating: false, count: count)
        for s in 1..<count where acceptsAtEnd[s] {
            universal[s] = (0..<stride).allSatisfy { Int(transitions[s * stride + $0]) == s }
        }
        // New numbering: 0 dead, 1 universal (or placeholder), then the others in order.
        var newIndex = [Int](repeating: 0, count: count)
        var next = 2
        for s in 1..<count {
            if universal[s] { newIndex[s] = 1 } else { newIndex[s] = next; next += 1 }
        }
        var newTransitions = [UInt16](repeating: 0, count: next * stride)
        var newAccepts = [Bool](repeating: false, count: next)
        newAccepts[1] = universal.contains(true)
        for s in 1..<count where !universal[s] {
            let row = newIndex[s]
            newAccepts[row] = acceptsAtEnd[s]
            for symbol in 0..<stride {
                newTransitions[row * stride + symbol] = UInt16(newIndex[Int(transitions[s * stride + symbol])])
            }
        }
        if newAccepts[1] {
            for symbol in 0..<stride { newTransitions[stride + symbol] = 1 }
        }
        return (newTransitions, newAccepts, UInt16(newIndex[start]))
    }
}
