import Primitives
import Testing
@testable import Exposition

/// `MetricsPage`: self-metrics plus ingested families in one valid exposition per format, `# EOF`
/// once, reserved names kept for slod, scrape self-metrics.
@Suite struct MetricsPageTests {
    static func page() -> MetricsPage {
        MetricsPage(registry: PromtoolTests.sampleRegistry())
    }

    /// Two shard parts with the §9 worked example, a family split over both shards, and the
    /// families named in `extra`.
    static func parts(extra: [MetricFamily] = []) -> [[MetricFamily]] {
        let requests = { (code: String, v: Double) in
            MetricFamily(name: "http_server_requests_total", kind: .counter, help: "Handled HTTP requests.", series: [
                MetricSeries(labels: RenderedLabels([("code", code)]), value: .number(v), startTimeNanos: 1_767_225_600_000_000_000),
            ])
        }
        return [FamilyRendererTests.workedExample().filter { $0.name != "http_server_requests_total" } + [requests("200", 5)],
                [requests("500", 2)] + extra]
    }

    static func render(_ page: MetricsPage, _ parts: [[MetricFamily]], _ format: ExpositionFormat) -> [UInt8] {
        var out: [UInt8] = []
        page.render(parts: parts, format: format, into: &out)
        return out
    }

    @Test(arguments: ExpositionFormat.allCases)
    func pageIsValidWithSelfMetricsFirstAndOneEOF(_ format: ExpositionFormat) {
        let page = Self.page()
        let out = Self.render(page, Self.parts(), format)
        let text = String(decoding: out, as: UTF8.self)
        let check = ExpositionChecker(out, format: format)
        #expect(check.errors.isEmpty, "\(check.errors)\n\(text)")
        let eofs = text.split(separator: "\n").filter { $0 == "# EOF" }.count
        #expect(eofs == (format == .openMetrics100 ? 1 : 0))
        if format == .openMetrics100 { #expect(text.hasSuffix("\n# EOF\n")) }
        // Self-metrics first, then ingested families; a family split over shards is one block.
        let names = check.families.map(\.name)
        let first = names.firstIndex { !$0.hasPrefix("slod_") && !$0.hasPrefix("process_") }
        #expect(first.map { names[$0...].allSatisfy { !$0.hasPrefix("slod_") } } == true, "\(names)")
        let requests = format == .openMetrics100 ? "http_server_requests" : "http_server_requests_total"
        #expect(check.family(requests)?.samples.filter { $0.name == "http_server_requests_total" }.count == 2)
        #expect(check.value("http_server_requests_total", [("code", "500")]) == 2)
        #expect(check.value("slod_scrapes_total", [("format", format.label)]) == 1)
    }

    @Test func scrapeCountersSeparateFormatsAndCountTheCurrentScrape() {
        let page = Self.page()
        _ = Self.render(page, [], .openMetrics100)
        _ = Self.render(page, [], .openMetrics100)
        let out = Self.render(page, [], .text004)
        let check = ExpositionChecker(out, format: .text004)
        #expect(check.value("slod_scrapes_total", [("format", "openmetrics")]) == 2)
        #expect(check.value("slod_scrapes_total", [("format", "text")]) == 1)
    }

    @Test func recordScrapeFeedsDurationAndSizeHistograms() {
        let page = Self.page()
        page.recordScrape(format: .openMetrics100, encoding: .gzip, bodyBytes: 3000, seconds: 0.002)
        page.recordScrape(format: .openMetrics100, encoding: .gzip, bodyBytes: 5_000_000, seconds: 0.3)
        page.recordScrape(format: .text004, encoding: .identity, bodyBytes: 100, seconds: 0.0001)
        let check = ExpositionChecker(Self.render(page, [], .openMetrics100), format: .openMetrics100)
        #expect(check.errors.isEmpty, "\(check.errors)")
        let om = [("format", "openmetrics")]
        #expect(check.value("slod_scrape_duration_seconds_count", om) == 2)
        #expect(check.value("slod_scrape_duration_seconds_sum", om) == 0.302)
        #expect(check.value("slod_scrape_duration_seconds_bucket", om + [("le", "0.0025")]) == 1)
        let gz = om + [("encoding", "gzip")]
        #expect(check.value("slod_scrape_response_bytes_count", gz) == 2)
        #expect(check.value("slod_scrape_response_bytes_sum", gz) == 5_003_000)
        #expect(check.value("slod_scrape_response_bytes_bucket", gz + [("le", "4096.0")]) == 1)
        #expect(check.value("slod_scrape_response_bytes_bucket", gz + [("le", "4.194304e+06")]) == 1)
        #expect(check.value("slod_scrape_response_bytes_bucket", gz + [("le", "1.6777216e+07")]) == 2)
        #expect(check.value("slod_scrape_response_bytes_count", [("format", "text"), ("encoding", "identity")]) == 1)
        #expect(check.value("slod_scrape_response_bytes_count", [("format", "text"), ("encoding", "gzip")]) == 0)
    }

    /// Pushed families whose names clash with slod's own are left out (once per name, however
    /// many shards have them) and counted; the families around them still render, and names that
    /// merely share the `slod_`/`process_` prefix stay.
    @Test(arguments: ExpositionFormat.allCases)
    func clashingIngestedFamiliesAreSkippedAndCounted(_ format: ExpositionFormat) {
        let page = Self.page()
        let pushed = { (name: String, kind: MetricFamily.Kind) in
            MetricFamily(name: name, kind: kind, help: "pushed", series: [MetricSeries(labels: .empty, value: .number(7))])
        }
        // slod_http_requests_total: same name. process_cpu_seconds: the OpenMetrics family name of
        // slod's counter process_cpu_seconds_total. slod_http_connections_total: a counter whose
        // OpenMetrics family is slod's gauge slod_http_connections (pushed by both shards).
        var parts = Self.parts(extra: [pushed("slod_http_requests_total", .counter), pushed("process_cpu_seconds", .gauge),
                                       pushed("slod_http_connections_total", .counter),
                                       pushed("slod_test_requests_total", .counter), pushed("process_runtime_memory_bytes", .gauge)])
        parts[0].append(pushed("slod_http_connections_total", .counter))
        let out = Self.render(page, parts, format)
        let check = ExpositionChecker(out, format: format)
        #expect(check.errors.isEmpty, "\(check.errors)\n\(String(decoding: out, as: UTF8.self))")
        #expect(check.value("slod_exposition_conflicts_total") == 3)
        #expect(Set(check.families.filter { $0.help == "pushed" }.map(\.name))
                == (format == .openMetrics100 ? ["slod_test_requests", "process_runtime_memory_bytes"]
                                              : ["slod_test_requests_total", "process_runtime_memory_bytes"]))
        #expect(check.value("slod_test_requests_total") == 7)
        // Counted again at every scrape that skips them.
        let again = ExpositionChecker(Self.render(page, parts, format), format: format)
        #expect(again.value("slod_exposition_conflicts_total") == 6)
    }

    static let reserved = ReservedFamilyNames(names: [
        "slod_http_requests_total", "slod_series", "slod_scrape_duration_seconds", "slod_odd_bucket",
        "process_open_fds", "process_cpu_seconds_total", "target",
    ])

    @Test(arguments: [
        ("slod_http_requests_total", true), ("slod_http_requests", true), ("slod_http_requests_created", true),
        ("slod_series", true), ("slod_series_total", true), ("slod_series_info", true),
        ("slod_scrape_duration_seconds_count", true), ("slod_scrape_duration_seconds_bucket", true),
        ("slod_odd", true),                        // a histogram slod_odd would write slod_odd_bucket
        ("process_cpu_seconds", true), ("process_cpu_seconds_total", true), ("process_open_fds_total", true),
        ("target_info", true), ("target", true),
        ("slod_scrape_duration", false), ("slod_seriesx", false), ("slod_test_requests_total", false),
        ("process_open_fd", false), ("process_open_fds_x", false), ("process_cpu_time_seconds_total", false),
        ("slodx", false), ("my_slod_series", false), ("targets", false), ("slod_", false), ("_total", false), ("", false),
    ])
    func clashesAreDecidedByRootName(_ name: String, _ clashes: Bool) {
        #expect(Self.reserved.reserves(name) == clashes)
        #expect(!ReservedFamilyNames.none.reserves(name))
    }

    @Test func registryReservesInstrumentsAndDeclaredCollectorFamilies() {
        let r = MetricsRegistry()
        r.counter("slod_a_total", help: "a").add()
        r.register(families: ["slod_b", "slod_c_seconds"]) { w in
            w.family("slod_b", type: .gauge, help: "b")
            w.sample("slod_b", value: 1)
        }
        r.register { w in w.family("slod_undeclared", type: .gauge, help: "u") }
        #expect(r.familyNames == ["slod_a_total", "slod_b", "slod_c_seconds"])
        #expect(r.reservedNames.reserves("slod_a") && r.reservedNames.reserves("slod_b_total")
                && r.reservedNames.reserves("slod_c_seconds_bucket"))
        #expect(!r.reservedNames.reserves("slod_undeclared"))
    }

    #if DEBUG  // an assert: release builds do not check
    @Test func collectorWritingAnUndeclaredFamilyTraps() async {
        await #expect(processExitsWith: .failure) {
            let r = MetricsRegistry()
            r.register(families: ["declared"]) { w in w.family("other", type: .gauge, help: "") }
            var out: [UInt8] = []
            r.render(into: &out)
        }
    }
    #endif

    @Test func familyRendererAloneStillEndsWithEOFAndSkipsNothing() {
        var out: [UInt8] = []
        FamilyRenderer.render(parts: Self.parts(extra: [MetricFamily(name: "slod_x", kind: .gauge, series: [
            MetricSeries(labels: .empty, value: .number(1)),
        ])]), format: .openMetrics100, into: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.hasSuffix("slod_x 1\n# EOF\n"))
    }
}
