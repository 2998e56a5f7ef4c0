import Testing
@testable import Exposition

@Suite struct MetricNameTests {
    static let metricNames: [(String, Bool)] = [
        ("http_requests_total", true), ("_x", true), (":recording:rule", true), ("a1", true),
        ("A_Z:9", true), ("", false), ("1abc", false), ("has-dash", false), ("has space", false),
        ("dotted.name", false), ("ümlaut", false), ("tab\t", false),
    ]

    @Test(arguments: metricNames)
    func metricNameValidity(_ name: String, _ valid: Bool) {
        #expect(MetricName.isValidMetricName(name) == valid)
    }

    static let labelNames: [(String, Bool)] = [
        ("code", true), ("_private", true), ("le", true), ("a9", true), ("with:colon", false),
        ("__reserved", false), ("9lives", false), ("", false), ("a-b", false),
    ]

    @Test(arguments: labelNames)
    func labelNameValidity(_ name: String, _ valid: Bool) {
        #expect(MetricName.isValidLabelName(name) == valid)
    }
}
