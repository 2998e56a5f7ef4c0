import Foundation
import Testing
@testable import Exposition

/// Golden output of `FamilyRenderer` in both formats, per prometheus-compat §5, §6, §7, §9.
@Suite struct FamilyRendererTests {
    static func render(_ families: [MetricFamily], _ format: ExpositionFormat, timestamps: Bool = false) -> String {
        var out: [UInt8] = []
        FamilyRenderer.render(families, format: format, timestamps: timestamps, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func renderParts(_ parts: [[MetricFamily]], _ format: ExpositionFormat) -> String {
        var out: [UInt8] = []
        FamilyRenderer.render(parts: parts, format: format, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static let seconds: UInt64 = 1_000_000_000

    // MARK: - §9 worked example

    static let l5: [(String, String)] = [
        ("http_route", "/cart"), ("instance", "pod-7f9c"), ("job", "shop/checkout"),
        ("otel_scope_name", "checkout.instrumentation"), ("otel_scope_version", "2.3.1"),
    ]

    static func workedExample() -> [MetricFamily] {
        let start = 1_767_225_600 * seconds
        let targetInfo = MetricFamily(name: "target_info", kind: .info, help: "Target metadata", series: [
            MetricSeries(labels: RenderedLabels([("host_cpu_count", "8"), ("instance", "pod-7f9c"), ("job", "shop/checkout")]),
                         value: .number(1)),
        ])
        let requests = MetricFamily(name: "http_server_requests_total", kind: .counter, help: "Handled HTTP requests.", series: [
            MetricSeries(labels: RenderedLabels([("http_response_status_code", "200")] + l5), value: .number(1342), startTimeNanos: start),
        ])
        let exemplar = Exemplar(
            labels: RenderedLabels([("span_id", "eee19b7ec3c1b174"), ("trace_id", "5b8efff798038103d269b633813fc60c")]),
            value: 0.74, timeNanos: 1_767_225_655 * seconds + 500_000_000)
        let duration = MetricFamily(name: "http_server_request_duration_seconds", kind: .histogram, help: "Request latency.", unit: "seconds", series: [
            MetricSeries(labels: RenderedLabels(l5), value: .histogram(HistogramPoint(
                bounds: [0.05, 0.1, 0.5], cumulativeCounts: [2, 7, 9, 10], sum: 1.85, exemplars: [(3, exemplar)])),
                startTimeNanos: start),
        ])
        return [targetInfo, requests, duration]
    }

    @Test func workedExampleText004() {
        let l = #"http_route="/cart",instance="pod-7f9c",job="shop/checkout",otel_scope_name="checkout.instrumentation",otel_scope_version="2.3.1""#
        let expected = """
        # HELP target_info Target metadata
        # TYPE target_info gauge
        target_info{host_cpu_count="8",instance="pod-7f9c",job="shop/checkout"} 1
        # HELP http_server_requests_total Handled HTTP requests.
        # TYPE http_server_requests_total counter
        http_server_requests_total{http_response_status_code="200",\(l)} 1342
        # HELP http_server_request_duration_seconds Request latency.
        # TYPE http_server_request_duration_seconds histogram
        http_server_request_duration_seconds_bucket{\(l),le="0.05"} 2
        http_server_request_duration_seconds_bucket{\(l),le="0.1"} 7
        http_server_request_duration_seconds_bucket{\(l),le="0.5"} 9
        http_server_request_duration_seconds_bucket{\(l),le="+Inf"} 10
        http_server_request_duration_seconds_sum{\(l)} 1.85
        http_server_request_duration_seconds_count{\(l)} 10

        """
        #expect(Self.render(Self.workedExample(), .text004) == expected)
    }

    @Test func workedExampleOpenMetrics() {
        let l = #"http_route="/cart",instance="pod-7f9c",job="shop/checkout",otel_scope_name="checkout.instrumentation",otel_scope_version="2.3.1""#
        let expected = """
        # TYPE target info
        # HELP target Target metadata
        target_info{host_cpu_count="8",instance="pod-7f9c",job="shop/checkout"} 1
        # TYPE http_server_requests counter
        # HELP http_server_requests Handled HTTP requests.
        http_server_requests_total{http_response_status_code="200",\(l)} 1342
        http_server_requests_created{http_response_status_code="200",\(l)} 1767225600.0
        # TYPE http_server_request_duration_seconds histogram
        # UNIT http_server_request_duration_seconds seconds
        # HELP http_server_request_duration_seconds Request latency.
        http_server_request_duration_seconds_bucket{\(l),le="0.05"} 2
        http_server_request_duration_seconds_bucket{\(l),le="0.1"} 7
        http_server_request_duration_seconds_bucket{\(l),le="0.5"} 9
        http_server_request_duration_seconds_bucket{\(l),le="+Inf"} 10 # {span_id="eee19b7ec3c1b174",trace_id="5b8efff798038103d269b633813fc60c"} 0.74 1767225655.5
        http_server_request_duration_seconds_sum{\(l)} 1.85
        http_server_request_duration_seconds_count{\(l)} 10
        http_server_request_duration_seconds_created{\(l)} 1767225600.0
        # EOF

        """
        #expect(Self.render(Self.workedExample(), .openMetrics100) == expected)
    }

    @Test func targetInfoAsGaugeInBothFormats() {
        let f = MetricFamily(name: "target_info", kind: .gauge, help: "Target metadata", series: [
            MetricSeries(labels: RenderedLabels([("job", "a")]), value: .number(1)),
        ])
        #expect(Self.render([f], .text004) == "# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info{job=\"a\"} 1\n")
        #expect(Self.render([f], .openMetrics100) == "# TYPE target_info gauge\n# HELP target_info Target metadata\ntarget_info{job=\"a\"} 1\n# EOF\n")
    }

    // MARK: - Each kind, both formats

    @Test func counterWithoutStartTimeHasNoCreated() {
        let f = MetricFamily(name: "jobs_total", kind: .counter, help: "Jobs.", series: [
            MetricSeries(labels: .empty, value: .number(3)),
            MetricSeries(labels: RenderedLabels([("k", "v")]), value: .number(2.5e9), startTimeNanos: 1_500_000_000),
        ])
        #expect(Self.render([f], .text004) == """
            # HELP jobs_total Jobs.
            # TYPE jobs_total counter
            jobs_total 3
            jobs_total{k="v"} 2.5e+09

            """)
        #expect(Self.render([f], .openMetrics100) == """
            # TYPE jobs counter
            # HELP jobs Jobs.
            jobs_total 3
            jobs_total{k="v"} 2.5e+09
            jobs_created{k="v"} 1.5
            # EOF

            """)
    }

    @Test func gaugeSpecialValues() {
        let f = MetricFamily(name: "temp_celsius", kind: .gauge, help: "", unit: "celsius", series: [
            MetricSeries(labels: RenderedLabels([("s", "a")]), value: .number(.nan)),
            MetricSeries(labels: RenderedLabels([("s", "b")]), value: .number(.infinity)),
            MetricSeries(labels: RenderedLabels([("s", "c")]), value: .number(-.infinity)),
            MetricSeries(labels: RenderedLabels([("s", "d")]), value: .number(-0.0)),
            MetricSeries(labels: RenderedLabels([("s", "e")]), value: .number(1e-5)),
        ])
        #expect(Self.render([f], .text004) == """
            # TYPE temp_celsius gauge
            temp_celsius{s="a"} NaN
            temp_celsius{s="b"} +Inf
            temp_celsius{s="c"} -Inf
            temp_celsius{s="d"} 0
            temp_celsius{s="e"} 1e-05

            """)
        #expect(Self.render([f], .openMetrics100) == """
            # TYPE temp_celsius gauge
            # UNIT temp_celsius celsius
            temp_celsius{s="a"} NaN
            temp_celsius{s="b"} +Inf
            temp_celsius{s="c"} -Inf
            temp_celsius{s="d"} 0
            temp_celsius{s="e"} 1e-05
            # EOF

            """)
    }

    @Test func unitNotASuffixOfTheNameIsOmitted() {
        let f = MetricFamily(name: "latency", kind: .gauge, unit: "seconds", series: [MetricSeries(labels: .empty, value: .number(1))])
        let g = MetricFamily(name: "xseconds", kind: .gauge, unit: "seconds", series: [MetricSeries(labels: .empty, value: .number(1))])
        #expect(Self.render([f, g], .openMetrics100) == "# TYPE latency gauge\nlatency 1\n# TYPE xseconds gauge\nxseconds 1\n# EOF\n")
    }

    @Test func unknownIsUntypedInText() {
        let f = MetricFamily(name: "thing", kind: .unknown, help: "?", series: [MetricSeries(labels: .empty, value: .number(7))])
        #expect(Self.render([f], .text004) == "# HELP thing ?\n# TYPE thing untyped\nthing 7\n")
        #expect(Self.render([f], .openMetrics100) == "# TYPE thing unknown\n# HELP thing ?\nthing 7\n# EOF\n")
    }

    @Test func histogramBoundsFormatting() {
        let bounds: [Double] = [0, 0.005, 1, 2.5, 10, 123456, 1e6, 1234567, 1e-5]
        let h = HistogramPoint(bounds: bounds, cumulativeCounts: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], sum: 0.5)
        let f = MetricFamily(name: "h", kind: .histogram, series: [MetricSeries(labels: .empty, value: .histogram(h), startTimeNanos: 7 * Self.seconds)])
        #expect(Self.render([f], .text004) == """
            # TYPE h histogram
            h_bucket{le="0"} 0
            h_bucket{le="0.005"} 1
            h_bucket{le="1"} 2
            h_bucket{le="2.5"} 3
            h_bucket{le="10"} 4
            h_bucket{le="123456"} 5
            h_bucket{le="1e+06"} 6
            h_bucket{le="1.234567e+06"} 7
            h_bucket{le="1e-05"} 8
            h_bucket{le="+Inf"} 9
            h_sum 0.5
            h_count 9

            """)
        #expect(Self.render([f], .openMetrics100) == """
            # TYPE h histogram
            h_bucket{le="0.0"} 0
            h_bucket{le="0.005"} 1
            h_bucket{le="1.0"} 2
            h_bucket{le="2.5"} 3
            h_bucket{le="10.0"} 4
            h_bucket{le="123456.0"} 5
            h_bucket{le="1e+06"} 6
            h_bucket{le="1.234567e+06"} 7
            h_bucket{le="1e-05"} 8
            h_bucket{le="+Inf"} 9
            h_sum 0.5
            h_count 9
            h_created 7.0
            # EOF

            """)
    }

    @Test func histogramWithoutSumOrBuckets() {
        let h = HistogramPoint(bounds: [], cumulativeCounts: [4], sum: nil)
        let f = MetricFamily(name: "h", kind: .histogram, series: [MetricSeries(labels: RenderedLabels([("a", "b")]), value: .histogram(h))])
        #expect(Self.render([f], .text004) == "# TYPE h histogram\nh_bucket{a=\"b\",le=\"+Inf\"} 4\nh_count{a=\"b\"} 4\n")
        #expect(Self.render([f], .openMetrics100) == "# TYPE h histogram\nh_bucket{a=\"b\",le=\"+Inf\"} 4\n# EOF\n")
    }

    @Test func histogramSeriesWithDifferentBoundsInOneFamily() {
        let a = HistogramPoint(bounds: [1], cumulativeCounts: [1, 2], sum: 3)
        let b = HistogramPoint(bounds: [2, 4], cumulativeCounts: [0, 1, 1], sum: 3)
        let f = MetricFamily(name: "h", kind: .histogram, series: [
            MetricSeries(labels: RenderedLabels([("x", "a")]), value: .histogram(a)),
            MetricSeries(labels: RenderedLabels([("x", "b")]), value: .histogram(b)),
            MetricSeries(labels: RenderedLabels([("x", "c")]), value: .histogram(a)),
        ])
        #expect(Self.render([f], .text004) == """
            # TYPE h histogram
            h_bucket{x="a",le="1"} 1
            h_bucket{x="a",le="+Inf"} 2
            h_sum{x="a"} 3
            h_count{x="a"} 2
            h_bucket{x="b",le="2"} 0
            h_bucket{x="b",le="4"} 1
            h_bucket{x="b",le="+Inf"} 1
            h_sum{x="b"} 3
            h_count{x="b"} 1
            h_bucket{x="c",le="1"} 1
            h_bucket{x="c",le="+Inf"} 2
            h_sum{x="c"} 3
            h_count{x="c"} 2

            """)
    }

    @Test func summaryBothFormats() {
        let s = SummaryPoint(quantiles: [(0, 1), (0.5, 4773), (0.99, .nan), (1, 9000)], sum: 1.7560473e7, count: 2693)
        let f = MetricFamily(name: "rpc_duration_seconds", kind: .summary, help: "RPC latency.", unit: "seconds", series: [
            MetricSeries(labels: .empty, value: .summary(s), startTimeNanos: 1_000_000_001),
        ])
        #expect(Self.render([f], .text004) == """
            # HELP rpc_duration_seconds RPC latency.
            # TYPE rpc_duration_seconds summary
            rpc_duration_seconds{quantile="0"} 1
            rpc_duration_seconds{quantile="0.5"} 4773
            rpc_duration_seconds{quantile="0.99"} NaN
            rpc_duration_seconds{quantile="1"} 9000
            rpc_duration_seconds_sum 1.7560473e+07
            rpc_duration_seconds_count 2693

            """)
        #expect(Self.render([f], .openMetrics100) == """
            # TYPE rpc_duration_seconds summary
            # UNIT rpc_duration_seconds seconds
            # HELP rpc_duration_seconds RPC latency.
            rpc_duration_seconds{quantile="0.0"} 1
            rpc_duration_seconds{quantile="0.5"} 4773
            rpc_duration_seconds{quantile="0.99"} NaN
            rpc_duration_seconds{quantile="1.0"} 9000
            rpc_duration_seconds_sum 1.7560473e+07
            rpc_duration_seconds_count 2693
            rpc_duration_seconds_created 1.000000001
            # EOF

            """)
    }

    @Test func counterExemplarOnlyInOpenMetrics() {
        let e = Exemplar(labels: RenderedLabels([("trace_id", "ab")]), value: 1)
        let f = MetricFamily(name: "c_total", kind: .counter, series: [MetricSeries(labels: .empty, value: .number(5, exemplar: e))])
        #expect(Self.render([f], .text004) == "# TYPE c_total counter\nc_total 5\n")
        #expect(Self.render([f], .openMetrics100) == "# TYPE c counter\nc_total 5 # {trace_id=\"ab\"} 1\n# EOF\n")
        let g = MetricFamily(name: "g", kind: .gauge, series: [MetricSeries(labels: .empty, value: .number(5, exemplar: e))])
        #expect(Self.render([g], .openMetrics100) == "# TYPE g gauge\ng 5\n# EOF\n")
    }

    @Test func timestampsOnlyWhenAsked() {
        let f = MetricFamily(name: "g", kind: .gauge, series: [
            MetricSeries(labels: .empty, value: .number(1), timeNanos: 1_520_879_607_789_000_000),
            MetricSeries(labels: RenderedLabels([("a", "b")]), value: .number(2)),
        ])
        #expect(Self.render([f], .text004) == "# TYPE g gauge\ng 1\ng{a=\"b\"} 2\n")
        #expect(Self.render([f], .text004, timestamps: true) == "# TYPE g gauge\ng 1 1520879607789\ng{a=\"b\"} 2\n")
        #expect(Self.render([f], .openMetrics100, timestamps: true) == "# TYPE g gauge\ng 1 1520879607.789\ng{a=\"b\"} 2\n# EOF\n")
    }

    @Test func emptyInputIsEmptyOrJustEOF() {
        #expect(Self.render([], .text004) == "")
        #expect(Self.render([], .openMetrics100) == "# EOF\n")
    }

    // MARK: - Escaping

    @Test func labelValueAndHelpEscaping() {
        let f = MetricFamily(name: "msdos_file_access_time_seconds", kind: .gauge,
                             help: "Path \"C:\\DIR\"\nnext line", series: [
            MetricSeries(labels: RenderedLabels([("error", "Cannot find file:\n\"FILE.TXT\""), ("path", "C:\\DIR\\FILE.TXT"), ("u", "ü€ \t")]),
                         value: .number(1.458255915e9)),
        ])
        #expect(Self.render([f], .text004) == #"""
            # HELP msdos_file_access_time_seconds Path "C:\\DIR"\nnext line
            # TYPE msdos_file_access_time_seconds gauge
            msdos_file_access_time_seconds{error="Cannot find file:\n\"FILE.TXT\"",path="C:\\DIR\\FILE.TXT",u="ü€ 	"} 1.458255915e+09

            """#)
        #expect(Self.render([f], .openMetrics100).hasPrefix(#"""
            # TYPE msdos_file_access_time_seconds gauge
            # HELP msdos_file_access_time_seconds Path \"C:\\DIR\"\nnext line

            """#))
    }

    @Test func renderedLabelsBytes() {
        #expect(RenderedLabels([]).bytes.isEmpty)
        #expect(String(decoding: RenderedLabels([("a", ""), ("b", "\\\"\n")]).bytes, as: UTF8.self) == #"a="",b="\\\"\n""#)
        #expect(RenderedLabels([("a", "x")]) == RenderedLabels(bytes: Array(#"a="x""#.utf8)))
    }

    // MARK: - Merging parts

    @Test func familiesFromSeveralPartsAreContiguous() {
        func c(_ shard: String, _ v: Double) -> MetricFamily {
            MetricFamily(name: "req_total", kind: .counter, help: "Requests.", series: [MetricSeries(labels: RenderedLabels([("shard", shard)]), value: .number(v))])
        }
        func g(_ shard: String) -> MetricFamily {
            MetricFamily(name: "up", kind: .gauge, help: "Up (\(shard)).", series: [MetricSeries(labels: RenderedLabels([("shard", shard)]), value: .number(1))])
        }
        let conflicting = MetricFamily(name: "up", kind: .counter, series: [MetricSeries(labels: RenderedLabels([("shard", "x")]), value: .number(9))])
        let parts: [[MetricFamily]] = [[c("0", 1), g("0")], [g("1"), conflicting, c("1", 2)], [], [c("2", 3)]]
        let expected = """
            # HELP req_total Requests.
            # TYPE req_total counter
            req_total{shard="0"} 1
            req_total{shard="1"} 2
            req_total{shard="2"} 3
            # HELP up Up (0).
            # TYPE up gauge
            up{shard="0"} 1
            up{shard="1"} 1

            """
        #expect(Self.renderParts(parts, .text004) == expected)
        // merge + render is the same page.
        let merged = FamilyRenderer.merge(parts)
        #expect(merged.map(\.name) == ["req_total", "up"])
        #expect(merged.map(\.series.count) == [3, 2])
        #expect(Self.render(merged, .text004) == expected)
        // The same name twice within one part is grouped too.
        #expect(Self.render([c("0", 1), g("0"), c("1", 2)], .text004).components(separatedBy: "# TYPE req_total").count == 2)
        #expect(Self.render([c("0", 1), g("0"), c("1", 2)], .text004).contains("req_total{shard=\"0\"} 1\nreq_total{shard=\"1\"} 2\n# HELP up"))
    }

    @Test func renderAppendsAndKeepsCapacity() {
        var out: [UInt8] = Array("x".utf8)
        let f = MetricFamily(name: "g", kind: .gauge, series: [MetricSeries(labels: .empty, value: .number(1))])
        FamilyRenderer.render([f], format: .text004, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "x# TYPE g gauge\ng 1\n")
        let cap = out.capacity
        out.removeAll(keepingCapacity: true)
        FamilyRenderer.render([f], format: .text004, into: &out)
        #expect(out.capacity == cap)
    }

    // MARK: - Time helpers

    @Test(arguments: [
        (UInt64(0), "0.0"), (1, "0.000000001"), (1_500_000_000, "1.5"), (1_767_225_600_000_000_000, "1767225600.0"),
        (1_767_225_655_500_000_000, "1767225655.5"), (UInt64.max, "18446744073.709551615"),
    ] as [(UInt64, String)])
    func secondsFromNanos(_ ns: UInt64, _ expected: String) {
        var out: [UInt8] = []
        ExpositionText.appendSeconds(nanos: ns, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }
}
