import Alerting
import Exposition
import SLO
import SLOEngine
import Testing

/// The labels and annotations of slod's own alerts: the SLO's labels and group labels survive,
/// Sloth's `sloth_*` labels are there, the user's labels and annotations apply to alerts only.
@Suite struct AlertLabelTests {
    static func labels(_ alert: Alert) -> [String: String] {
        Dictionary(uniqueKeysWithValues: alert.labels.map { ($0.name, $0.value) })
    }

    /// The text exposition of `families`.
    static func text(_ families: [MetricFamily]) -> String {
        var out: [UInt8] = []
        FamilyRenderer.render(families, format: .text004, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Sloth's getting-started SLO carries `tier: "2"`: slod's alerts keep it (slod used to
    /// overwrite it with the alert tier), next to `sloth_severity`, a configured `severity`,
    /// the policy's and the tier's labels; the user's annotations join (and replace) the
    /// generated ones. None of them reaches the recorded series.
    @Test func sloLabelsSurviveAndUserLabelsAndAnnotationsApplyToAlertsOnly() throws {
        var policy = AlertPolicy.workbook(for: try AlertWorld.spec().configuration)
        policy.labels = ["team": "payments", "channel": "#slo"]
        policy.annotations = ["dashboard": "https://grafana.example/d/slo", "summary": "policy summary"]
        policy.tiers[0].labels = ["channel": "#oncall", "severity": "critical"]
        policy.tiers[0].annotations = ["summary": "Checkout burns its budget"]
        let spec = try AlertWorld.spec(labels: ["tier": "2", "owner": "web"], alerting: policy)
        let w = try AlertWorld([spec])
        w.run(seconds: 120, rate: 10, errorRatio: 0.5)
        let page = try #require(w.evaluator.alerts.first { $0.key.tier == "page" })
        #expect(Self.labels(page) == ["alertname": "SLOBurnRate", "channel": "#oncall", "owner": "web", "severity": "critical",
                                      "sloth_id": "checkout-availability", "sloth_service": "checkout", "sloth_severity": "page",
                                      "sloth_slo": "availability", "team": "payments", "tier": "2"])
        #expect(page.annotation("summary") == "Checkout burns its budget")
        #expect(page.annotation("dashboard") == "https://grafana.example/d/slo")
        #expect(page.annotation("description")?.contains("burn rate") == true, "\(page.annotations)")
        #expect(page.annotations.map(\.name) == page.annotations.map(\.name).sorted())
        // The ticket tier: the policy's labels and annotations, no severity (none configured).
        let ticket = try #require(w.evaluator.alerts.first { $0.key.tier == "ticket" })
        #expect(Self.labels(ticket)["channel"] == "#slo" && Self.labels(ticket)["severity"] == nil)
        #expect(Self.labels(ticket)["sloth_severity"] == "ticket" && Self.labels(ticket)["tier"] == "2")
        #expect(ticket.annotation("summary") == "policy summary")
        // Recorded series carry the SLO's labels, never the alerts' own.
        let series = Self.text(w.last.families())
        #expect(series.contains(#"tier="2""#) && series.contains("slo:sli_error:ratio_rate5m{"), "\(series)")
        for alertOnly in ["team=", "channel=", "severity", "dashboard", "Checkout burns"] {
            #expect(!series.contains(alertOnly), "\(alertOnly) on a recorded series")
        }
        // slod_alerts carries the alert's labels.
        let alertSeries = Self.text(Alert.families(w.evaluator.alerts))
        #expect(alertSeries.contains(#"severity="critical",sloth_id="checkout-availability",sloth_service="checkout",sloth_severity="page",sloth_slo="availability",team="payments",tier="2"}"#),
                "\(alertSeries)")
    }

    /// An SLO grouped by `service` (a label slod used to overwrite with the SLO's service): two
    /// failing services give two alerts per tier with distinct label sets and distinct
    /// `slod_alerts` series, each with its own `service` and the SLO's `sloth_service`.
    @Test func groupsByServiceGiveDistinctAlerts() throws {
        let w = try AlertWorld([AlertWorld.spec(groupBy: ["service"])])
        let a = w.engine.registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["cart"]))!
        let b = w.engine.registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["payment"]))!
        var t: Int64 = 0
        while t < 120 {
            let bucket = w.now - w.now % (10 * AlertWorld.second)
            let deltas = [a, b].map { SLODelta(instance: $0, time: bucket, good: SLOState.units(5)!, total: SLOState.units(10)!) }
            w.now += AlertWorld.second
            w.last = w.engine.evaluate(deltas: [deltas], now: w.now)
            for n in w.evaluator.evaluate(w.last) { w.notices.append((w.now, n)) }
            t += 1
        }
        let pages = w.evaluator.alerts.filter { $0.key.tier == "page" }
        #expect(pages.map { Self.labels($0)["service"] } == ["cart", "payment"])
        #expect(pages.allSatisfy { Self.labels($0)["sloth_service"] == "checkout" && Self.labels($0)["sloth_severity"] == "page" })
        #expect(Set(w.evaluator.alerts.map { $0.labels.map { "\($0.name)=\($0.value)" } }).count == 4, "\(w.evaluator.alerts)")
        let lines = Self.text(Alert.families(w.evaluator.alerts)).split(separator: "\n").filter { $0.hasPrefix("slod_alerts{") }
        #expect(lines.count == 4 && Set(lines).count == 4, "\(lines)")
        #expect(lines.contains { $0.contains(#"service="cart""#) } && lines.contains { $0.contains(#"service="payment""#) })
    }

    /// The budget alert is tier `budget`: `sloth_severity="budget"`, a `severity` only when
    /// configured, and its own labels over the policy's.
    @Test func theBudgetAlertFollowsTheSameScheme() throws {
        var policy = AlertPolicy.workbook(for: try AlertWorld.spec().configuration)
        policy.labels = ["team": "payments"]
        policy.exhaustion = BudgetExhaustionAlertSpec(remainingBelow: 0.5, severity: "warning", labels: ["team": "sre"],
                                                      annotations: ["hint": "slow down releases"])
        let w = try AlertWorld([AlertWorld.spec(alerting: policy)])
        w.run(seconds: 120, rate: 10, errorRatio: 0.5)
        let budget = try #require(w.evaluator.alerts.first { $0.key.tier == "budget" })
        #expect(Self.labels(budget)["sloth_severity"] == "budget" && Self.labels(budget)["severity"] == "warning")
        #expect(Self.labels(budget)["team"] == "sre" && budget.annotation("hint") == "slow down releases")
    }
}
