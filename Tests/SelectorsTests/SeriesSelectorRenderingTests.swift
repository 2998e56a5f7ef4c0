import Primitives
import Testing
@testable import Selectors

/// Canonical text: PromQL's printer form, and parsing it back gives the same selector.
@Suite struct SeriesSelectorRenderingTests {
    static let canonical: [(String, String)] = [
        ("up", "up"),
        ("up{}", "up"),
        ("{__name__=\"up\"}", "up"),
        ("up { job = 'api' , instance=\"a:9090\" , }", "up{instance=\"a:9090\",job=\"api\"}"),
        ("{job=\"api\", __name__=\"up\"}", "up{job=\"api\"}"),
        ("x{b!~`b`, a=~\"5..\", a!=\"\", c=\"\"}", "x{a!=\"\",a=~\"5..\",b!~\"b\",c=\"\"}"),
        ("{\"my.metric\", \"a.b\"=\"x\", c=\"y\"}", "{\"my.metric\",\"a.b\"=\"x\",c=\"y\"}"),
        ("{\"legacy_name\"}", "legacy_name"),
        ("{__name__=~\"a|b\"}", "{__name__=~\"a|b\"}"),
        ("{\"a\", \"b\"}", "{__name__=\"a\",__name__=\"b\"}"),
        ("x{a=\"q\\\"uo\\\\te\"}", "x{a=\"q\\\"uo\\\\te\"}"),
        ("x{a='it\\'s'}", "x{a=\"it's\"}"),
        ("x{a=\"\\a\\b\\f\\n\\r\\t\\v\\x01\\x7f\"}", "x{a=\"\\a\\b\\f\\n\\r\\t\\v\\x01\\x7f\"}"),
        ("x{a=\"é☺😀\"}", "x{a=\"é☺😀\"}"),
        ("x{a=\"\\u00a0\\u00ad\\u2028\\U000e0001\"}", "x{a=\"\\u00a0\\u00ad\\u2028\\U000e0001\"}"),
        ("x{a=\"\\101\\x42\\u0043\"}", "x{a=\"ABC\"}"),
        ("x{a=`\\d+`}", "x{a=\"\\\\d+\"}"),
        ("x{a=`line1\nline2`}", "x{a=\"line1\\nline2\"}"),
        ("sum{job=\"x\"}", "{\"sum\",job=\"x\"}"),
        ("offset", "{\"offset\"}"),
        ("NaN", "{\"NaN\"}"),
        ("summary", "summary"),
    ]

    @Test(arguments: canonical)
    func rendersCanonicalPromQL(_ input: String, _ expected: String) throws {
        let selector = try SeriesSelector.parse(input)
        #expect(selector.description == expected)
        #expect(try SeriesSelector.parse(expected) == selector)
    }

    @Test func matcherRendersItsOwnText() throws {
        #expect(try LabelMatcher(name: "a.b", op: .doesNotMatchRegex, value: "x\"y").description == "\"a.b\"!~\"x\\\"y\"")
        #expect(try LabelMatcher(name: "code", op: .matchesRegex, value: "5..").description == "code=~\"5..\"")
    }

    @Test func randomSelectorsRoundTrip() throws {
        var rng = SplitMix64(state: 0xC0FFEE)
        let names = ["__name__", "job", "a.b", "_x", "le", "with space", "é"]
        let values = ["", "x", "5..", "a\nb", "q\"uote", "back\\slash", "tab\t", "é😀", "\u{7F}", "\u{2028}", "(a|b)+", "it's"]
        let ops = LabelMatcher.Operator.allCases
        var checked = 0
        for _ in 0..<500 {
            var matchers: [LabelMatcher] = []
            for _ in 0..<(1 + rng.next(4)) {
                let op = ops[rng.next(ops.count)]
                guard let m = try? LabelMatcher(name: names[rng.next(names.count)], op: op, value: values[rng.next(values.count)]) else { continue }
                matchers.append(m)
            }
            guard let selector = try? SeriesSelector(matchers: matchers) else { continue }
            let text = selector.description
            let reparsed = try SeriesSelector.parse(text)
            #expect(reparsed == selector, "\(text)")
            #expect(reparsed.description == text)
            checked += 1
        }
        #expect(checked > 300)
    }
}
