import Aggregation
import Alerting
import CFuzz
import Config
import SLO
import SLOEngine

/// libFuzzer target for the sections of a checkpoint (`Sources/Daemon/StorageService.swift`):
/// the first byte picks the decoder, the rest is the section body.
///
/// - 0: shard series (`SeriesCheckpoint`): validated, restored into a fresh shard with SLO
///   links, which must then render its families and take a point without trapping;
/// - 1: SLO engine instance states: restored into a fresh engine, which must then evaluate;
/// - 2: alert states: decoded; what was accepted must encode and decode to the same states;
/// - 3: the alert history: decoded; what was accepted must encode to the same bytes.
///
/// Checkpoints carry CRCs, so these bytes are damaged only by a bug or a hostile file; the
/// decoders must still never trap. The SLOs below are the ones the seed checkpoint was written with.
@main
struct FuzzCheckpoint {
    static let config = """
    slos:
      - service: fuzz
        name: availability
        objective: 99.9
        sli: {events: {total: fuzz_requests_total, bad: 'fuzz_requests_total{code="500"}'}}
      - service: fuzz
        name: latency
        objective: 99
        group_by: [route]
        sli: {latency: {histogram: fuzz_duration_seconds, threshold: 0.25}}
      - service: fuzz
        name: slices
        objective: 95
        budgeting: timeslices
        slice_target: 0.9
        sli: {events: {total: fuzz_requests_total, good: 'fuzz_requests_total{code="200"}'}}
    """

    /// Parsed for every input: specs kept across inputs hold pointers with enum tag bits that
    /// LeakSanitizer does not recognise, so it would report them as leaked at exit.
    static func specs() -> [SLOSpec] {
        guard case .success(let parsed) = ConfigLoader.parse(Array(config.utf8), file: "fuzz.yaml") else {
            fatalError("the fuzz target's SLO config does not parse")
        }
        return parsed.slos
    }

    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let rc = cfuzz_run(&argc, &argv) { data, size in
            guard size > 0 else { return 0 }
            let specs = FuzzCheckpoint.specs()
            let input = UnsafeRawBufferPointer(start: data, count: size)
            let body = Array(input[1...])
            switch input[0] % 4 {
            case 0:
                guard (try? SeriesCheckpoint.validate(body)) != nil else { return 0 }
                let registry = SLOInstanceRegistry(specs: specs)
                let layouts = specs.map { try! SLOLayout($0.configuration) }
                let slo = ShardSLO(matcher: SLOMatcher(specs: specs), registry: registry, layouts: layouts)
                let shard = AggregatorShard(maxSeries: 10_000, slo: slo)
                _ = try? SeriesCheckpoint.restore([body], into: [shard], now: 1)
                var families: [MetricFamily] = []
                shard.snapshot(into: &families)
                _ = shard.sloReport()
                shard.sweep(now: 1 << 62)
            case 1:
                let registry = SLOInstanceRegistry(specs: specs)
                guard let engine = try? SLOEngine(specs: specs, registry: registry) else { fatalError("engine") }
                if (try? engine.restoreCheckpoint(body)) != nil {
                    _ = engine.evaluate(deltas: [], now: 1_800_000_000_000_000_000)
                }
            case 3:
                guard let entries = try? AlertHistory.decode(body) else { return 0 }
                var again: [UInt8] = []
                AlertHistory(retentionNanos: 1, entries: entries).encode(into: &again)
                precondition(again == body, "the alert history does not survive re-encoding")
            default:
                guard let states = try? AlertEvaluator.decodeCheckpoint(body) else { return 0 }
                var again: [UInt8] = []
                AlertEvaluator.encodeCheckpoint(states, into: &again)
                precondition((try? AlertEvaluator.decodeCheckpoint(again)) == states, "alert states do not survive re-encoding")
            }
            return 0
        }
        exit(rc)
    }
}

import Exposition
#if canImport(Glibc)
import Glibc
#endif
