import Foundation
import Testing

extension Integration {
    /// `promtool check metrics` accepts the live /metrics body after some traffic.
    @Suite struct Promtool {
        @Test func promtoolAcceptsLiveMetrics() throws {
            guard Paths.peer(Paths.promtool) else { return }
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            // Traffic: 200s, 404, 405, HEAD, a body, a 400.
            for _ in 0..<5 { _ = try server.get("/-/healthy") }
            _ = try server.get("/-/ready")
            _ = try server.get("/nope\"with\\odd")
            let c = try RawClient(port: server.port)
            try c.send("DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\nHEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                       + "POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
            _ = try c.readResponse()
            _ = try c.readResponse(head: true)
            _ = try c.readResponse()
            let g = try RawClient(port: server.port)
            try g.send("\u{1}\u{2}garbage\r\n\r\n")
            _ = try g.readResponse()

            let r = try server.get("/metrics")
            #expect(r.status == 200)
            #expect(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            let text = r.text
            for family in ["slod_http_requests_total", "slod_http_request_duration_seconds", "slod_http_connections_open",
                           "slod_http_connections_accepted_total", "slod_http_connections_refused_total",
                           "slod_http_limit_rejections_total", "process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_open_fds", "process_max_fds", "process_start_time_seconds", "slod_build_info",
                           "slod_scrapes_total", "slod_scrape_duration_seconds", "slod_scrape_response_bytes",
                           "slod_exposition_conflicts_total", "slod_series", "slod_shard_batches_applied_total"] {
                #expect(text.contains("\n# TYPE \(family) ") || text.hasPrefix("# TYPE \(family) "), "no # TYPE line for \(family)")
            }
            for reason in ["request_line", "header_bytes", "header_count", "body_bytes", "syntax", "version", "length_required",
                           "transfer_coding", "expect", "header_timeout", "body_timeout", "write_timeout", "max_connections"] {
                #expect(Metrics.value(text, "slod_http_limit_rejections_total", "reason=\"\(reason)\"") != nil, "no limit_rejections series for reason \(reason)")
            }
            #expect((Metrics.value(text, "slod_http_requests_total", #"handler="/-/healthy",code="200""#) ?? 0) >= 5,
                    "slod_http_requests_total{handler=\"/-/healthy\",code=\"200\"} below 5")
            #expect((Metrics.value(text, "slod_http_limit_rejections_total", #"reason="syntax""#) ?? 0) >= 1)
            #expect((Metrics.value(text, "slod_http_connections_accepted_total") ?? 0) >= 9)
            #expect((Metrics.value(text, "process_resident_memory_bytes") ?? 0) > 0)

            let dir = try TempDir()
            let file = try dir.write("metrics.txt", r.body)
            let check = try runTool(Paths.promtool, ["check", "metrics"], stdin: file, timeout: 20)
            #expect(check.exitCode == 0, "promtool check metrics: \(check)\n--- input ---\n\(text)")
        }

        /// Both formats of the live /metrics after the OTel SDK pushed: text 0.0.4 through
        /// `promtool check metrics`, OpenMetrics through `ExpositionShape` (promtool 2.42's `check
        /// metrics` parses text 0.0.4 only: on OpenMetrics it stops at `# TYPE target info` with
        /// "unknown metric type"; `PrometheusScrape` has a real Prometheus scrape it instead).
        @Test func bothFormatsAreValidAfterAnOTLPPush() throws {
            guard Paths.peer(Paths.promtool),
                  OTelSDK.peer(Paths.python3, imports: OTelSDK.protobufPeer, install: OTelSDK.protobufInstall) else { return }
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            let (r, export) = try OTelSDK.export(Paths.python3, "protobuf", "none", to: server)
            #expect(r.exitCode == 0 && export != nil, "SDK export failed: \(r)")

            let text = try server.get("/metrics", headers: [("Accept", "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")])
            #expect(text.status == 200)
            #expect(text.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            #expect(ExpositionShape.problems(text.text, openMetrics: false) == [], "\(text.text)")
            #expect(text.text.contains("\n# TYPE slod_test_requests_total counter\n"), "\(text.text)")
            #expect(text.text.contains("\n# TYPE target_info gauge\n"))
            #expect(!text.text.contains("# EOF"))
            // Exit 0, or 3 (lint problems, no parse error) when the only problem is the missing HELP
            // of slod.test.inflight, which the SDK pushes without a description (slod writes no
            // HELP rather than inventing one).
            let dir = try TempDir()
            let check = try runTool(Paths.promtool, ["check", "metrics"], stdin: try dir.write("metrics.txt", text.body), timeout: 20)
            let lint = (check.stdout + check.stderr).split(separator: "\n").filter { !$0.isEmpty }
            #expect(check.exitCode == 0 || (check.exitCode == 3 && lint == ["slod_test_inflight no help text"]),
                    "promtool check metrics: \(check)\n--- input ---\n\(text.text)")

            let om = try server.get("/metrics", headers: [("Accept", ExpositionShape.prometheus242Accept)])
            #expect(om.status == 200)
            #expect(om.header("Content-Type") == "application/openmetrics-text; version=1.0.0; charset=utf-8")
            #expect(om.header("Vary") == "Accept, Accept-Encoding")
            #expect(ExpositionShape.problems(om.text, openMetrics: true) == [], "\(om.text)")
            #expect(om.text.split(separator: "\n").filter { $0 == "# EOF" }.count == 1)
            for line in ["# TYPE slod_test_requests counter", "# TYPE slod_test_duration_seconds histogram", "# TYPE target info",
                         "# TYPE slod_scrapes counter", "# TYPE slod_http_requests counter", "# TYPE process_cpu_seconds counter"] {
                #expect(om.text.contains("\n\(line)\n") || om.text.hasPrefix(line + "\n"), "no \(line)")
            }
            let a = om.text.split(separator: "\n").first { $0.hasPrefix("slod_test_requests_total{") && $0.contains(#"route="/a""#) }
            #expect(a?.hasSuffix(" 9") == true, "\(a ?? "no slod_test_requests_total for /a")")
            #expect(Metrics.value(om.text, "slod_scrapes_total", #"format="openmetrics""#) == 1)
            #expect(Metrics.value(om.text, "slod_scrapes_total", #"format="text""#) == 1)
        }
    }

    /// The command line: --version, --help, bad flags, `check config`, `--listen 127.0.0.1:0`.
    @Suite struct CLI {
        func slod(_ args: [String]) throws -> ToolResult {
            try runTool(try Paths.slodBinary(), args, timeout: 10)
        }

        @Test func versionAndHelp() throws {
            let v = try slod(["--version"])
            #expect(v.exitCode == 0, "\(v)")
            #expect(v.stdout.hasPrefix("slod "), "\(v)")
            let h = try slod(["--help"])
            #expect(h.exitCode == 0, "\(h)")
            #expect(h.stdout.contains("--config") && h.stdout.contains("--listen"), "\(h)")
        }

        @Test func unknownFlagExits2() throws {
            let r = try slod(["--no-such-flag"])
            #expect(r.exitCode == 2, "\(r)")
            #expect(r.stderr.contains("--no-such-flag"), "\(r)")
            let m = try slod(["--config"])
            #expect(m.exitCode == 2, "--config without a value: \(m)")
        }

        @Test func checkConfigGoodFiles() throws {
            let dir = try TempDir()
            let good = try dir.write("good.yaml", testConfig(server: ["max_connections": "7"], limits: ["max_body_bytes": "16MiB"],
                                                             timeouts: ["header_read": "500ms", "idle": "2m"]))
            let r = try slod(["check", "config", good])
            #expect(r.exitCode == 0, "\(r)\n--- file ---\n\(dir.read("good.yaml"))")
            let shipped = Paths.repoRoot().appendingPathComponent("config/slod.yaml").path
            if FileManager.default.fileExists(atPath: shipped) {
                let s = try slod(["check", "config", shipped])
                #expect(s.exitCode == 0, "shipped config/slod.yaml: \(s)")
            }
        }

        @Test func checkConfigReportsEveryErrorWithPosition() throws {
            let dir = try TempDir()
            let bad = try dir.write("bad.yaml", """
            server:
              max_connections: 0
              limits:
                max_body_bytes: 1
              timeouts:
                idle: 5
            log:
              level: loud

            """)
            let r = try slod(["check", "config", bad])
            #expect(r.exitCode != 0 && r.exitCode != nil, "\(r)")
            let output = r.stderr + r.stdout
            let errorLines = output.split(separator: "\n").filter { $0.hasPrefix("\(bad):") }
            #expect(errorLines.count >= 4, "expected 4 errors as file:line:column: …, got:\n\(output)")
            for line in [2, 4, 6, 8] {
                let prefix = "\(bad):\(line):"
                let hit = errorLines.first { $0.hasPrefix(prefix) }
                #expect(hit != nil, "no error reported for line \(line):\n\(output)")
                if let hit {
                    let rest = hit.dropFirst(prefix.count)
                    let col = rest.prefix { $0.isNumber }
                    #expect(Int(col).map { $0 >= 1 } == true && rest.dropFirst(col.count).hasPrefix(": "),
                            "not file:line:column: …: \(hit)")
                }
            }
            // Running with that file refuses to start.
            let run = try slod(["--config", bad, "--listen", "127.0.0.1:0"])
            #expect(run.exitCode != 0 && run.exitCode != nil, "slod started with an invalid config: \(run)")
        }

        @Test func listenOnPortZeroLogsTheRealPort() throws {
            let server = try SlodServer(config: testConfig(), extraArguments: [])
            defer { server.stop() }
            #expect(server.port != 0)
            let line = server.log.split(separator: "\n").first { $0.contains("msg=\"listening\"") } ?? ""
            #expect(line.contains("address=127.0.0.1:\(server.port)"), "\(line)")
            #expect(line.hasPrefix("ts=") && line.contains(" level=info "), "not logfmt: \(line)")
            let r = try server.get("/-/healthy")
            #expect(r.status == 200 && r.text == "slod is healthy\n", "\(r)")
        }
    }
}
