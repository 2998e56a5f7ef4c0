import Aggregation
import Foundation
import OTLP

/// `slod-bench aggregate`: ns/point applying a fixture to one warm shard (every series already
/// exists), i.e. the shard-side cost per point after decoding (record parsing, series lookup,
/// state update). The fixtures' points are half counter (monotonic cumulative Sum) points and
/// half 15-bucket histogram points; each kind is also measured alone (the targets are
/// per kind), by decoding the fixture through a filter that keeps only that kind.
func benchAggregate(_ o: Options) {
    // SLOD_BENCH_FIXTURE=NAME: one fixture (for profiling).
    let names = ProcessInfo.processInfo.environment["SLOD_BENCH_FIXTURE"].map { [$0] } ?? ["metrics_medium.pb", "metrics_large.pb"]
    for name in names {
        let bytes = loadFixture(name)
        // SLOD_BENCH_AGGREGATE_ONLY=number|histogram|all: one configuration (for profiling).
        let kinds: [PointFilter.Kind] = switch ProcessInfo.processInfo.environment["SLOD_BENCH_AGGREGATE_ONLY"] {
        case "number": [.number]
        case "histogram": [.histogram]
        case "all": [.all]
        default: [.all, .number, .histogram]
        }
        for only in kinds {
            let sink = ShardingSink(shards: 1)
            let filter = PointFilter(sink, only: only)
            let decoder = OTLPProtobufDecoder()
            _ = bytes.withUnsafeBytes { b in try! decoder.decode(b, context: RequestContext(encoding: .protobuf), into: filter) }
            guard let slice = sink.takeSlices()[0] else { fail("no slice") }
            let shard = AggregatorShard()
            var now: UInt64 = 1
            let points = shard.apply(slice, now: now).applied   // creates the series
            let t = timeBest(rounds: o.rounds) {
                now += 1
                consume(shard.apply(slice, now: now).applied)
            }
            // The loop side: decode into the ShardingSink (records for the shards), per point,
            // with the slice recycled as ShardRuntime does.
            final class Spare { var slice: BatchSlice? }
            let spare = Spare()
            sink.recycledSlice = { _ in defer { spare.slice = nil }; return spare.slice }
            let tSink = timeBest(rounds: o.rounds) {
                _ = bytes.withUnsafeBytes { b in try! decoder.decode(b, context: RequestContext(encoding: .protobuf), into: filter) }
                spare.slice = sink.takeSlices()[0]
            }
            print(name.padding(toLength: 20, withPad: " ", startingAt: 0) + only.label.padding(toLength: 26, withPad: " ", startingAt: 0)
                  + String(format: " decode → ShardingSink: %6.1f ns/point", tSink / Double(points) * 1e9))
            print(name.padding(toLength: 20, withPad: " ", startingAt: 0)
                  + only.label.padding(toLength: 26, withPad: " ", startingAt: 0)
                  + String(format: " %6d points: %6.1f ns/point, %6.2f M points/s per core",
                           points, t / Double(points) * 1e9, Double(points) / t / 1e6))
        }
    }
}

/// Forwards to a sink only the points of one kind (and every resource/scope/metric header).
final class PointFilter: MetricsSink {
    enum Kind {
        case all, number, histogram
        var label: String {
            switch self {
            case .all: "mixed (counter+histogram)"
            case .number: "counter points only"
            case .histogram: "15-bucket histogram only"
            }
        }
    }
    let next: MetricsSink
    let only: Kind
    init(_ next: MetricsSink, only: Kind) { self.next = next; self.only = only }
    func beginRequest(_ context: RequestContext) { next.beginRequest(context) }
    func resource(_ resource: ResourceView) { next.resource(resource) }
    func scope(_ scope: ScopeView) { next.scope(scope) }
    var rawAttributeCache: RawAttributeCache? { next.rawAttributeCache }
    func metric(_ metric: MetricView) { next.metric(metric) }
    func numberPoint(_ point: NumberPointView) { if only != .histogram { next.numberPoint(point) } }
    func histogramPoint(_ point: HistogramPointView) { if only != .number { next.histogramPoint(point) } }
    func exponentialHistogramPoint(_ point: ExponentialHistogramPointView) { if only == .all { next.exponentialHistogramPoint(point) } }
    func summaryPoint(_ point: SummaryPointView) { if only == .all { next.summaryPoint(point) } }
    func endRequest(committed: Bool) { next.endRequest(committed: committed) }
}
