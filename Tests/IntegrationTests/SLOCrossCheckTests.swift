import Foundation
import Testing

/// Prometheus' own engine cross-checks slod's SLO math: the same synthetic counters are pushed
/// to slod (OTLP, cumulative, one point a minute) and given to `promtool test rules` as input
/// series for the rules `slod rules` generates; the rules must evaluate to the values slod
/// itself reports on `/api/v1/slos`.
///
/// The series have two phases — 1 % errors for 100 minutes, then 10 % for 40 — so every window
/// compared holds intervals of one ratio (5m, 30m) or all of them (the period), where PromQL's
/// `increase()` extrapolation cancels out of the ratio and both engines must agree exactly.
/// (Windows straddling the change differ by design: slod counts exact bucket-aligned intervals,
/// PromQL extrapolates from the samples inside the range.)
extension Integration {
    @Suite struct SLOCrossCheck {
        static let config = """
        slos:
          - service: checkout
            name: availability
            objective: 99
            period: 30d
            sli:
              events:
                total: http_requests_total
                bad: 'http_requests_total{code="500"}'

        """

        /// Cumulative values at minute `i` (0…140).
        static func ok(_ i: Int) -> Int { i <= 100 ? 99 * i : 9_900 + 90 * (i - 100) }
        static func errors(_ i: Int) -> Int { i <= 100 ? i : 100 + 10 * (i - 100) }

        /// One OTLP/JSON request carrying every point of both series (in time order).
        static func request(end: UInt64) -> String {
            let minute: UInt64 = 60_000_000_000
            let start = end - 150 * minute
            func points(_ code: String, _ value: (Int) -> Int) -> [String] {
                (0...140).map { i in
                    #"{"attributes":[{"key":"code","value":{"stringValue":"\#(code)"}}],"startTimeUnixNano":"\#(start)","timeUnixNano":"\#(end - UInt64(140 - i) * minute)","asInt":"\#(value(i))"}"#
                }
            }
            let all = (points("200", ok) + points("500", errors)).joined(separator: ",")
            return #"{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"cross-check"}}]},"scopeMetrics":[{"metrics":[{"name":"http.requests","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[\#(all)]}}]}]}]}"#
        }

        @Test func promtoolEvaluatesTheGeneratedRulesToSlodsOwnValues() throws {
            guard Paths.peer(Paths.promtool), Paths.peer(Paths.curl) else { return }
            let dir = try TempDir()
            let slod = try SlodServer(config: testConfig() + Self.config)
            defer { slod.stop() }
            // The last point a minute or two before now, on a minute boundary.
            let now = UInt64(Date().timeIntervalSince1970)
            let end = (now / 60 - 1) * 60 * 1_000_000_000
            let body = try dir.write("request.json", Self.request(end: end))
            let post = try runTool(Paths.curl, ["-sS", "--max-time", "10", "-o", dir.file("response"), "-w", "%{http_code}",
                                                "-H", "Content-Type: application/json", "--data-binary", "@\(body)",
                                                "\(slod.url)/v1/metrics"], timeout: 15)
            #expect(post.stdout == "200", "push failed: \(post) \(dir.read("response"))")

            // slod's values, once the evaluation has seen every interval (140 × 100 events).
            var slo: [String: Any] = [:]
            let seen = Time.eventually(timeout: 15, interval: 0.25) {
                guard let text = try? slod.get("/api/v1/slos").text,
                      let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                      let first = (obj["slos"] as? [[String: Any]])?.first,
                      let windows = first["windows"] as? [String: Any], let period = windows["30d"] as? [String: Any],
                      (period["total"] as? NSNumber)?.doubleValue == 14_000 else { return false }
                slo = first
                return true
            }
            #expect(seen, "slod never counted the 14,000 events: \(slod.log.suffix(2000))")
            guard seen else { return }
            func window(_ w: String, _ field: String) -> Double? {
                ((slo["windows"] as? [String: Any])?[w] as? [String: Any]).flatMap { ($0[field] as? NSNumber)?.doubleValue }
            }
            let budget = slo["budget"] as? [String: Any]
            let remaining = (budget?["remaining_ratio"] as? NSNumber)?.doubleValue
            // Sanity: the hand-computed truth (the cross-check below is the real test).
            #expect(window("5m", "error_ratio") == 0.1 && window("30m", "error_ratio") == 0.1)
            #expect(abs((window("30d", "error_ratio") ?? 0) - 500.0 / 14_000) < 1e-12)

            let rules = dir.file("rules.yaml")
            let config = try dir.write("slod.yaml", Self.config)
            let gen = try runTool(try Paths.slodBinary(), ["rules", config, "--out", rules], timeout: 20)
            #expect(gen.exitCode == 0, "\(gen)")
            let labels = #"sloth_id="checkout-availability",sloth_service="checkout",sloth_slo="availability""#
            func scaled(_ v: Double?) -> String { String(Int64(((v ?? .nan) * 1e9).rounded())) }
            // (recorded series, its sloth_window, slod's value, minute), compared as round(x · 1e9).
            // Rules that read other recorded series (burn rates, remaining budget) may see them
            // one evaluation late in Prometheus, as with Sloth: the input repeats its last sample
            // at 141m (no new events), and those are compared there.
            let checks: [(String, String, Double?, Int)] = [
                ("slo:sli_error:ratio_rate5m", "5m", window("5m", "error_ratio"), 140),
                ("slo:sli_error:ratio_rate30m", "30m", window("30m", "error_ratio"), 140),
                ("slo:sli_error:ratio_rate30d", "30d", window("30d", "error_ratio"), 140),
                ("slo:sli_error:ratio_rate30d", "30d", window("30d", "error_ratio"), 141),
                ("slo:period_burn_rate:ratio", "30d", window("30d", "burn_rate"), 141),
                ("slo:period_error_budget_remaining:ratio", "30d", remaining, 141),
            ]
            let exprTests = checks.map { name, w, value, minute in
                """
                      - expr: round(\(name) * 1e9)
                        eval_time: \(minute)m
                        exp_samples:
                          - labels: '{\(labels),sloth_window="\(w)"}'
                            value: \(scaled(value))
                """
            }.joined(separator: "\n")
            let test = try dir.write("test.yaml", """
            rule_files:
              - \(rules)
            evaluation_interval: 1m
            tests:
              - interval: 1m
                input_series:
                  - series: 'http_requests_total{code="200"}'
                    values: '0+99x100 9990+90x39 13500'
                  - series: 'http_requests_total{code="500"}'
                    values: '0+1x100 110+10x39 500'
                promql_expr_test:
            \(exprTests)

            """)
            let result = try runTool(Paths.promtool, ["test", "rules", test], timeout: 60)
            #expect(result.exitCode == 0, "promtool disagrees with slod: \(result)\n--- slod ---\n\(slo)")
        }

        /// `POST /-/reload` with one SLO added and the other unchanged (but moved in the file):
        /// no restart needed, the unchanged SLO keeps its 14,000 counted events, the new one
        /// exists and matches the existing series.
        @Test func reloadKeepsTheStateOfUnchangedSLOs() throws {
            guard Paths.peer(Paths.curl) else { return }
            let dir = try TempDir()
            let slod = try SlodServer(config: testConfig() + Self.config)
            defer { slod.stop() }
            let end = (UInt64(Date().timeIntervalSince1970) / 60 - 1) * 60 * 1_000_000_000
            let body = try dir.write("request.json", Self.request(end: end))
            func push() throws -> String {
                try runTool(Paths.curl, ["-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json",
                                         "--data-binary", "@\(body)", "\(slod.url)/v1/metrics"], timeout: 15).stdout
            }
            #expect(try push() == "200")
            func totals() -> [String: Double] {
                guard let text = try? slod.get("/api/v1/slos").text,
                      let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                      let slos = obj["slos"] as? [[String: Any]] else { return [:] }
                var out: [String: Double] = [:]
                for s in slos {
                    let windows = s["windows"] as? [String: Any]
                    let w = (windows?["30d"] ?? windows?["7d"]) as? [String: Any]
                    out[s["name"] as? String ?? ""] = (w?["total"] as? NSNumber)?.doubleValue ?? -1
                }
                return out
            }
            #expect(Time.eventually(timeout: 15, interval: 0.25) { totals()["availability"] == 14_000 }, "\(totals())")

            // Same SLO after a new one, plus a comment line: its source moves, its definition not.
            let added = """
            slos:
              - service: checkout
                name: successes
                objective: 95
                period: 7d
                sli:
                  events:
                    total: http_requests_total
                    good: 'http_requests_total{code="200"}'
            # moved down
            """ + "\n" + Self.config.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n")
            try (testConfig() + added).write(toFile: slod.configPath, atomically: true, encoding: .utf8)
            let reload = try runTool(Paths.curl, ["-sS", "--max-time", "20", "--data", "", "\(slod.url)/-/reload"], timeout: 25)
            #expect(reload.stdout == "reloaded\n", "\(reload) \(slod.log.suffix(2000))")
            // The kept SLO still has its events; the new one exists (and sees no old events: they
            // were counted before it existed).
            var seen: [String: Double] = [:]
            let both = Time.eventually(timeout: 15, interval: 0.25) {
                seen = totals()
                return seen["availability"] == 14_000 && seen["successes"] != nil
            }
            #expect(both, "\(seen) \(slod.log.suffix(2000))")
            #expect(seen["successes"] == 0, "\(seen)")
        }
    }
}
