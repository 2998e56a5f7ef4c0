import Foundation

/// The storage configurations issue 16 compares, as slod config snippets.
enum StorageSetting: String, CaseIterable {
    /// `storage.enabled: false`: the peer every WAL figure is a ratio against.
    case off
    /// slod's default configuration: storage on, `fsync: interval`.
    case interval
    case always

    var yaml: String {
        switch self {
        case .off: "storage: {enabled: false}\n"
        case .interval: ""
        case .always: "storage: {fsync: always}\n"
        }
    }

    var label: String {
        switch self {
        case .off: "storage off"
        case .interval: "default (interval)"
        case .always: "fsync always"
        }
    }
}

/// One wrk run against a server and what the server did meanwhile.
struct LoadMeasurement {
    var wrk: WrkResult
    var p50Millis: Double
    /// Points acknowledged: 2xx responses × the body's points.
    var acknowledgedPoints: Double
    /// Deltas of slod's counters over the run (read again once they stop moving after wrk
    /// ends); zero for a server without them.
    var appliedPoints: Double
    var walBytes: Double
    /// The server's CPU time over the run divided by its length.
    var serverCores: Double

    var seconds: Double { wrk.seconds }
    /// The points/s every comparison uses: acknowledged points over wrk's run time (as the
    /// peers' harness and issue 16's table count them; the same for a peer without counters).
    var pointsPerSecond: Double { acknowledgedPointsPerSecond }
    var acknowledgedPointsPerSecond: Double { seconds > 0 ? acknowledgedPoints / seconds : 0 }
    var appliedPointsPerSecond: Double { seconds > 0 ? appliedPoints / seconds : 0 }
    /// The server's CPU time per acknowledged point, in nanoseconds: what a setting costs
    /// whatever share of the cores wrk happens to leave the server.
    var serverNanosPerPoint: Double { acknowledgedPointsPerSecond > 0 ? serverCores / acknowledgedPointsPerSecond * 1e9 : 0 }
}

/// The load generator of the durability benchmark: wrk with the POST script, the peers'
/// thread and connection counts (`bench_target.sh`: -t2 -c16).
struct LoadGenerator {
    var wrk: String
    var lua: String
    var threads: Int
    var connections: Int

    /// Runs wrk for `seconds` against `port` (server process `pid`), reading slod's counters
    /// before and after when `slodCounters` is set.
    func measure(_ body: LoadBody, port: Int, pid: Int32, seconds: Int, slodCounters: Bool) -> LoadMeasurement {
        // The progress printed so far, out before the run even into a file or pipe.
        fflush(nil)
        let before = slodCounters ? SlodCounters.read(port: port) : SlodCounters()
        let cpuBefore = processCPUSeconds(pid)
        let out = run(wrk, ["-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--latency", "--timeout", "30s", "-s", lua,
                                      "http://127.0.0.1:\(port)/v1/metrics", "--", body.path, body.contentType, body.contentEncoding])
        let cpuAfter = processCPUSeconds(pid)
        guard let w = parseWrk(out.output), w.seconds > 0 else { fail("cannot parse wrk output:\n\(out.output)") }
        if !w.errors.isEmpty { print("    \(body.name): \(w.errors)") }
        let after = slodCounters ? SlodCounters.settled(port: port) : SlodCounters()
        let acknowledged = Double(w.requests - w.non2xx) * Double(body.points)
        // Applied may exceed acknowledged by the requests in flight when wrk stopped counting,
        // never fall short of it: an acknowledged point is applied (or replayed) exactly once.
        if slodCounters, after.appliedPoints - before.appliedPoints < acknowledged {
            print("    \(body.name): LOST POINTS: \(Int(acknowledged)) acknowledged, \(Int(after.appliedPoints - before.appliedPoints)) applied")
        }
        return LoadMeasurement(wrk: w, p50Millis: parseP50(out.output) ?? 0,
                               acknowledgedPoints: acknowledged,
                               appliedPoints: after.appliedPoints - before.appliedPoints, walBytes: after.walBytes - before.walBytes,
                               serverCores: (cpuAfter - cpuBefore) / w.seconds)
    }
}

/// slod's counters the durability benchmark reads from `/metrics`.
struct SlodCounters {
    /// `slod_points_applied_total`: points the shards applied (live or replayed).
    var appliedPoints = 0.0
    /// `slod_wal_bytes_total`: bytes appended to the WAL, record headers included.
    var walBytes = 0.0
    var page = ""

    static func read(port: Int) -> SlodCounters {
        guard let page = httpGet(port: port, path: "/metrics"), page.status == 200 else { fail("cannot read slod's /metrics on port \(port)") }
        return SlodCounters(appliedPoints: metricValue(page.body, "slod_points_applied_total") ?? 0,
                            walBytes: metricValue(page.body, "slod_wal_bytes_total") ?? 0, page: page.body)
    }

    /// The counters once the points still in the rings are applied: read until two reads
    /// 200 ms apart agree (at most 10 s).
    static func settled(port: Int) -> SlodCounters {
        var last = read(port: port)
        for _ in 0..<50 {
            usleep(200_000)
            let now = read(port: port)
            if now.appliedPoints == last.appliedPoints { return now }
            last = now
        }
        return last
    }
}

/// utime + stime of a process (all threads), in seconds; 0 if it cannot be read.
func processCPUSeconds(_ pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // Fields 14 and 15 of proc(5); `fields` starts at field 3.
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// The 1-, 5- and 15-minute load averages, as `/proc/loadavg` prints them.
func loadAverage() -> String {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}

/// Free bytes on the file system holding `path`.
func freeDiskBytes(_ path: String) -> Double {
    let attributes = try? FileManager.default.attributesOfFileSystem(forPath: path)
    return (attributes?[.systemFreeSize] as? NSNumber)?.doubleValue ?? 0
}

/// Total size of the regular files under `path`.
func directoryBytes(_ path: String) -> Double {
    guard let files = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total = 0.0
    for case let file as String in files {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + file)
        if attributes?[.type] as? FileAttributeType == .typeRegular { total += (attributes?[.size] as? NSNumber)?.doubleValue ?? 0 }
    }
    return total
}

/// The middle value (the mean of the two middle ones for an even count).
func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Stops a process the benchmark started: SIGKILL (nothing of it is kept) and reap.
func killNow(_ process: Process) {
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
}

/// `1.23 M`, `456 k`, `789`.
func formatCount(_ v: Double) -> String {
    if v >= 1e6 { return String(format: "%.2f M", v / 1e6) }
    if v >= 1e4 { return String(format: "%.0f k", v / 1e3) }
    return String(format: "%.0f", v)
}

/// `text` padded on the left to `width` characters.
func rightAligned(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}
