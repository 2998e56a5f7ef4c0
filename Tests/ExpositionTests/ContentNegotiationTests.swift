import Foundation
import Testing
@testable import Exposition

/// `ContentNegotiation.negotiate(accept:)` per prometheus-compat §8.
@Suite struct ContentNegotiationTests {
    static let text = (ExpositionFormat.text004, ContentNegotiation.textContentType)
    static let om1 = (ExpositionFormat.openMetrics100, ContentNegotiation.openMetrics100ContentType)
    static let om0 = (ExpositionFormat.openMetrics100, ContentNegotiation.openMetrics001ContentType)

    @Test(arguments: [
        // Prometheus 2.42
        ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", om1),
        // Prometheus 3.x
        ("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1", om1),
        // Prometheus preferring text (scrape_protocols: [PrometheusText0.0.4, OpenMetricsText1.0.0])
        ("text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4,*/*;q=0.1", text),
        ("*/*", text),                                                   // curl
        (nil, text),                                                     // missing
        ("", text),
        ("text/plain", text),
        ("text/plain; version=0.0.4", text),
        ("text/plain;version=1.0.0", text),
        ("text/*", text),
        ("TEXT/PLAIN ; Version=0.0.4", text),
        ("application/openmetrics-text", om0),                          // missing version ⇒ 0.0.1
        ("application/openmetrics-text; version=0.0.1", om0),
        ("Application/OpenMetrics-Text; version=\"1.0.0\"", om1),
        ("application/openmetrics-text;version=2.0.0", text),          // unsupported version ⇒ fallback
        ("application/openmetrics-text;version=1.0.0;q=0", text),      // q=0: not acceptable
        ("application/openmetrics-text;version=1.0.0;q=0,*/*;q=0.1", text),
        ("text/plain;q=0.2,application/openmetrics-text;version=1.0.0;q=0.3", om1),  // q order wins over list order
        ("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;q=0.5", om1),  // equal q: first wins
        ("text/plain;q=0.5,application/openmetrics-text;version=1.0.0;q=0.5", text),
        ("application/json", text),                                     // nothing supported
        ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited", text),
        ("garbage;;;,,,=;q=", text),
        ("application/openmetrics-text;version=1.0.0;q=abc", text),    // unparsable q
        ("text/plain;version=0.0.5", text),                              // unsupported version, fallback anyway
    ] as [(String?, (ExpositionFormat, String))])
    func negotiates(_ accept: String?, _ expected: (ExpositionFormat, String)) {
        let got = ContentNegotiation.negotiate(accept: accept)
        #expect(got.format == expected.0, "\(accept ?? "nil")")
        #expect(got.contentType == expected.1, "\(accept ?? "nil")")
    }
}
