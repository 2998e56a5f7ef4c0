import Foundation

extension DurabilityBench {
    /// `rotel`: slod's default configuration against rotel (OTLP/HTTP receiver → `blackhole`
    /// exporter: it decodes and drops, less work than slod), same wrk, alternating per fixture
    /// and round, each a fresh process. Points/s are 2xx responses × points per body for both.
    func rotel() {
        let seconds = options.seconds ?? 10
        let rotelAgent = rotelAgentPath()
        print("\nrotel: \(seconds) s per run, \(rotelAgent), points/s = 2xx responses × points per body (both)")
        for body in ingestFixtures {
            var slodRuns: [LoadMeasurement] = [], rotelRuns: [LoadMeasurement] = []
            for round in 1...options.rounds {
                let peer = startRotel(rotelAgent)
                let r = load.measure(body, port: peer.port, pid: peer.process.processIdentifier, seconds: seconds, slodCounters: false)
                stopRotel(peer.process)
                let s = measureFresh(body, .interval, seconds: seconds)
                rotelRuns.append(r)
                slodRuns.append(s)
                print(String(format: "  round %d %@: rotel %@ pts/s (%.2f cores, p99 %.1f ms) | slod %@ pts/s (%.2f cores, p99 %.1f ms, applied %@ pts/s)",
                             round, body.name, formatCount(r.pointsPerSecond), r.serverCores, r.wrk.p99Millis,
                             formatCount(s.pointsPerSecond), s.serverCores, s.wrk.p99Millis, formatCount(s.appliedPointsPerSecond)))
            }
            let slodRate = median(slodRuns.map(\.pointsPerSecond)), rotelRate = median(rotelRuns.map(\.pointsPerSecond))
            let slodP99 = median(slodRuns.map(\.wrk.p99Millis)), rotelP99 = median(rotelRuns.map(\.wrk.p99Millis))
            let ratio = rotelRate > 0 ? slodRate / rotelRate : 0
            let target = body.contentType == "application/json" ? 2.0 : body.contentEncoding == "gzip" ? 3.0 : 4.0
            report.add(.rotel, body.name, measured: String(format: "%@ pts/s, p99 %.1f ms", formatCount(slodRate), slodP99),
                       reference: String(format: "rotel %@ pts/s, p99 %.1f ms", formatCount(rotelRate), rotelP99),
                       result: String(format: "%.2f×, p99 %.2f× rotel's", ratio, rotelP99 > 0 ? slodP99 / rotelP99 : 0),
                       target: String(format: "≥ %.0f×, p99 below rotel's", target), pass: ratio >= target && slodP99 < rotelP99)
        }
    }

    /// rotel's agent binary from the peers' venv, installed there the peers' way if missing
    /// (`ensure_venv rotel` in `../shared/peers/lib.sh`: PyPI `rotel`).
    func rotelAgentPath() -> String {
        guard let peers = sharedDirectories().map({ $0 + "/peers" }).first(where: { FileManager.default.fileExists(atPath: $0 + "/lib.sh") }) else {
            fail("peers scripts not found in \(sharedDirectories().map { $0 + "/peers" }.joined(separator: ", ")) (set SLOD_SHARED_DIR)")
        }
        let script = """
            source '\(peers)/lib.sh' && ensure_venv rotel >&2 && \
            "$PY" -c 'import rotel, os; print(os.path.join(os.path.dirname(rotel.__file__), "rotel-agent"))'
            """
        let out = run("/bin/bash", ["-c", script])
        let path = out.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard out.status == 0, FileManager.default.isExecutableFile(atPath: path) else { fail("cannot find or install rotel through \(peers)/lib.sh: \(out.output)") }
        return path
    }

    /// rotel on free loopback ports, ready once a real OTLP POST is answered 200 (as
    /// `bench_rotel.sh` waits for it).
    func startRotel(_ agent: String) -> (process: Process, port: Int) {
        let port = freePort(), grpcPort = freePort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: agent)
        p.arguments = ["start", "--otlp-http-endpoint", "127.0.0.1:\(port)", "--otlp-grpc-endpoint", "127.0.0.1:\(grpcPort)", "--exporter", "blackhole",
                       "--log-file", dir.appendingPathComponent("rotel.log").path, "--pid-file", dir.appendingPathComponent("rotel.pid").path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { fail("cannot start rotel: \(error)") }
        let small = loadFixture("metrics_small.pb")
        for _ in 0..<100 {
            if httpPost(port: port, path: "/v1/metrics", contentType: "application/x-protobuf", body: small)?.status == 200 { return (p, port) }
            usleep(100_000)
        }
        stopRotel(p)
        fail("rotel did not answer a POST with 200 within 10 s")
    }

    /// SIGTERM, then SIGKILL after 10 s (as the peers' `stop_pid`).
    func stopRotel(_ p: Process) {
        kill(p.processIdentifier, SIGTERM)
        for _ in 0..<100 where p.isRunning { usleep(100_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }
}
