import Testing
@testable import Selectors

/// Which selectors parse to which matchers, and where and why the others fail.
@Suite struct SeriesSelectorParsingTests {
    typealias M = (String, LabelMatcher.Operator, String)

    struct Valid: CustomTestStringConvertible, Sendable {
        var text: String
        var matchers: [M]
        var testDescription: String { text }
    }

    /// Expected matchers in canonical order (name first, the rest sorted by rendering).
    static let valid: [Valid] = [
        Valid(text: "up", matchers: [("__name__", .equal, "up")]),
        Valid(text: "  up  ", matchers: [("__name__", .equal, "up")]),
        Valid(text: "job:rate5m:sum", matchers: [("__name__", .equal, "job:rate5m:sum")]),
        Valid(text: "_x1", matchers: [("__name__", .equal, "_x1")]),
        Valid(text: "up{}", matchers: [("__name__", .equal, "up")]),
        Valid(text: "up {job=\"api\"}", matchers: [("__name__", .equal, "up"), ("job", .equal, "api")]),
        Valid(text: "http_server_request_count_total{http_response_status_code=~\"5..\", http_route!=\"/health\"}",
              matchers: [("__name__", .equal, "http_server_request_count_total"), ("http_response_status_code", .matchesRegex, "5.."),
                         ("http_route", .notEqual, "/health")]),
        Valid(text: "{__name__=\"x\", job=\"api\"}", matchers: [("__name__", .equal, "x"), ("job", .equal, "api")]),
        Valid(text: "{job=\"api\",__name__=\"x\"}", matchers: [("__name__", .equal, "x"), ("job", .equal, "api")]),
        Valid(text: "{__name__=~\"http_.*\"}", matchers: [("__name__", .matchesRegex, "http_.*")]),
        Valid(text: "x{a!~\"b\",}", matchers: [("__name__", .equal, "x"), ("a", .doesNotMatchRegex, "b")]),
        Valid(text: "x{ a = \"b\" , }", matchers: [("__name__", .equal, "x"), ("a", .equal, "b")]),
        Valid(text: "x{\n\ta=\"b\"\r\n}", matchers: [("__name__", .equal, "x"), ("a", .equal, "b")]),
        Valid(text: "{\"my.metric\"}", matchers: [("__name__", .equal, "my.metric")]),
        Valid(text: "{\"my.metric\", \"a.b\"=\"x\"}", matchers: [("__name__", .equal, "my.metric"), ("a.b", .equal, "x")]),
        Valid(text: "{'a.b'=~'x', \"c\"}", matchers: [("__name__", .equal, "c"), ("a.b", .matchesRegex, "x")]),
        Valid(text: "{`raw.name`}", matchers: [("__name__", .equal, "raw.name")]),
        Valid(text: "x{a='single'}", matchers: [("__name__", .equal, "x"), ("a", .equal, "single")]),
        Valid(text: "x{a=`\\d+\\n`}", matchers: [("__name__", .equal, "x"), ("a", .equal, "\\d+\\n")]),
        Valid(text: "x{a=~\"\\\\d+\"}", matchers: [("__name__", .equal, "x"), ("a", .matchesRegex, "\\d+")]),
        Valid(text: "x{b=\"2\", a=\"1\", a=\"0\"}", matchers: [("__name__", .equal, "x"), ("a", .equal, "0"), ("a", .equal, "1"), ("b", .equal, "2")]),
        Valid(text: "{a=\"\", b=\"x\"}", matchers: [("a", .equal, ""), ("b", .equal, "x")]),
        Valid(text: "{a=~\".+\"}", matchers: [("a", .matchesRegex, ".+")]),
        Valid(text: "{a!=\"\"}", matchers: [("a", .notEqual, "")]),
        Valid(text: "{\"a\", \"b\"}", matchers: [("__name__", .equal, "a"), ("__name__", .equal, "b")]),
        Valid(text: "offset", matchers: [("__name__", .equal, "offset")]),
        Valid(text: "sum{by=\"x\"}", matchers: [("__name__", .equal, "sum"), ("by", .equal, "x")]),
    ]

    @Test(arguments: valid)
    func validSelectorParses(_ c: Valid) throws {
        let selector = try SeriesSelector.parse(c.text)
        let got = selector.matchers.map { "\($0.name) \($0.op.rawValue) \($0.value)" }
        let want = c.matchers.map { "\($0.0) \($0.1.rawValue) \($0.2)" }
        #expect(got == want)
    }

    struct Invalid: CustomTestStringConvertible, Sendable {
        var text: String
        var offset: Int
        var message: String
        init(_ text: String, _ offset: Int, _ message: String) {
            (self.text, self.offset, self.message) = (text, offset, message)
        }
        var testDescription: String { text }
    }

    static let invalid: [Invalid] = [
        Invalid("", 0, "expected a metric name or \"{\", found end of input"),
        Invalid("   ", 3, "expected a metric name or \"{\", found end of input"),
        Invalid("5xx", 0, "expected a metric name or \"{\", found \"5xx\""),
        Invalid("\"up\"", 0, "expected a metric name or \"{\", found \"\"\""),
        Invalid("{}", 0, "vector selector must contain at least one non-empty matcher"),
        Invalid("{a=\"\"}", 0, "vector selector must contain at least one non-empty matcher"),
        Invalid("  {a=~\".*\", b!=\"x\"}", 2, "vector selector must contain at least one non-empty matcher"),
        Invalid("{a!~\".+\"}", 0, "vector selector must contain at least one non-empty matcher"),
        Invalid("up{", 3, "unexpected end of input in label matching, expected \"}\""),
        Invalid("up{a=\"b\"", 8, "expected \",\" or \"}\" in label matching, found end of input"),
        Invalid("up{a=\"b\" c=\"d\"}", 9, "expected \",\" or \"}\" in label matching, found \"c\""),
        Invalid("up{,}", 3, "expected a label name in label matching, found \",\""),
        Invalid("up{a=\"b\",,}", 9, "expected a label name in label matching, found \",\""),
        Invalid("up{1a=\"b\"}", 3, "expected a label name in label matching, found \"1a\""),
        Invalid("up{a:b=\"c\"}", 4, "expected a label matching operator (=, !=, =~, !~) after label name \"a\", found \":b\""),
        Invalid("up{a}", 4, "expected a label matching operator (=, !=, =~, !~) after label name \"a\", found \"}\""),
        Invalid("up{a==\"b\"}", 4, "\"==\" is not a label matching operator; use \"=\""),
        Invalid("up{a!\"b\"}", 4, "expected a label matching operator (=, !=, =~, !~) after label name \"a\", found \"!\""),
        Invalid("up{a=b}", 5, "expected a quoted label value after a=, found \"b\""),
        Invalid("up{a=}", 5, "expected a quoted label value after a=, found \"}\""),
        Invalid("up{a=\"b}", 5, "unterminated quoted string"),
        Invalid("up{a=\"b\nc\"}", 5, "unterminated quoted string"),
        Invalid("up{a=`b}", 5, "unterminated raw string"),
        Invalid("up{a=\"\\q\"}", 6, "unknown escape sequence U+0071 'q'"),
        Invalid("up{a=\"\\'\"}", 6, "unknown escape sequence U+0027 '''"),
        Invalid("up{a='\\\"'}", 6, "unknown escape sequence U+0022 '\"'"),
        Invalid("up{a=\"\\xZZ\"}", 6, "illegal character U+005A 'Z' in escape sequence"),
        Invalid("up{a=\"\\u12\"}", 6, "illegal character U+0022 '\"' in escape sequence"),
        Invalid("up{a=\"\\uD800\"}", 6, "escape sequence is an invalid Unicode code point"),
        Invalid("up{a=\"\\U00110000\"}", 6, "escape sequence is an invalid Unicode code point"),
        Invalid("up{a=\"\\400\"}", 6, "escape sequence is an invalid Unicode code point"),
        Invalid("up{a=\"\\xff\"}", 5, "string is not valid UTF-8 after unescaping (\\x and octal escapes give single bytes)"),
        Invalid("up{\"\"=\"x\"}", 3, "label name must not be empty"),
        Invalid("{\"\"}", 1, "metric name must not be empty"),
        Invalid("up{__name__=\"down\"}", 3, "metric name must not be set twice: \"up\" or \"down\""),
        Invalid("up{job=\"x\", \"down\"}", 12, "metric name must not be set twice: \"up\" or \"down\""),
        Invalid("up{__name__=~\"u.*\"}", 3, "metric name must not be set twice: \"up\" or \"u.*\""),
        Invalid("up[5m]", 2, "range selectors are not allowed here"),
        Invalid("up{a=\"b\"}[5m]", 9, "range selectors are not allowed here"),
        Invalid("up offset 5m", 3, "offset modifiers are not allowed here"),
        Invalid("up @ 1609746000", 3, "@ modifiers are not allowed here"),
        Invalid("up{a=\"b\"} or x", 10, "unexpected \"or\" after the selector"),
        Invalid("up-down", 2, "unexpected \"-\" after the selector"),
        Invalid("up{}{}", 4, "unexpected \"{\" after the selector"),
        Invalid("up{a=~\"5(..\"}", 8, "invalid regular expression \"5(..\": missing closing ): `5(..`"),
        Invalid("up{a=~`x{1001}`}", 8, "invalid regular expression \"x{1001}\": invalid repeat count: `{1001}`"),
        Invalid("up{a=~\"\\\\p{Greek}\"}", 6,
                "invalid regular expression \"\\\\p{Greek}\": unsupported Unicode class (only general categories such as L, Lu, Nd and Any are supported): `\\p{Greek}`"),
        Invalid("é{a=\"b\"}", 0, "expected a metric name or \"{\", found \"é\""),
    ]

    @Test(arguments: invalid)
    func invalidSelectorNamesTheProblemAndWhere(_ c: Invalid) {
        do {
            let selector = try SeriesSelector.parse(c.text)
            Issue.record("parsed as \(selector)")
        } catch {
            #expect(error.message == c.message)
            #expect(error.offset == c.offset)
        }
    }

    @Test func regexErrorsAreKeptForCallers() {
        do {
            _ = try SeriesSelector.parse("x{a=~\"(\"}")
            Issue.record("accepted")
        } catch {
            #expect(error.regexError == RegexError(.missingParen, offset: 0, fragment: "("))
        }
    }

    @Test func metricNameIsExposedOnlyWhenFixed() throws {
        #expect(try SeriesSelector.parse("up{a=\"b\"}").metricName == "up")
        #expect(try SeriesSelector.parse("{\"my.metric\"}").metricName == "my.metric")
        #expect(try SeriesSelector.parse("{__name__=~\"up|down\"}").metricName == nil)
        #expect(try SeriesSelector.parse("{\"a\", \"b\"}").metricName == nil)
        #expect(try SeriesSelector.parse("{job=\"x\"}").metricName == nil)
    }

    @Test func matchersCanBeBuiltWithoutText() throws {
        let selector = try SeriesSelector(matchers: [
            try LabelMatcher(name: "job", op: .equal, value: "api"),
            try LabelMatcher(name: "__name__", op: .equal, value: "up"),
        ])
        #expect(selector == (try SeriesSelector.parse("up{job=\"api\"}")))
        #expect(throws: SelectorError.self) { try SeriesSelector(matchers: [try LabelMatcher(name: "a", op: .matchesRegex, value: "x*")]) }
        #expect(throws: RegexError.self) { try LabelMatcher(name: "a", op: .matchesRegex, value: "(") }
    }
}
