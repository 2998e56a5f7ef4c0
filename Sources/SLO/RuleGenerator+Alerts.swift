/// The burn-rate alerts per SLO: one per enabled tier of its `AlertPolicy` (by default the SRE
/// workbook's multiwindow multi-burn-rate tiers, grouped as Sloth groups them: page = two fast
/// conditions, ticket = two slow ones), the same conditions slod evaluates itself.
extension RuleGenerator {
    /// One alert per enabled tier of the SLO's policy.
    func alerts(_ slo: RuleSLO) -> [RuleYAML.Rule] {
        let policy = slo.spec.alertPolicy
        return policy.tiers.filter(\.enabled).map { alert(slo, tier: $0, policy: policy) }
    }

    /// `(long > f·B and short > f·B) or (…)`, each window term wrapped in
    /// `max(…) without (sloth_window)` so the alert keeps its identity whichever window matched
    /// (Sloth v0.11): its labels are those of the recorded series (`sloth_*`, the SLO's labels,
    /// the group labels) with the rule's over them (`AlertPolicy.ruleLabels`, shared with slod's
    /// own alerts). `for:` and `keep_firing_for:` as the tier sets them (none by default: the
    /// short window already filters blips). User annotations may hold Prometheus templates.
    func alert(_ slo: RuleSLO, tier: AlertTierSpec, policy: AlertPolicy) -> RuleYAML.Rule {
        let budget = slo.spec.objective.errorBudgetText
        let terms = tier.conditions.map { c -> String in
            let factor = RuleSLO.number(c.factor)
            let windows = [c.longSeconds, c.shortSeconds].map { seconds in
                let window = SLODuration.render(seconds: seconds)
                let burning = "max(slo:sli_error:ratio_rate\(window)\(slo.idSelector) > (\(factor) * \(budget))) without (sloth_window)"
                return lowTrafficGuarded(burning, slo, window: window, minEvents: policy.minEvents)
            }
            return "(\n  " + windows.joined(separator: "\n  and\n  ") + "\n)"
        }
        let conditions = tier.conditions.map { c in
            "above \(RuleSLO.number(c.factor))× the error budget over both "
                + "\(SLODuration.render(seconds: c.longSeconds)) and \(SLODuration.render(seconds: c.shortSeconds))"
        }
        let spec = slo.spec
        let description = "The error ratio of SLO \(spec.name) of service \(spec.service) is {{ $value | humanizePercentage }} "
            + "over the long window: \(conditions.joined(separator: ", or ")) "
            + "(objective \(spec.objective.percentText)% over \(slo.periodWindow), error budget \(budget))."
        var generated = ["summary": "\(spec.service) \(spec.name) SLO error budget burn rate is too fast (\(tier.name))",
                         "description": description]
        if let url = policy.runbookURL { generated["runbook_url"] = url }
        return RuleYAML.Rule(alert: policy.alertName, expr: terms.joined(separator: "\nor\n"),
                             forSeconds: tier.forSeconds, keepFiringForSeconds: tier.keepFiringForSeconds,
                             labels: policy.ruleLabels(tier: tier.name, tierLabels: tier.labels),
                             annotations: policy.alertAnnotations(generated: generated, tierAnnotations: tier.annotations))
    }

    /// A window's burn condition that holds only while the window has at least `minEvents`
    /// events, as slod's own alerts require (`AlertPolicy.minEvents`): `… and on (group labels)
    /// (sum by (group labels) (increase(TOTAL[w])) >= N)`. Unchanged when `minEvents` is 0. For
    /// the timeslice methods slod counts slices there; the rules, which are occurrences rules,
    /// count events.
    func lowTrafficGuarded(_ burning: String, _ slo: RuleSLO, window: String, minEvents: Double) -> String {
        guard minEvents > 0 else { return burning }
        let on = slo.spec.groupBy.joined(separator: ", ")
        return "(\(burning) and on (\(on)) (\(slo.totalEventsExpression(window: window)) >= \(RuleSLO.number(minEvents))))"
    }

    /// Comment lines for tiers that can never fire: the factor needs an error ratio above 1
    /// (`factor > 1/budget`), as for a 99 % … 93 % objective with the 14.4× page.
    static func unreachableTierNotes(_ slo: RuleSLO) -> [String] {
        let budget = slo.spec.objective.errorBudget
        return AlertPolicy.workbookConditions(periodSeconds: slo.periodSeconds).flatMap(\.conditions).compactMap { c in
            guard !c.isReachable(errorBudget: budget) else { return nil }
            return "The \(RuleSLO.number(c.factor))× tier over \(SLODuration.render(seconds: c.longSeconds)) can never fire: "
                + "it needs an error ratio above 1 with an error budget of \(slo.spec.objective.errorBudgetText)."
        }
    }
}
