import Primitives
import Testing
@testable import SLO

@Suite struct SLOStateCodecTests {
    static let t0 = T.utc(2024, 4, 2, 3, 4, 5)

    static func filled(_ layout: SLOLayout, seed: UInt64, days: Int64 = 3) -> SLOState {
        var s = SLOState(layout: layout, now: t0)
        var rng = SplitMix(seed: seed)
        var t = t0
        while t < t0 + days * T.day {
            t += Int64.random(in: 0...(10 * T.minute), using: &rng)
            s.advance(to: t)
            let total = Double(Int.random(in: 0...100, using: &rng))
            s.add(good: total - Double(Int.random(in: 0...2, using: &rng)), total: total,
                  at: t - Int64.random(in: 0...(2 * T.minute), using: &rng))
        }
        s.add(good: 1, total: 1, at: t0 - 40 * T.day)   // a drop, so counters are non-zero
        return s
    }

    static func snapshot(_ s: SLOState) -> [WindowSums] { (0..<s.layout.windowCount).map { s.windowSums($0) } }

    @Test(arguments: [BudgetingMethod.occurrences, .timeslices(TimesliceOptions()), .ratioTimeslices(TimesliceOptions(noData: .good))])
    func roundTripKeepsEverything(_ method: BudgetingMethod) throws {
        let layout = try T.layout(.rolling(seconds: 30 * 86_400), budgeting: method)
        var original = Self.filled(layout, seed: 1)
        var bytes: [UInt8] = []
        original.encode(into: &bytes)
        var decoded = try SLOState(decoding: bytes, layout: layout)
        #expect(decoded.now == original.now)
        #expect(decoded.drops == original.drops && decoded.drops.total >= 1)
        #expect(Self.snapshot(decoded) == Self.snapshot(original))
        #expect(Self.snapshot(original)[layout.periodWindowIndex].total > 0)
        // Re-encoding gives the same bytes, and both states go on identically.
        var again: [UInt8] = []
        decoded.encode(into: &again)
        #expect(again == bytes)
        let later = original.now + 7 * T.minute
        original.add(good: 3, total: 5, at: original.now - 90 * T.second)
        decoded.add(good: 3, total: 5, at: decoded.now - 90 * T.second)
        #expect(original.evaluate(now: later) == decoded.evaluate(now: later))
        print("checkpoint of 3 days of traffic, \(method.label): \(bytes.count) bytes")
    }

    @Test func emptyStateIsSmall() throws {
        let s = SLOState(layout: try T.layout(.calendar(.month, .utc)), now: Self.t0)
        var bytes: [UInt8] = []
        s.encode(into: &bytes)
        #expect(bytes.count < 64)
        #expect(Self.snapshot(try SLOState(decoding: bytes, layout: s.layout)).allSatisfy { $0 == .zero })
    }

    @Test func checkpointSurvivesAChangedPeriodAndWindows() throws {
        let old = try T.layout(.rolling(seconds: 30 * 86_400))
        let state = Self.filled(old, seed: 2)
        var bytes: [UInt8] = []
        state.encode(into: &bytes)
        // Same data replayed into the new layout directly, for reference.
        let new = try T.layout(.rolling(seconds: 28 * 86_400), windows: [300, 3_600, 86_400])
        let reference = Self.filled(new, seed: 2)
        let decoded = try SLOState(decoding: bytes, layout: new)
        #expect(Self.snapshot(decoded) == Self.snapshot(reference))
    }

    @Test func otherMethodIsRefused() throws {
        let state = Self.filled(try T.layout(.rolling(seconds: 7 * 86_400)), seed: 3, days: 1)
        var bytes: [UInt8] = []
        state.encode(into: &bytes)
        let slices = try T.layout(.rolling(seconds: 7 * 86_400), budgeting: .timeslices(TimesliceOptions()))
        #expect(throws: SLOStateDecodingError.self) { try SLOState(decoding: bytes, layout: slices) }
    }

    @Test func malformedCheckpointsThrowAndNeverTrap() throws {
        let layout = try T.layout(.rolling(seconds: 7 * 86_400), budgeting: .ratioTimeslices(TimesliceOptions()))
        let state = Self.filled(layout, seed: 4, days: 1)
        var bytes: [UInt8] = []
        state.encode(into: &bytes)
        for length in 0..<bytes.count {
            #expect(throws: SLOStateDecodingError.self, "cut at \(length)") { try SLOState(decoding: Array(bytes[0..<length]), layout: layout) }
        }
        #expect(throws: SLOStateDecodingError.self) { try SLOState(decoding: bytes + [0], layout: layout) }
        var rng = SplitMix(seed: 5)
        var decodedSome = 0
        for _ in 0..<3_000 {
            var b = bytes
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if var s = try? SLOState(decoding: b, layout: layout) {
                decodedSome += 1
                s.add(good: 1, total: 1, at: s.now)
                _ = s.evaluate(now: s.now &+ T.hour)
            }
        }
        #expect(decodedSome > 0)
        // Hand-made extremes.
        var huge = SLOState.magic + [SLOState.codecVersion, 2]
        VarInt.append(signed: 1 << 62, to: &huge)
        #expect(throws: SLOStateDecodingError.self) { try SLOState(decoding: huge, layout: layout) }
        var longVarint = SLOState.magic + [SLOState.codecVersion, 2]
        longVarint += [UInt8](repeating: 0xFF, count: 11)
        #expect(throws: SLOStateDecodingError.self) { try SLOState(decoding: longVarint, layout: layout) }
    }
}
