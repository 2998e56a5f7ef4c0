import Foundation
import Testing
import Platform
@testable import HTTP
#if canImport(Glibc)
import Glibc
#endif

/// A blocking client socket for in-process server tests (bounded by SO_RCVTIMEO).
final class TestClient {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if rc != 0 { throw Errno.current }
    }

    deinit { close(fd) }

    func send(_ s: String) {
        let b = Array(s.utf8)
        _ = b.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Sends all of `bytes` (blocking; the server reads concurrently).
    func sendAll(_ bytes: [UInt8]) { _ = sendCounting(bytes) }

    /// Sends `bytes` until done or the connection fails; returns the bytes sent.
    func sendCounting(_ bytes: [UInt8]) -> Int {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return sent }
            sent += n
        }
        return sent
    }

    /// Reads until `predicate` holds on everything read so far, EOF, or the 5 s receive timeout.
    func read(until predicate: (String) -> Bool) -> String {
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while !predicate(String(decoding: data, as: UTF8.self)) {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n])
        }
        return String(decoding: data, as: UTF8.self)
    }

    func readToEOF() -> String { read { _ in false } }
}

func occurrences(_ needle: String, in s: String) -> Int { s.components(separatedBy: needle).count - 1 }

/// Starts a server with `routes` on an ephemeral port, runs `body`, then shuts it down.
func withServer(_ configure: (inout HTTPRouterBuilder) -> Void, config: (inout HTTPServerConfiguration) -> Void = { _ in },
                _ body: (HTTPServer, UInt16) throws -> Void) throws {
    var b = HTTPRouterBuilder()
    configure(&b)
    var c = HTTPServerConfiguration(address: SocketAddress.parse("127.0.0.1:0")!, eventLoops: 1)
    config(&c)
    let server = HTTPServer(configuration: c, router: b.build(), logger: Logger(fd: 2, level: .error))
    let address = try server.start()
    defer {
        server.shutdown()
        server.wait()
    }
    try body(server, address.port)
}

@Suite(.serialized) struct HTTPServerTests {
    @Test func deferredResponseKeepsPipelinedOrder() throws {
        try withServer({ b in
            b.add("/slow", methods: [.get]) { _, responder in
                _ = try? OSThread.spawn(name: "test-deferred") {
                    usleep(50_000)
                    responder.respond(.text(.ok, "slow\n"))
                }
                return .deferred
            }
            b.add("/fast", methods: [.get]) { _, _ in .response(.text(.ok, "fast\n")) }
        }) { _, port in
            let c = try TestClient(port: port)
            c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
            let out = c.read { occurrences("HTTP/1.1 200", in: $0) == 2 && $0.hasSuffix("fast\n") }
            let slow = out.range(of: "slow\n"), fast = out.range(of: "fast\n")
            #expect(slow != nil && fast != nil)
            if let slow, let fast { #expect(slow.lowerBound < fast.lowerBound) }
        }
    }

    @Test func deferredHandlerSeesBodyUntilItResponds() throws {
        try withServer({ b in
            b.add("/echo", methods: [.post]) { req, responder in
                // The body stays valid until respond(): read it from another thread later.
                let body = UncheckedBox(req.body)
                _ = try? OSThread.spawn(name: "test-echo") {
                    usleep(20_000)
                    responder.respond(HTTPResponse(status: .ok, body: .bytes(Array(body.value))))
                }
                return .deferred
            }
        }) { _, port in
            let c = try TestClient(port: port)
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n")
            let out = c.read { $0.hasSuffix("abcdefg") }
            #expect(out.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(out.contains("Content-Length: 7\r\n"))
        }
    }

    @Test func responsesCarryDateLengthAndCloseForHTTP10() throws {
        try withServer({ b in
            b.add("/x", methods: [.get]) { _, _ in .response(.text(.ok, "x\n")) }
        }) { _, port in
            let c = try TestClient(port: port)
            c.send("GET /x HTTP/1.0\r\n\r\n")
            let out = c.readToEOF()
            #expect(out.hasPrefix("HTTP/1.0 200 OK\r\n"))
            #expect(out.contains("\r\nDate: "))
            #expect(out.contains(" GMT\r\n"))
            #expect(out.contains("Content-Length: 2\r\n"))
            #expect(out.contains("Connection: close\r\n"))
        }
    }

    @Test func headRequestHasLengthButNoBody() throws {
        try withServer({ b in
            b.add("/x", methods: [.get]) { _, _ in .response(.text(.ok, "hello\n")) }
        }) { _, port in
            let c = try TestClient(port: port)
            c.send("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let out = c.readToEOF()
            #expect(occurrences("Content-Length: 6", in: out) == 2)
            #expect(occurrences("hello\n", in: out) == 1)
        }
    }

    @Test func parseErrorAnswersAndCloses() throws {
        try withServer({ _ in }) { server, port in
            let c = try TestClient(port: port)
            c.send("GET / HTTP/9.9\r\nHost: x\r\n\r\n")
            let out = c.readToEOF()
            #expect(out.hasPrefix("HTTP/1.1 505 HTTP Version Not Supported\r\n"))
            #expect(out.contains("Connection: close"))
            #expect(server.metrics.limitRejections[HTTPServerMetrics.limitReasons.firstIndex(of: "version")!].value == 1)
        }
    }

    @Test func earlyRejectionDoesNotWaitForBody() throws {
        try withServer({ b in
            b.add("/x", methods: [.get]) { _, _ in .response(.text(.ok, "x\n")) }
        }, config: { $0.limits.maxBodyBytes = 10 }) { _, port in
            let c = try TestClient(port: port)
            // 413 from Content-Length, and 404 for an unknown path with a body: both answered
            // before any body byte is sent.
            c.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n")
            #expect(c.readToEOF().hasPrefix("HTTP/1.1 413 Content Too Large\r\n"))
            let d = try TestClient(port: port)
            d.send("POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
            #expect(d.readToEOF().hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        }
    }

    @Test func expectContinueGetsInterimResponse() throws {
        try withServer({ b in
            b.add("/up", methods: [.post]) { req, _ in .response(.text(.ok, message: "\(req.body.count)\n")) }
        }) { _, port in
            let c = try TestClient(port: port)
            c.send("POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
            let interim = c.read { $0.hasSuffix("\r\n\r\n") }
            #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n")
            c.send("abc")
            let out = c.read { $0.hasSuffix("3\n") }
            #expect(out.hasPrefix("HTTP/1.1 200 OK\r\n"))
        }
    }

    @Test func idleTimeoutClosesKeepAliveConnection() throws {
        try withServer({ b in
            b.add("/x", methods: [.get]) { _, _ in .response(.text(.ok, "x\n")) }
        }, config: { $0.idleTimeout = .milliseconds(300) }) { server, port in
            let c = try TestClient(port: port)
            c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
            let start = Clock.monotonicNanos()
            let out = c.readToEOF()
            let elapsed = Double(Clock.monotonicNanos() - start) / 1e9
            #expect(out.hasPrefix("HTTP/1.1 200 OK"))
            #expect(elapsed >= 0.25 && elapsed < 3, "closed after \(elapsed) s")
        }
    }
}

struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}

extension HTTPServerTests {
    /// Large bodies move their input buffer to the loop's pool after the request and the next
    /// large body (on any connection of the loop) reuses it: every body must still arrive intact,
    /// including one that starts in a small buffer with pipelined bytes already in it.
    @Test func largeBodiesReusePooledBuffersIntact() throws {
        try withServer({ b in
            b.add("/sum", methods: [.post]) { req, _ in
                var h: UInt64 = 1469598103934665603
                for byte in req.body { h = (h ^ UInt64(byte)) &* 1099511628211 }
                return .response(.text(.ok, message: "\(req.body.count) \(h)\n"))
            }
        }, config: { $0.limits.maxBodyBytes = 8 << 20 }) { _, port in
            func body(_ n: Int, _ seed: UInt64) -> ([UInt8], String) {
                var rng = seed
                let bytes = (0..<n).map { _ -> UInt8 in rng = rng &* 6364136223846793005 &+ 1442695040888963407; return UInt8(truncatingIfNeeded: rng >> 33) }
                var h: UInt64 = 1469598103934665603
                for byte in bytes { h = (h ^ UInt64(byte)) &* 1099511628211 }
                return (bytes, "\(n) \(h)\n")
            }
            let a = try TestClient(port: port), b = try TestClient(port: port)
            for (i, size) in [3 << 20, (1 << 20) + 12345, 2 << 20, 5 << 20, 3 << 20].enumerated() {
                let c = i % 2 == 0 ? a : b
                let (bytes, expected) = body(size, UInt64(i + 1))
                c.sendAll(Array("POST /sum HTTP/1.1\r\nHost: x\r\nContent-Length: \(size)\r\n\r\n".utf8) + bytes)
                let out = c.read { $0.hasSuffix("\n") && $0.contains("\r\n\r\n") }
                #expect(out.hasPrefix("HTTP/1.1 200 OK"), "request \(i)")
                #expect(out.hasSuffix("\r\n\r\n" + expected), "request \(i): \(out.suffix(40))")
            }
        }
    }

    /// `SO_REUSEPORT` listeners must not let a second server share a port in use.
    @Test func aPortInUseIsRefused() throws {
        try withServer({ b in
            b.add("/x", methods: [.get]) { _, _ in .response(.text(.ok, "x\n")) }
        }, config: { $0.eventLoops = 2 }) { _, port in
            var c = HTTPServerConfiguration(address: SocketAddress.parse("127.0.0.1:\(port)")!, eventLoops: 2)
            c.acceptMode = .reusePort
            let second = HTTPServer(configuration: c, router: HTTPRouterBuilder().build(), logger: Logger(fd: 2, level: .error))
            #expect(throws: Errno.addressInUse) { _ = try second.start() }
        }
    }

    @Test func sharedListenerModeServesOnEveryLoop() throws {
        try withServer({ b in
            b.add("/x", methods: [.get]) { _, _ in .response(.text(.ok, "x\n")) }
        }, config: { $0.acceptMode = .sharedListener; $0.eventLoops = 2 }) { server, port in
            for _ in 0..<8 {
                let c = try TestClient(port: port)
                c.send("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                #expect(c.readToEOF().hasPrefix("HTTP/1.1 200 OK"))
            }
        }
    }
}
