import Primitives
import Testing
@testable import SLO

/// The brute-force model: keeps every accepted event and sums, for each window, the events whose
/// bucket index lies in the window's range — the definitions written in `BucketTiers`, computed
/// independently of the tiers.
struct BruteForceModel {
    let layout: SLOLayout
    var now: Int64
    var events: [(t: Int64, good: Int64, total: Int64)] = []
    var tooOld: UInt64 = 0
    var tooNew: UInt64 = 0
    var accepted = 0

    /// `(first index, last index, resolution ns)` of every window at `now`.
    func ranges() -> [(lo: Int64, hi: Int64, r: Int64)] {
        layout.windows.map { w in
            let r = w.resolutionSeconds * T.second
            let hi = TimeMath.floorDiv(now, r)
            if w.isPeriod, case .calendar = layout.configuration.period {
                return (TimeMath.floorDiv(layout.configuration.period.bounds(containing: now).startNanos, r), hi, r)
            }
            return (hi - w.seconds / w.resolutionSeconds + 1, hi, r)
        }
    }

    mutating func add(good: Int64, total: Int64, at t: Int64) -> IngestOutcome {
        let acceptFrom = ranges().map { $0.lo * $0.r }.min()!
        if t < acceptFrom { tooOld += 1; return .tooOld }
        if t > now + layout.configuration.futureToleranceSeconds * T.second { tooNew += 1; return .tooFarInFuture }
        events.append((t, good, total))
        accepted += 1
        return .accepted
    }

    mutating func advance(to t: Int64) { now = max(now, t) }

    /// Window sums; drops events no window can count any more.
    mutating func sums() -> [WindowSums] {
        let rs = ranges()
        let oldest = rs.map { $0.lo * $0.r }.min()!
        events.removeAll { $0.t < oldest }
        return rs.map { range in
            var s = WindowSums.zero
            for e in events {
                let index = TimeMath.floorDiv(e.t, range.r)
                if index >= range.lo && index <= range.hi { s += WindowSums(good: e.good, total: e.total) }
            }
            return s
        }
    }
}

@Suite struct SLOStatePropertyTests {
    static let start = T.utc(2024, 1, 29, 17, 43, 21)

    static func periods() throws -> [(String, Period, [Int64], Int64)] {
        var list: [(String, Period, [Int64], Int64)] = [
            ("rolling 7d", .rolling(seconds: 7 * 86_400), SLOConfiguration.standardWindowSeconds, 300),
            ("rolling 30d", .rolling(seconds: 30 * 86_400), SLOConfiguration.standardWindowSeconds, 300),
            ("month UTC", .calendar(.month, .utc), SLOConfiguration.standardWindowSeconds, 300),
            ("rolling 14d, odd windows, no tolerance", .rolling(seconds: 14 * 86_400), [60, 600, 3_600, 14_400, 172_800, 864_000], 0),
        ]
        if T.zoneinfoAvailable {
            list.append(("month Berlin", .calendar(.month, try T.zone("Europe/Berlin")), SLOConfiguration.standardWindowSeconds, 300))
            list.append(("week Kathmandu", .calendar(.week, try T.zone("Asia/Kathmandu")), SLOConfiguration.standardWindowSeconds, 120))
        } else {
            print("SLOStatePropertyTests: /usr/share/zoneinfo missing, zone periods skipped")
        }
        return list
    }

    @Test func windowsMatchTheBruteForceModelExactly() throws {
        for (seed, (name, period, windows, tolerance)) in try Self.periods().enumerated() {
            let layout = try SLOLayout(SLOConfiguration(objective: Objective(percent: "99.5"), period: period,
                                                        windowSeconds: windows, futureToleranceSeconds: tolerance))
            var rng = SplitMix(seed: UInt64(seed) &+ 1_000)
            var state = SLOState(layout: layout, now: Self.start)
            var model = BruteForceModel(layout: layout, now: Self.start)
            var advances = 0
            var mismatch: String? = nil
            for op in 0..<3_000 where mismatch == nil {
                let roll = Int.random(in: 0..<100, using: &rng)
                if roll < 70 {
                    let now = state.now
                    var at: Int64
                    switch Int.random(in: 0..<100, using: &rng) {
                    case 0..<70: at = now + Int64.random(in: -20 * T.second...10 * T.second, using: &rng)
                    case 70..<88: at = now - Int64.random(in: 0...(4 * T.day), using: &rng)
                    case 88..<92: at = now - Int64.random(in: 0...(40 * T.day), using: &rng)
                    case 92..<95:
                        // Right at a window's first instant (or one nanosecond before).
                        let range = model.ranges().randomElement(using: &rng)!
                        at = range.lo * range.r - Int64.random(in: 0...1, using: &rng)
                    default: at = now + Int64.random(in: 0...(10 * T.minute), using: &rng)
                    }
                    if Int.random(in: 0..<4, using: &rng) == 0 { at -= TimeMath.floorMod(at, 10 * T.second) }
                    // Multiples of 1/8 event, good possibly negative (bad-series increments).
                    let total = Int64.random(in: 0...8_000, using: &rng)
                    let good = Int.random(in: 0..<10, using: &rng) == 0 ? -Int64.random(in: 0...800, using: &rng)
                                                                        : Int64.random(in: 0...total, using: &rng)
                    let got = state.add(good: Double(good) / 8, total: Double(total) / 8, at: at)
                    let want = model.add(good: good * 512, total: total * 512, at: at)
                    if got != want { mismatch = "op \(op): add at \(at - now) ns from now: \(got) vs model \(want)" }
                    if op % 41 == 0 {
                        // Reads between advances see increments still pending in the cache.
                        let sums = (0..<layout.windowCount).map { state.windowSums($0) }
                        if sums != model.sums() { mismatch = "op \(op) (no advance): \(sums) vs model \(model.sums())" }
                    }
                } else if roll < 97 {
                    let step: Int64
                    switch Int.random(in: 0..<100, using: &rng) {
                    case 0..<15:
                        // Land exactly on a bucket edge of some tier.
                        let edge = [10 * T.second, T.minute, 5 * T.minute, 30 * T.minute].randomElement(using: &rng)!
                        step = edge - TimeMath.floorMod(state.now, edge)
                    case 15..<60: step = Int64.random(in: 0...(30 * T.second), using: &rng)
                    case 60..<90: step = Int64.random(in: 0...(30 * T.minute), using: &rng)
                    case 90..<99: step = Int64.random(in: 0...(12 * T.hour), using: &rng)
                    default: step = Int64.random(in: 0...(4 * T.day), using: &rng)
                    }
                    state.advance(to: state.now + step)
                    model.advance(to: model.now + step)
                    advances += 1
                    if advances % 5 == 0 {
                        let want = model.sums()
                        let got = (0..<layout.windowCount).map { state.windowSums($0) }
                        if got != want { mismatch = "op \(op) at \(model.now): \(got) vs model \(want)" }
                    }
                } else {
                    // Checkpoint and restore mid-stream: nothing may change.
                    var bytes: [UInt8] = []
                    state.encode(into: &bytes)
                    state = try SLOState(decoding: bytes, layout: layout)
                }
            }
            #expect(mismatch == nil, "\(name): \(mismatch ?? "")")
            let got = (0..<layout.windowCount).map { state.windowSums($0) }
            #expect(got == model.sums(), "\(name): final sums")
            #expect(state.drops.tooOld == model.tooOld && state.drops.tooFarInFuture == model.tooNew, "\(name): drop counters")
            #expect(model.tooOld > 0 && model.tooNew > 0 && model.accepted > 1_000, "\(name): the stream exercised drops and kept most points")
        }
    }
}
