import Foundation

/// What a restart after `kill -9` reported.
struct RecoveryFigures {
    /// Launch to the first `/-/ready` 200.
    var secondsToReady: Double
    /// `slod_wal_replay_duration_seconds`, `slod_wal_replayed_records_total`, `slod_wal_replayed_bytes_total`.
    var replaySeconds: Double
    var records: Double
    var replayedBytes: Double
    /// The points the replay applied: `slod_wal_replayed_points_total` if slod has it, else
    /// `slod_points_applied_total` after the restart, before any new request (the shards count
    /// every point they apply, live or replayed).
    var points: Double

    var pointsPerSecond: Double { replaySeconds > 0 ? points / replaySeconds : 0 }
}

extension DurabilityBench {
    /// Kills `slod` (-9: no shutdown checkpoint), restarts it on `data` with the default
    /// configuration and reads what its recovery did; the restarted slod is killed too.
    func restartAfterKill(_ slod: Process, data: String, readyTimeout: Double = 300) -> RecoveryFigures {
        killNow(slod)
        let restarted = start(.interval, data: data, name: "restart", readyTimeout: readyTimeout)
        let counters = SlodCounters.settled(port: restarted.port)
        killNow(restarted.process)
        let page = counters.page
        return RecoveryFigures(secondsToReady: restarted.secondsToReady,
                               replaySeconds: metricValue(page, "slod_wal_replay_duration_seconds") ?? 0,
                               records: metricValue(page, "slod_wal_replayed_records_total") ?? 0,
                               replayedBytes: metricValue(page, "slod_wal_replayed_bytes_total") ?? 0,
                               points: metricValue(page, "slod_wal_replayed_points_total") ?? counters.appliedPoints)
    }

    /// `replay`: each fixture at full load on the default configuration, then `kill -9` and a
    /// restart on the same directory; the replay's points/s against the live run's.
    func replay() {
        let seconds = options.seconds ?? 10
        print("\nreplay: \(seconds) s of load on the default configuration, kill -9, restart on the same directory (page cache warm)")
        for body in ingestFixtures {
            var ratios: [Double] = [], live: [Double] = [], replayed: [Double] = []
            for round in 1...options.rounds {
                let data = dataDirectory("replay-\(body.name)")
                let slod = start(.interval, data: data, name: "replay-live")
                let m = load.measure(body, port: slod.port, pid: slod.process.processIdentifier, seconds: seconds, slodCounters: true)
                let r = restartAfterKill(slod.process, data: data)
                try? FileManager.default.removeItem(atPath: data)
                if r.points != m.appliedPoints {
                    print("    \(body.name): the restart replayed \(Int(r.points)) points, the live run applied \(Int(m.appliedPoints))")
                }
                let ratio = m.pointsPerSecond > 0 ? r.pointsPerSecond / m.pointsPerSecond : 0
                ratios.append(ratio)
                live.append(m.pointsPerSecond)
                replayed.append(r.pointsPerSecond)
                print(String(format: "  round %d %@: live %@ pts/s (%@ points applied); replay %@ points in %.0f records (%.0f MB) in %.2f s = %@ pts/s, %.2fx live; ready %.2f s after launch",
                             round, body.name, formatCount(m.pointsPerSecond), formatCount(m.appliedPoints), formatCount(r.points), r.records,
                             r.replayedBytes / 1e6, r.replaySeconds, formatCount(r.pointsPerSecond), ratio, r.secondsToReady))
            }
            let ratio = median(ratios)
            report.add(.replay, body.name, measured: formatCount(median(replayed)) + " pts/s replayed",
                       reference: formatCount(median(live)) + " pts/s live", result: String(format: "%.2f×", ratio), target: "≥ 3×", pass: ratio >= 3)
        }
    }

    /// `recovery`: `--load-minutes` of full load (medium protobuf) on the default configuration
    /// and its default checkpoint interval, `kill -9`, restart: WAL on disk, replay time, launch
    /// to ready. The load stops early once less than 20 GiB of disk is left (the machine is shared).
    func recovery() {
        let body = ingestFixtures[0]
        let data = dataDirectory("recovery")
        let slod = start(.interval, data: data, name: "recovery-live")
        print(String(format: "\nrecovery: %.1f min of %@ at full load on the default configuration, kill -9, restart", options.loadMinutes, body.name))
        var remaining = Int(options.loadMinutes * 60)
        var loaded = 0.0, acknowledged = 0.0
        var stoppedEarly = ""
        while remaining > 0 {
            let chunk = min(60, remaining)
            let m = load.measure(body, port: slod.port, pid: slod.process.processIdentifier, seconds: chunk, slodCounters: true)
            loaded += m.seconds
            acknowledged += m.acknowledgedPoints
            remaining -= chunk
            let free = freeDiskBytes(data)
            print(String(format: "  %.0f s: %@ pts/s, WAL on disk %.1f GB, disk free %.1f GB", loaded, formatCount(m.pointsPerSecond),
                         directoryBytes(data + "/wal") / 1e9, free / 1e9))
            if free < 20 * 1_073_741_824.0, remaining > 0 {
                stoppedEarly = String(format: " (load stopped after %.0f s: disk nearly full)", loaded)
                break
            }
        }
        let before = SlodCounters.read(port: slod.port).page
        let walBytes = directoryBytes(data + "/wal")
        let checkpointAge = metricValue(before, "slod_checkpoint_age_seconds") ?? 0
        let r = restartAfterKill(slod.process, data: data, readyTimeout: 3600)
        try? FileManager.default.removeItem(atPath: data)
        print(String(format: "  WAL on disk before the restart %.2f GB (last checkpoint %.0f s before the kill); replay %.1f s (%@ points, %.0f records); ready %.1f s after launch%@",
                     walBytes / 1e9, checkpointAge, r.replaySeconds, formatCount(r.points), r.records, r.secondsToReady, stoppedEarly))
        report.add(.recovery, String(format: "kill -9 after %.1f min at full load (%@)%@", loaded / 60, body.name, stoppedEarly),
                   measured: String(format: "WAL %.2f GB, replay %.1f s", walBytes / 1e9, r.replaySeconds),
                   reference: String(format: "%@ pts/s live", formatCount(loaded > 0 ? acknowledged / loaded : 0)),
                   result: String(format: "ready in %.1f s", r.secondsToReady), target: "≤ 30 s", pass: r.secondsToReady <= 30)
    }
}
