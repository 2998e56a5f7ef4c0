import Primitives
import Testing
@testable import Exposition

private func rendered(_ registry: MetricsRegistry) -> String {
    var out: [UInt8] = []
    registry.render(into: &out)
    return String(decoding: out, as: UTF8.self)
}

@Suite struct MetricsRegistryTests {
    @Test func counterRendersHelpTypeAndIntegerValue() {
        let r = MetricsRegistry()
        let c = r.counter("slod_requests_total", help: "Requests handled.")
        c.add()
        c.add(41)
        #expect(rendered(r) == """
            # HELP slod_requests_total Requests handled.
            # TYPE slod_requests_total counter
            slod_requests_total 42

            """)
    }

    @Test func gaugeRendersNegativeValues() {
        let r = MetricsRegistry()
        let g = r.gauge("slod_connections", help: "Open connections.", labels: [("listener", "otlp")])
        g.set(5)
        g.add(-7)
        #expect(g.value == -2)
        #expect(rendered(r) == """
            # HELP slod_connections Open connections.
            # TYPE slod_connections gauge
            slod_connections{listener="otlp"} -2

            """)
    }

    @Test func histogramRendersCumulativeBucketsSumAndCount() {
        let r = MetricsRegistry()
        let h = r.histogram("slod_latency_seconds", help: "Latency.", labels: [("route", "/v1/metrics")],
                            bounds: [0.25, 1, 2.5])
        for v in [0.125, 0.25, 0.5, 2, 100] { h.observe(v) }
        #expect(rendered(r) == """
            # HELP slod_latency_seconds Latency.
            # TYPE slod_latency_seconds histogram
            slod_latency_seconds_bucket{route="/v1/metrics",le="0.25"} 2
            slod_latency_seconds_bucket{route="/v1/metrics",le="1"} 3
            slod_latency_seconds_bucket{route="/v1/metrics",le="2.5"} 4
            slod_latency_seconds_bucket{route="/v1/metrics",le="+Inf"} 5
            slod_latency_seconds_sum{route="/v1/metrics"} 102.875
            slod_latency_seconds_count{route="/v1/metrics"} 5

            """)
    }

    @Test func histogramWithoutLabelsUsesDefaultBounds() {
        let r = MetricsRegistry()
        let h = r.histogram("x_seconds", help: "h")
        #expect(h.bounds == Histogram.defaultBounds)
        let text = rendered(r)
        let les = text.split(separator: "\n").filter { $0.hasPrefix("x_seconds_bucket") }
            .map { $0.split(separator: "\"")[1] }
        #expect(les == ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"])
        #expect(text.contains("\nx_seconds_sum 0\nx_seconds_count 0\n"))
    }

    static let escapes: [(String, String)] = [
        ("plain", "plain"), ("back\\slash", "back\\\\slash"), ("quo\"te", "quo\\\"te"),
        ("new\nline", "new\\nline"), ("C:\\DIR\\\"FILE\"\n", "C:\\\\DIR\\\\\\\"FILE\\\"\\n"),
        ("ünïcode ok", "ünïcode ok"), ("", ""),
    ]

    @Test(arguments: escapes)
    func labelValuesAreEscaped(_ raw: String, _ escaped: String) {
        let r = MetricsRegistry()
        _ = r.gauge("g", help: "h", labels: [("v", raw)])
        #expect(rendered(r).hasSuffix("g{v=\"\(escaped)\"} 0\n"))
    }

    @Test func helpEscapesBackslashAndNewlineButNotQuotes() {
        let r = MetricsRegistry()
        _ = r.gauge("g", help: "a \"quoted\" back\\slash\nsecond line")
        #expect(rendered(r).hasPrefix("# HELP g a \"quoted\" back\\\\slash\\nsecond line\n# TYPE g gauge\n"))
    }

    @Test func interleavedRegistrationKeepsFamiliesContiguous() {
        let r = MetricsRegistry()
        r.counter("a_total", help: "A", labels: [("k", "1")]).add()
        r.gauge("b", help: "B").set(2)
        r.counter("a_total", help: "A", labels: [("k", "2")]).add(3)
        r.histogram("c", help: "C", labels: [("k", "1")], bounds: [1]).observe(1)
        r.gauge("b", help: "B", labels: [("x", "y")]).set(4)
        r.histogram("c", help: "C", labels: [("k", "2")], bounds: [1]).observe(5)
        #expect(rendered(r) == """
            # HELP a_total A
            # TYPE a_total counter
            a_total{k="1"} 1
            a_total{k="2"} 3
            # HELP b B
            # TYPE b gauge
            b 2
            b{x="y"} 4
            # HELP c C
            # TYPE c histogram
            c_bucket{k="1",le="1"} 1
            c_bucket{k="1",le="+Inf"} 1
            c_sum{k="1"} 1
            c_count{k="1"} 1
            c_bucket{k="2",le="1"} 0
            c_bucket{k="2",le="+Inf"} 1
            c_sum{k="2"} 5
            c_count{k="2"} 1

            """)
    }

    @Test func sameNameAndLabelsReturnSameInstanceInAnyLabelOrder() {
        let r = MetricsRegistry()
        let a = r.counter("x_total", help: "x", labels: [("a", "1"), ("b", "2")])
        let b = r.counter("x_total", help: "x", labels: [("b", "2"), ("a", "1")])
        let other = r.counter("x_total", help: "x", labels: [("a", "1"), ("b", "3")])
        #expect(a === b)
        #expect(a !== other)
        #expect(r.gauge("g", help: "g") === r.gauge("g", help: "g"))
        #expect(r.histogram("h", help: "h") === r.histogram("h", help: "h", bounds: Histogram.defaultBounds + [.infinity]))
        a.add()
        // Labels are rendered sorted by name; the series appears once.
        #expect(rendered(r).contains("x_total{a=\"1\",b=\"2\"} 1\nx_total{a=\"1\",b=\"3\"} 0\n"))
    }

    @Test func labelValuesThatEscapeAlikeStayDistinct() {
        let r = MetricsRegistry()
        let a = r.gauge("g", help: "g", labels: [("v", "a\"b")])
        let b = r.gauge("g", help: "g", labels: [("v", "a\\\"b")])
        #expect(a !== b)
    }

    @Test func collectorsRenderInRegistrationOrder() {
        let r = MetricsRegistry()
        r.gauge("first", help: "1").set(1)
        r.register { w in
            w.family("dynamic", type: .gauge, help: "d")
            w.sample("dynamic", labels: [("k", "v")], value: 0.25)
            w.sample("dynamic", labels: [("k", "w")], value: Double.nan)
        }
        r.gauge("last", help: "3").set(3)
        #expect(rendered(r) == """
            # HELP first 1
            # TYPE first gauge
            first 1
            # HELP dynamic d
            # TYPE dynamic gauge
            dynamic{k="v"} 0.25
            dynamic{k="w"} NaN
            # HELP last 3
            # TYPE last gauge
            last 3

            """)
    }

    @Test func renderAppendsToCallerBuffer() {
        let r = MetricsRegistry()
        r.counter("n_total", help: "n").add(9)
        var out = Array("prefix\n".utf8)
        r.render(into: &out)
        #expect(String(decoding: out, as: UTF8.self).hasPrefix("prefix\n# HELP n_total n\n"))
        let capacity = out.capacity
        out.removeAll(keepingCapacity: true)
        r.render(into: &out)
        #expect(out.capacity == capacity)
        #expect(String(decoding: out, as: UTF8.self).hasPrefix("# HELP n_total n\n"))
    }

    @Test func writerIntegerOverloadsAreExact() {
        var w = MetricsWriter()
        w.sample("u", value: UInt64.max)
        w.sample("i", value: Int64.min)
        w.sample("n", value: 3)
        w.sample("d", value: 1e-5)
        w.sample("inf", labels: [("a", "b")], value: -Double.infinity)
        w.histogram("h", snapshot: HistogramSnapshot(bounds: [1e6], cumulativeCounts: [1, 2], count: 2, sum: 3e6))
        #expect(String(decoding: w.bytes, as: UTF8.self) == """
            u 18446744073709551615
            i -9223372036854775808
            n 3
            d 1e-05
            inf{a="b"} -Inf
            h_bucket{le="1e+06"} 1
            h_bucket{le="+Inf"} 2
            h_sum 3e+06
            h_count 2

            """)
    }

    @Test func emptyRegistryRendersNothing() {
        #expect(rendered(MetricsRegistry()).isEmpty)
    }

    // Programmer errors stop the process at registration.
    @Test func counterWithoutTotalSuffixTraps() async {
        await #expect(processExitsWith: .failure) { _ = MetricsRegistry().counter("requests", help: "") }
    }

    @Test func invalidMetricNameTraps() async {
        await #expect(processExitsWith: .failure) { _ = MetricsRegistry().gauge("bad-name", help: "") }
    }

    @Test func reservedLabelNameTraps() async {
        await #expect(processExitsWith: .failure) { _ = MetricsRegistry().gauge("g", help: "", labels: [("__name__", "x")]) }
    }

    @Test func histogramLabelNamedLeTraps() async {
        await #expect(processExitsWith: .failure) { _ = MetricsRegistry().histogram("h", help: "", labels: [("le", "1")]) }
    }

    @Test func sameNameWithTwoTypesTraps() async {
        await #expect(processExitsWith: .failure) {
            let r = MetricsRegistry()
            _ = r.gauge("x_total", help: "")
            _ = r.counter("x_total", help: "")
        }
    }

    @Test func duplicateLabelNameTraps() async {
        await #expect(processExitsWith: .failure) { _ = MetricsRegistry().gauge("g", help: "", labels: [("a", "1"), ("a", "2")]) }
    }
}
