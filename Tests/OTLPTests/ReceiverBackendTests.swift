import Foundation
import HTTP
import Platform
import Testing
@testable import OTLP

/// The receiver's contract with its backend, through a real in-process HTTP server: a `200` is
/// sent only once the backend completes; backend rejections join the partial success; a full
/// backend is a 503 with Retry-After.
@Suite(.serialized) struct ReceiverBackendTests {
    final class FakeBackend: IngestBackend, @unchecked Sendable {
        enum Mode { case pendingThenComplete(IngestCommit), unavailable }
        let mode: Mode
        let recorders: [RecordingSink]
        /// What the receiver handed over about each request: body as received, tenant, coding.
        var seen: [(body: [UInt8], tenant: String, coding: ContentCoding)] = []
        init(mode: Mode, loops: Int) {
            self.mode = mode
            recorders = (0..<loops).map { _ in RecordingSink() }
        }
        func makeSink(loop: Int) -> MetricsSink { recorders[loop] }
        func commit(loop: Int, request: IngestRequestInfo, completion: @escaping @Sendable (IngestCommit) -> Void) -> IngestCommitStart {
            seen.append((Array(request.body), request.tenant.string, request.coding))
            switch mode {
            case .pendingThenComplete(let c):
                Thread.detachNewThread {
                    Thread.sleep(forTimeInterval: 0.2)
                    completion(c)
                }
                return .pending
            case .unavailable:
                return .unavailable(retryAfter: 2, reason: "aggregation is behind")
            }
        }
    }

    static let gauge = #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"1","asDouble":1}]}}]}]}]}"#

    func post(_ backend: FakeBackend, metrics: IngestMetrics = IngestMetrics(), headers: String = "") throws -> (String, Double) {
        let receiver = OTLPReceiver(configuration: OTLPReceiverConfiguration(), loops: 1, metrics: metrics, backend: backend)
        var b = HTTPRouterBuilder()
        receiver.register(on: &b)
        let server = HTTPServer(configuration: HTTPServerConfiguration(address: SocketAddress.parse("127.0.0.1:0")!, eventLoops: 1),
                                router: b.build(), logger: Logger(fd: 2, level: .error))
        let port = try server.start().port
        defer { server.shutdown(); server.wait() }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        let body = Array(Self.gauge.utf8)
        let req = Array("POST /v1/metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n\(headers)Content-Length: \(body.count)\r\n\r\n".utf8) + body
        let start = Date()
        _ = req.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return (String(decoding: out, as: UTF8.self), Date().timeIntervalSince(start))
    }

    @Test func responseWaitsForTheBackendAndMergesItsRejections() throws {
        let commit = IngestCommit(rejected: 1, firstRejection: "series limit reached for \"g\"", rejectedByReason: ["series_limit": 1])
        let backend = FakeBackend(mode: .pendingThenComplete(commit), loops: 1)
        let metrics = IngestMetrics()
        let (response, elapsed) = try post(backend, metrics: metrics)
        #expect(response.hasPrefix("HTTP/1.1 200 OK"), "\(response)")
        #expect(elapsed >= 0.19, "the 200 came before the backend completed (\(elapsed) s)")
        #expect(response.contains(#""rejectedDataPoints":"1""#), "\(response)")
        #expect(response.contains("series limit reached"), "\(response)")
        #expect(backend.recorders[0].pointCount == 1)
        #expect(metrics.backendRejections == ["series_limit": 1])
        #expect(metrics.points[0].value == 1)
    }

    @Test func fullBackendIs503WithRetryAfter() throws {
        let (response, _) = try post(FakeBackend(mode: .unavailable, loops: 1))
        #expect(response.hasPrefix("HTTP/1.1 503 Service Unavailable"), "\(response)")
        #expect(response.contains("Retry-After: 2\r\n"), "\(response)")
        #expect(response.contains(#""code":14"#), "\(response)")
    }

    @Test func theBackendGetsTheRequestAsReceived() throws {
        let backend = FakeBackend(mode: .pendingThenComplete(IngestCommit()), loops: 1)
        let (response, _) = try post(backend, headers: "X-Scope-OrgID: team-a\r\n")
        #expect(response.hasPrefix("HTTP/1.1 200 OK"), "\(response)")
        #expect(backend.seen.count == 1)
        #expect(backend.seen.first?.body == Array(Self.gauge.utf8) && backend.seen.first?.tenant == "team-a")
        #expect(backend.seen.first?.coding == .identity)
    }

    @Test func aCommitThatCouldNotBeMadeDurableIs503() throws {
        let backend = FakeBackend(mode: .pendingThenComplete(IngestCommit(unavailable: "fsync wal/00000001: Input/output error (errno 5)")), loops: 1)
        let (response, _) = try post(backend)
        #expect(response.hasPrefix("HTTP/1.1 503 Service Unavailable"), "\(response)")
        #expect(response.contains("Retry-After: 1\r\n") && response.contains("could not store the data (fsync wal/00000001"), "\(response)")
    }

    @Test func aTenantLongerThanAWALRecordHoldsIs400() throws {
        let backend = FakeBackend(mode: .pendingThenComplete(IngestCommit()), loops: 1)
        let long = String(repeating: "t", count: OTLPReceiver.maxTenantBytes + 1)
        let (response, _) = try post(backend, headers: "X-Scope-OrgID: \(long)\r\n")
        #expect(response.hasPrefix("HTTP/1.1 400 Bad Request"), "\(response)")
        #expect(response.contains("X-Scope-OrgID header of 1025 bytes is longer than 1024 bytes"), "\(response)")
        #expect(backend.seen.isEmpty)
    }
}
