import Testing
@testable import Selectors

/// Which patterns compile, and for the rest the error code, offset and fragment Go would report.
@Suite struct RegexSyntaxTests {
    static let valid: [String] = [
        "", "a", "abc", "a|b", "a||b", "|", "(a)", "()", "(|a)", "(?:a)", "(?P<name>a)", "(?<name>a)",
        "(?P<a>x)(?P<a>y)", "(?i)abc", "(?i:a)b", "(?is-m:a)", "(?U)a*", "(?)", "(?i)", "a*?", "a+?", "a??",
        "a{2}", "a{2,}", "a{2,5}", "a{2,5}?", "a{0}", "a{1000}", "(a{10}){100}", "a{,5}", "{", "a{", "a{1", "a{1,",
        "a{01}", "{a}", "x{2}y{3}", "[a-z]", "[^a-z]", "[]a]", "[^]a]", "[a-]", "[-a]", "[a-b-c]", "[\\d]",
        "[\\d-z]", "[[:alpha:]]", "[[:^alpha:]]", "[[:word:][:space:]]", "[a[]", "[\\]]", "[\\pL]", "\\pL", "\\p{Lu}",
        "\\PL", "\\p{^L}", "\\P{^L}", "\\p{Any}", "\\pN\\pP\\pS\\pZ\\pC\\pM", "\\Q.*\\E", "\\Qab", "\\Q\\E",
        "\\x41", "\\x{263a}", "\\x{10FFFF}", "\\101", "\\0", "\\08", "\\.", "\\_", "\\ ", "\\-", "^$", "\\A\\z",
        "\\b\\B", "(?m)^a$", "(?s).", ".*", "^*", "$+", "\\n\\t\\r\\f\\v\\a", "[\\x00-\\x{10FFFF}]",
        "[\\x{D800}-\\x{DFFF}]", "é+", "😀{2}", "(?i)ǅ",
    ]

    @Test(arguments: valid)
    func validPatternCompiles(_ pattern: String) throws {
        _ = try RE2Regex(pattern)
    }

    struct Invalid: CustomTestStringConvertible, Sendable {
        var pattern: String
        var code: RegexError.Code
        var offset: Int
        var fragment: String
        init(_ pattern: String, _ code: RegexError.Code, _ offset: Int, _ fragment: String) {
            (self.pattern, self.code, self.offset, self.fragment) = (pattern, code, offset, fragment)
        }
        var testDescription: String { pattern }
    }

    static let invalid: [Invalid] = [
        Invalid("(", .missingParen, 0, "("),
        Invalid("a(b", .missingParen, 1, "a(b"),
        Invalid("(a(b)", .missingParen, 0, "(a(b)"),
        Invalid("((a)", .missingParen, 0, "((a)"),
        Invalid("(?i:a", .missingParen, 0, "(?i:a"),
        Invalid(")", .unexpectedParen, 0, ")"),
        Invalid("a)", .unexpectedParen, 1, "a)"),
        Invalid("(a))", .unexpectedParen, 3, "(a))"),
        Invalid("*", .missingRepeatArgument, 0, "*"),
        Invalid("a|*", .missingRepeatArgument, 2, "*"),
        Invalid("(*a)", .missingRepeatArgument, 1, "*"),
        Invalid("(?i)+", .missingRepeatArgument, 4, "+"),
        Invalid("{2}", .missingRepeatArgument, 0, "{2}"),
        Invalid("??", .missingRepeatArgument, 0, "??"),
        Invalid("a**", .invalidRepeatOp, 1, "**"),
        Invalid("a*+", .invalidRepeatOp, 1, "*+"),
        Invalid("a*??", .invalidRepeatOp, 1, "*??"),
        Invalid("a{2}{3}", .invalidRepeatOp, 1, "{2}{3}"),
        Invalid("a{1001}", .invalidRepeatSize, 1, "{1001}"),
        Invalid("a{2,1}", .invalidRepeatSize, 1, "{2,1}"),
        Invalid("a{0,1001}", .invalidRepeatSize, 1, "{0,1001}"),
        Invalid("a{100000000}", .invalidRepeatSize, 1, "{100000000}"),
        Invalid("(a{500}){3}", .invalidRepeatSize, 8, "{3}"),
        Invalid("((a{10}){10}){11}", .invalidRepeatSize, 13, "{11}"),
        Invalid("[a", .missingBracket, 0, "[a"),
        Invalid("x[a-", .missingBracket, 1, "[a-"),
        Invalid("[]", .missingBracket, 0, "[]"),
        Invalid("[^]", .missingBracket, 0, "[^]"),
        Invalid("[z-a]", .invalidCharRange, 1, "z-a"),
        Invalid("[a-\\d]", .invalidEscape, 3, "\\d"),
        Invalid("[[:foo:]]", .invalidCharRange, 1, "[:foo:]"),
        Invalid("[[:^:]]", .invalidCharRange, 1, "[:^:]"),
        Invalid("\\", .trailingBackslash, 0, ""),
        Invalid("a\\", .trailingBackslash, 1, ""),
        Invalid("[a\\", .trailingBackslash, 2, ""),
        Invalid("\\q", .invalidEscape, 0, "\\q"),
        Invalid("\\Z", .invalidEscape, 0, "\\Z"),
        Invalid("\\1", .invalidEscape, 0, "\\1"),
        Invalid("\\8", .invalidEscape, 0, "\\8"),
        Invalid("\\é", .invalidEscape, 0, "\\é"),
        Invalid("\\xZ", .invalidEscape, 0, "\\xZ"),
        Invalid("\\x4", .invalidEscape, 0, "\\x4"),
        Invalid("\\x4g", .invalidEscape, 0, "\\x4g"),
        Invalid("\\x{110000}", .invalidEscape, 0, "\\x{110000"),
        Invalid("\\x{}", .invalidEscape, 0, "\\x{}"),
        Invalid("\\x{12", .invalidEscape, 0, "\\x{12"),
        Invalid("\\C", .invalidEscape, 0, "\\C"),
        Invalid("ab\\p", .invalidCharRange, 2, "\\p"),
        Invalid("\\pX", .unsupportedUnicodeClass, 0, "\\pX"),
        Invalid("\\p{Greek}", .unsupportedUnicodeClass, 0, "\\p{Greek}"),
        Invalid("[\\p{Han}]", .unsupportedUnicodeClass, 1, "\\p{Han}"),
        Invalid("\\p{L", .invalidCharRange, 0, "\\p{L"),
        Invalid("(?P<>a)", .invalidNamedCapture, 0, "(?P<>"),
        Invalid("(?<>a)", .invalidNamedCapture, 0, "(?<>"),
        Invalid("(?P<a-b>x)", .invalidNamedCapture, 0, "(?P<a-b>"),
        Invalid("(?P<name", .invalidNamedCapture, 0, "(?P<name"),
        Invalid("(?P=name)", .invalidPerlOp, 0, "(?P"),
        Invalid("(?=a)", .invalidPerlOp, 0, "(?="),
        Invalid("(?!a)", .invalidPerlOp, 0, "(?!"),
        Invalid("(?i-)", .invalidPerlOp, 0, "(?i-)"),
        Invalid("(?--i)", .invalidPerlOp, 0, "(?--"),
        Invalid("(?x)", .invalidPerlOp, 0, "(?x"),
        Invalid("a(?", .invalidPerlOp, 1, "(?"),
        Invalid("(?i", .invalidPerlOp, 0, "(?i"),
    ]

    @Test(arguments: invalid)
    func invalidPatternNamesTheProblem(_ c: Invalid) {
        #expect(throws: RegexError(c.code, offset: c.offset, fragment: c.fragment)) { try RE2Regex(c.pattern) }
    }

    @Test func messageReadsLikeGo() {
        #expect(throws: RegexError.self) { try RE2Regex("a(b") }
        do {
            _ = try RE2Regex("a(b")
        } catch {
            #expect(error.description == "missing closing ): `a(b`")
        }
        #expect(RegexError(.invalidRepeatSize, offset: 1, fragment: "{1001}").description == "invalid repeat count: `{1001}`")
        #expect(RegexError(.invalidCharRange, offset: 1, fragment: "z-a").description == "invalid character class range: `z-a`")
    }

    @Test func nestingDeeperThanTheLimitIsRejected() throws {
        let deep = String(repeating: "(", count: 1001) + "a" + String(repeating: ")", count: 1001)
        #expect(throws: RegexError.self) { try RE2Regex(deep) }
        do { _ = try RE2Regex(deep) } catch { #expect(error.code == .nestingDepth) }
        // Stacked operators without groups also nest: a*(?i)*(?i)* …
        let stacked = "a" + String(repeating: "*(?i)", count: 1001)
        do { _ = try RE2Regex(stacked); Issue.record("stacked repetition accepted") } catch { #expect(error.code == .nestingDepth) }
    }

    @Test func deepButAllowedNestingCompilesAndMatches() throws {
        // 990 nested groups each with an alternation (tree height 991): recursion in simplification and compilation
        // must cope with this depth on a test thread's stack.
        var pattern = "a"
        for _ in 0..<990 { pattern = "(?:" + pattern + "|b)" }
        let regex = try RE2Regex(pattern)
        #expect(regex.matches("a"))
        #expect(regex.matches("b"))
        #expect(!regex.matches("c"))
        // Nested repetitions do not flatten: 490 levels of (?:…b)* keep a tree ~980 deep.
        var nested = "a"
        for _ in 0..<490 { nested = "(?:" + nested + "b)*" }
        let nestedRegex = try RE2Regex(nested)
        // Level k is (level(k-1) b)*, level 1 is (ab)*: "ab" then 489 b's is in level 490.
        #expect(nestedRegex.matches("ab" + String(repeating: "b", count: 489)))
        #expect(nestedRegex.matches(""))
        #expect(!nestedRegex.matches("abb"))
    }

    @Test func oversizedPatternsAreRejected() {
        let long = String(repeating: "a", count: RegexParser.maxPatternBytes + 1)
        do { _ = try RE2Regex(long); Issue.record("long pattern accepted") } catch { #expect(error.code == .patternTooLong) }
        // 60 code points repeated 1000 times: no nested count above 1000, but 60 000 instructions.
        let wide = "(?:" + String(repeating: "abcdef", count: 10) + "){1000}"
        do { _ = try RE2Regex(wide); Issue.record("huge program accepted") } catch { #expect(error.code == .tooLarge) }
    }

    @Test func errorsCarryByteOffsetsAfterMultibyteText() {
        // "é" is two bytes: the unmatched ")" is at byte 2, not character 1.
        #expect(throws: RegexError(.unexpectedParen, offset: 2, fragment: "é)")) { try RE2Regex("é)") }
        #expect(throws: RegexError(.invalidCharRange, offset: 2, fragment: "é-a")) { try RE2Regex("[xé-a]") }
    }
}
