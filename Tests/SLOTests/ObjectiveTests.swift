import Testing
@testable import SLO

@Suite struct ObjectiveTests {
    @Test(arguments: [
        ("99.9", Int64(999_000_000), "0.999", "0.001"),
        ("99.95", 999_500_000, "0.9995", "0.0005"),
        ("95", 950_000_000, "0.95", "0.05"),
        ("99.999", 999_990_000, "0.99999", "0.00001"),
        ("50.0", 500_000_000, "0.5", "0.5"),
        ("0.0000001", 1, "0.000000001", "0.999999999"),
        ("99.90000000", 999_000_000, "0.999", "0.001"),
    ])
    func percentIsStoredExactly(_ text: String, _ ppb: Int64, _ ratio: String, _ budget: String) throws {
        let o = try Objective(percent: text)
        #expect(o.partsPerBillion == ppb)
        #expect(o.ratioText == ratio)
        #expect(o.errorBudgetText == budget)
        // The doubles are the nearest to the decimals, so they print as the decimals.
        #expect(String(o.ratio) == String(Double(ratio)!))
        #expect(String(o.errorBudget) == String(Double(budget)!))
    }

    @Test func ratioPrintsWithoutFloatNoise() throws {
        let o = try Objective(percent: "99.9")
        #expect("\(o.ratio)" == "0.999")
        #expect("\(o.errorBudget)" == "0.001")
        #expect("\(1 - 0.999)" != "0.001")  // what the naive computation would print
        #expect(o.percentText == "99.9")
        #expect(o.description == "99.9%")
    }

    @Test func ratioTextParses() throws {
        #expect(try Objective(ratio: "0.995").partsPerBillion == 995_000_000)
        #expect(try Objective(ratio: "0.999999999").partsPerBillion == 999_999_999)
    }

    @Test(arguments: ["100", "0", "0.0", "100.0", "101", "-5", "99.9%", "", ".", "99.", ".5", "9e1", " 99", "99.99999999", "1.2.3"])
    func invalidPercentIsRejected(_ text: String) {
        #expect(throws: SLOConfigurationError.self) { try Objective(percent: text) }
    }

    @Test(arguments: ["1", "1.0", "0", "0.9999999991", "2"])
    func invalidRatioIsRejected(_ text: String) {
        #expect(throws: SLOConfigurationError.self) { try Objective(ratio: text) }
    }

    @Test func errorNamesTheValue() {
        do {
            _ = try Objective(percent: "100")
            Issue.record("100 accepted")
        } catch {
            #expect(error.description == "objective: \"100\" must be a percentage strictly between 0 and 100")
        }
    }

    @Test func decimalRendering() {
        #expect(DecimalText.render(999_000_000, fractionDigits: 9) == "0.999")
        #expect(DecimalText.render(0, fractionDigits: 9) == "0")
        #expect(DecimalText.render(-1_500, fractionDigits: 3) == "-1.5")
        #expect(DecimalText.render(1_000_000_001, fractionDigits: 9) == "1.000000001")
        #expect(DecimalText.parseFixed("1000000000000.5", fractionDigits: 1) == 10_000_000_000_005)
        #expect(DecimalText.parseFixed("1000000000001", fractionDigits: 1) == nil)
    }

    @Test func durations() {
        #expect(SLODuration.parseSeconds("5m") == 300)
        #expect(SLODuration.parseSeconds("1h30m") == 5_400)
        #expect(SLODuration.parseSeconds("4w") == 2_419_200)
        #expect(SLODuration.parseSeconds("28d") == 2_419_200)
        for bad in ["", "5", "m", "5x", "1m1h", "0s", "5mm", "-5m", "1M", "99999999999d"] {
            #expect(SLODuration.parseSeconds(bad) == nil, "\(bad)")
        }
        #expect(SLODuration.render(seconds: 2_592_000) == "30d")
        #expect(SLODuration.render(seconds: 5_400) == "1h30m")
        #expect(SLODuration.render(seconds: 0) == "0s")
    }
}

@Suite struct BudgetMathTests {
    @Test func zeroTrafficIsNilNotNaN() {
        #expect(BudgetMath.errorRatio(good: 0, total: 0) == nil)
        #expect(BudgetMath.errorRatio(good: 5, total: -3) == nil)
        #expect(BudgetMath.burnRate(errorRatio: nil, errorBudget: 0.001) == nil)
        #expect(BudgetMath.remainingBudget(periodErrorRatio: nil, errorBudget: 0.001) == nil)
        #expect(BudgetMath.exhaustionSeconds(remaining: nil, periodSeconds: 100, burnRate: 1) == nil)
    }

    @Test func ratiosAreClampedWhenGoodExceedsTotal() {
        #expect(BudgetMath.errorRatio(good: 150, total: 100) == 0)
        #expect(BudgetMath.errorRatio(good: -50, total: 100) == 1)
        #expect(BudgetMath.errorRatio(good: 75, total: 100) == 0.25)
    }

    @Test func burnRemainingAndExhaustion() {
        let budget = 0.001
        let e = 0.0144 * 0.1  // 1.44 ‰ errors
        #expect(T.close(BudgetMath.burnRate(errorRatio: e, errorBudget: budget), 1.44))
        // Overspent budgets are reported as negative remaining, not clamped.
        #expect(T.close(BudgetMath.remainingBudget(periodErrorRatio: 0.003, errorBudget: budget), -2))
        #expect(T.close(BudgetMath.remainingBudget(periodErrorRatio: 0.00025, errorBudget: budget), 0.75))
        // 75 % left of a 30-day budget at burn rate 14.4: 0.75 × 2,592,000 / 14.4 = 135,000 s.
        #expect(T.close(BudgetMath.exhaustionSeconds(remaining: 0.75, periodSeconds: 2_592_000, burnRate: 14.4), 135_000))
        #expect(BudgetMath.exhaustionSeconds(remaining: 0.75, periodSeconds: 2_592_000, burnRate: 0) == nil)
        #expect(BudgetMath.exhaustionSeconds(remaining: 0, periodSeconds: 2_592_000, burnRate: 3) == nil)
        #expect(BudgetMath.exhaustionSeconds(remaining: -1, periodSeconds: 2_592_000, burnRate: 3) == nil)
    }
}
