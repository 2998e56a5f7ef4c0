// slod-bench: benchmarks reported as ratios against a peer measured in the same run.
//
//   swift run -c release slod-bench http [--seconds N] [--connections N] [--rounds N]
//       wrk against slod's GET /-/healthy and against nginx returning a tiny 200, alternating,
//       same connection count; prints requests/s and p99 latency for both and the ratios.
//   swift run -c release slod-bench accept [--seconds N] [--connections N] [--rounds N]
//       the server in-process with one SO_REUSEPORT listener per loop vs one listener shared by
//       all loops with EPOLLEXCLUSIVE (the choice DESIGN.md asks to measure), wrk on /-/healthy.
//   swift run -c release slod-bench decode [--rounds N]
//       the OTLP decoders on the shared fixtures (raw protobuf, gzip, JSON) with a counting sink:
//       ns/point and MB/s of uncompressed input, beside zlib's own inflate speed on the same bytes
//       (the ceiling of the gzip path).
//   swift run -c release slod-bench aggregate [--rounds N]
//       one warm aggregator shard applying the fixtures' points (series already exist): ns/point.
//   swift run -c release slod-bench series [--series N] [--rounds N]
//       N series (default 1M) in one shard, counters then 15-bucket histograms: RSS per series
//       (and beyond the label strings), /metrics render time (snapshot + text / OpenMetrics).
//   swift run -c release slod-bench ingest [--seconds N] [--connections N] [--rounds N]
//       wrk POSTing each fixture to a slod it starts (keep-alive): points/s, p50/p99 latency.
//   swift run -c release slod-bench ingest-wal [--seconds N] [--connections N] [--rounds N]
//   swift run -c release slod-bench replay [--seconds N] [--connections N] [--rounds N]
//       the same with each storage.fsync policy against slod without a WAL (storage.enabled:
//       false), alternating: throughput ratios (interval ≥ 0.9, always with 64 clients ≥ 0.5),
//       then WAL replay speed (MB/s of records as stored) at the restart of the always run.
//   swift run -c release slod-bench durability [--part rows,bytes,replay,recovery,rotel] [--seconds N] [--rounds N] [--load-minutes M]
//       issue 16's durable-ingestion acceptance in one run: default config (fsync interval) and
//       fsync always vs storage off on the five fixture rows, WAL bytes per number / histogram
//       point, replay vs live points/s, recovery after kill -9 under load (not in the default
//       set: long), slod vs rotel; one summary table (see Durability.swift).
//   swift run -c release slod-bench overload [--seconds N] [--connections N]
//       wrk -c512 POSTing the 3 MB large fixture for 30 s to slod's default configuration while
//       /-/healthy and /-/ready are probed: answers by status (200, or 503/429 with Retry-After),
//       probe p99 (≤ 100 ms), peak RSS (≤ max_body_memory + 200 MiB), acknowledged = applied.
//   swift run -c release slod-bench parser [--seconds N]
//       the HTTP request parser on a typical request, in-process (no peer: a sanity number).
import Foundation
import HTTP
import Platform

struct Options {
    var seconds = 10
    var connections = 64
    var rounds = 3
    var threads = 2
}

func parseOptions(_ args: ArraySlice<String>, defaults: Options = Options()) -> Options {
    var o = defaults
    var it = args.makeIterator()
    while let a = it.next() {
        switch a {
        case "--seconds": o.seconds = Int(it.next() ?? "") ?? o.seconds
        case "--connections": o.connections = Int(it.next() ?? "") ?? o.connections
        case "--rounds": o.rounds = Int(it.next() ?? "") ?? o.rounds
        case "--threads": o.threads = Int(it.next() ?? "") ?? o.threads
        default: fail("unknown option \(a)")
        }
    }
    return o
}

/// `--rounds N` and `--instances N` (the SLO benchmarks' options); anything else fails.
func parseRoundsAndInstances(_ arguments: [String], rounds: inout Int, instances: inout Int) {
    var it = arguments.makeIterator()
    while let a = it.next() {
        switch a {
        case "--rounds": rounds = Int(it.next() ?? "") ?? rounds
        case "--instances": instances = Int(it.next() ?? "") ?? instances
        default: fail("unknown option \(a)")
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("slod-bench: \(message)\n".utf8))
    exit(1)
}

func which(_ name: String, _ candidates: [String]) -> String? {
    for c in candidates where FileManager.default.isExecutableFile(atPath: c) { return c }
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let p = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}

/// Runs a command to completion and returns its standard output.
@discardableResult
func run(_ path: String, _ args: [String]) -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { fail("cannot run \(path): \(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

struct WrkResult {
    var requestsPerSecond: Double
    var p99Millis: Double
    var errors: String
    /// Requests completed, and those answered with a status other than 2xx/3xx.
    var requests = 0
    var non2xx = 0
    /// The run's length as wrk measured it ("N requests in 5.00s").
    var seconds = 0.0
}

/// Parses wrk's `--latency` report.
func parseWrk(_ out: String) -> WrkResult? {
    var rps: Double?
    var p99: Double?
    var errors = ""
    var requests = 0, non2xx = 0, seconds = 0.0
    for line in out.split(separator: "\n") {
        let t = line.trimmingCharacters(in: .whitespaces)
        if t.contains(" requests in "), let n = Int(t.prefix { $0 != " " }) {
            requests = n
            let afterIn = t[t.range(of: " requests in ")!.upperBound...]
            seconds = parseLatency(String(afterIn.prefix { $0 != "," })).map { $0 / 1000 } ?? 0
        } else if t.hasPrefix("Non-2xx or 3xx responses:") {
            non2xx = Int(t.dropFirst("Non-2xx or 3xx responses:".count).trimmingCharacters(in: .whitespaces)) ?? 0
            errors += t + "; "
        } else if t.hasPrefix("Requests/sec:") {
            rps = Double(t.dropFirst("Requests/sec:".count).trimmingCharacters(in: .whitespaces))
        } else if t.hasPrefix("99%") {
            p99 = parseLatency(String(t.dropFirst(3).trimmingCharacters(in: .whitespaces)))
        } else if t.hasPrefix("Non-2xx") || t.hasPrefix("Socket errors") {
            errors += t + "; "
        }
    }
    guard let rps, let p99 else { return nil }
    return WrkResult(requestsPerSecond: rps, p99Millis: p99, errors: errors, requests: requests, non2xx: non2xx, seconds: seconds)
}

func parseLatency(_ s: String) -> Double? {
    for (suffix, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)] where s.hasSuffix(suffix) {
        return Double(s.dropLast(suffix.count)).map { $0 * factor }
    }
    return nil
}

func waitForPort(_ port: Int, timeout: TimeInterval = 10) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        close(fd)
        if rc == 0 { return true }
        usleep(50_000)
    }
    return false
}

func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    close(fd)
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// What the benchmarks that load a real slod with wrk need: wrk, the slod binary (next to
/// slod-bench, or `SLOD_BINARY`) and a fresh scratch directory named `name-PID` (the caller
/// removes it).
func loadBenchSetup(_ name: String) -> (wrk: String, slod: String, dir: URL) {
    guard let wrk = which("wrk", ["/usr/bin/wrk"]) else { fail("wrk not found (apt-get install wrk)") }
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    let slodPath = ProcessInfo.processInfo.environment["SLOD_BINARY"] ?? exe.deletingLastPathComponent().appendingPathComponent("slod").path
    guard FileManager.default.isExecutableFile(atPath: slodPath) else { fail("slod binary not found at \(slodPath) (swift build -c release)") }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return (wrk, slodPath, dir)
}

func benchHTTP(_ o: Options) {
    guard let nginx = which("nginx", ["/usr/sbin/nginx"]) else { fail("nginx not found (apt-get install nginx-light)") }
    let (wrk, slodPath, dir) = loadBenchSetup("slod-bench")
    defer { try? FileManager.default.removeItem(at: dir) }

    // nginx: same core count as slod's default (worker_processes auto), keep-alive without a
    // per-connection request cap so both servers do the same work, no access log.
    let nginxPort = freePort()
    let nginxConf = """
    worker_processes auto;
    daemon off;
    pid \(dir.path)/nginx.pid;
    error_log \(dir.path)/nginx-error.log warn;
    events { worker_connections 4096; }
    http {
        access_log off;
        keepalive_requests 100000000;
        keepalive_timeout 75s;
        client_body_temp_path \(dir.path)/body;
        proxy_temp_path \(dir.path)/proxy;
        fastcgi_temp_path \(dir.path)/fastcgi;
        uwsgi_temp_path \(dir.path)/uwsgi;
        scgi_temp_path \(dir.path)/scgi;
        server {
            listen 127.0.0.1:\(nginxPort);
            location / { default_type text/plain; return 200 "nginx is healthy\\n"; }
        }
    }
    """
    let confPath = dir.appendingPathComponent("nginx.conf").path
    _ = FileManager.default.createFile(atPath: confPath, contents: Data(nginxConf.utf8))
    let nginxProc = Process()
    nginxProc.executableURL = URL(fileURLWithPath: nginx)
    nginxProc.arguments = ["-c", confPath, "-p", dir.path]
    nginxProc.standardError = FileHandle.nullDevice
    do { try nginxProc.run() } catch { fail("cannot start nginx: \(error)") }

    let slodPort = freePort()
    let slodProc = Process()
    slodProc.executableURL = URL(fileURLWithPath: slodPath)
    slodProc.arguments = ["--listen", "127.0.0.1:\(slodPort)", "--log-level", "warn", "--storage-path", dir.path + "/data"]
    do { try slodProc.run() } catch { fail("cannot start slod: \(error)") }

    defer {
        kill(slodProc.processIdentifier, SIGTERM)
        kill(nginxProc.processIdentifier, SIGQUIT)
        slodProc.waitUntilExit()
        nginxProc.waitUntilExit()
    }
    guard waitForPort(nginxPort), waitForPort(slodPort) else { fail("servers did not start") }

    print("slod-bench http: wrk -t\(o.threads) -c\(o.connections) -d\(o.seconds)s --latency, \(o.rounds) rounds, alternating")
    func measure(_ url: String) -> WrkResult {
        let r = run(wrk, ["-t\(o.threads)", "-c\(o.connections)", "-d\(o.seconds)s", "--latency", url])
        guard let parsed = parseWrk(r.output) else { fail("cannot parse wrk output:\n\(r.output)") }
        return parsed
    }
    // Warm-up.
    _ = run(wrk, ["-t1", "-c8", "-d1s", "http://127.0.0.1:\(nginxPort)/"])
    _ = run(wrk, ["-t1", "-c8", "-d1s", "http://127.0.0.1:\(slodPort)/-/healthy"])
    var slodResults: [WrkResult] = []
    var nginxResults: [WrkResult] = []
    for round in 1...o.rounds {
        let n = measure("http://127.0.0.1:\(nginxPort)/")
        let s = measure("http://127.0.0.1:\(slodPort)/-/healthy")
        nginxResults.append(n)
        slodResults.append(s)
        print(String(format: "round %d: nginx %.0f req/s p99 %.2f ms %@| slod %.0f req/s p99 %.2f ms %@",
                     round, n.requestsPerSecond, n.p99Millis, n.errors, s.requestsPerSecond, s.p99Millis, s.errors))
    }
    func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }
    let nRPS = median(nginxResults.map(\.requestsPerSecond)), sRPS = median(slodResults.map(\.requestsPerSecond))
    let nP99 = median(nginxResults.map(\.p99Millis)), sP99 = median(slodResults.map(\.p99Millis))
    print(String(format: "median: nginx %.0f req/s p99 %.2f ms | slod %.0f req/s p99 %.2f ms", nRPS, nP99, sRPS, sP99))
    let throughputRatio = sRPS / nRPS
    let p99Ratio = sP99 / nP99
    let pass = throughputRatio >= 1.0 && p99Ratio <= 2.0
    print(String(format: "RESULT http: throughput slod/nginx = %.2fx (target >= 1.0), p99 slod/nginx = %.2fx (target <= 2.0): %@",
                 throughputRatio, p99Ratio, pass ? "PASS" : "FAIL"))
}

func benchAccept(_ o: Options) {
    guard let wrk = which("wrk", ["/usr/bin/wrk"]) else { fail("wrk not found (apt-get install wrk)") }
    func start(_ mode: HTTPServerConfiguration.AcceptMode) -> (HTTPServer, UInt16) {
        var b = HTTPRouterBuilder()
        b.add("/-/healthy", methods: [.get]) { _, _ in .response(.text(.ok, "slod is healthy\n")) }
        var c = HTTPServerConfiguration(address: SocketAddress.parse("127.0.0.1:0")!, eventLoops: OSThread.availableCores)
        c.acceptMode = mode
        let server = HTTPServer(configuration: c, router: b.build(), logger: Logger(fd: 2, level: .warn))
        do { return (server, try server.start().port) } catch { fail("cannot start server: \(error)") }
    }
    let (reuse, reusePort) = start(.reusePort)
    let (shared, sharedPort) = start(.sharedListener)
    defer {
        reuse.shutdown(); shared.shutdown()
        reuse.wait(); shared.wait()
    }
    print("slod-bench accept: \(OSThread.availableCores) loops each, wrk -t\(o.threads) -c\(o.connections) -d\(o.seconds)s, \(o.rounds) rounds")
    var r: [Double] = [], sh: [Double] = []
    for round in 1...o.rounds {
        for (name, port) in [("reuseport", reusePort), ("shared", sharedPort)] {
            let out = run(wrk, ["-t\(o.threads)", "-c\(o.connections)", "-d\(o.seconds)s", "--latency", "http://127.0.0.1:\(port)/-/healthy"])
            guard let w = parseWrk(out.output) else { fail("cannot parse wrk output") }
            if name == "reuseport" { r.append(w.requestsPerSecond) } else { sh.append(w.requestsPerSecond) }
            print(String(format: "round %d: %@ %.0f req/s p99 %.2f ms", round, name, w.requestsPerSecond, w.p99Millis))
        }
    }
    func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }
    print(String(format: "RESULT accept: reuseport %.0f req/s, shared+EPOLLEXCLUSIVE %.0f req/s, ratio %.2fx", median(r), median(sh), median(r) / median(sh)))
}

@inline(never) @_optimize(none)
func consume<T>(_ x: T) {}

func benchParser(_ o: Options) {
    var bytes = Array("POST /v1/metrics HTTP/1.1\r\nHost: localhost:4318\r\nUser-Agent: OTel-OTLP-Exporter-Python/1.29.0\r\nAccept-Encoding: gzip, deflate\r\nAccept: */*\r\nConnection: keep-alive\r\nContent-Type: application/x-protobuf\r\nContent-Length: 16\r\n\r\n0123456789abcdef".utf8)
    var parser = HTTPRequestParser()
    let clock = ContinuousClock()
    var best = Double.infinity
    let iterations = 200_000
    for _ in 0..<max(3, o.rounds) {
        let t = clock.measure {
            for _ in 0..<iterations {
                parser.reset()
                bytes.withUnsafeMutableBytes { b in
                    while true {
                        let ev = parser.parse(b)
                        if ev != .headComplete { consume(ev); break }
                    }
                }
            }
        }
        let ns = Double(t.components.seconds) * 1e9 + Double(t.components.attoseconds) / 1e9
        best = min(best, ns / Double(iterations))
    }
    print(String(format: "parser: %.0f ns/request (%d bytes, %.0f MB/s)", best, bytes.count, Double(bytes.count) / best * 1e3))
}

let args = CommandLine.arguments.dropFirst()
switch args.first {
case "http": benchHTTP(parseOptions(args.dropFirst()))
case "parser": benchParser(parseOptions(args.dropFirst()))
case "accept": benchAccept(parseOptions(args.dropFirst()))
case "decode": benchDecode(parseOptions(args.dropFirst()))
case "aggregate": benchAggregate(parseOptions(args.dropFirst()))
case "series":
    // `--series N` is this command's own option; the rest are the common ones.
    var rest = Array(args.dropFirst())
    var n = 1_000_000
    if let i = rest.firstIndex(of: "--series"), i + 1 < rest.count, let v = Int(rest[i + 1]) {
        n = v
        rest.removeSubrange(i...(i + 1))
    }
    var kind: String? = nil
    if let i = rest.firstIndex(of: "--kind"), i + 1 < rest.count {
        kind = rest[i + 1]
        rest.removeSubrange(i...(i + 1))
    }
    benchSeries(parseOptions(rest[...]), series: n, only: kind)
case "ingest": benchIngest(parseOptions(args.dropFirst()))
case "ingest-wal": benchIngestWAL(parseOptions(args.dropFirst()))
case "overload":
    var o = Options()
    o.seconds = 30
    o.connections = 512
    benchOverload(parseOptions(args.dropFirst(), defaults: o))
case "replay": benchReplay(parseOptions(args.dropFirst()))
case "durability": benchDurability(arguments: Array(args.dropFirst()))
case "slo": runSLOBench(arguments: Array(args.dropFirst()))
case "checkpoint": runCheckpointBench(arguments: Array(args.dropFirst()))
case "ui": runUIBench(arguments: Array(args.dropFirst()))
case "alerts":
    let rest = Array(args.dropFirst())
    if rest.contains("--e2e") { runAlertsE2E(arguments: rest) } else { runAlertsBench(arguments: rest) }
default:
    print("usage: slod-bench http|accept|ingest|ingest-wal|replay|overload [--seconds N] [--connections N] [--rounds N] | slod-bench durability [--part P,…] | slod-bench decode|aggregate|parser|slo|ui|checkpoint [--series N --shards N]|alerts")
    exit(args.first == nil ? 0 : 2)
}
