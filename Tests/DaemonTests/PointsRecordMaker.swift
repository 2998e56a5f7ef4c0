import Aggregation
import OTLP

/// Points records as the WAL writes them, made from OTLP/JSON bodies through the live path
/// (JSON decoder → `ShardingSink` → `PointsRecordEncoder`).
enum PointsRecordMaker {
    /// One record per body, each standalone (it starts its lane's dictionaries over), so the
    /// records replay in any order.
    static func records(_ bodies: [String], lane: Int = 0, segment: Int = 1) throws -> [[UInt8]] {
        let decoder = OTLPJSONDecoder()
        let sink = ShardingSink(shards: 1)
        let encoder = PointsRecordEncoder(lane: lane)
        var out: [[UInt8]] = []
        for (k, body) in bodies.enumerated() {
            let bytes = Array(body.utf8)
            _ = try bytes.withUnsafeBytes { try decoder.decode($0, context: RequestContext(encoding: .json), into: sink) }
            encoder.recordLost()
            out.append(Array(encoder.encode(sink.takeSlices(), receivedNanos: Int64(k), segment: segment)))
        }
        return out
    }
}
