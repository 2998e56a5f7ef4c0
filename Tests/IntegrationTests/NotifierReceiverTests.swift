import Foundation
import Testing

/// slod's webhook and PagerDuty-style notifiers against a local receiver (Python's http.server),
/// which records every request; the bodies are checked against the documented schemas
/// (Alertmanager webhook v4, PagerDuty Events API v2), with the credentials read from files.
extension Integration {
    @Suite struct NotifierReceivers {
        /// argv: PORT_FILE OUT_FILE. Answers 200 (202 on /v2/enqueue, as PagerDuty does) and
        /// appends one JSON line per request: path, Authorization, Content-Type, body.
        static let receiver = #"""
        import http.server, json, sys
        port_file, out_file = sys.argv[1], sys.argv[2]
        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with open(out_file, "a") as f:
                    f.write(json.dumps({"path": self.path, "auth": self.headers.get("Authorization"),
                                        "ctype": self.headers.get("Content-Type"), "body": json.loads(body)}) + "\n")
                self.send_response(202 if self.path.startswith("/v2/enqueue") else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        with open(port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        import os
        os.rename(port_file + ".tmp", port_file)
        server.serve_forever()
        """#

        static func config(port: UInt16, dir: TempDir, pageDisabled: Bool) -> String {
            testConfig() + AlertmanagerDelivery.sloSection(pageDisabled: pageDisabled) + """
            alerting:
              notifiers:
                - name: hook
                  webhook: {url: "http://127.0.0.1:\(port)/hook?token=secret-in-url"}
                  bearer_token_file: \(dir.file("hook.token"))
                - name: pd
                  pagerduty: {url: "http://127.0.0.1:\(port)/v2/enqueue", routing_key_file: \(dir.file("pd.key"))}

            """
        }

        /// The receiver's requests so far.
        static func received(_ dir: TempDir) -> [[String: Any]] {
            dir.read("received.jsonl").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        @Test func webhookAndPagerDutyPayloadsMatchTheirSchemas() throws {
            guard Paths.peer(Paths.curl),
                  OTelSDK.peer(Paths.python3, imports: OTelSDK.protobufPeer, install: OTelSDK.protobufInstall) else { return }
            let dir = try TempDir()
            try dir.write("hook.token", "tok-123\n")
            try dir.write("pd.key", "R0UT1NGKEY")
            let script = try dir.write("receiver.py", Self.receiver)
            let receiver = try Child(Paths.python3, [script, dir.file("port"), dir.file("received.jsonl")],
                                     stdout: dir.file("rx.out"), stderr: dir.file("rx.err"))
            defer { receiver.stop(grace: 2) }
            #expect(Time.eventually(timeout: 10) { UInt16(dir.read("port")) != nil }, "receiver did not start: \(dir.read("rx.err"))")
            let port = try #require(UInt16(dir.read("port")))
            let slod = try SlodServer(config: Self.config(port: port, dir: dir, pageDisabled: false))
            defer { slod.stop() }
            try AlertmanagerDelivery.push(slod, route: "/pay", dir: dir)

            var got: [[String: Any]] = []
            let both = Time.eventually(timeout: 20, interval: 0.25) {
                got = Self.received(dir)
                return got.contains { $0["path"] as? String == "/v2/enqueue" } && got.contains { ($0["path"] as? String)?.hasPrefix("/hook") == true }
            }
            #expect(both, "received: \(got); slod log:\n\(slod.log.suffix(2000))")

            // Webhook v4 (Alertmanager's `webhook_configs` payload), with the bearer token.
            let hook = try #require(got.first { ($0["path"] as? String)?.hasPrefix("/hook") == true })
            #expect(hook["auth"] as? String == "Bearer tok-123" && hook["ctype"] as? String == "application/json")
            let h = try #require(hook["body"] as? [String: Any])
            for key in ["version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels", "commonLabels",
                        "commonAnnotations", "externalURL", "alerts"] {
                #expect(h[key] != nil, "webhook body lacks \(key): \(h)")
            }
            #expect(h["version"] as? String == "4" && h["status"] as? String == "firing" && h["receiver"] as? String == "hook")
            #expect(h["externalURL"] as? String == slod.url)
            let alert = try #require((h["alerts"] as? [[String: Any]])?.first)
            for key in ["status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"] {
                #expect(alert[key] != nil, "webhook alert lacks \(key): \(alert)")
            }
            let labels = try #require(alert["labels"] as? [String: String])
            #expect(labels["alertname"] == "SLOBurnRate" && labels["route"] == "/pay" && labels["sloth_severity"] == "page"
                    && labels["severity"] == nil && labels["tier"] == "2" && labels["team"] == "shop-team", "\(labels)")
            #expect((alert["generatorURL"] as? String)?.hasPrefix(slod.url + "/api/v1/slos/shop/availability") == true)

            // PagerDuty Events v2 trigger, with the routing key from its file.
            let pd = try #require(got.first { $0["path"] as? String == "/v2/enqueue" }?["body"] as? [String: Any])
            #expect(pd["routing_key"] as? String == "R0UT1NGKEY" && pd["event_action"] as? String == "trigger")
            let dedup = try #require(pd["dedup_key"] as? String)
            #expect(!dedup.isEmpty && dedup.utf8.count <= 255)
            let payload = try #require(pd["payload"] as? [String: Any])
            // No severity configured: the page tier maps to critical.
            #expect(payload["severity"] as? String == "critical" && payload["class"] as? String == "page", "\(payload)")
            #expect(payload["component"] as? String == "shop" && payload["group"] as? String == "availability", "\(payload)")
            #expect((payload["summary"] as? String)?.isEmpty == false && (payload["source"] as? String)?.isEmpty == false)

            // Secrets stay out of the log.
            #expect(!slod.log.contains("tok-123") && !slod.log.contains("R0UT1NGKEY") && !slod.log.contains("secret-in-url"))

            // Resolution (the tier disabled by a reload): webhook status resolved, PagerDuty
            // resolve with the same dedup_key.
            try Self.config(port: port, dir: dir, pageDisabled: true).write(toFile: slod.configPath, atomically: true, encoding: .utf8)
            kill(slod.pid, SIGHUP)
            let resolved = Time.eventually(timeout: 20, interval: 0.25) {
                got = Self.received(dir)
                return got.contains { (($0["body"] as? [String: Any])?["event_action"] as? String) == "resolve" }
                    && got.contains { (($0["body"] as? [String: Any])?["status"] as? String) == "resolved" }
            }
            #expect(resolved, "no resolution: \(got)")
            let resolve = got.compactMap { $0["body"] as? [String: Any] }.first { $0["event_action"] as? String == "resolve" }
            #expect(resolve?["dedup_key"] as? String == dedup)
        }
    }
}
