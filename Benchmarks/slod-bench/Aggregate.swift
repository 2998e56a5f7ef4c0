import Aggregation
import Foundation
import OTLP

/// `slod-bench aggregate`: ns/point applying a fixture to one warm shard (every series already
/// exists), i.e. the shard-side cost per point after decoding. The fixture's points are half
/// counter (Sum) points and half 15-bucket histogram points.
func benchAggregate(_ o: Options) {
    for name in ["metrics_medium.pb", "metrics_large.pb"] {
        let bytes = loadFixture(name)
        let sink = ShardingSink(shards: 1)
        let decoder = OTLPProtobufDecoder()
        let summary = bytes.withUnsafeBytes { b in try! decoder.decode(b, context: RequestContext(encoding: .protobuf), into: sink) }
        guard let slice = sink.takeSlices()[0] else { fail("no slice") }
        let shard = AggregatorShard()
        var now: UInt64 = 1
        _ = shard.apply(slice, now: now)   // creates the series
        let t = timeBest(rounds: o.rounds) {
            now += 1
            consume(shard.apply(slice, now: now).applied)
        }
        let points = summary.acceptedPoints
        print(name.padding(toLength: 20, withPad: " ", startingAt: 0)
              + String(format: " %6d points (half counter, half 15-bucket histogram): %6.1f ns/point, %.2f M points/s per core",
                       points, t / Double(points) * 1e9, Double(points) / t / 1e6))
    }
}
