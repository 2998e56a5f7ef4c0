import Foundation
import Testing

/// Prometheus' own engine cross-checks slod's SLO math: the same synthetic series are pushed
/// to slod (OTLP, cumulative, one point a minute) and given to `promtool test rules` as input
/// series for the rules `slod rules` generates; the rules must evaluate to the values slod
/// itself reports on `/api/v1/slos` and fire the alerts of `/api/v1/alerts`, for every SLI
/// shape (`CrossCheckShape.all`).
///
/// The series have two phases, so every window compared holds intervals of one ratio or all of
/// them, where PromQL's `increase()` extrapolation cancels out of the ratio and both engines
/// must agree exactly. (Windows straddling the change differ by design: slod counts exact
/// bucket-aligned intervals, PromQL extrapolates from the samples inside the range.)
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

        /// The differential test of issue 15: for every SLI shape slod accepts
        /// (`CrossCheckShape.all`), slod's windows, burn rates and firing alert tiers equal what
        /// `promtool test rules` computes from `slod rules` over the same series.
        @Test func everySLIShapeAgreesWithPromtool() throws {
            guard Paths.peer(Paths.promtool), Paths.peer(Paths.curl) else { return }
            let shapes = CrossCheckShape.all
            // Not vacuous: some instance pages, some fire nothing.
            let profiles = shapes.flatMap { $0.instances.map(\.profile) }
            #expect(profiles.contains { $0.firingTiers.contains("page") } && profiles.contains { $0.firingTiers.isEmpty })

            let dir = try TempDir()
            var importFiles: [String] = []
            var inline: [String] = []
            for (k, shape) in shapes.enumerated() {
                switch shape.definition {
                case .inline(let item): inline.append(item)
                case .sloth(let text), .openSLO(let text): importFiles.append(try dir.write("import-\(k).yaml", text + "\n"))
                }
            }
            let sloConfig = "slo_files: [\(importFiles.joined(separator: ", "))]\nslos:\n" + inline.joined(separator: "\n") + "\n"
            let slod = try SlodServer(config: testConfig() + sloConfig)
            defer { slod.stop() }
            // The last point a minute or two before now, on a minute boundary.
            let end = (UInt64(Date().timeIntervalSince1970) / 60 - 1) * 60 * 1_000_000_000
            for (k, shape) in shapes.enumerated() {
                let body = try dir.write("request-\(k).json", shape.otlpRequest(end: end))
                let post = try runTool(Paths.curl, ["-sS", "--max-time", "10", "-o", dir.file("response"), "-w", "%{http_code}",
                                                    "-H", "Content-Type: application/json", "--data-binary", "@\(body)",
                                                    "\(slod.url)/v1/metrics"], timeout: 15)
                #expect(post.stdout == "200", "push of \(shape.name) failed: \(post) \(dir.read("response"))")
            }

            // slod's instances, once each has counted its 180 minutes of events.
            let instanceCount = profiles.count
            let allEvents = Double(ErrorProfile.total(ErrorProfile.minutes))
            var instances: [[String: Any]] = []
            let counted = Time.eventually(timeout: 20, interval: 0.25) {
                guard let text = try? slod.get("/api/v1/slos").text,
                      let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                      let list = obj["slos"] as? [[String: Any]] else { return false }
                instances = list
                return list.count == instanceCount && list.allSatisfy { Self.number($0, "windows", "30d", "total") == allEvents }
            }
            #expect(counted, "slod did not count \(allEvents) events in each of \(instanceCount) instances: \(instances)\n\(slod.log.suffix(3000))")
            guard counted else { return }

            // slod's firing alerts, keyed as the rules' ALERTS are; they must be the profiles' tiers.
            let groupLabels = Array(Set(shapes.flatMap(\.groupBy))).sorted()
            var expectedKeys: Set<[String: String]> = []
            for shape in shapes {
                for (group, profile) in shape.instances {
                    for tier in profile.firingTiers { expectedKeys.insert(group.merging(["sloth_id": shape.slothID, "alert_tier": tier]) { $1 }) }
                }
            }
            var alertKeys: [[String: String]] = []
            let alerted = Time.eventually(timeout: 15, interval: 0.25) {
                guard let text = try? slod.get("/api/v1/alerts").text,
                      let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                      let alerts = (obj["data"] as? [String: Any])?["alerts"] as? [[String: Any]] else { return false }
                alertKeys = alerts.filter { $0["state"] as? String == "firing" }
                    .map { CrossCheckAlertKey.of($0["labels"] as? [String: String] ?? [:], groupBy: groupLabels) }
                return Set(alertKeys.map { $0.filter { $0.key != "alertname" } }) == expectedKeys
            }
            #expect(alerted, "slod's firing alerts \(alertKeys) are not the profiles' \(expectedKeys)")

            // The rules, and what promtool must find with them: slod's values, compared as round(x · 1e9).
            let rules = dir.file("rules.yaml")
            let gen = try runTool(try Paths.slodBinary(), ["rules", try dir.write("slos.yaml", sloConfig), "--out", rules], timeout: 20)
            #expect(gen.exitCode == 0, "\(gen)")
            var exprTests: [(expr: String, minute: Int, samples: [(labels: [String: String], value: String)])] = []
            for instance in instances {
                guard let shape = shapes.first(where: { $0.service == instance["service"] as? String && $0.name == instance["name"] as? String }) else {
                    Issue.record("slod reports an SLO no shape defines: \(instance)")
                    continue
                }
                let labels = (instance["labels"] as? [String: String] ?? [:]).filter { shape.groupBy.contains($0.key) }
                guard let profile = shape.instances.first(where: { $0.group == labels })?.profile else {
                    Issue.record("slod reports an instance \(labels) of \(shape.name) that has no series")
                    continue
                }
                // Sanity: the hand-computed truth (the comparison with promtool is the real test).
                let lastPhase = Double(profile.errorsAfter) / Double(ErrorProfile.eventsPerMinute)
                #expect(Self.number(instance, "windows", "5m", "error_ratio") == lastPhase, "\(shape.name) \(labels): \(instance)")
                #expect(abs((Self.number(instance, "windows", "30d", "error_ratio") ?? 0) - Double(profile.errors(ErrorProfile.minutes)) / allEvents) < 1e-12)

                let key = labels.merging(["sloth_id": shape.slothID]) { $1 }
                let by = "max by (\((["sloth_id"] + shape.groupBy).joined(separator: ", ")))"
                let selector = "{" + key.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ") + "}"
                for window in (instance["windows"] as? [String: Any] ?? [:]).keys.sorted() {
                    let ratio = "\(by) (slo:sli_error:ratio_rate\(window)\(selector))"
                    exprTests.append(("round(\(ratio) * 1e9)", ErrorProfile.minutes, [(key, Self.scaled(Self.number(instance, "windows", window, "error_ratio")))]))
                    exprTests.append(("round(\(ratio) / 0.01 * 1e9)", ErrorProfile.minutes, [(key, Self.scaled(Self.number(instance, "windows", window, "burn_rate")))]))
                }
                // Rules reading other rules' results may see them one evaluation late, as with Sloth.
                exprTests.append(("round(\(by) (slo:period_burn_rate:ratio\(selector)) * 1e9)", ErrorProfile.minutes + 1,
                                  [(key, Self.scaled(Self.number(instance, "windows", "30d", "burn_rate")))]))
                exprTests.append(("round(\(by) (slo:period_error_budget_remaining:ratio\(selector)) * 1e9)", ErrorProfile.minutes + 1,
                                  [(key, Self.scaled(Self.number(instance, "budget", "remaining_ratio")))]))
            }
            exprTests.append((CrossCheckAlertKey.promQL(groupBy: groupLabels), ErrorProfile.minutes + 1, alertKeys.map { ($0, "1") }))

            let tests = exprTests.map { test in
                let samples = test.samples.map { labels, value in
                    let text = "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
                    return "          - labels: '\(text)'\n            value: \(value)\n"
                }.joined()
                return "      - expr: '\(test.expr)'\n        eval_time: \(test.minute)m\n        exp_samples:\(samples.isEmpty ? " []\n" : "\n" + samples)"
            }.joined()
            let test = try dir.write("test.yaml", """
            rule_files:
              - \(rules)
            evaluation_interval: 1m
            tests:
              - interval: 1m
                input_series:
            \(shapes.map(\.promtoolInput).joined())    promql_expr_test:
            \(tests)
            """)
            let result = try runTool(Paths.promtool, ["test", "rules", test], timeout: 120)
            #expect(result.exitCode == 0, "promtool disagrees with slod: \(result.stdout.prefix(20_000)) \(result.stderr.prefix(5_000))")
        }

        /// A number inside slod's JSON (`path` of object keys), or nil.
        static func number(_ object: [String: Any], _ path: String...) -> Double? {
            var current: Any? = object
            for key in path { current = (current as? [String: Any])?[key] }
            return (current as? NSNumber)?.doubleValue
        }

        /// A value as promtool compares it after `round(x * 1e9)` (NaN when slod has none).
        static func scaled(_ value: Double?) -> String {
            guard let value, value.isFinite else { return "NaN" }
            return String(Int64((value * 1e9).rounded()))
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
