import SLO

/// An OpenSLO `AlertCondition` reduced to what slod evaluates.
struct OpenSLOAlertCondition: Equatable {
    var severity: String
    var condition: BurnRateCondition
    /// `alertAfter`: how long the condition must hold before the alert fires.
    var forSeconds: Int64
}

/// OpenSLO alert policies (`kind: AlertPolicy`, `kind: AlertCondition`, and the SLO's
/// `spec.alertPolicies`) mapped onto slod's alert tiers:
///
/// ```yaml
/// apiVersion: openslo/v1
/// kind: AlertPolicy
/// metadata: {name: fast-burn}                   # → the tier's name (the sloth_severity label)
/// spec:
///   alertWhenBreaching: true                    # false → the tier is disabled (default true)
///   alertWhenResolved: false                    # read: resolved notifications are the notifier's send_resolved
///   alertWhenNoData: false                      # true is refused: slod alerts on burn rates only
///   conditions:                                 # exactly one: {conditionRef: name} or inline
///     - kind: AlertCondition
///       metadata: {name: fast-burn-condition}
///       spec:
///         severity: page                        # → the tier's severity
///         condition:
///           kind: burnrate                      # the only kind (and the default)
///           op: gt                              # gt or gte
///           threshold: 14.4                     # → the condition's factor
///           lookbackWindow: 1h                  # → the long window; the short one is 1/12 of it (5m): at least 12m
///           alertAfter: 5m                      # → for (default 0)
///   notificationTargets: [{targetRef: pager}]   # read past: slod's notifiers route alerts
/// ```
///
/// An SLO's `alertPolicies` (each `{alertPolicyRef: name}` or an inline `{kind: AlertPolicy,
/// metadata, spec}`) replace the default workbook tiers, one tier per policy; without
/// `alertPolicies` the SLO keeps the default.
///
/// Why these choices: the spec defines `alertAfter` as "the duration the condition needs to be
/// valid for before alerting", which is Prometheus `for`, not a second window. slod's
/// conditions are multiwindow (a burn rate above the factor over both a long and a short
/// window, so that an alert stops soon after the burning stops); the short window is the
/// workbook's 1/12 of the long one (1h/5m, 6h/30m, 1d/2h, 3d/6h). `gte` is read as `gt`: the
/// two differ only when the burn rate equals the threshold exactly. Refused, with the construct
/// named: kinds other than `burnrate`, `op` `lt`/`lte` (alerting while the budget burns slowly),
/// `alertWhenNoData: true`, lookback windows in months, quarters or years.
extension SLODecoding {
    /// One AlertCondition from the `spec` of a kind AlertCondition document or of one inlined in
    /// an AlertPolicy's `conditions` (`openSLOAlertDocumentSpec`, `inlineOpenSLOAlertSpec`).
    mutating func decodeOpenSLOAlertCondition(spec specMapping: ConfigMapping, at specNode: YAMLNode) -> OpenSLOAlertCondition? {
        let errorsBefore = errors.count
        var s = specMapping
        defer { finish(&s) }
        _ = s.entry("description")
        var severity: String?
        if let (text, n) = scalar(&s, "severity", required: true, at: specNode) {
            if text.isEmpty { report(n, s.keyPath("severity"), "must not be empty") } else { severity = text }
        }
        guard let (c, cNode) = mapping(&s, "condition", required: true, at: specNode) else { return nil }
        var condition = c
        defer { finish(&condition) }
        if let (kind, n) = optionalScalar(&condition, "kind"), kind != "burnrate" {
            consumeAll(&condition, cNode)
            report(n, condition.keyPath("kind"), "alert condition kind \(quoted(kind)) is not supported: slod alerts on burn rates (kind: burnrate)")
            return nil
        }
        if let (op, n) = scalar(&condition, "op", required: true, at: cNode) {
            switch op {
            case "gt", "gte": break
            case "lt", "lte":
                report(n, condition.keyPath("op"), "op \(quoted(op)) alerts while the burn rate is below the threshold; slod's burn-rate alerts fire while it is above (op: gt or gte)")
            default:
                report(n, condition.keyPath("op"), "expected one of gt, gte, lt, lte, got \(quoted(op))")
            }
        }
        var factor: Double?
        if let (text, n) = scalar(&condition, "threshold", required: true, at: cNode) {
            if let value = Double(text), value > 0, value.isFinite { factor = value } else {
                report(n, condition.keyPath("threshold"), "expected a burn rate greater than 0 like 14.4, got \(quoted(text))")
            }
        }
        var long: Int64?
        if let (text, n) = scalar(&condition, "lookbackWindow", required: true, at: cNode) {
            if let seconds = SLODuration.parseSeconds(text) {
                if let problem = Self.lookbackWindowProblem(seconds, text) { report(n, condition.keyPath("lookbackWindow"), problem) } else { long = seconds }
            } else {
                report(n, condition.keyPath("lookbackWindow"), "expected a duration of at least 12m like 1h or 6h "
                    + "(units m h d w; slod confirms the burn rate over 1/12 of it), got \(quoted(text))")
            }
        }
        var forSeconds: Int64 = 0
        if let (text, n) = optionalScalar(&condition, "alertAfter") {
            if let seconds = SLODuration.parseSeconds(text), seconds <= 7 * 86_400 { forSeconds = seconds } else if !Self.isZeroDuration(text) {
                report(n, condition.keyPath("alertAfter"), "expected a duration of at most 7d like 5m (units m h d w), got \(quoted(text))")
            }
        }
        guard errors.count == errorsBefore, let severity, let factor, let long else { return nil }
        return OpenSLOAlertCondition(severity: severity, condition: BurnRateCondition(longSeconds: long, shortSeconds: long / 12, factor: factor),
                                     forSeconds: forSeconds)
    }

    /// Why `lookbackWindow` (`text`, `long` seconds) cannot be a condition's long window, or nil:
    /// it and its short window, 1/12 of it, must each be a window the SLO's buckets answer
    /// exactly (`SLOLayout.checkWindow`), which makes 12m the shortest.
    static func lookbackWindowProblem(_ long: Int64, _ text: String) -> String? {
        let resolution = { (window: Int64) in
            SLOLayout.tierResolutions[SLOLayout.tierLimits.firstIndex { window <= $0 } ?? SLOLayout.tierResolutions.count - 1]
        }
        let step = lcm(12 * resolution(long / 12), resolution(long))
        let hint = "use a multiple of \(SLODuration.render(seconds: step)) of at least 12m, like 1h or 6h"
        do throws(SLOConfigurationError) {
            try SLOLayout.checkWindow(seconds: long)
        } catch {
            return "lookbackWindow \(text) is the long window: \(error.message); \(hint)"
        }
        let short = long / 12
        guard long % 12 == 0 else {
            return "lookbackWindow \(text) has no whole short window: slod confirms the burn rate over 1/12 of it; \(hint)"
        }
        do throws(SLOConfigurationError) {
            try SLOLayout.checkWindow(seconds: short)
            return nil
        } catch {
            let shortText = "lookbackWindow \(text) gives a short window of \(SLODuration.render(seconds: short)) (1/12 of it)"
            if short < 60 { return "\(shortText), which must be at least 1m; use at least 12m, like 1h or 6h" }
            return "\(shortText), which must be a multiple of \(SLODuration.render(seconds: resolution(short))), the resolution of windows of its length; \(hint)"
        }
    }

    private static func lcm(_ a: Int64, _ b: Int64) -> Int64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return a / x * b
    }

    /// `0`, `0m`, `0s`: a zero duration (which `SLODuration` refuses as a window).
    private static func isZeroDuration(_ text: String) -> Bool {
        ["0", "0s", "0m", "0h", "0d", "0w"].contains(text)
    }

    /// The AlertPolicy `name` mapped onto a tier named after it, from the `spec` of a kind
    /// AlertPolicy document or of one inlined in an SLO's `alertPolicies`
    /// (`openSLOAlertDocumentSpec`, `inlineOpenSLOAlertSpec`). `catalog` holds the kind
    /// AlertCondition documents of all imported files.
    mutating func decodeOpenSLOAlertPolicy(named name: String, spec specMapping: ConfigMapping, at specNode: YAMLNode,
                                           catalog: OpenSLOCatalog) -> AlertTierSpec? {
        let errorsBefore = errors.count
        var s = specMapping
        defer { finish(&s) }
        _ = s.entry("description")
        _ = optionalBool(&s, "alertWhenResolved")
        if let (noData, n) = optionalBool(&s, "alertWhenNoData"), noData {
            report(n, s.keyPath("alertWhenNoData"), "alerting when there is no data is not supported: slod alerts on burn rates, and a window without events has none")
        }
        let breaching = optionalBool(&s, "alertWhenBreaching")?.0 ?? true
        _ = s.entry("notificationTargets")
        guard let entry = s.entry("conditions") else {
            report(specNode, s.path, "missing required key \"conditions\"")
            return nil
        }
        guard case .sequence(let items) = entry.value.kind, items.count == 1 else {
            report(entry.value, s.keyPath("conditions"), "expected a list with exactly one condition ({conditionRef: name} or an inline AlertCondition)")
            return nil
        }
        let condition = openSLOAlertConditionItem(items[0], s.keyPath("conditions") + "[0]", catalog: catalog)
        guard errors.count == errorsBefore, let condition else { return nil }
        return AlertTierSpec(name: name, severity: condition.severity, conditions: [condition.condition],
                             forSeconds: condition.forSeconds, enabled: breaching)
    }

    /// `{conditionRef: name}` or an inline AlertCondition.
    private mutating func openSLOAlertConditionItem(_ item: YAMLNode, _ keyPath: String, catalog: OpenSLOCatalog) -> OpenSLOAlertCondition? {
        let conditions = catalog.alertConditions
        guard case .mapping(let entries) = item.kind else {
            report(item, keyPath, "expected {conditionRef: name} or an inline AlertCondition, got \(item.kindDescription)")
            return nil
        }
        guard entries.contains(where: { $0.key.scalar == "conditionRef" }) else {
            guard let (_, spec, specNode) = inlineOpenSLOAlertSpec(item, keyPath, kind: "AlertCondition") else { return nil }
            return decodeOpenSLOAlertCondition(spec: spec, at: specNode)
        }
        var r = ConfigMapping(file: file, path: keyPath, node: item)
        defer { finish(&r) }
        guard let (name, n) = scalar(&r, "conditionRef", required: true, at: item) else { return nil }
        guard let found = conditions[name] else {
            if !catalog.isDefined(kind: "AlertCondition", name: name) {
                report(n, r.keyPath("conditionRef"), "no kind AlertCondition named \(quoted(name)) in the imported files"
                    + (conditions.isEmpty ? "" : " (known: \(conditions.keys.sorted().joined(separator: ", ")))"))
            }
            return nil
        }
        return found
    }

    /// An SLO's `alertPolicies`: one tier per policy, or nil when absent or empty (the default
    /// policy applies) or on error (reported).
    mutating func openSLOAlertTiers(_ s: inout ConfigMapping, catalog: OpenSLOCatalog) -> (tiers: [AlertTierSpec], node: YAMLNode)? {
        let policies = catalog.alertPolicies
        guard let entry = s.entry("alertPolicies"), !entry.value.isNull else { return nil }
        let keyPath = s.keyPath("alertPolicies")
        guard case .sequence(let items) = entry.value.kind else {
            report(entry.value, keyPath, "expected a list of alert policies ({alertPolicyRef: name} or inline AlertPolicies), got \(entry.value.kindDescription)")
            return nil
        }
        var tiers: [AlertTierSpec] = []
        for (index, item) in items.enumerated() {
            let path = "\(keyPath)[\(index)]"
            guard case .mapping(let entries) = item.kind else {
                let hint = item.scalar.map { "; a plain name is OpenSLO v1alpha's form, in v1 write {alertPolicyRef: \($0)}" } ?? ""
                report(item, path, "expected {alertPolicyRef: name} or an inline AlertPolicy, got \(item.kindDescription)" + hint)
                continue
            }
            var tier: AlertTierSpec?
            if entries.contains(where: { $0.key.scalar == "alertPolicyRef" }) {
                var r = ConfigMapping(file: file, path: path, node: item)
                if let (name, n) = scalar(&r, "alertPolicyRef", required: true, at: item) {
                    tier = policies[name]
                    if tier == nil, !catalog.isDefined(kind: "AlertPolicy", name: name) {
                        report(n, r.keyPath("alertPolicyRef"), "no kind AlertPolicy named \(quoted(name)) in the imported files"
                            + (policies.isEmpty ? "" : " (known: \(policies.keys.sorted().joined(separator: ", ")))"))
                    }
                }
                finish(&r)
            } else {
                if case let (name?, spec, specNode)? = inlineOpenSLOAlertSpec(item, path, kind: "AlertPolicy") {
                    tier = decodeOpenSLOAlertPolicy(named: name, spec: spec, at: specNode, catalog: catalog)
                }
            }
            guard let tier else { continue }
            if tiers.contains(where: { $0.name == tier.name }) {
                report(item, path, "alert policy \(quoted(tier.name)) is listed twice; each policy is one alert tier of the SLO")
                continue
            }
            tiers.append(tier)
        }
        return tiers.isEmpty ? nil : (tiers, entry.value)
    }
}
