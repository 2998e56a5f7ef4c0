/// A sink that copies everything it receives into owned values: for tests, fixtures checks and
/// debugging tools. Allocates per point; never use it on the ingest path.
public final class RecordingSink: MetricsSink {
    public struct OwnedAttribute: Equatable, Sendable, CustomStringConvertible {
        public var key: String
        public var value: OwnedValue
        public init(key: String, value: OwnedValue) { self.key = key; self.value = value }
        public var description: String { "\(key)=\(value)" }
    }

    public enum OwnedValue: Equatable, Sendable, CustomStringConvertible {
        case string(String), bool(Bool), int(Int64), double(Double), bytes([UInt8]), json(String), empty
        public var description: String {
            switch self {
            case .string(let s): "\"\(s)\""
            case .bool(let b): "\(b)"
            case .int(let i): "\(i)"
            case .double(let d): "\(d)"
            case .bytes(let b): "bytes(\(b.count))"
            case .json(let j): j
            case .empty: "<empty>"
            }
        }
    }

    public struct Resource: Equatable, Sendable {
        public var attributes: [OwnedAttribute]
        public var schemaURL: String
        public var scopes: [Scope] = []
    }

    public struct Scope: Equatable, Sendable {
        public var name: String
        public var version: String
        public var attributes: [OwnedAttribute]
        public var schemaURL: String
        public var metrics: [Metric] = []
    }

    public struct Metric: Equatable, Sendable {
        public var name: String
        public var description: String
        public var unit: String
        public var kind: MetricKind
        public var temporality: Temporality
        public var isMonotonic: Bool
        public var points: [Point] = []
    }

    /// One point of any kind, with the fields that kind has (others zero/empty).
    public struct Point: Equatable, Sendable {
        public var attributes: [OwnedAttribute]
        public var startTimeUnixNano: UInt64
        public var timeUnixNano: UInt64
        public var flags: UInt32
        public var exemplarCount: Int
        public var number: NumberValue = .none
        public var count: UInt64 = 0
        public var sum: Double? = nil
        public var min: Double? = nil
        public var max: Double? = nil
        public var bucketCounts: [UInt64] = []
        public var explicitBounds: [Double] = []
        public var scale: Int32 = 0
        public var zeroCount: UInt64 = 0
        public var zeroThreshold: Double = 0
        public var positiveOffset: Int32 = 0
        public var positiveCounts: [UInt64] = []
        public var negativeOffset: Int32 = 0
        public var negativeCounts: [UInt64] = []
        public var quantiles: [QuantileValue] = []

        init(_ c: PointCommon) {
            attributes = RecordingSink.own(c.attributes)
            startTimeUnixNano = c.startTimeUnixNano
            timeUnixNano = c.timeUnixNano
            flags = c.flags.rawValue
            exemplarCount = c.exemplarCount
        }
    }

    public private(set) var resources: [Resource] = []
    public private(set) var committed: [Resource] = []
    public private(set) var contexts: [RequestContext.Encoding] = []
    public private(set) var tenants: [String] = []
    public private(set) var requests = 0
    public private(set) var aborted = 0

    public init() {}

    static func own(_ attributes: Attributes) -> [OwnedAttribute] {
        attributes.map { a in
            let v: OwnedValue
            switch a.value {
            case .string(let s): v = .string(s.string)
            case .bool(let b): v = .bool(b)
            case .int(let i): v = .int(i)
            case .double(let d): v = .double(d)
            case .bytes(let b): v = .bytes(b.array)
            case .json(let j): v = .json(j.string)
            case .empty: v = .empty
            }
            return OwnedAttribute(key: a.key.string, value: v)
        }
    }

    /// All metrics of the committed requests, flattened.
    public var allMetrics: [Metric] { committed.flatMap { $0.scopes.flatMap(\.metrics) } }
    public var pointCount: Int { allMetrics.reduce(0) { $0 + $1.points.count } }

    public func beginRequest(_ context: RequestContext) {
        requests += 1
        contexts.append(context.encoding)
        tenants.append(context.tenant.string)
        resources = []
    }

    public func resource(_ r: ResourceView) {
        resources.append(Resource(attributes: Self.own(r.attributes), schemaURL: r.schemaURL.string))
    }

    public func scope(_ s: ScopeView) {
        precondition(!resources.isEmpty, "scope before resource")
        resources[resources.count - 1].scopes.append(Scope(name: s.name.string, version: s.version.string,
                                                           attributes: Self.own(s.attributes), schemaURL: s.schemaURL.string))
    }

    public func metric(_ m: MetricView) {
        precondition(!resources.isEmpty && !resources[resources.count - 1].scopes.isEmpty, "metric before scope")
        let r = resources.count - 1, s = resources[r].scopes.count - 1
        resources[r].scopes[s].metrics.append(Metric(name: m.name.string, description: m.description.string, unit: m.unit.string,
                                                     kind: m.kind, temporality: m.temporality, isMonotonic: m.isMonotonic))
    }

    private func append(_ p: Point) {
        let r = resources.count - 1, s = resources[r].scopes.count - 1, m = resources[r].scopes[s].metrics.count - 1
        precondition(m >= 0, "point before metric")
        resources[r].scopes[s].metrics[m].points.append(p)
    }

    public func numberPoint(_ p: NumberPointView) {
        var o = Point(p.common)
        o.number = p.value
        append(o)
    }

    public func histogramPoint(_ p: HistogramPointView) {
        var o = Point(p.common)
        o.count = p.count; o.sum = p.sum; o.min = p.min; o.max = p.max
        o.bucketCounts = Array(p.bucketCounts); o.explicitBounds = Array(p.explicitBounds)
        append(o)
    }

    public func exponentialHistogramPoint(_ p: ExponentialHistogramPointView) {
        var o = Point(p.common)
        o.count = p.count; o.sum = p.sum; o.min = p.min; o.max = p.max
        o.scale = p.scale; o.zeroCount = p.zeroCount; o.zeroThreshold = p.zeroThreshold
        o.positiveOffset = p.positive.offset; o.positiveCounts = Array(p.positive.counts)
        o.negativeOffset = p.negative.offset; o.negativeCounts = Array(p.negative.counts)
        append(o)
    }

    public func summaryPoint(_ p: SummaryPointView) {
        var o = Point(p.common)
        o.count = p.count; o.sum = p.sum; o.quantiles = Array(p.quantiles)
        append(o)
    }

    public func endRequest(committed ok: Bool) {
        if ok { committed.append(contentsOf: resources) } else { aborted += 1 }
        resources = []
    }
}
