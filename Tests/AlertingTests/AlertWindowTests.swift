import Alerting
import SLO
import SLOEngine
import Testing

/// Alert windows besides the standard ones (Sloth's custom 30-day windows: 2m, 15m, 3h, 12h,
/// 36h): the SLO's state keeps them exactly, alerts read them, the outputs show them, and a
/// reload or restart that changes them keeps the SLO's state without misreading it.
@Suite struct AlertWindowTests {
    static func custom() throws -> SLOSpec { try AlertWorld.spec(alerting: AlertPolicyTests.slothCustom30d()) }

    /// 600 s quiet at 10 req/s, then 60 s at 50 % errors: ends at t0 + 660 s, on a bucket edge.
    static func burst(_ w: AlertWorld) {
        w.run(seconds: 600, rate: 10, errorRatio: 0)
        w.run(seconds: 60, rate: 10, errorRatio: 0.5)
    }

    /// The window of `seconds` (0: the period) of the snapshot's only instance.
    static func window(_ snapshot: SLOSnapshot, _ layout: SLOLayout, seconds: Int64) throws -> WindowStatus {
        let index = try #require(seconds == 0 ? layout.periodWindowIndex : layout.windowIndex(seconds: seconds))
        return snapshot.windows(at: 0)[index]
    }

    static func close(_ x: Double?, _ expected: Double) -> Bool {
        guard let x else { return false }
        return abs(x - expected) <= 1e-12 * abs(expected)
    }

    /// The 2m window covers the head bucket and the 11 ten-second buckets before it: 50 quiet
    /// seconds (500 requests) and the 60 s burst (600 requests, 300 bad), so its burn rate is
    /// exactly (300 / 1100) / 0.001; the 5m window sees 230 quiet seconds, the 15m and longer
    /// windows everything (6600 requests).
    @Test func customWindowsAreExact() throws {
        let spec = try Self.custom()
        let w = try AlertWorld([spec])
        Self.burst(w)
        let layout = w.engine.layouts[0]
        #expect(Self.close(try Self.window(w.last, layout, seconds: 120).burnRate, 300.0 / 1_100 / 0.001))
        #expect(Self.close(try Self.window(w.last, layout, seconds: 300).burnRate, 300.0 / 2_900 / 0.001))
        for seconds: Int64 in [900, 10_800, 43_200, 129_600] {
            let status = try Self.window(w.last, layout, seconds: seconds)
            #expect(Self.close(status.burnRate, 300.0 / 6_600 / 0.001) && status.total == 6_600, "\(seconds) s: \(status)")
        }
        // /metrics (Sloth's series) and /api/v1/slos show the custom windows.
        let text = AlertLabelTests.text(w.last.families())
        let ids = #"sloth_id="checkout-availability",sloth_service="checkout",sloth_slo="availability""#
        for name in ["2m", "15m", "3h", "12h", "1d12h"] {
            #expect(text.contains("slo:sli_error:ratio_rate\(name){\(ids),sloth_window=\"\(name)\"} "), "\(name) missing:\n\(text)")
        }
        let json = String(decoding: w.last.json(), as: UTF8.self)
        #expect(json.contains(#""2m":{"good":800,"total":1100,"#) && json.contains(#""1d12h":{"#), "\(json)")
    }

    /// A full outage after six quiet hours pages through the 30m/2m condition (28.8×): the 30m
    /// window passes 0.0288 after about 52 s (0.0288 × 1800 s), before the 3h/15m one (12×,
    /// about 130 s).
    @Test func aCustomConditionPages() throws {
        let w = try AlertWorld([Self.custom()])
        w.run(seconds: 6 * 3_600, rate: 10, errorRatio: 0, step: 10)
        let start = w.now
        w.run(seconds: 90, rate: 10, errorRatio: 1)
        let paged = try #require(w.first(.firing, tier: "page", since: start))
        #expect(paged >= 45 && paged <= 62, "paged after \(paged) s")
        let page = try #require(w.evaluator.alerts.first { $0.key.tier == "page" })
        #expect(page.annotation("description")?.contains("over 30m and") == true && page.annotation("description")?.contains("over 2m") == true,
                "\(page.annotations)")
    }

    /// Changing an SLO's alert windows is not a change of its definition: a reload re-lays the
    /// kept state into the new layout and a restart decodes the checkpoint into it. Every
    /// window reads what it read before, the new ones read exactly their buckets, and going
    /// back drops them without disturbing the others.
    @Test func reloadAndRestartWithOtherWindowsKeepTheStateExactly() throws {
        let plain = try AlertWorld.spec(), custom = try Self.custom()
        #expect(plain.sameDefinition(as: custom) && plain.definitionFingerprint == custom.definitionFingerprint)
        let w = try AlertWorld([plain])
        Self.burst(w)
        let before = w.last, plainLayout = w.engine.layouts[0]

        func expectSameAsBefore(_ snapshot: SLOSnapshot, _ layout: SLOLayout, _ what: String) throws {
            for descriptor in plainLayout.windows {
                let seconds = descriptor.isPeriod ? 0 : descriptor.seconds
                #expect(try Self.window(snapshot, layout, seconds: seconds) == Self.window(before, plainLayout, seconds: seconds),
                        "\(what): window \(descriptor.label)")
            }
            #expect(snapshot.instances[0].budget == before.instances[0].budget, "\(what): budget")
            #expect(snapshot.instances[0].totalEvents == 6_600, "\(what)")
        }

        // Reload to the custom windows.
        let reloaded = try SLOEngine(specs: [custom], registry: SLOInstanceRegistry(specs: [custom]))
        reloaded.adoptStates(from: w.engine, keep: [0: 0])
        let afterReload = reloaded.evaluate(deltas: [], now: w.now)
        try expectSameAsBefore(afterReload, reloaded.layouts[0], "reload")
        #expect(Self.close(try Self.window(afterReload, reloaded.layouts[0], seconds: 120).burnRate, 300.0 / 1_100 / 0.001))
        #expect(try Self.window(afterReload, reloaded.layouts[0], seconds: 129_600).total == 6_600)

        // And back to the standard windows.
        let back = try SLOEngine(specs: [plain], registry: SLOInstanceRegistry(specs: [plain]))
        back.adoptStates(from: reloaded, keep: [0: 0])
        try expectSameAsBefore(back.evaluate(deltas: [], now: w.now), back.layouts[0], "reload back")

        // Restart: the standard layout's checkpoint restored into the custom one.
        var bytes: [UInt8] = []
        w.engine.encodeCheckpoint(into: &bytes)
        let restarted = try SLOEngine(specs: [custom], registry: SLOInstanceRegistry(specs: [custom]))
        #expect(try restarted.restoreCheckpoint(bytes).restored == 1)
        let afterRestart = restarted.evaluate(deltas: [], now: w.now)
        try expectSameAsBefore(afterRestart, restarted.layouts[0], "restart")
        #expect(Self.close(try Self.window(afterRestart, restarted.layouts[0], seconds: 120).burnRate, 300.0 / 1_100 / 0.001))
    }
}
