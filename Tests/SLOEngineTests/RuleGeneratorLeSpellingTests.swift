import Exposition
@testable import SLO
import Selectors
import Testing

/// Prometheus stores a histogram bucket's `le` as the text it scraped, so the `le` matcher of
/// `slod rules` must match the bound exactly as slod's `/metrics` spells it, in both formats
/// (OpenMetrics' form is also what Prometheus 3 normalizes the text format's to).
@Suite struct RuleGeneratorLeSpellingTests {
    static let bounds: [Double] = [
        0.005, 0.4, 1, 2.5, 10, 999_999, 1e6, 1_234_567, 1_234_567.5, 123_456_789, 1e-7, 0.00012, 0.1 + 0.2, 1e15, 1e21,
    ]

    /// The `le` text of the first bucket of histogram `lat_seconds` with the one bound `bound`,
    /// as slod's exposition writes it in `format`.
    static func exposedLE(_ bound: Double, _ format: ExpositionFormat) -> String? {
        let point = HistogramPoint(bounds: [bound], cumulativeCounts: [1, 2], sum: 3)
        let family = MetricFamily(name: "lat_seconds", kind: .histogram,
                                  series: [MetricSeries(labels: RenderedLabels([]), value: .histogram(point))])
        var out: [UInt8] = []
        FamilyRenderer.render([family], format: format, into: &out)
        let page = String(decoding: out, as: UTF8.self)
        guard let open = page.range(of: "lat_seconds_bucket{le=\"") else { return nil }
        return page[open.upperBound...].prefix { $0 != "\"" }.description
    }

    @Test(arguments: bounds)
    func leMatcherMatchesTheExposedBound(_ bound: Double) throws {
        let matcher = RuleSLO.leMatcher(bound)
        let text = try #require(Self.exposedLE(bound, .text004))
        let openMetrics = try #require(Self.exposedLE(bound, .openMetrics100))
        #expect(matcher.matches(text), "\(matcher) does not match le=\"\(text)\"")
        #expect(matcher.matches(openMetrics), "\(matcher) does not match le=\"\(openMetrics)\"")
        if bound == bound.rounded(), bound < 1e6 {
            // An integral bound's `.0` form is another text: it must be matched as such.
            #expect(openMetrics == text + ".0")
        }
        // Only this bound: not its neighbours' spellings, nor the same digits in another form.
        for other in Self.bounds where other != bound {
            #expect(!matcher.matches(try #require(Self.exposedLE(other, .text004))), "\(matcher) matches \(other)")
        }
        #expect(!matcher.matches("\(bound)0") && !matcher.matches(text + "1"), "\(matcher)")
    }

    /// An events SLI's exact `le="…"` is written in the spelling slod exposes, whatever the SLI's.
    @Test func eventsSelectorLeIsRespelledAsExposed() throws {
        let selector = try SeriesSelector.parse(#"lat_seconds_bucket{le="1234567.50"}"#)
        let exposed = try #require(Self.exposedLE(1_234_567.5, .text004))
        #expect(RuleSLO.eventsSeries(selector) == #"lat_seconds_bucket{le="\#(exposed)"}"#)
        #expect(exposed == "1.2345675e+06")
    }
}
