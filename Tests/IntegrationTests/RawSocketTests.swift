import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// slod driven over raw TCP sockets: slowloris, garbage, resets mid-body, clients that never
/// read, limit violations, pipelining, timeouts.
extension Integration {
    @Suite struct RawSockets {
        static let host = "Host: 127.0.0.1\r\n"

        /// Reads one response that must have `status`, `Connection: close`, and be followed by
        /// the server closing the connection.
        func expectRejectedAndClosed(_ c: RawClient, status: Int, _ what: String, server: SlodServer,
                                     sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                let r = try c.readResponse(timeout: 5)
                #expect(r.status == status, "\(what): expected \(status), got:\n\(r)", sourceLocation: sourceLocation)
                #expect(r.closes, "\(what): \(r.status) without Connection: close:\n\(r)", sourceLocation: sourceLocation)
            } catch {
                Issue.record("\(what): no response: \(error)\n--- slod ---\n\(server.log.suffix(2000))", sourceLocation: sourceLocation)
            }
            let end = c.readToEnd(timeout: 3)
            #expect(end.end != .timeout, "\(what): server did not close the connection within 3 s after \(status)", sourceLocation: sourceLocation)
            #expect(end.bytes.isEmpty, "\(what): unexpected bytes after the response: \(String(decoding: end.bytes.prefix(200), as: UTF8.self).debugDescription)", sourceLocation: sourceLocation)
        }

        // MARK: slowloris

        @Test func slowlorisIsCutOffByHeaderReadTimeout() throws {
            let server = try SlodServer(config: testConfig(timeouts: ["header_read": "1s"]))
            defer { server.stop() }
            let request = Array("GET /-/healthy HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris-test\r\nX-Padding: aaaaaaaaaaaaaaaa\r\n\r\n".utf8)
            let c = try RawClient(port: server.port)
            let start = Time.now()
            var checkedHealthy = false
            // One byte every 300 ms (the whole head would take ~27 s); stop at the first sign of
            // the server answering or closing.
            var sent = 0
            var sawInput = false
            while sent < request.count && Time.now() - start < 8 {
                if (try? c.send([request[sent]])) == nil { break }
                sent += 1
                if c.hasInput(timeout: 0.3) { sawInput = true; break }
                if !checkedHealthy && sent >= 2 {
                    server.expectHealthy("on another connection during the slowloris trickle")
                    checkedHealthy = true
                }
            }
            let end = c.readToEnd(timeout: 3)
            let elapsed = Time.now() - start
            #expect(sawInput || end.end != .timeout, "server neither answered nor closed")
            #expect(end.end != .timeout, "server did not close the slowloris connection (\(sent) of \(request.count) bytes sent)")
            #expect(sent < request.count, "the whole head was trickled in without the server cutting it off")
            #expect(elapsed < 2.5, "slowloris cut off after \(elapsed) s with header_read: 1s")
            #expect(elapsed > 0.8, "slowloris cut off after only \(elapsed) s with header_read: 1s")
            if !end.bytes.isEmpty {
                let text = String(decoding: end.bytes, as: UTF8.self)
                #expect(text.hasPrefix("HTTP/1.1 408 "), "expected 408, got \(text.prefix(200).debugDescription)")
            }
            #expect(checkedHealthy)
            #expect(try server.metric("slod_http_limit_rejections_total", #"reason="header_timeout""#) >= 1)
            server.expectHealthy("after slowloris")
        }

        @Test func connectionThatSendsNothingIsClosedByHeaderReadTimeout() throws {
            let server = try SlodServer(config: testConfig(timeouts: ["header_read": "1s", "idle": "30s"]))
            defer { server.stop() }
            let c = try RawClient(port: server.port)
            let start = Time.now()
            let end = c.readToEnd(timeout: 4)
            let elapsed = Time.now() - start
            #expect(end.end != .timeout, "a connection that never sends a byte stayed open > 4 s with header_read: 1s")
            #expect(elapsed < 2.5, "closed after \(elapsed) s")
        }

        @Test func bodyReadTimeoutAnswers408() throws {
            let server = try SlodServer(config: testConfig(timeouts: ["body_read": "1s"]))
            defer { server.stop() }
            let c = try RawClient(port: server.port)
            try c.send("POST /-/reload HTTP/1.1\r\n\(Self.host)Content-Length: 10\r\n\r\n12345")
            let start = Time.now()
            expectRejectedAndClosed(c, status: 408, "body stalled after 5 of 10 bytes", server: server)
            let elapsed = Time.now() - start
            #expect(elapsed > 0.8 && elapsed < 3, "408 after \(elapsed) s with body_read: 1s")
            #expect(try server.metric("slod_http_limit_rejections_total", #"reason="body_timeout""#) >= 1)
        }

        @Test func idleKeepAliveConnectionIsClosedSilently() throws {
            let server = try SlodServer(config: testConfig(timeouts: ["idle": "1s", "header_read": "10s"]))
            defer { server.stop() }
            let c = try RawClient(port: server.port)
            try c.send("GET /-/healthy HTTP/1.1\r\n\(Self.host)\r\n")
            let r = try c.readResponse()
            #expect(r.status == 200 && !r.closes)
            let start = Time.now()
            let end = c.readToEnd(timeout: 5)
            let elapsed = Time.now() - start
            #expect(end.end != .timeout, "idle connection still open after 5 s with idle: 1s")
            #expect(end.bytes.isEmpty, "idle close should be silent, got \(String(decoding: end.bytes, as: UTF8.self).debugDescription)")
            #expect(elapsed > 0.8 && elapsed < 3, "idle close after \(elapsed) s with idle: 1s")
        }

        // MARK: garbage and resets

        @Test func garbageGets400ThenClose() throws {
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            let inputs: [(String, [UInt8])] = [
                ("TLS ClientHello", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x00, 0xff, 0x0d, 0x0a, 0x0d, 0x0a]),
                ("a word", Array("HELLO\r\n\r\n".utf8)),
                ("bad header line", Array("GET /-/healthy HTTP/1.1\r\n\(Self.host)this is not a header\r\n\r\n".utf8)),
                ("space before colon", Array("GET /-/healthy HTTP/1.1\r\n\(Self.host)X-Foo : bar\r\n\r\n".utf8)),
                ("two Content-Lengths", Array("POST /-/reload HTTP/1.1\r\n\(Self.host)Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd".utf8)),
                ("bad Content-Length", Array("POST /-/reload HTTP/1.1\r\n\(Self.host)Content-Length: 1x\r\n\r\n".utf8)),
                ("HTTP/1.1 without Host", Array("GET /-/healthy HTTP/1.1\r\n\r\n".utf8)),
                ("two Host headers", Array("GET /-/healthy HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n".utf8)),
                ("Transfer-Encoding with Content-Length", Array("POST /-/reload HTTP/1.1\r\n\(Self.host)Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n".utf8)),
                ("obsolete line folding", Array("GET /-/healthy HTTP/1.1\r\n\(Self.host)X-Foo: a\r\n folded\r\n\r\n".utf8)),
            ]
            let before = try server.metric("slod_http_limit_rejections_total", #"reason="syntax""#)
            for (what, bytes) in inputs {
                let c = try RawClient(port: server.port)
                try c.send(bytes)
                expectRejectedAndClosed(c, status: 400, what, server: server)
            }
            let after = try server.metric("slod_http_limit_rejections_total", #"reason="syntax""#)
            #expect(after - before >= Double(inputs.count), "syntax rejections went \(before) -> \(after)")
            server.expectHealthy("after garbage")
        }

        @Test func clientResetMidBodyLeavesServerHealthy() throws {
            let server = try SlodServer(config: testConfig(timeouts: ["body_read": "20s"]))
            defer { server.stop() }
            let baseline = try server.metric("slod_http_connections_open")
            for _ in 0..<5 {
                let c = try RawClient(port: server.port)
                try c.send("POST /-/reload HTTP/1.1\r\n\(Self.host)Content-Length: 100000\r\n\r\n")
                try c.send([UInt8](repeating: UInt8(ascii: "a"), count: 50_000))
                Time.sleep(0.1)
                c.setLingerZero()
                c.close()
            }
            var last = -1.0
            let back = Time.eventually(timeout: 5, interval: 0.1) {
                last = (try? server.metric("slod_http_connections_open")) ?? -1
                return last == baseline
            }
            #expect(back, "slod_http_connections_open stayed at \(last), baseline \(baseline), after 5 clients reset mid-body")
            #expect(server.isRunning)
            server.expectHealthy("after resets mid-body")
        }

        /// One event loop, so the non-reading client and the health checks share it: the loop
        /// must keep serving others and drop the client about `write` after its output stalls.
        @Test func pipeliningClientThatNeverReadsIsDropped() throws {
            let server = try SlodServer(config: testConfig(server: ["event_loops": "1"], timeouts: ["write": "1s"]))
            defer { server.stop() }
            let baseline = try server.metric("slod_http_connections_open")
            let c = try RawClient(port: server.port, receiveBuffer: 4096)
            let one = Array("GET /metrics HTTP/1.1\r\n\(Self.host)\r\n".utf8)
            var pending: [UInt8] = []
            for _ in 0..<5000 { pending += one }
            var off = 0
            let start = Time.now()
            while off < pending.count && Time.now() - start < 5 {
                guard let n = c.trySend(pending, from: off) else { break } // already dropped
                if n == 0 {
                    if !c.waitWritable(timeout: 0.5) { break } // server stopped reading: enough
                    continue
                }
                off += n
            }
            let sentAt = Time.now()
            let sentRequests = off / one.count

            // Another client on the same event loop is served promptly meanwhile.
            Time.sleep(0.3)
            let probeStart = Time.now()
            do {
                let r = try server.get("/-/healthy", timeout: 15)
                #expect(r.status == 200)
            } catch {
                Issue.record("GET /-/healthy while a client does not read: \(error)")
            }
            let probeLatency = Time.now() - probeStart
            #expect(probeLatency < 1, "GET /-/healthy took \(probeLatency) s while a client that pipelined \(sentRequests) GET /metrics was not reading (event_loops: 1)")

            var writeTimeouts = 0.0, open = -1.0
            let dropped = Time.eventually(timeout: 15, interval: 0.2) {
                writeTimeouts = (try? server.metric("slod_http_limit_rejections_total", #"reason="write_timeout""#)) ?? 0
                open = (try? server.metric("slod_http_connections_open")) ?? -1
                return writeTimeouts >= 1 && open == baseline
            }
            let dropTime = Time.now() - sentAt
            #expect(dropped, "after sending \(sentRequests) pipelined GET /metrics and never reading: write_timeout rejections \(writeTimeouts), connections_open \(open) (baseline \(baseline))")
            // The server first fills the kernel's send buffer (autotuned up to tcp_wmem's max,
            // ~4 MB: about a thousand /metrics responses, ~3 s of rendering in a debug build);
            // the write timeout runs from the last successful send after that.
            #expect(!dropped || dropTime < 8, "the non-reading client was dropped \(dropTime) s after its requests arrived (write: 1s)")
            server.expectHealthy("after a client that never reads")
            // Our side sees the end of the stream (reset or EOF) once the buffered bytes are read.
            let end = c.readToEnd(timeout: 5)
            #expect(end.end != .timeout, "the non-reading client's connection is still open")
            #expect(server.isRunning)
        }

        // MARK: limits and protocol errors

        struct RejectCase: CustomStringConvertible, Sendable {
            var name: String
            var request: String
            var status: Int
            var reason: String
            var description: String { name }
        }

        static let rejectCases: [RejectCase] = [
            RejectCase(name: "request line over limit -> 414",
                       request: "GET /" + String(repeating: "a", count: 2000) + " HTTP/1.1\r\n\(host)\r\n", status: 414, reason: "request_line"),
            RejectCase(name: "header bytes over limit -> 431",
                       request: "GET /-/healthy HTTP/1.1\r\n\(host)X-Big: " + String(repeating: "b", count: 3000) + "\r\n\r\n", status: 431, reason: "header_bytes"),
            RejectCase(name: "many small headers over max_header_bytes -> 431",
                       request: "GET /-/healthy HTTP/1.1\r\n\(host)" + (0..<9).map { "X-H\($0): " + String(repeating: "c", count: 300) + "\r\n" }.joined() + "\r\n", status: 431, reason: "header_bytes"),
            RejectCase(name: "header count over limit -> 431",
                       request: "GET /-/healthy HTTP/1.1\r\n\(host)" + (0..<20).map { "X-H\($0): v\r\n" }.joined() + "\r\n", status: 431, reason: "header_count"),
            RejectCase(name: "HTTP/2.0 -> 505",
                       request: "GET /-/healthy HTTP/2.0\r\n\(host)\r\n", status: 505, reason: "version"),
            RejectCase(name: "POST without length -> 411",
                       request: "POST /-/reload HTTP/1.1\r\n\(host)\r\n", status: 411, reason: "length_required"),
            RejectCase(name: "Transfer-Encoding: gzip -> 501",
                       request: "POST /-/reload HTTP/1.1\r\n\(host)Transfer-Encoding: gzip\r\n\r\n", status: 501, reason: "transfer_coding"),
            RejectCase(name: "unknown Expect -> 417",
                       request: "POST /-/reload HTTP/1.1\r\n\(host)Expect: something-else\r\nContent-Length: 1\r\n\r\nx", status: 417, reason: "expect"),
            RejectCase(name: "Content-Length over max_body_bytes -> 413",
                       request: "POST /-/reload HTTP/1.1\r\n\(host)Content-Length: 2048\r\n\r\n", status: 413, reason: "body_bytes"),
        ]

        static let limitsConfig = testConfig(limits: [
            "max_request_line_bytes": "1KiB", "max_header_bytes": "2KiB", "max_header_count": "10", "max_body_bytes": "1KiB",
        ])

        @Test(arguments: rejectCases)
        func limitViolationIsRejectedAndClosed(_ rc: RejectCase) throws {
            let server = try SlodServer(config: Self.limitsConfig)
            defer { server.stop() }
            let c = try RawClient(port: server.port)
            try c.send(rc.request)
            expectRejectedAndClosed(c, status: rc.status, rc.name, server: server)
            let n = try server.metric("slod_http_limit_rejections_total", "reason=\"\(rc.reason)\"")
            #expect(n == 1, "slod_http_limit_rejections_total{reason=\"\(rc.reason)\"} is \(n) after one \(rc.name)")
            server.expectHealthy("after \(rc.name)")
        }

        @Test func requestsJustUnderTheLimitsAreServed() throws {
            let server = try SlodServer(config: Self.limitsConfig)
            defer { server.stop() }
            let c = try RawClient(port: server.port)
            // Request line of ~900 bytes (< 1KiB): 404, connection kept.
            try c.send("GET /" + String(repeating: "a", count: 900) + " HTTP/1.1\r\n\(Self.host)\r\n")
            var r = try c.readResponse()
            #expect(r.status == 404 && !r.closes, "\(r)")
            // ~1.2 KB of headers (< 2KiB), 9 header fields (< 10).
            try c.send("GET /-/healthy HTTP/1.1\r\n\(Self.host)" + (0..<8).map { "X-H\($0): " + String(repeating: "d", count: 140) + "\r\n" }.joined() + "\r\n")
            r = try c.readResponse()
            #expect(r.status == 200 && !r.closes, "\(r)")
            // A body of exactly max_body_bytes.
            try c.send("POST /-/reload HTTP/1.1\r\n\(Self.host)Content-Length: 1024\r\n\r\n" + String(repeating: "e", count: 1024))
            r = try c.readResponse()
            #expect(r.status == 200 && r.text == "reloaded\n", "\(r)")
        }

        // MARK: pipelining and HTTP/1.0

        @Test func pipelinedRequestsAreAnsweredInOrder() throws {
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            let c = try RawClient(port: server.port)
            let h = Self.host
            try c.send("GET /-/healthy HTTP/1.1\r\n\(h)\r\n"
                + "GET /nope HTTP/1.1\r\n\(h)\r\n"
                + "HEAD /-/healthy HTTP/1.1\r\n\(h)\r\n"
                + "GET /-/ready HTTP/1.1\r\n\(h)\r\n"
                + "POST /-/reload HTTP/1.1\r\n\(h)Content-Length: 3\r\n\r\nabc"
                + "POST /-/reload HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n"
                + "DELETE /metrics HTTP/1.1\r\n\(h)\r\n"
                + "GET /-/healthy HTTP/1.1\r\n\(h)\r\n")
            var r = try c.readResponse()
            #expect(r.status == 200 && r.text == "slod is healthy\n", "1: \(r)")
            r = try c.readResponse()
            #expect(r.status == 404 && r.text == "not found\n", "2: \(r)")
            r = try c.readResponse(head: true)
            #expect(r.status == 200 && r.header("Content-Length") == "16", "3 (HEAD): \(r)")
            r = try c.readResponse()
            #expect(r.status == 200, "4: \(r)")
            r = try c.readResponse()
            #expect(r.status == 200 && r.text == "reloaded\n", "5: \(r)")
            r = try c.readResponse()
            #expect(r.status == 200 && r.text == "reloaded\n", "6 (chunked): \(r)")
            r = try c.readResponse()
            #expect(r.status == 405 && r.header("Allow") == "GET, HEAD", "7: \(r)")
            r = try c.readResponse()
            #expect(r.status == 200 && r.text == "slod is healthy\n" && !r.closes, "8: \(r)")

            // 60 more in one write, alternating 200 and 404: statuses must come back in order.
            var batch = ""
            for i in 0..<60 { batch += "GET \(i % 2 == 0 ? "/-/healthy" : "/missing-\(i)") HTTP/1.1\r\n\(h)\r\n" }
            try c.send(batch)
            var statuses: [Int] = []
            for _ in 0..<60 { statuses.append(try c.readResponse().status) }
            #expect(statuses == (0..<60).map { $0 % 2 == 0 ? 200 : 404 })
            #expect(!c.hasInput(timeout: 0.2), "extra bytes or a close after pipelined responses")
        }

        @Test func http10WithoutKeepAliveIsClosedAfterTheResponse() throws {
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            let c = try RawClient(port: server.port)
            try c.send("GET /-/healthy HTTP/1.0\r\n\r\n")
            let r = try c.readResponse()
            #expect(r.status == 200 && r.text == "slod is healthy\n", "\(r)")
            let end = c.readToEnd(timeout: 3)
            #expect(end.end != .timeout, "HTTP/1.0 request without keep-alive: connection left open")
        }
    }
}
