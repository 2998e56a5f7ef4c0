import Foundation
import Testing

/// A real Alertmanager 0.25 (Debian) receives slod's burn-rate alerts: an error burst pushed by
/// the OTel Python SDK appears in Alertmanager with the expected labels; an alert that fires
/// while Alertmanager is down arrives once it is back (retries and re-sends); an alert resolved
/// by slod leaves Alertmanager's active list.
extension Integration {
    @Suite struct AlertmanagerDelivery {
        static let alertmanager = "/usr/bin/prometheus-alertmanager"

        /// argv: PORT ROUTE. Two exports (cumulative): the baseline, then 100 requests on ROUTE,
        /// 50 of them failed.
        static let script = #"""
        import math, sys
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        port, route = int(sys.argv[1]), sys.argv[2]
        exporter = OTLPMetricExporter(endpoint=f"http://127.0.0.1:{port}/v1/metrics", timeout=10)
        reader = PeriodicExportingMetricReader(exporter, export_interval_millis=math.inf)
        provider = MeterProvider(resource=Resource.create({"service.name": "slod-alert-e2e"}), metric_readers=[reader])
        requests = provider.get_meter("slod.integration").create_counter("slod.alert.requests", unit="{request}")
        requests.add(1, {"route": route, "code": "200"})
        requests.add(1, {"route": route, "code": "500"})
        ok1 = provider.force_flush(timeout_millis=15_000)
        requests.add(50, {"route": route, "code": "200"})
        requests.add(50, {"route": route, "code": "500"})
        ok2 = provider.force_flush(timeout_millis=15_000)
        provider.shutdown()
        sys.exit(0 if ok1 and ok2 else 1)
        """#

        /// The SLO the notifier tests burn: 99.9 % by route over `slod_alert_requests_total`,
        /// with Sloth's `tier: "2"` SLO label and an alert label, only its page tier (with a
        /// `severity` label when given).
        static func sloSection(pageDisabled: Bool, severity: String? = nil) -> String {
            """
            slos:
              - service: shop
                name: availability
                objective: 99.9
                group_by: [route]
                labels: {tier: "2"}
                sli:
                  events:
                    total: slod_alert_requests_total
                    bad: 'slod_alert_requests_total{code="500"}'
                alerting:
                  runbook_url: https://runbooks.example/shop
                  labels: {team: shop-team}
                  page: {\(severity.map { "severity: \($0), " } ?? "")disabled: \(pageDisabled)}
                  ticket: {disabled: true}

            """
        }

        static func slodConfig(alertmanagerPort: UInt16, pageDisabled: Bool = false) -> String {
            testConfig() + sloSection(pageDisabled: pageDisabled, severity: "critical") + """
            alerting:
              evaluation_interval: 1s
              notifiers:
                - name: am
                  alertmanager: {urls: ["http://127.0.0.1:\(alertmanagerPort)"], resend_interval: 1s}
                  timeout: 2s

            """
        }

        /// Alertmanager on 127.0.0.1:`port` with one null receiver and no clustering; waits
        /// (≤ 15 s) until it is ready.
        static func startAlertmanager(port: UInt16, dir: TempDir) throws -> Child {
            let config = try dir.write("am.yml", """
            route:
              receiver: "null"
              group_wait: 0s
            receivers:
              - name: "null"
            """)
            let am = try Child(Self.alertmanager, ["--config.file=\(config)", "--storage.path=\(dir.file("am-data"))",
                                                   "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address="],
                               stdout: dir.file("am.out"), stderr: dir.file("am.err"))
            let ready = Time.eventually(timeout: 15, interval: 0.1) {
                (try? runTool(Paths.curl, ["-sf", "--max-time", "2", "http://127.0.0.1:\(port)/-/ready"], timeout: 5).exitCode) == 0
            }
            guard ready else {
                am.stop(grace: 2)
                throw HarnessError("Alertmanager did not become ready:\n\(dir.read("am.err").suffix(2000))")
            }
            return am
        }

        /// Alertmanager's active alerts: their labels.
        static func activeAlerts(port: UInt16) -> [[String: String]] {
            guard let r = try? runTool(Paths.curl, ["-sS", "--max-time", "3", "http://127.0.0.1:\(port)/api/v2/alerts?active=true"], timeout: 5),
                  r.exitCode == 0,
                  let list = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] else { return [] }
            return list.compactMap { item -> [String: String]? in
                guard let labels = item["labels"] as? [String: String],
                      let status = item["status"] as? [String: Any], status["state"] as? String == "active" else { return nil }
                return labels
            }
        }

        static func push(_ slod: SlodServer, route: String, dir: TempDir) throws {
            let script = try dir.write("alert_traffic.py", Self.script)
            let r = try runTool(Paths.python3, [script, String(slod.port), route], timeout: 60)
            #expect(r.exitCode == 0, "SDK export failed: \(r)")
        }

        @Test func burstsPageThroughAlertmanagerAcrossItsRestartAndResolve() throws {
            guard Paths.peer(Self.alertmanager), Paths.peer(Paths.curl),
                  OTelSDK.peer(Paths.python3, imports: OTelSDK.protobufPeer, install: OTelSDK.protobufInstall) else { return }
            let dir = try TempDir()
            let amPort = PrometheusScrape.freePort()
            var am = try Self.startAlertmanager(port: amPort, dir: dir)
            defer { am.stop(grace: 5) }
            let slod = try SlodServer(config: Self.slodConfig(alertmanagerPort: amPort))
            defer { slod.stop() }

            // 1. A burst on /a: 50 % errors is 500× the 0.1 % budget; the page fires.
            try Self.push(slod, route: "/a", dir: dir)
            var seen: [[String: String]] = []
            let paged = Time.eventually(timeout: 20, interval: 0.25) {
                seen = Self.activeAlerts(port: amPort)
                return seen.contains { $0["route"] == "/a" }
            }
            #expect(paged, "no alert in Alertmanager: \(seen); slod log:\n\(slod.log.suffix(3000))")
            if let a = seen.first(where: { $0["route"] == "/a" }) {
                // The SLO's own tier label survives; the tier is sloth_severity, beside the configured severity.
                #expect(a == ["alertname": "SLOBurnRate", "route": "/a", "tier": "2", "team": "shop-team", "severity": "critical",
                              "sloth_id": "shop-availability", "sloth_service": "shop", "sloth_slo": "availability",
                              "sloth_severity": "page"], "\(a)")
            }

            // 2. Alertmanager goes away; a burst on /b fires meanwhile; Alertmanager comes back
            // (empty: no persisted state worth relying on) and gets both alerts.
            am.stop(grace: 5)
            try Self.push(slod, route: "/b", dir: dir)
            #expect(Time.eventually(timeout: 10, interval: 0.25) { (try? slod.get("/api/v1/alerts").text.contains("/b")) == true },
                    "slod never fired for /b")
            Time.sleep(2)
            am = try Self.startAlertmanager(port: amPort, dir: dir)
            let both = Time.eventually(timeout: 20, interval: 0.25) {
                seen = Self.activeAlerts(port: amPort)
                return seen.contains { $0["route"] == "/a" } && seen.contains { $0["route"] == "/b" }
            }
            #expect(both, "after Alertmanager's restart: \(seen)")
            #expect(try slod.metric("slod_notification_attempts_failed_total", "notifier=\"am\",url=\"http://127.0.0.1:\(amPort)\"") > 0)

            // 3. A reload disables the page tier: slod resolves both alerts, Alertmanager drops them.
            try Self.slodConfig(alertmanagerPort: amPort, pageDisabled: true).write(toFile: slod.configPath, atomically: true, encoding: .utf8)
            kill(slod.pid, SIGHUP)
            let resolved = Time.eventually(timeout: 20, interval: 0.25) { Self.activeAlerts(port: amPort).isEmpty }
            #expect(resolved, "still active after the reload: \(Self.activeAlerts(port: amPort)); log:\n\(slod.log.suffix(2000))")
            #expect(try slod.metric("slod_notifications_sent_total", "notifier=\"am\",url=\"http://127.0.0.1:\(amPort)\"") > 0)
        }
    }
}
