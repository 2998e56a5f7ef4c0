import SLO

/// Decoding of an SLO's `alerting:` (its burn-rate alert policy; every key optional):
///
/// ```yaml
/// alerting:
///   name: SLOBurnRate                 # the alertname label
///   runbook_url: https://runbooks.example/checkout
///   min_events: 10                    # low-traffic guard per window (timeslices: 0)
///   labels: {team: payments}          # on every alert of the SLO (Sloth's alerting.labels)
///   annotations: {dashboard: https://grafana.example/d/slo}
///   page:                             # overrides of the workbook's page tier
///     severity: critical              # the severity label (default: none; sloth_severity is "page")
///     labels: {routing_key: oncall}   # on this tier's alerts, over the policy's
///     annotations: {summary: "Checkout burns its budget"}   # replaces slod's summary
///     for: 0s
///     keep_firing_for: 5m
///     windows:                        # replaces the tier's conditions (any of them fires it)
///       - {long: 1h, short: 5m, factor: 14.4}
///       - {long: 6h, short: 30m, factor: 6}
///   ticket: {disable: true}           # Sloth's spelling; `disabled: true` is the same
///   tiers:                            # more tiers, each with windows
///     warning: {windows: [{long: 1d, short: 2h, factor: 2}]}
///   budget_exhaustion: {remaining_below: 0.1, severity: ticket, for: 10m}
/// ```
///
/// A window may be any the SLO's buckets answer exactly (`SLOLayout.checkWindow`: 1m … 35d, a
/// multiple of 10s up to 1h, of 1m up to 6h, of 5m up to 3d, of 30m beyond), e.g. Sloth's
/// custom 30-day windows 2m, 15m, 3h, 12h, 36h; the SLO's state then keeps them besides the
/// standard ones (at most 15 in all). A factor that can never be reached with the SLO's error
/// budget is an error (`AlertPolicy.validate`). Alert labels must not be `sloth_…`,
/// `alertname`, `alertstate` or a `group_by` label (`AlertPolicy.checkAlertLabel`); they and
/// the annotations go on alerts only, never on the recorded series.
extension SLODecoding {
    /// The policy, nil when the key is absent (the default applies) or on error (reported).
    /// `configuration` is nil when the SLO's objective, period or budgeting had errors (already
    /// reported); the section is then only read for its own errors.
    mutating func decodeAlerting(_ m: inout ConfigMapping, configuration: SLOConfiguration?, groupBy: [String]) -> AlertPolicy? {
        guard let entry = m.entry("alerting"), !entry.value.isNull else { return nil }
        let node = entry.value
        let keyPath = m.keyPath("alerting")
        guard case .mapping = node.kind else {
            report(node, keyPath, "expected a mapping (name, runbook_url, min_events, labels, annotations, page, ticket, tiers, "
                   + "budget_exhaustion), got \(node.kindDescription)")
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
        (policy.labels, policy.annotations) = decodeLabelsAndAnnotations(&a, groupBy: groupBy)
        var windowNodes: [(tier: String, node: YAMLNode, keyPath: String)] = []
        for name in ["page", "ticket"] {
            if let tier = a.entry(name) { decodeTier(tier.value, a.keyPath(name), name: name, groupBy: groupBy, into: &policy, windows: &windowNodes) }
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
                    decodeTier(e.value, path, name: name, groupBy: groupBy, into: &policy, windows: &windowNodes)
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
            (spec.labels, spec.annotations) = decodeLabelsAndAnnotations(&b, groupBy: groupBy)
            decodeSeverity(&b, into: &spec.labels)
            var wait = Duration.zero
            b.decode("for", &wait, as: .duration(in: .zero...(.seconds(7 * 86_400))))
            spec.forSeconds = wait.components.seconds
            finish(&b)
            policy.exhaustion = spec
        }
        finish(&a)
        guard errors.count == errorsBefore, let configuration else { return nil }
        guard windowsFit(policy, windowNodes, configuration) else { return nil }
        do throws(SLOConfigurationError) {
            try policy.validate(for: configuration, groupBy: groupBy)
        } catch {
            report(node, keyPath, error.message)
            return nil
        }
        return policy
    }

    /// One tier: `severity`, `labels`, `annotations`, `for`, `keep_firing_for`, `disabled` (or
    /// Sloth's `disable`), `windows`. Overrides the fields given of the tier named `name`, or
    /// adds it; records its `windows:` node in `windows`.
    private mutating func decodeTier(_ node: YAMLNode, _ keyPath: String, name: String, groupBy: [String], into policy: inout AlertPolicy,
                                     windows windowNodes: inout [(tier: String, node: YAMLNode, keyPath: String)]) {
        guard case .mapping = node.kind else {
            report(node, keyPath, "expected a mapping (severity, labels, annotations, for, keep_firing_for, disabled, windows), got \(node.kindDescription)")
            return
        }
        var tier = policy.tiers.first { $0.name == name } ?? AlertTierSpec(name: name, conditions: [])
        var t = ConfigMapping(file: file, path: keyPath, node: node)
        (tier.labels, tier.annotations) = decodeLabelsAndAnnotations(&t, groupBy: groupBy)
        decodeSeverity(&t, into: &tier.labels)
        var wait = Duration.seconds(tier.forSeconds), keep = Duration.seconds(tier.keepFiringForSeconds)
        let week: ClosedRange<Duration> = .zero...(.seconds(7 * 86_400))
        t.decode("for", &wait, as: .duration(in: week))
        t.decode("keep_firing_for", &keep, as: .duration(in: week))
        tier.forSeconds = wait.components.seconds
        tier.keepFiringForSeconds = keep.components.seconds
        if let windows = t.entry("windows"), !windows.value.isNull {
            windowNodes.append((name, windows.value, t.keyPath("windows")))
            if let conditions = decodeConditions(windows.value, t.keyPath("windows")) {
                tier.conditions = conditions
                tier.enabled = true
            }
        }
        // Sloth writes `disable`, slod `disabled`: either, not both.
        let switches = ["disabled", "disable"].compactMap { key in optionalBool(&t, key) }
        if switches.count == 2 {
            report(switches[1].1, t.keyPath("disable"), "disable and disabled are the same switch (Sloth's and slod's spelling); keep one")
        } else if let (disabled, _) = switches.first {
            tier.enabled = !disabled && !tier.conditions.isEmpty
        }
        finish(&t)
        if let i = policy.tiers.firstIndex(where: { $0.name == name }) { policy.tiers[i] = tier } else { policy.tiers.append(tier) }
    }

    /// `labels:` and `annotations:` of the policy, a tier or the budget alert: mappings of names
    /// to values, each name checked at its key (`AlertPolicy.checkAlertLabel`,
    /// `checkAnnotationName`). Empty when absent; entries in error are reported and left out.
    /// Sloth's `alerting` and its alerts spell the keys alike.
    mutating func decodeLabelsAndAnnotations(_ m: inout ConfigMapping, groupBy: [String]) -> (labels: [String: String], annotations: [String: String]) {
        let labels = namedValues(&m, "labels") { name, value throws(SLOConfigurationError) in
            try AlertPolicy.checkAlertLabel(name, value: value, groupBy: groupBy)
        }
        let annotations = namedValues(&m, "annotations") { name, _ throws(SLOConfigurationError) in
            try AlertPolicy.checkAnnotationName(name)
        }
        return (labels, annotations)
    }

    /// `severity:` — sugar for the label `severity` (refused beside a `severity` in `labels:`).
    private mutating func decodeSeverity(_ m: inout ConfigMapping, into labels: inout [String: String]) {
        guard let (text, n) = optionalScalar(&m, "severity") else { return }
        if labels["severity"] != nil {
            report(n, m.keyPath("severity"), "severity is also given in labels; keep one of severity: and labels.severity")
        } else if text.isEmpty {
            report(n, m.keyPath("severity"), "must not be empty; leave severity out for alerts without a severity label")
        } else {
            labels["severity"] = text
        }
    }

    /// Whether the SLO's state can keep every window of the enabled tiers besides the standard
    /// ones (`SLOLayout`: at most 15 windows); if not, reports at the `windows:` node of the
    /// first tier that goes past the limit.
    private mutating func windowsFit(_ policy: AlertPolicy, _ windowNodes: [(tier: String, node: YAMLNode, keyPath: String)],
                                     _ configuration: SLOConfiguration) -> Bool {
        var kept = configuration
        for (name, node, keyPath) in windowNodes {
            guard let tier = policy.tiers.first(where: { $0.name == name }), tier.enabled else { continue }
            let next = kept.keeping(windows: tier.windowSeconds)
            do throws(SLOConfigurationError) {
                _ = try SLOLayout(next)
            } catch {
                report(node, keyPath, "\(error.message), counting the standard windows the SLO always keeps; use fewer distinct alert windows")
                return false
            }
            kept = next
        }
        return true
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
                guard let s = SLODuration.parseSeconds(text) else {
                    report(n, c.keyPath(key), "expected a duration like 1h, got \(quoted(text))")
                    continue
                }
                do throws(SLOConfigurationError) {
                    try SLOLayout.checkWindow(seconds: s)
                    seconds.append(s)
                } catch {
                    report(n, c.keyPath(key), error.message)
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
