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
        try p80.validate(for: try Self.configuration("80"))
    }

    @Test func aConfiguredFactorThatCanNeverBeReachedIsAConfigError() throws {
        let policy = AlertPolicy(tiers: [AlertTierSpec(name: "page", conditions: [BurnRateCondition(longSeconds: 3_600, shortSeconds: 300, factor: 14.4)])])
        #expect(throws: SLOConfigurationError.self) { try policy.validate(for: try Self.configuration("93")) }
        let c93 = try Self.configuration("93")
        do {
            try policy.validate(for: c93)
        } catch {
            #expect(error.message.contains("14.4") && error.message.contains("never be reached") && error.message.contains("0.07"), "\(error)")
        }
        try policy.validate(for: try Self.configuration("99"))
        // In a spec, the error names the spec's problem at construction.
        #expect(throws: SLOConfigurationError.self) {
            _ = try SLOSpec(service: "s", name: "n", objective: Objective(percent: "93"), period: .rolling(seconds: 30 * 86_400),
                            sli: .events(total: try SeriesSelector.parse("r_total"), good: nil, bad: try SeriesSelector.parse("e_total")),
                            alerting: policy, source: SLOSpec.Source(file: "f.yaml", line: 1, column: 1))
        }
    }

    @Test(arguments: [
        (BurnRateCondition(longSeconds: 3_600, shortSeconds: 600, factor: 2), "10m is not kept"),
        (BurnRateCondition(longSeconds: 300, shortSeconds: 3_600, factor: 2), "must be shorter"),
        (BurnRateCondition(longSeconds: 3_600, shortSeconds: 300, factor: 0), "positive"),
        (BurnRateCondition(longSeconds: 3_600, shortSeconds: 300, factor: .nan), "positive"),
    ])
    func badConditionsAreNamed(_ condition: BurnRateCondition, _ expected: String) throws {
        let policy = AlertPolicy(tiers: [AlertTierSpec(name: "page", conditions: [condition])])
        let c = try Self.configuration("99.9")
        do {
            try policy.validate(for: c)
            Issue.record("accepted \(condition)")
        } catch {
            #expect(error.message.contains(expected), "\(error)")
        }
    }

    @Test func tierNamesAndThresholdsAreChecked() throws {
        let c = [BurnRateCondition(longSeconds: 3_600, shortSeconds: 300, factor: 2)]
        let twice = AlertPolicy(tiers: [AlertTierSpec(name: "page", conditions: c), AlertTierSpec(name: "page", conditions: c)])
        #expect(throws: SLOConfigurationError.self) { try twice.validate(for: try Self.configuration("99.9")) }
        let empty = AlertPolicy(tiers: [AlertTierSpec(name: "page", conditions: [])])
        #expect(throws: SLOConfigurationError.self) { try empty.validate(for: try Self.configuration("99.9")) }
        // A disabled tier needs no windows.
        try AlertPolicy(tiers: [AlertTierSpec(name: "page", conditions: [], enabled: false)]).validate(for: try Self.configuration("99.9"))
        let budget = AlertPolicy(tiers: [], exhaustion: BudgetExhaustionAlertSpec(remainingBelow: 1.5))
        #expect(throws: SLOConfigurationError.self) { try budget.validate(for: try Self.configuration("99.9")) }
    }
}
