import Alerting
import SLO
import SLOEngine

/// One SLO instance's page (`/ui/slo/SERVICE/NAME?GROUP_LABEL=VALUE…`, one stable URL per
/// instance): the headline figures with the event counts behind them, every window, the alert
/// tiers with their state, and the SLO's definition as configured.
///
/// Reading order: `locate` (which instance the URL names), then `render`: headline, windows,
/// alert tiers, definition.
public struct SLOPage: Sendable {
    let snapshot: SLOSnapshot
    let alerts: [Alert]
    let instance: SLOSnapshot.Instance

    /// What a URL names: an instance of the snapshot, an SLO without that instance (yet), or
    /// no SLO.
    public enum Lookup: Sendable {
        case instance(SLOPage)
        case noInstance(service: String, name: String, groupValues: [String])
        case noSLO
    }

    /// The instance named by `service`, `name` and the query (`GROUP_LABEL=VALUE` for each of
    /// the SLO's `group_by` labels; an absent one is the empty value). Any other parameter is
    /// refused by name.
    public static func locate(snapshot: SLOSnapshot, alerts: [Alert], service: String, name: String,
                              query: Substring) throws(QueryError) -> Lookup {
        guard let slo = snapshot.specs.firstIndex(where: { $0.service == service && $0.name == name }) else { return .noSLO }
        let spec = snapshot.specs[slo]
        var groupValues = [String](repeating: "", count: spec.groupBy.count)
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let label = try SLOListQuery.decode(parts[0], parameter: "parameter name")
            guard let k = spec.groupBy.firstIndex(of: label) else {
                let expected = spec.groupBy.isEmpty ? "this SLO has no group_by labels"
                    : "expected its group_by labels: \(spec.groupBy.joined(separator: ", "))"
                throw QueryError("unknown parameter \"\(label)\" (\(expected))")
            }
            groupValues[k] = parts.count > 1 ? try SLOListQuery.decode(parts[1], parameter: label) : ""
        }
        guard let found = snapshot.instances(ofSLO: slo).first(where: { $0.groupValues == groupValues }) else {
            return .noInstance(service: service, name: name, groupValues: groupValues)
        }
        return .instance(SLOPage(snapshot: snapshot, alerts: alerts, instance: found))
    }

    /// The page's URL (path and query), escaped for an attribute: the list's links and the
    /// bookmark of an instance.
    static func writeLink(_ w: inout HTMLWriter, spec: SLOSpec, groupValues: [String]) {
        w.raw("/ui/slo/")
        w.queryComponent(spec.service)
        w.raw("/")
        w.queryComponent(spec.name)
        var first = true
        for (label, value) in zip(spec.groupBy, groupValues) where !value.isEmpty {
            w.raw(first ? "?" : "&amp;")
            first = false
            w.queryComponent(label)
            w.raw("=")
            w.queryComponent(value)
        }
    }

    /// A page saying that the SLO has no instance with these group values.
    public static func noInstancePage(service: String, name: String, groupValues: [String]) -> [UInt8] {
        var w = HTMLWriter()
        PageFrame.start(&w, title: "\(service) / \(name)")
        w.raw("<h2>")
        w.text("\(service) / \(name)")
        w.raw("</h2>\n<p>")
        w.text("No instance with group values [\(groupValues.joined(separator: ", "))] yet: it is made by the first series that feeds it.")
        w.raw("</p>\n<p><a href=\"/\">All SLOs</a></p>\n")
        PageFrame.end(&w)
        return w.bytes
    }

    public func render() -> [UInt8] {
        let spec = snapshot.specs[instance.slo]
        var w = HTMLWriter()
        let groups = zip(spec.groupBy, instance.groupValues).map { "\($0)=\($1)" }
        let title = "\(spec.service) / \(spec.name)" + (groups.isEmpty ? "" : " {\(groups.joined(separator: ", "))}")
        PageFrame.start(&w, title: title)
        w.raw("<h2>")
        w.text(title)
        w.raw("</h2>\n")
        if !spec.description.isEmpty {
            w.raw("<p>")
            w.text(spec.description)
            w.raw("</p>\n")
        }
        w.raw("<p class=\"muted\">")
        w.text("evaluated at \(UTCTimestamp.text(nanos: snapshot.nowNanos))")
        w.raw(" · <a href=\"/api/v1/slos/")
        w.queryComponent(spec.service)
        w.raw("/")
        w.queryComponent(spec.name)
        w.raw("\">JSON</a></p>\n")
        writeHeadline(&w, spec)
        writeWindows(&w, spec)
        writeAlertTiers(&w, spec)
        writeDefinition(&w, spec)
        PageFrame.end(&w)
        return w.bytes
    }

    /// Objective, attainment, budget and exhaustion, each with the counts it comes from.
    func writeHeadline(_ w: inout HTMLWriter, _ spec: SLOSpec) {
        let budget = instance.budget
        let windows = snapshot.windows(of: instance)
        let period = windows[windows.count - 1]
        let bad = period.total - period.good
        let unit = spec.budgeting == .occurrences ? "events" : "slices"
        w.raw("<table>\n<caption>Over the period</caption>\n<tbody>\n")
        func row(_ name: StaticString, _ value: String, _ basis: String) {
            w.raw("<tr><th scope=\"row\">")
            w.raw(name)
            w.raw("</th><td class=\"num\">")
            w.text(value)
            w.raw("</td><td class=\"muted\">")
            w.text(basis)
            w.raw("</td></tr>\n")
        }
        let periodText = spec.period.label + " from " + UTCTimestamp.text(nanos: budget.period.startNanos)
            + (budget.period.endNanos.map { " to " + UTCTimestamp.text(nanos: $0) } ?? " (rolling)")
        row("Objective", Format.objective(spec.objective), periodText)
        if let errorRatio = budget.errorRatio {
            row("Attainment", Format.percent(1 - errorRatio, decimals: 3),
                "\(Format.count(period.good)) good of \(Format.count(period.total)) \(unit)")
            let allowed = period.total * spec.objective.errorBudget
            row("Error budget left", Format.percent(budget.remaining ?? 0),
                "\(Format.count(bad)) bad of \(Format.count(allowed)) allowed so far (\(Format.percent(spec.objective.errorBudget, decimals: 3)) of \(unit))")
            row("Burn rate over the period", budget.burnRate.map(Format.burnRate) ?? "—",
                "error ratio \(Format.percent(errorRatio, decimals: 4)) ÷ budget \(Format.percent(spec.objective.errorBudget, decimals: 3))")
            let exhaustion: String
            if let remaining = budget.remaining, remaining <= 0 { exhaustion = "exhausted" }
            else if let seconds = budget.exhaustionSeconds { exhaustion = "in " + Format.duration(seconds: seconds) }
            else { exhaustion = "not burning" }
            row("Budget exhausted", exhaustion, "at the burn rate of the exhaustion window")
        } else {
            row("Attainment", "no data", "no \(unit) in the period yet")
        }
        w.raw("</tbody></table>\n")
    }

    func writeWindows(_ w: inout HTMLWriter, _ spec: SLOSpec) {
        let descriptors = snapshot.windowDescriptors(ofSLO: instance.slo)
        let windows = snapshot.windows(of: instance)
        w.raw("<table>\n<caption>Windows</caption>\n<thead><tr><th scope=\"col\">Window</th><th scope=\"col\" class=\"num\">Good</th>")
        w.raw("<th scope=\"col\" class=\"num\">Bad</th><th scope=\"col\" class=\"num\">Total</th><th scope=\"col\" class=\"num\">Error ratio</th>")
        w.raw("<th scope=\"col\" class=\"num\">Burn rate</th></tr></thead>\n<tbody>\n")
        for (j, descriptor) in descriptors.enumerated() {
            let status = windows[j]
            w.raw("<tr><th scope=\"row\">")
            w.text(descriptor.isPeriod ? descriptor.label + " (period)" : descriptor.label)
            w.raw("</th><td class=\"num\">")
            w.text(Format.count(status.good))
            w.raw("</td><td class=\"num\">")
            w.text(Format.count(status.total - status.good))
            w.raw("</td><td class=\"num\">")
            w.text(Format.count(status.total))
            w.raw("</td><td class=\"num\">")
            w.text(status.errorRatio.map { Format.percent($0, decimals: 4) } ?? "no data")
            w.raw("</td><td class=\"num\">")
            w.text(status.burnRate.map(Format.burnRate) ?? "—")
            w.raw("</td></tr>\n")
        }
        w.raw("</tbody></table>\n")
    }

    /// Each tier with its conditions (burn-rate factor over a long and a short window) and the
    /// state of its alert for this instance.
    func writeAlertTiers(_ w: inout HTMLWriter, _ spec: SLOSpec) {
        let policy = spec.alertPolicy
        let mine = alerts.filter { $0.key.slo == spec.id && $0.key.groupValues == instance.groupValues }
        w.raw("<table>\n<caption>Alert tiers</caption>\n<thead><tr><th scope=\"col\">Tier</th><th scope=\"col\">Fires when</th>")
        w.raw("<th scope=\"col\">For</th><th scope=\"col\">State</th><th scope=\"col\">Since</th></tr></thead>\n<tbody>\n")
        for tier in policy.tiers {
            w.raw("<tr><th scope=\"row\">")
            w.text(tier.name)
            w.raw("</th><td>")
            let conditions = tier.conditions.map { c in
                "burn rate ≥ \(Format.burnRate(c.factor)) over \(SLODuration.render(seconds: c.longSeconds)) and \(SLODuration.render(seconds: c.shortSeconds))"
            }
            w.text(tier.enabled ? conditions.joined(separator: ", or ") : "disabled")
            w.raw("</td><td>")
            w.text(tier.forSeconds > 0 ? SLODuration.render(seconds: tier.forSeconds) : "—")
            w.raw("</td><td>")
            let alert = mine.first { $0.key.tier == tier.name }
            switch alert?.phase {
            case .firing?:
                w.raw("<span class=\"bad state\">firing</span></td><td>")
                w.text(UTCTimestamp.text(nanos: alert!.firingSince))
            case .pending?:
                w.raw("<span class=\"warn state\">pending</span></td><td>")
                w.text(UTCTimestamp.text(nanos: alert!.activeSince))
            default:
                w.raw("<span class=\"ok\">inactive</span></td><td>—")
            }
            w.raw("</td></tr>\n")
        }
        w.raw("</tbody></table>\n")
    }

    /// The SLO as configured: SLI selectors, objective, period, budgeting, grouping, labels.
    func writeDefinition(_ w: inout HTMLWriter, _ spec: SLOSpec) {
        w.raw("<h3>Definition</h3>\n<dl>\n")
        func item(_ term: StaticString, _ value: String) {
            w.raw("<dt>")
            w.raw(term)
            w.raw("</dt><dd><code>")
            w.text(value)
            w.raw("</code></dd>\n")
        }
        switch spec.sli {
        case .events(let total, let good, let bad):
            item("Total events", total.description)
            if let good { item("Good events", good.description) }
            if let bad { item("Bad events", bad.description) }
        case .latency(let histogram, let threshold, let interpolate):
            item("Latency histogram", histogram.description)
            item("Good at or below", String(threshold) + (interpolate ? " (interpolated inside its bucket)" : ""))
        }
        item("Objective", Format.objective(spec.objective))
        item("Period", spec.period.label)
        item("Budgeting", spec.budgeting.label)
        if !spec.groupBy.isEmpty { item("Grouped by", spec.groupBy.joined(separator: ", ")) }
        if !spec.labels.isEmpty { item("Labels", spec.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")) }
        item("Defined at", spec.source.description)
        w.raw("</dl>\n")
    }
}
