import Alerting
import SLO
import SLOEngine
import Testing

/// `AlertEvaluator.encodeCheckpoint` / `decodeCheckpoint` with `restore`, across a simulated
/// restart of the whole evaluation (engine checkpoint too): a firing alert does not page again,
/// a pending alert keeps its `for` progress, and each resolves once when the condition stops;
/// everything happens exactly when it would have without the restart.
@Suite struct AlertCheckpointTests {
    /// Two tiers on the same condition (1h/5m at 14.4×): `page` fires at once, `ticket` after
    /// `for: 5m`.
    static func spec() throws -> SLOSpec {
        let condition = BurnRateCondition(longSeconds: 3_600, shortSeconds: 300, factor: 14.4)
        let policy = AlertPolicy(tiers: [AlertTierSpec(name: "page", conditions: [condition]),
                                         AlertTierSpec(name: "ticket", conditions: [condition], forSeconds: 300)])
        return try AlertWorld.spec(groupBy: ["route"], alerting: policy)
    }

    /// The notices after `since`, as (seconds since t0, key, transition).
    static func log(_ w: AlertWorld, since: Int64) -> [String] {
        w.notices.filter { $0.at > since }.map {
            "\(($0.at - AlertWorld.t0) / AlertWorld.second)s \($0.notice.alert.key) \($0.notice.transition.rawValue)"
        }
    }

    /// 2 minutes of 50 % errors on /pay, then the restart, 6 more minutes of errors, then 20
    /// minutes without: the notices after the restart are exactly those of a run without it.
    @Test(arguments: [false, true])
    func firingAndPendingAlertsSurviveARestart(wholeCheckpoint: Bool) throws {
        let spec = try Self.spec()
        let control = try AlertWorld([spec])
        let w = try AlertWorld([spec])
        let pay = w.engine.registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["/pay"]))!
        #expect(control.engine.registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["/pay"])) == pay)
        for world in [control, w] { world.run(seconds: 120, rate: 10, errorRatio: 0.5, instance: pay) }
        let alerts = w.evaluator.alerts
        #expect(alerts.map(\.key.tier) == ["page", "ticket"])
        #expect(alerts.map(\.phase) == [.firing, .pending])
        let activeSince = alerts[1].activeSince
        #expect(activeSince < w.now - 100 * AlertWorld.second)
        #expect(Self.log(w, since: 0).count == 1)  // the page

        // The checkpoint: alert states and engine state, through bytes.
        var alertBytes: [UInt8] = []
        w.evaluator.encodeCheckpoint(into: &alertBytes)
        var engineBytes: [UInt8] = []
        w.engine.encodeCheckpoint(into: &engineBytes)
        let decoded = try AlertEvaluator.decodeCheckpoint(alertBytes)
        #expect(decoded == w.evaluator.persistentStates)
        #expect(decoded.count == 2)

        // The restart: a new engine and evaluator (new registry), restored before their first tick.
        let restarted = try AlertWorld([try Self.spec()])
        let r = try restarted.engine.restoreCheckpoint(engineBytes)
        #expect(r.restored == 1 && r.dropped == 0)
        if wholeCheckpoint {
            #expect(try restarted.evaluator.restoreCheckpoint(alertBytes) == 2)
        } else {
            restarted.evaluator.restore(decoded)
        }
        restarted.now = w.now
        let cut = w.now
        let newPay = restarted.engine.registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["/pay"]))!

        for (world, id) in [(control, pay), (restarted, newPay)] {
            world.run(seconds: 360, rate: 10, errorRatio: 0.5, instance: id)
            world.run(seconds: 1_200, rate: 10, errorRatio: 0, instance: id, step: 10)
        }
        let expected = Self.log(control, since: cut)
        let got = Self.log(restarted, since: cut)
        #expect(got == expected)
        // No re-page; the ticket fires 5 minutes after the episode began (before the restart),
        // then each alert resolves once.
        #expect(got.filter { $0.hasSuffix("firing") }.count == 1 && got.first?.contains("/ticket firing") == true, "\(got)")
        let ticketFired = try #require(restarted.notices.first { $0.notice.transition == .firing })
        #expect(ticketFired.at - activeSince >= 300 * AlertWorld.second && ticketFired.at - activeSince <= 301 * AlertWorld.second)
        #expect(ticketFired.notice.alert.activeSince == activeSince)
        #expect(got.filter { $0.hasSuffix("resolved") }.count == 2, "\(got)")
        #expect(restarted.evaluator.alerts.isEmpty)
    }

    /// A restart while firing, and the alert's instance does not come back (here: the engine's
    /// state was not restored, so the grouped instance is unknown): `restoreCheckpoint` resolves
    /// the firing alert once at the first evaluation (not forgotten, not re-paged); the pending
    /// one is cancelled silently, as nobody was told about it.
    @Test func aFiringAlertWhoseInstanceIsGoneResolvesOnceAfterTheRestart() throws {
        let spec = try Self.spec()
        let w = try AlertWorld([spec])
        let pay = w.engine.registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["/pay"]))!
        w.run(seconds: 120, rate: 10, errorRatio: 0.5, instance: pay)
        var bytes: [UInt8] = []
        w.evaluator.encodeCheckpoint(into: &bytes)
        let restarted = try AlertWorld([spec])
        #expect(try restarted.evaluator.restoreCheckpoint(bytes) == 2)
        restarted.now = w.now
        restarted.run(seconds: 30, rate: 10, errorRatio: 0, instance: pay)
        let got = Self.log(restarted, since: 0)
        #expect(got == ["\((w.now - AlertWorld.t0) / AlertWorld.second + 1)s checkout-availability{/pay}/page resolved"], "\(got)")
        let resolved = try #require(restarted.notices.first?.notice.alert)
        // The notice carries the alert as it was sent: labels, annotations, times.
        let sent = try #require(w.notices.first?.notice.alert)
        #expect(resolved.labels == sent.labels && resolved.generatorURL == sent.generatorURL)
        #expect(resolved.activeSince == sent.activeSince && resolved.firingSince == sent.firingSince)
        #expect(resolved.resolvedAt == w.now + AlertWorld.second && resolved.phase == .inactive)
        #expect(restarted.evaluator.alerts.isEmpty)
    }

    /// A whole evaluator's checkpoint keeps each alert's content (labels, annotations, value).
    @Test func theEvaluatorsCheckpointKeepsTheAlertContent() throws {
        let w = try AlertWorld([try Self.spec()])
        let pay = w.engine.registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["/pay"]))!
        w.run(seconds: 60, rate: 10, errorRatio: 0.5, instance: pay)
        var bytes: [UInt8] = []
        w.evaluator.encodeCheckpoint(into: &bytes)
        var again: [UInt8] = []
        w.evaluator.encodeCheckpoint(into: &again)
        #expect(bytes == again)
        #expect(try AlertEvaluator.decodeCheckpoint(bytes) == w.evaluator.persistentStates)
        for n in 0..<bytes.count {
            #expect(throws: AlertCheckpointError.self) { try AlertEvaluator.decodeCheckpoint(Array(bytes[..<n])) }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("SLOBurnRate") && text.contains("burn rate") && text.contains("http://127.0.0.1:4318/api/v1/slos/checkout/availability"))
    }

    @Test func theFormatRoundTripsEveryField() throws {
        let states: [AlertKey: AlertState] = [
            AlertKey(slo: "checkout-availability", groupValues: [], tier: "page"):
                AlertState(phase: .firing, activeSince: 10, firingSince: 20, lastHeld: 30, resolvedAt: 5),
            AlertKey(slo: "checkout-routes", groupValues: ["/pay", "é"], tier: "ticket"):
                AlertState(phase: .pending, activeSince: -1, firingSince: 0, lastHeld: .max, resolvedAt: .min),
            AlertKey(slo: "x", groupValues: [""], tier: ""): AlertState(),
        ]
        var a: [UInt8] = [], b: [UInt8] = []
        AlertEvaluator.encodeCheckpoint(states, into: &a)
        AlertEvaluator.encodeCheckpoint(states, into: &b)
        #expect(a == b)
        #expect(Array(a.prefix(5)) == Array("SLOA".utf8) + [1])
        #expect(try AlertEvaluator.decodeCheckpoint(a) == states)
        var empty: [UInt8] = []
        AlertEvaluator.encodeCheckpoint([:], into: &empty)
        #expect(try AlertEvaluator.decodeCheckpoint(empty).isEmpty)
    }

    @Test func malformedCheckpointsThrowAndNeverTrap() throws {
        let states: [AlertKey: AlertState] = [
            AlertKey(slo: "checkout-availability", groupValues: ["/pay"], tier: "page"):
                AlertState(phase: .firing, activeSince: 1_767_225_600_000_000_000, firingSince: 1_767_225_601_000_000_000,
                           lastHeld: 1_767_225_700_000_000_000, resolvedAt: 0),
            AlertKey(slo: "checkout-availability", groupValues: ["/pay"], tier: "ticket"):
                AlertState(phase: .pending, activeSince: 1_767_225_600_000_000_000, firingSince: 0,
                           lastHeld: 1_767_225_700_000_000_000, resolvedAt: 0),
        ]
        var bytes: [UInt8] = []
        AlertEvaluator.encodeCheckpoint(states, into: &bytes)
        for n in 0..<bytes.count {
            #expect(throws: AlertCheckpointError.self) { try AlertEvaluator.decodeCheckpoint(Array(bytes[..<n])) }
        }
        #expect(throws: AlertCheckpointError(offset: bytes.count, "1 unexpected trailing bytes")) {
            try AlertEvaluator.decodeCheckpoint(bytes + [7])
        }
        var phase = bytes
        // The first alert's phase byte: after magic, version, count, "checkout-availability"
        // (1 + 21), one value "/pay" (1 + 1 + 4), "page" (1 + 4).
        let at = 5 + 1 + 22 + 6 + 5
        #expect(phase[at] == 2)
        phase[at] = 3
        #expect(throws: AlertCheckpointError(offset: at, "unknown alert phase 3")) { try AlertEvaluator.decodeCheckpoint(phase) }
        // The same key twice.
        var single: [UInt8] = []
        AlertEvaluator.encodeCheckpoint([states.first!.key: states.first!.value], into: &single)
        let twice = Array("SLOA".utf8) + [1, 2] + Array(single[6...]) + Array(single[6...])
        #expect(throws: AlertCheckpointError(offset: single.count, "alert \(states.first!.key) stored twice")) {
            try AlertEvaluator.decodeCheckpoint(twice)
        }
        // A count no input could hold.
        #expect(throws: AlertCheckpointError(offset: 5, "alert count 34359738367 exceeds what the 0 remaining bytes can hold")) {
            try AlertEvaluator.decodeCheckpoint(Array("SLOA".utf8) + [1, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        }
        var state: UInt64 = 7
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for _ in 0..<3_000 {
            var mutated = bytes
            for _ in 0..<(1 + next() % 3) { mutated[Int(next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: next()) }
            _ = try? AlertEvaluator.decodeCheckpoint(mutated)
            let garbage = (0..<Int(next() % 64)).map { _ in UInt8(truncatingIfNeeded: next()) }
            #expect(throws: AlertCheckpointError.self) { try AlertEvaluator.decodeCheckpoint(Array("SLOA".utf8) + [1] + garbage + [0xFF]) }
        }
    }
}
