import Foundation
import Testing

/// slod driven by /usr/bin/curl: keep-alive, HTTP/1.0, Expect: 100-continue, chunked uploads,
/// 413, 404 and 405.
extension Integration {
    @Suite struct Curl {
        let curl = Paths.curl

        /// Runs curl with `-sS` and a 15 s cap (`--max-time 10`).
        func run(_ args: [String]) throws -> ToolResult {
            try runTool(curl, ["-sS", "--max-time", "10"] + args, timeout: 15)
        }

        /// Response headers written by `-D FILE`, last response only (after any 100 Continue).
        func headers(_ file: String) -> [String: String] {
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            let blocks = text.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }
            var out: [String: String] = [:]
            for line in (blocks.last ?? "").components(separatedBy: "\r\n").dropFirst() {
                if let c = line.firstIndex(of: ":") {
                    out[line[..<c].lowercased()] = line[line.index(after: c)...].trimmingCharacters(in: .whitespaces)
                }
            }
            return out
        }

        @Test func keepAliveReusesOneConnection() throws {
            guard Paths.peer(curl) else { return }
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            let r = try run(["-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n",
                             "\(server.url)/-/healthy", "\(server.url)/metrics"])
            #expect(r.exitCode == 0, "\(r)")
            let rows = r.stdout.split(separator: "\n").map { $0.split(separator: " ") }
            #expect(rows.count == 2, "\(r)")
            #expect(rows.allSatisfy { $0.first == "200" }, "\(r)")
            let connects = rows.compactMap { $0.last.flatMap { Int($0) } }.reduce(0, +)
            #expect(connects == 1, "two URLs in one curl run should share one connection; num_connects: \(r.stdout)")
        }

        @Test func http10() throws {
            guard Paths.peer(curl) else { return }
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            let dir = try TempDir()
            let r = try run(["--http1.0", "-D", dir.file("h"), "-o", dir.file("b"), "-w", "%{http_code}", "\(server.url)/-/healthy"])
            #expect(r.exitCode == 0, "\(r)")
            #expect(r.stdout == "200", "\(r)")
            #expect(dir.read("b") == "slod is healthy\n")
            #expect(headers(dir.file("h"))["content-length"] == "16", "\(dir.read("h"))")
        }

        @Test func expect100ContinueOnReload() throws {
            guard Paths.peer(curl) else { return }
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            let dir = try TempDir()
            let body = try dir.write("body", [UInt8](repeating: UInt8(ascii: "x"), count: 100_000))
            let r = try run(["-v", "-o", dir.file("out"), "-w", "%{http_code}", "--data-binary", "@\(body)",
                             "-H", "Expect: 100-continue", "-H", "Content-Type: application/octet-stream",
                             "\(server.url)/-/reload"])
            #expect(r.exitCode == 0, "\(r)")
            #expect(r.stdout == "200", "\(r)\n--- slod ---\n\(server.log)")
            #expect(dir.read("out") == "reloaded\n")
            #expect(r.stderr.contains("HTTP/1.1 100 Continue"), "curl -v shows no interim 100 Continue:\n\(r.stderr)")
            server.expectHealthy("after 100-continue upload")
        }

        @Test func chunkedUploadOnReload() throws {
            guard Paths.peer(curl) else { return }
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            let dir = try TempDir()
            let body = try dir.write("body", (0..<100_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
            let r = try run(["-v", "-o", dir.file("out"), "-w", "%{http_code}", "--data-binary", "@\(body)",
                             "-H", "Transfer-Encoding: chunked", "\(server.url)/-/reload"])
            #expect(r.exitCode == 0, "\(r)")
            #expect(r.stderr.contains("Transfer-Encoding: chunked"), "curl did not send a chunked body:\n\(r.stderr)")
            #expect(r.stdout == "200", "\(r)\n--- slod ---\n\(server.log)")
            #expect(dir.read("out") == "reloaded\n")
            server.expectHealthy("after chunked upload")
        }

        @Test func bodyOverLimitIs413() throws {
            guard Paths.peer(curl) else { return }
            let server = try SlodServer(config: testConfig(limits: ["max_body_bytes": "1KiB"]))
            defer { server.stop() }
            let dir = try TempDir()
            // A small body without Expect: curl sends it all, then reads the 413.
            let small = try dir.write("small", [UInt8](repeating: UInt8(ascii: "y"), count: 4096))
            let r1 = try run(["-D", dir.file("h1"), "-o", dir.file("b1"), "-w", "%{http_code}", "--data-binary", "@\(small)",
                              "-H", "Expect:", "\(server.url)/-/reload"])
            #expect(r1.exitCode == 0, "\(r1)")
            #expect(r1.stdout == "413", "\(r1)")
            #expect(headers(dir.file("h1"))["connection"]?.lowercased() == "close", "413 should close: \(dir.read("h1"))")

            // A large body with Expect: 100-continue: the 413 comes instead of 100 Continue.
            let large = try dir.write("large", [UInt8](repeating: UInt8(ascii: "z"), count: 100_000))
            let r2 = try run(["-v", "-o", dir.file("b2"), "-w", "%{http_code}", "--data-binary", "@\(large)",
                              "-H", "Expect: 100-continue", "\(server.url)/-/reload"])
            #expect(r2.exitCode == 0, "\(r2)")
            #expect(r2.stdout == "413", "\(r2)")
            #expect(!r2.stderr.contains("100 Continue"), "server sent 100 Continue for a body over the limit:\n\(r2.stderr)")

            let rejections = try server.metric("slod_http_limit_rejections_total", #"reason="body_bytes""#)
            #expect(rejections >= 2)
            server.expectHealthy("after 413s")
        }

        @Test func notFoundAndMethodNotAllowed() throws {
            guard Paths.peer(curl) else { return }
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            let dir = try TempDir()
            let r1 = try run(["-o", dir.file("b1"), "-w", "%{http_code}", "\(server.url)/no/such/path"])
            #expect(r1.stdout == "404", "\(r1)")
            #expect(dir.read("b1") == "not found\n")

            let r2 = try run(["-X", "DELETE", "-D", dir.file("h2"), "-o", dir.file("b2"), "-w", "%{http_code}", "\(server.url)/-/healthy"])
            #expect(r2.stdout == "405", "\(r2)")
            #expect(headers(dir.file("h2"))["allow"] == "GET, HEAD", "\(dir.read("h2"))")

            let r3 = try run(["--data-binary", "", "-D", dir.file("h3"), "-o", dir.file("b3"), "-w", "%{http_code}", "\(server.url)/metrics"])
            #expect(r3.stdout == "405", "POST with Content-Length: 0 on GET route: \(r3)")
            #expect(headers(dir.file("h3"))["allow"] == "GET, HEAD", "\(dir.read("h3"))")

            let r4 = try run(["-o", dir.file("b4"), "-w", "%{http_code}", "\(server.url)/-/reload"])
            #expect(r4.stdout == "405", "GET on POST-only /-/reload: \(r4)")
        }
    }
}
