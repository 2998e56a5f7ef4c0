import Primitives
import Testing
@testable import Exposition

private func rendered(_ registry: MetricsRegistry, _ format: ExpositionFormat) -> String {
    var out: [UInt8] = []
    registry.render(into: &out, format: format)
    return String(decoding: out, as: UTF8.self)
}

/// The registry and `MetricsWriter` in OpenMetrics 1.0 (prometheus-compat §6): family names of
/// counters without `_total`, TYPE before HELP, `unknown` for `untyped`, HELP escaping `"`,
/// canonical `le`, and no `# EOF` (the page appends it once, after the ingested families).
@Suite struct MetricsRegistryOpenMetricsTests {
    @Test func counterFamilyDropsTotalButSampleKeepsIt() {
        let r = MetricsRegistry()
        r.counter("slod_requests_total", help: "Requests handled.", labels: [("code", "200")]).add(42)
        #expect(rendered(r, .openMetrics100) == """
            # TYPE slod_requests counter
            # HELP slod_requests Requests handled.
            slod_requests_total{code="200"} 42

            """)
    }

    @Test func gaugeAndBuildInfoStayGauges() {
        let r = MetricsRegistry()
        r.gauge("slod_build_info", help: "Build.", labels: [("version", "1.2.3")]).set(1)
        r.gauge("slod_connections", help: "Open connections.").set(-2)
        #expect(rendered(r, .openMetrics100) == """
            # TYPE slod_build_info gauge
            # HELP slod_build_info Build.
            slod_build_info{version="1.2.3"} 1
            # TYPE slod_connections gauge
            # HELP slod_connections Open connections.
            slod_connections -2

            """)
    }

    @Test func histogramBucketsUseCanonicalLe() {
        let r = MetricsRegistry()
        let h = r.histogram("slod_latency_seconds", help: "Latency.", labels: [("route", "/v1/metrics")],
                            bounds: [0.25, 1, 10, 1e6])
        for v in [0.125, 0.5, 2, 100] { h.observe(v) }
        #expect(rendered(r, .openMetrics100) == """
            # TYPE slod_latency_seconds histogram
            # HELP slod_latency_seconds Latency.
            slod_latency_seconds_bucket{route="/v1/metrics",le="0.25"} 1
            slod_latency_seconds_bucket{route="/v1/metrics",le="1.0"} 2
            slod_latency_seconds_bucket{route="/v1/metrics",le="10.0"} 3
            slod_latency_seconds_bucket{route="/v1/metrics",le="1e+06"} 4
            slod_latency_seconds_bucket{route="/v1/metrics",le="+Inf"} 4
            slod_latency_seconds_sum{route="/v1/metrics"} 102.625
            slod_latency_seconds_count{route="/v1/metrics"} 4

            """)
        // The text rendering of the same registry is unchanged by the OpenMetrics prefixes.
        #expect(rendered(r, .text004).contains("slod_latency_seconds_bucket{route=\"/v1/metrics\",le=\"1\"} 2\n"))
    }

    @Test func helpEscapesQuotesInOpenMetricsOnly() {
        let r = MetricsRegistry()
        _ = r.gauge("g", help: "a \"quoted\" back\\slash\nline")
        #expect(rendered(r, .openMetrics100).hasPrefix("# TYPE g gauge\n# HELP g a \\\"quoted\\\" back\\\\slash\\nline\n"))
        #expect(rendered(r, .text004).hasPrefix("# HELP g a \"quoted\" back\\\\slash\\nline\n"))
    }

    @Test func emptyHelpIsOmittedInOpenMetrics() {
        let r = MetricsRegistry()
        r.gauge("g", help: "").set(1)
        #expect(rendered(r, .openMetrics100) == "# TYPE g gauge\ng 1\n")
    }

    @Test func collectorsWriteTheNegotiatedFormat() {
        let r = MetricsRegistry()
        r.register { w in
            w.family("dyn_total", type: .counter, help: "d")
            w.sample("dyn_total", labels: [("k", "v")], value: UInt64(3))
            w.family("mystery", type: .untyped, help: "m")
            w.sample("mystery", value: 0.5)
            w.family("lat", type: .histogram, help: "l")
            w.histogram("lat", snapshot: HistogramSnapshot(bounds: [1, 2.5], cumulativeCounts: [1, 1, 2], count: 2, sum: 4))
        }
        #expect(rendered(r, .openMetrics100) == """
            # TYPE dyn counter
            # HELP dyn d
            dyn_total{k="v"} 3
            # TYPE mystery unknown
            # HELP mystery m
            mystery 0.5
            # TYPE lat histogram
            # HELP lat l
            lat_bucket{le="1.0"} 1
            lat_bucket{le="2.5"} 1
            lat_bucket{le="+Inf"} 2
            lat_sum 4
            lat_count 2

            """)
        #expect(rendered(r, .text004).contains("# TYPE mystery untyped\n"))
        #expect(rendered(r, .text004).contains("lat_bucket{le=\"1\"} 1\n"))
    }

    @Test(arguments: ExpositionFormat.allCases)
    func everyKindPassesTheStrictChecker(_ format: ExpositionFormat) {
        var out: [UInt8] = []
        PromtoolTests.sampleRegistry().render(into: &out, format: format)
        if format == .openMetrics100 { out.append(contentsOf: "# EOF\n".utf8) }
        let check = ExpositionChecker(out, format: format)
        #expect(check.errors.isEmpty, "\(check.errors)\n\(String(decoding: out, as: UTF8.self))")
        let requests = format == .openMetrics100 ? "slod_http_requests" : "slod_http_requests_total"
        #expect(check.family(requests)?.type == "counter")
        #expect(check.value("slod_http_requests_total", [("code", "200")]) == 3)
        #expect(check.family("slod_http_request_duration_seconds")?.samples.count == 2 * (Histogram.defaultBounds.count + 3))
    }

    @Test func renderingOpenMetricsReusesTheCallerBuffer() {
        let r = PromtoolTests.sampleRegistry()
        var out: [UInt8] = []
        r.render(into: &out, format: .openMetrics100)
        out.reserveCapacity(out.count * 2)  // room for process metrics growing a digit
        let capacity = out.capacity
        out.removeAll(keepingCapacity: true)
        r.render(into: &out, format: .openMetrics100)
        #expect(out.capacity == capacity)
        #expect(out.starts(with: Array("# TYPE slod_http_requests counter\n".utf8)))
    }

    @Test func counterFamilyWithoutTotalTraps() async {
        await #expect(processExitsWith: .failure) {
            var w = MetricsWriter(format: .openMetrics100)
            w.family("requests", type: .counter, help: "")
        }
    }
}
