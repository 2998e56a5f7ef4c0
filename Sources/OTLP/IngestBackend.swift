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
    /// Commits what `loop`'s sink received for the request that just decoded.
    func commit(loop: Int, completion: @escaping @Sendable (IngestCommit) -> Void) -> IngestCommitStart
}

/// What the backend rejected while applying (cardinality limits, out-of-order points, …).
public struct IngestCommit: Sendable, Equatable {
    public var rejected = 0
    public var firstRejection: String? = nil
    public var rejectedByReason: [String: Int] = [:]
    public init(rejected: Int = 0, firstRejection: String? = nil, rejectedByReason: [String: Int] = [:]) {
        self.rejected = rejected
        self.firstRejection = firstRejection
        self.rejectedByReason = rejectedByReason
    }
}

public enum IngestCommitStart: Sendable, Equatable {
    case done(IngestCommit)
    case pending
    case unavailable(retryAfter: Int)
}

/// The backend used until aggregation is wired in: keeps nothing, commits at once. Points are
/// still counted (`slod_ingest_points_total`) by the receiver.
public final class DiscardingBackend: IngestBackend {
    public init() {}
    public func makeSink(loop: Int) -> MetricsSink { DiscardingSink() }
    public func commit(loop: Int, completion: @escaping @Sendable (IngestCommit) -> Void) -> IngestCommitStart {
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
