import Primitives
import Testing
@testable import Selectors

/// Thousands of random patterns and texts, fixed seed: every engine must agree with the
/// independent `ReferenceRegex` evaluator.
@Suite struct RegexDifferentialTests {
    @Test func randomPatternsAgreeWithTheReference() throws {
        var rng = SplitMix64(state: 0x5E1E_C702)
        var checked = 0
        var failures: [String] = []
        for _ in 0..<2500 {
            let tree = ReferenceRegex.random(&rng, depth: 3)
            let pattern = tree.pattern
            let variants = RE2Regex.engineVariants(pattern)
            guard !variants.isEmpty else {
                failures.append("does not compile: \(pattern)")
                continue
            }
            var texts: [[UInt32]] = (0..<6).map { _ in
                (0..<rng.next(7)).map { _ in ReferenceRegex.alphabet[rng.next(ReferenceRegex.alphabet.count)] }
            }
            for _ in 0..<6 { texts.append(tree.sample(&rng)) }
            for text in texts {
                let expected = tree.wholeMatch(text)
                let string = String(String.UnicodeScalarView(text.map { Unicode.Scalar($0)! }))
                for (engine, regex) in variants where regex.matches(string) != expected {
                    failures.append("\(engine): \(pattern) on \(string.debugDescription): expected \(expected)")
                }
                checked += 1
            }
            if failures.count > 20 { break }
        }
        #expect(failures.isEmpty, "\(failures.prefix(20).joined(separator: "\n"))")
        #expect(checked >= 25_000)
    }

    /// Large DFAs hit the budget and fall back to the NFA; the answers must not change.
    @Test func budgetFallbackGivesTheSameAnswers() throws {
        // (a|b)*a(a|b){12}: the DFA needs 2^13 states, over the budget.
        let pattern = "(a|b)*a(a|b){12}"
        let regex = try RE2Regex(pattern)
        #expect(regex.engine == .nfa)
        var rng = SplitMix64(state: 7)
        let tree = ReferenceRegex.concat([
            .star(.alternate([.char(0x61), .char(0x62)])), .char(0x61),
            .counted(.alternate([.char(0x61), .char(0x62)]), min: 12, max: 12),
        ])
        for _ in 0..<200 {
            let text = (0..<(10 + rng.next(10))).map { _ in UInt32(0x61 + rng.next(2)) }
            let string = String(String.UnicodeScalarView(text.map { Unicode.Scalar($0)! }))
            #expect(regex.matches(string) == tree.wholeMatch(text), "\(string)")
        }
        // The same shape with 6 counted repetitions fits the budget.
        #expect(try RE2Regex("(a|b)*a(a|b){6}").engine == .dfa)
    }
}
