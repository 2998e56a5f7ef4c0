import SLO
import Selectors
import Testing

/// Default tiers, their scaling with the period, and the validation of configured policies.
@Suite struct AlertPolicyTests {
    static func configuration(_ objective: String, period: Period = .rolling(seconds: 30 * 86_400)) throws -> SLOConfiguration {
        SLOConfiguration(objective: try Objective(percent: objective), period: period, budgeting: .occurrences)
    }

    static func factors(_ policy: AlertPolicy) -> [[Double]] { policy.tiers.map { $0.conditions.map(\.factor) } }

    @Test func workbookFactorsScaleWithThePeriodLikeSloth() throws {
        let p30 = AlertPolicy.workbook(for: try Self.configuration("99.9"))
        #expect(p30.tiers.map(\.name) == ["page", "ticket"])
        #expect(Self.factors(p30) == [[14.4, 6], [3, 1]])
        #expect(p30.tiers[0].conditions.map(\.longSeconds) == [3_600, 21_600] && p30.tiers[0].conditions.map(\.shortSeconds) == [300, 1_800])
        #expect(p30.tiers[1].conditions.map(\.longSeconds) == [86_400, 259_200] && p30.tiers[1].conditions.map(\.shortSeconds) == [7_200, 21_600])
        #expect(p30.tiers.allSatisfy { $0.forSeconds == 0 && $0.enabled })
        #expect(p30.minEvents == AlertPolicy.defaultMinEvents && p30.alertName == "SLOBurnRate")
        let p28 = AlertPolicy.workbook(for: try Self.configuration("99.9", period: .rolling(seconds: 28 * 86_400)))
        let f28 = Self.factors(p28).flatMap { $0 }
        for (got, want) in zip(f28, [13.44, 5.6, 2.8, 0.9333333333333333]) { #expect(abs(got - want) < 1e-12) }
        // A calendar month scales like 30 days.
        #expect(Self.factors(AlertPolicy.workbook(for: try Self.configuration("99.9", period: .calendar(.month, .utc)))) == [[14.4, 6], [3, 1]])
    }

    /// 93 %: 14.4 × 0.07 > 1, so the fast page condition is left out; 80 %: the whole page tier.
    @Test func unreachableDefaultConditionsAreLeftOut() throws {
        let p93 = AlertPolicy.workbook(for: try Self.configuration("93"))
        #expect(Self.factors(p93) == [[6], [3, 1]])
        let p80 = AlertPolicy.workbook(for: try Self.configuration("80"))
        #expect(p80.tiers[0].conditions.isEmpty && !p80.tiers[0].enabled)
        #expect(p80.tiers[1].enabled)
        try p80.validate(for: try Self.configuration("80"), groupBy: [])
    }

    @Test func aConfiguredFactorThatCanNeverBeReachedIsAConfigError() throws {
        let policy = AlertPolicy(tiers: [AlertTierSpec(name: "page", conditions: [BurnRateCondition(longSeconds: 3_600, shortSeconds: 300, factor: 14.4)])])
        #expect(throws: SLOConfigurationError.self) { try policy.validate(for: try Self.configuration("93"), groupBy: []) }
        let c93 = try Self.configuration("93")
        do {
            try policy.validate(for: c93, groupBy: [])
        } catch {
            #expect(error.message.contains("14.4") && error.message.contains("never be reached") && error.message.contains("0.07"), "\(error)")
        }
        try policy.validate(for: try Self.configuration("99"), groupBy: [])
        // In a spec, the error names the spec's problem at construction.
        #expect(throws: SLOConfigurationError.self) {
            _ = try SLOSpec(service: "s", name: "n", objective: Objective(percent: "93"), period: .rolling(seconds: 30 * 86_400),
                            sli: .events(total: try SeriesSelector.parse("r_total"), good: nil, bad: try SeriesSelector.parse("e_total")),
                            alerting: policy, source: SLOSpec.Source(file: "f.yaml", line: 1, column: 1))
        }
    }

    @Test(arguments: [
        (BurnRateCondition(longSeconds: 21_660, shortSeconds: 600, factor: 2), "tier page: window 6h1m must be a multiple of 5m, the resolution of windows of its length"),
        (BurnRateCondition(longSeconds: 3_600, shortSeconds: 65, factor: 2), "window 1m5s must be a multiple of 10s"),
        (BurnRateCondition(longSeconds: 3_600, shortSeconds: 30, factor: 2), "window 30s must be between 1m and 35d"),
        (BurnRateCondition(longSeconds: 300, shortSeconds: 3_600, factor: 2), "must be shorter"),
        (BurnRateCondition(longSeconds: 3_600, shortSeconds: 300, factor: 0), "positive"),
        (BurnRateCondition(longSeconds: 3_600, shortSeconds: 300, factor: .nan), "positive"),
    ])
    func badConditionsAreNamed(_ condition: BurnRateCondition, _ expected: String) throws {
        let policy = AlertPolicy(tiers: [AlertTierSpec(name: "page", conditions: [condition])])
        let c = try Self.configuration("99.9")
        do {
            try policy.validate(for: c, groupBy: [])
            Issue.record("accepted \(condition)")
        } catch {
            #expect(error.message.contains(expected), "\(error)")
        }
    }

    @Test func tierNamesAndThresholdsAreChecked() throws {
        let c = [BurnRateCondition(longSeconds: 3_600, shortSeconds: 300, factor: 2)]
        let twice = AlertPolicy(tiers: [AlertTierSpec(name: "page", conditions: c), AlertTierSpec(name: "page", conditions: c)])
        #expect(throws: SLOConfigurationError.self) { try twice.validate(for: try Self.configuration("99.9"), groupBy: []) }
        let empty = AlertPolicy(tiers: [AlertTierSpec(name: "page", conditions: [])])
        #expect(throws: SLOConfigurationError.self) { try empty.validate(for: try Self.configuration("99.9"), groupBy: []) }
        // A disabled tier needs no windows.
        try AlertPolicy(tiers: [AlertTierSpec(name: "page", conditions: [], enabled: false)]).validate(for: try Self.configuration("99.9"), groupBy: [])
        let budget = AlertPolicy(tiers: [], exhaustion: BudgetExhaustionAlertSpec(remainingBelow: 1.5))
        #expect(throws: SLOConfigurationError.self) { try budget.validate(for: try Self.configuration("99.9"), groupBy: []) }
    }

    /// Sloth's custom 30-day windows (`windows/custom-30d.yaml`): page 30m/2m and 3h/15m, ticket
    /// 12h/1h and 36h/3h. The SLO's state keeps them besides the standard ones.
    static func slothCustom30d() -> AlertPolicy {
        func c(_ percent: Int64, _ long: Int64, _ short: Int64) -> BurnRateCondition {
            .spending(budgetPercent: percent, periodSeconds: 30 * 86_400, longSeconds: long, shortSeconds: short)
        }
        return AlertPolicy(tiers: [AlertTierSpec(name: "page", conditions: [c(2, 1_800, 120), c(5, 10_800, 900)]),
                                   AlertTierSpec(name: "ticket", conditions: [c(10, 43_200, 3_600), c(10, 129_600, 10_800)])])
    }

    @Test func windowsTheBucketsAnswerExactlyAreKeptByTheSLO() throws {
        let policy = Self.slothCustom30d()
        #expect(Self.factors(policy) == [[28.8, 12], [6, 2]])
        try policy.validate(for: try Self.configuration("99.9"), groupBy: [])
        #expect(policy.windowSeconds == [120, 900, 1_800, 3_600, 10_800, 43_200, 129_600])
        let spec = try SLOSpec(service: "s", name: "n", objective: Objective(percent: "99.9"), period: .rolling(seconds: 30 * 86_400),
                               sli: .events(total: try SeriesSelector.parse("r_total"), good: nil, bad: try SeriesSelector.parse("e_total")),
                               alerting: policy, source: SLOSpec.Source(file: "f.yaml", line: 1, column: 1))
        let layout = try SLOLayout(spec.configuration)
        #expect(layout.windows.map(\.label) == ["2m", "5m", "15m", "30m", "1h", "2h", "3h", "6h", "12h", "1d", "1d12h", "3d", "30d"])
        #expect(layout.windows.map(\.resolutionSeconds) == [10, 10, 10, 10, 10, 60, 60, 60, 300, 300, 300, 300, 1_800])
        // A disabled tier's windows are not kept.
        var disabled = policy
        disabled.tiers[1].enabled = false
        #expect(disabled.windowSeconds == [120, 900, 1_800, 10_800])
    }

    /// The state keeps at most 15 windows: 7 standard ones and 9 more are one too many.
    @Test func tooManyWindowsAreRefusedByTheLayoutsRule() throws {
        let shorts: [Int64] = [60, 120, 180, 240, 360, 420, 480, 540, 600]
        let policy = AlertPolicy(tiers: [AlertTierSpec(name: "page", conditions: shorts.map {
            BurnRateCondition(longSeconds: 3_600, shortSeconds: $0, factor: 2)
        })])
        do {
            try policy.validate(for: try Self.configuration("99.9"), groupBy: [])
            Issue.record("16 windows accepted")
        } catch {
            #expect("\(error)".contains("at most 15 rolling windows, got 16"), "\(error)")
        }
        var fewer = policy
        fewer.tiers[0].conditions.removeLast()
        try fewer.validate(for: try Self.configuration("99.9"), groupBy: [])
    }

    @Test(arguments: [
        ("sloth_severity", "x", "starts with sloth_"),
        ("sloth_id", "x", "starts with sloth_"),
        ("alertname", "x", "set with alerting.name"),
        ("alertstate", "x", "slod_alerts series add"),
        ("__name__", "x", "starts with __"),
        ("team-name", "x", "is not a Prometheus label name"),
        ("route", "x", "is a group_by label of this SLO"),
        ("team", "{{ $labels.route }}", "holds a template"),
    ])
    func reservedOrCollidingAlertLabelsAreRefused(_ name: String, _ value: String, _ expected: String) throws {
        let configuration = try Self.configuration("99.9")
        #expect(throws: SLOConfigurationError.self) { try AlertPolicy.checkAlertLabel(name, value: value, groupBy: ["route"]) }
        for place in ["policy", "tier", "budget"] {
            var policy = AlertPolicy.workbook(for: configuration)
            switch place {
            case "policy": policy.labels = [name: value]
            case "tier": policy.tiers[1].labels = [name: value]
            default: policy.exhaustion = BudgetExhaustionAlertSpec(remainingBelow: 0.1, labels: [name: value])
            }
            do {
                try policy.validate(for: configuration, groupBy: ["route"])
                Issue.record("\(place) label \(name)=\(value) accepted")
            } catch {
                #expect(error.message.contains(expected) && error.message.contains(name), "\(error)")
            }
        }
        // Without the group_by label, an ordinary name is fine, as is a static SLO label's name.
        if name == "route" { try AlertPolicy.checkAlertLabel(name, value: value, groupBy: []) }
        try AlertPolicy.checkAlertLabel("tier", value: "2", groupBy: ["route"])
    }

    @Test func annotationNamesAreLabelNames() throws {
        try AlertPolicy.checkAnnotationName("runbook_url")
        #expect(throws: SLOConfigurationError.self) { try AlertPolicy.checkAnnotationName("run book") }
        #expect(throws: SLOConfigurationError.self) { try AlertPolicy.checkAnnotationName("__x") }
        var policy = AlertPolicy.workbook(for: try Self.configuration("99.9"))
        policy.tiers[0].annotations = ["1st": "x"]
        #expect(throws: SLOConfigurationError.self) { try policy.validate(for: try Self.configuration("99.9"), groupBy: []) }
    }

    /// Prometheus' order: series labels, then the rule's (`sloth_severity`, the policy's
    /// labels, the tier's over them), empty values dropped, then `alertname`.
    @Test func alertLabelsComposeAsPrometheusComposesThem() throws {
        var policy = AlertPolicy(tiers: [])
        policy.labels = ["team": "payments", "env": "prod", "owner": ""]
        let tier = AlertTierSpec(name: "page", severity: "critical", conditions: [], labels: ["env": "staging"])
        let rule = policy.ruleLabels(tier: tier.name, tierLabels: tier.labels)
        #expect(rule == ["sloth_severity": "page", "team": "payments", "env": "staging", "severity": "critical", "owner": ""])
        let series = ["sloth_id": "c-a", "sloth_service": "c", "sloth_slo": "a", "tier": "2", "owner": "web", "team": "web"]
        let all = AlertPolicy.alertLabels(series: series, rule: rule, alertName: "SLOBurnRate")
        #expect(all.map { "\($0.name)=\($0.value)" } == ["alertname=SLOBurnRate", "env=staging", "severity=critical", "sloth_id=c-a",
                                                        "sloth_service=c", "sloth_severity=page", "sloth_slo=a", "team=payments", "tier=2"])
        #expect(AlertTierSpec(name: "ticket", conditions: []).severity == nil)
        let annotations = AlertPolicy(tiers: [], annotations: ["summary": "p", "extra": "p"])
            .alertAnnotations(generated: ["summary": "g", "description": "g"], tierAnnotations: ["extra": "t"])
        #expect(annotations == ["summary": "p", "description": "g", "extra": "t"])
    }

    @Test func aTierCannotTakeTheBudgetAlertsName() throws {
        let c = [BurnRateCondition(longSeconds: 3_600, shortSeconds: 300, factor: 2)]
        let policy = AlertPolicy(tiers: [AlertTierSpec(name: "budget", conditions: c)], exhaustion: BudgetExhaustionAlertSpec(remainingBelow: 0.1))
        #expect(throws: SLOConfigurationError.self) { try policy.validate(for: try Self.configuration("99.9"), groupBy: []) }
    }
}
