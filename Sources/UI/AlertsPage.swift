import Alerting
import SLO
import SLOEngine

/// The alerts page (`/ui/alerts`): every pending and firing alert, firing first, each with its
/// SLO instance (linked to its page), tier, the burn rate that holds, since when, and its summary.
public struct AlertsPage: Sendable {
    let snapshot: SLOSnapshot
    let alerts: [Alert]
    /// Transitions, oldest first (`AlertHistory.entries`).
    let history: [AlertHistoryEntry]
    /// The most recent transitions shown.
    static let historyShown = 200

    public init(snapshot: SLOSnapshot, alerts: [Alert], history: [AlertHistoryEntry] = []) {
        self.snapshot = snapshot
        self.alerts = alerts
        self.history = history
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
        writeActive(&w, active)
        writeHistory(&w)
        PageFrame.end(&w)
        return w.bytes
    }

    func writeActive(_ w: inout HTMLWriter, _ active: [Alert]) {
        guard !active.isEmpty else {
            w.raw("<p class=\"muted\">No alert is pending or firing.</p>\n")
            return
        }
        w.raw("<table>\n<thead><tr><th scope=\"col\">State</th><th scope=\"col\">SLO</th><th scope=\"col\">Group</th>")
        w.raw("<th scope=\"col\">Tier</th><th scope=\"col\" class=\"num\">Value</th><th scope=\"col\">Active since</th>")
        w.raw("<th scope=\"col\">Firing since</th><th scope=\"col\">Summary</th></tr></thead>\n<tbody>\n")
        for alert in active {
            w.raw(alert.phase == .firing ? "<tr><td><span class=\"bad state\">firing</span></td><th scope=\"row\">"
                  : "<tr><td><span class=\"warn state\">pending</span></td><th scope=\"row\">")
            writeInstanceCells(&w, alert.key)
            w.raw("</td><td>")
            w.text(alert.key.tier)
            w.raw("</td><td class=\"num\">")
            w.text(Format.alertValue(alert.value, tier: alert.key.tier))
            w.raw("</td><td>")
            w.text(UTCTimestamp.text(nanos: alert.activeSince))
            w.raw("</td><td>")
            w.text(alert.phase == .firing ? UTCTimestamp.text(nanos: alert.firingSince) : "—")
            w.raw("</td><td>")
            w.text(alert.annotation("summary") ?? "")
            w.raw("</td></tr>\n")
        }
        w.raw("</tbody></table>\n")
    }

    /// The SLO cell (a row header, linked to the instance's page while the SLO exists) and the
    /// group cell of an alert's row, after the row's opening `<th scope="row">`.
    func writeInstanceCells(_ w: inout HTMLWriter, _ key: AlertKey) {
        guard let spec = snapshot.specs.first(where: { $0.id == key.slo }) else {
            // An SLO removed since: its id and raw group values.
            w.text(key.slo)
            w.raw("</th><td>")
            w.text(key.groupValues.joined(separator: ", "))
            return
        }
        w.raw("<a href=\"")
        SLOPage.writeLink(&w, spec: spec, groupValues: key.groupValues)
        w.raw("\">")
        w.text(spec.service + " / " + spec.name)
        w.raw("</a></th><td>")
        if spec.groupBy.isEmpty {
            w.raw("<span class=\"muted\">—</span>")
        } else {
            w.text(zip(spec.groupBy, key.groupValues).map { "\($0)=\($1)" }.joined(separator: ", "))
        }
    }

    /// The last `historyShown` transitions, newest first, with how long each resolved alert fired.
    func writeHistory(_ w: inout HTMLWriter) {
        w.raw("<h2>History</h2>\n")
        guard !history.isEmpty else {
            w.raw("<p class=\"muted\">No alert has fired or resolved yet.</p>\n")
            return
        }
        w.raw("<table>\n<thead><tr><th scope=\"col\">Time</th><th scope=\"col\">Transition</th><th scope=\"col\">SLO</th>")
        w.raw("<th scope=\"col\">Group</th><th scope=\"col\">Tier</th><th scope=\"col\" class=\"num\">Value</th>")
        w.raw("<th scope=\"col\">Fired for</th></tr></thead>\n<tbody>\n")
        for entry in history.suffix(Self.historyShown).reversed() {
            w.raw("<tr><td>")
            w.text(UTCTimestamp.text(nanos: entry.time))
            w.raw(entry.transition == .firing ? "</td><td><span class=\"bad\">fired</span></td><th scope=\"row\">"
                  : "</td><td><span class=\"ok\">resolved</span></td><th scope=\"row\">")
            writeInstanceCells(&w, entry.key)
            w.raw("</td><td>")
            w.text(entry.key.tier)
            w.raw("</td><td class=\"num\">")
            w.text(Format.alertValue(entry.value, tier: entry.key.tier))
            w.raw("</td><td>")
            if entry.transition == .resolved && entry.firingSince > 0 {
                w.text(Format.duration(seconds: Double(entry.time - entry.firingSince) / 1e9))
            } else {
                w.raw("<span class=\"muted\">—</span>")
            }
            w.raw("</td></tr>\n")
        }
        w.raw("</tbody></table>\n")
    }
}
