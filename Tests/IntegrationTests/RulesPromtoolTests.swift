import Foundation
import Testing

extension Integration {
    /// `slod rules FILE`: the built binary writes rules that `promtool check rules` accepts, and
    /// that Prometheus' own engine (`promtool test rules`) evaluates to the expected error
    /// ratios, budgets and burn-rate alerts on synthetic series.
    @Suite struct RulesPromtool {
        func slod(_ args: [String]) throws -> ToolResult {
            try runTool(try Paths.slodBinary(), args, timeout: 20)
        }

        /// `slod rules` of `config` (written to DIR/slod.yaml, in a new DIR) into DIR/rules.yaml,
        /// which `promtool check rules` must accept; returns DIR and the rules' path, or nil
        /// without promtool (the test is skipped).
        func checkedRules(for config: String) throws -> (dir: TempDir, rules: String)? {
            guard Paths.peer(Paths.promtool) else { return nil }
            let dir = try TempDir()
            let rules = dir.file("rules.yaml")
            let r = try slod(["rules", try dir.write("slod.yaml", config), "--out", rules])
            #expect(r.exitCode == 0, "\(r)")
            let check = try runTool(Paths.promtool, ["check", "rules", rules], timeout: 30)
            #expect(check.exitCode == 0, "promtool check rules: \(check)")
            return (dir, rules)
        }

        /// `promtool test rules` over `rules` with one test group evaluated every minute:
        /// `group` holds its `input_series`, `promql_expr_test`, `alert_rule_test` (indented by
        /// four spaces). Every expectation must hold.
        func expectPromtoolTest(rules: String, in dir: TempDir, group: String) throws {
            let test = try dir.write("test.yaml", "rule_files:\n  - \(rules)\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n" + group)
            let result = try runTool(Paths.promtool, ["test", "rules", test], timeout: 60)
            #expect(result.exitCode == 0, "promtool test rules: \(result)\n--- rules ---\n\((try? String(contentsOfFile: rules, encoding: .utf8)) ?? "")")
        }

        /// Two SLOs covering the generator's branches: bad events with group_by and labels, and
        /// a latency SLI with a fractional threshold over a calendar week.
        static let twoSLOs = """
        slos:
          - service: checkout
            name: availability
            objective: 99.9
            period: 30d
            sli:
              events:
                total: http_server_request_count_total
                bad: 'http_server_request_count_total{http_response_status_code=~"5.."}'
            group_by: [http_route]
            labels: {team: "pay\\"ments", note: 'a: #b'}
          - service: search
            name: latency
            objective: 99.5
            period: {calendar: week}
            sli:
              latency:
                histogram: 'http_server_request_duration_seconds{http_route="/search"}'
                threshold: 0.25
            alerting:
              runbook_url: https://runbooks.example/search
              page: {for: 2m, keep_firing_for: 5m, severity: critical}
              ticket: {disabled: true}
              tiers: {warning: {windows: [{long: 1d, short: 2h, factor: 2}]}}

        """

        @Test func generatedRulesPassPromtoolCheckRules() throws {
            guard Paths.peer(Paths.promtool) else { return }
            let dir = try TempDir()
            let config = try dir.write("slod.yaml", Self.twoSLOs)
            let r = try slod(["rules", config])
            #expect(r.exitCode == 0, "\(r)")
            #expect(r.stdout.contains("\n- name: \"sloth-slo-alerts-search-latency\"\n"), "\(r)")
            let rules = try dir.write("rules.yaml", r.stdout)
            let check = try runTool(Paths.promtool, ["check", "rules", rules], timeout: 30)
            #expect(check.exitCode == 0, "promtool check rules: \(check)\n--- rules ---\n\(r.stdout)")
            #expect(check.stdout.contains("SUCCESS: 34 rules found"), "\(check)")
            // The search SLO's own policy: for/keep_firing_for, a custom tier, no ticket.
            #expect(r.stdout.contains("    for: 2m\n    keep_firing_for: 5m\n"), "\(r)")
            #expect(r.stdout.contains("sloth_severity: \"warning\"") && r.stdout.contains("runbook_url: \"https://runbooks.example/search\""), "\(r)")
            #expect(r.stdout.components(separatedBy: "sloth_severity: \"ticket\"").count == 2, "only checkout has a ticket alert")

            // --out writes the same bytes as stdout, leaves stdout empty and no temporary file.
            let out = dir.file("out.yaml")
            let o = try slod(["rules", "--out", out, config])
            #expect(o.exitCode == 0 && o.stdout.isEmpty, "\(o)")
            #expect(dir.read("out.yaml") == r.stdout, "--out differs from stdout")
            #expect(!FileManager.default.fileExists(atPath: out + ".tmp"))
        }

        @Test func rulesReportsConfigAndUsageErrors() throws {
            let missing = try slod(["rules", "/nonexistent/slod.yaml"])
            #expect(missing.exitCode == 1 && missing.stderr.contains("/nonexistent/slod.yaml"), "\(missing)")
            let dir = try TempDir()
            let bad = try dir.write("bad.yaml", "slos:\n  - service: s\n    name: n\n    objective: 100\n    period: 30d\n"
                                    + "    sli: {events: {total: t_total, bad: t_total}}\n")
            let invalid = try slod(["rules", bad])
            #expect(invalid.exitCode == 1 && invalid.stderr.contains("bad.yaml:") && invalid.stdout.isEmpty, "\(invalid)")
            #expect(try slod(["rules"]).exitCode == 2)
            #expect(try slod(["rules", "a.yaml", "b.yaml"]).exitCode == 2)
            #expect(try slod(["rules", "a.yaml", "--out"]).exitCode == 2)
            let unwritable = try slod(["rules", try dir.write("ok.yaml", Self.twoSLOs), "--out", "/nonexistent/dir/rules.yaml"])
            #expect(unwritable.exitCode == 1 && unwritable.stderr.contains("cannot write"), "\(unwritable)")
        }

        /// Prometheus evaluates the generated rules on synthetic counters: a steady 1 % error
        /// rate for two hours, then 100 % errors. Values are compared through `round(…)` so float
        /// noise in `rate()` cannot make the test flaky. With a 98 % objective (budget 0.02):
        /// at 120m the 5m ratio is 0.01, the period burn rate 0.5 and nothing alerts; at 130m
        /// the 2h/1d ratios (0.0925, 0.086) exceed 3 × 0.02 so only the ticket fires (1h is
        /// 0.175 < 14.4 × 0.02, 6h 0.086 < 6 × 0.02); at 150m the 1h ratio is 0.505 and the
        /// page fires too. The latency SLO reads an OpenMetrics-style `le="1.0"` bucket for its
        /// threshold 1 (5 % slow, objective 90 %: no alert).
        @Test func promtoolTestRulesConfirmsRatiosAndAlerts() throws {
            guard let (dir, rules) = try checkedRules(for: """
            slos:
              - service: checkout
                name: availability
                objective: 98
                period: 30d
                sli:
                  events:
                    total: http_requests_total
                    bad: 'http_requests_total{code=~"5.."}'
              - service: checkout
                name: latency
                objective: 90
                period: 28d
                sli:
                  latency:
                    histogram: rpc_duration_seconds
                    threshold: 1

            """) else { return }
            let availability = #"sloth_id="checkout-availability",sloth_service="checkout",sloth_slo="availability""#
            let latency = #"sloth_id="checkout-latency",sloth_service="checkout",sloth_slo="latency""#
            func alert(_ tier: String) -> String {
                #"ALERTS{alertname="SLOBurnRate",alertstate="firing",\#(availability),sloth_severity="\#(tier)"}"#
            }
            try expectPromtoolTest(rules: rules, in: dir, group: """
                input_series:
                  - series: 'http_requests_total{code="200"}'
                    values: '0+99x120 11880+0x60'
                  - series: 'http_requests_total{code="500"}'
                    values: '0+1x120 220+100x60'
                  - series: 'rpc_duration_seconds_bucket{le="0.5"}'
                    values: '0+50x180'
                  - series: 'rpc_duration_seconds_bucket{le="1.0"}'
                    values: '0+95x180'
                  - series: 'rpc_duration_seconds_bucket{le="+Inf"}'
                    values: '0+100x180'
                  - series: 'rpc_duration_seconds_count'
                    values: '0+100x180'
                promql_expr_test:
                  - expr: round(slo:sli_error:ratio_rate5m * 10000)
                    eval_time: 120m
                    exp_samples:
                      - labels: '{\(availability),sloth_window="5m"}'
                        value: 100
                      - labels: '{\(latency),sloth_window="5m"}'
                        value: 500
                  - expr: round(slo:sli_error:ratio_rate30d * 10000)
                    eval_time: 120m
                    exp_samples:
                      - labels: '{\(availability),sloth_window="30d"}'
                        value: 100
                  - expr: round(slo:period_error_budget_remaining:ratio * 100)
                    eval_time: 120m
                    exp_samples:
                      - labels: '{\(availability),sloth_window="30d"}'
                        value: 50
                      - labels: '{\(latency),sloth_window="28d"}'
                        value: 50
                  - expr: slo:objective:ratio
                    eval_time: 120m
                    exp_samples:
                      - labels: 'slo:objective:ratio{\(availability)}'
                        value: 0.98
                      - labels: 'slo:objective:ratio{\(latency)}'
                        value: 0.9
                  - expr: ALERTS
                    eval_time: 120m
                    exp_samples: []
                  - expr: ALERTS
                    eval_time: 130m
                    exp_samples:
                      - labels: '\(alert("ticket"))'
                        value: 1
                  - expr: ALERTS
                    eval_time: 150m
                    exp_samples:
                      - labels: '\(alert("page"))'
                        value: 1
                      - labels: '\(alert("ticket"))'
                        value: 1

            """)
        }
    
        /// Sloth's getting-started SLO label `tier: "2"`, grouped by `service`, with Sloth's custom
        /// 30-day windows, a configured page `severity` and user labels: with two failing
        /// services Prometheus evaluates two alerts per tier with distinct label sets (slod used
        /// to write `service`, `tier` and `severity` over the series' labels, which merged the
        /// groups and failed evaluation with "vector contains metrics with the same labelset
        /// after applying alert labels"); the recorded custom windows carry no alert label.
        @Test func groupedAlertsKeepTheSeriesLabelsAndCustomWindowsEvaluate() throws {
            guard let (dir, rules) = try checkedRules(for: """
            slos:
              - service: checkout
                name: availability
                group_by: [service]
                labels: {tier: "2"}
                objective: 99
                sli: {events: {total: http_requests_total, bad: 'http_requests_total{code=~"5.."}'}}
                alerting:
                  labels: {team: payments}
                  annotations: {dashboard: 'https://grafana.example/d/slo?var-service={{ $labels.service }}'}
                  page:
                    severity: critical
                    windows: [{long: 30m, short: 2m, factor: 28.8}, {long: 3h, short: 15m, factor: 12}]
                  ticket:
                    windows: [{long: 12h, short: 1h, factor: 6}, {long: 36h, short: 3h, factor: 2}]

            """) else { return }
            let ids = #"sloth_id="checkout-availability",sloth_service="checkout",sloth_slo="availability""#
            func series(_ service: String, window: String) -> String {
                #"{service="\#(service)",\#(ids),sloth_window="\#(window)",tier="2"}"#
            }
            func alert(_ service: String, _ tier: String) -> String {
                let severity = tier == "page" ? #"severity="critical","# : ""
                return #"ALERTS{alertname="SLOBurnRate",alertstate="firing",service="\#(service)",\#(severity)\#(ids),"#
                    + #"sloth_severity="\#(tier)",team="payments",tier="2"}"#
            }
            // `alert_rule_test` compares every label and annotation, templates expanded.
            func expectedAlert(_ service: String, _ tier: String) -> String {
                let conditions = tier == "page" ? "above 28.8× the error budget over both 30m and 2m, or above 12× the error budget over both 3h and 15m"
                    : "above 6× the error budget over both 12h and 1h, or above 2× the error budget over both 1d12h and 3h"
                return """
                          - exp_labels: {service: \(service), \(tier == "page" ? "severity: critical, " : "")sloth_id: checkout-availability,
                                         sloth_service: checkout, sloth_slo: availability, sloth_severity: \(tier), team: payments, tier: "2"}
                            exp_annotations:
                              dashboard: https://grafana.example/d/slo?var-service=\(service)
                              summary: checkout availability SLO error budget burn rate is too fast (\(tier))
                              description: "The error ratio of SLO availability of service checkout is 50% over the long window: \(conditions) (objective 99% over 30d, error budget 0.01)."
                """
            }
            try expectPromtoolTest(rules: rules, in: dir, group: """
                input_series:
                  - series: 'http_requests_total{service="cart",code="200"}'
                    values: '0+60x60'
                  - series: 'http_requests_total{service="cart",code="500"}'
                    values: '0+60x60'
                  - series: 'http_requests_total{service="payment",code="200"}'
                    values: '0+60x60'
                  - series: 'http_requests_total{service="payment",code="500"}'
                    values: '0+60x60'
                promql_expr_test:
                  - expr: round(slo:sli_error:ratio_rate2m * 100)
                    eval_time: 10m
                    exp_samples:
                      - labels: '\(series("cart", window: "2m"))'
                        value: 50
                      - labels: '\(series("payment", window: "2m"))'
                        value: 50
                  - expr: round(slo:sli_error:ratio_rate1d12h * 100)
                    eval_time: 10m
                    exp_samples:
                      - labels: '\(series("cart", window: "1d12h"))'
                        value: 50
                      - labels: '\(series("payment", window: "1d12h"))'
                        value: 50
                  - expr: ALERTS
                    eval_time: 10m
                    exp_samples:
                      - labels: '\(alert("cart", "page"))'
                        value: 1
                      - labels: '\(alert("payment", "page"))'
                        value: 1
                      - labels: '\(alert("cart", "ticket"))'
                        value: 1
                      - labels: '\(alert("payment", "ticket"))'
                        value: 1
                alert_rule_test:
                  - alertname: SLOBurnRate
                    eval_time: 10m
                    exp_alerts:
            \([("cart", "page"), ("payment", "page"), ("cart", "ticket"), ("payment", "ticket")].map(expectedAlert).joined(separator: "\n"))

            """)
        }
    }
}
