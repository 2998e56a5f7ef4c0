import Primitives
import Testing
@testable import SLO

/// Hand-computed scenarios on a manual clock. Instants start at 2024-03-01 00:00 UTC (a 30-min
/// boundary), so bucket edges are easy to reason about.
@Suite struct SLOStateScenarioTests {
    static let t0 = T.utc(2024, 3, 1)
    static let windows = SLOConfiguration.standardWindowSeconds  // 5m 30m 1h 2h 6h 1d 3d, then the period

    /// Good/total of every window, in events.
    static func counts(_ s: SLOState) -> [(Double, Double)] {
        (0..<s.layout.windowCount).map { j in
            let w = s.windowSums(j)
            return (Double(w.good) / s.layout.unitsPerCount, Double(w.total) / s.layout.unitsPerCount)
        }
    }

    @Test func steadyTraffic() throws {
        let layout = try T.layout(.rolling(seconds: 30 * 86_400), objective: "99")
        var s = SLOState(layout: layout, now: Self.t0)
        // 1,000 requests with 1 error every 10 s for two hours.
        for i in Int64(0)..<720 {
            let t = Self.t0 + i * 10 * T.second
            s.advance(to: t)
            #expect(s.add(good: 999, total: 1000, at: t) == .accepted)
        }
        let status = s.evaluate(now: Self.t0 + 7_195 * T.second)
        // 5m = 30 ten-second buckets, 30m = 180, 1h = 360; 2h and longer hold all 720 points.
        let expectedTotals: [Double] = [30_000, 180_000, 360_000, 720_000, 720_000, 720_000, 720_000, 720_000]
        #expect(status.windows.map(\.total) == expectedTotals)
        for w in status.windows {
            #expect(w.good == w.total * 0.999)
            #expect(T.close(w.errorRatio, 0.001))
            #expect(T.close(w.burnRate, 0.1))   // budget 1 %
        }
        #expect(T.close(status.budget.remaining, 0.9))
        #expect(T.close(status.budget.consumed, 0.1))
        // 90 % of a 30-day budget left, burning at 0.1: 0.9 × 2,592,000 / 0.1 s.
        #expect(T.close(status.budget.exhaustionSeconds, 23_328_000, tolerance: 1e-9))
        #expect(s.drops == DropCounters())
    }

    @Test func errorBurstEntersAndLeavesWindowsExactly() throws {
        let layout = try T.layout(.rolling(seconds: 7 * 86_400))
        var s = SLOState(layout: layout, now: Self.t0)
        var t = Self.t0
        func tick(bad: Bool) {
            s.advance(to: t)
            s.add(good: bad ? 0 : 100, total: 100, at: t)
            t += 10 * T.second
        }
        for _ in 0..<360 { tick(bad: false) }   // 1 h clean
        for _ in 0..<6 { tick(bad: true) }      // 1 min of total failure
        for _ in 0..<12 { tick(bad: false) }    // 2 min clean
        // now = t0 + 1h 2m 50s: the 5m window holds 30 points, 6 of them failed.
        var status = s.evaluate(now: t - 10 * T.second)
        #expect(status.windows[0].total == 3_000)
        #expect(status.windows[0].good == 2_400)
        #expect(status.windows[0].errorRatio == 0.2)
        #expect(T.close(status.windows[0].burnRate, 200))
        #expect(status.windows[2].total == 36_000)       // 1h: 360 points
        #expect(status.windows[2].good == 35_400)
        #expect(status.windows[7].total == 37_800)       // the period: all 378 points
        #expect(status.windows[7].good == 37_200)
        // Five minutes later, with traffic going on, the burst has left the 5m window exactly.
        for _ in 0..<30 { tick(bad: false) }
        status = s.evaluate(now: t - 10 * T.second)
        #expect(status.windows[0].errorRatio == 0)
        #expect(status.windows[0].total == 3_000)
        #expect(status.windows[1].good == status.windows[1].total - 600)
    }

    @Test func zeroTrafficIsNoDataEverywhere() throws {
        let layout = try T.layout(.calendar(.month, .utc))
        var s = SLOState(layout: layout, now: Self.t0)
        let steps: [Int64] = [1, 7, 60, 3_600, 86_400, 864_000]
        for step in steps {
            let status = s.evaluate(now: s.now + step * T.second)
            for w in status.windows {
                #expect(w.total == 0 && w.good == 0)
                #expect(w.errorRatio == nil && w.burnRate == nil)
            }
            #expect(status.budget.remaining == nil && status.budget.consumed == nil && status.budget.exhaustionSeconds == nil)
        }
    }

    @Test func silenceAfterTrafficEmptiesShortWindowsToNil() throws {
        let layout = try T.layout(.rolling(seconds: 7 * 86_400))
        var s = SLOState(layout: layout, now: Self.t0)
        s.add(good: 0.5, total: 1.25, at: Self.t0)
        let status = s.evaluate(now: Self.t0 + 90 * T.minute)
        // Fractional counts in and out leave exactly zero behind: no float residue.
        #expect(status.windows[0].sums == .zero && status.windows[0].errorRatio == nil)
        #expect(status.windows[2].sums == .zero)
        #expect(status.windows[3].total == 1.25)         // 2h window (1-min buckets) still holds it
        #expect(status.windows[3].errorRatio == 0.6)
        #expect(status.budget.remaining != nil)
    }

    @Test func latePointsLandInTheirOwnBuckets() throws {
        let layout = try T.layout(.rolling(seconds: 7 * 86_400))
        let now: Int64 = Self.t0 + 10 * T.day + 5 * T.second
        var s = SLOState(layout: layout, now: now)
        #expect(s.add(good: 1, total: 2, at: now - 20 * T.minute) == .accepted)       // in 30m and up
        let twoAndAHalfHours: Int64 = 2 * T.hour + 30 * T.minute
        #expect(s.add(good: 3, total: 4, at: now - twoAndAHalfHours) == .accepted)  // in 6h and up
        #expect(s.add(good: 5, total: 8, at: now - 2 * T.day) == .accepted)           // in 3d and the period
        #expect(s.add(good: 7, total: 16, at: now - 6 * T.day) == .accepted)          // only the period
        let totals = Self.counts(s).map(\.1)
        #expect(totals == [0, 2, 2, 2, 6, 6, 14, 30])
        // As time passes they leave their windows when their buckets do.
        s.advance(to: now + 11 * T.minute)
        #expect(Self.counts(s).map(\.1) == [0, 0, 2, 2, 6, 6, 14, 30])
    }

    @Test func tooOldAndTooFarInFutureAreDroppedAndCounted() throws {
        let layout = try T.layout(.rolling(seconds: 7 * 86_400))
        let now = Self.t0 + 10 * T.day
        var s = SLOState(layout: layout, now: now)
        #expect(s.add(good: 1, total: 1, at: now - 8 * T.day) == .tooOld)
        #expect(s.add(good: 1, total: 1, at: now - 7 * T.day - T.hour) == .tooOld)
        #expect(s.add(good: 1, total: 1, at: now + 6 * T.minute) == .tooFarInFuture)
        #expect(s.add(good: .nan, total: 1, at: now) == .invalidValue)
        #expect(s.add(good: 1, total: .infinity, at: now) == .invalidValue)
        #expect(s.add(good: 1, total: 2e12, at: now) == .invalidValue)
        #expect(s.drops.tooOld == 2 && s.drops.tooFarInFuture == 1 && s.drops.invalidValue == 3)
        #expect(Self.counts(s).allSatisfy { $0.1 == 0 })
        // Within the tolerance: kept. Windows cover their head bucket whole, so the point counts
        // at once where the head bucket reaches it (5-min and 30-min tiers: [now, now + 5m) and
        // [now, now + 30m)), and elsewhere when the clock gets there.
        #expect(s.add(good: 1, total: 1, at: now + 4 * T.minute) == .accepted)
        #expect(Self.counts(s).map(\.1) == [0, 0, 0, 0, 0, 1, 1, 1])
        s.advance(to: now + 4 * T.minute)
        #expect(Self.counts(s).allSatisfy { $0.1 == 1 })
    }

    @Test func calendarMonthResetsTheBudget() throws {
        let layout = try T.layout(.calendar(.month, .utc))
        var s = SLOState(layout: layout, now: T.utc(2024, 2, 28))
        s.add(good: 90, total: 100, at: T.utc(2024, 2, 28))
        var status = s.evaluate(now: T.utc(2024, 2, 29, 23, 59))
        #expect(status.period.total == 100)
        #expect(T.close(status.budget.remaining, 1 - 0.1 / 0.001))   // −99: deeply overspent
        #expect(status.budget.period.endNanos == T.utc(2024, 3, 1))
        // At the boundary the budget is back to full (no data yet), the 3d window still sees it.
        status = s.evaluate(now: T.utc(2024, 3, 1))
        #expect(status.period.total == 0 && status.budget.remaining == nil)
        #expect(status.windows[6].total == 100)
        #expect(status.budget.period.startNanos == T.utc(2024, 3, 1))
        s.add(good: 1000, total: 1000, at: T.utc(2024, 3, 1, 0, 0, 1))
        // A late point from February stays out of March's budget.
        #expect(s.add(good: 0, total: 1000, at: T.utc(2024, 2, 29, 23, 59, 59)) == .accepted)
        status = s.evaluate(now: T.utc(2024, 3, 1, 0, 1))
        #expect(status.period.total == 1000 && status.budget.remaining == 1)
        #expect(status.windows[6].total == 2100)
    }

    @Test(.enabled(if: T.zoneinfoAvailable, "needs /usr/share/zoneinfo (apt-get install tzdata)"))
    func berlinMonthBoundaryIsLocalMidnight() throws {
        let layout = try T.layout(.calendar(.month, try T.zone("Europe/Berlin")))
        var s = SLOState(layout: layout, now: T.utc(2024, 2, 29, 22, 58))
        s.add(good: 0, total: 7, at: T.utc(2024, 2, 29, 22, 59, 59))   // 23:59:59 CET, February
        s.add(good: 5, total: 5, at: T.utc(2024, 2, 29, 23))           // 00:00 CET, March
        let march = s.evaluate(now: T.utc(2024, 2, 29, 23, 10))
        #expect(march.budget.period.startNanos == T.utc(2024, 2, 29, 23))
        #expect(march.period.total == 5 && march.period.errorRatio == 0)
        // Through the DST change on 31 March the period goes on; it ends at 22:00 UTC.
        s.advance(to: T.utc(2024, 3, 31, 12))
        s.add(good: 1, total: 2, at: T.utc(2024, 3, 31, 12))
        let late = s.evaluate(now: T.utc(2024, 3, 31, 21, 59))
        #expect(late.period.total == 7)
        let april = s.evaluate(now: T.utc(2024, 3, 31, 22))
        #expect(april.period.total == 0)
        #expect(april.budget.period.endNanos == T.utc(2024, 4, 30, 22))
    }

    @Test(.enabled(if: T.zoneinfoAvailable, "needs /usr/share/zoneinfo (apt-get install tzdata)"))
    func newYorkWeekBoundary() throws {
        let layout = try T.layout(.calendar(.week, try T.zone("America/New_York")))
        var s = SLOState(layout: layout, now: T.utc(2024, 3, 11, 3, 58))
        s.add(good: 1, total: 3, at: T.utc(2024, 3, 11, 3, 59))  // Sunday 23:59 EDT
        s.add(good: 2, total: 2, at: T.utc(2024, 3, 11, 4))      // Monday 00:00 EDT
        let before = s.evaluate(now: T.utc(2024, 3, 11, 3, 59, 30))
        #expect(before.period.total == 3)
        let after = s.evaluate(now: T.utc(2024, 3, 11, 4))
        #expect(after.period.total == 2)
        #expect(after.budget.period.startNanos == T.utc(2024, 3, 11, 4))
        #expect(after.budget.period.lengthSeconds == 7 * 86_400)
    }

    @Test func partialStatesCombineBySummingWindows() throws {
        let layout = try T.layout(.rolling(seconds: 28 * 86_400))
        var whole = SLOState(layout: layout, now: Self.t0)
        var parts = [SLOState(layout: layout, now: Self.t0), SLOState(layout: layout, now: Self.t0)]
        var rng = SplitMix(seed: 3)
        var t = Self.t0
        for _ in 0..<2_000 {
            t += Int64.random(in: 0...(30 * T.second), using: &rng)
            let at = t - Int64.random(in: 0...(3 * T.hour), using: &rng)
            let good = Double(Int.random(in: 0...50, using: &rng)), total = good + Double(Int.random(in: 0...3, using: &rng))
            whole.advance(to: t)
            whole.add(good: good, total: total, at: at)
            let i = Int.random(in: 0...1, using: &rng)
            parts[i].advance(to: t)
            parts[i].add(good: good, total: total, at: at)
        }
        let now = t + T.minute
        for i in parts.indices { parts[i].advance(to: now) }
        var sums = [WindowSums](repeating: .zero, count: layout.windowCount)
        for p in parts { p.accumulateWindowSums(into: &sums) }
        let combined = layout.status(sums: sums, period: layout.configuration.period.bounds(containing: now), now: now)
        #expect(combined == whole.evaluate(now: now))
    }

    @Test func memoryPerInstance() throws {
        var sizes: [String: Int] = [:]
        let periods: [(String, Period)] = [("28d", .rolling(seconds: 28 * 86_400)), ("30d", .rolling(seconds: 30 * 86_400)),
                                           ("35d", .rolling(seconds: 35 * 86_400)), ("month", .calendar(.month, .utc)),
                                           ("week", .calendar(.week, .utc)), ("7d", .rolling(seconds: 7 * 86_400))]
        for (name, period) in periods {
            let s = SLOState(layout: try T.layout(period), now: Self.t0)
            sizes[name] = s.memoryFootprint
            #expect(s.memoryFootprint <= 64 * 1024, "\(name): \(s.memoryFootprint) bytes")
        }
        print("SLOState bytes per instance:", sizes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        // The figures documented in SLOLayout: 3,065 buckets for 30d, 16 bytes each, plus the
        // header cells, the struct and two array headers.
        let thirty = try #require(sizes["30d"])
        let layout30 = try T.layout(.rolling(seconds: 30 * 86_400))
        #expect(layout30.bucketCount == 3_065)
        #expect(thirty == 3_065 * 16 + layout30.headerCount * 16 + 64 + MemoryLayout<SLOState>.size)
        #expect(try T.layout(.calendar(.month, .utc)).bucketCount == 3_162)
        #expect(try T.layout(.rolling(seconds: 35 * 86_400)).bucketCount == 3_305)
        let ts = SLOState(layout: try T.layout(.rolling(seconds: 30 * 86_400), budgeting: .timeslices(TimesliceOptions())), now: Self.t0)
        #expect(ts.memoryFootprint <= 64 * 1024)
    }

    @Test func tierResolutionsMatchTheBucketArithmetic() {
        // BucketTiers.bucketIndex divides by literal constants; they must be these resolutions.
        for (k, seconds) in SLOLayout.tierResolutions.enumerated() {
            let r = seconds * T.second
            for t in [Int64(0), r - 1, r, 7 * r + 3, -1, -r, -r - 1, T.utc(2024, 3, 1, 12, 34, 56) + 789] {
                #expect(BucketTiers.bucketIndex(t, tier: k) == TimeMath.floorDiv(t, r), "tier \(k) at \(t)")
            }
        }
    }

    @Test func layoutValidation() throws {
        let objective = try Objective(percent: "99.9")
        func layout(_ windows: [Int64], period: Period = .rolling(seconds: 2_592_000), exhaustion: Int64 = 3_600,
                    tolerance: Int64 = 300, budgeting: BudgetingMethod = .occurrences) throws -> SLOLayout {
            try SLOLayout(SLOConfiguration(objective: objective, period: period, budgeting: budgeting, windowSeconds: windows,
                                           futureToleranceSeconds: tolerance, exhaustionWindowSeconds: exhaustion))
        }
        #expect(throws: SLOConfigurationError.self) { try layout([300, 300, 3_600]) }
        #expect(throws: SLOConfigurationError.self) { try layout([305, 3_600]) }          // not a multiple of 10s
        #expect(throws: SLOConfigurationError.self) { try layout([23_160, 3_600]) }       // 6h26m: not a multiple of 5m
        #expect(throws: SLOConfigurationError.self) { try layout([300]) }                 // no 1h exhaustion window
        #expect(throws: SLOConfigurationError.self) { try layout([3_600], tolerance: 7_200) }
        #expect(throws: SLOConfigurationError.self) { try layout([3_600], period: .rolling(seconds: 40 * 86_400)) }
        #expect(throws: SLOConfigurationError.self) {
            try layout([3_600], budgeting: .timeslices(TimesliceOptions(sliceSeconds: 5)))
        }
        // Pyrra's windows at 28d are fine: 1h, 6h, 1d and 4d all fit their tiers.
        let pyrra = try layout([300, 1_800, 3_600, 7_200, 21_600, 86_400, 345_600], period: .rolling(seconds: 2_419_200))
        #expect(pyrra.windows.map(\.resolutionSeconds) == [10, 10, 10, 60, 60, 300, 1_800, 1_800])
        #expect(pyrra.windows.map(\.label) == ["5m", "30m", "1h", "2h", "6h", "1d", "4d", "28d"])
    }
}
