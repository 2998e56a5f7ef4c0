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
        ("    alerting:\n      page: {windows: [{long: 1h, short: 65s, factor: 14.4}]}\n", "10:41", "window 1m5s must be a multiple of 10s, the resolution"),
        ("    alerting:\n      page: {windows: [{long: 6h1m, short: 5m, factor: 14.4}]}\n", "10:30", "window 6h1m must be a multiple of 5m"),
        ("    alerting:\n      page: {windows: [{long: 36d, short: 5m, factor: 1}]}\n", "10:30", "window 36d must be between 1m and 35d"),
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
}
