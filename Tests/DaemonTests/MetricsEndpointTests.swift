import Aggregation
import Dispatch
import Exposition
import HTTP
import OTLP
import Primitives
import Synchronization
import Testing
@testable import Daemon

/// `MetricsEndpoint.response`: negotiated format and Content-Type, gzip, one `# EOF`, scrape
/// self-metrics, pooled scratch. (The HTTP round trip is covered by the integration tests.)
@Suite struct MetricsEndpointTests {
    static let prometheusAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    /// Two shard parts, one family split over both.
    static let parts: [[MetricFamily]] = [
        [MetricFamily(name: "app_requests_total", kind: .counter, help: "Requests.", series: [
            MetricSeries(labels: RenderedLabels([("shard_of_origin", "0")]), value: .number(3)),
        ])],
        [MetricFamily(name: "app_requests_total", kind: .counter, help: "Requests.", series: [
            MetricSeries(labels: RenderedLabels([("shard_of_origin", "1")]), value: .number(4)),
        ])],
    ]

    /// An endpoint over a fresh registry, with a clock fixed at 3 ms.
    static func endpoint() -> MetricsEndpoint {
        let registry = MetricsRegistry()
        registry.gauge("slod_build_info", help: "Build.", labels: [("version", "test")]).set(1)
        return MetricsEndpoint(page: MetricsPage(registry: registry), snapshot: { $0(parts) }, clock: { 3_000_000 })
    }

    static func body(_ r: HTTPResponse) -> [UInt8] {
        guard case .bytes(let b) = r.body else { return [] }
        return b
    }

    static func gunzip(_ bytes: [UInt8]) throws -> String {
        let inflater = Inflater()
        return try bytes.withUnsafeBytes { raw in
            String(decoding: try inflater.inflate(raw, coding: .gzip), as: UTF8.self)
        }
    }

    static func header(_ r: HTTPResponse, _ name: String) -> String? {
        r.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    @Test(arguments: [
        (prometheusAccept as String?, "application/openmetrics-text; version=1.0.0; charset=utf-8"),
        ("application/openmetrics-text", "application/openmetrics-text; version=0.0.1; charset=utf-8"),
        ("*/*", "text/plain; version=0.0.4; charset=utf-8"),
        (nil, "text/plain; version=0.0.4; charset=utf-8"),
    ])
    func contentTypeAndBodyFollowAccept(_ accept: String?, _ contentType: String) {
        let e = Self.endpoint()
        let r = e.response(parts: Self.parts, choice: ContentNegotiation.negotiate(accept: accept), gzip: false, started: 0)
        #expect(r.status == .ok)
        #expect(r.contentType?.description == contentType)
        #expect(Self.header(r, "Vary") == "Accept, Accept-Encoding")
        #expect(Self.header(r, "Content-Encoding") == nil)
        let text = String(decoding: Self.body(r), as: UTF8.self)
        let lines = text.split(separator: "\n")
        let om = contentType.hasPrefix("application/openmetrics-text")
        #expect(lines.filter { $0 == "# EOF" }.count == (om ? 1 : 0))
        #expect(text.hasSuffix(om ? "\n# EOF\n" : "\n"))
        // Self-metrics first, the ingested family (both shards, one block) after them.
        #expect(lines.first == (om ? "# TYPE slod_build_info gauge" : "# HELP slod_build_info Build."))
        #expect(lines.contains(om ? "# TYPE app_requests counter" : "# TYPE app_requests_total counter"))
        #expect(text.contains("app_requests_total{shard_of_origin=\"0\"} 3\napp_requests_total{shard_of_origin=\"1\"} 4\n"))
    }

    @Test func gzipBodyInflatesToThePage() throws {
        let e = Self.endpoint()
        let r = e.response(parts: Self.parts, choice: ContentNegotiation.negotiate(accept: Self.prometheusAccept), gzip: true, started: 0)
        #expect(Self.header(r, "Content-Encoding") == "gzip")
        let text = try Self.gunzip(Self.body(r))
        #expect(text.hasPrefix("# TYPE slod_build_info gauge\n"))
        #expect(text.hasSuffix("app_requests_total{shard_of_origin=\"1\"} 4\n# EOF\n"))
        #expect(e.pooledScratchCount == 1)
    }

    /// The sizes and durations of earlier scrapes show on the next page, by format and encoding.
    @Test func scrapesAreRecordedByFormatAndEncoding() throws {
        let e = Self.endpoint()
        let om = ContentNegotiation.negotiate(accept: Self.prometheusAccept)
        let gz = e.response(parts: Self.parts, choice: om, gzip: true, started: 1_000_000)
        let plain = e.response(parts: Self.parts, choice: om, gzip: false, started: 0)
        let text = String(decoding: Self.body(e.response(parts: [], choice: ContentNegotiation.negotiate(accept: nil), gzip: false, started: 0)), as: UTF8.self)
        func value(_ series: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
        }
        #expect(value(#"slod_scrapes_total{format="openmetrics"}"#) == 2)
        #expect(value(#"slod_scrapes_total{format="text"}"#) == 1)
        #expect(value(#"slod_scrape_response_bytes_sum{encoding="gzip",format="openmetrics"}"#) == Double(Self.body(gz).count))
        #expect(value(#"slod_scrape_response_bytes_sum{encoding="identity",format="openmetrics"}"#) == Double(Self.body(plain).count))
        #expect(value(#"slod_scrape_response_bytes_count{encoding="gzip",format="text"}"#) == 0)
        #expect(value(#"slod_scrape_duration_seconds_count{format="openmetrics"}"#) == 2)
        #expect(value(#"slod_scrape_duration_seconds_sum{format="openmetrics"}"#) == 0.005)  // 2 ms + 3 ms
        #expect(Self.body(gz).count < Self.body(plain).count)
    }

    /// Concurrent gzip scrapes each get their own scratch; the pool keeps at most two.
    @Test func concurrentGzipScrapesDoNotShareScratch() throws {
        let e = Self.endpoint()
        let choice = ContentNegotiation.negotiate(accept: nil)
        let bodies = Mutex<[[UInt8]]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            let r = e.response(parts: Self.parts, choice: choice, gzip: true, started: 0)
            bodies.withLock { $0.append(Self.body(r)) }
        }
        let all = bodies.withLock { $0 }
        #expect(all.count == 16)
        for b in all {
            let text = try Self.gunzip(b)
            #expect(text.contains("app_requests_total{shard_of_origin=\"1\"} 4\n"), "\(text.suffix(200))")
            #expect(text.hasPrefix("# HELP slod_build_info Build.\n"))
        }
        #expect((1...MetricsEndpoint.maxPooledScratch).contains(e.pooledScratchCount))
    }
}

/// `registerShardMetrics`: per-shard gauges and batches, counters summed over shards.
@Suite struct ShardMetricsTests {
    @Test func perShardSeriesAndSummedCounters() throws {
        let stats = [ShardStats(), ShardStats()]
        stats[0].series.set(3); stats[1].series.set(5)
        stats[0].pointsApplied.add(10); stats[1].pointsApplied.add(20)
        stats[0].batchesApplied.add(1); stats[1].batchesApplied.add(4)
        stats[1].seriesCreated.add(7)
        stats[0].rejected["out_of_order"]?.add(2); stats[1].rejected["out_of_order"]?.add(1)
        stats[1].rejected["series_limit"]?.add(6)
        let runtime = try ShardRuntime(loops: 1, workers: [AggregatorShard(stats: stats[0]), AggregatorShard(stats: stats[1])])
        let registry = MetricsRegistry()
        registerShardMetrics(registry, stats: stats, runtime: runtime)
        var out: [UInt8] = []
        registry.render(into: &out)
        let text = String(decoding: out, as: UTF8.self)
        for line in [
            #"slod_series{shard="0"} 3"#, #"slod_series{shard="1"} 5"#,
            "slod_points_applied_total 30", "slod_series_created_total 7",
            #"slod_shard_batches_applied_total{shard="0"} 1"#, #"slod_shard_batches_applied_total{shard="1"} 4"#,
            #"slod_shard_rejected_points_total{reason="out_of_order"} 3"#, "slod_series_limit_rejections_total 6",
            #"slod_shard_ring_occupancy{shard="0"} 0"#, #"slod_shard_ring_occupancy{shard="1"} 0"#,
        ] {
            #expect(text.contains("\n" + line + "\n"), "missing \(line) in\n\(text)")
        }
        // OpenMetrics: the same samples under counter families without _total.
        out.removeAll(keepingCapacity: true)
        registry.render(into: &out, format: .openMetrics100)
        let om = String(decoding: out, as: UTF8.self)
        #expect(om.contains("# TYPE slod_shard_batches_applied counter\n"))
        #expect(om.contains("\nslod_points_applied_total 30\n"))
    }
}

@Suite struct AcceptEncodingTests {
    @Test(arguments: [
        ("gzip", true), ("gzip, deflate", true), ("deflate, GZIP;q=0.5", true), ("*", true), ("x-gzip", true),
        (" gzip ; q=0.001", true), ("gzip;q=0", false), ("identity", false), ("br", false), ("", false),
        ("gzip;q=0, *", false),           // an explicit refusal beats the wildcard
        ("*;q=0", false), ("br, *;q=0.1", true), ("gzip;q=garbage", false),
    ])
    func gzipIsAcceptedWhenListedWithPositiveQ(_ value: String, _ expected: Bool) {
        #expect(acceptsGzip(value) == expected)
    }

    @Test func missingHeaderMeansNoGzip() {
        #expect(acceptsGzip(nil) == false)
    }
}
