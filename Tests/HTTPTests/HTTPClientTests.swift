import Testing
import Platform
import Synchronization
@testable import HTTP
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Helpers

/// Builds a response from lines joined with CRLF.
func responseBytes(_ lines: String...) -> [UInt8] { Array(lines.joined(separator: "\r\n").utf8) }

/// Parses `input` delivered as two pieces cut at `cut`, then signals end of input if needed.
func parseResponseInTwo(_ input: [UInt8], _ cut: Int, limits: HTTPResponseLimits = .default, bodyless: Bool = false) -> HTTPResponseParseDriver.Outcome {
    var parser = HTTPResponseParser(limits: limits, bodyless: bodyless)
    var event = input[0..<cut].withUnsafeBytes { parser.parse($0) }
    var consumed = 0
    if case .complete(let c) = event { consumed = c } else if event == .needMore {
        event = input[cut...].withUnsafeBytes { parser.parse($0) }
        if case .complete(let c) = event { consumed = cut + c }
        if event == .needMore {
            event = parser.finish()
            consumed = input.count
        }
    }
    switch event {
    case .complete:
        return .response(status: parser.status, headers: parser.headers.map { "\($0.name): \($0.value)" }, body: parser.body, consumed: consumed)
    case .error(let e): return .error(e)
    case .needMore: return .error(.truncated)
    }
}

/// Parses whole, byte by byte and cut in two at every boundary; records any disagreement and
/// returns the whole-input outcome.
func parseResponseEveryWay(_ input: [UInt8], limits: HTTPResponseLimits = .default, bodyless: Bool = false) -> HTTPResponseParseDriver.Outcome {
    let whole = HTTPResponseParseDriver.parseAll(input, limits: limits, bodyless: bodyless, split: nil)
    let bytewise = HTTPResponseParseDriver.parseAll(input, limits: limits, bodyless: bodyless, split: 1)
    #expect(bytewise == whole, "byte by byte: \(bytewise) vs \(whole)")
    for cut in stride(from: 1, to: input.count, by: max(1, input.count / 200)) {
        let two = parseResponseInTwo(input, cut, limits: limits, bodyless: bodyless)
        if two != whole {
            Issue.record("cut at \(cut): \(two) vs \(whole)")
            break
        }
    }
    return whole
}

/// A scripted TCP peer on 127.0.0.1 (or ::1) for misbehaving-server tests: accepts one
/// connection, reads the request head (and a Content-Length body), then plays `script`. Every
/// wait is bounded (5 s); `stop()` ends a hang, joins the thread and closes every descriptor.
final class RawServer: Sendable {
    enum Step: Sendable {
        case send([UInt8])
        case pause(milliseconds: Int)
        /// Keep the connection open without answering until `stop()` (or 5 s).
        case hang
    }

    let listener: Int32
    let port: UInt16
    let stopping = Atomic<Bool>(false)
    let received = Mutex<[UInt8]>([])
    let thread = Mutex<OSThread?>(nil)

    init(_ script: [Step], readRequest: Bool = true, address: String = "127.0.0.1:0") throws {
        listener = try Socket.listen(SocketAddress.parse(address)!, backlog: 8, reusePort: false)
        port = try Socket.localAddress(listener).port
        let t = try OSThread.spawn(name: "test-raw-http") { [self] in self.serve(script, readRequest: readRequest) }
        thread.withLock { $0 = t }
    }

    convenience init(_ text: String, then more: [Step] = []) throws {
        try self.init([.send(Array(text.utf8))] + more)
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        let t = thread.withLock { t -> OSThread? in defer { t = nil }; return t }
        t?.join()
        if t != nil { FD.close(listener) }
    }

    var url: HTTPURL { HTTPURL(host: "127.0.0.1", port: port, path: "/hook") }

    /// Waits up to `ms` for `events` on `fd`; false on timeout or stop.
    func wait(_ fd: Int32, _ events: Int32, ms: Int) -> Bool {
        let end = Clock.monotonicNanos() + UInt64(ms) * 1_000_000
        while !stopping.load(ordering: .relaxed) && Clock.monotonicNanos() < end {
            var pfd = pollfd(fd: fd, events: Int16(events), revents: 0)
            if poll(&pfd, 1, 20) > 0 { return true }
        }
        return false
    }

    func serve(_ script: [Step], readRequest: Bool) {
        guard wait(listener, POLLIN, ms: 5000), let fd = try? Socket.accept(listener) else { return }
        defer { FD.close(fd) }
        if readRequest { readHead(fd) }
        for step in script {
            switch step {
            case .send(let bytes):
                var off = 0
                while off < bytes.count, wait(fd, POLLOUT, ms: 5000) {
                    do {
                        off += try bytes.withUnsafeBytes { try Socket.send(fd, $0.baseAddress! + off, count: $0.count - off) } ?? 0
                    } catch {
                        return  // the client went away
                    }
                }
            case .pause(let ms):
                usleep(UInt32(ms) * 1000)
            case .hang:
                _ = wait(-1, 0, ms: 5000)
            }
        }
    }

    /// Reads until the end of the head plus `Content-Length` body bytes (or 5 s).
    func readHead(_ fd: Int32) {
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        let end = Clock.monotonicNanos() + 5_000_000_000
        while Clock.monotonicNanos() < end {
            let text = String(decoding: data, as: UTF8.self)
            if let r = text.range(of: "\r\n\r\n") {
                let headText = text[..<r.lowerBound].lowercased()
                var length = 0
                if let cl = headText.range(of: "content-length: ") {
                    length = Int(headText[cl.upperBound...].prefix { $0.isNumber }) ?? 0
                }
                if text.utf8.distance(from: text.utf8.startIndex, to: r.upperBound) + length <= data.count { break }
            }
            guard wait(fd, POLLIN, ms: 100) else { continue }
            let n: Int?
            do {
                n = try buf.withUnsafeMutableBytes { try Socket.receive(fd, into: $0.baseAddress!, count: $0.count) }
            } catch {
                break
            }
            if n == 0 { break }
            if let n { data.append(contentsOf: buf[0..<n]) }
        }
        received.withLock { $0 = data }
    }
}

/// Starts slod's own server on an ephemeral port with `routes`, runs `body`, shuts it down.
func withClientTestServer(_ configure: (inout HTTPRouterBuilder) -> Void, _ body: (UInt16) throws -> Void) throws {
    var b = HTTPRouterBuilder()
    configure(&b)
    let server = HTTPServer(configuration: HTTPServerConfiguration(address: SocketAddress.parse("127.0.0.1:0")!),
                            router: b.build(), logger: Logger(fd: 2, level: .error))
    let address = try server.start()
    defer {
        server.shutdown()
        server.wait()
    }
    try body(address.port)
}

/// A value shared with handlers on other threads.
final class Recorder<T: Sendable>: Sendable {
    let value: Mutex<T>
    init(_ v: T) { value = Mutex(v) }
}

/// Runs `body`, which must throw an `HTTPClientError`, and returns it.
func clientError(_ body: () throws(HTTPClientError) -> HTTPClientResponse) -> HTTPClientError? {
    do {
        let r = try body()
        Issue.record("expected an error, got status \(r.status)")
        return nil
    } catch {
        return error
    }
}

func isMalformed(_ k: HTTPClientError.Kind) -> Bool {
    if case .malformedResponse = k { return true }
    return false
}

// MARK: - Client against real servers

@Suite struct HTTPClientTests {
    @Test func jsonPostReachesServerWithExactBodyAndHeaders() throws {
        struct Seen: Sendable { var method = "", path = "", headers: [String] = [], body: [UInt8] = [] }
        let seen = Recorder(Seen())
        try withClientTestServer({ b in
            b.add("/api/v2/alerts", methods: [.post]) { req, _ in
                seen.value.withLock {
                    $0 = Seen(method: req.methodString, path: req.pathString,
                              headers: req.headerPairs.map { "\($0.0): \($0.1)" }, body: Array(req.body))
                }
                return .response(HTTPResponse(status: .ok, contentType: "application/json", body: .bytes(Array(req.body))))
            }
        }) { port in
            let json = Array(#"[{"labels":{"alertname":"HighErrorBudgetBurn","slo":"api"},"annotations":{"summary":"é"}}]"#.utf8)
            let client = HTTPClient()
            let url = try #require(HTTPURL.parse("http://127.0.0.1:\(port)/api/v2/alerts"))
            let r = try client.send(HTTPClientRequest(url: url, headers: [("Content-Type", "application/json"),
                                                                          ("Authorization", "Bearer s3cret")], body: json))
            #expect(r.status == 200)
            #expect(r.body == json)
            #expect(r.header("content-type") == "application/json")
            let s = seen.value.withLock { $0 }
            #expect(s.method == "POST")
            #expect(s.path == "/api/v2/alerts")
            #expect(s.body == json)
            #expect(s.headers == ["Host: 127.0.0.1:\(port)", "User-Agent: slod", "Content-Length: \(json.count)",
                                  "Connection: close", "Content-Type: application/json", "Authorization: Bearer s3cret"])
        }
    }

    @Test func errorStatusesAreResponsesNotErrors() throws {
        try withClientTestServer({ b in
            b.add("/down", methods: [.post]) { _, _ in .response(.text(.serviceUnavailable, "try later")) }
        }) { port in
            let client = HTTPClient()
            let r503 = try client.send(HTTPClientRequest(url: HTTPURL(host: "127.0.0.1", port: port, path: "/down"), body: [1]))
            #expect(r503.status == 503)
            #expect(r503.body == Array("try later".utf8))
            let r404 = try client.send(HTTPClientRequest(method: "GET", url: HTTPURL(host: "127.0.0.1", port: port, path: "/nope")))
            #expect(r404.status == 404)
        }
    }

    @Test func chunkedResponseWithExtensionsAndTrailersArrivingInPieces() throws {
        let server = try RawServer([
            .send(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5;ext=1\r\nhel".utf8)),
            .pause(milliseconds: 20),
            .send(Array("lo\r\n6; name=\"v\"\r\n world\r\n0\r\nX-Trailer: t\r\n".utf8)),
            .pause(milliseconds: 20),
            .send(Array("\r\n".utf8)),
            .hang,
        ])
        defer { server.stop() }
        let r = try HTTPClient(requestTimeout: .seconds(5)).send(HTTPClientRequest(url: server.url, body: Array("{}".utf8)))
        #expect(r.status == 200)
        #expect(String(decoding: r.body, as: UTF8.self) == "hello world")
        #expect(r.header("X-Trailer") == nil)
        let request = String(decoding: server.received.withLock { $0 }, as: UTF8.self)
        #expect(request.hasPrefix("POST /hook HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n"))
        #expect(request.hasSuffix("\r\n\r\n{}"))
    }

    @Test func contentLengthResponseDoesNotWaitForClose() throws {
        let server = try RawServer("HTTP/1.1 202 Accepted\r\nContent-Length: 5\r\n\r\nhello", then: [.hang])
        defer { server.stop() }
        let start = Clock.monotonicNanos()
        let r = try HTTPClient(requestTimeout: .seconds(3)).send(HTTPClientRequest(url: server.url))
        #expect(r.status == 202)
        #expect(r.body == Array("hello".utf8))
        #expect(Clock.monotonicNanos() - start < 2_000_000_000)
    }

    @Test func bodyWithoutLengthIsReadUntilClose() throws {
        let server = try RawServer("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it, ", then: [.pause(milliseconds: 20), .send(Array("until close".utf8))])
        defer { server.stop() }
        let r = try HTTPClient(requestTimeout: .seconds(5)).send(HTTPClientRequest(url: server.url))
        #expect(r.status == 200)
        #expect(String(decoding: r.body, as: UTF8.self) == "all of it, until close")
    }

    @Test func connectRefusedNamesTheAddress() throws {
        // Bind an ephemeral port, then close it: nothing listens there.
        let fd = try Socket.listen(SocketAddress.parse("127.0.0.1:0")!, backlog: 1, reusePort: false)
        let port = try Socket.localAddress(fd).port
        FD.close(fd)
        let e = clientError { () throws(HTTPClientError) in
            try HTTPClient(connectTimeout: .seconds(2)).send(HTTPClientRequest(url: HTTPURL(host: "127.0.0.1", port: port)))
        }
        #expect(e?.kind == .connect)
        #expect(e?.message.hasPrefix("connect to 127.0.0.1:\(port): ") == true, "\(e?.message ?? "")")
        #expect(e?.message.contains("refused") == true, "\(e?.message ?? "")")
    }

    @Test func silentServerTimesOutWithinTheDeadline() throws {
        let server = try RawServer([.hang])
        defer { server.stop() }
        let start = Clock.monotonicNanos()
        let e = clientError { () throws(HTTPClientError) in
            try HTTPClient(requestTimeout: .milliseconds(300)).send(HTTPClientRequest(url: server.url, body: [1, 2, 3]))
        }
        let elapsed = Double(Clock.monotonicNanos() - start) / 1e9
        #expect(e?.kind == .timeout, "\(e?.message ?? "")")
        #expect(e?.message.contains("127.0.0.1:\(server.port)") == true)
        #expect(elapsed >= 0.25 && elapsed < 2, "took \(elapsed) s")
    }

    @Test func oversizedBodiesAreRefused() throws {
        let declared = try RawServer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", then: [.hang])
        defer { declared.stop() }
        let e1 = clientError { () throws(HTTPClientError) in
            try HTTPClient(requestTimeout: .seconds(3), maxResponseBody: 16).send(HTTPClientRequest(url: declared.url))
        }
        #expect(e1?.kind == .responseTooLarge, "\(e1?.message ?? "")")

        let streamed = try RawServer("HTTP/1.1 200 OK\r\n\r\n" + String(repeating: "x", count: 100))
        defer { streamed.stop() }
        let e2 = clientError { () throws(HTTPClientError) in
            try HTTPClient(requestTimeout: .seconds(3), maxResponseBody: 16).send(HTTPClientRequest(url: streamed.url))
        }
        #expect(e2?.kind == .responseTooLarge, "\(e2?.message ?? "")")

        let chunked = try RawServer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n1\r\nx\r\n0\r\n\r\n", then: [.hang])
        defer { chunked.stop() }
        let e3 = clientError { () throws(HTTPClientError) in
            try HTTPClient(requestTimeout: .seconds(3), maxResponseBody: 16).send(HTTPClientRequest(url: chunked.url))
        }
        #expect(e3?.kind == .responseTooLarge, "\(e3?.message ?? "")")
    }

    @Test func malformedResponsesAreReported() throws {
        for text in ["HTTP/1.1 2x0 OK\r\n\r\n", "SSH-2.0-OpenSSH_9.6\r\n",
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"] {
            let server = try RawServer(text, then: [.hang])
            defer { server.stop() }
            let e = clientError { () throws(HTTPClientError) in
                try HTTPClient(requestTimeout: .seconds(3)).send(HTTPClientRequest(url: server.url))
            }
            #expect(e.map { isMalformed($0.kind) } == true, "\(text.debugDescription): \(e?.message ?? "nil")")
            #expect(e?.message.hasPrefix("malformed response from 127.0.0.1:\(server.port): ") == true)
        }
    }

    @Test func peerClosingWithoutAnswerIsAReceiveError() throws {
        let server = try RawServer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")
        defer { server.stop() }
        let e = clientError { () throws(HTTPClientError) in
            try HTTPClient(requestTimeout: .seconds(3)).send(HTTPClientRequest(url: server.url))
        }
        #expect(e?.kind == .receive, "\(e?.message ?? "")")
    }

    @Test func ipv6LoopbackWorksWhenAvailable() throws {
        guard let server = try? RawServer([.send(Array("HTTP/1.1 204 No Content\r\n\r\n".utf8)), .hang], address: "[::1]:0") else {
            return  // no IPv6 in this environment
        }
        defer { server.stop() }
        let url = try #require(HTTPURL.parse("http://[::1]:\(server.port)/v6"))
        let r = try HTTPClient(requestTimeout: .seconds(3)).send(HTTPClientRequest(url: url))
        #expect(r.status == 204)
        let request = String(decoding: server.received.withLock { $0 }, as: UTF8.self)
        #expect(request.contains("\r\nHost: [::1]:\(server.port)\r\n"))
    }

    @Test func earlyAnswerWhileTheBodyIsStillBeingSentIsReturned() throws {
        // slod's server answers 413 from Content-Length without reading the body; the client must
        // notice the answer while its 32 MiB body (more than both socket buffers hold) is still being written.
        var c = HTTPServerConfiguration(address: SocketAddress.parse("127.0.0.1:0")!)
        c.limits.maxBodyBytes = 10
        var b = HTTPRouterBuilder()
        b.add("/x", methods: [.post]) { _, _ in .response(.text(.ok, "ok")) }
        let server = HTTPServer(configuration: c, router: b.build(), logger: Logger(fd: 2, level: .error))
        let port = try server.start().port
        defer {
            server.shutdown()
            server.wait()
        }
        let r = try HTTPClient(requestTimeout: .seconds(5))
            .send(HTTPClientRequest(url: HTTPURL(host: "127.0.0.1", port: port, path: "/x"), body: [UInt8](repeating: 0x61, count: 32 << 20)))
        #expect(r.status == 413)
    }

    @Test func connectTimeoutWhenTheListenQueueIsFull() throws {
        // A listener that never accepts, with its queue filled: Linux drops further SYNs, so the
        // next connect hangs until the client's connect timeout.
        let listener = try Socket.listen(SocketAddress.parse("127.0.0.1:0")!, backlog: 0, reusePort: false)
        defer { FD.close(listener) }
        let port = try Socket.localAddress(listener).port
        var fillers: [Int32] = []
        defer { for fd in fillers { FD.close(fd) } }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        for _ in 0..<3 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            fillers.append(fd)
            _ = withUnsafePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        usleep(50_000)
        let start = Clock.monotonicNanos()
        let e = clientError { () throws(HTTPClientError) in
            try HTTPClient(connectTimeout: .milliseconds(200)).send(HTTPClientRequest(url: HTTPURL(host: "127.0.0.1", port: port)))
        }
        let elapsed = Double(Clock.monotonicNanos() - start) / 1e9
        #expect(e?.kind == .timeout, "\(e?.message ?? "")")
        #expect(e?.message.hasPrefix("connect to 127.0.0.1:\(port): ") == true)
        #expect(elapsed >= 0.15 && elapsed < 2, "took \(elapsed) s")
    }

    @Test func invalidHeadersAreRefusedWithoutLeakingValues() {
        let client = HTTPClient(connectTimeout: .milliseconds(100))
        let url = HTTPURL(host: "127.0.0.1", port: 9)
        for headers in [[("Authorization", "Bearer x\r\nEvil: 1")], [("Bad Name", "v")], [("Content-Length", "5")], [("Host", "h")]] {
            let e = clientError { () throws(HTTPClientError) in try client.send(HTTPClientRequest(url: url, headers: headers)) }
            #expect(e?.kind == .invalidRequest)
            #expect(e?.message.contains("Bearer") == false)
        }
        let e = clientError { () throws(HTTPClientError) in try client.send(HTTPClientRequest(method: "PO ST", url: url)) }
        #expect(e?.kind == .invalidRequest)
    }
}

// MARK: - URLs

@Suite struct HTTPClientURLTests {
    @Test func parsesHostsPortsPathsAndQueries() throws {
        let cases: [(String, HTTPURL)] = [
            ("http://alertmanager:9093/api/v2/alerts", HTTPURL(host: "alertmanager", port: 9093, path: "/api/v2/alerts")),
            ("http://127.0.0.1", HTTPURL(host: "127.0.0.1", port: 80, path: "/")),
            ("HTTP://example.com/", HTTPURL(host: "example.com", port: 80, path: "/")),
            ("http://example.com?x=1", HTTPURL(host: "example.com", port: 80, path: "/", query: "x=1")),
            ("http://h:8080/a/b?x=1&y=%20#frag", HTTPURL(host: "h", port: 8080, path: "/a/b", query: "x=1&y=%20")),
            ("http://[::1]:9093/p", HTTPURL(host: "::1", port: 9093, path: "/p")),
            ("http://[2001:db8::1]/", HTTPURL(host: "2001:db8::1", port: 80, path: "/")),
            ("http://h/p#only-fragment", HTTPURL(host: "h", port: 80, path: "/p")),
        ]
        for (text, expected) in cases {
            let url = try HTTPURL(validating: text)
            #expect(url == expected, "\(text)")
        }
        #expect(HTTPURL(host: "::1", port: 9093).authority == "[::1]:9093")
        #expect(HTTPURL(host: "h").authority == "h")
        #expect(HTTPURL(host: "h", port: 8080, path: "/secret/token").description == "http://h:8080")
        #expect(HTTPURL(host: "h", path: "/p", query: "k=v").target == "/p?k=v")
    }

    @Test func refusesHTTPSWithAClearMessage() {
        do {
            _ = try HTTPURL(validating: "https://events.pagerduty.com/v2/enqueue")
            Issue.record("https accepted")
        } catch {
            #expect(error.kind == .unsupportedScheme)
            #expect(error.message == "https is not supported; put a TLS proxy in front")
        }
        #expect(HTTPURL.parse("ftp://h/x") == nil)
    }

    @Test func refusesMalformedURLs() {
        for text in ["", "alertmanager:9093", "http:/h", "http://", "http:///p", "http://h:0/", "http://h:65536/", "http://h:/",
                     "http://h:80a/", "http://user:pw@h/", "http://[::1/", "http://[zz::1]/", "http://[::1]x/", "http://h /",
                     "http://h/a b", "http://h/\u{e9}", "http://h\r\n/", "http://ho$t/", "//h/p", ":/h"] {
            #expect(HTTPURL.parse(text) == nil, "\(text.debugDescription)")
            do {
                _ = try HTTPURL(validating: text)
            } catch {
                #expect(!error.message.contains("user:pw"))
            }
        }
    }
}

// MARK: - Response parser

@Suite struct HTTPClientResponseParserTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let input: [UInt8]
        var bodyless = false
        let expected: HTTPResponseParseDriver.Outcome
        var testDescription: String { name }
    }

    static let valid: [Case] = [
        Case(name: "Content-Length body", input: responseBytes("HTTP/1.1 200 OK", "Content-Length: 5", "", "hello"),
             expected: .response(status: 200, headers: ["Content-Length: 5"], body: Array("hello".utf8), consumed: 43)),
        Case(name: "bytes after the body are not consumed", input: responseBytes("HTTP/1.1 200 OK", "Content-Length: 2", "", "hiEXTRA"),
             expected: .response(status: 200, headers: ["Content-Length: 2"], body: Array("hi".utf8), consumed: 40)),
        Case(name: "chunked with extensions and trailers",
             input: responseBytes("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "", "3;a=b;c", "abc", "A; q=\"x\"", "0123456789", "0;last", "T1: 1", "T2: 2", "", ""),
             expected: .response(status: 200, headers: ["Transfer-Encoding: chunked"], body: Array("abc0123456789".utf8), consumed: 107)),
        Case(name: "chunked overrides Content-Length",
             input: responseBytes("HTTP/1.1 200 OK", "Content-Length: 99", "Transfer-Encoding: Chunked", "", "1", "z", "0", "", ""),
             expected: .response(status: 200, headers: ["Content-Length: 99", "Transfer-Encoding: Chunked"], body: [0x7A], consumed: 78)),
        Case(name: "read until close", input: responseBytes("HTTP/1.0 200 OK", "", "to the end"),
             expected: .response(status: 200, headers: [], body: Array("to the end".utf8), consumed: 29)),
        Case(name: "204 has no body", input: responseBytes("HTTP/1.1 204 No Content", "Content-Length: 3", "", "abc"),
             expected: .response(status: 204, headers: ["Content-Length: 3"], body: [], consumed: 46)),
        Case(name: "304 has no body", input: responseBytes("HTTP/1.1 304 Not Modified", "", ""),
             expected: .response(status: 304, headers: [], body: [], consumed: 29)),
        Case(name: "HEAD response has no body", input: responseBytes("HTTP/1.1 200 OK", "Content-Length: 3", "", "abc"), bodyless: true,
             expected: .response(status: 200, headers: ["Content-Length: 3"], body: [], consumed: 38)),
        Case(name: "interim 100 Continue is skipped",
             input: responseBytes("HTTP/1.1 100 Continue", "", "HTTP/1.1 201 Created", "Content-Length: 1", "", "x"),
             expected: .response(status: 201, headers: ["Content-Length: 1"], body: [0x78], consumed: 69)),
        Case(name: "bare LF line endings", input: Array("HTTP/1.1 200 OK\nContent-Length: 1\n\nx".utf8),
             expected: .response(status: 200, headers: ["Content-Length: 1"], body: [0x78], consumed: 36)),
        Case(name: "no reason phrase, no space", input: responseBytes("HTTP/1.1 500", "Content-Length: 0", "", ""),
             expected: .response(status: 500, headers: ["Content-Length: 0"], body: [], consumed: 35)),
        Case(name: "empty reason phrase", input: responseBytes("HTTP/1.1 404 ", "Content-Length: 0", "", ""),
             expected: .response(status: 404, headers: ["Content-Length: 0"], body: [], consumed: 36)),
        Case(name: "identical Content-Length list", input: responseBytes("HTTP/1.1 200 OK", "Content-Length: 2, 2", "", "ok"),
             expected: .response(status: 200, headers: ["Content-Length: 2, 2"], body: Array("ok".utf8), consumed: 43)),
        Case(name: "header whitespace trimmed, obs-text kept", input: Array("HTTP/1.1 200 OK\r\nX:  caf\u{e9} \r\nY:\r\nContent-Length: 0\r\n\r\n".utf8),
             expected: .response(status: 200, headers: ["X: caf\u{e9}", "Y: ", "Content-Length: 0"], body: [], consumed: 54)),
    ]

    @Test(arguments: valid)
    func parsesWholeAndAtEveryBoundary(_ c: Case) {
        #expect(parseResponseEveryWay(c.input, bodyless: c.bodyless) == c.expected)
    }

    static let invalid: [(String, HTTPResponseParseError)] = [
        ("HTTP/2.0 200 OK\r\n\r\n", .malformed("malformed status line")),
        ("HTTP/1.1 20 OK\r\n\r\n", .malformed("malformed status code")),
        ("HTTP/1.1 2000 OK\r\n\r\n", .malformed("malformed status code")),
        ("HTTP/1.1 099 Low\r\n\r\n", .malformed("status code out of range")),
        ("HTTP/1.1 600 High\r\n\r\n", .malformed("status code out of range")),
        ("HTTP/1.1  200 OK\r\n\r\n", .malformed("malformed status code")),
        ("ICY 200 OK\r\n\r\n", .malformed("malformed status line")),
        ("http/1.1 200 OK\r\n\r\n", .malformed("malformed status line")),
        ("HTTP/1.1 200 O\u{1}K\r\n\r\n", .malformed("invalid character in reason phrase")),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .malformed("invalid chunk size")),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\n", .malformed("invalid chunk size")),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", .malformed("invalid chunk size")),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;\u{1}\r\n", .malformed("invalid chunk extension")),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", .malformed("chunk data not followed by CRLF")),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nbad trailer\r\n\r\n", .malformed("malformed trailer field")),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .malformed("unsupported transfer coding")),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", .malformed("chunked applied twice")),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: ,\r\n\r\n", .malformed("empty Transfer-Encoding")),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", .malformed("conflicting Content-Length values")),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", .malformed("invalid Content-Length")),
        ("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", .malformed("invalid Content-Length")),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1,\r\n\r\n", .malformed("invalid Content-Length")),
        ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", .bodyTooLarge),
        ("HTTP/1.1 200 OK\r\n folded\r\n\r\n", .malformed("obsolete header line folding is not accepted")),
        ("HTTP/1.1 200 OK\r\nNo-Colon\r\n\r\n", .malformed("malformed header field")),
        ("HTTP/1.1 200 OK\r\nBad Name: v\r\n\r\n", .malformed("malformed header field")),
        ("HTTP/1.1 200 OK\r\nX: a\u{0}b\r\n\r\n", .malformed("malformed header field")),
        ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", .truncated),
        ("HTTP/1.1 200 OK\r\n", .truncated),
        ("", .truncated),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", .truncated),
        (String(repeating: "HTTP/1.1 100 Continue\r\n\r\n", count: 9) + "HTTP/1.1 200 OK\r\n\r\n", .malformed("too many interim responses")),
    ]

    @Test func rejectsMalformedResponses() {
        for (text, error) in Self.invalid {
            #expect(parseResponseEveryWay(Array(text.utf8)) == .error(error), "\(text.debugDescription)")
        }
    }

    @Test func enforcesEveryLimitAtItsBoundary() {
        let limits = HTTPResponseLimits()
        // Status line: 8192 bytes pass, 8193 fail.
        func statusLine(_ length: Int) -> [UInt8] {
            Array(("HTTP/1.1 200 " + String(repeating: "r", count: length - 13) + "\r\nContent-Length: 0\r\n\r\n").utf8)
        }
        #expect(parseResponseEveryWay(statusLine(8192)).isResponse)
        #expect(parseResponseEveryWay(statusLine(8193)) == .error(.statusLineTooLong))
        #expect(HTTPResponseParseDriver.parseAll(Array(("HTTP/1.1 200 " + String(repeating: "r", count: 20000)).utf8), split: nil) == .error(.statusLineTooLong))
        // Header count: 100 pass, 101 fail.
        func headers(_ n: Int) -> [UInt8] {
            Array(("HTTP/1.1 200 OK\r\n" + (0..<n).map { "H\($0): v\r\n" }.joined() + "\r\n").utf8)
        }
        #expect(parseResponseEveryWay(headers(100)).isResponse)
        #expect(parseResponseEveryWay(headers(101)) == .error(.tooManyHeaders))
        // Header bytes: the section (lines with CRLF and the blank line) may be 65536 bytes.
        func headerBytes(_ total: Int) -> [UInt8] {
            let value = String(repeating: "v", count: total - "X: \r\n\r\n".utf8.count)
            return Array("HTTP/1.1 200 OK\r\nX: \(value)\r\n\r\n".utf8)
        }
        #expect(parseResponseEveryWay(headerBytes(limits.maxHeaderBytes)).isResponse)
        #expect(parseResponseEveryWay(headerBytes(limits.maxHeaderBytes + 1)) == .error(.headersTooLarge))
        // Trailers count against the same limits.
        let trailers = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + (0..<101).map { "T\($0): v\r\n" }.joined() + "\r\n"
        #expect(parseResponseEveryWay(Array(trailers.utf8)) == .error(.tooManyHeaders))
        // Body: exactly the limit passes in every framing; one more byte fails.
        let small = HTTPResponseLimits(maxBodyBytes: 4)
        #expect(parseResponseEveryWay(responseBytes("HTTP/1.1 200 OK", "Content-Length: 4", "", "abcd"), limits: small).isResponse)
        #expect(parseResponseEveryWay(responseBytes("HTTP/1.1 200 OK", "Content-Length: 5", "", ""), limits: small) == .error(.bodyTooLarge))
        #expect(parseResponseEveryWay(responseBytes("HTTP/1.1 200 OK", "", "abcd"), limits: small).isResponse)
        #expect(parseResponseEveryWay(responseBytes("HTTP/1.1 200 OK", "", "abcde"), limits: small) == .error(.bodyTooLarge))
        let chunks = { (sizes: [Int]) -> [UInt8] in
            Array(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + sizes.map { "\(String($0, radix: 16))\r\n\(String(repeating: "c", count: $0))\r\n" }.joined() + "0\r\n\r\n").utf8)
        }
        #expect(parseResponseEveryWay(chunks([2, 2]), limits: small).isResponse)
        #expect(parseResponseEveryWay(chunks([2, 3]), limits: small) == .error(.bodyTooLarge))
        #expect(parseResponseEveryWay(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n".utf8)) == .error(.bodyTooLarge))
        // The chunk-size line itself is bounded.
        let longExt = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 5000) + "\r\n"
        #expect(parseResponseEveryWay(Array(longExt.utf8)) == .error(.malformed("chunk size line too long")))
    }

    @Test func afterCompletionOrFailureTheParserStaysPut() {
        var p = HTTPResponseParser()
        #expect(p.parse(Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nGARBAGE".utf8)) == .complete(consumed: 38))
        #expect(p.parse(Array("more".utf8)) == .complete(consumed: 0))
        #expect(p.finish() == .complete(consumed: 0))
        #expect(p.response?.status == 200)
        var q = HTTPResponseParser()
        #expect(q.parse(Array("NOPE 200\r\n".utf8)) == .error(.malformed("malformed status line")))
        #expect(q.parse(Array("HTTP/1.1 200 OK\r\n".utf8)) == .error(.malformed("malformed status line")))
        #expect(q.response == nil)
    }

    /// A small deterministic fuzz pass: mutated seeds never trap and parse the same however split.
    @Test func mutatedInputsNeverTrapAndAgreeAcrossSplits() {
        let seeds = Self.valid.map(\.input) + Self.invalid.map { Array($0.0.utf8) }
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: rng >> 33)
        }
        let alphabet = Array("\r\n:; 0123456789abcdefHTTP/1.chunked-Length".utf8) + [0, 0x7F, 0xFF]
        let limits = HTTPResponseLimits(maxStatusLineBytes: 40, maxHeaderBytes: 64, maxHeaderCount: 3, maxBodyBytes: 16)
        for _ in 0..<3000 {
            var input = seeds[next() % seeds.count]
            for _ in 0..<(1 + next() % 4) {
                let pos = input.isEmpty ? 0 : next() % input.count
                switch next() % 3 {
                case 0 where !input.isEmpty: input[pos] = alphabet[next() % alphabet.count]
                case 1: input.insert(alphabet[next() % alphabet.count], at: pos)
                default: if !input.isEmpty { input.remove(at: pos) }
                }
            }
            let whole = HTTPResponseParseDriver.parseAll(input, limits: limits, split: nil)
            let bytewise = HTTPResponseParseDriver.parseAll(input, limits: limits, split: 1)
            let cut = HTTPResponseParseDriver.parseAll(input, limits: limits, split: 1 + next() % max(1, input.count))
            if whole != bytewise || whole != cut {
                Issue.record("\(input): \(whole) / \(bytewise) / \(cut)")
                return
            }
        }
    }
}

extension HTTPResponseParseDriver.Outcome {
    var isResponse: Bool {
        if case .response = self { return true }
        return false
    }
}
