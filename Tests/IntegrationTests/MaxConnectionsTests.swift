import Foundation
import Testing

/// `server.max_connections`: the connection over the limit gets 503 + Retry-After and is closed;
/// once one closes, a new connection is served again.
extension Integration {
    @Suite struct MaxConnections {
        static let host = "Host: 127.0.0.1\r\n"

        @Test func fifthConnectionIsRefusedWith503() throws {
            let server = try SlodServer(config: testConfig(server: ["max_connections": "4"]))
            defer { server.stop() }
            let refusedBefore = try server.metric("slod_http_connections_refused_total")
            // Let the server account for the close of the metrics connection.
            Time.eventually(timeout: 2) { (try? server.metric("slod_http_connections_open")) == 1 }
            Time.sleep(0.2)

            // Four keep-alive connections, each proven accepted by one request, then left idle.
            var clients: [RawClient] = []
            for i in 0..<4 {
                let c = try RawClient(port: server.port)
                try c.send("GET /-/healthy HTTP/1.1\r\n\(Self.host)\r\n")
                let r = try c.readResponse()
                #expect(r.status == 200 && !r.closes, "connection \(i + 1) of 4: \(r)")
                clients.append(c)
            }

            // The fifth: TCP connects (kernel backlog), then slod answers 503 and closes.
            let fifth = try RawClient(port: server.port)
            if fifth.hasInput(timeout: 5) {
                let end = fifth.readToEnd(timeout: 3)
                #expect(end.end != .timeout, "the refused connection was not closed")
                if !end.bytes.isEmpty {
                    let text = String(decoding: end.bytes, as: UTF8.self)
                    #expect(text.hasPrefix("HTTP/1.1 503 "), "refused connection got \(text.prefix(300).debugDescription)")
                    #expect(text.contains("\r\nRetry-After: 1\r\n"), "503 without Retry-After: 1: \(text.prefix(300).debugDescription)")
                    #expect(text.lowercased().contains("\r\nconnection: close\r\n"), "503 without Connection: close")
                }
            } else {
                Issue.record("the 5th connection (max_connections: 4) got neither 503 nor a close within 5 s")
            }

            // The four still work.
            for (i, c) in clients.enumerated() {
                try c.send("GET /-/ready HTTP/1.1\r\n\(Self.host)\r\n")
                let r = try c.readResponse()
                #expect(r.status == 200, "connection \(i + 1) after the refusal: \(r)")
            }

            // Close one; a new connection is served (retry while slod notices the close).
            clients.removeFirst().close()
            var served: HTTPResponse? = nil
            var lastError = ""
            Time.eventually(timeout: 3, interval: 0.1) {
                do {
                    let c = try RawClient(port: server.port)
                    defer { c.close() }
                    try c.send("GET /metrics HTTP/1.1\r\n\(Self.host)Connection: close\r\n\r\n")
                    let r = try c.readResponse()
                    if r.status == 200 { served = r; return true }
                    lastError = "status \(r.status)"
                } catch {
                    lastError = "\(error)"
                }
                return false
            }
            guard let served else {
                Issue.record("after closing one of 4 connections no new connection was served within 3 s: \(lastError)")
                return
            }
            let refusedAfter = Metrics.value(served.text, "slod_http_connections_refused_total") ?? -1
            #expect(refusedAfter >= refusedBefore + 1, "slod_http_connections_refused_total \(refusedBefore) -> \(refusedAfter)")
            let open = Metrics.value(served.text, "slod_http_connections_open") ?? -1
            #expect(open == 4, "slod_http_connections_open is \(open) with 3 idle + the metrics connection")
            let rejected = Metrics.value(served.text, "slod_http_limit_rejections_total", #"reason="max_connections""#) ?? -1
            #expect(rejected >= 1, "slod_http_limit_rejections_total{reason=\"max_connections\"} is \(rejected)")
            for c in clients { c.close() }
        }
    }
}
