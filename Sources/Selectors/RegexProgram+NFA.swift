/// Thompson NFA simulation: the fallback engine for programs whose DFA would exceed its budget.
///
/// Each input code point is examined once against the set of live instructions, so the cost is
/// O(text length × program size) whatever the pattern: no backtracking, no blow-up on `(a*)*b`.
/// Scratch space (four `Int32` arrays of the program's size) comes from
/// `withUnsafeTemporaryAllocation`: on the stack when it fits, so a match does not allocate.
extension RegexProgram {
    /// Whether the program matches all of `text` (UTF-8; invalid bytes read as U+FFFD).
    func nfaMatches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = instructions.count
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: 4 * n) { scratch in
            scratch.initialize(repeating: -1)
            return instructions.withUnsafeBufferPointer { code in
                var sim = NFASimulation(code: code, program: self, scratch: scratch)
                return sim.run(text)
            }
        }
    }
}

/// The state of one NFA run: two thread lists and a mark per instruction.
private struct NFASimulation {
    let code: UnsafeBufferPointer<RegexProgram.Instruction>
    let program: RegexProgram
    /// `marks[pc] == generation` when pc was already added in this step.
    let marks: UnsafeMutableBufferPointer<Int32>
    var current: UnsafeMutableBufferPointer<Int32>
    var next: UnsafeMutableBufferPointer<Int32>
    let stack: UnsafeMutableBufferPointer<Int32>
    var currentCount = 0
    var nextCount = 0
    var generation: Int32 = 0

    init(code: UnsafeBufferPointer<RegexProgram.Instruction>, program: RegexProgram, scratch: UnsafeMutableBufferPointer<Int32>) {
        let n = code.count
        self.code = code
        self.program = program
        marks = UnsafeMutableBufferPointer(rebasing: scratch[0..<n])
        current = UnsafeMutableBufferPointer(rebasing: scratch[n..<(2 * n)])
        next = UnsafeMutableBufferPointer(rebasing: scratch[(2 * n)..<(3 * n)])
        stack = UnsafeMutableBufferPointer(rebasing: scratch[(3 * n)..<(4 * n)])
    }

    /// Adds the consuming and `match` instructions reachable from `pc` to `next`, following
    /// jumps, splits and the assertions that hold between `before` and `after`.
    mutating func add(_ pc: Int32, before: RegexContext, after: RegexContext) {
        var depth = 0
        if marks[Int(pc)] != generation {
            marks[Int(pc)] = generation
            stack[0] = pc
            depth = 1
        }
        while depth > 0 {
            depth -= 1
            let pc = stack[depth]
            let instruction = code[Int(pc)]
            var targets: (Int32, Int32) = (-1, -1)
            switch instruction.op {
            case .jump: targets.0 = instruction.x
            case .split: targets = (instruction.x, instruction.y)
            case .assert:
                if RegexContext.holds(instruction.x, before: before, after: after) { targets.0 = pc + 1 }
            case .fail: break
            case .scalar, .set, .match:
                next[nextCount] = pc
                nextCount += 1
            }
            if targets.0 >= 0 && marks[Int(targets.0)] != generation {
                marks[Int(targets.0)] = generation
                stack[depth] = targets.0
                depth += 1
            }
            if targets.1 >= 0 && marks[Int(targets.1)] != generation {
                marks[Int(targets.1)] = generation
                stack[depth] = targets.1
                depth += 1
            }
        }
    }

    /// Starts a new step: `next` is emptied and a fresh mark generation begins.
    mutating func beginStep() {
        nextCount = 0
        if generation == Int32.max {
            marks.update(repeating: -1)
            generation = 0
        } else {
            generation += 1
        }
    }

    mutating func swapLists() {
        swap(&current, &next)
        currentCount = nextCount
    }

    mutating func run(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let tracksContext = program.hasAssertions
        func context(at i: Int) -> RegexContext {
            guard i < text.count else { return .edge }
            return tracksContext ? RegexContext.of(UTF8Decoding.decode(text, at: i).scalar) : .other
        }
        beginStep()
        add(0, before: .edge, after: context(at: 0))
        swapLists()
        var i = 0
        while currentCount > 0 {
            if i == text.count {
                for k in 0..<currentCount where code[Int(current[k])].op == .match { return true }
                return false
            }
            let (c, width) = UTF8Decoding.decode(text, at: i)
            i += width
            let before = tracksContext ? RegexContext.of(c) : .other
            let after = context(at: i)
            beginStep()
            for k in 0..<currentCount {
                let pc = current[k]
                if program.accepts(code[Int(pc)], c) { add(pc + 1, before: before, after: after) }
            }
            swapLists()
        }
        return false
    }
}
