/// A partition of all code points into classes that no instruction of a program tells apart:
/// the DFA's input alphabet. `5..` has three classes (`5`, `\n`, everything else); `[a-z]+` two.
///
/// Intervals between the bounds of every set and literal are grouped by their membership
/// signature, so `[a-c]` and `[x-z]` in one set make one class. ASCII code points map through a
/// 128-entry table; others through a binary search over the interval starts.
struct RegexAlphabet: Sendable {
    /// Class of each ASCII code point.
    let ascii: [UInt16]
    /// Starts of the non-ASCII intervals (the first is 0x80), ascending.
    let starts: [UInt32]
    /// Class of each non-ASCII interval.
    let intervalClasses: [UInt16]
    /// A member of each class.
    let representatives: [UInt32]

    var count: Int { representatives.count }

    /// Largest intervals × distinct predicates worth examining; beyond it the program runs on
    /// the NFA only.
    static let maxSignatureWork = 2_000_000

    /// The alphabet of `program`; nil when it would be too costly to compute or to use.
    init?(_ program: RegexProgram) {
        var cuts: Set<UInt32> = [0, 0x80]
        var scalars: Set<UInt32> = []
        for instruction in program.instructions where instruction.op == .scalar {
            scalars.insert(UInt32(bitPattern: instruction.x))
        }
        func cut(_ lo: UInt32, _ hi: UInt32) {
            cuts.insert(lo)
            if hi < ScalarSet.maxScalar { cuts.insert(hi + 1) }
        }
        for c in scalars { cut(c, c) }
        for set in program.sets {
            for r in 0..<set.rangeCount { cut(set.range(at: r).lo, set.range(at: r).hi) }
        }
        let tracksContext = program.hasAssertions
        if tracksContext {
            cut(0x0A, 0x0A)
            for r in 0..<NamedClasses.word.rangeCount { cut(NamedClasses.word.range(at: r).lo, NamedClasses.word.range(at: r).hi) }
        }
        let intervalStarts = cuts.sorted()
        let scalarList = scalars.sorted()
        let predicates = program.sets.count + scalarList.count + (tracksContext ? 1 : 0)
        guard intervalStarts.count * max(predicates, 1) <= Self.maxSignatureWork else { return nil }

        // Signature of an interval: which sets/scalars contain its first code point, plus its
        // assertion context.
        var classOfSignature: [[UInt64]: UInt16] = [:]
        var representatives: [UInt32] = []
        var intervalClass: [UInt16] = []
        intervalClass.reserveCapacity(intervalStarts.count)
        let words = (predicates + 63) / 64 + 1
        for start in intervalStarts {
            var signature = [UInt64](repeating: 0, count: words)
            var bit = 0
            for set in program.sets {
                if set.contains(start) { signature[bit / 64] |= 1 << UInt64(bit % 64) }
                bit += 1
            }
            for c in scalarList {
                if c == start { signature[bit / 64] |= 1 << UInt64(bit % 64) }
                bit += 1
            }
            if tracksContext { signature[words - 1] = UInt64(RegexContext.of(start).rawValue) }
            if let known = classOfSignature[signature] {
                intervalClass.append(known)
            } else {
                guard representatives.count < Int(UInt16.max) else { return nil }
                let id = UInt16(representatives.count)
                classOfSignature[signature] = id
                representatives.append(start)
                intervalClass.append(id)
            }
        }
        // Intervals below 0x80 fill the ASCII table; the rest are searched.
        var ascii = [UInt16](repeating: 0, count: 128)
        var firstNonASCII = 0
        for (i, start) in intervalStarts.enumerated() where start < 0x80 {
            let end = i + 1 < intervalStarts.count ? min(intervalStarts[i + 1], 0x80) : 0x80
            for c in Int(start)..<Int(end) { ascii[c] = intervalClass[i] }
            firstNonASCII = i + 1
        }
        self.ascii = ascii
        self.starts = Array(intervalStarts[firstNonASCII...])
        self.intervalClasses = Array(intervalClass[firstNonASCII...])
        self.representatives = representatives
    }

    /// The class of the interval containing `c` (`starts[0] <= c`).
    @inline(__always)
    private static func search(_ starts: [UInt32], _ classes: [UInt16], _ c: UInt32) -> Int {
        var lo = 0, hi = starts.count
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if starts[mid] <= c { lo = mid } else { hi = mid }
        }
        return Int(classes[lo])
    }

    /// The class of a code point at or above 0x80.
    @inline(__always)
    func classOf(nonASCII c: UInt32) -> Int {
        Self.search(starts, intervalClasses, c)
    }

    /// The class of any code point.
    func classOf(_ c: UInt32) -> Int {
        c < 0x80 ? Int(ascii[Int(c)]) : classOf(nonASCII: c)
    }
}
