/// Where decoded points go after a request decoded successfully, and when its `200` may be sent.
///
/// The receiver decodes into `makeSink(loop:)`'s sink on the event loop, then calls `commit`. A
/// backend that applies points elsewhere (aggregator shards) answers `.pending` and calls the
/// completion — from any thread — once everything is applied; the HTTP response waits for it
/// (DESIGN §1: a `200` means applied). `.unavailable` means nothing of the request was applied
/// and the client should retry (503 + `Retry-After`).
public protocol IngestBackend: AnyObject, Sendable {
    /// The sink loop `loop` decodes into (called once per loop at start-up; used only on that loop).
    func makeSink(loop: Int) -> MetricsSink
    /// Commits what `loop`'s sink received for the request that just decoded. `request` is the
    /// request as received (valid during the call only), for a backend that logs it first.
    func commit(loop: Int, request: IngestRequestInfo, completion: @escaping @Sendable (IngestCommit) -> Void) -> IngestCommitStart
}

/// A decoded request as it arrived. Borrowed: valid only during `IngestBackend.commit`.
public struct IngestRequestInfo {
    /// The body exactly as received (still compressed when `coding` is not identity).
    public var body: UnsafeRawBufferPointer
    public var encoding: RequestContext.Encoding
    public var coding: ContentCoding
    /// The tenant header's value, empty if none.
    public var tenant: ByteView
    /// Wall-clock Unix nanoseconds when the request was decoded.
    public var receivedNanos: Int64

    public init(body: UnsafeRawBufferPointer, encoding: RequestContext.Encoding, coding: ContentCoding, tenant: ByteView,
                receivedNanos: Int64) {
        self.body = body
        self.encoding = encoding
        self.coding = coding
        self.tenant = tenant
        self.receivedNanos = receivedNanos
    }
}

/// What the backend rejected while applying (cardinality limits, out-of-order points, …).
public struct IngestCommit: Sendable, Equatable {
    public var rejected = 0
    public var firstRejection: String? = nil
    public var rejectedByReason: [String: Int] = [:]
    /// Set when the request could not be made durable after all (an fsync failed): the client
    /// gets 503 with this message and `Retry-After: 1` instead of the `200`.
    public var unavailable: String? = nil
    public init(rejected: Int = 0, firstRejection: String? = nil, rejectedByReason: [String: Int] = [:], unavailable: String? = nil) {
        self.rejected = rejected
        self.firstRejection = firstRejection
        self.rejectedByReason = rejectedByReason
        self.unavailable = unavailable
    }
}

public enum IngestCommitStart: Sendable, Equatable {
    case done(IngestCommit)
    case pending
    /// Nothing was applied; `reason` completes "slod cannot take data now (…)".
    case unavailable(retryAfter: Int, reason: String)
}

/// The backend used until aggregation is wired in: keeps nothing, commits at once. Points are
/// still counted (`slod_ingest_points_total`) by the receiver.
public final class DiscardingBackend: IngestBackend {
    public init() {}
    public func makeSink(loop: Int) -> MetricsSink { DiscardingSink() }
    public func commit(loop: Int, request: IngestRequestInfo, completion: @escaping @Sendable (IngestCommit) -> Void) -> IngestCommitStart {
        .done(IngestCommit())
    }
}

/// A sink that ignores everything.
public final class DiscardingSink: MetricsSink {
    public init() {}
    public func beginRequest(_ context: RequestContext) {}
    public func resource(_ resource: ResourceView) {}
    public func scope(_ scope: ScopeView) {}
    public func metric(_ metric: MetricView) {}
    public func numberPoint(_ point: NumberPointView) {}
    public func histogramPoint(_ point: HistogramPointView) {}
    public func exponentialHistogramPoint(_ point: ExponentialHistogramPointView) {}
    public func summaryPoint(_ point: SummaryPointView) {}
    public func endRequest(committed: Bool) {}
}
