import Foundation
import HTTP
import Platform

/// `slod-bench alerts --e2e [--runs N] [--compare-seconds S]`, part (b): from the ingest request
/// whose data crosses a burn-rate threshold to the alert being in Alertmanager, with default
/// settings (1 s evaluation, `for: 0s`), against Prometheus 2.42 evaluating the rules
/// `slod rules` writes for the same SLO on the same data (scraping slod's `/metrics`).
///
/// Peers: the release `slod` binary (next to slod-bench, or `$SLOD_BINARY`),
/// `/usr/bin/prometheus-alertmanager` and `/usr/bin/prometheus`, all on 127.0.0.1 with ports
/// chosen at run time and data in a temporary directory; every process is stopped at the end.
///
/// Traffic: OTLP/JSON pushes of delta counters once a second, 100 requests per push per route.
/// (a) slod's latency distribution: `--runs` routes one after the other, each 3 s of good
/// traffic, then 50 % errors from the measured push on; the time until Alertmanager lists
/// slod's alert for that route (polled every 20 ms). (b) One route with 45 s of good traffic
/// (three Prometheus scrapes at 15 s), then errors: both slod's alert and Prometheus' (told apart
/// by `sloth_id`, which only the rules' alert carries), each timed from the same push.
func runAlertsE2E(arguments: [String]) {
    var runs = 30
    if let i = arguments.firstIndex(of: "--runs"), i + 1 < arguments.count, let v = Int(arguments[i + 1]) { runs = max(v, 5) }
    var warmup = 45.0
    if let i = arguments.firstIndex(of: "--compare-seconds"), i + 1 < arguments.count, let v = Double(arguments[i + 1]) { warmup = v }
    let fm = FileManager.default
    let slodPath = ProcessInfo.processInfo.environment["SLOD_BINARY"]
        ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("slod").path
    let amPath = "/usr/bin/prometheus-alertmanager", promPath = "/usr/bin/prometheus"
    for (path, hint) in [(slodPath, "swift build -c release --product slod"), (amPath, "apt-get install prometheus-alertmanager"),
                         (promPath, "apt-get install prometheus")] where !fm.isExecutableFile(atPath: path) {
        print("alerts e2e: \(path) not found (\(hint)); skipped")
        return
    }
    let dir = NSTemporaryDirectory() + "slod-bench-alerts-\(getpid())"
    try? fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? fm.removeItem(atPath: dir) }
    let amPort = UInt16(freePort()), slodPort = UInt16(freePort()), promPort = UInt16(freePort())
    let slo = """
    slos:
      - service: bench
        name: availability
        objective: 99.9
        group_by: [route]
        sli:
          events:
            total: slod_e2e_requests_total
            bad: 'slod_e2e_requests_total{code="500"}'
        alerting: {ticket: {disabled: true}}

    """
    func write(_ name: String, _ text: String) -> String {
        let p = dir + "/" + name
        try! text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }
    let slodConfig = write("slod.yaml", slo + """
    alerting:
      notifiers:
        - name: am
          alertmanager: {urls: ["http://127.0.0.1:\(amPort)"]}

    """)
    let amConfig = write("am.yml", "route: {receiver: blackhole, group_wait: 0s, group_interval: 1s, repeat_interval: 1h}\nreceivers: [{name: blackhole}]\n")
    var children: [Process] = []
    defer {
        for c in children where c.isRunning { c.terminate() }
        for c in children { c.waitUntilExit() }
    }
    func spawn(_ path: String, _ args: [String], log: String) -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let handle = FileHandle(forWritingAtPath: write(log, "")) ?? FileHandle.nullDevice
        p.standardOutput = handle
        p.standardError = handle
        try! p.run()
        children.append(p)
        return p
    }
    _ = spawn(amPath, ["--config.file=\(amConfig)", "--storage.path=\(dir)/am-data", "--web.listen-address=127.0.0.1:\(amPort)",
                       "--cluster.listen-address="], log: "am.log")
    _ = spawn(slodPath, ["--config", slodConfig, "--listen", "127.0.0.1:\(slodPort)", "--storage-path", dir + "/slod-data"], log: "slod.log")
    let rules = Process()
    rules.executableURL = URL(fileURLWithPath: slodPath)
    rules.arguments = ["rules", "--out", dir + "/rules.yml", slodConfig]
    try! rules.run()
    rules.waitUntilExit()
    let promConfig = write("prometheus.yml", """
    global: {scrape_interval: 15s, evaluation_interval: 15s}
    rule_files: [rules.yml]
    alerting:
      alertmanagers: [{static_configs: [{targets: ['127.0.0.1:\(amPort)']}]}]
    scrape_configs:
      - job_name: slod
        honor_labels: true
        static_configs: [{targets: ['127.0.0.1:\(slodPort)']}]

    """)
    _ = spawn(promPath, ["--config.file=\(promConfig)", "--storage.tsdb.path=\(dir)/prom-data", "--web.listen-address=127.0.0.1:\(promPort)"],
              log: "prom.log")
    let client = HTTPClient(connectTimeout: .seconds(2), requestTimeout: .seconds(5))
    func get(_ port: UInt16, _ path: String) -> (Int, [UInt8])? {
        guard let r = try? client.send(HTTPClientRequest(method: "GET", url: HTTPURL(host: "127.0.0.1", port: port, path: path))) else { return nil }
        return (r.status, r.body)
    }
    func waitReady(_ port: UInt16, _ path: String) -> Bool {
        for _ in 0..<300 {
            if get(port, path)?.0 == 200 { return true }
            usleep(100_000)
        }
        return false
    }
    guard waitReady(amPort, "/-/ready"), waitReady(slodPort, "/-/ready"), waitReady(promPort, "/-/ready") else {
        print("alerts e2e: a peer did not start; logs in \(dir)")
        return
    }
    /// One push: `good` and `bad` requests on `route`, delta temporality, stamped now.
    func push(_ route: String, good: Int, bad: Int) {
        let now = UInt64(Date().timeIntervalSince1970 * 1e9)
        func point(_ code: String, _ n: Int) -> String {
            #"{"attributes":[{"key":"route","value":{"stringValue":"\#(route)"}},{"key":"code","value":{"stringValue":"\#(code)"}}],"startTimeUnixNano":"\#(now - 1_000_000_000)","timeUnixNano":"\#(now)","asInt":"\#(n)"}"#
        }
        let body = #"{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"bench"}}]},"scopeMetrics":[{"metrics":[{"name":"slod.e2e.requests","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[\#(point("200", good)),\#(point("500", bad))]}}]}]}]}"#
        _ = try? client.send(HTTPClientRequest(url: HTTPURL(host: "127.0.0.1", port: slodPort, path: "/v1/metrics"),
                                               headers: [("Content-Type", "application/json")], body: Array(body.utf8)))
    }
    /// Alertmanager's active alerts for `route`: (from slod, from Prometheus).
    func alerts(_ route: String) -> (slod: Bool, prometheus: Bool) {
        guard let (status, body) = get(amPort, "/api/v2/alerts?active=true"), status == 200,
              let list = try? JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] else { return (false, false) }
        var s = false, p = false
        for a in list {
            guard let labels = a["labels"] as? [String: String], labels["route"] == route else { continue }
            if labels["sloth_id"] == nil { s = true } else { p = true }
        }
        return (s, p)
    }
    let clock = ContinuousClock()
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    // (a) slod alone, many runs.
    var latencies: [Double] = []
    for run in 0..<runs {
        let route = "/a\(run)"
        for _ in 0..<3 {
            push(route, good: 100, bad: 0)
            usleep(1_000_000)
        }
        let t0 = clock.now
        push(route, good: 50, bad: 50)
        var lastPush = t0
        var found: Double? = nil
        while clock.now - t0 < .seconds(10) {
            if alerts(route).slod {
                found = seconds(clock.now - t0)
                break
            }
            if clock.now - lastPush >= .seconds(1) {
                push(route, good: 50, bad: 50)
                lastPush = clock.now
            }
            usleep(20_000)
        }
        latencies.append(found ?? .infinity)
    }
    let sorted = latencies.sorted()
    func pct(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int((Double(sorted.count) * q).rounded(.up)) - 1)] }
    print(String(format: "alerts e2e: threshold-crossing push -> alert in Alertmanager, slod (1 s evaluation): p50 %.2f s, p99 %.2f s, max %.2f s over %d runs (target p99 <= 2 s)",
                 pct(0.5), pct(0.99), sorted.last!, runs))

    // (b) the same data through Prometheus and the generated rules.
    let route = "/compare"
    let warmupStart = clock.now
    while clock.now - warmupStart < .seconds(warmup) {
        push(route, good: 100, bad: 0)
        usleep(1_000_000)
    }
    let t0 = clock.now
    var slodAt: Double? = nil, promAt: Double? = nil
    var lastPush = t0
    push(route, good: 50, bad: 50)
    while clock.now - t0 < .seconds(240) && (slodAt == nil || promAt == nil) {
        let seen = alerts(route)
        if seen.slod && slodAt == nil { slodAt = seconds(clock.now - t0) }
        if seen.prometheus && promAt == nil { promAt = seconds(clock.now - t0) }
        if clock.now - lastPush >= .seconds(1) {
            push(route, good: 50, bad: 50)
            lastPush = clock.now
        }
        usleep(50_000)
    }
    if let s = slodAt, let p = promAt {
        print(String(format: "alerts e2e: same data, slod %.2f s vs Prometheus 2.42 + slod rules (scrape and evaluation every 15 s) %.1f s: %.0fx faster",
                     s, p, p / s))
    } else {
        print("alerts e2e: comparison incomplete (slod \(slodAt.map { String($0) } ?? "no alert"), Prometheus \(promAt.map { String($0) } ?? "no alert") within 240 s); logs in \(dir)")
    }
}
