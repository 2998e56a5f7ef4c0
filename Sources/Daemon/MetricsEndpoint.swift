import Aggregation
import Dispatch
import Exposition
import HTTP
import OTLP
import Platform
import Synchronization

/// `GET /metrics`: negotiates the format (`Accept`) and compression (`Accept-Encoding`), gathers
/// one snapshot part per aggregator shard, renders the page (`MetricsPage`: self-metrics, then
/// ingested families, `# EOF` for OpenMetrics) and records the scrape's own metrics.
///
/// Large allocations per scrape, in steady state: only the response body, one array of its final
/// size. Uncompressed, the page is rendered straight into it, reserved at the previous page's size
/// plus an eighth so it does not regrow. With gzip, the page is rendered into a pooled buffer,
/// compressed by a pooled `Deflater` (its ~300 KB zlib state is made once, not per scrape) into a
/// pooled output buffer (`deflateBound`-sized, about the page's size), and only the compressed
/// bytes are copied out. Concurrent scrapes each take their own scratch from the pool; at most
/// `maxPooledScratch` are kept. (Small per-scrape allocations remain: label arrays in the
/// collectors, histogram snapshots, the header list.)
final class MetricsEndpoint: Sendable {
    let page: MetricsPage
    /// Asks every shard for its families and calls back once with one part per shard (on some
    /// shard's thread). `ShardRuntime.snapshot` in the daemon; a closure in tests.
    let snapshot: @Sendable (@escaping @Sendable ([[MetricFamily]]) -> Void) -> Void
    let clock: @Sendable () -> UInt64

    static let maxPooledScratch = 2
    /// Where pages are rendered and compressed (off the event loops and the shard threads).
    /// Concurrent: two scrapers (an HA Prometheus pair) render in parallel.
    let renderQueue = DispatchQueue(label: "slod.metrics.render", attributes: .concurrent)
    private let pool = Mutex<[ScrapeScratch]>([])
    /// Body size of the last uncompressed page, per `ExpositionFormat` (text, OpenMetrics).
    private let textSizeHint = Atomic<Int>(0)
    private let openMetricsSizeHint = Atomic<Int>(0)

    init(page: MetricsPage, snapshot: @escaping @Sendable (@escaping @Sendable ([[MetricFamily]]) -> Void) -> Void,
         clock: @escaping @Sendable () -> UInt64 = { Clock.monotonicNanos() }) {
        self.page = page
        self.snapshot = snapshot
        self.clock = clock
    }

    /// The route handler: answers later, when the shards' snapshots are in.
    func handle(_ request: HTTPRequest, _ responder: HTTPResponder) -> HTTPHandlerResult {
        let started = clock()
        let choice = ContentNegotiation.negotiate(accept: request.header("Accept"))
        let gzip = acceptsGzip(request.header("Accept-Encoding"))
        snapshot { parts in
            // The snapshot callback runs on a shard thread: render and compress elsewhere, so a
            // large page (≈0.5 s for 1M series) never stalls that shard's ingestion.
            self.renderQueue.async {
                responder.respond(self.response(parts: parts, choice: choice, gzip: gzip, started: started))
            }
        }
        return .deferred
    }

    /// Renders `parts` as `choice` says, compresses when `gzip`, and records the scrape
    /// (duration since `started`, a `clock()` reading, and body size as sent).
    func response(parts: [[MetricFamily]], choice: ContentNegotiation.Choice, gzip: Bool, started: UInt64) -> HTTPResponse {
        let format = choice.format
        var body: [UInt8] = []
        if gzip {
            let scratch = takeScratch()
            scratch.rendered.removeAll(keepingCapacity: true)
            page.render(parts: parts, format: format, into: &scratch.rendered)
            scratch.compressed.removeAll(keepingCapacity: true)
            scratch.deflater.gzip(scratch.rendered, into: &scratch.compressed)
            body = Array(scratch.compressed)
            giveBack(scratch)
        } else {
            let last = format == .openMetrics100 ? openMetricsSizeHint.load(ordering: .relaxed) : textSizeHint.load(ordering: .relaxed)
            body.reserveCapacity(last + last / 8 + 4096)
            page.render(parts: parts, format: format, into: &body)
            if format == .openMetrics100 {
                openMetricsSizeHint.store(body.count, ordering: .relaxed)
            } else {
                textSizeHint.store(body.count, ordering: .relaxed)
            }
        }
        let seconds = Double(clock() &- started) / 1e9
        page.recordScrape(format: format, encoding: gzip ? .gzip : .identity, bodyBytes: body.count, seconds: seconds)
        let headers: [(String, String)] = gzip
            ? [("Content-Encoding", "gzip"), ("Vary", "Accept, Accept-Encoding")]
            : [("Vary", "Accept, Accept-Encoding")]
        return HTTPResponse(status: .ok, contentType: choice.contentType, headers: headers, body: .bytes(body))
    }

    /// Scratch objects waiting in the pool (for tests and debugging).
    var pooledScratchCount: Int { pool.withLock { $0.count } }

    private func takeScratch() -> ScrapeScratch {
        pool.withLock { $0.popLast() } ?? ScrapeScratch()
    }

    /// Returns `scratch` to the pool, dropping its buffers when the page shrank a lot (so one huge
    /// scrape does not pin its memory forever).
    private func giveBack(_ scratch: ScrapeScratch) {
        if scratch.rendered.capacity > 4 * scratch.rendered.count + (1 << 20) {
            scratch.rendered = []
            scratch.compressed = []
        }
        pool.withLock { p in
            if p.count < Self.maxPooledScratch { p.append(scratch) }
        }
    }
}

/// What one gzip scrape needs: buffers for the uncompressed page and for its compression, and a
/// zlib stream.
///
/// `@unchecked Sendable` audit: a scratch is used by one scrape at a time — taken out of the
/// pool's mutex, used on one thread, and put back under the mutex — so its mutable state is never
/// shared.
final class ScrapeScratch: @unchecked Sendable {
    var rendered: [UInt8] = []
    var compressed: [UInt8] = []
    let deflater = Deflater()
}

/// Whether an `Accept-Encoding` value accepts gzip (RFC 9110 §12.5.3): the `q` of a `gzip` (or
/// `x-gzip`) coding if listed, otherwise of `*`; acceptable when > 0. No header ⇒ identity.
func acceptsGzip(_ value: String?) -> Bool {
    guard let value else { return false }
    var gzipQ: Double?
    var anyQ: Double?
    for part in value.split(separator: ",") {
        let fields = part.split(separator: ";").map { $0.trimmingSpaces().lowercased() }
        guard let coding = fields.first else { continue }
        let qField = fields.dropFirst().first { $0.hasPrefix("q=") }
        let q = qField.map { Double($0.dropFirst(2)) ?? 0 } ?? 1
        switch coding {
        case "gzip", "x-gzip": gzipQ = max(gzipQ ?? 0, q)
        case "*": anyQ = q
        default: break
        }
    }
    return (gzipQ ?? anyQ ?? 0) > 0
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    fileprivate func trimmingSpaces() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return s
    }
}
