import Foundation
import Testing

/// POST /v1/metrics against the real binary: every row of the OTLP/HTTP reference's status table
/// (otlp-http.md §5.5), plus gzip, the gzip bomb, rate limiting and draining.
extension Integration {
    @Suite struct OTLPStatus {
        /// An HTTP server payload from `Tests/Fixtures/otlp/http-server` (see its README).
        static func fixture(_ name: String) throws -> [UInt8] {
            let url = Paths.repoRoot().appendingPathComponent("Tests/Fixtures/otlp/http-server").appendingPathComponent(name)
            return [UInt8](try Data(contentsOf: url))
        }

        /// POSTs `body` on a fresh connection and reads the response.
        static func post(_ server: SlodServer, path: String = "/v1/metrics", contentType: String?,
                         encoding: String? = nil, extra: [String] = [], body: [UInt8]) throws -> HTTPResponse {
            let c = try RawClient(port: server.port)
            defer { c.close() }
            var head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
            if let contentType { head += "Content-Type: \(contentType)\r\n" }
            if let encoding { head += "Content-Encoding: \(encoding)\r\n" }
            for h in extra { head += h + "\r\n" }
            try c.send(Array((head + "\r\n").utf8) + body)
            return try c.readResponse(timeout: 10)
        }

        /// Runs python3 to make bytes (gzip variants) without a zlib binding in the test target.
        static func python(_ code: String) throws -> [UInt8] {
            let dir = try TempDir()
            let out = dir.file("out.bin")
            let r = try runTool("/usr/bin/python3", ["-c", code, out], timeout: 60)
            guard r.exitCode == 0, let data = FileManager.default.contents(atPath: out) else {
                throw HarnessError("python3 failed: \(r)")
            }
            return Array(data)
        }

        static let pb = "application/x-protobuf"
        static let json = "application/json"

        @Test func validProtobufJSONAndGzipAreAcceptedAndCounted() throws {
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            let small = try Self.fixture("metrics_small.pb")
            var r = try Self.post(server, contentType: Self.pb, body: small)
            #expect(r.status == 200, "\(r)")
            #expect(r.header("Content-Type") == Self.pb)
            #expect(r.body.isEmpty, "full success is an empty ExportMetricsServiceResponse")
            #expect(try server.metric("slod_ingest_points_total", #"type="number""#) == 50)
            #expect(try server.metric("slod_ingest_points_total", #"type="histogram""#) == 50)

            r = try Self.post(server, contentType: Self.pb, encoding: "gzip", body: try Self.fixture("metrics_small.pb.gz"))
            #expect(r.status == 200, "\(r)")
            #expect(try server.metric("slod_ingest_points_total", #"type="number""#) == 100)

            r = try Self.post(server, contentType: "Application/JSON; charset=utf-8", body: try Self.fixture("metrics_medium.json"))
            #expect(r.status == 200, "\(r)")
            #expect(r.header("Content-Type") == Self.json)
            #expect(r.text == "{}")
            #expect(try server.metric("slod_ingest_points_total", #"type="number""#) == 600)
            #expect(try server.metric("slod_ingest_requests_total", #"encoding="protobuf",code="200""#) == 2)
            #expect(try server.metric("slod_ingest_requests_total", #"encoding="json",code="200""#) == 1)

            // The trailing-slash path SDKs may build from a signal-specific endpoint.
            r = try Self.post(server, path: "/v1/metrics/", contentType: Self.pb, body: small)
            #expect(r.status == 200, "\(r)")
        }

        @Test func emptyBodies() throws {
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            // A 0-byte protobuf message is a valid empty request.
            var r = try Self.post(server, contentType: Self.pb, body: [])
            #expect(r.status == 200 && r.body.isEmpty, "\(r)")
            // A 0-byte JSON body is not a JSON document: 400 with a Status in JSON.
            r = try Self.post(server, contentType: Self.json, body: [])
            #expect(r.status == 400, "\(r)")
            #expect(r.header("Content-Type") == Self.json)
            #expect(r.text.hasPrefix("{\"code\":3,\"message\":"), "\(r)")
            r = try Self.post(server, contentType: Self.json, body: Array("{}".utf8))
            #expect(r.status == 200 && r.text == "{}", "\(r)")
        }

        @Test func invalidPointsGivePartialSuccess() throws {
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            // One valid gauge point and one histogram point with 3 bucket counts for 3 bounds.
            let body = #"""
            {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"t"}}]},
             "scopeMetrics":[{"scope":{"name":"s"},"metrics":[
              {"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"1767225660000000000","asDouble":1.5}]}},
              {"name":"h","histogram":{"aggregationTemporality":2,"dataPoints":[{"timeUnixNano":"1767225660000000000",
               "count":"3","bucketCounts":["1","1","1"],"explicitBounds":[1,2,3]}]}}]}]}]}
            """#
            let r = try Self.post(server, contentType: Self.json, body: Array(body.utf8))
            #expect(r.status == 200, "\(r)")
            #expect(r.text.contains(#""rejectedDataPoints":"1""#), "\(r)")
            #expect(r.text.contains(#""errorMessage":"histogram point of \"h\""#), "\(r)")
            #expect(try server.metric("slod_ingest_points_total", #"type="number""#) == 1)
            #expect(try server.metric("slod_ingest_rejected_points_total", #"reason="invalid_buckets""#) == 1)
        }

        @Test func methodPathAndMediaTypeErrors() throws {
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            var r = try server.get("/v1/metrics")
            #expect(r.status == 405, "\(r)")
            #expect(r.header("Allow") == "POST")
            r = try Self.post(server, path: "/v1/metric", contentType: Self.pb, body: [])
            #expect(r.status == 404, "\(r)")
            r = try Self.post(server, contentType: "text/plain", body: Array("x".utf8))
            #expect(r.status == 415, "\(r)")
            #expect(r.text.contains("application/x-protobuf"))
            r = try Self.post(server, contentType: nil, body: Array("x".utf8))
            #expect(r.status == 415, "\(r)")
            r = try Self.post(server, contentType: Self.pb, encoding: "br", body: [1, 2, 3])
            #expect(r.status == 415, "\(r)")
            #expect(r.header("Content-Type") == Self.pb, "the Status body uses the request's encoding")
        }

        @Test func undecodableBodiesAre400WithStatus() throws {
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            // Content-type mismatch both ways.
            var r = try Self.post(server, contentType: Self.pb, body: try Self.fixture("metrics_medium.json"))
            #expect(r.status == 400, "\(r)")
            #expect(r.body.first == 0x08, "protobuf google.rpc.Status starts with field 1 (code)")
            r = try Self.post(server, contentType: Self.json, body: try Self.fixture("metrics_small.pb"))
            #expect(r.status == 400, "\(r)")
            #expect(r.text.hasPrefix("{\"code\":3"), "\(r)")
            // Truncated protobuf and truncated gzip.
            let small = try Self.fixture("metrics_small.pb")
            r = try Self.post(server, contentType: Self.pb, body: Array(small[0..<(small.count / 2)]))
            #expect(r.status == 400, "\(r)")
            let gz = try Self.fixture("metrics_small.pb.gz")
            r = try Self.post(server, contentType: Self.pb, encoding: "gzip", body: Array(gz[0..<(gz.count - 20)]))
            #expect(r.status == 400, "\(r)")
            #expect(String(decoding: r.body, as: UTF8.self).contains("gzip"), "\(r)")
            // Not gzip at all.
            r = try Self.post(server, contentType: Self.pb, encoding: "gzip", body: small)
            #expect(r.status == 400, "\(r)")
            #expect(try server.metric("slod_ingest_requests_total", #"encoding="protobuf",code="400""#) == 4)
            server.expectHealthy("after undecodable bodies")
        }

        @Test func oversizedAndBombBodiesAre413() throws {
            guard Paths.peer("/usr/bin/python3") else { return }
            let server = try SlodServer(config: testConfig(limits: ["max_body_bytes": "64KiB"]))
            defer { server.stop() }
            // Over max_body_bytes as sent: refused from Content-Length by the HTTP layer.
            let big = try Self.fixture("metrics_medium.pb")
            var r = try Self.post(server, contentType: Self.pb, body: big)
            #expect(r.status == 413, "\(r)")
            // A 64 MiB run of zeros gzips to ~64 KB: within max_body_bytes, a bomb once inflated.
            let bomb = try Self.python("import gzip,sys; open(sys.argv[1],'wb').write(gzip.compress(bytes(64<<20), 9))")
            #expect(bomb.count < 64 << 10)
            let before = try server.metric("process_resident_memory_bytes")
            r = try Self.post(server, contentType: Self.pb, encoding: "gzip", body: bomb)
            #expect(r.status == 413, "\(r)")
            #expect(String(decoding: r.body, as: UTF8.self).contains("decompressed"), "\(r)")
            let after = try server.metric("process_resident_memory_bytes")
            #expect(after - before < 32 * 1024 * 1024, "a bomb must cost bounded memory: RSS grew \(after - before) bytes")
            server.expectHealthy("after a gzip bomb")
        }

        @Test func overTheRateLimitIs429WithRetryAfter() throws {
            var config = testConfig()
            config += "ingest:\n  rate_limit_points_per_second: 150\n  rate_limit_burst_points: 150\n"
            let server = try SlodServer(config: config)
            defer { server.stop() }
            let small = try Self.fixture("metrics_small.pb")  // 100 points
            var r = try Self.post(server, contentType: Self.pb, body: small)
            #expect(r.status == 200, "\(r)")
            r = try Self.post(server, contentType: Self.pb, body: small)
            #expect(r.status == 429, "\(r)")
            #expect(Int(r.header("Retry-After") ?? "") ?? 0 >= 1, "\(r)")
            #expect(r.body.first == 0x08, "a protobuf Status")
            // Nothing of the refused request was kept.
            #expect(try server.metric("slod_ingest_points_total", #"type="number""#) == 50)
            #expect(try server.metric("slod_ingest_requests_total", #"encoding="protobuf",code="429""#) == 1)
        }

        @Test func drainingAnswers503WithRetryAfter() throws {
            let server = try SlodServer(config: testConfig(timeouts: ["shutdown_grace": "5s"]))
            defer { server.stop() }
            let small = try Self.fixture("metrics_small.pb")
            let c = try RawClient(port: server.port)
            defer { c.close() }
            try c.send("POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n")
            Time.sleep(0.2)
            server.child.signal(SIGTERM)
            Time.sleep(0.3)
            try c.send(Array("Content-Length: \(small.count)\r\n\r\n".utf8) + small)
            let r = try c.readResponse(timeout: 5)
            #expect(r.status == 503, "\(r)")
            #expect(r.header("Retry-After") == "1", "\(r)")
            #expect(r.closes)
            #expect(server.child.wait(timeout: 6) == .exited(0))
        }
    }
}
