import Foundation

/// `slod-bench durability`: issue 16's acceptance figures for durable ingestion, measured in one
/// run on release binaries (each a ratio against a peer measured in the same run):
///
/// - `rows`: wrk (-t2 -c16, as `../shared/peers/bench_target.sh`) POSTing each of the five
///   fixtures to slod on its default configuration (`fsync: interval`), with `fsync: always` and
///   with `storage: {enabled: false}` (the peer), the three alternating within each round, a
///   fresh slod and data directory per run. Points/s, here and in every part, are 2xx
///   responses × points per body over wrk's run time, as the peers' harness and the issue's
///   table count them; every slod run also checks `slod_points_applied_total`'s delta (read
///   once it settles after wrk ends) against them: never fewer, more only by the requests in
///   flight when wrk stopped counting. Targets: default/off ≥ 0.9×, always/off ≥ 0.7× on
///   every row.
/// - `bytes`: `slod_wal_bytes_total` over `slod_points_applied_total` for bodies of one point
///   type (number-only and histogram-only bodies cut from `metrics_medium.pb`, see
///   `OTLPMetricFilter`), and for the mixed protobuf and JSON fixtures. Every series is known
///   after the first request. Targets: ≤ 24 B per number point, ≤ 96 B per 15-bucket histogram
///   point.
/// - `replay`: after each default-configuration run of each fixture, `kill -9`, restart on the
///   same directory: replayed points (`slod_wal_replayed_points_total` if slod has it, else
///   `slod_points_applied_total` after the restart: the shards count the points they apply, live
///   or replayed) over `slod_wal_replay_duration_seconds`,
///   against that run's live rate; the replayed points must be those applied live. Target ≥ 3×.
/// - `recovery` (not in the default set, long): `--load-minutes` at full load (medium protobuf)
///   on the default configuration, `kill -9`, restart: WAL on disk, replay time, launch to
///   `/-/ready` 200. Target ≤ 30 s.
/// - `rotel`: rotel (PyPI, `blackhole` exporter, as `../shared/peers/bench_rotel.sh` runs it,
///   fresh per run) against slod's default configuration, alternating, same wrk; points/s and
///   p99. Targets ≥ 4× raw
///   protobuf, ≥ 3× gzip, ≥ 2× JSON, slod's p99 below rotel's.
///
/// Ends with one markdown table of every figure against its target, with the load averages.
func benchDurability(arguments: [String]) {
    let options = DurabilityOptions.parse(arguments)
    let (wrk, slodPath, dir) = loadBenchSetup("slod-bench-durability")
    defer { try? FileManager.default.removeItem(at: dir) }
    let lua = dir.appendingPathComponent("post.lua").path
    _ = FileManager.default.createFile(atPath: lua, contents: Data(postBodyLua.utf8))
    let bench = DurabilityBench(options: options, slodPath: slodPath, dir: dir,
                                load: LoadGenerator(wrk: wrk, lua: lua, threads: options.threads, connections: options.connections))
    let started = Date()
    print("slod-bench durability: parts \(options.parts.map(\.rawValue).joined(separator: ",")), wrk -t\(options.threads) -c\(options.connections), "
          + "\(options.rounds) rounds, \(options.seconds.map { "\($0) s" } ?? "10 s (bytes 60 s)") per run; load average \(loadAverage())")
    for part in DurabilityPart.allCases where options.parts.contains(part) {
        let loadBefore = loadAverage()
        switch part {
        case .rows: bench.rows()
        case .bytes: bench.bytes()
        case .replay: bench.replay()
        case .recovery: bench.recovery()
        case .rotel: bench.rotel()
        }
        bench.report.loads.append("\(part.rawValue): \(loadBefore) → \(loadAverage())")
    }
    bench.report.print(started: started, command: "slod-bench durability " + arguments.joined(separator: " "))
}

enum DurabilityPart: String, CaseIterable {
    case rows, bytes, replay, recovery, rotel
}

struct DurabilityOptions {
    /// wrk's run length; nil: 10 s, 60 s for `bytes` (the issue's figure is over a 60 s run).
    var seconds: Int?
    var rounds = 2
    var loadMinutes = 5.0
    var parts: [DurabilityPart] = [.rows, .bytes, .replay, .rotel]
    var connections = 16
    var threads = 2

    static func parse(_ arguments: [String]) -> DurabilityOptions {
        var o = DurabilityOptions()
        var parts: [DurabilityPart] = []
        var it = arguments.makeIterator()
        func number(_ option: String) -> Double {
            guard let v = it.next().flatMap(Double.init), v > 0 else { fail("\(option) needs a positive number") }
            return v
        }
        while let a = it.next() {
            switch a {
            case "--seconds": o.seconds = Int(number(a))
            case "--rounds": o.rounds = Int(number(a))
            case "--load-minutes": o.loadMinutes = number(a)
            case "--connections": o.connections = Int(number(a))
            case "--threads": o.threads = Int(number(a))
            case "--part":
                for name in (it.next() ?? "").split(separator: ",") {
                    guard let part = DurabilityPart(rawValue: String(name)) else {
                        fail("unknown part \(name): one of \(DurabilityPart.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    parts.append(part)
                }
            default:
                fail("unknown option \(a) (durability [--part rows,bytes,replay,recovery,rotel] [--seconds N] [--rounds N] [--load-minutes M] [--connections N] [--threads N])")
            }
        }
        if !parts.isEmpty { o.parts = parts }
        return o
    }
}

/// The summary: one row per figure, against its peer and target.
final class DurabilityReport {
    struct Row {
        var part: String
        var name: String
        var measured: String
        var reference: String
        var result: String
        var target: String
        var pass: Bool?
    }

    var rows: [Row] = []
    /// Load averages before → after each part.
    var loads: [String] = []

    func add(_ part: DurabilityPart, _ name: String, measured: String, reference: String = "", result: String, target: String = "", pass: Bool? = nil) {
        rows.append(Row(part: part.rawValue, name: name, measured: measured, reference: reference, result: result, target: target, pass: pass))
    }

    func print(started: Date, command: String) {
        let minutes = Date().timeIntervalSince(started) / 60
        Swift.print("")
        Swift.print("## summary: `\(command)`, \(ISO8601DateFormatter().string(from: started)), \(String(format: "%.1f", minutes)) min")
        Swift.print("load average (1/5/15 min) before → after each part: " + loads.joined(separator: "; "))
        Swift.print("")
        Swift.print("| part | case | slod | peer / reference | result | target | |")
        Swift.print("|---|---|---|---|---:|---|---|")
        for r in rows {
            let verdict = r.pass.map { $0 ? "pass" : "**not met**" } ?? ""
            Swift.print("| \(r.part) | \(r.name) | \(r.measured) | \(r.reference) | \(r.result) | \(r.target) | \(verdict) |")
        }
    }
}

/// What every part needs: the options, the slod binary, a scratch directory, wrk, the report.
struct DurabilityBench {
    var options: DurabilityOptions
    var slodPath: String
    var dir: URL
    var load: LoadGenerator
    let report = DurabilityReport()

    /// A fresh data directory path (not created) for one slod run.
    func dataDirectory(_ name: String) -> String {
        let path = dir.appendingPathComponent("data-" + name.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()).path
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    /// slod with `setting` on `data`.
    func start(_ setting: StorageSetting, data: String, name: String, readyTimeout: Double = 300) -> (process: Process, port: Int, secondsToReady: Double) {
        startSlod(slodPath, yaml: setting.yaml, name: name, dir: dir, data: data, readyTimeout: readyTimeout)
    }

    /// One wrk run of `body` against a fresh slod with `setting`; the slod is killed and its
    /// data removed afterwards (its dirty pages would otherwise load the next run).
    func measureFresh(_ body: LoadBody, _ setting: StorageSetting, seconds: Int) -> LoadMeasurement {
        let data = dataDirectory("\(setting.rawValue)-\(body.name)")
        let slod = start(setting, data: data, name: setting.rawValue)
        let m = load.measure(body, port: slod.port, pid: slod.process.processIdentifier, seconds: seconds, slodCounters: true)
        killNow(slod.process)
        try? FileManager.default.removeItem(atPath: data)
        return m
    }
}
