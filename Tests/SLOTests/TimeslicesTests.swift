import Primitives
import Testing
@testable import SLO

@Suite struct TimeslicesTests {
    static let t0 = T.utc(2024, 3, 1)

    static func state(_ method: (TimesliceOptions) -> BudgetingMethod, noData: NoDataPolicy) throws -> SLOState {
        let options = TimesliceOptions(sliceSeconds: 60, targetPartsPerBillion: try TimesliceOptions.parseTarget("0.95"),
                                       noData: noData, graceSeconds: 60)
        return SLOState(layout: try T.layout(.rolling(seconds: 7 * 86_400), budgeting: method(options)), now: t0)
    }

    /// Slices from t0 on: A 96/100 (good), B 90/100 (bad), C empty, D 95/100 (exactly the
    /// target: good). The slice before t0 is empty too.
    static func feed(_ s: inout SLOState) {
        for (slice, good, total) in [(Int64(0), 96.0, 100.0), (1, 90, 100), (3, 95, 100)] {
            // Split into several points at different instants of the slice.
            let base = t0 + slice * T.minute
            s.add(good: good / 2, total: total / 2, at: base + 5 * T.second)
            s.add(good: good / 2, total: total / 2, at: base + 55 * T.second)
        }
    }

    @Test(arguments: [(NoDataPolicy.ignore, 2.0, 3.0), (.good, 4, 5), (.bad, 2, 5)])
    func timeslicesCountGoodSlices(_ noData: NoDataPolicy, _ good: Double, _ total: Double) throws {
        var s = try Self.state(BudgetingMethod.timeslices, noData: noData)
        Self.feed(&s)
        // D ends at t0 + 4m; with 1m grace it closes at t0 + 5m. The 30m window holds all slices.
        let status = s.evaluate(now: Self.t0 + 5 * T.minute)
        #expect(status.windows[1].good == good)
        #expect(status.windows[1].total == total)
        #expect(status.windows[1].errorRatio == (total - good) / total)
        #expect(status.period.total == total)
    }

    @Test(arguments: [(NoDataPolicy.ignore, 2.81, 3.0), (.good, 4.81, 5), (.bad, 2.81, 5)])
    func ratioTimeslicesAverageSliceRatios(_ noData: NoDataPolicy, _ good: Double, _ total: Double) throws {
        var s = try Self.state(BudgetingMethod.ratioTimeslices, noData: noData)
        Self.feed(&s)
        let status = s.evaluate(now: Self.t0 + 5 * T.minute)
        #expect(abs(status.windows[1].good - good) < 1e-9)   // ratios are kept to 2^-32
        #expect(status.windows[1].total == total)
        #expect(T.close(status.windows[1].errorRatio, (total - good) / total, tolerance: 1e-9))
    }

    @Test func slicesWaitForTheirGracePeriod() throws {
        var s = try Self.state(BudgetingMethod.timeslices, noData: .ignore)
        Self.feed(&s)
        var status = s.evaluate(now: Self.t0 + 4 * T.minute + 59 * T.second)
        #expect(status.windows[1].total == 2)        // D is still open
        // A late point inside D's grace period still counts; D becomes bad.
        #expect(s.add(good: 0, total: 50, at: Self.t0 + 3 * T.minute + 30 * T.second) == .accepted)
        status = s.evaluate(now: Self.t0 + 5 * T.minute)
        #expect(status.windows[1].total == 3 && status.windows[1].good == 1)
        // Once closed, a slice refuses points.
        #expect(s.add(good: 1, total: 1, at: Self.t0 + 30 * T.second) == .sliceClosed)
        #expect(s.add(good: 1, total: 1, at: Self.t0 + 11 * T.minute) == .tooFarInFuture)
        #expect(s.drops.sliceClosed == 1 && s.drops.tooFarInFuture == 1)
    }

    @Test func zeroTrafficWithIgnoreIsNoData() throws {
        var s = try Self.state(BudgetingMethod.timeslices, noData: .ignore)
        let status = s.evaluate(now: Self.t0 + 3 * T.hour)
        #expect(status.windows.allSatisfy { $0.total == 0 && $0.errorRatio == nil && $0.burnRate == nil })
        #expect(status.budget.remaining == nil)
        var bad = try Self.state(BudgetingMethod.timeslices, noData: .bad)
        let badStatus = bad.evaluate(now: Self.t0 + 3 * T.hour)
        // 3 h of empty slices counted bad. The 1h window at t0 + 3h covers
        // [t0 + 2h 0m 10s, t0 + 3h 0m 10s); closed slices start by t0 + 2h 58m (end + 1m grace ≤
        // now): the 58 slices starting t0 + 2h 1m … t0 + 2h 58m.
        #expect(badStatus.windows[2].total == 58 && badStatus.windows[2].errorRatio == 1)
    }

    @Test func classifierIsExactAtTheTarget() {
        let options = TimesliceOptions(sliceSeconds: 60, targetPartsPerBillion: 999_000_000)
        let method = BudgetingMethod.timeslices(options)
        let one = SliceClassifier.oneSlice
        // 999/1000 is exactly the target: good; one unit less: bad. No floating point involved.
        #expect(SliceClassifier.increment(ClosedSlice(startNanos: 0, good: 999_000, total: 1_000_000), method: method)! == (one, one))
        #expect(SliceClassifier.increment(ClosedSlice(startNanos: 0, good: 998_999, total: 1_000_000), method: method)! == (0, one))
        #expect(SliceClassifier.increment(ClosedSlice(startNanos: 0, good: Int64.max, total: Int64.max), method: method)! == (one, one))
        #expect(SliceClassifier.increment(ClosedSlice(startNanos: 0, good: -5, total: 10), method: method)! == (0, one))
        let ratio = BudgetingMethod.ratioTimeslices(options)
        #expect(SliceClassifier.increment(ClosedSlice(startNanos: 0, good: 1, total: 4), method: ratio)! == (one / 4, one))
        #expect(SliceClassifier.increment(ClosedSlice(startNanos: 0, good: 9, total: 4), method: ratio)! == (one, one))
        #expect(SliceClassifier.increment(ClosedSlice(startNanos: 0, good: 0, total: -1), method: ratio) == nil)
    }

    /// What the shards hand over: per-bucket sums (`SLOLayout.deltaBucketNanos`) of the points
    /// since the last tick, added at each bucket's start before the state advances. Windows,
    /// slices and drops must be the same as for a state that took every point on its own
    /// (every tier bucket and slice is a whole number of delta buckets).
    @Test(arguments: [(false, 60 as Int64), (true, 60), (false, 45), (true, 90)])
    func bucketSumsLandWhereTheirPointsWould(_ ratio: Bool, _ sliceSeconds: Int64) throws {
        let options = TimesliceOptions(sliceSeconds: sliceSeconds, targetPartsPerBillion: 900_000_000, noData: .bad, graceSeconds: 30)
        let layout = try T.layout(.rolling(seconds: 7 * 86_400), budgeting: ratio ? .ratioTimeslices(options) : .timeslices(options))
        let width = layout.deltaBucketNanos
        #expect(width == (sliceSeconds == 45 ? 5 : 10) * T.second)
        var single = SLOState(layout: layout, now: Self.t0)
        var summed = SLOState(layout: layout, now: Self.t0)
        var pending: [Int64: (good: Int64, total: Int64)] = [:]
        var rng = SplitMix(seed: ratio ? 11 : 12)
        var now = Self.t0
        func flush() {
            for (start, sum) in pending.sorted(by: { $0.key < $1.key }) {
                summed.add(goodUnits: sum.good, totalUnits: sum.total, at: start)
            }
            pending = [:]
        }
        for _ in 0..<3_000 {
            if Int.random(in: 0..<4, using: &rng) == 0 {
                now += Int64.random(in: 0...(40 * T.second), using: &rng)
                flush()
                summed.advance(to: now)
                single.advance(to: now)
                continue
            }
            let at = now + Int64.random(in: -(70 * T.second)...(20 * T.second), using: &rng)
            let total = Double(Int.random(in: 0...20, using: &rng))
            let good = Double(Int.random(in: 0...Int(total), using: &rng))
            single.add(good: good, total: total, at: at)
            let start = at - ((at % width) + width) % width
            let old = pending[start] ?? (0, 0)
            pending[start] = (old.good + SLOState.units(good)!, old.total + SLOState.units(total)!)
        }
        flush()
        #expect(summed.evaluate(now: now) == single.evaluate(now: now))
        #expect(single.evaluate(now: now).period.total > 100)
        #expect(single.drops.sliceClosed > 0)
    }
}

/// Timeslices against a model that keeps every accepted point's raw counts per slice and
/// classifies closed slices with 128-bit arithmetic.
@Suite struct TimeslicesPropertyTests {
    struct Model {
        let layout: SLOLayout
        let options: TimesliceOptions
        let firstSlice: Int64
        var now: Int64
        var raw: [Int64: (good: Int64, total: Int64)] = [:]

        var sliceNanos: Int64 { options.sliceSeconds * T.second }

        /// Slices before this index are closed.
        var firstOpen: Int64 { max(firstSlice, TimeMath.floorDiv(now - options.graceSeconds * T.second, sliceNanos)) }

        mutating func add(good: Int64, total: Int64, at t: Int64) -> IngestOutcome {
            if t > now + layout.configuration.futureToleranceSeconds * T.second { return .tooFarInFuture }
            let i = TimeMath.floorDiv(t, sliceNanos)
            if i < firstOpen { return .sliceClosed }
            let old = raw[i] ?? (0, 0)
            raw[i] = (old.good + good, old.total + total)
            return .accepted
        }

        func increment(_ good: Int64, _ total: Int64) -> (Int64, Int64)? {
            let one = Int64(1) << 32
            if total <= 0 {
                switch options.noData {
                case .ignore: return nil
                case .good: return (one, one)
                case .bad: return (0, one)
                }
            }
            let g = Int128(min(max(good, 0), total))
            if case .ratioTimeslices = layout.configuration.budgeting {
                return (Int64((g << 32) / Int128(total)), one)
            }
            return (g * 1_000_000_000 >= Int128(options.targetPartsPerBillion) * Int128(total) ? one : 0, one)
        }

        func sums() -> [WindowSums] {
            let model = BruteForceModel(layout: layout, now: now)
            return model.ranges().map { range in
                var s = WindowSums.zero
                var i = firstSlice
                while i < firstOpen {
                    let index = TimeMath.floorDiv(i * sliceNanos, range.r)
                    if index >= range.lo && index <= range.hi, let inc = increment(raw[i]?.good ?? 0, raw[i]?.total ?? 0) {
                        s += WindowSums(good: inc.0, total: inc.1)
                    }
                    i += 1
                }
                return s
            }
        }
    }

    @Test(arguments: [(60, 60, NoDataPolicy.ignore, false), (10, 0, .bad, false), (300, 30, .good, true), (60, 90, .ignore, true)])
    func slicesMatchTheModel(_ slice: Int64, _ grace: Int64, _ noData: NoDataPolicy, _ ratio: Bool) throws {
        let options = TimesliceOptions(sliceSeconds: slice, targetPartsPerBillion: 970_000_000, noData: noData, graceSeconds: grace)
        let layout = try T.layout(.rolling(seconds: 2 * 86_400), budgeting: ratio ? .ratioTimeslices(options) : .timeslices(options))
        let start = T.utc(2024, 5, 5, 5, 5, 5)  // a multiple of 5 s
        var state = SLOState(layout: layout, now: start)
        var model = Model(layout: layout, options: options,
                          firstSlice: TimeMath.floorDiv(start - grace * T.second, slice * T.second), now: start)
        var rng = SplitMix(seed: UInt64(slice * 1000 + grace))
        var mismatch: String? = nil
        for op in 0..<2_500 where mismatch == nil {
            if Int.random(in: 0..<5, using: &rng) == 0 {
                // Whole multiples of 5 s from an aligned start, so slice ends and grace deadlines
                // are hit exactly.
                let step = (Int.random(in: 0..<10, using: &rng) == 0 ? Int64.random(in: 0...2_160, using: &rng)
                                                                     : Int64.random(in: 0...18, using: &rng)) * 5 * T.second
                state.advance(to: state.now + step)
                model.now += step
                if op % 4 == 0 {
                    let got = (0..<layout.windowCount).map { state.windowSums($0) }
                    if got != model.sums() { mismatch = "op \(op): \(got) vs \(model.sums())" }
                }
                if op % 97 == 0 {
                    var bytes: [UInt8] = []
                    state.encode(into: &bytes)
                    state = try SLOState(decoding: bytes, layout: layout)
                }
                continue
            }
            var at = state.now + Int64.random(in: -(Int64(slice + grace) * T.second + 30 * T.second)...(6 * T.minute), using: &rng)
            if Bool.random(using: &rng) { at -= TimeMath.floorMod(at, 5 * T.second) }
            let total = Int64.random(in: 0...400, using: &rng)
            let good = total - Int64.random(in: 0...min(total, 30), using: &rng)
            let got = state.add(good: Double(good) / 4, total: Double(total) / 4, at: at)
            let want = model.add(good: good * 1024, total: total * 1024, at: at)
            if got != want { mismatch = "op \(op): add at \(at - state.now): \(got) vs \(want)" }
        }
        #expect(mismatch == nil, "\(mismatch ?? "")")
        #expect(model.sums()[layout.periodWindowIndex].total > 0)
    }
}
