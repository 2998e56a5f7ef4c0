import SLO

/// Decoding of an SLO's `alerting:` (its burn-rate alert policy; every key optional):
///
/// ```yaml
/// alerting:
///   name: SLOBurnRate                 # the alertname label
///   runbook_url: https://runbooks.example/checkout
///   min_events: 10                    # low-traffic guard per window (timeslices: 0)
///   page:                             # overrides of the workbook's page tier
///     severity: critical              # the severity label (default: the tier name)
///     for: 0s
///     keep_firing_for: 5m
///     windows:                        # replaces the tier's conditions (any of them fires it)
///       - {long: 1h, short: 5m, factor: 14.4}
///       - {long: 6h, short: 30m, factor: 6}
///   ticket: {disabled: true}
///   tiers:                            # more tiers, each with windows
///     warning: {windows: [{long: 1d, short: 2h, factor: 2}]}
///   budget_exhaustion: {remaining_below: 0.1, severity: ticket, for: 10m}
/// ```
///
/// Windows are those an SLO keeps: 5m, 30m, 1h, 2h, 6h, 1d, 3d. A factor that can never be
/// reached with the SLO's error budget is an error (`AlertPolicy.validate`).
extension SLODecoding {
    /// The policy, nil when the key is absent (the default applies) or on error (reported).
    /// `configuration` is nil when the SLO's objective, period or budgeting had errors (already
    /// reported); the section is then only read for its own errors.
    mutating func decodeAlerting(_ m: inout ConfigMapping, configuration: SLOConfiguration?) -> AlertPolicy? {
        guard let entry = m.entry("alerting"), !entry.value.isNull else { return nil }
        let node = entry.value
        let keyPath = m.keyPath("alerting")
        guard case .mapping = node.kind else {
            report(node, keyPath, "expected a mapping (name, runbook_url, min_events, page, ticket, tiers, budget_exhaustion), got \(node.kindDescription)")
            return nil
        }
        let errorsBefore = errors.count
        var policy = configuration.map(AlertPolicy.workbook(for:)) ?? AlertPolicy(tiers: [])
        var a = ConfigMapping(file: file, path: keyPath, node: node)
        if let (text, n) = optionalScalar(&a, "name") {
            if text.isEmpty { report(n, a.keyPath("name"), "must not be empty") } else { policy.alertName = text }
        }
        if let (text, _) = optionalScalar(&a, "runbook_url") { policy.runbookURL = text }
        if let (text, n) = optionalScalar(&a, "min_events") {
            if let v = Double(text), v >= 0, v.isFinite { policy.minEvents = v } else {
                report(n, a.keyPath("min_events"), "expected a number ≥ 0, got \(quoted(text))")
            }
        }
        for name in ["page", "ticket"] {
            if let tier = a.entry(name) { decodeTier(tier.value, a.keyPath(name), name: name, into: &policy) }
        }
        if let tiers = a.entry("tiers"), !tiers.value.isNull {
            if case .mapping(let entries) = tiers.value.kind {
                for e in entries {
                    let name = e.key.scalar ?? ""
                    let path = a.keyPath("tiers") + "." + name
                    if name.isEmpty || policy.tiers.contains(where: { $0.name == name }) {
                        report(e.key, path, "tier name \(quoted(name)) is empty or already used (page and ticket are set under their own keys)")
                        continue
                    }
                    decodeTier(e.value, path, name: name, into: &policy)
                }
            } else {
                report(tiers.value, a.keyPath("tiers"), "expected a mapping of tier names to tiers, got \(tiers.value.kindDescription)")
            }
        }
        if let (b, bNode) = mapping(&a, "budget_exhaustion", required: false, at: node) {
            var b = b
            var spec = BudgetExhaustionAlertSpec(remainingBelow: 0)
            if let (text, n) = scalar(&b, "remaining_below", required: true, at: bNode) {
                if let v = Double(text) { spec.remainingBelow = v } else {
                    report(n, b.keyPath("remaining_below"), "expected a ratio in (0, 1] like 0.1, got \(quoted(text))")
                }
            }
            if let (text, _) = optionalScalar(&b, "severity") { spec.severity = text }
            var wait = Duration.zero
            b.decode("for", &wait, as: .duration(in: .zero...(.seconds(7 * 86_400))))
            spec.forSeconds = wait.components.seconds
            finish(&b)
            policy.exhaustion = spec
        }
        finish(&a)
        guard errors.count == errorsBefore, let configuration else { return nil }
        do throws(SLOConfigurationError) {
            try policy.validate(for: configuration)
        } catch {
            report(node, keyPath, error.message)
            return nil
        }
        return policy
    }

    /// One tier: `severity`, `for`, `keep_firing_for`, `disabled`, `windows`. Overrides the
    /// fields given of the tier named `name`, or adds it.
    private mutating func decodeTier(_ node: YAMLNode, _ keyPath: String, name: String, into policy: inout AlertPolicy) {
        guard case .mapping = node.kind else {
            report(node, keyPath, "expected a mapping (severity, for, keep_firing_for, disabled, windows), got \(node.kindDescription)")
            return
        }
        var tier = policy.tiers.first { $0.name == name } ?? AlertTierSpec(name: name, conditions: [])
        var t = ConfigMapping(file: file, path: keyPath, node: node)
        if let (text, _) = optionalScalar(&t, "severity") { tier.severity = text }
        var wait = Duration.seconds(tier.forSeconds), keep = Duration.seconds(tier.keepFiringForSeconds)
        let week: ClosedRange<Duration> = .zero...(.seconds(7 * 86_400))
        t.decode("for", &wait, as: .duration(in: week))
        t.decode("keep_firing_for", &keep, as: .duration(in: week))
        tier.forSeconds = wait.components.seconds
        tier.keepFiringForSeconds = keep.components.seconds
        if let windows = t.entry("windows"), !windows.value.isNull {
            if let conditions = decodeConditions(windows.value, t.keyPath("windows")) {
                tier.conditions = conditions
                tier.enabled = true
            }
        }
        if let (text, n) = optionalScalar(&t, "disabled") {
            switch text {
            case "true": tier.enabled = false
            case "false": tier.enabled = !tier.conditions.isEmpty
            default: report(n, t.keyPath("disabled"), "expected true or false, got \(quoted(text))")
            }
        }
        finish(&t)
        if let i = policy.tiers.firstIndex(where: { $0.name == name }) { policy.tiers[i] = tier } else { policy.tiers.append(tier) }
    }

    /// `windows:` — a list of `{long: 1h, short: 5m, factor: 14.4}`, or nil (reported).
    private mutating func decodeConditions(_ node: YAMLNode, _ keyPath: String) -> [BurnRateCondition]? {
        guard case .sequence(let items) = node.kind, !items.isEmpty else {
            report(node, keyPath, "expected a list of {long: 1h, short: 5m, factor: 14.4}, got \(node.kindDescription)")
            return nil
        }
        var out: [BurnRateCondition] = []
        var ok = true
        for (index, item) in items.enumerated() {
            let path = "\(keyPath)[\(index)]"
            guard case .mapping = item.kind else {
                report(item, path, "expected {long: 1h, short: 5m, factor: 14.4}, got \(item.kindDescription)")
                ok = false
                continue
            }
            var c = ConfigMapping(file: file, path: path, node: item)
            var seconds: [Int64] = []
            for key in ["long", "short"] {
                guard let (text, n) = scalar(&c, key, required: true, at: item) else { continue }
                if let s = SLODuration.parseSeconds(text) { seconds.append(s) } else {
                    report(n, c.keyPath(key), "expected a duration like 1h, got \(quoted(text))")
                }
            }
            var factor: Double?
            if let (text, n) = scalar(&c, "factor", required: true, at: item) {
                factor = Double(text)
                if factor == nil { report(n, c.keyPath("factor"), "expected a number like 14.4, got \(quoted(text))") }
            }
            finish(&c)
            guard seconds.count == 2, let factor else { ok = false; continue }
            out.append(BurnRateCondition(longSeconds: seconds[0], shortSeconds: seconds[1], factor: factor))
        }
        return ok ? out : nil
    }
}
