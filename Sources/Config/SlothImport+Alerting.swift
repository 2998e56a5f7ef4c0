import SLO

/// A Sloth SLO's `alerting:` mapped onto its `AlertPolicy` (keys as in `prometheus/v1`; the
/// Kubernetes resource spells `pageAlert`, `ticketAlert`):
///
/// ```yaml
/// alerting:
///   name: MyServiceHighErrorRate          # → alertName (default: SLOBurnRate)
///   labels: {category: availability}     # → labels of every alert of the SLO
///   annotations: {summary: …}             # → annotations of every alert of the SLO
///   page_alert:                           # → the page tier
///     labels: {severity: critical}        # → the tier's labels (severity is one label among others)
///     annotations: {runbook: …}           # → the tier's annotations
///     disable: true                       # → the tier is disabled: no alert, no rule
///   ticket_alert: {disable: true}         # → the ticket tier, likewise
/// ```
///
/// The tiers are the workbook's (`AlertPolicy.workbook(for:)`), or those of the AlertWindows
/// for Sloth's period when the imported files hold one. Sloth has no `disable` for `alerting`
/// as a whole (it ignores the key and generates both alerts); slod refuses the key and names the
/// per-alert form, so an alert the user meant to turn off cannot fire. Sloth requires `name`
/// unless both alerts are disabled; slod uses its default alert name when it is missing.
extension SLODecoding {
    /// The policy of one Sloth SLO: nil (the default policy) when it has neither `alerting` nor
    /// AlertWindows. `configuration` is nil when the objective had errors (already reported);
    /// the section is then only read for its own errors. `groupBy` are the SLO's group labels,
    /// which no alert label may take.
    mutating func decodeSlothAlerting(_ m: inout ConfigMapping, at item: YAMLNode, spelling: SlothSpelling,
                                      windows: SlothAlertWindows?, configuration: SLOConfiguration?,
                                      groupBy: [String]) -> AlertPolicy? {
        let entry = m.entry("alerting")
        let configured = entry.map { !$0.value.isNull } ?? false
        var policy: AlertPolicy
        switch (configuration, windows) {
        case (let configuration?, let windows?): policy = windows.policy(for: configuration)
        case (let configuration?, nil) where configured: policy = .workbook(for: configuration)
        default: policy = AlertPolicy(tiers: [])
        }
        if let entry { decodeSlothAlertingKeys(entry.value, m.keyPath("alerting"), spelling: spelling, groupBy: groupBy, into: &policy) }
        guard let configuration, configured || windows != nil else { return nil }
        do throws(SLOConfigurationError) {
            try policy.validate(for: configuration, groupBy: groupBy)
        } catch {
            let origin = windows.map { " (alert windows of the AlertWindows at \($0.source))" } ?? ""
            report(entry?.value ?? item, m.keyPath("alerting"), error.message + origin)
        }
        return policy
    }

    /// `name`, `labels`, `annotations`, and the page and ticket alerts, applied to `policy`.
    /// Labels and annotations are checked at their keys as slod's own `alerting` checks them
    /// (no `groupBy` label among the alert labels).
    private mutating func decodeSlothAlertingKeys(_ node: YAMLNode, _ keyPath: String, spelling: SlothSpelling, groupBy: [String],
                                                  into policy: inout AlertPolicy) {
        if node.isNull { return }
        guard case .mapping = node.kind else {
            report(node, keyPath, "expected a mapping (name, labels, annotations, \(spelling.pageAlert), \(spelling.ticketAlert)), got \(node.kindDescription)")
            return
        }
        var a = ConfigMapping(file: file, path: keyPath, node: node)
        defer { finish(&a) }
        if let entry = a.entry("disable") {
            report(entry.key, a.keyPath("disable"), "Sloth's alerting has no disable of its own (Sloth ignores the key and generates both alerts); "
                + "turn the alerts off with \(spelling.pageAlert): {disable: true} and \(spelling.ticketAlert): {disable: true}")
        }
        if let (text, n) = optionalScalar(&a, "name") {
            if text.isEmpty { report(n, a.keyPath("name"), "must not be empty") } else { policy.alertName = text }
        }
        (policy.labels, policy.annotations) = decodeLabelsAndAnnotations(&a, groupBy: groupBy)
        for (key, tierName) in [(spelling.pageAlert, "page"), (spelling.ticketAlert, "ticket")] {
            guard let entry = a.entry(key), !entry.value.isNull else { continue }
            guard case .mapping = entry.value.kind else {
                report(entry.value, a.keyPath(key), "expected a mapping (disable, labels, annotations), got \(entry.value.kindDescription)")
                continue
            }
            var t = ConfigMapping(file: file, path: a.keyPath(key), node: entry.value)
            let index = policy.tiers.firstIndex { $0.name == tierName }
            if let (disable, _) = optionalBool(&t, "disable"), disable, let index { policy.tiers[index].enabled = false }
            let (labels, annotations) = decodeLabelsAndAnnotations(&t, groupBy: groupBy)
            if let index { (policy.tiers[index].labels, policy.tiers[index].annotations) = (labels, annotations) }
            finish(&t)
        }
    }
}
