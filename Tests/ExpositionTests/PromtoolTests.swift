import Foundation
import Primitives
import Testing
@testable import Exposition

/// `promtool check metrics` accepts (exit 0: no parse errors, no lint problems) what we render.
/// Skips with a reason when promtool is not installed, unless `SLOD_REQUIRE_PEERS=1`.
@Suite struct PromtoolTests {
    static let promtool = "/usr/bin/promtool"

    static func sampleRegistry() -> MetricsRegistry {
        let r = MetricsRegistry()
        r.counter("slod_http_requests_total", help: "HTTP requests handled.", labels: [("code", "200"), ("path", "/v1/metrics")]).add(3)
        r.gauge("slod_http_connections", help: "Open HTTP connections.").set(2)
        r.counter("slod_http_requests_total", help: "HTTP requests handled.", labels: [("code", "400"), ("path", "weird \"path\"\\\n")]).add()
        let h = r.histogram("slod_http_request_duration_seconds", help: "HTTP request latency.", labels: [("path", "/v1/metrics")])
        for v in [0.001, 0.02, 0.3, 4, 50, .infinity] { h.observe(v) }
        _ = r.histogram("slod_http_request_duration_seconds", help: "HTTP request latency.", labels: [("path", "/metrics")])
        r.register(families: ["slod_ring_fill_ratio"]) { w in
            w.family("slod_ring_fill_ratio", type: .gauge, help: "Ring fill ratio with a \\ and a\nnewline.")
            w.sample("slod_ring_fill_ratio", labels: [("shard", "0")], value: 1e-5)
            w.sample("slod_ring_fill_ratio", labels: [("shard", "1")], value: .nan)
            w.sample("slod_ring_fill_ratio", labels: [("shard", "2")], value: -.infinity)
        }
        registerProcessMetrics(r)
        return r
    }

    /// Whether promtool is installed; records an issue when it is not but `SLOD_REQUIRE_PEERS=1`.
    static func available() -> Bool {
        if FileManager.default.isExecutableFile(atPath: promtool) { return true }
        let reason = "promtool not found at \(promtool); skipping promtool check"
        if ProcessInfo.processInfo.environment["SLOD_REQUIRE_PEERS"] == "1" {
            Issue.record("\(reason), but SLOD_REQUIRE_PEERS=1")
        } else {
            print("SKIP: \(reason)")
        }
        return false
    }

    /// Runs `promtool check metrics` on `exposition` and expects exit 0 (no parse error, no lint
    /// problem), showing promtool's report and the input otherwise.
    static func expectPromtoolAccepts(_ exposition: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        let stdin = Pipe(), output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        stdin.fileHandleForWriting.write(Data(exposition))
        try stdin.fileHandleForWriting.close()
        let report = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0,
                "promtool: \(String(decoding: report, as: UTF8.self))\ninput:\n\(String(decoding: exposition, as: UTF8.self))",
                sourceLocation: sourceLocation)
    }

    @Test func promtoolAcceptsRenderedRegistry() throws {
        guard PromtoolTests.available() else { return }
        var out: [UInt8] = []
        Self.sampleRegistry().render(into: &out)

        try PromtoolTests.expectPromtoolAccepts(out)
    }
}

/// `promtool check metrics` accepts a text 0.0.4 page rendered by `FamilyRenderer` (every kind,
/// awkward values, several parts). Skips like `PromtoolTests`.
@Suite struct FamilyRendererPromtoolTests {
    @Test func promtoolAcceptsRenderedFamilies() throws {
        guard PromtoolTests.available() else { return }
        var parts = [FamilyRendererTests.workedExample()]
        parts.append([
            MetricFamily(name: "http_server_requests_total", kind: .counter, help: "Handled HTTP requests.", series: [
                MetricSeries(labels: RenderedLabels([("http_response_status_code", "500"), ("weird", "a\"b\\c\nd")]), value: .number(2)),
            ]),
            MetricFamily(name: "queue_depth", kind: .gauge, help: "Depth with a \\ and a\nnewline.", series: [
                MetricSeries(labels: RenderedLabels([("q", "a")]), value: .number(.nan)),
                MetricSeries(labels: RenderedLabels([("q", "b")]), value: .number(-.infinity)),
                MetricSeries(labels: RenderedLabels([("q", "c")]), value: .number(1e-5)),
            ]),
            MetricFamily(name: "rpc_duration_seconds", kind: .summary, help: "RPC latency.", series: [
                MetricSeries(labels: .empty, value: .summary(SummaryPoint(quantiles: [(0.5, 1), (0.99, 2)], sum: 3, count: 4))),
            ]),
            MetricFamily(name: "mystery", kind: .unknown, help: "Unknown.", series: [MetricSeries(labels: .empty, value: .number(1))]),
        ])
        var out: [UInt8] = []
        FamilyRenderer.render(parts: parts, format: .text004, into: &out)

        try PromtoolTests.expectPromtoolAccepts(out)
    }
}

/// `promtool check metrics` accepts the whole text 0.0.4 page: self-metrics (every kind, scrape
/// metrics), ingested families from two shards, and a reserved family left out. (promtool 2.42
/// only parses text 0.0.4 — it stops at OpenMetrics' `info` type, for one — so OpenMetrics pages
/// are checked by `ExpositionChecker` in `MetricsPageTests` and by a real Prometheus scrape in
/// the integration tests.)
@Suite struct MetricsPagePromtoolTests {
    @Test func promtoolAcceptsTextPage() throws {
        guard PromtoolTests.available() else { return }
        let page = MetricsPageTests.page()
        page.recordScrape(format: .text004, encoding: .gzip, bodyBytes: 12345, seconds: 0.01)
        let parts = MetricsPageTests.parts(extra: [
            MetricFamily(name: "slod_http_requests_total", kind: .counter, help: "pushed", series: [MetricSeries(labels: .empty, value: .number(1))]),
        ])
        var out: [UInt8] = []
        page.render(parts: parts, format: .text004, into: &out)

        try PromtoolTests.expectPromtoolAccepts(out)
    }
}
