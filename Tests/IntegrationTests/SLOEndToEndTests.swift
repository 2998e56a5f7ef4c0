import Foundation
import Testing

/// End to end: the OTel Python SDK pushes traffic with a known error ratio and latency
/// distribution; slod's `/api/v1/slos` and `/metrics` show the expected ratios and burn rates.
extension Integration {
    @Suite struct SLOEndToEnd {
        /// argv: PORT. Two exports (cumulative): the first is each series' baseline, the second
        /// carries 200 requests, 10 of them failed, and 200 durations, 150 of them ≤ 0.25 s.
        static let script = #"""
        import json, math, sys
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import MetricExportResult, PeriodicExportingMetricReader
        from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        port = int(sys.argv[1])
        exporter = OTLPMetricExporter(endpoint=f"http://127.0.0.1:{port}/v1/metrics", timeout=10)
        results = []
        inner = exporter.export
        def export(data, timeout_millis=10_000, **kw):
            r = inner(data, timeout_millis=timeout_millis, **kw)
            results.append(r.name)
            return r
        exporter.export = export
        reader = PeriodicExportingMetricReader(exporter, export_interval_millis=math.inf)
        view = View(instrument_name="slod.slo.duration",
                    aggregation=ExplicitBucketHistogramAggregation([0.1, 0.25, 0.5, 1.0]))
        provider = MeterProvider(resource=Resource.create({"service.name": "slod-slo-e2e"}),
                                 metric_readers=[reader], views=[view])
        meter = provider.get_meter("slod.integration", "1.0.0")
        requests = meter.create_counter("slod.slo.requests", unit="{request}")
        duration = meter.create_histogram("slod.slo.duration", unit="s")

        requests.add(10, {"code": "200"})
        requests.add(1, {"code": "500"})
        for _ in range(10): duration.record(0.05)
        ok1 = provider.force_flush(timeout_millis=15_000)

        requests.add(190, {"code": "200"})
        requests.add(10, {"code": "500"})
        for _ in range(150): duration.record(0.05)
        for _ in range(30): duration.record(0.3)
        for _ in range(20): duration.record(2.0)
        ok2 = provider.force_flush(timeout_millis=15_000)
        provider.shutdown()
        ok = ok1 and ok2 and results and all(r == MetricExportResult.SUCCESS.name for r in results)
        print(json.dumps({"ok": bool(ok), "results": results}))
        sys.exit(0 if ok else 1)
        """#

        static let sloConfig = """
        slos:
          - service: shop
            name: availability
            objective: 99
            period: 30d
            labels: {team: payments}
            sli:
              events:
                total: slod_slo_requests_total
                bad: 'slod_slo_requests_total{code="500"}'
          - service: shop
            name: latency
            objective: 90
            period: 7d
            sli:
              latency:
                histogram: slod_slo_duration_seconds
                threshold: 0.25

        """

        /// `windows[window][field]` of the SLO `name` in `/api/v1/slos` (nil when absent/null).
        static func window(_ json: Any?, _ name: String, _ window: String, _ field: String) -> Double? {
            guard let obj = json as? [String: Any], let slos = obj["slos"] as? [[String: Any]],
                  let slo = slos.first(where: { $0["name"] as? String == name }),
                  let windows = slo["windows"] as? [String: Any], let w = windows[window] as? [String: Any] else { return nil }
            return (w[field] as? NSNumber)?.doubleValue
        }

        @Test func sdkTrafficShowsUpAsRatiosAndBurnRates() throws {
            guard Paths.peer(Paths.curl),
                  OTelSDK.peer(Paths.python3, imports: OTelSDK.protobufPeer, install: OTelSDK.protobufInstall) else { return }
            let slod = try SlodServer(config: testConfig() + Self.sloConfig)
            defer { slod.stop() }
            let dir = try TempDir()
            let script = try dir.write("slo_traffic.py", Self.script)
            let r = try runTool(Paths.python3, [script, String(slod.port)], timeout: 60)
            #expect(r.exitCode == 0, "SDK export failed: \(r)")

            // Evaluation runs every second: wait (bounded) for the second export to show.
            var json: Any? = nil
            let seen = Time.eventually(timeout: 15, interval: 0.25) {
                guard let body = try? slod.get("/api/v1/slos").text else { return false }
                json = try? JSONSerialization.jsonObject(with: Data(body.utf8))
                return Self.window(json, "availability", "5m", "total") == 200 && Self.window(json, "latency", "5m", "total") == 200
            }
            #expect(seen, "5m totals never reached 200: \(String(describing: json)); stderr:\n\(slod.log.suffix(3000))")
            // Availability: 10 of 200 failed → error ratio 0.05, burn rate 0.05 / 0.01 = 5.
            #expect(Self.window(json, "availability", "5m", "good") == 190)
            #expect(abs((Self.window(json, "availability", "5m", "error_ratio") ?? -1) - 0.05) < 1e-9)
            #expect(abs((Self.window(json, "availability", "5m", "burn_rate") ?? -1) - 5) < 1e-9)
            #expect(abs((Self.window(json, "availability", "30d", "error_ratio") ?? -1) - 0.05) < 1e-9)
            // Latency: 150 of 200 at or below 0.25 s → error ratio 0.25, burn rate 0.25 / 0.1 = 2.5.
            #expect(Self.window(json, "latency", "5m", "good") == 150)
            #expect(abs((Self.window(json, "latency", "5m", "burn_rate") ?? -1) - 2.5) < 1e-9)

            // The SLO list page shows the same figures: availability 95 % attained (objective
            // 99 %), 5m burn rate 5, budget exhausted (−400 %).
            let list = try slod.get("/?service=shop&sort=name").text
            let row = list.split(separator: "<tr>").first { $0.contains("/ui/slo/shop/availability") && $0.contains("</tr>") }
            #expect(row?.contains("95.000 %") == true && row?.contains("5.00×") == true && row?.contains("exhausted") == true,
                    "\(row.map(String.init) ?? list)")

            let sloPage = try slod.get("/ui/slo/shop/availability").text
            #expect(sloPage.contains("190 good of 200 events") && sloPage.contains("10 bad of 2 allowed so far"), "\(sloPage)")

            // One SLO by path; an unknown one is a 404.
            let one = try slod.get("/api/v1/slos/shop/latency")
            #expect(one.status == 200)
            let oneJSON = try? JSONSerialization.jsonObject(with: Data(one.text.utf8)) as? [String: Any]
            #expect((oneJSON?["slos"] as? [Any])?.count == 1, "\(one.text)")
            #expect(try slod.get("/api/v1/slos/shop/nope").status == 404)

            // Sloth-compatible series on /metrics.
            let page = try slod.get("/metrics").text
            let line = page.split(separator: "\n").first {
                $0.hasPrefix("slo:sli_error:ratio_rate5m{") && $0.contains("sloth_slo=\"availability\"")
            }
            #expect(line != nil, "no slo:sli_error:ratio_rate5m for availability in:\n\(page.suffix(3000))")
            if let line {
                #expect(line.contains("sloth_service=\"shop\"") && line.contains("sloth_id=\"shop-availability\"") && line.contains("team=\"payments\""), "\(line)")
                #expect(abs((line.split(separator: " ").last.flatMap { Double($0) } ?? -1) - 0.05) < 1e-9, "\(line)")
            }
            #expect(!page.contains("NaN"), "NaN on /metrics")

            // A reload that gives availability Sloth's custom 30-day alert windows keeps its
            // state (the definition is unchanged): the new 2m window reads the buckets it covers
            // (all 200 requests, pushed seconds ago), the period its 200 events, as before.
            let custom = Self.sloConfig.replacingOccurrences(of: "    labels: {team: payments}\n", with: """
                    labels: {team: payments}
                    alerting:
                      page: {windows: [{long: 30m, short: 2m, factor: 2}, {long: 3h, short: 15m, factor: 2}]}
                      ticket: {windows: [{long: 12h, short: 1h, factor: 1}, {long: 36h, short: 3h, factor: 1}]}

                """)
            #expect(custom != Self.sloConfig)
            try (testConfig() + custom).write(toFile: slod.configPath, atomically: true, encoding: .utf8)
            kill(slod.pid, SIGHUP)
            let relaid = Time.eventually(timeout: 15, interval: 0.25) {
                guard let body = try? slod.get("/api/v1/slos").text else { return false }
                json = try? JSONSerialization.jsonObject(with: Data(body.utf8))
                return Self.window(json, "availability", "2m", "total") != nil
            }
            #expect(relaid && slod.isRunning, "no 2m window after the reload: \(String(describing: json)); stderr:\n\(slod.log.suffix(3000))")
            #expect(slod.log.contains(#"msg="SLOs reconfigured" slos=2 kept=2"#), "\(slod.log.suffix(2000))")
            for window in ["2m", "15m", "3h", "1d12h", "5m", "30d"] {
                #expect(Self.window(json, "availability", window, "total") == 200 && Self.window(json, "availability", window, "good") == 190,
                        "\(window): \(String(describing: json))")
            }
            #expect(try slod.metrics().contains(#"sloth_window="1d12h"}"#))
        }
    }
}
