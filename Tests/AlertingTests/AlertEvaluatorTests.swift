import Alerting
import SLO
import SLOEngine
import Selectors
import Testing

/// A manual-clock world: one SLO engine fed second by second, an alert evaluator reading each
/// snapshot, and every notice it gave.
final class AlertWorld {
    static let second: Int64 = 1_000_000_000
    /// 2026-01-01T00:00:00Z.
    static let t0: Int64 = 1_767_225_600 * second

    let engine: SLOEngine
    var evaluator: AlertEvaluator
    var now: Int64 = AlertWorld.t0
    var notices: [(at: Int64, notice: AlertNotice)] = []
    var last = SLOSnapshot.empty

    static func spec(objective: String = "99.9", groupBy: [String] = [], labels: [String: String] = [:],
                     alerting: AlertPolicy? = nil) throws -> SLOSpec {
        try SLOSpec(service: "checkout", name: "availability", objective: Objective(percent: objective), period: .rolling(seconds: 30 * 86_400),
                    sli: .events(total: try SeriesSelector.parse("req_total"), good: nil, bad: try SeriesSelector.parse(#"req_total{code="500"}"#)),
                    groupBy: groupBy, labels: labels, alerting: alerting, source: SLOSpec.Source(file: "slod.yaml", line: 4, column: 5))
    }

    init(_ specs: [SLOSpec]) throws {
        engine = try SLOEngine(specs: specs, registry: SLOInstanceRegistry(specs: specs))
        evaluator = AlertEvaluator(specs: specs, externalURL: "http://127.0.0.1:4318")
    }

    /// `seconds` seconds of traffic at `rate` requests per second, `errorRatio` of them bad, on
    /// instance `instance`, evaluating every `step` seconds.
    func run(seconds: Int64, rate: Double, errorRatio: Double, instance: Int32 = 0, step: Int64 = 1) {
        var t: Int64 = 0
        while t < seconds {
            let total = rate * Double(step), bad = total * errorRatio
            let at = now
            let bucket = at - at % (10 * Self.second)
            let delta = SLODelta(instance: instance, time: bucket, good: SLOState.units(total - bad)!, total: SLOState.units(total)!)
            now += step * Self.second
            last = engine.evaluate(deltas: [[delta]], now: now)
            for n in evaluator.evaluate(last) { notices.append((now, n)) }
            t += step
        }
    }

    /// Seconds since `start` of the first notice with `transition` for `tier`, if any.
    func first(_ transition: AlertTransition, tier: String, since start: Int64) -> Double? {
        notices.first { $0.at >= start && $0.notice.transition == transition && $0.notice.alert.key.tier == tier }
            .map { Double($0.at - start) / Double(Self.second) }
    }
}

/// The SRE workbook's scenarios, on slod's own engine and evaluator.
@Suite struct AlertEvaluatorTests {
    /// 99.9 %, quiet traffic at 10 req/s for six hours, then every request fails: the 1h
    /// window's error ratio passes 14.4 × 0.001 after about 52 s (0.0144 × 3600 s), within a
    /// 10 s bucket; the 6h/30m condition would need 130 s.
    @Test func aFullOutagePagesAfterAboutFiftyTwoSeconds() throws {
        let w = try AlertWorld([AlertWorld.spec()])
        w.run(seconds: 6 * 3_600, rate: 10, errorRatio: 0, step: 10)
        #expect(w.notices.isEmpty)
        let start = w.now
        w.run(seconds: 120, rate: 10, errorRatio: 1)
        let paged = try #require(w.first(.firing, tier: "page", since: start))
        #expect(paged >= 45 && paged <= 62, "paged after \(paged) s")
        let alert = try #require(w.notices.first { $0.notice.transition == .firing && $0.notice.alert.key.tier == "page" }?.notice.alert)
        #expect(alert.labels == [AlertLabel("alertname", "SLOBurnRate"), AlertLabel("sloth_id", "checkout-availability"),
                                 AlertLabel("sloth_service", "checkout"), AlertLabel("sloth_severity", "page"),
                                 AlertLabel("sloth_slo", "availability")], "\(alert.labels)")
        #expect(alert.annotation("description")?.contains("over 1h and") == true, "\(alert.annotations)")
        #expect(alert.generatorURL == "http://127.0.0.1:4318/api/v1/slos/checkout/availability")
        #expect(w.evaluator.alerts.map(\.key.tier).contains("page"))
    }

    /// With only an hour of history the 6h window holds just that hour, so the 6h/30m
    /// condition (6×) is met first: after about 22 s (0.006 × 3600 s).
    @Test func withAShortHistoryTheSixHourConditionPagesFirst() throws {
        let w = try AlertWorld([AlertWorld.spec()])
        w.run(seconds: 3_600, rate: 10, errorRatio: 0, step: 10)
        let start = w.now
        w.run(seconds: 60, rate: 10, errorRatio: 1)
        let paged = try #require(w.first(.firing, tier: "page", since: start))
        #expect(paged >= 18 && paged <= 32, "paged after \(paged) s")
        let alert = try #require(w.notices.first { $0.notice.alert.key.tier == "page" }?.notice.alert)
        #expect(alert.annotation("description")?.contains("over 6h and") == true, "\(alert.annotations)")
    }

    /// A steady 2 % error rate burns 20×: the page fires through the 1h/5m condition, with both
    /// burn rates in the description; no second firing while it goes on.
    @Test func twoPercentErrorsPageThroughTheOneHourFiveMinuteTier() throws {
        let w = try AlertWorld([AlertWorld.spec()])
        w.run(seconds: 600, rate: 10, errorRatio: 0.02)
        let pages = w.notices.filter { $0.notice.transition == .firing && $0.notice.alert.key.tier == "page" }
        #expect(pages.count == 1)
        let d = try #require(pages.first?.notice.alert.annotation("description"))
        #expect(d.contains("burn rate 20× over 1h and 20× over 5m (threshold 14.4×)"), "\(d)")
        #expect(abs(pages.first!.notice.alert.value - 20) < 0.01)
        // The ticket (3× over 1d and 2h) fires too: 20× is above every tier.
        #expect(w.first(.firing, tier: "ticket", since: AlertWorld.t0) != nil)
    }

    /// 0.15 % errors burn 1.5×: above the ticket's 1× over 3d and 6h, below every page factor.
    @Test func aSlowBurnOpensOnlyATicket() throws {
        let w = try AlertWorld([AlertWorld.spec()])
        w.run(seconds: 8 * 3_600, rate: 10, errorRatio: 0.0015, step: 60)
        #expect(w.first(.firing, tier: "ticket", since: AlertWorld.t0) != nil)
        #expect(w.first(.firing, tier: "page", since: AlertWorld.t0) == nil)
        #expect(w.evaluator.alerts.map(\.key.tier) == ["ticket"])
    }

    /// 2 % errors for 10 minutes, then none: the 1h/5m condition stops when the 5m window is
    /// clean, but the 6h/30m one (6×) holds until the 30m window's ratio falls below 0.006,
    /// about 31 minutes after the start; then the page resolves, once.
    @Test func recoveryResolves() throws {
        let w = try AlertWorld([AlertWorld.spec()])
        w.run(seconds: 600, rate: 10, errorRatio: 0.02)
        w.run(seconds: 2_400, rate: 10, errorRatio: 0)
        let resolved = w.notices.filter { $0.notice.transition == .resolved && $0.notice.alert.key.tier == "page" }
        #expect(resolved.count == 1)
        let at = Double(resolved[0].at - AlertWorld.t0) / 1e9
        #expect(at > 29 * 60 && at < 34 * 60, "resolved at \(at) s")
        #expect(resolved[0].notice.alert.phase == .inactive && resolved[0].notice.alert.resolvedAt == resolved[0].at)
        #expect(!w.evaluator.alerts.contains { $0.key.tier == "page" })
    }

    /// Low traffic: 1 failed request of 3 is a 33 % error ratio, but below `min_events` (10 per
    /// window) no tier fires; with the guard at 0 it pages.
    @Test func lowTrafficGuard() throws {
        let guarded = try AlertWorld([AlertWorld.spec()])
        guarded.run(seconds: 300, rate: 0.01, errorRatio: 0.33, step: 100)
        #expect(guarded.notices.isEmpty)
        var policy = AlertPolicy.workbook(for: try AlertWorld.spec().configuration)
        policy.minEvents = 0
        let open = try AlertWorld([AlertWorld.spec(alerting: policy)])
        open.run(seconds: 300, rate: 0.01, errorRatio: 0.33, step: 100)
        #expect(open.first(.firing, tier: "page", since: AlertWorld.t0) != nil)
    }

    @Test func aDisabledTierNeverFiresAndForDelaysFiring() throws {
        var policy = AlertPolicy.workbook(for: try AlertWorld.spec().configuration)
        policy.tiers[1].enabled = false
        policy.tiers[0].forSeconds = 120
        policy.tiers[0].severity = "critical"
        let w = try AlertWorld([AlertWorld.spec(alerting: policy)])
        w.run(seconds: 600, rate: 10, errorRatio: 0.5)
        #expect(w.first(.firing, tier: "ticket", since: AlertWorld.t0) == nil)
        let fired = try #require(w.first(.firing, tier: "page", since: AlertWorld.t0))
        #expect(fired >= 120 && fired <= 125, "\(fired)")
        #expect(w.notices.first?.notice.alert.label("severity") == "critical")
    }

    /// Group labels and SLO labels are on the alert, one alert per instance; the budget tier
    /// fires when the remaining budget falls below its threshold.
    @Test func labelsPerInstanceAndTheBudgetAlert() throws {
        var policy = AlertPolicy.workbook(for: try AlertWorld.spec().configuration)
        policy.exhaustion = BudgetExhaustionAlertSpec(remainingBelow: 0.5)
        policy.runbookURL = "https://runbooks.example/checkout"
        let spec = try AlertWorld.spec(groupBy: ["route"], labels: ["team": "payments"], alerting: policy)
        let w = try AlertWorld([spec])
        let pay = w.engine.registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["/pay"]))!
        w.run(seconds: 120, rate: 10, errorRatio: 0.5, instance: pay)
        let alerts = w.evaluator.alerts
        #expect(alerts.map(\.key.tier) == ["budget", "page", "ticket"])
        let page = alerts[1]
        #expect(page.labels.map(\.name) == ["alertname", "route", "sloth_id", "sloth_service", "sloth_severity", "sloth_slo", "team"])
        #expect(page.label("route") == "/pay" && page.label("team") == "payments")
        #expect(page.annotation("runbook_url") == "https://runbooks.example/checkout")
        #expect(alerts[0].label("sloth_severity") == "budget" && alerts[0].label("severity") == nil && alerts[0].value < 0.5)
    }

    /// Reload: a new evaluator takes over a firing alert without a new firing notice; an alert
    /// whose tier is gone resolves at the first evaluation.
    @Test func reloadKeepsFiringAlertsAndResolvesRemovedOnes() throws {
        let w = try AlertWorld([AlertWorld.spec()])
        w.run(seconds: 120, rate: 10, errorRatio: 0.5)
        #expect(w.evaluator.alerts.map(\.key.tier) == ["page", "ticket"])
        var policy = AlertPolicy.workbook(for: try AlertWorld.spec().configuration)
        policy.tiers[1].enabled = false
        let next = AlertEvaluator(specs: [try AlertWorld.spec(alerting: policy)], externalURL: "http://127.0.0.1:4318")
        next.adopt(from: w.evaluator)
        w.evaluator = next
        let before = w.notices.count
        w.run(seconds: 5, rate: 10, errorRatio: 0.5)
        let after = w.notices[before...].map { ($0.notice.alert.key.tier, $0.notice.transition) }
        #expect(after.count == 1 && after.first! == ("ticket", .resolved), "\(after)")
        #expect(w.evaluator.alerts.map(\.key.tier) == ["page"])
        #expect(w.evaluator.alerts[0].firingSince < w.now - 100 * AlertWorld.second)
    }

    /// Persisted states (restart) come back: no re-page for an alert that was firing.
    @Test func restoredStatesDoNotRepage() throws {
        let w = try AlertWorld([AlertWorld.spec()])
        w.run(seconds: 120, rate: 10, errorRatio: 0.5)
        let saved = w.evaluator.persistentStates
        #expect(saved.count == 2)
        let next = AlertEvaluator(specs: [try AlertWorld.spec()], externalURL: "http://127.0.0.1:4318")
        next.restore(saved)
        w.evaluator = next
        let before = w.notices.count
        w.run(seconds: 5, rate: 10, errorRatio: 0.5)
        #expect(w.notices.count == before)
        #expect(w.evaluator.alerts.count == 2)
    }
}
