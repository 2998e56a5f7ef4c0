import Testing
@testable import Selectors

/// Whole-match semantics of each construct, on every engine (fast path, DFA, NFA).
@Suite struct RegexSemanticsTests {
    static let literalsAndAlternation: [MatchCase] = [
        MatchCase("", yes: [""], no: ["a"]),
        MatchCase("abc", yes: ["abc"], no: ["ab", "abcd", "xabc", "ABC"]),
        MatchCase("a|b|cd", yes: ["a", "b", "cd"], no: ["", "c", "ab", "cdd"]),
        MatchCase("GET|POST|PUT", yes: ["GET", "POST", "PUT"], no: ["PATCH", "GETPOST", "get", ""]),
        MatchCase("a|", yes: ["a", ""], no: ["aa"]),
        MatchCase("|a", yes: ["a", ""], no: ["b"]),
        MatchCase("(a|ab)(c|bcd)", yes: ["abcd", "ac", "abc"], no: ["abd"]),
        MatchCase("(?P<x>a)(?<y>b)(c)", yes: ["abc"], no: ["ab"]),
    ]

    static let classes: [MatchCase] = [
        MatchCase("[a-c]", yes: ["a", "b", "c"], no: ["d", "", "ab"]),
        MatchCase("[^a-c]", yes: ["d", "\n", "é"], no: ["a", ""]),
        MatchCase("[]a]", yes: ["]", "a"], no: ["b"]),
        MatchCase("[^]a]", yes: ["b"], no: ["]", "a"]),
        MatchCase("[a-]", yes: ["a", "-"], no: ["b"]),
        MatchCase("[\\d_]", yes: ["1", "_"], no: ["a"]),
        MatchCase("[\\x{1F600}-\\x{1F64F}]", yes: ["😀", "🙏"], no: ["☺"]),
        MatchCase("\\d+", yes: ["0123456789"], no: ["٣", "1a"]),
        MatchCase("\\D", yes: ["a", "٣"], no: ["5"]),
        MatchCase("\\w+", yes: ["a_Z9"], no: ["é", "a-b"]),
        MatchCase("\\W", yes: ["-", "é"], no: ["a", "_"]),
        MatchCase("\\s", yes: [" ", "\t", "\n", "\u{0C}", "\r"], no: ["\u{0B}", "\u{A0}", "a"]),
        MatchCase("\\S", yes: ["a", "\u{0B}"], no: [" ", "\n"]),
        MatchCase("[[:alpha:]]+", yes: ["abcXYZ"], no: ["é", "1"]),
        MatchCase("[[:^alpha:]]", yes: ["1", "é"], no: ["a"]),
        MatchCase("[[:space:]]", yes: ["\u{0B}", " "], no: ["a"]),
        MatchCase("[[:punct:]]+", yes: ["!/:@[`{~"], no: ["a"]),
        MatchCase("[[:xdigit:]]+", yes: ["09afAF"], no: ["g"]),
        MatchCase("[[:word:][:space:]]+", yes: ["a b_c"], no: ["-"]),
        MatchCase("\\pL+", yes: ["héllo", "Ωμέγα", "日本"], no: ["a1", ""]),
        MatchCase("\\p{Lu}", yes: ["A", "Ω"], no: ["a", "ω"]),
        MatchCase("\\PL", yes: ["1", " "], no: ["a"]),
        MatchCase("\\p{^L}", yes: ["1"], no: ["a"]),
        MatchCase("\\P{^L}", yes: ["a"], no: ["1"]),
        MatchCase("\\p{Nd}", yes: ["7", "٣"], no: ["Ⅷ"]),
        MatchCase("\\pN", yes: ["7", "Ⅷ", "½"], no: ["a"]),
        MatchCase("\\p{Any}", yes: ["a", "\n", "😀"], no: ["", "ab"]),
        MatchCase("[\\p{Lu}\\d]+", yes: ["A1Ω"], no: ["a"]),
        MatchCase("[^\\x00-\\x{10FFFF}]", yes: [], no: ["", "a", "\n"]),
        MatchCase("[\\x{D800}-\\x{DFFF}]", yes: [], no: ["\u{FFFD}", "a"]),
    ]

    static let dotAndFlags: [MatchCase] = [
        MatchCase(".", yes: ["a", "é", "😀"], no: ["\n", "", "ab"]),
        MatchCase("..", yes: ["ab", "éé"], no: ["é"]),
        MatchCase(".", options: .dotMatchesNewline, yes: ["\n", "a"]),
        MatchCase("(?s).", yes: ["\n"]),
        MatchCase("(?s:.).", yes: ["\na"], no: ["\n\n", "a\n"]),
        MatchCase("(?s).(?-s).", yes: ["\na"], no: ["a\n"]),
        MatchCase(".*", yes: ["", "anything at all"], no: ["a\nb"]),
        MatchCase("(?s).*", yes: ["a\nb"]),
        MatchCase("(?i)abc", yes: ["abc", "ABC", "aBc"], no: ["abd"]),
        MatchCase("(?i:a)b", yes: ["ab", "Ab"], no: ["AB"]),
        MatchCase("(?i:a)a", yes: ["Aa"], no: ["AA"]),
        MatchCase("(?i)a(?-i)a", yes: ["Aa"], no: ["AA"]),
        MatchCase("((?i)a)a", yes: ["Aa"], no: ["AA"]),
        MatchCase("(?i)a|b", yes: ["A", "B"]),
        MatchCase("abc", options: .caseInsensitive, yes: ["AbC"]),
        MatchCase("(?U)a+b", yes: ["aab"]),
        MatchCase("a+?b*?c??", yes: ["aabbc", "a"], no: ["b"]),
    ]

    static let caseFolding: [MatchCase] = [
        MatchCase("(?i)k", yes: ["k", "K", "\u{212A}"], no: ["x"]),
        MatchCase("(?i)kafka", yes: ["\u{212A}AFKA", "Kafka"]),
        MatchCase("(?i)s", yes: ["s", "S", "\u{17F}"]),
        MatchCase("(?i)σ", yes: ["σ", "Σ", "ς"], no: ["s"]),
        MatchCase("(?i)ǅ", yes: ["Ǆ", "ǅ", "ǆ"]),
        MatchCase("(?i)ß", yes: ["ß", "ẞ"], no: ["ss", "SS"]),
        MatchCase("(?i)é", yes: ["É"]),
        MatchCase("(?i)i", yes: ["I"], no: ["ı", "İ"]),
        MatchCase("(?i)µ", yes: ["Μ", "μ"]),
        MatchCase("(?i)[k]", yes: ["\u{212A}"]),
        MatchCase("(?i)[a-z]+", yes: ["AbC\u{212A}\u{17F}"]),
        MatchCase("(?i)[^k]", yes: ["a"], no: ["k", "K", "\u{212A}"]),
        MatchCase("(?i)\\W", yes: ["-"], no: ["\u{212A}", "\u{17F}", "a"]),
        MatchCase("(?i)\\p{Lu}", yes: ["a", "A"], no: ["1"]),
        MatchCase("(?i)[[:upper:]]", yes: ["a", "\u{212A}"]),
    ]

    static let repetition: [MatchCase] = [
        MatchCase("a*", yes: ["", "aaa"], no: ["b"]),
        MatchCase("a+", yes: ["a", "aa"], no: [""]),
        MatchCase("a?", yes: ["", "a"], no: ["aa"]),
        MatchCase("a{0}", yes: [""], no: ["a"]),
        MatchCase("a{3}", yes: ["aaa"], no: ["aa", "aaaa"]),
        MatchCase("a{2,}", yes: ["aa", "aaaaa"], no: ["a"]),
        MatchCase("a{2,4}", yes: ["aa", "aaa", "aaaa"], no: ["a", "aaaaa"]),
        MatchCase("(ab){1,2}", yes: ["ab", "abab"], no: ["aba", ""]),
        MatchCase("(a|bc){2}", yes: ["aa", "abc", "bcbc"], no: ["a"]),
        MatchCase("a{,2}", yes: ["a{,2}"], no: ["aa"]),
        MatchCase("a{01}", yes: ["a{01}"], no: ["a"]),
        MatchCase("[a-z]{1000}", yes: [String(repeating: "q", count: 1000)], no: [String(repeating: "q", count: 999)]),
        MatchCase("(a*)*b", yes: ["b", "aab"], no: ["aa"]),
        MatchCase("(a*)+", yes: ["", "aaa"]),
        MatchCase("(a?)*", yes: ["", "aa"]),
        MatchCase("(|a)+", yes: ["", "aa"], no: ["b"]),
        MatchCase("(?:^)*a", yes: ["a"]),
        MatchCase("\\b*a", yes: ["a"]),
        MatchCase("5..", yes: ["500", "5xx", "5é\u{1F600}"], no: ["50", "5000", "404"]),
        MatchCase("[45]0[0-9]", yes: ["404", "503"], no: ["300", "40"]),
    ]

    static let anchors: [MatchCase] = [
        MatchCase("^abc$", yes: ["abc"], no: ["abcd"]),
        MatchCase("\\Aabc\\z", yes: ["abc"]),
        MatchCase("a^b", yes: [], no: ["ab", "a\nb"]),
        MatchCase("a$b", yes: [], no: ["ab"]),
        MatchCase("(?m)a$\\n^b", yes: ["a\nb"]),
        MatchCase("a\\n^b", yes: [], no: ["a\nb"]),
        MatchCase("(?m)^a$", yes: ["a"]),
        MatchCase("(?m)a\\n$", yes: ["a\n"]),
        MatchCase("a$\\n", yes: [], no: ["a\n"]),
        MatchCase("(?m).*$\\n.*", yes: ["x\ny"]),
        MatchCase("\\bfoo\\b", yes: ["foo"]),
        MatchCase("a\\bb", yes: [], no: ["ab"]),
        MatchCase("a\\Bb", yes: ["ab"]),
        MatchCase("a \\bb", yes: ["a b"]),
        MatchCase("a\\b ", yes: ["a "]),
        MatchCase("\\b", yes: [], no: [""]),
        MatchCase("\\B", yes: [""]),
        MatchCase("é\\b", yes: [], no: ["é"]),
        MatchCase("(?:a|\\b)b", yes: ["ab"], no: ["b a"]),
        MatchCase("(^a|b)+", yes: ["a", "ab", "abb", "bb"], no: ["aa", "ba"]),
        MatchCase("(?m)(^a\\n?)+", yes: ["a\na", "a\na\n"], no: ["aa"]),
        MatchCase("x*(\\b|y)", yes: ["x", "xy", "y"], no: ["", "yy"]),
    ]

    static let escapes: [MatchCase] = [
        MatchCase("\\Q.*+?\\E", yes: [".*+?"], no: ["ab"]),
        MatchCase("\\Qa.b", yes: ["a.b"], no: ["axb"]),
        MatchCase("(?i)\\QK\\E", yes: ["k", "\u{212A}"]),
        MatchCase("\\x41\\x{263a}\\101\\0\\08", yes: ["A☺A\u{0}\u{0}8"]),
        MatchCase("\\.\\\\\\-\\_\\ ", yes: [".\\-_ "]),
        MatchCase("\\n\\t\\r\\f\\v\\a", yes: ["\n\t\r\u{0C}\u{0B}\u{07}"]),
        MatchCase("\\x{FFFD}", yes: ["\u{FFFD}"], no: ["a"]),
        MatchCase("[\\x00-\\x1f]", yes: ["\u{1F}", "\u{0}"], no: [" "]),
    ]

    static let prefixSuffixContains: [MatchCase] = [
        MatchCase("/api/.*", yes: ["/api/", "/api/v1/users"], no: ["/ap", "/health", "/api/x\ny"]),
        MatchCase("/api/.*", options: .dotMatchesNewline, yes: ["/api/x\ny"]),
        MatchCase(".*_total", yes: ["_total", "http_total"], no: ["total", "x\n_total"]),
        MatchCase(".*err.*", yes: ["err", "my error here"], no: ["e r r", "e\nerr"]),
        MatchCase("(?s).*err.*", yes: ["e\nerr\n"]),
        MatchCase("é.*", yes: ["é", "éa"], no: ["e\u{301}"]),
    ]

    @Test(arguments: literalsAndAlternation + classes + dotAndFlags + caseFolding + repetition + anchors + escapes + prefixSuffixContains)
    func everyEngineAgreesWithTheTable(_ c: MatchCase) throws {
        let failures = try c.failures()
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func emptyStringMatchIsReported() throws {
        #expect(try RE2Regex("a*").matchesEmpty)
        #expect(try RE2Regex("").matchesEmpty)
        #expect(try RE2Regex("(?m)^$").matchesEmpty)
        #expect(try !RE2Regex("a+").matchesEmpty)
        #expect(try !RE2Regex("\\b").matchesEmpty)
    }

    @Test func substringsAndOtherStringTypesMatch() throws {
        let regex = try RE2Regex("b+")
        let text = "abba"
        #expect(regex.matches(text.dropFirst().dropLast()))
        #expect(!regex.matches(text.dropFirst()))
        #expect(regex.matches(utf8: Array("bb".utf8)))
        #expect(regex.matches(utf8: "bbb".utf8))
    }
}
