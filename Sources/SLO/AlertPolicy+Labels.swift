/// The labels and annotations of an SLO's alerts: one definition for the alerts slod evaluates
/// itself (`AlertEvaluator`) and the alert rules `slod rules` writes, so both carry the same
/// label set and Alertmanager routes, inhibitions and Sloth's dashboards treat them alike.
///
/// An alert's labels are, each step over the previous ones (Prometheus' alert-rule semantics,
/// which is also Sloth's):
/// 1. the labels of the series the alert reads: `sloth_id`, `sloth_service`, `sloth_slo`, the
///    SLO's `labels` and its `group_by` labels with the instance's values (in the rules they come
///    from the recorded `slo:sli_error:ratio_rate*` series);
/// 2. `sloth_severity` = the tier's name (`page`, `ticket`, a custom tier's name, `budget`);
/// 3. the policy's `labels`, then the tier's (a configured `severity` is one of the tier's);
/// 4. `alertname`.
///
/// A label whose value ends up empty is left out, as Prometheus leaves it out. The user's labels
/// can override an SLO label (allowed) but never slod's own (`sloth_*`), `alertname`,
/// `alertstate` or a `group_by` label, which would merge the groups' alerts into one label set
/// (`checkAlertLabel`).
extension AlertPolicy {
    /// The tier name of the budget-exhaustion alert.
    public static let budgetTierName = "budget"

    /// Labels every alert carries whatever its series: its name, and the state Prometheus'
    /// `ALERTS` and slod's `slod_alerts` add. No SLO, group or alert label may take them.
    public static let labelsEveryAlertSets: Set<String> = ["alertname", "alertstate"]

    /// The labels an alert of tier `name` (with the tier's own `tierLabels`) puts over the labels
    /// of the series it reads: the `labels:` of its Prometheus alert rule (steps 2 and 3).
    public func ruleLabels(tier name: String, tierLabels: [String: String]) -> [String: String] {
        var out = ["sloth_severity": name]
        out.merge(labels) { $1 }
        out.merge(tierLabels) { $1 }
        return out
    }

    /// The whole label set of an alert, sorted by name: `series` (step 1), `rule` over it
    /// (`ruleLabels`), empty values left out, then `alertname`.
    public static func alertLabels(series: [String: String], rule: [String: String], alertName: String) -> [(name: String, value: String)] {
        var all = series.merging(rule) { $1 }
        all["alertname"] = alertName
        return all.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }

    /// A tier's annotations: slod's `generated` ones (`summary`, `description`, `runbook_url`),
    /// then the policy's annotations, then the tier's `tierAnnotations`; a user annotation
    /// replaces a generated one of the same name, as in Sloth.
    public func alertAnnotations(generated: [String: String], tierAnnotations: [String: String]) -> [String: String] {
        var out = generated
        out.merge(annotations) { $1 }
        out.merge(tierAnnotations) { $1 }
        return out
    }

    /// An alert label the user may set (policy, tier or budget alert): a Prometheus label name
    /// that is not reserved (`__…`), not slod's own (`sloth_…`), not `alertname` or
    /// `alertstate`, not one of the SLO's `group_by` labels; its value holds no template, since
    /// slod's own alerts take label values verbatim and the rules' alerts would not.
    public static func checkAlertLabel(_ name: String, value: String, groupBy: [String]) throws(SLOConfigurationError) {
        try SLOSpec.checkLabelName(name, subject: "labels")
        if name.hasPrefix("sloth_") {
            throw SLOConfigurationError("labels", "\"\(name)\" starts with sloth_: slod writes sloth_id, sloth_service, sloth_slo and "
                + "sloth_severity (the tier's name) on every alert itself, and Sloth's dashboards read them; choose another name")
        }
        if name == "alertname" {
            throw SLOConfigurationError("labels", "\"alertname\" is the alert's name, set with alerting.name (default \(AlertPolicy.defaultAlertName)), not as a label")
        }
        if name == "alertstate" {
            throw SLOConfigurationError("labels", "\"alertstate\" is the pending/firing label Prometheus' ALERTS and slod's slod_alerts series add to every alert; choose another name")
        }
        if groupBy.contains(name) {
            throw SLOConfigurationError("labels", "\"\(name)\" is a group_by label of this SLO: one fixed value on every group's alert would "
                + "merge the groups' alerts into one label set (Prometheus fails to evaluate such a rule); choose another name")
        }
        if value.contains("{{") {
            throw SLOConfigurationError("labels", "the value of \"\(name)\" holds a template ({{ … }}): Prometheus would expand it in the rules' "
                + "alerts but slod's own alerts take label values as written, so the two would differ; put templated text in an annotation")
        }
    }

    /// An annotation name: a Prometheus label name that is not reserved (`__…`).
    public static func checkAnnotationName(_ name: String) throws(SLOConfigurationError) {
        try SLOSpec.checkLabelName(name, subject: "annotations")
    }

    /// `checkAlertLabel` and `checkAnnotationName` for every entry; `owner` (`alerting`, `tier
    /// page`, …) names where they were set.
    static func checkLabels(_ labels: [String: String], annotations: [String: String], groupBy: [String],
                            owner: String) throws(SLOConfigurationError) {
        do throws(SLOConfigurationError) {
            for name in labels.keys.sorted() { try checkAlertLabel(name, value: labels[name]!, groupBy: groupBy) }
            for name in annotations.keys.sorted() { try checkAnnotationName(name) }
        } catch {
            throw SLOConfigurationError("alerting", "\(owner) \(error.subject): \(error.message)")
        }
    }
}
