import Alerting
import SLO
@testable import SLOEngine
import Testing
@testable import UI

/// The alerts page (`UI.AlertsPage`): pending and firing alerts, firing first, linked to their
/// instance's page, values and times as the alerts carry them, annotations escaped.
@Suite struct AlertsPageTests {
    static func alert(_ slo: String, group: [String], tier: String, phase: AlertPhase, value: Double, summary: String = "") -> Alert {
        Alert(key: AlertKey(slo: slo, groupValues: group, tier: tier), phase: phase, labels: [],
              annotations: summary.isEmpty ? [] : [AlertLabel("summary", summary)], value: value,
              activeSince: Scenario.now - 10 * E.minute, firingSince: phase == .firing ? Scenario.now - 5 * E.minute : 0, resolvedAt: 0,
              generatorURL: "")
    }

    @Test func listsActiveAlertsFiringFirst() throws {
        let alerts = [Self.alert("search-latency", group: [], tier: "ticket", phase: .pending, value: 2.5),
                      Self.alert("checkout-availability", group: ["/pay"], tier: "page", phase: .firing, value: 20,
                                 summary: "burning <fast> & hard"),
                      Self.alert("checkout-availability", group: ["/pay"], tier: "budget", phase: .firing, value: -19),
                      Self.alert("checkout-availability", group: [""], tier: "page", phase: .inactive, value: 0)]
        let html = String(decoding: AlertsPage(snapshot: try Scenario.snapshot(), alerts: alerts).render(), as: UTF8.self)
        #expect(html.contains("2 firing, 1 pending"))
        let rows = html.split(separator: "<tr>").filter { $0.contains("</td></tr>") }
        #expect(rows.count == 3, "the inactive alert is not listed")
        #expect(rows[0].contains("firing") && rows[0].contains(">budget<") && rows[0].contains("-1900.0 % left"))
        #expect(rows[1].contains("firing") && rows[1].contains(">page<") && rows[1].contains("20.0×"))
        #expect(rows[1].contains("href=\"/ui/slo/checkout/availability?http_route=%2Fpay\"") && rows[1].contains("http_route=/pay"))
        #expect(rows[1].contains("2026-01-01T00:50:00Z") && rows[1].contains("2026-01-01T00:55:00Z"))
        #expect(rows[1].contains("burning &lt;fast&gt; &amp; hard"))
        #expect(rows[2].contains("pending") && rows[2].contains("href=\"/ui/slo/search/latency\"") && rows[2].contains("2.50×"))
        let none = String(decoding: AlertsPage(snapshot: try Scenario.snapshot(), alerts: []).render(), as: UTF8.self)
        #expect(none.contains("No alert is pending or firing.") && none.contains("No alert has fired or resolved yet."))
    }

    @Test func theHistoryListsTransitionsNewestFirst() throws {
        let key = AlertKey(slo: "checkout-availability", groupValues: ["/pay"], tier: "page")
        let history = [AlertHistoryEntry(time: Scenario.now - 40 * E.minute, key: key, transition: .firing, value: 20,
                                         firingSince: Scenario.now - 40 * E.minute),
                       AlertHistoryEntry(time: Scenario.now - 5 * E.minute, key: key, transition: .resolved, value: 0.5,
                                         firingSince: Scenario.now - 40 * E.minute),
                       AlertHistoryEntry(time: Scenario.now, key: AlertKey(slo: "gone-slo", groupValues: ["x<y"], tier: "ticket"),
                                         transition: .firing, value: 3, firingSince: Scenario.now)]
        let html = String(decoding: AlertsPage(snapshot: try Scenario.snapshot(), alerts: [], history: history).render(), as: UTF8.self)
        let rows = html.split(separator: "<h2>History</h2>")[1].split(separator: "<tr>").filter { $0.contains("</td></tr>") }
        #expect(rows.count == 3)
        #expect(rows[0].contains("gone-slo") && rows[0].contains("x&lt;y") && rows[0].contains(">fired<"))
        #expect(rows[1].contains(">resolved<") && rows[1].contains("2026-01-01T00:55:00Z") && rows[1].contains("35m"))
        #expect(rows[1].contains("href=\"/ui/slo/checkout/availability?http_route=%2Fpay\""))
        #expect(rows[2].contains(">fired<") && rows[2].contains("20.0×") && rows[2].contains("2026-01-01T00:20:00Z"))
    }
}
