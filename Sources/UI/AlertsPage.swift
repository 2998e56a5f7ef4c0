import Alerting
import SLO
import SLOEngine

/// The alerts page (`/ui/alerts`): every pending and firing alert, firing first, each with its
/// SLO instance (linked to its page), tier, the burn rate that holds, since when, and its summary.
public struct AlertsPage: Sendable {
    let snapshot: SLOSnapshot
    let alerts: [Alert]

    public init(snapshot: SLOSnapshot, alerts: [Alert]) {
        self.snapshot = snapshot
        self.alerts = alerts
    }

    public func render() -> [UInt8] {
        let active = alerts.filter { $0.phase != .inactive }.sorted { a, b in
            if (a.phase == .firing) != (b.phase == .firing) { return a.phase == .firing }
            return a.key < b.key
        }
        var w = HTMLWriter(reservingCapacity: 2_048 + active.count * 600)
        PageFrame.start(&w, title: "Alerts")
        w.raw("<h2>Alerts</h2>\n<p>")
        let firing = active.filter { $0.phase == .firing }.count
        w.text("\(firing) firing, \(active.count - firing) pending")
        w.raw(" · <span class=\"muted\">")
        w.text("evaluated at \(UTCTimestamp.text(nanos: snapshot.nowNanos))")
        w.raw("</span></p>\n")
        guard !active.isEmpty else {
            w.raw("<p class=\"muted\">No alert is pending or firing.</p>\n")
            PageFrame.end(&w)
            return w.bytes
        }
        w.raw("<table>\n<thead><tr><th scope=\"col\">State</th><th scope=\"col\">SLO</th><th scope=\"col\">Group</th>")
        w.raw("<th scope=\"col\">Tier</th><th scope=\"col\" class=\"num\">Value</th><th scope=\"col\">Active since</th>")
        w.raw("<th scope=\"col\">Firing since</th><th scope=\"col\">Summary</th></tr></thead>\n<tbody>\n")
        for alert in active {
            w.raw(alert.phase == .firing ? "<tr><td><span class=\"bad state\">firing</span></td><th scope=\"row\">"
                  : "<tr><td><span class=\"warn state\">pending</span></td><th scope=\"row\">")
            let spec = snapshot.specs.first { $0.id == alert.key.slo }
            if let spec {
                w.raw("<a href=\"")
                SLOPage.writeLink(&w, spec: spec, groupValues: alert.key.groupValues)
                w.raw("\">")
                w.text(spec.service + " / " + spec.name)
                w.raw("</a>")
            } else {
                w.text(alert.key.slo)
            }
            w.raw("</th><td>")
            if let spec, !spec.groupBy.isEmpty {
                w.text(zip(spec.groupBy, alert.key.groupValues).map { "\($0)=\($1)" }.joined(separator: ", "))
            } else {
                w.raw("<span class=\"muted\">—</span>")
            }
            w.raw("</td><td>")
            w.text(alert.key.tier)
            w.raw("</td><td class=\"num\">")
            w.text(alert.key.tier == AlertPolicy.budgetTierName ? Format.percent(alert.value) + " left" : Format.burnRate(alert.value))
            w.raw("</td><td>")
            w.text(UTCTimestamp.text(nanos: alert.activeSince))
            w.raw("</td><td>")
            w.text(alert.phase == .firing ? UTCTimestamp.text(nanos: alert.firingSince) : "—")
            w.raw("</td><td>")
            w.text(alert.annotation("summary") ?? "")
            w.raw("</td></tr>\n")
        }
        w.raw("</tbody></table>\n")
        PageFrame.end(&w)
        return w.bytes
    }
}
