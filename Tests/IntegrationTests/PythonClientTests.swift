import Foundation
import Testing

/// slod driven by Python's http.client: keep-alive reuse, HEAD, chunked request bodies
/// (`encode_chunked=True`) and response headers.
extension Integration {
    @Suite struct PythonClient {
        static let script = #"""
        import http.client, sys

        port = int(sys.argv[1])
        failures = []
        def check(cond, what):
            if not cond:
                failures.append(what)

        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.connect()
        first_sock = c.sock

        def reused(step):
            check(c.sock is first_sock, f"{step}: connection was not kept alive (new socket)")

        # Several requests on one keep-alive connection.
        for i in range(3):
            c.request("GET", "/-/healthy")
            r = c.getresponse()
            body = r.read()
            check(r.status == 200, f"healthy #{i}: status {r.status}")
            check(r.version == 11, f"healthy #{i}: version {r.version}")
            check(body == b"slod is healthy\n", f"healthy #{i}: body {body!r}")
            check(r.getheader("Content-Length") == "16", f"healthy #{i}: Content-Length {r.getheader('Content-Length')}")
            check((r.getheader("Connection") or "").lower() != "close", f"healthy #{i}: Connection: close on keep-alive")
            check(r.getheader("Date") is not None, f"healthy #{i}: no Date header")
            reused(f"healthy #{i}")

        c.request("GET", "/-/ready")
        r = c.getresponse(); body = r.read()
        check(r.status == 200, f"ready: status {r.status} {body!r}")
        reused("ready")

        c.request("GET", "/metrics")
        r = c.getresponse(); body = r.read()
        check(r.status == 200, f"metrics: status {r.status}")
        check(r.getheader("Content-Type") == "text/plain; version=0.0.4; charset=utf-8",
              f"metrics: Content-Type {r.getheader('Content-Type')!r}")
        check(int(r.getheader("Content-Length") or -1) == len(body), "metrics: Content-Length does not match the body")
        check(b"slod_http_requests_total{" in body, "metrics: no slod_http_requests_total series")
        reused("metrics")

        # 404 keeps the connection.
        c.request("GET", "/nope")
        r = c.getresponse(); body = r.read()
        check(r.status == 404 and body == b"not found\n", f"404: {r.status} {body!r}")
        reused("404")

        # HEAD: headers of the GET, no body.
        c.request("HEAD", "/-/healthy")
        r = c.getresponse(); body = r.read()
        check(r.status == 200, f"HEAD: status {r.status}")
        check(body == b"", f"HEAD: body {body!r}")
        check(r.getheader("Content-Length") == "16", f"HEAD: Content-Length {r.getheader('Content-Length')}")
        reused("HEAD")
        c.request("HEAD", "/metrics")
        r = c.getresponse(); r.read()
        check(r.status == 200 and r.getheader("Content-Type", "").startswith("text/plain; version=0.0.4"), f"HEAD /metrics: {r.status} {r.getheader('Content-Type')}")
        reused("HEAD /metrics")

        # A chunked request body.
        def chunks():
            for i in range(20):
                yield bytes([65 + i]) * (1000 + i * 37)
        c.request("POST", "/-/reload", body=chunks(), headers={"Transfer-Encoding": "chunked"}, encode_chunked=True)
        r = c.getresponse(); body = r.read()
        check(r.status == 200 and body == b"reloaded\n", f"chunked POST: {r.status} {body!r}")
        reused("chunked POST")

        # A Content-Length body.
        c.request("POST", "/-/reload", body=b"k" * 5000)
        r = c.getresponse(); body = r.read()
        check(r.status == 200 and body == b"reloaded\n", f"POST: {r.status} {body!r}")
        reused("POST")

        # The connection still works after all that.
        c.request("GET", "/-/healthy")
        r = c.getresponse(); body = r.read()
        check(r.status == 200, f"final healthy: {r.status}")
        reused("final")

        # An explicit Connection: close is honoured.
        c.request("GET", "/-/healthy", headers={"Connection": "close"})
        r = c.getresponse(); body = r.read()
        check(r.status == 200, f"close: {r.status}")
        check((r.getheader("Connection") or "").lower() == "close", f"close: response Connection {r.getheader('Connection')!r}")
        c.close()

        for f in failures:
            print("FAIL:", f)
        print("OK" if not failures else f"{len(failures)} failure(s)")
        sys.exit(1 if failures else 0)
        """#

        @Test func httpClientKeepAliveHeadChunked() throws {
            guard Paths.peer(Paths.python3) else { return }
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            let dir = try TempDir()
            let script = try dir.write("client.py", Self.script)
            let r = try runTool(Paths.python3, [script, String(server.port)], timeout: 30)
            #expect(r.exitCode == 0, "\(r)\n--- slod ---\n\(server.log)")
            #expect(r.stdout.contains("OK"), "\(r)")
            server.expectHealthy("after python client")
        }
    }
}
