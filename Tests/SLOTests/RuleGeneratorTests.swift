import Selectors
import Testing
@testable import SLO

/// `slod rules`: the generated text for events (bad and good), latency (integral and fractional
/// thresholds), group_by, labels, periods and their burn factors, and YAML quoting.
/// `promtool check rules` and `promtool test rules` over the same output run in
/// `IntegrationTests/RulesPromtoolTests.swift`.
@Suite struct RuleGeneratorTests {
    static let source = SLOSpec.Source(file: "slod.yaml", line: 3, column: 5)

    static func spec(service: String = "checkout", name: String = "availability", objective: String = "99.9",
                     period: Period = .rolling(seconds: 30 * 86_400), budgeting: BudgetingMethod = .occurrences,
                     sli: SLOSpec.SLI, groupBy: [String] = [], labels: [String: String] = [:]) throws -> SLOSpec {
        try SLOSpec(service: service, name: name, objective: Objective(percent: objective), period: period,
                    budgeting: budgeting, sli: sli, groupBy: groupBy, labels: labels, source: source)
    }

    static func events(total: String = "http_requests_total", good: String? = nil, bad: String? = nil) throws -> SLOSpec.SLI {
        .events(total: try SeriesSelector.parse(total), good: try good.map { try SeriesSelector.parse($0) },
                bad: try bad.map { try SeriesSelector.parse($0) })
    }

    static let badSLI = "http_requests_total{code=~\"5..\"}"

    /// The rule entries of a rule file, each from its `  - record:`/`  - alert:` line to the next.
    static func rules(_ yaml: String) -> [String] {
        var blocks: [String] = []
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  - ") {
                blocks.append(String(line) + "\n")
            } else if line.hasPrefix("- ") || line.hasPrefix("#") || line.isEmpty {
                continue
            } else if !blocks.isEmpty, line.hasPrefix("    ") {
                blocks[blocks.count - 1] += line + "\n"
            }
        }
        return blocks
    }

    static func rule(_ yaml: String, record: String) -> String? {
        rules(yaml).first { $0.hasPrefix("  - record: \"\(record)\"\n") }
    }

    static func alerts(_ yaml: String) -> [String] {
        rules(yaml).filter { $0.hasPrefix("  - alert: ") }
    }

    @Test func badEventsRatioOfRatesWithZeroTrafficGuard() throws {
        let yaml = RuleGenerator().yaml(for: [try Self.spec(sli: Self.events(bad: Self.badSLI))])
        let rule = try #require(Self.rule(yaml, record: "slo:sli_error:ratio_rate5m"))
        #expect(rule == """
              - record: "slo:sli_error:ratio_rate5m"
                expr: |
                  (sum(rate(http_requests_total{code=~"5.."}[5m])) or 0 * sum(rate(http_requests_total[5m])))
                  /
                  (sum(rate(http_requests_total[5m])) > 0)
                labels:
                  sloth_id: "checkout-availability"
                  sloth_service: "checkout"
                  sloth_slo: "availability"
                  sloth_window: "5m"

            """)
        for window in ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"] {
            let r = try #require(Self.rule(yaml, record: "slo:sli_error:ratio_rate\(window)"), "no ratio_rate\(window)")
            #expect(r.contains("[\(window)]))") && r.contains("sloth_window: \"\(window)\""), "\(r)")
        }
        #expect(yaml.contains("# slo:sli_error:ratio_rate30d is the exact ratio of increases over 30d, not Sloth's mean of 5m ratios."))
        let groups = yaml.split(separator: "\n").filter { $0.hasPrefix("- name: ") }
        #expect(groups == ["- name: \"sloth-slo-sli-recordings-checkout-availability\"",
                           "- name: \"sloth-slo-meta-recordings-checkout-availability\"",
                           "- name: \"sloth-slo-alerts-checkout-availability\""])
    }

    @Test func goodEventsAreOneMinusTheGoodRatio() throws {
        let yaml = RuleGenerator().yaml(for: [try Self.spec(sli: Self.events(good: "http_requests_total{code!~\"5..\"}"))])
        let rule = try #require(Self.rule(yaml, record: "slo:sli_error:ratio_rate1h"))
        #expect(rule.contains("""
                  1 - (
                    (sum(rate(http_requests_total{code!~"5.."}[1h])) or 0 * sum(rate(http_requests_total[1h])))
                    /
                    (sum(rate(http_requests_total[1h])) > 0)
                  )
            """), "\(rule)")
    }

    @Test func latencyWithIntegralThresholdMatchesBothLeSpellings() throws {
        let sli = SLOSpec.SLI.latency(histogram: try SeriesSelector.parse("rpc_duration_seconds{route=\"/pay\"}"), threshold: 5, interpolate: false)
        let yaml = RuleGenerator().yaml(for: [try Self.spec(sli: sli)])
        let rule = try #require(Self.rule(yaml, record: "slo:sli_error:ratio_rate30m"))
        #expect(rule.contains("""
                  1 - (
                    sum(rate(rpc_duration_seconds_bucket{le=~"5|5\\\\.0",route="/pay"}[30m]))
                    /
                    (sum(rate(rpc_duration_seconds_count{route="/pay"}[30m])) > 0)
                  )
            """), "\(rule)")
        #expect(!yaml.contains("interpolate"))
    }

    @Test func latencyWithFractionalThresholdMatchesTheBoundExactly() throws {
        let sli = SLOSpec.SLI.latency(histogram: try SeriesSelector.parse("rpc_duration_seconds"), threshold: 0.25, interpolate: true)
        let yaml = RuleGenerator().yaml(for: [try Self.spec(sli: sli)])
        let rule = try #require(Self.rule(yaml, record: "slo:sli_error:ratio_rate6h"))
        #expect(rule.contains("sum(rate(rpc_duration_seconds_bucket{le=\"0.25\"}[6h]))"), "\(rule)")
        #expect(rule.contains("(sum(rate(rpc_duration_seconds_count[6h])) > 0)"), "\(rule)")
        #expect(yaml.contains("# interpolate: true has no PromQL equivalent"))
    }

    /// An events SLI over one bucket reads the bucket as slod matches it, by the number its `le`
    /// names: spelled as slod exposes it (`0.40` → `0.4`), integral bounds in both spellings.
    @Test func bucketEventsSelectTheBucketByItsBound() throws {
        let sli = try Self.events(total: #"rpc_duration_seconds_bucket{le="+Inf",route="/pay"}"#, good: #"rpc_duration_seconds_bucket{le="0.40",route="/pay"}"#)
        let rule = try #require(Self.rule(RuleGenerator().yaml(for: [try Self.spec(sli: sli)]), record: "slo:sli_error:ratio_rate5m"))
        #expect(rule.contains("""
                  1 - (
                    (sum(rate(rpc_duration_seconds_bucket{le="0.4",route="/pay"}[5m])) or 0 * sum(rate(rpc_duration_seconds_bucket{le="+Inf",route="/pay"}[5m])))
            """), "\(rule)")
        let integral = try Self.events(total: "rpc_duration_seconds_count", bad: #"rpc_duration_seconds_bucket{le="2"}"#)
        let bad = try #require(Self.rule(RuleGenerator().yaml(for: [try Self.spec(sli: integral)]), record: "slo:sli_error:ratio_rate5m"))
        #expect(bad.contains(#"(sum(rate(rpc_duration_seconds_bucket{le=~"2|2\\.0"}[5m])) or 0 * sum(rate(rpc_duration_seconds_count[5m])))"#), "\(bad)")
    }

    @Test func groupByAggregatesByTheGroupLabelsInEveryTerm() throws {
        let yaml = RuleGenerator().yaml(for: [try Self.spec(sli: Self.events(bad: Self.badSLI), groupBy: ["http_route", "region"])])
        let rule = try #require(Self.rule(yaml, record: "slo:sli_error:ratio_rate2h"))
        #expect(rule.contains("""
                  (sum by (http_route, region) (rate(http_requests_total{code=~"5.."}[2h])) or 0 * sum by (http_route, region) (rate(http_requests_total[2h])))
                  /
                  (sum by (http_route, region) (rate(http_requests_total[2h])) > 0)
            """), "\(rule)")
    }

    @Test func sloLabelsAreOnEveryRuleAndValuesAreQuotedSafely() throws {
        let labels = ["team": "pay\"ments", "note": "a\\b\nc: #d"]
        let yaml = RuleGenerator().yaml(for: [try Self.spec(sli: Self.events(bad: Self.badSLI), labels: labels)])
        let all = Self.rules(yaml)
        #expect(all.count == 8 + 7 + 2)
        // Recording rules carry the labels; alerts inherit them from the recorded series.
        for rule in all where rule.hasPrefix("  - record: ") {
            #expect(rule.contains("      team: \"pay\\\"ments\"\n"), "\(rule)")
            #expect(rule.contains("      note: \"a\\\\b\\nc: #d\"\n"), "\(rule)")
        }
        #expect(RuleYAML.quoted("tab\there\u{1}{{ $x }}") == "\"tab\\there\\x01{{ $x }}\"")
    }

    @Test func objectiveAndBudgetArePrintedExactly() throws {
        let yaml = RuleGenerator().yaml(for: [try Self.spec(objective: "99.95", sli: Self.events(bad: Self.badSLI))])
        #expect(Self.rule(yaml, record: "slo:objective:ratio")?.contains("      vector(0.9995)\n") == true)
        #expect(Self.rule(yaml, record: "slo:error_budget:ratio")?.contains("      vector(0.0005)\n") == true)
        #expect(Self.rule(yaml, record: "slo:time_period:days")?.contains("      vector(30)\n") == true)
        #expect(Self.rule(yaml, record: "sloth_slo_info")?.contains("      sloth_objective: \"99.95\"\n") == true)
        let page = try #require(Self.alerts(yaml).first)
        #expect(page.contains("> (14.4 * 0.0005)) without (sloth_window)"), "\(page)")
        #expect(!yaml.contains("0000000000"))
    }

    @Test func burnRateAlertsUseTheWorkbookTiersFor30Days() throws {
        let yaml = RuleGenerator().yaml(for: [try Self.spec(sli: Self.events(bad: Self.badSLI))])
        let alerts = Self.alerts(yaml)
        #expect(alerts.count == 2)
        let sel = "{sloth_id=\"checkout-availability\", sloth_service=\"checkout\", sloth_slo=\"availability\"}"
        // Each window's burn condition with the low-traffic guard of slod's own alerts (min_events 10).
        func term(_ window: String, _ factor: String) -> String {
            "(max(slo:sli_error:ratio_rate\(window)\(sel) > (\(factor) * 0.001)) without (sloth_window) "
                + "and on () (sum(increase(http_requests_total[\(window)])) >= 10))"
        }
        #expect(alerts[0].contains("""
                  (
                    \(term("1h", "14.4"))
                    and
                    \(term("5m", "14.4"))
                  )
                  or
                  (
                    \(term("6h", "6"))
                    and
                    \(term("30m", "6"))
                  )
            """), "\(alerts[0])")
        #expect(alerts[1].contains(term("1d", "3")) && alerts[1].contains(term("2h", "3")), "\(alerts[1])")
        #expect(alerts[1].contains(term("3d", "1")) && alerts[1].contains(term("6h", "1")), "\(alerts[1])")
        for (alert, severity) in zip(alerts, ["page", "ticket"]) {
            #expect(alert.hasPrefix("  - alert: \"SLOBurnRate\"\n"))
            // The tier is sloth_severity; no default severity, and no label of the series' own
            // (service, slo, tier) overwritten.
            #expect(alert.contains("    labels:\n      sloth_severity: \"\(severity)\"\n    annotations:\n"), "\(alert)")
            #expect(alert.contains("      summary: \"checkout availability SLO error budget burn rate is too fast (\(severity))\"\n"))
            #expect(alert.contains("    annotations:\n") && alert.contains("      description: \""))
            #expect(!alert.contains("for:"))
        }
        var named = try Self.spec(sli: Self.events(bad: Self.badSLI)).alertPolicy
        named.alertName = "CheckoutBurn"
        let spec = try Self.spec(sli: Self.events(bad: Self.badSLI))
        let renamed = try SLOSpec(service: spec.service, name: spec.name, objective: spec.objective, period: spec.period,
                                  sli: spec.sli, alerting: named, source: spec.source)
        #expect(RuleGenerator().yaml(for: [renamed]).contains("  - alert: \"CheckoutBurn\"\n"))
    }

    /// Sloth's getting-started SLO (label `tier: "2"`) grouped by `service`, with Sloth's custom
    /// 30-day windows and the user's alert labels and annotations: the alert rules write only
    /// `sloth_severity`, `severity` (configured) and the user's labels, so the series' `tier` and
    /// `service` pass through unchanged; the recorded series get the extra windows and none of
    /// the alert-only labels.
    @Test func alertRulesLeaveTheSeriesLabelsAloneAndCustomWindowsAreRecorded() throws {
        func c(_ factor: Double, _ long: Int64, _ short: Int64) -> BurnRateCondition {
            BurnRateCondition(longSeconds: long, shortSeconds: short, factor: factor)
        }
        let policy = AlertPolicy(tiers: [AlertTierSpec(name: "page", severity: "critical", conditions: [c(28.8, 1_800, 120), c(12, 10_800, 900)],
                                                       labels: ["channel": "#oncall"], annotations: ["summary": "Checkout burns its budget"]),
                                         AlertTierSpec(name: "ticket", conditions: [c(6, 43_200, 3_600), c(2, 129_600, 10_800)])],
                                 labels: ["team": "payments", "channel": "#slo"], annotations: ["dashboard": "https://grafana.example/d/slo"])
        let spec = try SLOSpec(service: "checkout", name: "availability", objective: Objective(percent: "99.9"), period: .rolling(seconds: 30 * 86_400),
                               sli: Self.events(bad: Self.badSLI), groupBy: ["service"], labels: ["tier": "2"], alerting: policy, source: Self.source)
        let yaml = RuleGenerator().yaml(for: [spec])
        let recorded = Self.rules(yaml).filter { $0.hasPrefix("  - record: ") }
        for window in ["2m", "5m", "15m", "30m", "1h", "2h", "3h", "6h", "12h", "1d", "1d12h", "3d", "30d"] {
            let rule = try #require(Self.rule(yaml, record: "slo:sli_error:ratio_rate\(window)"), "no \(window) recording")
            #expect(rule.contains("[\(window)]") && rule.contains("      sloth_window: \"\(window)\"\n") && rule.contains("      tier: \"2\"\n"))
        }
        #expect(recorded.allSatisfy { !$0.contains("team") && !$0.contains("channel") && !$0.contains("severity") && !$0.contains("dashboard") })
        let alerts = Self.alerts(yaml)
        #expect(alerts.count == 2)
        #expect(alerts[0].contains("""
                labels:
                  channel: "#oncall"
                  severity: "critical"
                  sloth_severity: "page"
                  team: "payments"
                annotations:
                  dashboard: "https://grafana.example/d/slo"
                  description: "The error ratio
            """), "\(alerts[0])")
        #expect(alerts[0].contains("      summary: \"Checkout burns its budget\"\n") && alerts[0].contains("ratio_rate2m{"))
        #expect(alerts[1].contains("""
                labels:
                  channel: "#slo"
                  sloth_severity: "ticket"
                  team: "payments"
                annotations:
            """) && alerts[1].contains("ratio_rate1d12h{"), "\(alerts[1])")
    }

    /// A rolling period equal to a kept window (1d) is recorded once.
    @Test func aPeriodEqualToAWindowIsRecordedOnce() throws {
        let yaml = RuleGenerator().yaml(for: [try Self.spec(period: .rolling(seconds: 86_400), sli: Self.events(bad: Self.badSLI))])
        #expect(Self.rules(yaml).filter { $0.hasPrefix("  - record: \"slo:sli_error:ratio_rate1d\"\n") }.count == 1)
    }

    @Test func factorsScaleWithThePeriodAsSlothDoes() throws {
        let factors30 = AlertPolicy.workbookConditions(periodSeconds: 30 * 86_400).flatMap(\.conditions).map(\.factor)
        #expect(factors30 == [14.4, 6, 3, 1])
        let factors28 = AlertPolicy.workbookConditions(periodSeconds: 28 * 86_400).flatMap(\.conditions).map(\.factor)
        #expect(factors28.map { RuleSLO.number($0) } == ["13.44", "5.6", "2.8", "0.9333333333333333"])

        let yaml = RuleGenerator().yaml(for: [try Self.spec(period: .rolling(seconds: 28 * 86_400), sli: Self.events(bad: Self.badSLI))])
        let alerts = Self.alerts(yaml)
        #expect(alerts.count == 2)
        #expect(alerts[0].contains("> (13.44 * 0.001)") && alerts[0].contains("> (5.6 * 0.001)"), "\(alerts[0])")
        #expect(alerts[1].contains("> (2.8 * 0.001)") && alerts[1].contains("> (0.9333333333333333 * 0.001)"), "\(alerts[1])")
        #expect(Self.rule(yaml, record: "slo:sli_error:ratio_rate28d") != nil)
        #expect(Self.rule(yaml, record: "slo:sli_error:ratio_rate30d") == nil)
        #expect(Self.rule(yaml, record: "slo:time_period:days")?.contains("vector(28)") == true)
        #expect(Self.rule(yaml, record: "slo:period_burn_rate:ratio")?.contains("slo:sli_error:ratio_rate28d{") == true)
    }

    @Test func calendarPeriodsUseTheirRollingEquivalentWithAComment() throws {
        let month = RuleGenerator().yaml(for: [try Self.spec(period: .calendar(.month, .utc), sli: Self.events(bad: Self.badSLI))])
        #expect(Self.rule(month, record: "slo:sli_error:ratio_rate30d") != nil)
        #expect(month.contains("# Prometheus cannot express calendar-aligned windows: the month period is approximated by a rolling 30d window"))
        let week = RuleGenerator().yaml(for: [try Self.spec(period: .calendar(.week, .utc), sli: Self.events(bad: Self.badSLI))])
        #expect(Self.rule(week, record: "slo:sli_error:ratio_rate7d") != nil)
        #expect(Self.rule(week, record: "slo:time_period:days")?.contains("vector(7)") == true)
        #expect(Self.alerts(week)[0].contains("> (3.36 * 0.001)"), "7d page factor 2% × 168h / 1h")
    }

    @Test func timesliceBudgetingFallsBackToOccurrencesWithAComment() throws {
        let yaml = RuleGenerator().yaml(for: [try Self.spec(budgeting: .timeslices(TimesliceOptions()), sli: Self.events(bad: Self.badSLI))])
        #expect(yaml.contains("# Budgeting timeslices is not expressible as Prometheus rules: these are the occurrences rules"))
        #expect(Self.rule(yaml, record: "slo:sli_error:ratio_rate5m") != nil)
    }

    @Test func unreachableTiersAreNamedInAComment() throws {
        let yaml = RuleGenerator().yaml(for: [try Self.spec(objective: "90", sli: Self.events(bad: Self.badSLI))])
        #expect(yaml.contains("# The 14.4× tier over 1h can never fire: it needs an error ratio above 1 with an error budget of 0.1."))
        #expect(!yaml.contains("The 6× tier"))
    }

    @Test func outputIsDeterministicAndEmptyConfigIsAValidFile() throws {
        let specs = [try Self.spec(sli: Self.events(bad: Self.badSLI), labels: ["b": "2", "a": "1", "c": "3"]),
                     try Self.spec(name: "latency", sli: .latency(histogram: try SeriesSelector.parse("d_seconds"), threshold: 1, interpolate: false))]
        let first = RuleGenerator().yaml(for: specs)
        #expect(RuleGenerator().yaml(for: specs) == first)
        #expect(first.split(separator: "\n").filter { $0.hasPrefix("- name: ") }.count == 6)
        let labelOrder = try #require(Self.rule(first, record: "slo:objective:ratio")).split(separator: "\n").filter { $0.hasPrefix("      ") && $0.contains(": \"") }
        #expect(labelOrder.map { $0.trimmingPrefix("      ").split(separator: ":")[0] } == ["a", "b", "c", "sloth_id", "sloth_service", "sloth_slo"])
        #expect(RuleGenerator().yaml(for: []).hasSuffix("\ngroups: []\n"))
    }
}
