import Testing
@testable import Exposition

/// `ContentNegotiation.negotiate(accept:)`: RFC 9110 §12.5.1 q-values and specificity, with the
/// real headers of Prometheus and curl (prometheus-compat §8).
@Suite struct ContentNegotiationTests {
    enum Expected: String, CustomStringConvertible {
        case text = "text/plain; version=0.0.4; charset=utf-8"
        case om1 = "application/openmetrics-text; version=1.0.0; charset=utf-8"
        case om0 = "application/openmetrics-text; version=0.0.1; charset=utf-8"
        var format: ExpositionFormat { self == .text ? .text004 : .openMetrics100 }
        var description: String { rawValue }
    }

    @Test(arguments: [
        // Prometheus 2.42 (the Debian package this project tests against).
        ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", .om1),
        // Prometheus 3.x.
        ("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1", .om1),
        // Prometheus with scrape_protocols: [PrometheusText0.0.4, OpenMetricsText1.0.0].
        ("text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4,*/*;q=0.1", .text),
        // Prometheus 2.x with a native-histogram scrape (protobuf first, which slod does not serve).
        ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.2", .text),
        ("*/*", .text),                                                    // curl
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", .text),  // a browser
        (nil, .text),                                                      // no header
        ("", .text),
        ("text/plain", .text),
        ("text/plain; version=0.0.4", .text),
        ("text/plain;version=1.0.0", .text),                              // answered with 0.0.4
        ("text/*", .text),
        ("TEXT/PLAIN ; Version=0.0.4", .text),
        ("application/openmetrics-text", .om0),                           // no version ⇒ 0.0.1
        ("application/openmetrics-text; version=0.0.1", .om0),
        ("Application/OpenMetrics-Text; version=\"1.0.0\"", .om1),       // quoted parameter value
        ("application/*", .om0),
        ("application/openmetrics-text;version=2.0.0", .text),           // unsupported version ⇒ fallback
        ("text/plain;version=0.0.5", .text),
        // q-values.
        ("application/openmetrics-text;version=1.0.0;q=0", .text),        // q=0: not acceptable
        ("application/openmetrics-text;version=1.0.0;q=0,*/*;q=0.1", .text),
        ("text/plain;q=0.2,application/openmetrics-text;version=1.0.0;q=0.3", .om1),  // q beats order
        ("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;q=0.5", .om1),  // equal q: first range wins
        ("text/plain;q=0.5,application/openmetrics-text;version=1.0.0;q=0.5", .text),
        ("text/plain;q=0.001,application/openmetrics-text;q=0.002", .om0),           // three decimals
        ("application/openmetrics-text;version=1.0.0;q=1.000", .om1),
        ("application/openmetrics-text;version=1.0.0;q=0.", .text),                   // "0." is q=0
        // The most specific range sets an offer's q, whatever its position.
        ("*/*;q=0.9,text/plain;q=0.1", .om0),                             // text lowered, OM keeps 0.9
        ("text/plain;q=0,*/*", .om0),                                     // text excluded outright
        ("text/*;q=0.1,text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5", .text),
        ("application/openmetrics-text;q=0,*/*", .text),
        ("application/openmetrics-text;version=1.0.0;q=0,application/openmetrics-text;q=0.8,text/plain;q=0.5", .om0),
        ("*/*;q=0,text/plain;q=0", .text),                                // nothing acceptable ⇒ fallback
        // Garbage and malformed ranges are skipped, never fatal.
        ("application/json", .text),
        ("garbage;;;,,,=;q=", .text),
        ("application/openmetrics-text;version=1.0.0;q=abc", .text),     // invalid q: range skipped
        ("application/openmetrics-text;version=1.0.0;q=1.5", .text),
        ("application/openmetrics-text;version=1.0.0;q=0.0001", .text),  // four decimals
        ("application/openmetrics-text;version=1.0.0;q=-1", .text),
        ("application/openmetrics-text;version=1.0.0;q=0x1p-1", .text),
        ("application/openmetrics-text;version=1.0.0;q=inf", .text),
        ("*/plain,/,text/,/*,;", .text),
        ("application/openmetrics-text;foo=\"a,b;q=0\";version=1.0.0", .om1),  // separators inside quotes
        ("application/openmetrics-text;version=1.0.0;q=\"0.5\",text/plain;q=0.4", .om1),
        (",,application/openmetrics-text;version=1.0.0,,", .om1),
        ("\u{00e9}\u{0000}/\u{00ff};q=1", .text),
    ] as [(String?, Expected)])
    func negotiates(_ accept: String?, _ expected: Expected) {
        let got = ContentNegotiation.negotiate(accept: accept)
        #expect(got.format == expected.format, "Accept: \(accept ?? "<none>")")
        #expect(got.contentType.description == expected.rawValue, "Accept: \(accept ?? "<none>")")
    }

    @Test(arguments: [("0", 0), ("1", 1000), ("0.5", 500), ("0.25", 250), ("0.125", 125), ("1.0", 1000), ("1.000", 1000),
                      ("0.", 0), ("1.", 1000)] as [(String, Int)])
    func qValuesFollowTheRFCGrammar(_ text: String, _ thousandths: Int) {
        var s = text
        #expect(s.withUTF8 { AcceptParser.qValue($0, 0, $0.count) } == thousandths)
    }

    @Test(arguments: ["", "2", "1.001", "0.1234", ".5", "0,5", "+0.5", "-0", "01", "0.5 ", "1e0", "nan"])
    func malformedQValuesAreRejected(_ text: String) {
        var s = text
        #expect(s.withUTF8 { AcceptParser.qValue($0, 0, $0.count) } == nil)
    }
}
