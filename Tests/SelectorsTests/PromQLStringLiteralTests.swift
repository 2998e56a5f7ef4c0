import Testing
@testable import Selectors

/// PromQL string literals: Go escapes in double and single quotes, raw backticks.
@Suite struct PromQLStringLiteralTests {
    static let valid: [(String, String)] = [
        ("\"plain\"", "plain"),
        ("\"\"", ""),
        ("''", ""),
        ("``", ""),
        ("\"\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\"", "\u{07}\u{08}\u{0C}\n\r\t\u{0B}\\\""),
        ("'\\a\\'\\\\'", "\u{07}'\\"),
        ("\"it's\"", "it's"),
        ("'say \"hi\"'", "say \"hi\""),
        ("\"\\101\\060\\177\"", "A0\u{7F}"),
        ("\"\\x41\\x7e\"", "A~"),
        ("\"\\xc3\\xa9\"", "é"),
        ("\"\\303\\251\"", "é"),
        ("\"\\u00e9\\u263A\"", "é☺"),
        ("\"\\U0001F600\"", "😀"),
        ("\"é😀\"", "é😀"),
        ("`\\n\\d`", "\\n\\d"),
        ("`a\nb\"c'`", "a\nb\"c'"),
    ]

    @Test(arguments: valid)
    func literalUnescapes(_ literal: String, _ value: String) throws {
        let bytes = Array((literal + " rest").utf8)
        let token = try PromQLStringLiteral.lex(bytes, at: 0)
        #expect(token.value == value)
        #expect(token.end == literal.utf8.count)
        #expect(token.verbatim == !literal.dropFirst().dropLast().contains("\\") || literal.first == "`")
    }

    @Test func verbatimTokensMapRegexOffsetsIntoTheSelector() {
        // The value's quote is at byte 5 and `(` is byte 2 of the pattern: byte 8 overall.
        #expect(throws: SelectorError(offset: 8, message: "invalid regular expression \"ab(\": missing closing ): `ab(`",
                                      regexError: RegexError(.missingParen, offset: 2, fragment: "ab("))) {
            try SeriesSelector.parse("x{a=~\"ab(\"}")
        }
        // With an escape in the literal, offsets inside it no longer line up: point at the quote.
        do {
            _ = try SeriesSelector.parse("x{a=~\"\\x61(\"}")
            Issue.record("accepted")
        } catch {
            #expect(error.offset == 5)
        }
    }

    @Test(arguments: ["\"\\", "\"\\x4", "'\\u12", "\"\\U0001F60"])
    func unfinishedEscapesAreReported(_ literal: String) {
        #expect(throws: SelectorError(offset: 1, message: "escape sequence not terminated")) {
            try PromQLStringLiteral.lex(Array(literal.utf8), at: 0)
        }
    }

    @Test func describesCharactersLikeGo() {
        #expect(PromQLStringLiteral.describe(0x71) == "U+0071 'q'")
        #expect(PromQLStringLiteral.describe(0x0A) == "U+000A")
        #expect(PromQLStringLiteral.describe(0x1F600) == "U+1F600 '😀'")
    }
}
