import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM: stop accepting, finish in-flight requests (answered with `Connection: close`), exit 0
/// within `shutdown_grace`; with only idle connections, exit 0 promptly.
extension Integration {
    @Suite struct Shutdown {
        static let host = "Host: 127.0.0.1\r\n"

        /// Tries to connect until the connection is refused (true) or `timeout` passes.
        func connectionsRefused(port: UInt16, timeout: Double) -> Bool {
            Time.eventually(timeout: timeout, interval: 0.05) {
                do {
                    let c = try RawClient(port: port)
                    c.close()
                    return false
                } catch {
                    return true
                }
            }
        }

        @Test func inFlightRequestFinishesAfterSIGTERM() throws {
            let server = try SlodServer(config: testConfig(timeouts: ["shutdown_grace": "5s", "body_read": "10s"]))
            defer { server.stop() }
            let c = try RawClient(port: server.port)
            try c.send("POST /-/reload HTTP/1.1\r\n\(Self.host)Content-Length: 10\r\n\r\n12345")
            Time.sleep(0.3) // slod has read the head and half of the body
            #expect(!c.hasInput(timeout: 0.05), "slod answered before the body was complete")

            let signalled = Time.now()
            server.child.signal(SIGTERM)
            #expect(connectionsRefused(port: server.port, timeout: 3), "new connections are still accepted 3 s after SIGTERM")
            #expect(server.isRunning, "slod exited with a request in flight: \(server.child.status.map(\.description) ?? "")\n\(server.log)")

            try c.send("67890")
            do {
                let r = try c.readResponse(timeout: 5)
                #expect(r.status == 200 && r.text == "reloaded\n", "in-flight request after SIGTERM: \(r)")
                #expect(r.closes, "in-flight response during shutdown lacks Connection: close: \(r)")
            } catch {
                Issue.record("in-flight request got no response after SIGTERM: \(error)\n--- slod ---\n\(server.log)")
            }
            let end = c.readToEnd(timeout: 3)
            #expect(end.end != .timeout, "connection not closed after the last response during shutdown")

            let status = server.child.wait(timeout: 5 + 2 - (Time.now() - signalled))
            #expect(status == .exited(0), "slod after SIGTERM: \(status.map(\.description) ?? "still running after grace + 2 s")\n\(server.log)")
        }

        @Test func sigtermWithIdleConnectionsExitsPromptly() throws {
            let server = try SlodServer(config: testConfig(timeouts: ["shutdown_grace": "10s", "idle": "60s", "header_read": "30s"]))
            defer { server.stop() }
            var idle: [RawClient] = []
            for _ in 0..<2 {
                let c = try RawClient(port: server.port)
                try c.send("GET /-/healthy HTTP/1.1\r\n\(Self.host)\r\n")
                _ = try c.readResponse()
                idle.append(c)
            }
            idle.append(try RawClient(port: server.port)) // connected, never sent a byte
            Time.sleep(0.2)

            let start = Time.now()
            server.child.signal(SIGTERM)
            let status = server.child.wait(timeout: 12)
            let elapsed = Time.now() - start
            #expect(status == .exited(0), "slod after SIGTERM: \(status.map(\.description) ?? "still running")\n\(server.log)")
            #expect(elapsed < 2, "exit took \(elapsed) s with only idle connections (shutdown_grace: 10s)")
            for (i, c) in idle.enumerated() {
                let end = c.readToEnd(timeout: 1)
                #expect(end.end != .timeout, "idle connection \(i) not closed")
            }
        }

        @Test func sigintAlsoDrainsAndExitsZero() throws {
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            server.expectHealthy()
            server.child.signal(SIGINT)
            let status = server.child.wait(timeout: 5)
            #expect(status == .exited(0), "slod after SIGINT: \(status.map(\.description) ?? "still running")\n\(server.log)")
        }
    }
}
