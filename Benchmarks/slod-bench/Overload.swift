import Foundation
import Synchronization

/// `slod-bench overload`: slod on its default configuration (storage on, the default
/// `server.limits.max_body_memory`) under more large requests than it can hold: wrk with
/// `--connections` (default 512) connections POSTing the 3 MB large fixture for `--seconds`
/// (default 30), while a prober opens a new connection for `/-/healthy` and `/-/ready` every
/// 100 ms, as a Kubernetes probe does. Reports the answers by status (every one must be 200, or
/// 503/429 with `Retry-After`; none may time out), the probes' p99 (target ≤ 100 ms), slod's peak
/// RSS (`VmHWM`, target ≤ the budget + 200 MiB), its RSS 15 s after the load (large buffers go
/// back to the system), and that the points acknowledged with 200 were all applied.
func benchOverload(_ o: Options) {
    let (wrk, slodPath, dir) = loadBenchSetup("slod-bench-overload")
    defer { try? FileManager.default.removeItem(at: dir) }
    let lua = dir.appendingPathComponent("overload.lua").path
    _ = FileManager.default.createFile(atPath: lua, contents: Data((postBodyLua + statusCountingLua).utf8))
    let fixture = fixturePath("metrics_large.pb")
    let budget = 256 << 20   // HTTPServerConfiguration.defaultMaxBodyMemory
    let (slod, port, _) = startSlod(slodPath, yaml: "", name: "overload", dir: dir, data: dir.appendingPathComponent("data").path)
    defer {
        kill(slod.processIdentifier, SIGTERM)
        slod.waitUntilExit()
    }
    let pid = slod.processIdentifier
    let baseline = procStatusKiB(pid, "VmRSS") ?? 0
    print("slod-bench overload: wrk -t\(o.threads) -c\(o.connections) -d\(o.seconds)s POST metrics_large.pb (3 MB) to slod's default configuration (max_body_memory 256MiB); RSS before: \(baseline / 1024) MiB")

    let probes = Prober(port: port)
    let prober = Thread { probes.run() }
    prober.start()
    let r = run(wrk, ["-t\(o.threads)", "-c\(o.connections)", "-d\(o.seconds)s", "--latency", "--timeout", "10s", "-s", lua,
                      "http://127.0.0.1:\(port)/v1/metrics", "--", fixture, "application/x-protobuf", ""])
    probes.stop()
    let peak = procStatusKiB(pid, "VmHWM") ?? 0
    guard let w = parseWrk(r.output) else { fail("cannot parse wrk output:\n\(r.output)") }

    var statuses: [Int: Int] = [:]
    var withoutRetryAfter = 0
    var socketErrors: [String: Int] = [:]
    for line in r.output.split(separator: "\n") {
        let f = line.split(separator: " ")
        if f.first == "STATUS", f.count == 3, let s = Int(f[1]), let n = Int(f[2]) { statuses[s, default: 0] += n }
        if f.first == "NO_RETRY_AFTER", f.count == 2, let n = Int(f[1]) { withoutRetryAfter += n }
        if f.first == "SOCKET_ERRORS" {
            for kv in f.dropFirst() {
                let p = kv.split(separator: "=")
                if p.count == 2, let n = Int(p[1]) { socketErrors[String(p[0]), default: 0] += n }
            }
        }
    }
    let answered = statuses.values.reduce(0, +)
    let unexpected = statuses.filter { ![200, 429, 503].contains($0.key) }.values.reduce(0, +)
    let errors = socketErrors.values.reduce(0, +)
    print("  answers: " + statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
          + " (\(answered) in all, \(String(format: "%.0f", w.requestsPerSecond)) req/s, p99 \(String(format: "%.0f", w.p99Millis)) ms)")
    print("  non-200 without Retry-After: \(withoutRetryAfter); socket errors: "
          + socketErrors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))

    let (healthy, ready) = probes.results()
    func p99(_ xs: [Double]) -> Double { xs.isEmpty ? .infinity : xs.sorted()[min(xs.count - 1, Int(Double(xs.count) * 0.99))] }
    func median(_ xs: [Double]) -> Double { xs.isEmpty ? .infinity : xs.sorted()[xs.count / 2] }
    func maximum(_ xs: [Double]) -> Double { xs.max() ?? .infinity }
    print(String(format: "  /-/healthy: %d probes, %d not 200, p50 %.1f ms, p99 %.1f ms, max %.1f ms (target p99 <= 100 ms)",
                 healthy.latencies.count + healthy.failures, healthy.failures, median(healthy.latencies), p99(healthy.latencies), maximum(healthy.latencies)))
    print(String(format: "  /-/ready:   %d probes, %d not 200, p50 %.1f ms, p99 %.1f ms, max %.1f ms (target p99 <= 100 ms)",
                 ready.latencies.count + ready.failures, ready.failures, median(ready.latencies), p99(ready.latencies), maximum(ready.latencies)))

    // The requests still in flight when wrk stopped complete; then the counters are final.
    sleep(2)
    let page = httpGet(port: port, path: "/metrics")?.body ?? ""
    func sum(_ name: String, where filter: (Substring) -> Bool = { _ in true }) -> Double {
        var total = 0.0
        for l in page.split(separator: "\n") where (l.hasPrefix(name + " ") || l.hasPrefix(name + "{")) && filter(l) {
            total += Double(l.split(separator: " ").last ?? "") ?? 0
        }
        return total
    }
    let acknowledged = sum("slod_ingest_points_total")
    let applied = sum("slod_points_applied_total")
    let shardRejected = sum("slod_shard_rejected_points_total")
    let ok200 = sum("slod_ingest_requests_total") { $0.contains("code=\"200\"") }
    let refusedForMemory = sum("slod_http_limit_rejections_total") { $0.contains("reason=\"body_memory\"") }
    print(String(format: "  slod: %.0f requests answered 200 (wrk saw %d), %.0f refused for memory; points acknowledged %.0f, applied %.0f, rejected by the shards %.0f",
                 ok200, statuses[200] ?? 0, refusedForMemory, acknowledged, applied, shardRejected))

    sleep(13)
    let after = procStatusKiB(pid, "VmRSS") ?? 0
    print(String(format: "  RSS: peak %.0f MiB (target <= %d MiB = budget + 200 MiB), 15 s after the load %.0f MiB",
                 Double(peak) / 1024, (budget >> 20) + 200, Double(after) / 1024))

    var pass = true
    if unexpected > 0 || withoutRetryAfter > 0 || errors > 0 { pass = false }
    if p99(healthy.latencies) > 100 || p99(ready.latencies) > 100 || healthy.failures > 0 || ready.failures > 0 { pass = false }
    if peak > (budget >> 10) + 200 * 1024 { pass = false }
    if acknowledged != applied + shardRejected || acknowledged == 0 { pass = false }
    print("RESULT overload: \(pass ? "PASS" : "FAIL")")
}

/// Appended to `postBodyLua`: counts answers by status and non-200 answers without
/// `Retry-After` in each thread, and prints them with the socket errors when wrk is done.
let statusCountingLua = """

statuses = {}
no_retry_after = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status ~= 200 and headers["Retry-After"] == nil then no_retry_after = no_retry_after + 1 end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do io.write(string.format("STATUS %d %d\\n", status, n)) end
    io.write(string.format("NO_RETRY_AFTER %d\\n", t:get("no_retry_after")))
  end
  local e = summary.errors
  io.write(string.format("SOCKET_ERRORS connect=%d read=%d write=%d timeout=%d\\n", e.connect, e.read, e.write, e.timeout))
end
"""

/// A field of `/proc/PID/status` in KiB (`VmRSS`, `VmHWM`).
func procStatusKiB(_ pid: Int32, _ field: String) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
    }
    return nil
}

/// Probes `/-/healthy` and `/-/ready` on a new connection each, every 100 ms, until stopped.
final class Prober: Sendable {
    struct Series: Sendable { var latencies: [Double] = []; var failures = 0 }
    let port: Int
    let state = Mutex((healthy: Series(), ready: Series(), stopped: false))

    init(port: Int) { self.port = port }

    func run() {
        while !state.withLock({ $0.stopped }) {
            for path in ["/-/healthy", "/-/ready"] {
                let start = Date()
                let ok = httpGet(port: port, path: path)?.status == 200
                let millis = Date().timeIntervalSince(start) * 1000
                state.withLock { s in
                    if path == "/-/healthy" {
                        if ok { s.healthy.latencies.append(millis) } else { s.healthy.failures += 1 }
                    } else {
                        if ok { s.ready.latencies.append(millis) } else { s.ready.failures += 1 }
                    }
                }
            }
            usleep(100_000)
        }
    }

    func stop() { state.withLock { $0.stopped = true } }
    func results() -> (healthy: Series, ready: Series) { state.withLock { ($0.healthy, $0.ready) } }
}
