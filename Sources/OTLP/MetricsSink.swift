/// Borrowed bytes: a view into a request buffer or a decoder's scratch arena.
///
/// Valid only for the duration of the sink call that received it (and, for the request buffer,
/// until the decode call returns). Copy (`array`, `string`) what must live longer.
public struct ByteView: Equatable, CustomStringConvertible {
    public let base: UnsafeRawPointer?
    public let count: Int

    @inlinable public init(base: UnsafeRawPointer?, count: Int) {
        self.base = base
        self.count = count
    }

    public static var empty: ByteView { ByteView(base: nil, count: 0) }

    @inlinable public var isEmpty: Bool { count == 0 }
    @inlinable public var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
    /// A copy as a String (allocates; the bytes are valid UTF-8 by the decoders' contract).
    public var string: String { String(decoding: buffer, as: UTF8.self) }
    public var array: [UInt8] { Array(buffer) }
    public var description: String { string }

    public static func == (a: ByteView, b: ByteView) -> Bool {
        a.count == b.count && (a.count == 0 || a.buffer.elementsEqual(b.buffer))
    }

    /// Byte equality with a literal, e.g. `view == "service.name"`.
    public static func == (a: ByteView, b: StaticString) -> Bool {
        a.count == b.utf8CodeUnitCount && (a.count == 0 || a.buffer.elementsEqual(UnsafeRawBufferPointer(start: b.utf8Start, count: b.utf8CodeUnitCount)))
    }
}

/// An attribute value (`opentelemetry.proto.common.v1.AnyValue`).
///
/// Arrays and key-value lists are rendered as compact JSON text (as the OTel→Prometheus rules
/// require for label values), e.g. `["a",1,true]` and `{"k":"v"}`; bytes values are kept raw
/// (`bytes`) and rendered base64 by whoever needs text.
public enum AttributeValue: Equatable {
    case string(ByteView)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case bytes(ByteView)
    /// An `arrayValue` or `kvlistValue` rendered as JSON.
    case json(ByteView)
    /// `AnyValue` with no member set.
    case empty
}

/// One `KeyValue`. Keys are non-empty valid UTF-8 (enforced by the decoders).
public struct Attribute: Equatable {
    public var key: ByteView
    public var value: AttributeValue
    @inlinable public init(key: ByteView, value: AttributeValue) {
        self.key = key
        self.value = value
    }
}

/// An attribute list in wire order, borrowed from the decoder (valid during the sink call).
/// Duplicate keys are passed through; consumers apply "last wins".
public typealias Attributes = UnsafeBufferPointer<Attribute>

/// What the request carried besides the payload.
public struct RequestContext {
    /// `application/x-protobuf` or `application/json`.
    public enum Encoding: Sendable, Equatable { case protobuf, json }
    public var encoding: Encoding
    /// The tenant from the configured header (`X-Scope-OrgID` by default), empty if none.
    public var tenant: ByteView

    public init(encoding: Encoding, tenant: ByteView = .empty) {
        self.encoding = encoding
        self.tenant = tenant
    }
}

/// `opentelemetry.proto.resource.v1.Resource` plus the enclosing `ResourceMetrics.schema_url`.
public struct ResourceView {
    public var attributes: Attributes
    public var droppedAttributesCount: UInt32
    public var schemaURL: ByteView
    public init(attributes: Attributes, droppedAttributesCount: UInt32 = 0, schemaURL: ByteView = .empty) {
        self.attributes = attributes
        self.droppedAttributesCount = droppedAttributesCount
        self.schemaURL = schemaURL
    }
}

/// `InstrumentationScope` plus the enclosing `ScopeMetrics.schema_url`.
public struct ScopeView {
    public var name: ByteView
    public var version: ByteView
    public var attributes: Attributes
    public var droppedAttributesCount: UInt32
    public var schemaURL: ByteView
    public init(name: ByteView, version: ByteView, attributes: Attributes, droppedAttributesCount: UInt32 = 0, schemaURL: ByteView = .empty) {
        self.name = name
        self.version = version
        self.attributes = attributes
        self.droppedAttributesCount = droppedAttributesCount
        self.schemaURL = schemaURL
    }
}

public enum MetricKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case gauge, sum, histogram, exponentialHistogram, summary
    public var description: String {
        switch self {
        case .gauge: "gauge"
        case .sum: "sum"
        case .histogram: "histogram"
        case .exponentialHistogram: "exponential_histogram"
        case .summary: "summary"
        }
    }
}

/// `AggregationTemporality`. Unknown wire values are rejected by the decoders (points of such a
/// metric are counted as rejected), so sinks only see these.
public enum Temporality: UInt8, Sendable {
    case unspecified = 0, delta = 1, cumulative = 2
}

/// A `Metric` header: everything but its data points.
public struct MetricView {
    public var name: ByteView
    public var description: ByteView
    public var unit: ByteView
    public var kind: MetricKind
    /// `.unspecified` for gauges and summaries.
    public var temporality: Temporality
    /// `Sum.is_monotonic`; false for other kinds.
    public var isMonotonic: Bool
    public init(name: ByteView, description: ByteView, unit: ByteView, kind: MetricKind, temporality: Temporality, isMonotonic: Bool) {
        self.name = name
        self.description = description
        self.unit = unit
        self.kind = kind
        self.temporality = temporality
        self.isMonotonic = isMonotonic
    }
}

/// `DataPointFlags`.
@frozen
public struct DataPointFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `FLAG_NO_RECORDED_VALUE`: the point marks a stale/absent series; its values are meaningless.
    /// A computed constant, not a `static let`: a global `let` in another module is reached through a
    /// lazy-initialization accessor on every use, which showed up on the per-point path.
    @inlinable public static var noRecordedValue: DataPointFlags { DataPointFlags(rawValue: 1) }
}

/// `NumberDataPoint.value`.
public enum NumberValue: Sendable, Equatable {
    case double(Double)
    case int(Int64)
    /// No value; only legal with `noRecordedValue` (otherwise the point is rejected).
    case none
}

/// Fields every point kind shares.
public struct PointCommon {
    public var attributes: Attributes
    public var startTimeUnixNano: UInt64
    public var timeUnixNano: UInt64
    public var flags: DataPointFlags
    /// Exemplars are validated and skipped; only their number is reported.
    public var exemplarCount: Int
    /// With a sink's `RawAttributeCache` (protobuf only): the cache entry for this point's
    /// attribute list when the decoder found its raw bytes there — `attributes` is then empty
    /// and the entry's payload stands for it — or -1.
    public var cachedAttributes: Int32 = -1
    /// With a cache, on a miss: the raw protobuf bytes of the point's attribute list (one
    /// contiguous run of `KeyValue` records, all decoded into `attributes`), for
    /// `RawAttributeCache.insert`; empty when the list cannot be cached.
    public var rawAttributes: ByteView = .empty
    public init(attributes: Attributes, startTimeUnixNano: UInt64, timeUnixNano: UInt64, flags: DataPointFlags = [], exemplarCount: Int = 0) {
        self.attributes = attributes
        self.startTimeUnixNano = startTimeUnixNano
        self.timeUnixNano = timeUnixNano
        self.flags = flags
        self.exemplarCount = exemplarCount
    }
}

public struct NumberPointView {
    public var common: PointCommon
    public var value: NumberValue
    public init(common: PointCommon, value: NumberValue) { self.common = common; self.value = value }
}

public struct HistogramPointView {
    public var common: PointCommon
    public var count: UInt64
    public var sum: Double?
    public var min: Double?
    public var max: Double?
    /// `explicitBounds.count + 1` counts (validated), or both empty (only count/sum known).
    public var bucketCounts: UnsafeBufferPointer<UInt64>
    public var explicitBounds: UnsafeBufferPointer<Double>
    public init(common: PointCommon, count: UInt64, sum: Double?, min: Double?, max: Double?,
                bucketCounts: UnsafeBufferPointer<UInt64>, explicitBounds: UnsafeBufferPointer<Double>) {
        self.common = common; self.count = count; self.sum = sum; self.min = min; self.max = max
        self.bucketCounts = bucketCounts; self.explicitBounds = explicitBounds
    }
}

/// `ExponentialHistogramDataPoint.Buckets`.
public struct ExponentialBuckets {
    public var offset: Int32
    public var counts: UnsafeBufferPointer<UInt64>
    public init(offset: Int32, counts: UnsafeBufferPointer<UInt64>) { self.offset = offset; self.counts = counts }
    public static var empty: ExponentialBuckets { ExponentialBuckets(offset: 0, counts: UnsafeBufferPointer(start: nil, count: 0)) }
}

public struct ExponentialHistogramPointView {
    public var common: PointCommon
    public var count: UInt64
    public var sum: Double?
    public var min: Double?
    public var max: Double?
    public var scale: Int32
    public var zeroCount: UInt64
    public var zeroThreshold: Double
    public var positive: ExponentialBuckets
    public var negative: ExponentialBuckets
    public init(common: PointCommon, count: UInt64, sum: Double?, min: Double?, max: Double?, scale: Int32, zeroCount: UInt64,
                zeroThreshold: Double, positive: ExponentialBuckets, negative: ExponentialBuckets) {
        self.common = common; self.count = count; self.sum = sum; self.min = min; self.max = max; self.scale = scale
        self.zeroCount = zeroCount; self.zeroThreshold = zeroThreshold; self.positive = positive; self.negative = negative
    }
}

/// `SummaryDataPoint.ValueAtQuantile`.
public struct QuantileValue: Sendable, Equatable {
    public var quantile: Double
    public var value: Double
    public init(quantile: Double, value: Double) { self.quantile = quantile; self.value = value }
}

public struct SummaryPointView {
    public var common: PointCommon
    public var count: UInt64
    public var sum: Double
    public var quantiles: UnsafeBufferPointer<QuantileValue>
    public init(common: PointCommon, count: UInt64, sum: Double, quantiles: UnsafeBufferPointer<QuantileValue>) {
        self.common = common; self.count = count; self.sum = sum; self.quantiles = quantiles
    }
}

/// Receives the decoded content of one `ExportMetricsServiceRequest`, in document order:
/// `beginRequest`, then for each resource `resource`, for each scope `scope`, for each metric
/// `metric` followed by its valid points, and finally `endRequest`.
///
/// Every view is borrowed and valid only during the call. Points the decoder rejected (see
/// `OTLPValidation`) never reach the sink. If decoding fails part-way (the request gets a 400),
/// `endRequest(committed: false)` is called and the sink must discard everything it received for
/// this request: nothing of an undecodable request is kept.
///
/// Sinks run on the event loop that decoded the request: they must not block.
public protocol MetricsSink: AnyObject {
    func beginRequest(_ context: RequestContext)
    func resource(_ resource: ResourceView)
    func scope(_ scope: ScopeView)
    func metric(_ metric: MetricView)
    func numberPoint(_ point: NumberPointView)
    func histogramPoint(_ point: HistogramPointView)
    func exponentialHistogramPoint(_ point: ExponentialHistogramPointView)
    func summaryPoint(_ point: SummaryPointView)
    func endRequest(committed: Bool)
    /// A cache of raw point attribute lists this sink fills (see `RawAttributeCache`), or nil
    /// (the default): then every point arrives with decoded `attributes`. Read once per request.
    var rawAttributeCache: RawAttributeCache? { get }
}

extension MetricsSink {
    public var rawAttributeCache: RawAttributeCache? { nil }
}

/// What a successful decode found. `rejectedPoints` and `firstRejection` become the response's
/// `partial_success`.
public struct DecodeSummary: Sendable, Equatable {
    public var resources = 0
    public var scopes = 0
    public var metrics = 0
    /// Points handed to the sink.
    public var acceptedPoints = 0
    /// Points dropped by validation (not handed to the sink).
    public var rejectedPoints = 0
    /// Human-readable reason for the first rejected point, naming the metric,
    /// e.g. `histogram point of "http.server.duration" has 3 bucket counts for 3 bounds`.
    public var firstRejection: String? = nil
    /// Rejected points by reason (labels of `slod_ingest_rejected_points_total{reason}`).
    public var rejectedByReason: [RejectionReason: Int] = [:]
    public init() {}
}

/// Why a point was rejected (OTLP wire reference, Part C). The raw values label self-metrics.
public enum RejectionReason: String, Sendable, CaseIterable, Hashable {
    /// NumberDataPoint without a value and without `no_recorded_value`.
    case missingValue = "missing_value"
    /// `time_unix_nano == 0`.
    case missingTimestamp = "missing_timestamp"
    /// Sum/Histogram/ExponentialHistogram with temporality 0 or unknown.
    case invalidTemporality = "invalid_temporality"
    /// Bucket counts vs bounds mismatch, non-increasing or NaN bounds, bucket sum ≠ count.
    case invalidBuckets = "invalid_buckets"
    /// Summary quantile outside [0, 1] or NaN.
    case invalidQuantile = "invalid_quantile"
    /// Metric with an empty name (all its points).
    case missingMetricName = "missing_metric_name"
    /// Exponential histogram scale outside [-10, 20].
    case invalidScale = "invalid_scale"
}

/// A request that cannot be decoded (→ 400 with a `google.rpc.Status`).
public struct OTLPDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Developer-facing text naming the problem and, where known, the field path.
    public var message: String
    /// Byte offset in the (decompressed) payload where the problem was found.
    public var offset: Int
    public init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }
    public var description: String { "\(message) at offset \(offset)" }
}
