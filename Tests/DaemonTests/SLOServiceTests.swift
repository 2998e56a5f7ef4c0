import Platform
import SLO
import Selectors
import Testing
@testable import Aggregation
@testable import Daemon

/// A reconfiguration of the SLO engine and an evaluation tick never overlap: a reload that
/// cannot get the engine fails with nothing changed, and a tick waits out a reconfiguration
/// until the engine has followed the shards.
@Suite(.serialized) struct SLOServiceTests {
    static func spec(_ name: String) throws -> SLOSpec {
        try SLOSpec(service: "checkout", name: name, objective: Objective(percent: "99.9"), period: .rolling(seconds: 30 * 86_400),
                    budgeting: .occurrences,
                    sli: .events(total: try SeriesSelector.parse("http_requests_total"), good: nil,
                                 bad: try SeriesSelector.parse("http_requests_total{code=~\"5..\"}")),
                    groupBy: [], maxInstances: SLOSpec.defaultMaxInstances, labels: [:], noData: .ignore,
                    source: SLOSpec.Source(file: "slod.yaml", line: 1, column: 1))
    }

    /// A service with SLO `a` and one shard fed by it, the shard thread not started.
    static func setUp() throws -> (SLOService, ShardRuntime<AggregatorShard>) {
        let service = try SLOService(specs: [spec("a")])
        let runtime = try ShardRuntime(loops: 1, workers: [AggregatorShard(slo: service.shardPart())])
        return (service, runtime)
    }

    /// The SLO names each shard matches series against, asked on the shard threads (which
    /// answers only after every earlier control request).
    static func shardSLONames(_ runtime: ShardRuntime<AggregatorShard>) -> [String]? {
        Deadline.after(.seconds(10)).answer { done in
            runtime.collect({ shard in Array((shard.slo?.registry.specs.map(\.name) ?? []).joined(separator: ",").utf8) },
                            done: { parts in done(parts.map { String(decoding: $0, as: UTF8.self) }) })
        }
    }

    @Test func aReloadDuringATickFailsAndKeepsTheRunningSLOs() throws {
        let (service, runtime) = try Self.setUp()
        // The tick holds the engine until the shards answer, and they are not running yet.
        service.tick(runtime: runtime)
        let start = Clock.monotonicNanos()
        #expect(throws: SLOService.ReconfigurationError.self) {
            try service.reconfigure(specs: [Self.spec("a"), Self.spec("b")], runtime: runtime, turnWait: .milliseconds(200))
        }
        let waitedMillis = (Clock.monotonicNanos() - start) / 1_000_000
        #expect(waitedMillis >= 200 && waitedMillis < 5_000, "gave up after \(waitedMillis) ms of a 200 ms wait")
        #expect(service.specs.map(\.name) == ["a"])

        try runtime.start()
        defer { runtime.stop() }
        // The held tick completes with the old SLOs, and the failed reload never reached the shards.
        #expect(Deadline.after(.seconds(10)).poll(every: .milliseconds(5)) { service.snapshot != nil })
        #expect(service.snapshot?.specs.map(\.name) == ["a"])
        #expect(Self.shardSLONames(runtime) == ["a"])

        // With the engine free, the same reload goes through: engine and shards switch together.
        try service.reconfigure(specs: [Self.spec("a"), Self.spec("b")], runtime: runtime, turnWait: .milliseconds(200))
        #expect(service.specs.map(\.name) == ["a", "b"])
        #expect(Self.shardSLONames(runtime) == ["a,b"])
    }

    @Test func aTickWaitsUntilTheEngineHasFollowedTheShards() throws {
        let (service, runtime) = try Self.setUp()
        // The shards are not running: the reconfiguration is asked of them but not done, and
        // the call stops waiting while the engine's turn stays held.
        #expect(throws: SLOService.ReconfigurationError.self) {
            try service.reconfigure(specs: [Self.spec("a"), Self.spec("b")], runtime: runtime, switchWait: .milliseconds(100))
        }
        #expect(service.specs.map(\.name) == ["a"])
        service.tick(runtime: runtime)   // skipped: the reconfiguration holds the engine

        try runtime.start()
        defer { runtime.stop() }
        #expect(Deadline.after(.seconds(10)).poll(every: .milliseconds(5)) { service.specs.count == 2 })
        // Every control request posted so far has been answered, and what they queued has run.
        #expect(Self.shardSLONames(runtime) == ["a,b"])
        service.queue.sync {}
        #expect(service.snapshot == nil, "a tick ran during the reconfiguration")

        // The turn came back: the next tick evaluates the new SLOs.
        service.tick(runtime: runtime)
        #expect(Deadline.after(.seconds(10)).poll(every: .milliseconds(5)) { service.snapshot != nil })
        #expect(service.snapshot?.specs.map(\.name) == ["a", "b"])
    }
}
