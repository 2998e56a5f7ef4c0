import Primitives
import Synchronization

/// Ingestion self-metrics, created once; recording is a relaxed atomic add per request or per
/// batch of points, never per point.
public final class IngestMetrics: Sendable {
    /// `type` label values of `slod_ingest_points_total`.
    public static let pointTypes = ["number", "histogram", "exponential_histogram", "summary"]
    /// `code` label values with their own series in `slod_ingest_requests_total`.
    public static let codes = [200, 400, 413, 415, 429, 500, 503]
    public static let encodings = ["protobuf", "json"]

    /// Accepted points by type (index as `pointTypes`).
    public let points: [Counter]
    /// requests[encoding][code index]; the last code slot counts anything else.
    public let requests: [[Counter]]
    /// Rejected points by `RejectionReason` (index as `RejectionReason.allCases`).
    public let rejected: [Counter]
    /// Time to inflate and decode a request body, by encoding.
    public let decodeSeconds: [Histogram]
    /// Bytes received (as sent) and after decompression, by encoding.
    public let receivedBytes: [Counter]
    public let decompressedBytes: [Counter]

    public init() {
        points = Self.pointTypes.map { _ in Counter() }
        requests = Self.encodings.map { _ in (0...Self.codes.count).map { _ in Counter() } }
        rejected = RejectionReason.allCases.map { _ in Counter() }
        let bounds = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
        decodeSeconds = Self.encodings.map { _ in Histogram(bounds: bounds) }
        receivedBytes = Self.encodings.map { _ in Counter() }
        decompressedBytes = Self.encodings.map { _ in Counter() }
    }

    @inline(__always) static func index(_ e: RequestContext.Encoding) -> Int { e == .protobuf ? 0 : 1 }

    public func recordRequest(encoding: RequestContext.Encoding, status: Int) {
        let slot = Self.codes.firstIndex(of: status) ?? Self.codes.count
        requests[Self.index(encoding)][slot].add(1)
    }

    /// The `code` label of slot `i` of `requests[e]`.
    public static func codeLabel(slot i: Int) -> String { i < codes.count ? String(codes[i]) : "other" }

    /// Points rejected by the backend (shards), by reason label; updated once per request.
    let backendRejected = Mutex<[String: UInt64]>([:])

    /// Snapshot of backend rejections by reason (for rendering).
    public var backendRejections: [String: UInt64] { backendRejected.withLock { $0 } }

    func recordCommit(_ c: IngestCommit, acceptedByType: [Int]) {
        for i in 0..<4 where acceptedByType[i] > 0 { points[i].add(UInt64(acceptedByType[i])) }
        guard c.rejected > 0 else { return }
        backendRejected.withLock { m in
            for (reason, n) in c.rejectedByReason { m[reason, default: 0] += UInt64(n) }
        }
    }

    func recordRejections(_ summary: DecodeSummary) {
        guard summary.rejectedPoints > 0 else { return }
        for (i, reason) in RejectionReason.allCases.enumerated() {
            if let n = summary.rejectedByReason[reason], n > 0 { rejected[i].add(UInt64(n)) }
        }
    }
}
