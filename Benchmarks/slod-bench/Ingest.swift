import Foundation

/// The repository this harness was built from.
let repositoryDirectory: URL = {
    var repository = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { repository.deleteLastPathComponent() }
    return repository
}()

/// The folders that may hold the shared material (`fixtures/`, `peers/`): `$SLOD_SHARED_DIR`,
/// then `../shared` beside the repository.
func sharedDirectories() -> [String] {
    var directories: [String] = []
    if let shared = ProcessInfo.processInfo.environment["SLOD_SHARED_DIR"] { directories.append(shared) }
    directories.append(repositoryDirectory.deletingLastPathComponent().appendingPathComponent("shared").path)
    return directories
}

/// The path of an HTTP server OTLP payload (`metrics_{small,medium,large}.pb[.gz]`,
/// `metrics_medium.json`): from `$SLOD_SHARED_DIR/fixtures/otlp`, the repository's
/// `Tests/Fixtures/otlp/http-server` (small and medium only) or `../shared/fixtures/otlp` beside
/// the repository, the first that has it. Exits naming the folders searched if none has it.
func fixturePath(_ name: String) -> String {
    var directories = sharedDirectories().map { $0 + "/fixtures/otlp" }
    // The repository's own copies come before `../shared` (the last of the shared folders).
    directories.insert(repositoryDirectory.appendingPathComponent("Tests/Fixtures/otlp/http-server").path, at: directories.count - 1)
    if let directory = directories.first(where: { FileManager.default.fileExists(atPath: $0 + "/" + name) }) {
        return directory + "/" + name
    }
    fail("""
        fixture \(name) not found in \(directories.joined(separator: ", ")); the repository holds only the \
        small and medium payloads: write the large ones with `python3 Scripts/gen_otlp_payloads.py --large --out DIR` \
        (needs opentelemetry-proto) and set SLOD_SHARED_DIR so that DIR is $SLOD_SHARED_DIR/fixtures/otlp
        """)
}

func loadFixture(_ name: String) -> [UInt8] {
    let path = fixturePath(name)
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read fixture \(path)") }
    return Array(data)
}


/// An OTLP/HTTP body the load benchmarks POST: its file, headers and data points.
struct LoadBody {
    var name: String
    var path: String
    var contentType: String
    /// `gzip`, or empty for none.
    var contentEncoding: String
    var points: Int

    var fileName: String { URL(fileURLWithPath: path).lastPathComponent }
}

/// The five rows every ingestion comparison uses (issue 16's table; the peers' matrix at 16
/// connections), from the shared fixtures.
let ingestFixtures = [
    LoadBody(name: "medium, protobuf", path: fixturePath("metrics_medium.pb"), contentType: "application/x-protobuf", contentEncoding: "", points: 1000),
    LoadBody(name: "medium, protobuf + gzip", path: fixturePath("metrics_medium.pb.gz"), contentType: "application/x-protobuf", contentEncoding: "gzip", points: 1000),
    LoadBody(name: "large, protobuf", path: fixturePath("metrics_large.pb"), contentType: "application/x-protobuf", contentEncoding: "", points: 10000),
    LoadBody(name: "large, protobuf + gzip", path: fixturePath("metrics_large.pb.gz"), contentType: "application/x-protobuf", contentEncoding: "gzip", points: 10000),
    LoadBody(name: "medium, OTLP/JSON", path: fixturePath("metrics_medium.json"), contentType: "application/json", contentEncoding: "", points: 1000),
]

/// A wrk script that POSTs one fixed body (read from the file named by its first argument).
let postBodyLua = """
function init(args)
  local f = assert(io.open(args[1], "rb"))
  local body = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = args[2]
  if args[3] ~= nil and args[3] ~= "" then wrk.headers["Content-Encoding"] = args[3] end
  req = wrk.format()
end
function request() return req end
"""

func benchIngest(_ o: Options) {
    let (wrk, slodPath, dir) = loadBenchSetup("slod-bench-ingest")
    defer { try? FileManager.default.removeItem(at: dir) }
    let lua = dir.appendingPathComponent("post.lua").path
    _ = FileManager.default.createFile(atPath: lua, contents: Data(postBodyLua.utf8))
    let config = dir.appendingPathComponent("slod.yaml").path
    _ = FileManager.default.createFile(atPath: config, contents: Data("server:\n  limits:\n    max_body_bytes: 64MiB\n".utf8))

    let port = freePort()
    let slod = Process()
    slod.executableURL = URL(fileURLWithPath: slodPath)
    slod.arguments = ["--config", config, "--listen", "127.0.0.1:\(port)", "--log-level", "warn", "--storage-path", dir.path + "/data"]
    do { try slod.run() } catch { fail("cannot start slod: \(error)") }
    defer {
        kill(slod.processIdentifier, SIGTERM)
        slod.waitUntilExit()
    }
    guard waitForPort(port) else { fail("slod did not start") }
    print("slod-bench ingest: wrk -t\(o.threads) -c\(o.connections) -d\(o.seconds)s, best of \(o.rounds) rounds per payload")
    for fixture in ingestFixtures {
        let (file, ctype, cenc, points) = (fixture.fileName, fixture.contentType, fixture.contentEncoding, fixture.points)
        var best: WrkResult? = nil
        var p50 = 0.0
        for _ in 0..<max(1, o.rounds) {
            let r = run(wrk, ["-t\(o.threads)", "-c\(o.connections)", "-d\(o.seconds)s", "--latency", "--timeout", "10s", "-s", lua,
                              "http://127.0.0.1:\(port)/v1/metrics", "--", fixture.path, ctype, cenc])
            guard let w = parseWrk(r.output) else { fail("cannot parse wrk output:\n\(r.output)") }
            if !w.errors.isEmpty { print("  errors: \(w.errors)") }
            if best == nil || w.requestsPerSecond > best!.requestsPerSecond {
                best = w
                p50 = parseP50(r.output) ?? 0
            }
        }
        let b = best!
        print(file.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: " %10.0f points/s  (%7.0f req/s)  p50 %6.2f ms  p99 %6.2f ms",
                     b.requestsPerSecond * Double(points), b.requestsPerSecond, p50, b.p99Millis))
    }
}

func parseP50(_ out: String) -> Double? {
    for line in out.split(separator: "\n") {
        let t = line.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("50%") { return parseLatency(String(t.dropFirst(3).trimmingCharacters(in: .whitespaces))) }
    }
    return nil
}
