import HTTP
import Platform
import Primitives

/// Settings of the OTLP/HTTP receiver.
public struct OTLPReceiverConfiguration: Sendable {
    public var maxDecompressedBytes: Int = 64 << 20
    public var maxCompressionRatio: Int = 1000
    /// Header naming the tenant; empty disables tenants.
    public var tenantHeader: String = "X-Scope-OrgID"
    public var rateLimitPointsPerSecond: Int = 0
    public var rateLimitBurstPoints: Int = 0
    public var decodeLimits: OTLPDecodeLimits = .default
    public init() {}
}

/// `POST /v1/metrics`: content-type and content-encoding dispatch, inflating with caps,
/// decoding into the sink, and the OTLP/HTTP responses (OTLP/HTTP reference §2–§5).
///
/// | situation | status |
/// |---|---|
/// | decoded, all points kept | 200, empty `ExportMetricsServiceResponse` |
/// | decoded, some points invalid | 200, `partial_success` |
/// | `Content-Type` not protobuf/JSON | 415, plain text |
/// | `Content-Encoding` not gzip/deflate/identity | 415, `Status` (the Collector uses 400; both are non-retryable, 415 is the HTTP meaning) |
/// | undecodable body, corrupt or truncated gzip, empty JSON body | 400, `Status` |
/// | body over `server.limits.max_body_bytes` (from `Content-Length`) | 413 (HTTP layer) |
/// | decompressed body over `ingest.max_decompressed_bytes` or ratio | 413, `Status` |
/// | over `ingest.rate_limit_points_per_second` | 429, `Status`, `Retry-After` |
/// | not ready (starting or draining) | 503, `Status`, `Retry-After: 1` |
///
/// State that must not be shared (decoders, inflater, sinks) is kept per event loop, indexed by
/// `HTTPRequest.loopIndex`, so the handler takes no lock on its path.
public final class OTLPReceiver: Sendable {
    public let metrics: IngestMetrics
    let configuration: OTLPReceiverConfiguration
    let workers: [Worker]
    let isReady: @Sendable () -> Bool
    let tenantHeader: String?

    /// Per-loop state. Only the loop with this index touches it.
    final class Worker: @unchecked Sendable {
        let inflater: Inflater
        let protobuf: OTLPProtobufDecoder
        let json: OTLPJSONDecoder
        let admission: AdmissionSink

        init(configuration c: OTLPReceiverConfiguration, sink: MetricsSink, limiter: PointRateLimiter) {
            // The sink belongs to this loop's backend state; the admission wrapper counts and limits.
            inflater = Inflater(maxOutputBytes: c.maxDecompressedBytes, maxRatio: c.maxCompressionRatio)
            protobuf = OTLPProtobufDecoder(limits: c.decodeLimits)
            json = OTLPJSONDecoder(limits: c.decodeLimits)
            admission = AdmissionSink(target: sink, limiter: limiter)
        }
    }

    let backend: IngestBackend

    /// Event loops served (one worker each); `replay` takes a loop index below this.
    public var loops: Int { workers.count }

    /// - Parameters:
    ///   - loops: the server's event loop count (one worker each).
    ///   - backend: where decoded points go (its sink per loop, and the commit that gates `200`).
    ///   - isReady: false while starting or draining (requests then get 503).
    public init(configuration: OTLPReceiverConfiguration, loops: Int, metrics: IngestMetrics = IngestMetrics(),
                backend: IngestBackend = DiscardingBackend(), isReady: @escaping @Sendable () -> Bool = { true }) {
        self.configuration = configuration
        self.metrics = metrics
        self.isReady = isReady
        self.backend = backend
        tenantHeader = configuration.tenantHeader.isEmpty ? nil : configuration.tenantHeader
        let limiter = PointRateLimiter(pointsPerSecond: configuration.rateLimitPointsPerSecond, burst: configuration.rateLimitBurstPoints)
        workers = (0..<max(1, loops)).map { Worker(configuration: configuration, sink: backend.makeSink(loop: $0), limiter: limiter) }
    }

    /// Registers `POST /v1/metrics` (and, through the router, `/v1/metrics/`).
    public func register(on router: inout HTTPRouterBuilder) {
        router.add("/v1/metrics", methods: [.post], name: "/v1/metrics") { [self] request, responder in
            handle(request, responder: responder)
        }
    }

    static let protobufType: StaticString = "application/x-protobuf"
    /// Longest tenant header value accepted.
    public static let maxTenantBytes = 1_024
    static let jsonType: StaticString = "application/json"

    /// Handles one request on the calling loop; the response is deferred while the backend applies.
    public func handle(_ request: HTTPRequest, responder: HTTPResponder) -> HTTPHandlerResult {
        switch decode(request) {
        case .respond(let r):
            return .response(r)
        case .decoded(let encoding, let summary, let byType, let info):
            let loop = request.loopIndex < workers.count ? request.loopIndex : 0
            let metrics = self.metrics
            let start = backend.commit(loop: loop, request: info) { [self] commit in
                responder.respond(respond(encoding, summary, commit, byType, metrics))
            }
            switch start {
            case .done(let commit):
                return .response(respond(encoding, summary, commit, byType, metrics))
            case .pending:
                return .deferred
            case .unavailable(let wait, let reason):
                return .response(fail(encoding, .serviceUnavailable,
                                      "slod cannot take data now (\(reason)); nothing was kept; retry after \(wait)s",
                                      retryAfter: wait))
            }
        }
    }

    /// The response to a committed request: the `200`, or a 503 when the backend could not make
    /// it durable after all.
    func respond(_ encoding: RequestContext.Encoding, _ summary: DecodeSummary, _ commit: IngestCommit,
                 _ byType: [Int], _ metrics: IngestMetrics) -> HTTPResponse {
        if let reason = commit.unavailable {
            return fail(encoding, .serviceUnavailable, "slod could not store the data (\(reason)); retry after 1s", retryAfter: 1)
        }
        return Self.success(encoding, summary, commit, byType, metrics)
    }

    /// The `200` for a decoded and committed request, with partial success from decoding and
    /// from the backend together.
    static func success(_ encoding: RequestContext.Encoding, _ summary: DecodeSummary, _ commit: IngestCommit,
                        _ byType: [Int], _ metrics: IngestMetrics) -> HTTPResponse {
        metrics.recordRejections(summary)
        metrics.recordCommit(commit, acceptedByType: byType)
        metrics.recordRequest(encoding: encoding, status: 200)
        let rejected = summary.rejectedPoints + commit.rejected
        let message = summary.firstRejection ?? commit.firstRejection
        let body = OTLPResponses.export(encoding: encoding, rejected: rejected, message: message)
        return HTTPResponse(status: .ok, contentType: encoding == .json ? jsonType : protobufType, body: .bytes(body))
    }

    enum Decoded {
        case respond(HTTPResponse)
        case decoded(RequestContext.Encoding, DecodeSummary, [Int], IngestRequestInfo)
    }

    /// Content-type and encoding checks, inflating, decoding into the loop's sink, rate limit.
    func decode(_ request: HTTPRequest) -> Decoded {
        guard let encoding = Self.encoding(request.headerBytes("Content-Type")) else {
            return .respond(HTTPResponse.text(.unsupportedMediaType,
                                     "415 unsupported media type, supported: [application/json, application/x-protobuf]\n"))
        }
        let worker = workers[request.loopIndex < workers.count ? request.loopIndex : 0]
        let idx = IngestMetrics.index(encoding)
        metrics.receivedBytes[idx].add(UInt64(request.body.count))
        guard let coding = ContentCoding.parse(request.headerBytes("Content-Encoding")) else {
            let value = request.header("Content-Encoding") ?? ""
            return .respond(fail(encoding, .unsupportedMediaType, "unsupported Content-Encoding: \(value) (supported: gzip, deflate, identity)"))
        }
        guard isReady() else {
            return .respond(fail(encoding, .serviceUnavailable, "slod is not ready (starting or shutting down); retry", retryAfter: 1))
        }
        var tenant = ByteView.empty
        if let header = tenantHeader, let t = request.headerBytes(header) {
            guard t.count <= Self.maxTenantBytes else {
                return .respond(fail(encoding, .badRequest, "\(header) header of \(t.count) bytes is longer than \(Self.maxTenantBytes) bytes"))
            }
            tenant = ByteView(base: t.baseAddress, count: t.count)
        }
        let info = IngestRequestInfo(body: request.body, encoding: encoding, coding: coding, tenant: tenant,
                                     receivedNanos: Clock.wallNanos())
        return decodePayload(info, worker: worker, idx: idx)
    }

    /// Inflating, decoding into the worker's sink, rate limit.
    func decodePayload(_ info: IngestRequestInfo, worker: Worker, idx: Int) -> Decoded {
        let encoding = info.encoding
        let start = Clock.monotonicNanos()
        let payload: UnsafeRawBufferPointer
        do {
            payload = try worker.inflater.inflate(info.body, coding: info.coding)
        } catch {
            switch error {
            case .tooLarge, .ratioExceeded:
                return .respond(fail(encoding, .contentTooLarge, error.description))
            case .corrupt(let why):
                return .respond(fail(encoding, .badRequest, why))
            }
        }
        metrics.decompressedBytes[idx].add(UInt64(payload.count))
        let context = RequestContext(encoding: encoding, tenant: info.tenant)
        let summary: DecodeSummary
        do {
            switch encoding {
            case .protobuf: summary = try worker.protobuf.decode(payload, context: context, into: worker.admission)
            case .json: summary = try worker.json.decode(payload, context: context, into: worker.admission)
            }
        } catch {
            metrics.decodeSeconds[idx].observe(Double(Clock.monotonicNanos() &- start) / 1e9)
            return .respond(fail(encoding, .badRequest, "invalid \(encoding == .json ? "OTLP/JSON" : "OTLP protobuf") payload: \(error.description)"))
        }
        metrics.decodeSeconds[idx].observe(Double(Clock.monotonicNanos() &- start) / 1e9)
        if let wait = worker.admission.retryAfter {
            return .respond(fail(encoding, .tooManyRequests,
                        "ingestion rate limit of \(configuration.rateLimitPointsPerSecond) points/s exceeded (request had \(worker.admission.points) points); retry after \(wait)s",
                        retryAfter: wait))
        }
        return .decoded(encoding, summary, worker.admission.byType, info)
    }

    func fail(_ encoding: RequestContext.Encoding, _ status: HTTPStatus, _ message: String, retryAfter: Int? = nil) -> HTTPResponse {
        metrics.recordRequest(encoding: encoding, status: status.code)
        let body = OTLPResponses.status(encoding: encoding, httpStatus: status.code, message: message)
        var headers: [(String, String)] = []
        if let retryAfter { headers.append(("Retry-After", String(retryAfter))) }
        return HTTPResponse(status: status, contentType: encoding == .json ? Self.jsonType : Self.protobufType,
                            headers: headers, body: .bytes(body))
    }

    /// The media type of a `Content-Type` value, parameters ignored, case-insensitive.
    static func encoding(_ value: UnsafeRawBufferPointer?) -> RequestContext.Encoding? {
        guard let value else { return nil }
        var end = 0
        while end < value.count && value[end] != UInt8(ascii: ";") { end += 1 }
        var start = 0
        while start < end && (value[start] == 0x20 || value[start] == 0x09) { start += 1 }
        while end > start && (value[end - 1] == 0x20 || value[end - 1] == 0x09) { end -= 1 }
        let v = UnsafeRawBufferPointer(rebasing: value[start..<end])
        func equals(_ s: StaticString) -> Bool {
            guard v.count == s.utf8CodeUnitCount else { return false }
            for i in 0..<v.count where asciiLower(v[i]) != asciiLower(s.utf8Start[i]) { return false }
            return true
        }
        if equals(protobufType) { return .protobuf }
        if equals(jsonType) { return .json }
        return nil
    }
}
