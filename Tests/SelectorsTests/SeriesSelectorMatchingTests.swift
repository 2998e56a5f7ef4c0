import Testing
@testable import Selectors

/// Selector matching: operators, absent labels, metric names, and the label access paths.
@Suite struct SeriesSelectorMatchingTests {
    static let series: [String: String] = [
        "__name__": "http_server_request_count_total",
        "http_response_status_code": "503",
        "http_route": "/api/users",
        "http_request_method": "GET",
        "empty": "",
        "multiline": "a\nb",
    ]

    struct Case: CustomTestStringConvertible, Sendable {
        var selector: String
        var matches: Bool
        var testDescription: String { selector }
    }

    static let cases: [Case] = [
        Case(selector: "http_server_request_count_total", matches: true),
        Case(selector: "http_server_request_count", matches: false),
        Case(selector: "{__name__=~\"http_.*_total\"}", matches: true),
        Case(selector: "{__name__!~\"http_.*\", http_route=\"/api/users\"}", matches: false),
        // = and != compare whole values.
        Case(selector: "{http_request_method=\"GET\"}", matches: true),
        Case(selector: "{http_request_method=\"get\"}", matches: false),
        Case(selector: "{http_request_method=\"GE\"}", matches: false),
        Case(selector: "http_server_request_count_total{http_request_method!=\"POST\"}", matches: true),
        Case(selector: "http_server_request_count_total{http_request_method!=\"GET\"}", matches: false),
        // =~ and !~ are anchored at both ends.
        Case(selector: "{http_response_status_code=~\"5..\"}", matches: true),
        Case(selector: "{http_response_status_code=~\"5.\"}", matches: false),
        Case(selector: "{http_response_status_code=~\"0\"}", matches: false),
        Case(selector: "http_server_request_count_total{http_response_status_code!~\"4..\"}", matches: true),
        Case(selector: "http_server_request_count_total{http_response_status_code!~\"5..\"}", matches: false),
        Case(selector: "{http_route=~\"/api/.*\", http_route!~\".*/health\"}", matches: true),
        // Prometheus 3: . matches \n in selector regexes.
        Case(selector: "{multiline=~\"a.b\"}", matches: true),
        Case(selector: "{multiline=~\"(?-s)a.b\"}", matches: false),
        // An absent label equals "".
        Case(selector: "up_or{missing=\"\", http_request_method=\"GET\"}", matches: false),
        Case(selector: "{missing=\"\", http_request_method=\"GET\"}", matches: true),
        Case(selector: "{missing!=\"\", http_request_method=\"GET\"}", matches: false),
        Case(selector: "{missing=~\"\", http_request_method=\"GET\"}", matches: true),
        Case(selector: "{missing=~\".+\"}", matches: false),
        Case(selector: "{missing!~\".+\", http_request_method=\"GET\"}", matches: true),
        Case(selector: "{empty=\"\", http_request_method=\"GET\"}", matches: true),
        Case(selector: "{empty=~\"x?\", http_request_method=\"GET\"}", matches: true),
        // Every matcher must hold.
        Case(selector: "http_server_request_count_total{http_response_status_code=~\"5..\", http_route!=\"/health\"}", matches: true),
        Case(selector: "http_server_request_count_total{http_response_status_code=~\"5..\", http_route!=\"/api/users\"}", matches: false),
    ]

    @Test(arguments: cases)
    func matchesLikePrometheus(_ c: Case) throws {
        let selector = try SeriesSelector.parse(c.selector)
        #expect(selector.matches(Self.series) == c.matches)
        #expect(selector.matches(labelValue: { Self.series[$0] }) == c.matches)
        var labels = Self.series
        let name = labels.removeValue(forKey: "__name__")!
        #expect(selector.matches(metricName: name, labels: labels) == c.matches)
    }

    @Test func quotedNamesMatchUTF8Labels() throws {
        let selector = try SeriesSelector.parse("{\"http.server.duration\", \"url.scheme\"=\"https\"}")
        #expect(selector.matches(["__name__": "http.server.duration", "url.scheme": "https"]))
        #expect(!selector.matches(["__name__": "http.server.duration", "url.scheme": "http"]))
        #expect(!selector.matches(["__name__": "http_server_duration", "url.scheme": "https"]))
    }

    /// A label source over raw bytes, like the aggregator's series table.
    struct ByteLabels: SelectorLabels {
        var pairs: [(name: String, value: [UInt8])]
        func withLabelValue<R>(_ name: String, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
            guard let pair = pairs.first(where: { $0.name == name }) else { return body(nil) }
            return pair.value.withUnsafeBufferPointer(body)
        }
    }

    @Test func customLabelSourcesCanLendInvalidUTF8() throws {
        let labels = ByteLabels(pairs: [("__name__", Array("x".utf8)), ("a", [0x61, 0xFF])])
        #expect(try SeriesSelector.parse("x{a=~\"a.\"}").matches(labels))
        #expect(try SeriesSelector.parse("x{a=~\"a\\\\x{FFFD}\"}").matches(labels))
        #expect(try !SeriesSelector.parse("x{a=\"a\\uFFFD\"}").matches(labels))   // = compares bytes
        #expect(try SeriesSelector.parse("x{b=\"\"}").matches(labels))
    }

    @Test func labelMatcherAnswersDirectly() throws {
        let m = try LabelMatcher(name: "code", op: .matchesRegex, value: "2..|3..")
        #expect(m.matches("204"))
        #expect(!m.matches("404"))
        #expect(!m.matches(nil))
        #expect(!m.matchesEmpty)
        #expect(try LabelMatcher(name: "x", op: .notEqual, value: "").matches(nil) == false)
        #expect(try LabelMatcher(name: "x", op: .equal, value: "").matchesEmpty)
        #expect(try LabelMatcher(name: "x", op: .doesNotMatchRegex, value: "a").matchesEmpty)
    }
}
