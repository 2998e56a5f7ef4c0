import SLO
import SLOEngine
import Testing

/// `SLOEngine.evaluate` for the timeslice methods: slices are judged on the whole instance
/// after the shards' raw halves are added, whatever the tick rhythm.
@Suite struct SLOEngineTimesliceTests {
    static func options(noData: NoDataPolicy = .ignore) throws -> TimesliceOptions {
        TimesliceOptions(sliceSeconds: 60, targetPartsPerBillion: try TimesliceOptions.parseTarget("0.95"),
                         noData: noData, graceSeconds: 60)
    }

    /// Two shards, 1-minute slices, target 0.95, grace 1 minute:
    /// - slice 0 (t0 …): A 50/50 good alone, B 40/50 bad alone; whole 90/100 → bad.
    /// - slice 1: A 48/50, B 48/50; whole 96/100 → good.
    /// - slice 2: only A, 10/10 → good.
    /// Slice 2 closes at t0 + 4m. So 3 slices, 2 good: error ratio 1/3 in every window that
    /// reaches back to t0 (a slice counts in the buckets of its start).
    static func shards(_ engine: SLOEngine) -> (FakeShard, FakeShard) {
        var a = FakeShard(), b = FakeShard()
        a.open(0, layout: engine.layouts[0], now: E.t0)
        b.open(0, layout: engine.layouts[0], now: E.t0)
        a.add(0, total: 50, bad: 0, at: E.t0 + 10 * E.second)
        b.add(0, total: 50, bad: 10, at: E.t0 + 20 * E.second)
        a.add(0, total: 50, bad: 2, at: E.t0 + 70 * E.second)
        b.add(0, total: 50, bad: 2, at: E.t0 + 80 * E.second)
        a.add(0, total: 10, bad: 0, at: E.t0 + 130 * E.second)
        return (a, b)
    }

    static func check(_ snapshot: SLOSnapshot) {
        let s = snapshot.status(0)
        for w in s.windows.dropFirst() {
            #expect(w.total == 3 && w.good == 2, "\(w)")
            #expect(E.close(w.errorRatio, 1.0 / 3))
        }
        // Budget 0.001: the period burn rate is (1/3) / 0.001.
        #expect(E.close(s.budget.burnRate, 1_000.0 / 3, tolerance: 1e-9))
    }

    @Test(arguments: [false, true])
    func slicesAreJudgedOnTheWholeWithTicksEveryTenSeconds(ratio: Bool) throws {
        let method: BudgetingMethod = ratio ? .ratioTimeslices(try Self.options()) : .timeslices(try Self.options())
        let engine = try E.engine([try E.spec(budgeting: method)])
        var (a, b) = Self.shards(engine)
        var snapshot = SLOSnapshot.empty
        var now = E.t0
        while now <= E.t0 + 4 * E.minute {
            snapshot = engine.evaluate(deltas: [a.report(), b.report()], now: now)
            now += 10 * E.second
        }
        if !ratio {
            Self.check(snapshot)
            // At t0 + 4m the 5m window still reaches back to t0 too.
            #expect(snapshot.status(0).windows[0].total == 3)
        } else {
            // ratio_timeslices: the mean of the slice ratios 0.9, 0.96, 1.
            let w = snapshot.status(0).windows[1]
            #expect(w.total == 3 && abs(w.good - 2.86) < 1e-9)
        }
    }

    /// All points reach the engine in its first tick, long after their slices' grace periods
    /// (the instance was created, and fed, before the engine's first tick): the new instance's
    /// state starts at its earliest delta, so the slices still take them.
    @Test func slicesClosedLongBeforeTheFirstTickAreCounted() throws {
        let engine = try E.engine([try E.spec(budgeting: .timeslices(try Self.options()))])
        var (a, b) = Self.shards(engine)
        let now = E.t0 + 10 * E.minute
        let snapshot = engine.evaluate(deltas: [a.report(), b.report()], now: now)
        Self.check(snapshot)
        #expect(snapshot.instances[0].drops.total == 0)
    }

    /// With `no_data: bad`, the whole state counts empty slices from the instance's first tick:
    /// an instance seen at t0 and never fed has, at t0 + 10m, every slice that closed since
    /// counted bad: starts t0 − 1m (still in its grace period at t0, so open to late points)
    /// … t0 + 8m (the last that closed by t0 + 10m), 10 slices.
    @Test func emptySlicesFollowTheNoDataRuleFromTheFirstTick() throws {
        let engine = try E.engine([try E.spec(budgeting: .timeslices(try Self.options(noData: .bad)), noData: .bad)])
        _ = engine.evaluate(deltas: [], now: E.t0)
        let s = engine.evaluate(deltas: [], now: E.t0 + 10 * E.minute).status(0)
        #expect(s.windows[1].total == 10 && s.windows[1].good == 0)
        #expect(s.windows[1].errorRatio == 1)
    }

    /// A point arriving after its slice was judged (a shard far behind) is not counted, and
    /// the drop is visible.
    @Test func aPointArrivingAfterItsSliceWasJudgedIsDropped() throws {
        let engine = try E.engine([try E.spec(budgeting: .timeslices(try Self.options()))])
        _ = engine.evaluate(deltas: [], now: E.t0 + 10 * E.minute)
        var shard = FakeShard()
        shard.open(0, layout: engine.layouts[0])
        shard.add(0, total: 1, bad: 0, at: E.t0)
        let snapshot = engine.evaluate(deltas: [shard.report()], now: E.t0 + 10 * E.minute + E.second)
        let i = snapshot.instances[0]
        #expect(i.drops.sliceClosed == 1)
        #expect(snapshot.windows(of: i).allSatisfy { $0.total == 0 })
    }

    /// Reload: a new engine for an unchanged timeslice SLO (now second in the list) takes over
    /// the judged slices, so its windows continue instead of starting empty.
    @Test func reloadCarriesJudgedSlicesOver() throws {
        let spec = try E.spec(budgeting: .timeslices(try Self.options()))
        let old = try E.engine([spec])
        var (a, b) = Self.shards(old)
        var now = E.t0
        while now <= E.t0 + 4 * E.minute {
            _ = old.evaluate(deltas: [a.report(), b.report()], now: now)
            now += 10 * E.second
        }
        let other = try E.spec(name: "other", budgeting: .timeslices(try Self.options()))
        let specs = [other, spec]
        let fresh = try SLOEngine(specs: specs, registry: SLOInstanceRegistry(specs: specs))
        fresh.adoptStates(from: old, keep: [0: 1])
        let snapshot = fresh.evaluate(deltas: [], now: now)
        let kept = try #require(snapshot.instances.firstIndex { $0.slo == 1 })
        let status = snapshot.status(kept)
        #expect(status.windows[1].total == 3 && status.windows[1].good == 2, "\(status.windows[1])")
        // Without adopting, the same engine starts empty.
        let empty = try SLOEngine(specs: specs, registry: SLOInstanceRegistry(specs: specs)).evaluate(deltas: [], now: now)
        let e = try #require(empty.instances.firstIndex { $0.slo == 1 })
        #expect(empty.status(e).windows[1].total == 0)
    }
}
