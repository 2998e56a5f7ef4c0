import Alerting
import Testing

/// `AlertState` with a manual clock: every transition, `for`, `keep_firing_for`, flapping.
@Suite struct AlertStateTests {
    static let s: Int64 = 1_000_000_000

    @Test func withoutForAHoldingConditionFiresAtOnceAndResolvesWhenItStops() {
        var a = AlertState()
        #expect(a.step(holds: false, now: 1 * Self.s, forNanos: 0, keepFiringForNanos: 0) == nil)
        #expect(a.step(holds: true, now: 2 * Self.s, forNanos: 0, keepFiringForNanos: 0) == .firing)
        #expect(a.phase == .firing && a.activeSince == 2 * Self.s && a.firingSince == 2 * Self.s)
        #expect(a.step(holds: true, now: 3 * Self.s, forNanos: 0, keepFiringForNanos: 0) == nil)
        #expect(a.step(holds: false, now: 4 * Self.s, forNanos: 0, keepFiringForNanos: 0) == .resolved)
        #expect(a.phase == .inactive && a.resolvedAt == 4 * Self.s && a.activeSince == 0)
        // A new episode has a new start.
        #expect(a.step(holds: true, now: 9 * Self.s, forNanos: 0, keepFiringForNanos: 0) == .firing)
        #expect(a.activeSince == 9 * Self.s)
    }

    @Test func forKeepsTheAlertPendingUntilTheConditionHeldLongEnough() {
        var a = AlertState()
        let f = 60 * Self.s
        #expect(a.step(holds: true, now: 0, forNanos: f, keepFiringForNanos: 0) == .pending)
        #expect(a.phase == .pending)
        #expect(a.step(holds: true, now: 59 * Self.s, forNanos: f, keepFiringForNanos: 0) == nil)
        #expect(a.step(holds: true, now: 60 * Self.s, forNanos: f, keepFiringForNanos: 0) == .firing)
        #expect(a.activeSince == 0 && a.firingSince == 60 * Self.s)
    }

    @Test func aPendingAlertWhoseConditionStopsIsCancelledAndStartsOver() {
        var a = AlertState()
        let f = 60 * Self.s
        #expect(a.step(holds: true, now: 0, forNanos: f, keepFiringForNanos: 0) == .pending)
        #expect(a.step(holds: false, now: 30 * Self.s, forNanos: f, keepFiringForNanos: 0) == .cancelled)
        #expect(a.phase == .inactive && a.resolvedAt == 0)
        #expect(a.step(holds: true, now: 40 * Self.s, forNanos: f, keepFiringForNanos: 0) == .pending)
        // `for` counts from the new start, not the first one.
        #expect(a.step(holds: true, now: 90 * Self.s, forNanos: f, keepFiringForNanos: 0) == nil)
        #expect(a.step(holds: true, now: 100 * Self.s, forNanos: f, keepFiringForNanos: 0) == .firing)
    }

    @Test func keepFiringForBridgesGapsShorterThanIt() {
        var a = AlertState()
        let k = 30 * Self.s
        #expect(a.step(holds: true, now: 0, forNanos: 0, keepFiringForNanos: k) == .firing)
        #expect(a.step(holds: false, now: 10 * Self.s, forNanos: 0, keepFiringForNanos: k) == nil)
        #expect(a.step(holds: false, now: 29 * Self.s, forNanos: 0, keepFiringForNanos: k) == nil)
        #expect(a.step(holds: true, now: 35 * Self.s, forNanos: 0, keepFiringForNanos: k) == nil)     // held again: timer restarts
        #expect(a.step(holds: false, now: 64 * Self.s, forNanos: 0, keepFiringForNanos: k) == nil)
        #expect(a.step(holds: false, now: 65 * Self.s, forNanos: 0, keepFiringForNanos: k) == .resolved)
    }

    /// A condition that flips every evaluation: without `keep_firing_for` every flip is a
    /// notification; with it, one firing and one resolution.
    @Test func flappingInput() {
        var plain = AlertState(), kept = AlertState()
        var plainChanges = 0, keptChanges: [AlertTransition] = []
        for i in 0..<20 {
            let holds = i % 2 == 0 && i < 16
            if plain.step(holds: holds, now: Int64(i) * Self.s, forNanos: 0, keepFiringForNanos: 0) != nil { plainChanges += 1 }
            if let t = kept.step(holds: holds, now: Int64(i) * Self.s, forNanos: 0, keepFiringForNanos: 5 * Self.s) { keptChanges.append(t) }
        }
        #expect(plainChanges == 16)
        #expect(keptChanges == [.firing, .resolved])
        #expect(kept.resolvedAt == 19 * Self.s)     // last held at 14 s; 14 + 5 = 19
    }
}
