import Testing
@testable import Exposition

/// The strict checker must reject what it claims to reject; otherwise the tests that rely on it
/// ("no errors") could not fail.
@Suite struct ExpositionCheckerTests {
    static let validText = """
        # HELP a_total A.
        # TYPE a_total counter
        a_total{k="x\\"y\\\\z\\n"} 1
        # TYPE h histogram
        h_bucket{le="1"} 1
        h_bucket{le="+Inf"} 2
        h_sum 3
        h_count 2

        """

    static let validOM = """
        # TYPE a counter
        # HELP a A \\"quoted\\".
        a_total{k="x"} 1 # {trace_id="t"} 1.0
        a_created{k="x"} 1767225600.0
        # TYPE t info
        t_info{v="1"} 1
        # TYPE h_seconds histogram
        # UNIT h_seconds seconds
        h_seconds_bucket{le="1.0"} 1
        h_seconds_bucket{le="+Inf"} 2
        h_seconds_sum 3
        h_seconds_count 2
        # EOF

        """

    @Test func acceptsValidExpositions() {
        let t = ExpositionChecker(Self.validText, format: .text004)
        #expect(t.errors.isEmpty, "\(t.errors)")
        #expect(t.value("a_total", [("k", "x\"y\\z\n")]) == 1)
        let o = ExpositionChecker(Self.validOM, format: .openMetrics100)
        #expect(o.errors.isEmpty, "\(o.errors)")
        #expect(o.family("a")?.samples.count == 2)
        #expect(o.family("h_seconds")?.unit == "seconds")
    }

    @Test(arguments: [
        ("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n", "not contiguous"),
        ("# TYPE a gauge\na 1\n# HELP a late\n", "after its samples"),
        ("a 1\n", "no # TYPE"),
        ("# TYPE a gauge\n# TYPE a gauge\na 1\n", "second TYPE"),
        ("# TYPE a gauge\na 1", "does not end with"),
        ("# TYPE a gauge\na{k=\"1\",k=\"2\"} 1\n", "duplicate label"),
        ("# TYPE a gauge\na{__k=\"1\"} 1\n", "invalid label name"),
        ("# TYPE a gauge\na{k=\"\\t\"} 1\n", "bad escape"),
        ("# TYPE a gauge\na 1\na 2\n", "duplicate series"),
        ("# TYPE a gauge\na one\n", "bad value"),
        ("# TYPE a gauge\na Inf\n", "bad value"),
        ("# TYPE a counter\na 1\n", "does not end in _total"),
        ("# TYPE a widget\na 1\n", "unknown type"),
        ("# TYPE 1a gauge\n", "invalid family name"),
        ("# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n", "not ascending"),
        ("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\n", "no +Inf"),
        ("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 1\n", "!= _count"),
        ("# UNIT a seconds\n", "OpenMetrics only"),
    ] as [(String, String)])
    func rejectsBrokenText(_ input: String, _ fragment: String) {
        let errors = ExpositionChecker(input, format: .text004).errors
        #expect(errors.contains { $0.contains(fragment) }, "expected “\(fragment)” in \(errors)")
    }

    @Test(arguments: [
        ("# TYPE a gauge\na 1\n", "no # EOF"),
        ("# TYPE a gauge\na 1\n# EOF\n# EOF\n", "after # EOF"),
        ("# TYPE a gauge\na 1\n# EOF\na 2\n", "after # EOF"),
        ("# TYPE a gauge\n\na 1\n# EOF\n", "blank line"),
        ("# TYPE a gauge\na  1\n# EOF\n", "single spaces"),
        ("# a comment\n# EOF\n", "only # TYPE"),
        ("# TYPE a_total counter\na_total 1\n# EOF\n", "must not end in _total"),
        ("# TYPE a counter\na 1\n# EOF\n", "no # TYPE"),
        ("# TYPE t_info info\nt_info_info 1\n# EOF\n", "must not end in _info"),
        ("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n# EOF\n", "not canonical"),
        ("# TYPE a gauge\na{k=\"1\",} 1\n# EOF\n", "trailing comma"),
        ("# TYPE a gauge\n# UNIT a seconds\na 1\n# EOF\n", "not a suffix"),
        ("# TYPE a gauge\n# HELP a say \"hi\"\na 1\n# EOF\n", "bad escape"),
        ("", "no # EOF"),
    ] as [(String, String)])
    func rejectsBrokenOpenMetrics(_ input: String, _ fragment: String) {
        let errors = ExpositionChecker(input, format: .openMetrics100).errors
        #expect(errors.contains { $0.contains(fragment) }, "expected “\(fragment)” in \(errors)")
    }
}
