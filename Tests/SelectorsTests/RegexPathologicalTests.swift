import Testing
@testable import Selectors

/// Patterns that make backtracking engines take exponential time must finish in linear time on
/// every engine. The bounds are generous (debug build, shared machine); a backtracking matcher
/// would need longer than the age of the universe for these inputs.
@Suite struct RegexPathologicalTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var pattern: String
        var text: String
        var matches: Bool
        var testDescription: String { "\(pattern) on \(text.utf8.count) bytes" }
    }

    static let tenThousandA = String(repeating: "a", count: 10_000)

    static let cases: [Case] = [
        Case(pattern: "(a*)*b", text: tenThousandA, matches: false),
        Case(pattern: "(a|a)*c", text: tenThousandA, matches: false),
        Case(pattern: "(a|aa)*b", text: tenThousandA, matches: false),
        Case(pattern: "(a+)+$b", text: tenThousandA, matches: false),
        Case(pattern: "(x+x+)+y", text: String(repeating: "x", count: 10_000), matches: false),
        Case(pattern: "(.*a){20}", text: tenThousandA, matches: true),
        Case(pattern: "(a|b)*a(a|b){12}", text: String(repeating: "ab", count: 5_000), matches: false),
        Case(pattern: "(?:a?){30}a{30}", text: String(repeating: "a", count: 30), matches: true),
        Case(pattern: "(\\w+\\s?)*$", text: String(repeating: "word ", count: 2_000) + "!", matches: false),
        Case(pattern: "(?i)(?:\\pL|\\d)*\\b!", text: String(repeating: "é1", count: 5_000), matches: false),
    ]

    @Test(arguments: cases)
    func finishesInLinearTime(_ c: Case) throws {
        for (engine, regex) in RE2Regex.engineVariants(c.pattern) {
            let clock = ContinuousClock()
            var answer = false
            let elapsed = clock.measure { answer = regex.matches(c.text) }
            #expect(answer == c.matches, "\(engine)")
            #expect(elapsed < .seconds(5), "\(engine) took \(elapsed)")
        }
    }

    @Test func compilingAnExplosivePatternStaysBounded() throws {
        // The DFA for this would have 2^20 states; construction stops at its budget.
        let clock = ContinuousClock()
        var regex: RE2Regex?
        let elapsed = try clock.measure { regex = try RE2Regex("(?:a|b)*a(?:a|b){20}") }
        #expect(regex?.engine == .nfa)
        #expect(elapsed < .seconds(5))
    }
}
