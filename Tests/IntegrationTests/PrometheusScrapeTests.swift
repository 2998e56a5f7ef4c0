import Foundation
import Testing

/// A real Prometheus 2.42 (Debian) scrapes slod on loopback while the OTel Python SDK pushes to
/// slod; the test queries Prometheus's HTTP API for the translated series and their values.
extension Integration {
    @Suite struct PrometheusScrape {
        static let prometheus = "/usr/bin/prometheus"

        /// Free TCP port on 127.0.0.1 (bound and released; Prometheus binds it right after).
        static func freePort() -> UInt16 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
            return UInt16(bigEndian: addr.sin_port)
        }

        /// Instant query; returns (labels, value) per result.
        static func query(_ port: UInt16, _ promql: String) -> [([String: String], Double)] {
            let q = promql.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? promql
            guard let r = try? runTool(Paths.curl, ["-sS", "--max-time", "5", "http://127.0.0.1:\(port)/api/v1/query?query=\(q)"], timeout: 10),
                  r.exitCode == 0,
                  let obj = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
                  let data = obj["data"] as? [String: Any], let result = data["result"] as? [[String: Any]] else { return [] }
            return result.compactMap { item in
                guard let metric = item["metric"] as? [String: String], let value = item["value"] as? [Any],
                      value.count == 2, let s = value[1] as? String, let v = Double(s) else { return nil }
                return (metric, v)
            }
        }

        @Test func prometheusScrapesWhatTheSDKPushed() throws {
            guard Paths.peer(Self.prometheus), Paths.peer(Paths.curl),
                  OTelSDK.peer(Paths.python3, imports: OTelSDK.protobufPeer, install: OTelSDK.protobufInstall) else { return }
            let slod = try SlodServer(config: testConfig())
            defer { slod.stop() }
            let (r, export) = try OTelSDK.export(Paths.python3, "protobuf", "none", to: slod)
            #expect(r.exitCode == 0 && export != nil, "SDK export failed: \(r)")

            let dir = try TempDir()
            let port = Self.freePort()
            let config = try dir.write("prometheus.yml", """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: slod
                honor_labels: true
                static_configs:
                  - targets: ["127.0.0.1:\(slod.port)"]
            """)
            let prom = try Child(Self.prometheus, ["--config.file=\(config)", "--storage.tsdb.path=\(dir.file("data"))",
                                                   "--web.listen-address=127.0.0.1:\(port)"],
                                 stdout: dir.file("prom.out"), stderr: dir.file("prom.err"))
            defer { prom.stop(grace: 5) }

            // Wait (bounded) until Prometheus has scraped the pushed series.
            var requests: [([String: String], Double)] = []
            let found = Time.eventually(timeout: 30, interval: 0.5) {
                requests = Self.query(port, #"slod_test_requests_total{job="slod-otel-sdk-test"}"#)
                return requests.count == 2
            }
            #expect(found, "Prometheus did not find slod_test_requests_total within 30 s; prometheus stderr:\n\(dir.read("prom.err").suffix(2000))")
            let byRoute = Dictionary(requests.map { ($0.0["route"] ?? "", $0.1) }, uniquingKeysWith: { a, _ in a })
            #expect(byRoute["/a"] == 9, "\(requests)")
            #expect(byRoute["/b"] == 6, "\(requests)")
            #expect(requests.first { $0.0["route"] == "/a" }?.0["method"] == "GET")
            #expect(requests.allSatisfy { $0.0["otel_scope_name"] == "slod.integration" && $0.0["otel_scope_version"] == "1.0.0" })

            let count = Self.query(port, #"slod_test_duration_seconds_count{route="/a"}"#)
            #expect(count.map(\.1) == [6], "\(count)")
            let sum = Self.query(port, #"slod_test_duration_seconds_sum{route="/a"}"#)
            #expect(abs((sum.first?.1 ?? 0) - 13.923) < 1e-9, "\(sum)")
            // The SDK's default bounds are 0, 5, 10, 25, …: 5 of the 6 observations are <= 5 s.
            // Prometheus 2.42 negotiates OpenMetrics, whose canonical `le` spelling is "5.0" (text
            // 0.0.4 writes "5"); Prometheus 2.x stores the label as written.
            let le5 = Self.query(port, #"slod_test_duration_seconds_bucket{route="/a",le="5.0"}"#)
            #expect(le5.map(\.1) == [5], "\(le5)")
            let inf = Self.query(port, #"slod_test_duration_seconds_bucket{route="/a",le="+Inf"}"#)
            #expect(inf.map(\.1) == [6], "\(inf)")
            let inflight = Self.query(port, "slod_test_inflight")
            let byPool = Dictionary(inflight.map { ($0.0["pool"] ?? "", $0.1) }, uniquingKeysWith: { a, _ in a })
            #expect(byPool == ["main": 3, "aux": -1], "\(inflight)")
            let info = Self.query(port, #"target_info{job="slod-otel-sdk-test"}"#)
            #expect(info.count == 1, "\(info)")
            #expect(info.first?.0["telemetry_sdk_language"] == "python", "\(info)")

            // Prometheus 2.42 asks for OpenMetrics first: slod's own scrape counter, as Prometheus
            // stored it, shows it got OpenMetrics and never text — and the target is healthy.
            let up = Self.query(port, #"up{job="slod"}"#)
            #expect(up.map(\.1) == [1], "\(up)")
            let scrapes = Self.query(port, #"slod_scrapes_total{job="slod"}"#)
            let byFormat = Dictionary(scrapes.map { ($0.0["format"] ?? "", $0.1) }, uniquingKeysWith: { a, _ in a })
            #expect((byFormat["openmetrics"] ?? 0) >= 1 && byFormat["text"] == 0, "\(scrapes)")
            // The OpenMetrics-only metadata made it: counter families without _total.
            let metadata = Self.metadata(port, "slod_test_requests")
            #expect(metadata == "counter", "Prometheus metadata for slod_test_requests: \(metadata ?? "none")")
        }

        /// The type Prometheus recorded for a metric family (`/api/v1/metadata`), e.g. `counter`.
        static func metadata(_ port: UInt16, _ family: String) -> String? {
            guard let r = try? runTool(Paths.curl, ["-sS", "--max-time", "5", "http://127.0.0.1:\(port)/api/v1/metadata?metric=\(family)"], timeout: 10),
                  r.exitCode == 0,
                  let obj = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
                  let data = obj["data"] as? [String: Any], let entries = data[family] as? [[String: Any]] else { return nil }
            return entries.first?["type"] as? String
        }

        @Test func metricsAreGzippedWhenAccepted() throws {
            guard Paths.peer(Paths.curl) else { return }
            let slod = try SlodServer(config: testConfig())
            defer { slod.stop() }
            let dir = try TempDir()
            let r = try runTool(Paths.curl, ["-sS", "--max-time", "10", "--compressed", "-D", dir.file("h"), "\(slod.url)/metrics"], timeout: 15)
            #expect(r.exitCode == 0, "\(r)")
            #expect(r.stdout.contains("slod_build_info"), "curl inflated the body: \(r.stdout.prefix(200))")
            #expect(dir.read("h").lowercased().contains("content-encoding: gzip"), "\(dir.read("h"))")
            let plain = try slod.get("/metrics")
            #expect(plain.header("Content-Encoding") == nil)
            #expect(plain.text.contains("slod_build_info"))
            // OpenMetrics, gzipped: curl inflates it; one # EOF, last.
            let om = try runTool(Paths.curl, ["-sS", "--max-time", "10", "--compressed", "-D", dir.file("h2"),
                                              "-H", "Accept: \(ExpositionShape.prometheus242Accept)", "\(slod.url)/metrics"], timeout: 15)
            #expect(om.exitCode == 0, "\(om)")
            #expect(dir.read("h2").lowercased().contains("content-type: application/openmetrics-text; version=1.0.0"), "\(dir.read("h2"))")
            #expect(ExpositionShape.problems(om.stdout, openMetrics: true) == [], "\(om.stdout)")
        }
    }
}
