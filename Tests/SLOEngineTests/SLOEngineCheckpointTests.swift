import Primitives
import SLO
import SLOEngine
import Testing

/// `SLOEngine.encodeCheckpoint` / `restoreCheckpoint`: a restart with the same SLOs gives the
/// same snapshot; SLOs whose counts or state shape changed lose their instances and only them
/// (labels, description and limits may change); malformed checkpoints
/// throw and never trap.
@Suite struct SLOEngineCheckpointTests {
    static func timeslices() throws -> BudgetingMethod {
        .timeslices(TimesliceOptions(sliceSeconds: 60, targetPartsPerBillion: try TimesliceOptions.parseTarget("0.95"),
                                     noData: .ignore, graceSeconds: 60))
    }

    /// Three SLOs: one instance (occurrences), one per route (occurrences, labelled), and a
    /// timeslice SLO.
    static func specs(objective: String = "99.9", withGrouped: Bool = true) throws -> [SLOSpec] {
        var specs = [try E.spec(service: "checkout", name: "availability", objective: objective)]
        if withGrouped {
            specs.append(try E.spec(service: "checkout", name: "routes", objective: "99", groupBy: ["route"], labels: ["team": "pay"]))
        }
        specs.append(try E.spec(service: "search", name: "slices", objective: "99.5", budgeting: try timeslices()))
        return specs
    }

    /// Feeds `engine` `hours` hours of traffic from `E.t0`, evaluating every 5 minutes: each
    /// tick, every instance gets points spread over the last 5 minutes (some late), with
    /// errors varying by instance and time. Returns the last snapshot.
    @discardableResult
    static func feed(_ engine: SLOEngine, hours: Int64, routes: [String] = ["/a", "/b", "/c"], from start: Int64 = E.t0) -> SLOSnapshot {
        var shard = FakeShard()
        var ids: [Int32] = []
        for (slo, spec) in engine.specs.enumerated() {
            let keys = spec.groupBy.isEmpty ? [[]] : routes.map { [$0] }
            for values in keys {
                let id = engine.registry.instance(for: SLOInstanceKey(slo: slo, groupValues: values))!
                shard.open(id, layout: engine.layouts[slo])
                ids.append(id)
            }
        }
        var snapshot = SLOSnapshot.empty
        var now = start
        var step: Int64 = 0
        while now < start + hours * E.hour {
            now += 5 * E.minute
            step += 1
            for (k, id) in ids.enumerated() {
                for j: Int64 in 0..<5 {
                    let total = Double(100 + (step * 7 + Int64(k) * 13 + j) % 50)
                    let bad = Double((step + Int64(k) + j) % 4 == 0 ? (step % 9) : 0)
                    shard.add(id, total: total, bad: bad, at: now - j * E.minute - 7 * E.second)
                }
            }
            snapshot = engine.evaluate(deltas: [shard.report()], now: now)
        }
        return snapshot
    }

    /// What must survive a restart: the exposition (every window, budget, event counter, drop
    /// counter and the instance set with labels) and the JSON API.
    static func expectSame(_ a: SLOSnapshot, _ b: SLOSnapshot, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.nowNanos == b.nowNanos, sourceLocation: sourceLocation)
        #expect(a.instances.count == b.instances.count, sourceLocation: sourceLocation)
        #expect(a.instances.map(\.groupValues) == b.instances.map(\.groupValues), sourceLocation: sourceLocation)
        for (x, y) in zip(a.instances, b.instances) {
            #expect(x.slo == y.slo && x.goodEvents == y.goodEvents && x.totalEvents == y.totalEvents, sourceLocation: sourceLocation)
            #expect(a.status(of: x) == b.status(of: y), sourceLocation: sourceLocation)
            #expect(x.drops == y.drops, sourceLocation: sourceLocation)
        }
        #expect(a.text == b.text, sourceLocation: sourceLocation)
        #expect(a.json() == b.json(), sourceLocation: sourceLocation)
    }

    @Test func aRestartWithTheSameSLOsGivesTheSameSnapshot() throws {
        let specs = try Self.specs()
        let engine = try E.engine(specs)
        let before = Self.feed(engine, hours: 30)
        #expect(before.instances.count == 5)
        #expect(before.instances.allSatisfy { $0.totalEvents > 0 })
        var bytes: [UInt8] = []
        engine.encodeCheckpoint(into: &bytes)

        let next = try E.engine(try Self.specs())
        let result = try next.restoreCheckpoint(bytes)
        #expect(result.restored == 5 && result.dropped == 0)
        let after = next.evaluate(deltas: [], now: before.nowNanos)
        Self.expectSame(before, after)

        // The same bytes again: encoding is deterministic.
        var again: [UInt8] = []
        next.encodeCheckpoint(into: &again)
        #expect(again == bytes)

        // Both continue alike: more traffic, a later tick.
        let a = Self.feed(engine, hours: 2, from: before.nowNanos)
        let b = Self.feed(next, hours: 2, from: before.nowNanos)
        Self.expectSame(a, b)
        // And a tick after a long pause (windows slide, slices close) from the restored clocks.
        Self.expectSame(engine.evaluate(deltas: [], now: a.nowNanos + 3 * E.hour),
                        next.evaluate(deltas: [], now: a.nowNanos + 3 * E.hour))
    }

    /// A checkpoint taken by an engine that was itself restored (two restarts) is still exact,
    /// and the restart may come later than the checkpoint: the states advance to the new tick.
    @Test func aLaterFirstTickAdvancesTheRestoredStates() throws {
        let engine = try E.engine(try Self.specs())
        let before = Self.feed(engine, hours: 6)
        var bytes: [UInt8] = []
        engine.encodeCheckpoint(into: &bytes)
        let next = try E.engine(try Self.specs())
        try next.restoreCheckpoint(bytes)
        let later = before.nowNanos + 45 * E.minute
        Self.expectSame(engine.evaluate(deltas: [], now: later), next.evaluate(deltas: [], now: later))
    }

    /// An SLO whose definition changed (objective) loses its instance; a removed SLO's
    /// instances are dropped; the others are restored.
    @Test func changedAndRemovedSLOsAreDroppedOthersSurvive() throws {
        let engine = try E.engine(try Self.specs())
        let before = Self.feed(engine, hours: 3)
        var bytes: [UInt8] = []
        engine.encodeCheckpoint(into: &bytes)

        // Objective of checkout-availability changed, checkout-routes (3 instances) removed.
        let changed = try Self.specs(objective: "99.5", withGrouped: false)
        let next = try E.engine(changed)
        let result = try next.restoreCheckpoint(bytes)
        #expect(result.restored == 1 && result.dropped == 4)
        let after = next.evaluate(deltas: [], now: before.nowNanos)
        #expect(after.instances.count == 2)
        let availability = after.instances.first { after.specs[$0.slo].name == "availability" }!
        #expect(availability.totalEvents == 0)
        #expect(after.status(of: availability).windows.allSatisfy { $0.total == 0 })
        let slices = after.instances.first { after.specs[$0.slo].name == "slices" }!
        let old = before.instances.first { before.specs[$0.slo].name == "slices" }!
        #expect(slices.totalEvents == old.totalEvents && slices.totalEvents > 0)
        #expect(after.status(of: slices) == before.status(of: old))

        // Where it is written does not matter (`source` is not part of the definition); the
        // order of the SLOs does not either.
        let moved = try [E.spec(service: "search", name: "slices", objective: "99.5", budgeting: try Self.timeslices()),
                         E.spec(service: "checkout", name: "routes", objective: "99", groupBy: ["route"], labels: ["team": "pay"]),
                         E.spec(service: "checkout", name: "availability")]
        let reordered = try E.engine(moved)
        let r = try reordered.restoreCheckpoint(bytes)
        #expect(r.restored == 5 && r.dropped == 0)
        let restored = reordered.evaluate(deltas: [], now: before.nowNanos)
        #expect(restored.instances.count == 5)
        for x in before.instances {
            let id = before.specs[x.slo].id
            let y = try #require(restored.instances.first { restored.specs[$0.slo].id == id && $0.groupValues == x.groupValues })
            #expect(x.goodEvents == y.goodEvents && x.totalEvents == y.totalEvents && x.drops == y.drops)
            #expect(before.status(of: x) == restored.status(of: y))
        }
    }

    /// The registry's instance limit applies to restored instances too: the ones over it are
    /// dropped (and counted as refusals).
    @Test func instancesOverTheLimitAreDropped() throws {
        let spec = try E.spec(groupBy: ["route"], maxInstances: 3)
        let engine = try E.engine([spec])
        Self.feed(engine, hours: 1, routes: ["/a", "/b", "/c"])
        var bytes: [UInt8] = []
        engine.encodeCheckpoint(into: &bytes)
        let next = try E.engine([spec])
        // Shards already opened two other routes before the restore.
        _ = next.registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["/x"]))
        _ = next.registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["/b"]))
        let result = try next.restoreCheckpoint(bytes)
        #expect(result.restored == 2 && result.dropped == 1)
        let after = next.evaluate(deltas: [], now: E.t0 + E.hour)
        #expect(after.instances.map(\.groupValues) == [["/a"], ["/b"], ["/x"]])
        #expect(after.instances[0].totalEvents > 0 && after.instances[1].totalEvents > 0 && after.instances[2].totalEvents == 0)
    }

    /// Editing what only describes or limits an SLO keeps its history: new labels, and a lower
    /// `max_instances` that drops only the instances over it.
    @Test func labelsAndALowerLimitKeepTheHistory() throws {
        let spec = try E.spec(groupBy: ["route"], maxInstances: 10, labels: ["team": "pay"])
        let engine = try E.engine([spec])
        let before = Self.feed(engine, hours: 1, routes: ["/a", "/b", "/c"])
        var bytes: [UInt8] = []
        engine.encodeCheckpoint(into: &bytes)
        let edited = try E.spec(groupBy: ["route"], maxInstances: 2, labels: ["team": "payments", "tier": "1"])
        let next = try E.engine([edited])
        let result = try next.restoreCheckpoint(bytes)
        #expect(result.restored == 2 && result.dropped == 1)
        let after = next.evaluate(deltas: [], now: before.nowNanos)
        #expect(after.instances.count == 2)
        for y in after.instances {
            let x = try #require(before.instances.first { $0.groupValues == y.groupValues })
            #expect(x.totalEvents == y.totalEvents && y.totalEvents > 0)
            #expect(before.status(of: x) == after.status(of: y))
        }
    }

    @Test func fingerprintsAreStableAndFollowTheDefinition() throws {
        let a = try E.spec()
        #expect(a.definitionFingerprint == (try E.spec()).definitionFingerprint)
        #expect(a.definitionFingerprint != (try E.spec(objective: "99.5")).definitionFingerprint)
        #expect(a.definitionFingerprint != (try E.spec(budgeting: try Self.timeslices())).definitionFingerprint)
        #expect(a.definitionFingerprint != (try E.spec(period: .rolling(seconds: 7 * 86_400))).definitionFingerprint)
        #expect(a.definitionFingerprint != (try E.spec(groupBy: ["route"])).definitionFingerprint)
        // What only describes or limits an SLO keeps its history.
        #expect(a.definitionFingerprint == (try E.spec(labels: ["a": "b"])).definitionFingerprint)
        #expect(a.definitionFingerprint == (try E.spec(maxInstances: 5)).definitionFingerprint)
        for (x, y) in [(a, try E.spec(labels: ["a": "b"])), (a, try E.spec(maxInstances: 5)), (a, try E.spec(objective: "99.5"))] {
            #expect(x.sameDefinition(as: y) == (x.definitionFingerprint == y.definitionFingerprint))
        }
        // Pinned: the fingerprint is part of the checkpoint format and must not change between
        // builds or processes.
        #expect(a.definitionFingerprint == 0x75d1_159a_9d73_f56c || Self.printFingerprint(a.definitionFingerprint))
    }

    static func printFingerprint(_ f: UInt64) -> Bool {
        print("fingerprint: 0x\(String(f, radix: 16))")
        return false
    }

    /// Every truncation of a valid checkpoint throws (nothing is registered), and so does
    /// random garbage; a valid checkpoint with random byte flips either restores or throws.
    /// None of them traps.
    @Test func malformedCheckpointsThrowAndNeverTrap() throws {
        // One-day periods and an hour of traffic keep the checkpoint small and each decode
        // cheap enough to try every prefix.
        let day = Period.rolling(seconds: 86_400)
        let specs = [try E.spec(period: day, groupBy: ["route"]),
                     try E.spec(service: "search", name: "slices", period: day, budgeting: try Self.timeslices())]
        let engine = try E.engine(specs)
        Self.feed(engine, hours: 1, routes: ["/a", "/b"])
        var bytes: [UInt8] = []
        engine.encodeCheckpoint(into: &bytes)
        #expect(bytes.count > 1_000 && bytes.count < 8_000, "\(bytes.count) bytes")

        let target = try E.engine(specs)
        let preassigned = target.registry.count
        for n in 0..<bytes.count {
            #expect(throws: SLOEngineCheckpointError.self) { try target.restoreCheckpoint(Array(bytes[..<n])) }
        }
        #expect(target.registry.count == preassigned)
        do {
            _ = try target.restoreCheckpoint(bytes + [0])
            Issue.record("trailing byte accepted")
        } catch {
            #expect(error.offset == bytes.count && error.reason.contains("trailing"))
        }

        var rng = SplitMix64(seed: 42)
        for _ in 0..<2_000 {
            let count = Int(rng.next() % 200)
            var garbage = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if rng.next() % 2 == 0 { garbage = Array("SLOE".utf8) + [1] + garbage }
            #expect(throws: SLOEngineCheckpointError.self) { try target.restoreCheckpoint(garbage) }
        }
        var restored = 0
        for _ in 0..<300 {
            var mutated = bytes
            for _ in 0..<(1 + rng.next() % 3) {
                mutated[Int(rng.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            let fresh = try E.engine(specs)
            if (try? fresh.restoreCheckpoint(mutated)) != nil {
                restored += 1
                _ = fresh.evaluate(deltas: [], now: E.t0 + 2 * E.hour)
            }
        }
        // A bad header byte, a huge count, a wrong state: typed errors with offsets.
        var huge = Array("SLOE".utf8) + [1, 0]
        huge += [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
        do {
            _ = try target.restoreCheckpoint(huge)
            Issue.record("huge count accepted")
        } catch {
            #expect(error.offset == 6 && error.reason.contains("SLO count"))
        }
        var version = bytes
        version[4] = 9
        #expect(throws: SLOEngineCheckpointError(offset: 4, "unsupported checkpoint version 9")) { try target.restoreCheckpoint(version) }
    }
}
