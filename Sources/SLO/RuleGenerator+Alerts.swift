/// The two burn-rate alerts per SLO: the SRE workbook's multiwindow multi-burn-rate tiers,
/// grouped as Sloth groups them (page = two fast tiers, ticket = two slow tiers).
extension RuleGenerator {
    /// One workbook tier: alert when `budgetPercent` % of the period's budget would be spent in
    /// the long window, confirmed by the short window (1/12 of the long one, or 1/4 for 3d).
    struct BurnTier: Sendable, Equatable {
        var budgetPercent: Int64
        var shortSeconds: Int64
        var longSeconds: Int64

        /// The burn-rate factor, scaled by the period as Sloth does
        /// (`internal/alert/window.go` `getBurnRateFactor`): `percent × period / long window`,
        /// so 30d gives 14.4, 6, 3, 1 and 28d gives 13.44, 5.6, 2.8, 0.933.
        func factor(periodSeconds: Int64) -> Double {
            Double(budgetPercent * periodSeconds) / Double(100 * longSeconds)
        }
    }

    /// Page: 2 % of the budget in 1h (confirmed over 5m), 5 % in 6h (30m).
    static let pageTiers = [BurnTier(budgetPercent: 2, shortSeconds: 300, longSeconds: 3_600),
                            BurnTier(budgetPercent: 5, shortSeconds: 1_800, longSeconds: 21_600)]
    /// Ticket: 10 % of the budget in 1d (confirmed over 2h), 10 % in 3d (6h).
    static let ticketTiers = [BurnTier(budgetPercent: 10, shortSeconds: 7_200, longSeconds: 86_400),
                              BurnTier(budgetPercent: 10, shortSeconds: 21_600, longSeconds: 259_200)]

    /// The page and the ticket alert of one SLO.
    func alerts(_ slo: RuleSLO) -> [RuleYAML.Rule] {
        [alert(slo, severity: "page", tiers: Self.pageTiers), alert(slo, severity: "ticket", tiers: Self.ticketTiers)]
    }

    /// `(long > f·B and short > f·B) or (…)`, each window term wrapped in
    /// `max(…) without (sloth_window)` so the alert keeps its identity whichever window matched
    /// (Sloth v0.11). No `for:`: the short window already filters blips.
    func alert(_ slo: RuleSLO, severity: String, tiers: [BurnTier]) -> RuleYAML.Rule {
        let budget = slo.spec.objective.errorBudgetText
        let terms = tiers.map { tier -> String in
            let factor = RuleSLO.number(tier.factor(periodSeconds: slo.periodSeconds))
            let windows = [tier.longSeconds, tier.shortSeconds].map { seconds in
                "max(slo:sli_error:ratio_rate\(SLODuration.render(seconds: seconds))\(slo.idSelector) > (\(factor) * \(budget))) without (sloth_window)"
            }
            return "(\n  " + windows.joined(separator: "\n  and\n  ") + "\n)"
        }
        let conditions = tiers.map { tier in
            "above \(RuleSLO.number(tier.factor(periodSeconds: slo.periodSeconds)))× the error budget over both "
                + "\(SLODuration.render(seconds: tier.longSeconds)) and \(SLODuration.render(seconds: tier.shortSeconds))"
        }
        let spec = slo.spec
        let description = "The error ratio of SLO \(spec.name) of service \(spec.service) is {{ $value | humanizePercentage }} "
            + "over the long window: \(conditions.joined(separator: ", or ")) "
            + "(objective \(spec.objective.percentText)% over \(slo.periodWindow), error budget \(budget))."
        return RuleYAML.Rule(alert: alertName, expr: terms.joined(separator: "\nor\n"),
                             labels: ["severity": severity, "sloth_severity": severity, "tier": severity,
                                      "service": spec.service, "slo": spec.name],
                             annotations: ["summary": "\(spec.service) \(spec.name) SLO error budget burn rate is too fast (\(severity))",
                                           "description": description])
    }

    /// Comment lines for tiers that can never fire: the factor needs an error ratio above 1
    /// (`factor > 1/budget`), as for a 99 % … 93 % objective with the 14.4× page.
    static func unreachableTierNotes(_ slo: RuleSLO) -> [String] {
        let budget = slo.spec.objective.errorBudget
        return (pageTiers + ticketTiers).compactMap { tier in
            let factor = tier.factor(periodSeconds: slo.periodSeconds)
            guard factor * budget > 1 else { return nil }
            return "The \(RuleSLO.number(factor))× tier over \(SLODuration.render(seconds: tier.longSeconds)) can never fire: "
                + "it needs an error ratio above 1 with an error budget of \(slo.spec.objective.errorBudgetText)."
        }
    }
}
