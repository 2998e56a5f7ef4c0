import Testing
@testable import Config
import Selectors

/// The `sum(rate(SELECTOR[RANGE]))` shape that Sloth and OpenSLO imports accept.
@Suite struct RateQueryTests {
    @Test(arguments: [
        ("sum(rate(x_total[{{.window}}]))", "x_total", [String]()),
        ("  sum ( rate ( x_total{a=\"b\"} [ {{ .window }} ] ) )\n", "x_total{a=\"b\"}", []),
        ("sum(increase(x_total[{{.window}}]))", "x_total", []),
        ("sum by (route, code) (rate(x_total[{{.window}}]))", "x_total", ["route", "code"]),
        ("sum(rate(x_total[{{.window}}])) by (route,)", "x_total", ["route"]),
        ("sum(rate(x_total{path=~\"/a\\\\[b\\\\]\"}[{{.window}}]))", "x_total{path=~\"/a\\\\[b\\\\]\"}", []),
        ("sum(rate({__name__=\"x_total\",a=\"}[\"}[{{.window}}]))", "x_total{a=\"}[\"}", []),
    ])
    func acceptedShapes(_ query: String, _ selector: String, _ groupBy: [String]) throws {
        let parsed = try RateQuery.parse(query, range: .slothWindow)
        #expect(parsed.selector == (try SeriesSelector.parse(selector)))
        #expect(parsed.groupBy == groupBy)
    }

    @Test func durationRangeForOpenSLO() throws {
        #expect(try RateQuery.parse("sum(rate(x[5m]))", range: .openSLO).selector == (try SeriesSelector.parse("x")))
        #expect(throws: RateQuery.Problem.self) { try RateQuery.parse("sum(rate(x[{{.window}}]))", range: .openSLO) }
        #expect(throws: RateQuery.Problem.self) { try RateQuery.parse("sum(rate(x[5m]))", range: .slothWindow) }
    }

    /// (query, byte offset of the problem, fragment of the message).
    @Test(arguments: [
        ("rate(x[{{.window}}])", 0, #"found "rate" where slod expects sum"#),
        ("histogram_quantile(0.99, sum(rate(x[{{.window}}])))", 0, #""histogram_quantile" where slod expects sum"#),
        ("sum(irate(x[{{.window}}]))", 4, #""irate" where slod expects rate or increase"#),
        ("sum without (a) (rate(x[{{.window}}]))", 4, "without"),
        ("sum(rate(x[{{.window}}] offset 1h))", 24, #""offset" where slod expects ")""#),
        ("sum(rate(x[{{.window}}])) / sum(rate(y[{{.window}}]))", 26, #""/" after the query"#),
        ("sum(rate(x[{{.window}}])) by (a) by (b)", 33, #""by" after the query"#),
        ("sum by (a) (rate(x[{{.window}}])) by (b)", 34, "a second by"),
        ("sum(rate(x[5m]))", 11, "the range [5m] where Sloth queries use [{{.window}}]"),
        ("sum(rate(x{a=~\"(\"}[{{.window}}]))", 15, "invalid series selector"),
        ("sum(rate(x))", 10, "inside rate(…)"),
        ("sum(rate(x", 10, "no range"),
        ("sum(rate(x[{{.window}}]) * 2)", 25, #""*" where slod expects ")""#),
    ])
    func refusedShapesNameTheConstruct(_ query: String, _ offset: Int, _ fragment: String) {
        Self.expectRefused(query, range: .slothWindow, offset: offset, fragment: fragment)
    }

    /// OpenSLO counter readings (`SELECTOR`, `sum(SELECTOR)`) that are not plain selectors.
    @Test(arguments: [
        ("rate(x[5m])", 0, #"found "rate" where slod expects sum, rate or a series selector"#),
        ("sum(x) / sum(y)", 7, #"found "/" after the query"#),
        ("sum(x * 2)", 6, "invalid series selector"),
        ("sum(max(x))", 4, #"found "max" where slod expects rate or increase"#),
        ("x offset 5m", 2, "invalid series selector"),
    ])
    func refusedCounterReadings(_ query: String, _ offset: Int, _ fragment: String) {
        Self.expectRefused(query, range: .openSLO, offset: offset, fragment: fragment)
    }

    /// A string that the text ends inside (or a backslash at its very end) is placed at its
    /// opening quote, on every path that scans a selector: the OpenSLO counter reading (up to the
    /// end: it trapped reading past it), `sum(SELECTOR)` (up to ")") and `rate(SELECTOR[` (up
    /// to "["). (query, range form, offset of the opening quote.)
    @Test(arguments: [
        ("foo{a=\"x", RateQuery.RangeForm.openSLO, 6),
        ("{a=\"\\", .openSLO, 3),
        ("foo{a='x\\", .openSLO, 6),
        ("x{a=`b", .openSLO, 4),
        ("sum(foo{a=\"x)", .openSLO, 10),
        ("sum(foo{a=\"\\", .openSLO, 10),
        ("sum(rate(foo{a=\"x[5m]))", .openSLO, 15),
        ("sum(rate(foo{a=\"x\\", .slothWindow, 15),
        ("sum(rate(foo{a=\"x[{{.window}}]))", .slothWindow, 15),
    ])
    func unterminatedStringIsPlacedAtItsQuote(_ query: String, _ range: RateQuery.RangeForm, _ offset: Int) {
        Self.expectRefused(query, range: range, offset: offset, fragment: "unterminated string in the selector")
        do {
            let parsed = try BadEventsQuery.parse(query, range: range)
            Issue.record("accepted \(query) as \(parsed)")
        } catch {
            #expect(error.offset == offset, "\(error)")
            #expect(error.offset < query.utf8.count)
        }
    }

    /// The second term of a difference is scanned like the first.
    @Test func unterminatedStringInTheSecondTerm() {
        let query = "sum(rate(x[5m])) - foo{a=\"\\"
        do {
            let parsed = try BadEventsQuery.parse(query, range: .openSLO)
            Issue.record("accepted \(query) as \(parsed)")
        } catch {
            #expect(error.offset == 25, "\(error)")
            #expect(error.message.contains("unterminated string in the selector"), "\(error.message)")
        }
    }

    /// Bad-events queries: (query, total selector, good selector, each term's offset).
    @Test(arguments: [
        ("sum(rate(c_count[{{.window}}])) - sum(rate(c_bucket{le=\"1\"}[{{.window}}]))", "c_count", "c_bucket{le=\"1\"}", 0, 34),
        ("(\n  sum(rate(c_count[{{.window}}]))\n  -\n  sum(rate(c_bucket{le=\"1\"}[{{.window}}]))\n)\n", "c_count", "c_bucket{le=\"1\"}", 4, 42),
        ("( sum(increase(c_count[{{.window}}])) by (a)-sum by (a) (rate(c_bucket{le=\"1\"}[{{.window}}])) )", "c_count", "c_bucket{le=\"1\"}", 2, 45),
    ])
    func countMinusBucket(_ query: String, _ total: String, _ good: String, _ totalOffset: Int, _ goodOffset: Int) throws {
        let parsed = try BadEventsQuery.parse(query, range: .slothWindow)
        guard case .totalMinusGood(let t, let tOffset, let g, let gOffset) = parsed else {
            Issue.record("parsed \(query) as \(parsed)")
            return
        }
        #expect(t.selector == (try SeriesSelector.parse(total)))
        #expect(g.selector == (try SeriesSelector.parse(good)))
        #expect((tOffset, gOffset) == (totalOffset, goodOffset))
    }

    @Test func badEventsQueryOfOneTerm() throws {
        let single = try BadEventsQuery.parse("(sum(rate(x_total[{{.window}}])) by (a))", range: .slothWindow)
        #expect(single == .single(RateQuery(selector: try SeriesSelector.parse("x_total"), groupBy: ["a"])))
        #expect(try BadEventsQuery.parse("sum(rate(x_total[5m]))-sum(x_total)", range: .openSLO)
            == .totalMinusGood(total: RateQuery(selector: try SeriesSelector.parse("x_total"), groupBy: []), totalOffset: 0,
                               good: RateQuery(selector: try SeriesSelector.parse("x_total"), groupBy: []), goodOffset: 23))
    }

    /// (query, byte offset of the problem, fragment of the message).
    @Test(arguments: [
        ("sum(rate(a[{{.window}}])) + sum(rate(b[{{.window}}]))", 26, #"found "+" between two terms"#),
        ("sum(rate(a[{{.window}}])) * 2", 26, #"found "*" between two terms"#),
        ("sum(rate(a[{{.window}}])) - sum(rate(b[{{.window}}])) - sum(rate(c[{{.window}}]))", 54, "after the second term (a difference has exactly two terms)"),
        ("(sum(rate(a[{{.window}}])) - sum(rate(b[{{.window}}]))", 54, #"found the end of the query after the second term, where slod expects ")""#),
        ("(sum(rate(a[{{.window}}]))", 26, #"found the end of the query where slod expects "-" or ")""#),
        ("sum(rate(a[{{.window}}])) - (sum(rate(b[{{.window}}])))", 28, #"found "(" where slod expects sum"#),
        ("sum(rate(a[{{.window}}])) - ", 28, "found the end of the query where slod expects sum"),
        ("sum(rate(a[{{.window}}])) or sum(rate(b[{{.window}}]))", 26, #"found "or" after the query; the query must have the shape sum(rate(SELECTOR[{{.window}}])), optionally with by (label, …), or be a histogram's count minus one bucket"#),
    ])
    func refusedBadEventsQueries(_ query: String, _ offset: Int, _ fragment: String) {
        do {
            let parsed = try BadEventsQuery.parse(query, range: .slothWindow)
            Issue.record("accepted \(query) as \(parsed)")
        } catch {
            #expect(error.offset == offset, "\(error)")
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    static func expectRefused(_ query: String, range: RateQuery.RangeForm, offset: Int, fragment: String) {
        do {
            let parsed = try RateQuery.parse(query, range: range)
            Issue.record("accepted \(query) as \(parsed)")
        } catch {
            #expect(error.offset == offset, "\(error)")
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }
}
