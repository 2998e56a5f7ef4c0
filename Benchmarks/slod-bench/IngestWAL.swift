import Foundation

/// `slod-bench ingest-wal`: the cost of the write-ahead log. wrk POSTs one fixture to slod
/// started with each `storage.fsync` policy and to slod without a WAL (`storage.enabled: false`,
/// the peer), policies alternating round by round so machine noise hits all alike; each policy
/// is reported as a throughput ratio against the peer (targets: `interval` ≥ 0.90, `always`
/// with 64 connections ≥ 0.50). Then the replay speed: slod is killed (-9) after an `always`
/// run, so its WAL is not covered by a shutdown checkpoint, and restarted; the restart's
/// `slod_wal_replayed_bytes_total / slod_wal_replay_duration_seconds` is the replay rate of the
/// records as stored (bodies still gzip'd) — target ≥ 200 MB/s.
func benchIngestWAL(_ o: Options) {
    let (wrk, slodPath, dir, lua, fixture, fixtureBytes) = walBenchSetup("slod-bench-wal")
    defer { try? FileManager.default.removeItem(at: dir) }
    let points = 1000.0

    struct Mode { var name: String; var yaml: String }
    let modes = [
        Mode(name: "no WAL", yaml: "storage: {enabled: false}\n"),
        Mode(name: "never", yaml: "storage: {fsync: never}\n"),
        Mode(name: "interval", yaml: "storage: {fsync: interval, fsync_interval: 1s}\n"),
        Mode(name: "always", yaml: "storage: {fsync: always}\n"),
    ]

    func start(_ mode: Mode, data: String) -> (Process, Int) {
        let slod = startSlod(slodPath, yaml: mode.yaml, name: mode.name, dir: dir, data: data)
        return (slod.process, slod.port)
    }

    print("slod-bench ingest-wal: wrk -t\(o.threads) -c\(o.connections) -d\(o.seconds)s POST metrics_medium.pb.gz (1000 points), \(o.rounds) rounds, policies alternating")
    var results: [String: [Double]] = [:]
    var lastAlwaysData = ""
    for round in 1...max(1, o.rounds) {
        var line = "round \(round):"
        for mode in modes {
            let data = dir.appendingPathComponent("data-\(round)-\(mode.name.replacingOccurrences(of: " ", with: "-"))").path
            let (p, port) = start(mode, data: data)
            let r = run(wrk, ["-t\(o.threads)", "-c\(o.connections)", "-d\(o.seconds)s", "--latency", "--timeout", "10s", "-s", lua,
                              "http://127.0.0.1:\(port)/v1/metrics", "--", fixture, "application/x-protobuf", "gzip"])
            guard let w = parseWrk(r.output) else { fail("cannot parse wrk output:\n\(r.output)") }
            if !w.errors.isEmpty { print("  \(mode.name) errors: \(w.errors)") }
            results[mode.name, default: []].append(w.requestsPerSecond)
            line += String(format: " %@ %.0f req/s (p99 %.1f ms);", mode.name, w.requestsPerSecond, w.p99Millis)
            if mode.name == "always" {
                kill(p.processIdentifier, SIGKILL)   // leave the WAL uncovered for the replay measurement
                p.waitUntilExit()
                if !lastAlwaysData.isEmpty { try? FileManager.default.removeItem(atPath: lastAlwaysData) }
                lastAlwaysData = data
            } else {
                kill(p.processIdentifier, SIGTERM)
                p.waitUntilExit()
                // Deleting the run's WAL drops its dirty pages, so their write-back does not
                // load the next run (the runs alternate; each writes ~70 MB/s).
                try? FileManager.default.removeItem(atPath: data)
            }
        }
        print(line)
    }
    func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }
    let base = median(results["no WAL"]!)
    var pass = true
    for mode in modes.dropFirst() {
        let ratio = median(results[mode.name]!) / base
        let target: Double? = mode.name == "interval" ? 0.90 : mode.name == "always" ? 0.50 : nil
        if let target, ratio < target { pass = false }
        print(String(format: "  %@: %.0f points/s, %.2fx of no WAL%@", mode.name, median(results[mode.name]!) * points, ratio,
                     target.map { String(format: " (target >= %.2f)", $0) } ?? ""))
    }
    print(String(format: "  no WAL: %.0f points/s", base * points))

    // Replay: restart on copies of the always run's directory (killed, so its WAL is all there).
    let replay = measureReplay(slodPath, dir: dir, data: lastAlwaysData, rounds: 3)
    let ingestMBs = base * fixtureBytes / 1e6
    if replay < 200 { pass = false }
    print(String(format: "  replay: %.0f MB/s of WAL (target >= 200); live ingestion without WAL: %.0f MB/s of the same bodies; replay/ingestion %.2fx",
                 replay, ingestMBs, replay / ingestMBs))
    print("RESULT ingest-wal: \(pass ? "PASS" : "FAIL")")
}

/// What the WAL benchmarks need: `loadBenchSetup`'s, the POST script, and the medium gzip
/// fixture with its size in bytes.
func walBenchSetup(_ name: String) -> (wrk: String, slod: String, dir: URL, lua: String, fixture: String, fixtureBytes: Double) {
    let (wrk, slodPath, dir) = loadBenchSetup(name)
    let lua = dir.appendingPathComponent("post.lua").path
    _ = FileManager.default.createFile(atPath: lua, contents: Data(postBodyLua.utf8))
    let fixture = fixturePath("metrics_medium.pb.gz")
    return (wrk, slodPath, dir, lua, fixture, Double(fileSize(fixture)))
}

/// Starts slod with `yaml` as its config and `data` as its storage path; waits (≤ `readyTimeout`
/// seconds, or exits) until it is ready (the port opens before recovery, ingestion only after
/// it). Returns the seconds from launch to the first `/-/ready` 200 (polled every 50 ms).
func startSlod(_ slodPath: String, yaml: String, name: String, dir: URL, data: String,
               readyTimeout: Double = 300) -> (process: Process, port: Int, secondsToReady: Double) {
    let config = dir.appendingPathComponent("slod-\(name.replacingOccurrences(of: " ", with: "-")).yaml").path
    _ = FileManager.default.createFile(atPath: config, contents: Data(("server:\n  limits:\n    max_body_bytes: 64MiB\n" + yaml).utf8))
    let port = freePort()
    let p = Process()
    p.executableURL = URL(fileURLWithPath: slodPath)
    p.arguments = ["--config", config, "--listen", "127.0.0.1:\(port)", "--log-level", "warn", "--storage-path", data]
    let launched = ContinuousClock.now
    do { try p.run() } catch { fail("cannot start slod: \(error)") }
    guard waitForPort(port) else { fail("slod (\(name)) did not start") }
    while httpGet(port: port, path: "/-/ready")?.status != 200 {
        guard seconds(ContinuousClock.now - launched) < readyTimeout else { fail("slod (\(name)) not ready after \(Int(readyTimeout)) s") }
        usleep(50_000)
    }
    return (p, port, seconds(ContinuousClock.now - launched))
}

/// The value of `name` in a Prometheus text page, summed over its label sets; nil if absent.
func metricValue(_ page: String, _ name: String) -> Double? {
    var total: Double? = nil
    for line in page.split(separator: "\n") where line.hasPrefix(name + " ") || line.hasPrefix(name + "{") {
        if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { total = (total ?? 0) + value }
    }
    return total
}

/// Replay speed: `rounds` times, copies `data` (a storage directory whose WAL no checkpoint
/// covers), starts slod on the copy and reads `slod_wal_replayed_bytes_total /
/// slod_wal_replay_duration_seconds` (records as stored, bodies still compressed). The copy is
/// read once first so every round replays from the page cache. Returns the median MB/s.
func measureReplay(_ slodPath: String, dir: URL, data: String, rounds: Int) -> Double {
    var rates: [Double] = []
    for round in 1...max(1, rounds) {
        let copy = data + "-replay"
        try? FileManager.default.removeItem(atPath: copy)
        let r = run("/bin/cp", ["-a", data, copy])
        guard r.status == 0 else { fail("cannot copy \(data): \(r.output)") }
        _ = run("/bin/sh", ["-c", "cat '\(copy)'/wal/* > /dev/null"])
        let (p, port, _) = startSlod(slodPath, yaml: "storage: {fsync: never}\n", name: "replay", dir: dir, data: copy)
        let page = httpGet(port: port, path: "/metrics")?.body ?? ""
        kill(p.processIdentifier, SIGKILL)   // no shutdown checkpoint: the copy is dropped anyway
        p.waitUntilExit()
        try? FileManager.default.removeItem(atPath: copy)
        let bytes = metricValue(page, "slod_wal_replayed_bytes_total") ?? 0, seconds = metricValue(page, "slod_wal_replay_duration_seconds") ?? 0
        let rate = seconds > 0 ? bytes / seconds / 1e6 : 0
        print(String(format: "  replay round %d: %.1f MB of WAL records in %.3f s = %.0f MB/s", round, bytes / 1e6, seconds, rate))
        rates.append(rate)
    }
    return rates.sorted()[rates.count / 2]
}

/// `slod-bench replay`: the replay speed alone. Fills a WAL with wrk POSTing the medium gzip
/// fixture for `--seconds` (fsync never), measuring that ingestion rate (the peer: what the same
/// slod takes in live, per second, of the same bodies), kills slod, and replays copies of the
/// WAL `--rounds` times. Reports MB/s of WAL replayed and its ratio to the live ingestion rate.
func benchReplay(_ o: Options) {
    let (wrk, slodPath, dir, lua, fixture, fixtureBytes) = walBenchSetup("slod-bench-replay")
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = dir.appendingPathComponent("data").path
    let (p, port, _) = startSlod(slodPath, yaml: "storage: {fsync: never}\n", name: "fill", dir: dir, data: data)
    let r = run(wrk, ["-t\(o.threads)", "-c\(o.connections)", "-d\(o.seconds)s", "--latency", "--timeout", "10s", "-s", lua,
                      "http://127.0.0.1:\(port)/v1/metrics", "--", fixture, "application/x-protobuf", "gzip"])
    kill(p.processIdentifier, SIGKILL)
    p.waitUntilExit()
    guard let w = parseWrk(r.output), w.errors.isEmpty else { fail("wrk failed:\n\(r.output)") }
    let ingest = w.requestsPerSecond * fixtureBytes / 1e6
    print(String(format: "slod-bench replay: WAL filled by wrk -t%d -c%d -d%ds POST metrics_medium.pb.gz: %.0f MB/s of bodies ingested live",
                 o.threads, o.connections, o.seconds, ingest))
    let replay = measureReplay(slodPath, dir: dir, data: data, rounds: o.rounds)
    print(String(format: "  replay (median of %d): %.0f MB/s = %.2fx of live ingestion (target >= 200 MB/s)", o.rounds, replay, replay / ingest))
    print("RESULT replay: \(replay >= 200 ? "PASS" : "FAIL")")
}

/// A GET over a fresh connection: status and body, or nil.
func httpGet(port: Int, path: String) -> (status: Int, body: String)? {
    httpExchange(port: port, request: Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
}

/// A POST of `body` over a fresh connection: status and body, or nil.
func httpPost(port: Int, path: String, contentType: String, body: [UInt8]) -> (status: Int, body: String)? {
    let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n\r\n"
    return httpExchange(port: port, request: Array(head.utf8) + body)
}

/// Sends `request` on a fresh connection and reads the response until the server closes it.
func httpExchange(port: Int, request req: [UInt8]) -> (status: Int, body: String)? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard ok == 0 else { return nil }
    guard req.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == req.count else { return nil }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    let text = String(decoding: out, as: UTF8.self)
    guard let sp = text.split(separator: " ", maxSplits: 2).dropFirst().first, let status = Int(sp),
          let split = text.range(of: "\r\n\r\n") else { return nil }
    return (status, String(text[split.upperBound...]))
}
