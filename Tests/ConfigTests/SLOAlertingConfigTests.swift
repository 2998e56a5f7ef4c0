import Testing
@testable import Config
import SLO

/// An SLO's `alerting:` key: overrides of the workbook tiers, extra tiers, the budget alert,
/// and errors at their exact positions.
@Suite struct SLOAlertingConfigTests {
    static let base = SLOSectionTests.base

    @Test func withoutTheKeyTheWorkbookPolicyApplies() throws {
        let spec = try #require(try loadConfig(Self.base).get().slos.first)
        #expect(spec.alerting == nil)
        #expect(spec.alertPolicy == AlertPolicy.workbook(for: spec.configuration))
    }

    @Test func everyKeyDecodes() throws {
        let text = Self.base + """
                alerting:
                  name: CheckoutBurn
                  runbook_url: https://runbooks.example/checkout
                  min_events: 50
                  page:
                    severity: critical
                    for: 1m
                    keep_firing_for: 5m
                    windows:
                      - {long: 1h, short: 5m, factor: 10}
                  ticket: {disabled: true}
                  tiers:
                    warning: {severity: warning, windows: [{long: 1d, short: 2h, factor: 2}]}
                  budget_exhaustion: {remaining_below: 0.1, severity: ticket, for: 10m}

            """
        let spec = try #require(try loadConfig(text).get().slos.first)
        let policy = try #require(spec.alerting)
        #expect(policy.alertName == "CheckoutBurn" && policy.runbookURL == "https://runbooks.example/checkout" && policy.minEvents == 50)
        #expect(policy.tiers.map(\.name) == ["page", "ticket", "warning"])
        #expect(policy.tiers[0] == AlertTierSpec(name: "page", severity: "critical",
                                                 conditions: [BurnRateCondition(longSeconds: 3_600, shortSeconds: 300, factor: 10)],
                                                 forSeconds: 60, keepFiringForSeconds: 300))
        #expect(!policy.tiers[1].enabled && policy.tiers[1].conditions.map(\.factor) == [3, 1])
        #expect(policy.tiers[2] == AlertTierSpec(name: "warning", conditions: [BurnRateCondition(longSeconds: 86_400, shortSeconds: 7_200, factor: 2)],
                                                 labels: ["severity": "warning"]))
        #expect(policy.exhaustion == BudgetExhaustionAlertSpec(remainingBelow: 0.1, severity: "ticket", forSeconds: 600))
    }

    static let invalid: [(String, String, String)] = [
        ("    alerting:\n      page: {windows: [{long: 1h, short: 65s, factor: 14.4}]}\n", "10:42", "window 1m5s must be a multiple of 10s, the resolution"),
        ("    alerting:\n      page: {windows: [{long: 6h1m, short: 5m, factor: 14.4}]}\n", "10:31", "window 6h1m must be a multiple of 5m"),
        ("    alerting:\n      page: {windows: [{long: 36d, short: 5m, factor: 1}]}\n", "10:31", "window 36d must be between 1m and 35d"),
        ("    alerting:\n      page: {windows: [{long: 1h, short: 5m, factor: 2000}]}\n", "10:7", "can never be reached"),
        ("    alerting:\n      page: {windows: [{long: 1h, short: 5m}]}\n", "10:24", #"missing required key "factor""#),
        ("    alerting:\n      page: {windows: [{long: 1h, short: 5m, factor: fast}]}\n", "10:54", "expected a number like 14.4"),
        ("    alerting:\n      page: {disabled: maybe}\n", "10:24", "expected true or false"),
        ("    alerting:\n      page: {for: soon}\n", "10:19", "expected a duration"),
        ("    alerting:\n      pager: {}\n", "10:7", #"did you mean "page""#),
        ("    alerting:\n      tiers: {page: {windows: [{long: 1h, short: 5m, factor: 2}]}}\n", "10:15", "already used"),
        ("    alerting:\n      min_events: -1\n", "10:19", "expected a number ≥ 0"),
        ("    alerting:\n      budget_exhaustion: {remaining_below: 2}\n", "10:7", "remaining_below must be in (0, 1]"),
        ("    alerting: yes\n", "9:15", "expected a mapping"),
        ("    alerting:\n      labels: {sloth_severity: high}\n", "10:16", "starts with sloth_"),
        ("    alerting:\n      labels: {alertname: X}\n", "10:16", "set with alerting.name"),
        ("    alerting:\n      page: {labels: {__x: y}}\n", "10:23", "starts with __"),
        ("    alerting:\n      ticket: {labels: {a-b: y}}\n", "10:25", "is not a Prometheus label name"),
        ("    alerting:\n      labels: {team: '{{ $labels.code }}'}\n", "10:16", "holds a template"),
        ("    alerting:\n      annotations: {run book: x}\n", "10:21", "is not a Prometheus label name"),
        ("    group_by: [service]\n    alerting:\n      page: {labels: {service: checkout}}\n", "11:23",
         #""service" is a group_by label of this SLO"#),
        ("    alerting:\n      page: {severity: critical, labels: {severity: high}}\n", "10:24", "keep one of severity: and labels.severity"),
        ("    alerting:\n      page: {disabled: true, disable: true}\n", "10:39", "disable and disabled are the same switch"),
        ("    alerting:\n      budget_exhaustion: {remaining_below: 0.1, labels: {sloth_slo: x}}\n", "10:58", "starts with sloth_"),
        ("""
             alerting:
               page: {windows: [{long: 1h, short: 1m, factor: 2}, {long: 1h, short: 2m, factor: 2}, {long: 1h, short: 3m, factor: 2},
                                {long: 1h, short: 4m, factor: 2}, {long: 1h, short: 6m, factor: 2}]}
               tiers:
                 fast: {windows: [{long: 1h, short: 7m, factor: 2}, {long: 1h, short: 8m, factor: 2}, {long: 1h, short: 9m, factor: 2},
                                  {long: 1h, short: 10m, factor: 2}]}

         """, "13:25", "at most 15 rolling windows, got 16"),
    ]

    @Test(arguments: invalid)
    func invalidPoliciesAreReportedWhereTheyAre(_ extra: String, _ position: String, _ fragment: String) {
        let errors = configErrors(Self.base + extra)
        #expect(errors.count == 1, "\(errors)")
        guard let error = errors.first else { return }
        #expect("\(error.line):\(error.column)" == position, "\(error)")
        #expect(error.description.contains(fragment), "\(error)")
        #expect(error.keyPath.hasPrefix("slos[0] (checkout/availability).alerting"), "\(error)")
    }

    /// Sloth's alerting vocabulary in slod's own `alerting:`: labels and annotations for the
    /// policy, each tier and the budget alert; `severity` as sugar for the label; `disable`.
    @Test func alertLabelsAndAnnotationsDecode() throws {
        let text = Self.base + """
                labels: {tier: "2"}
                alerting:
                  labels: {category: availability, tier: "1"}
                  annotations: {dashboard: https://grafana.example/d/slo}
                  page:
                    severity: critical
                    labels: {routing_key: oncall}
                    annotations: {summary: Checkout burns its budget}
                  ticket: {disable: true}
                  budget_exhaustion: {remaining_below: 0.1, labels: {team: sre}, annotations: {hint: slow down}}

            """
        let spec = try #require(try loadConfig(text).get().slos.first)
        let policy = try #require(spec.alerting)
        #expect(spec.labels == ["tier": "2"])
        #expect(policy.labels == ["category": "availability", "tier": "1"])
        #expect(policy.annotations == ["dashboard": "https://grafana.example/d/slo"])
        #expect(policy.tiers[0].labels == ["routing_key": "oncall", "severity": "critical"] && policy.tiers[0].severity == "critical")
        #expect(policy.tiers[0].annotations == ["summary": "Checkout burns its budget"])
        #expect(policy.tiers[0].enabled && !policy.tiers[1].enabled && policy.tiers[1].labels.isEmpty)
        #expect(policy.exhaustion == BudgetExhaustionAlertSpec(remainingBelow: 0.1, labels: ["team": "sre"], annotations: ["hint": "slow down"]))
    }

    /// Sloth's custom 30-day windows: accepted, and kept by the SLO's state layout.
    @Test func customWindowsDecodeAndShapeTheLayout() throws {
        let text = Self.base + """
                alerting:
                  page: {windows: [{long: 30m, short: 2m, factor: 28.8}, {long: 3h, short: 15m, factor: 12}]}
                  ticket: {windows: [{long: 12h, short: 1h, factor: 6}, {long: 36h, short: 3h, factor: 2}]}

            """
        let spec = try #require(try loadConfig(text).get().slos.first)
        #expect(spec.alertPolicy.tiers.map { $0.conditions.map(\.shortSeconds) } == [[120, 900], [3_600, 10_800]])
        #expect(spec.configuration.windowSeconds == [120, 300, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400, 129_600, 259_200])
    }
}
