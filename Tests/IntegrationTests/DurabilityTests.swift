import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Durability (write-ahead log + checkpoints) against the real binary: crashes mid-stream lose
/// no acknowledged point and count none twice, a graceful restart keeps SLO windows and alerts,
/// a full disk answers 503 and recovers by itself, a second slod on one directory is refused,
/// and a torn tail or a damaged segment at start-up is cut off or set aside.
extension Integration {
    @Suite struct Durability {
        // MARK: - Shared helpers

        static let crashSLO = """
        slos:
          - service: crash
            name: availability
            objective: 99
            sli:
              events:
                total: crash_points_total
                bad: 'crash_points_total{kind="bad"}'

        """

        static func storageSection(_ keys: [String: String]) -> String {
            "storage:\n" + keys.keys.sorted().map { "  \($0): \(keys[$0]!)\n" }.joined()
        }

        static func nowNanos() -> UInt64 {
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
        }

        /// One OTLP/JSON request: a monotonic delta Sum `name` with one point per (attributes, value).
        /// `padding`: bytes of metric description that make the request's WAL record bigger (the
        /// log keeps the decoded points and their metric, not the body).
        static func body(metric name: String = "crash.points", points: [(attributes: [(String, String)], value: Int)], padding: Int = 0) -> [UInt8] {
            let now = nowNanos()
            let dps = points.map { p -> String in
                let attrs = p.attributes.map { #"{"key":"\#($0.0)","value":{"stringValue":"\#($0.1)"}}"# }.joined(separator: ",")
                return #"{"startTimeUnixNano":"\#(now - 1_000_000)","timeUnixNano":"\#(now)","asInt":"\#(p.value)","attributes":[\#(attrs)]}"#
            }.joined(separator: ",")
            let text = #"{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"durability"}}]},"scopeMetrics":[{"scope":{"name":"durability"},"metrics":[{"name":"\#(name)","description":"\#(String(repeating: "x", count: padding))","unit":"","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[\#(dps)]}}]}]}]}"#
            return Array(text.utf8)
        }

        static func seqBody(_ seq: Int, padding: Int = 0) -> [UInt8] {
            body(points: [([("seq", String(seq)), ("kind", seq % 5 == 0 ? "bad" : "good")], 1)], padding: padding)
        }

        static func request(_ body: [UInt8], keepAlive: Bool) -> [UInt8] {
            Array("POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\(keepAlive ? "" : "Connection: close\r\n")\r\n".utf8) + body
        }

        /// POSTs on a fresh connection.
        static func post(_ slod: SlodServer, _ body: [UInt8]) throws -> HTTPResponse {
            let c = try RawClient(port: slod.port)
            defer { c.close() }
            try c.send(request(body, keepAlive: false))
            return try c.readResponse(timeout: 10)
        }

        /// Every `crash_points_total` sample on /metrics: seq → (kind, value).
        static func seqSeries(_ text: String) -> (series: [Int: (kind: String, value: Double)], sample: String?) {
            var out: [Int: (String, Double)] = [:]
            var sample: String? = nil
            for line in text.split(separator: "\n") where line.hasPrefix("crash_points_total{") {
                if sample == nil { sample = String(line) }
                guard let close = line.lastIndex(of: "}") else { continue }
                let labels = String(line[..<close])
                let rest = line[line.index(after: close)...].split(separator: " ")
                guard let seqText = label(labels, "seq"), let seq = Int(seqText), let v = rest.first.flatMap({ Double($0) }) else { continue }
                out[seq] = (label(labels, "kind") ?? "?", v)
            }
            return (out.mapValues { (kind: $0.0, value: $0.1) }, sample)
        }

        static func label(_ labels: String, _ name: String) -> String? {
            for prefix in ["{\(name)=\"", ",\(name)=\""] {
                if let r = labels.range(of: prefix) {
                    let tail = labels[r.upperBound...]
                    return tail.firstIndex(of: "\"").map { String(tail[..<$0]) }
                }
            }
            return nil
        }

        static func slos(_ slod: SlodServer) -> Any? {
            guard let body = try? slod.get("/api/v1/slos").text else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(body.utf8))
        }

        /// Polls the 30d window `total` of SLO `name` until it is unchanged for `stable` seconds
        /// (bounded by `timeout`); returns the last JSON and whether it settled.
        static func settledSLOs(_ slod: SlodServer, name: String, stable: Double = 2, timeout: Double = 15) -> (json: Any?, settled: Bool) {
            var json: Any? = nil
            var last: Double? = nil
            var since = Time.now()
            let ok = Time.eventually(timeout: timeout, interval: 0.25) {
                json = slos(slod)
                let t = SLOEndToEnd.window(json, name, "30d", "total")
                if t != last { last = t; since = Time.now(); return false }
                return t != nil && Time.now() - since >= stable
            }
            return (json, ok)
        }

        /// `key=value` of the last line of `log` that has `msg="<msg>"`.
        static func logField(_ log: String, msg: String, _ key: String) -> String? {
            let line = log.split(separator: "\n").last { $0.contains("msg=\"\(msg)\"") }
            guard let line else { return nil }
            for field in line.split(separator: " ") where field.hasPrefix("\(key)=") {
                return field.dropFirst(key.count + 1).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            return nil
        }

        static func hasFatal(_ log: String) -> Bool {
            log.contains("Fatal error") || log.lowercased().contains("fatal")
        }

        // MARK: - Readiness during recovery

        /// Starts slod on `storage`, posts `requests` copies of the medium gzip fixture (each must
        /// get 200) and kills it (-9): a WAL that no checkpoint covers, for a recovery to replay.
        static func fillWAL(config: String, storage: String, requests: Int) throws {
            let body = try OTLPStatus.fixture("metrics_medium.pb.gz")
            let slod = try SlodServer(config: config, storage: storage)
            for i in 0..<requests {
                let r = try OTLPStatus.post(slod, contentType: "application/x-protobuf", encoding: "gzip", body: body)
                #expect(r.status == 200, "request \(i): \(r.status) \(r.text)")
                if r.status != 200 { break }
            }
            slod.child.signal(SIGKILL)
            _ = slod.child.wait(timeout: 5)
        }

        /// While the WAL is replayed the port is open: `/-/healthy` and `/metrics` answer,
        /// `/-/ready` and ingestion answer 503; once `msg="listening"` is logged both are open.
        @Test func readinessWaitsForRecovery() throws {
            let storage = try TempDir()
            let config = testConfig() + "storage: {fsync: never}\n"
            try Self.fillWAL(config: config, storage: storage.file("data"), requests: 150)
            let dir = try TempDir()
            let configPath = try dir.write("slod.yaml", config)
            let child = try Child(try Paths.slodBinary(), ["--config", configPath, "--listen", "127.0.0.1:0", "--storage-path", storage.file("data")],
                                  stdout: dir.file("stdout"), stderr: dir.file("stderr"))
            defer { child.stop(grace: 5) }
            var port: UInt16? = nil
            _ = Time.eventually(timeout: 20, interval: 0.005) {
                for line in dir.read("stderr").split(separator: "\n") where line.contains("msg=\"recovering\"") {
                    if let a = Self.logField(String(line), msg: "recovering", "address"), let colon = a.lastIndex(of: ":") {
                        port = UInt16(a[a.index(after: colon)...])
                    }
                }
                return port != nil || child.poll() != nil
            }
            let p = try #require(port, "no msg=\"recovering\" line:\n\(dir.read("stderr"))")
            func get(_ path: String) -> Int {
                guard let c = try? RawClient(port: p) else { return -1 }
                defer { c.close() }
                try? c.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                return (try? c.readResponse(timeout: 10).status) ?? -1
            }
            // Observe until recovery ends: readiness must never be claimed before it.
            var notReadyWhileRecovering = 0, healthyWhileRecovering = 0, earlyReady = 0
            _ = Time.eventually(timeout: 60, interval: 0.01) {
                let recoveredBefore = dir.read("stderr").contains("msg=\"recovered\"")
                let ready = get("/-/ready"), healthy = get("/-/healthy")
                let recoveredAfter = dir.read("stderr").contains("msg=\"recovered\"")
                if !recoveredAfter {
                    if ready == 503 { notReadyWhileRecovering += 1 }
                    if ready == 200 { earlyReady += 1 }
                    if healthy == 200 { healthyWhileRecovering += 1 }
                }
                return recoveredBefore
            }
            #expect(earlyReady == 0, "/-/ready answered 200 before recovery finished")
            #expect(notReadyWhileRecovering > 0 && healthyWhileRecovering > 0,
                    "recovery too short to observe (\(notReadyWhileRecovering) not-ready answers): \(Self.logField(dir.read("stderr"), msg: "recovered", "replay_seconds") ?? "?") s")
            #expect(Time.eventually(timeout: 10, interval: 0.05) { dir.read("stderr").contains("msg=\"listening\"") })
            #expect(get("/-/ready") == 200)
            #expect(Self.logField(dir.read("stderr"), msg: "recovered", "wal_records") == "150", "\(dir.read("stderr").suffix(2000))")
            // Progress per segment, as Prometheus logs "WAL segment loaded".
            let log = dir.read("stderr")
            let lastSegment = Self.logField(log, msg: "WAL segment replayed", "last_segment")
            #expect(lastSegment != nil && lastSegment == Self.logField(log, msg: "WAL segment replayed", "segment")
                    && Self.logField(log, msg: "WAL segment replayed", "records") == "150", "\(log.suffix(2000))")
            print("DURABILITY readiness: \(notReadyWhileRecovering) not-ready answers during a replay of \(Self.logField(dir.read("stderr"), msg: "recovered", "replay_seconds") ?? "?") s")
        }

        /// slod under systemd (`Type=notify`): `NOTIFY_SOCKET` is a datagram socket this test
        /// reads. During a replay every segment extends the start timeout with a progress status,
        /// and `READY=1` comes only after them.
        @Test func recoveryTellsSystemdItsProgress() throws {
            let storage = try TempDir()
            let config = testConfig() + "storage: {fsync: never, segment_bytes: 1MiB}\n"
            try Self.fillWAL(config: config, storage: storage.file("data"), requests: 100)
            let dir = try TempDir()
            let socketPath = dir.file("notify")
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            try #require(fd >= 0)
            defer { close(fd) }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { p in
                for (i, b) in socketPath.utf8.enumerated() { p[i] = b }
            }
            let bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            try #require(bound == 0, "bind \(socketPath): errno \(errno)")
            var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var environment = ProcessInfo.processInfo.environment
            environment["NOTIFY_SOCKET"] = socketPath
            let configPath = try dir.write("slod.yaml", config)
            let child = try Child(try Paths.slodBinary(), ["--config", configPath, "--listen", "127.0.0.1:0", "--storage-path", storage.file("data")],
                                  stdout: dir.file("stdout"), stderr: dir.file("stderr"), environment: environment)
            defer { child.stop(grace: 5) }
            var messages: [String] = []
            let deadline = Date().addingTimeInterval(60)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline, !messages.contains(where: { $0.contains("READY=1") }) {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 { messages.append(String(decoding: buffer[0..<n], as: UTF8.self)) }
                if child.poll() != nil { break }
            }
            let extend = messages.filter { $0.hasPrefix("EXTEND_TIMEOUT_USEC=90000000\nSTATUS=replaying the WAL: segment ") }
            let segments = Self.logField(dir.read("stderr"), msg: "WAL segment replayed", "last_segment").flatMap { Int($0) } ?? 0
            #expect(extend.count >= 2 && extend.count <= segments, "\(extend.count) extensions for \(segments) segments: \(messages)")
            let ready = messages.firstIndex { $0.contains("READY=1") }
            let lastExtend = messages.lastIndex { $0.hasPrefix("EXTEND_TIMEOUT_USEC=") }
            #expect(ready != nil && lastExtend != nil && lastExtend! < ready!, "\(messages)")
            #expect(messages.first?.hasPrefix("STATUS=recovering from ") == true, "\(messages)")
            print("DURABILITY systemd: \(messages.count) notifications, \(extend.count) timeout extensions; last: \(extend.last ?? "none")")
        }

        // MARK: - Crash harness

        /// State shared by the load generator's client threads.
        final class Load: @unchecked Sendable {
            private let lock = NSLock()
            private var next: Int
            private var stopping = false
            private(set) var acked = Set<Int>()
            private(set) var sent = 0
            private(set) var statuses: [String: Int] = [:]
            private(set) var odd: [String] = []
            private var phase = "kill"
            private var pauseSeconds = 0.0
            private(set) var reconnects = 0

            init(firstSeq: Int) { next = firstSeq }

            var stop: Bool {
                get { lock.withLock { stopping } }
                set { lock.withLock { stopping = newValue } }
            }
            var nextSeq: Int { lock.withLock { next } }
            func take() -> Int? {
                lock.withLock {
                    if stopping { return nil }
                    defer { next += 1; sent += 1 }
                    return next
                }
            }
            func setPhase(_ p: String, pause: Double = 0) { lock.withLock { phase = p; pauseSeconds = pause } }
            var pause: Double { lock.withLock { pauseSeconds } }
            func answered(_ seq: Int, _ r: HTTPResponse) {
                lock.withLock {
                    statuses["\(phase):\(r.status)", default: 0] += 1
                    if r.status == 200 { acked.insert(seq) } else if odd.count < 5 { odd.append("\(phase) seq \(seq): \(r.status) \(r.text.prefix(200))") }
                }
            }
            func reconnected() { lock.withLock { reconnects += 1 } }
            func snapshot() -> (acked: Set<Int>, sent: Int, statuses: [String: Int], reconnects: Int, odd: [String]) {
                lock.withLock { (acked, sent, statuses, reconnects, odd) }
            }
        }

        /// One client: its own keep-alive connection, reconnecting on any error, one numbered
        /// request at a time; a seq counts as acknowledged only when a complete 200 was read.
        static func runClient(port: UInt16, load: Load) {
            var conn: RawClient? = nil
            while !load.stop {
                if conn == nil {
                    conn = try? RawClient(port: port)
                    if conn == nil { Time.sleep(0.005); continue }
                    load.reconnected()
                }
                guard let seq = load.take() else { break }
                do {
                    try conn!.send(request(seqBody(seq), keepAlive: true))
                    let r = try conn!.readResponse(timeout: 5)
                    load.answered(seq, r)
                    if r.closes { conn!.close(); conn = nil }
                    let p = load.pause
                    if p > 0 { Time.sleep(p) }
                } catch {
                    conn?.close()
                    conn = nil
                }
            }
            conn?.close()
        }

        /// Runs 4 clients against `port` until `stopAfter` has run (it kills/stops slod), then joins them.
        @discardableResult
        static func runLoad(port: UInt16, load: Load, seconds: Double, stopAfter: () -> Void) -> Int {
            load.stop = false
            let done = DispatchSemaphore(value: 0)
            for k in 0..<4 {
                let t = Thread {
                    runClient(port: port, load: load)
                    done.signal()
                }
                t.name = "crash-client-\(k)"
                t.start()
            }
            Time.sleep(seconds)
            stopAfter()
            load.stop = true
            var joined = 0
            for _ in 0..<4 where done.wait(timeout: .now() + 15) == .success { joined += 1 }
            return joined
        }

        /// The crash harness: `kills` rounds of start → load for 50–400 ms → kill -9 (every
        /// `gracefulEvery`-th round a SIGTERM instead), then a final start and exactly-once checks.
        static func crashHarness(fsync: String, kills: Int, gracefulEvery: Int, budget: Double, longRound: Int? = nil) throws {
            let storage = try TempDir()
            let data = storage.file("data")
            var storageKeys = ["fsync": fsync]
            if longRound != nil { storageKeys["checkpoint_interval"] = "10s" }
            let config = testConfig() + storageSection(storageKeys) + crashSLO
            let load = Load(firstSeq: 1)
            let started = Time.now()
            var killed = 0, graceful = 0, round = 0
            var walRecords: [Int] = []
            var logs: [String] = []
            var stopFailures: [String] = []
            var roundSeconds: [Double] = []
            var startSeconds: [Double] = []
            var replaySeconds: [String] = []
            while killed < kills && Time.now() - started < budget {
                round += 1
                let useTerm = gracefulEvery > 0 && round % gracefulEvery == 0
                let t0 = Time.now()
                let slod = try SlodServer(config: config, extraArguments: ["--log-level", "info"], storage: data)
                startSeconds.append(Time.now() - t0)
                replaySeconds.append(logField(slod.log, msg: "recovered", "replay_seconds") ?? "?")
                if let r = logField(slod.log, msg: "recovered", "wal_records").flatMap({ Int($0) }) { walRecords.append(r) }
                let long = round == longRound
                load.setPhase(useTerm ? "term" : "kill", pause: long ? 0.004 : 0)
                let roundStart = Time.now()
                let ms = long ? 10.5 + Double(Int.random(in: 0...500)) / 1000 : Double(Int.random(in: 50...400)) / 1000
                let joined = runLoad(port: slod.port, load: load, seconds: ms) {
                    if useTerm {
                        let st = slod.stop(grace: 10)
                        if st != .exited(0) { stopFailures.append("round \(round): SIGTERM → \(st.map(\.description) ?? "still running")") }
                    } else {
                        slod.child.signal(SIGKILL)
                        if slod.child.wait(timeout: 5) == nil { stopFailures.append("round \(round): not dead 5 s after SIGKILL") }
                    }
                }
                if joined != 4 { stopFailures.append("round \(round): only \(joined) of 4 client threads finished") }
                if long {
                    let line = slod.log.split(separator: "\n").first { $0.contains("msg=\"checkpoint written\"") && $0.contains("reason=interval") }
                    if line == nil { stopFailures.append("round \(round): no interval checkpoint during a \(ms) s round") }
                    print("  round \(round) ran \(ms) s under load: \(line.map(String.init) ?? "no interval checkpoint")")
                }
                if useTerm {
                    graceful += 1
                    if !slod.log.contains("msg=\"checkpoint written\"") { stopFailures.append("round \(round): no checkpoint written at SIGTERM") }
                } else {
                    killed += 1
                }
                logs.append(slod.log)
                roundSeconds.append(Time.now() - roundStart)
            }
            let loopSeconds = Time.now() - started
            #expect(killed == kills, "only \(killed) of \(kills) kills within \(budget) s")

            // The final start: everything acknowledged must be there, once.
            let t1 = Time.now()
            let slod = try SlodServer(config: config, extraArguments: ["--log-level", "info"], storage: data)
            defer { slod.stop() }
            if let r = logField(slod.log, msg: "recovered", "wal_records").flatMap({ Int($0) }) { walRecords.append(r) }
            let (json, settled) = settledSLOs(slod, name: "availability")
            let finalSeconds = Time.now() - t1
            let page = try slod.metrics()
            logs.append(slod.log)
            let (series, sample) = seqSeries(page)
            let snap = load.snapshot()
            let acked = snap.acked
            let missing = acked.filter { series[$0] == nil }.sorted()
            let wrong = series.filter { $0.value.value != 1 }.sorted { $0.key < $1.key }
            let badPresent = series.filter { $0.value.kind == "bad" }.count
            let kindMismatch = series.filter { $0.value.kind != ($0.key % 5 == 0 ? "bad" : "good") }.count
            let unackedPresent = series.keys.filter { !acked.contains($0) }.count
            let total = SLOEndToEnd.window(json, "availability", "30d", "total")
            let good = SLOEndToEnd.window(json, "availability", "30d", "good")
            print("""
            DURABILITY crash harness fsync=\(fsync): \(killed) kills + \(graceful) SIGTERM in \(String(format: "%.1f", loopSeconds)) s; \
            requests sent \(snap.sent), acknowledged \(acked.count), series present \(series.count) \
            (\(unackedPresent) unacknowledged but present), bad present \(badPresent); statuses \(snap.statuses); \
            connections \(snap.reconnects); recovered wal_records per start \(walRecords); \
            SLO 30d total \(total.map { String($0) } ?? "nil") good \(good.map { String($0) } ?? "nil") settled \(settled); \
            start seconds \(startSeconds.map { String(format: "%.2f", $0) }) (replay part \(replaySeconds)); load+stop seconds \(roundSeconds.map { String(format: "%.2f", $0) }); \
            final start+settle \(String(format: "%.1f", finalSeconds)) s
            sample line: \(sample ?? "none"); first non-200 answers: \(snap.odd)
            """)
            #expect(stopFailures.isEmpty, "\(stopFailures)")
            // Nothing but 200 while slod runs normally (503 is expected only while a SIGTERM drains).
            let oddKill = snap.statuses.filter { $0.key.hasPrefix("kill:") && $0.key != "kill:200" }
            #expect(oddKill.isEmpty, "non-200 answers in kill rounds: \(oddKill); e.g. \(snap.odd)")
            #expect(acked.count > 100, "too few acknowledged requests (\(acked.count)) to mean anything")
            #expect(missing.isEmpty, "\(missing.count) acknowledged seqs missing after recovery, e.g. \(missing.prefix(20)); last log:\n\(slod.log.suffix(2000))")
            #expect(wrong.isEmpty, "\(wrong.count) series with a value other than 1 (counted twice?), e.g. \(wrong.prefix(10).map { "\($0.key)=\($0.value.value)" })")
            #expect(kindMismatch == 0)
            #expect(series.keys.allSatisfy { $0 < load.nextSeq }, "a seq that was never sent is present")
            #expect(settled, "the SLO's 30d total never settled: \(String(describing: json))")
            #expect(total == Double(series.count), "SLO 30d total \(String(describing: total)) != \(series.count) series present")
            if let total, let good {
                #expect(total - good == Double(badPresent), "SLO 30d bad \(total - good) != \(badPresent) bad series present")
            }
            let lossWindow = Metrics.value(page, "slod_wal_loss_window_seconds", "fsync=\"\(fsync)\"")
            #expect(lossWindow == (fsync == "always" ? 0 : 1), "slod_wal_loss_window_seconds{fsync=\"\(fsync)\"} = \(String(describing: lossWindow))")
            #expect(walRecords.contains { $0 > 0 }, "no restart replayed any WAL record: \(walRecords)")
            for (k, log) in logs.enumerated() where hasFatal(log) {
                let lines = log.split(separator: "\n").filter { $0.lowercased().contains("fatal") }.prefix(5)
                Issue.record("run \(k + 1) logged a fatal error: \(lines)")
            }
        }

        @Test func crashHarnessCountsEveryAcknowledgedPointOnce() throws {
            try Self.crashHarness(fsync: "always", kills: 20, gracefulEvery: 6, budget: 60)
        }

        @Test func crashHarnessWithIntervalFsync() throws {
            try Self.crashHarness(fsync: "interval", kills: 5, gracefulEvery: 3, budget: 40, longRound: 2)
        }

        // MARK: - Graceful restart

        static let alertConfig = """
        alerting:
          evaluation_interval: 1s
        slos:
          - service: shop
            name: durable
            objective: 99.9
            sli:
              events:
                total: dur_requests_total
                bad: 'dur_requests_total{code="500"}'
            alerting:
              page: {disabled: false}
              ticket: {disabled: true}

        """

        static func alerts(_ slod: SlodServer) -> [[String: Any]] {
            guard let text = try? slod.get("/api/v1/alerts").text,
                  let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let data = obj["data"] as? [String: Any], let list = data["alerts"] as? [[String: Any]] else { return [] }
            return list
        }

        static func windows(_ json: Any?, _ name: String) -> [String: [String: Double]] {
            guard let obj = json as? [String: Any], let slos = obj["slos"] as? [[String: Any]],
                  let slo = slos.first(where: { $0["name"] as? String == name }),
                  let windows = slo["windows"] as? [String: Any] else { return [:] }
            var out: [String: [String: Double]] = [:]
            for (w, v) in windows {
                guard let v = v as? [String: Any] else { continue }
                out[w] = ["good": (v["good"] as? NSNumber)?.doubleValue ?? -1, "total": (v["total"] as? NSNumber)?.doubleValue ?? -1]
            }
            return out
        }

        @Test func gracefulRestartKeepsSLOWindowsAndAlerts() throws {
            let storage = try TempDir()
            let data = storage.file("data")
            let config = testConfig() + Self.storageSection(["fsync": "interval"]) + Self.alertConfig
            let slod = try SlodServer(config: config, storage: data)
            defer { slod.stop() }
            // 5 requests: 6 failed and 2 good each (delta) → 40 events, 30 bad.
            for _ in 0..<5 {
                let r = try Self.post(slod, Self.body(metric: "dur.requests", points: [([("code", "500")], 6), ([("code", "200")], 2)]))
                #expect(r.status == 200, "\(r)")
            }
            var firing: [String: Any]? = nil
            let fired = Time.eventually(timeout: 20, interval: 0.25) {
                firing = Self.alerts(slod).first { $0["state"] as? String == "firing" }
                return firing != nil
            }
            #expect(fired, "no firing alert: \(Self.alerts(slod)); log:\n\(slod.log.suffix(2000))")
            let (json1, settled1) = Self.settledSLOs(slod, name: "durable", stable: 1.5)
            let before = Self.windows(json1, "durable")
            #expect(settled1 && before["30d"]?["total"] == 40 && before["30d"]?["good"] == 10, "before: \(before)")
            // The alerts page lists the transition; after the restart it comes from the checkpoint
            // (the restored alert is still firing, so no new transition is recorded).
            let historyBefore = try slod.get("/ui/alerts").text
            #expect(historyBefore.contains("<span class=\"bad\">fired</span>"), "\(historyBefore.suffix(3000))")
            let st: ExitStatus? = slod.stop(grace: 10)
            #expect(st == .exited(0), "SIGTERM: \(String(describing: st))")
            let shutdownLine = slod.log.split(separator: "\n").first { $0.contains("msg=\"checkpoint written\"") && $0.contains("reason=shutdown") }
            #expect(shutdownLine != nil, "no shutdown checkpoint in:\n\(slod.log.suffix(2000))")

            let again = try SlodServer(config: config, storage: data)
            defer { again.stop() }
            let recoveredLine = again.log.split(separator: "\n").first { $0.contains("msg=\"recovered\"") }.map(String.init) ?? "none"
            var after: [String: [String: Double]] = [:]
            let same = Time.eventually(timeout: 10, interval: 0.25) {
                after = Self.windows(Self.slos(again), "durable")
                return after == before
            }
            #expect(same, "windows before \(before) after \(after)")
            var firingAfter: [String: Any]? = nil
            let stillFiring = Time.eventually(timeout: 10, interval: 0.25) {
                firingAfter = Self.alerts(again).first { $0["state"] as? String == "firing" }
                return firingAfter != nil
            }
            #expect(stillFiring, "no firing alert after the restart: \(Self.alerts(again))")
            let historyAfter = try again.get("/ui/alerts").text
            #expect(historyAfter.contains("<span class=\"bad\">fired</span>"), "history lost in the restart: \(historyAfter.suffix(3000))")
            let labels1 = firing?["labels"] as? [String: String], labels2 = firingAfter?["labels"] as? [String: String]
            #expect(labels1 != nil && labels1 == labels2, "labels \(String(describing: labels1)) vs \(String(describing: labels2))")
            #expect(firing?["activeAt"] as? String != nil && firing?["activeAt"] as? String == firingAfter?["activeAt"] as? String,
                    "activeAt \(String(describing: firing?["activeAt"])) vs \(String(describing: firingAfter?["activeAt"]))")
            #expect(firing?["firingAt"] as? String == firingAfter?["firingAt"] as? String,
                    "firingAt \(String(describing: firing?["firingAt"])) vs \(String(describing: firingAfter?["firingAt"]))")
            let replayed = try again.metric("slod_wal_replayed_records_total")
            #expect(replayed == 0, "replayed \(replayed) records after a shutdown checkpoint")
            var summary: [String] = []
            for w in before.keys.sorted() {
                let g: Double = before[w]?["good"] ?? -1
                let t: Double = before[w]?["total"] ?? -1
                summary.append("\(w)=\(Int(g))/\(Int(t))")
            }
            let a1: String = String(describing: firing?["activeAt"])
            let a2: String = String(describing: firingAfter?["activeAt"])
            let line1: String = shutdownLine.map(String.init) ?? "no shutdown checkpoint line"
            print("DURABILITY graceful restart: windows \(summary); alert activeAt \(a1) -> \(a2); replayed \(replayed)")
            print("  \(line1)\n  \(recoveredLine)")
        }

        // MARK: - Full disk

        @Test func fullDiskAnswers503AndRecovers() throws {
            try Self.onSmallDisk { mnt, config, slod in
                for seq in 1...3 {
                    let r = try Self.post(slod, Self.seqBody(seq))
                    #expect(r.status == 200, "seq \(seq): \(r)")
                }
                // Fill the tmpfs.
                let filler = mnt + "/filler"
                let (filled, lastErrno) = Self.fill(filler)
                #expect(lastErrno == ENOSPC, "the filler stopped with errno \(lastErrno) after \(filled) bytes")

                // A 16 KiB record (a long metric description) cannot fit in a page the segment already has.
                let r503 = try Self.post(slod, Self.seqBody(100, padding: 16384))
                #expect(r503.status == 503, "\(r503)")
                #expect(r503.header("Retry-After") != nil, "no Retry-After: \(r503)")
                #expect(r503.text.lowercased().contains("write-ahead log"), "body: \(r503.text)")
                let page = try slod.get("/metrics")
                #expect(page.status == 200)
                let failures = Metrics.value(page.text, "slod_wal_write_failures_total") ?? -1
                #expect(failures > 0, "slod_wal_write_failures_total \(failures)")
                let series = Self.seqSeries(page.text).series
                #expect(series[100] == nil, "the 503'd request was applied: \(String(describing: series[100]))")
                #expect(Set(series.keys) == [1, 2, 3], "series \(series.keys.sorted())")

                // Space returns: ingestion resumes by itself.
                unlink(filler)
                var resumed: HTTPResponse? = nil
                var tries = 0
                let ok = Time.eventually(timeout: 10, interval: 0.2) {
                    tries += 1
                    resumed = try? Self.post(slod, Self.seqBody(200, padding: 16384))
                    return resumed?.status == 200
                }
                #expect(ok, "no 200 after freeing space: \(String(describing: resumed))")
                let after = Self.seqSeries(try slod.metrics()).series
                #expect(after[200]?.value == 1 && after[100] == nil, "after: \(after.keys.sorted())")
                let resumedLog = slod.log.contains("ingestion resumed")
                print("DURABILITY full disk: filler \(filled) bytes; 503 body \(r503.text.prefix(200).debugDescription) Retry-After \(r503.header("Retry-After") ?? "nil"); "
                      + "write failures \(failures); resumed after \(tries) tries; log says resumed: \(resumedLog)")
                // A crash now: the segment the failed append was cut from must replay cleanly.
                slod.child.signal(SIGKILL)
                _ = slod.child.wait(timeout: 5)
                let again = try SlodServer(config: config, storage: mnt + "/data")
                defer { again.stop() }
                let recovered = again.log.split(separator: "\n").first { $0.contains("msg=\"recovered\"") }.map(String.init) ?? "none"
                let replayed = Self.seqSeries(try again.metrics()).series
                #expect(Set(replayed.keys) == [1, 2, 3, 200] && replayed.values.allSatisfy { $0.value == 1 }, "after kill -9: \(replayed)")
                #expect(try again.metric("slod_storage_corruptions_total") == 0, "\(again.log.suffix(1500))")
                #expect(try again.metric("slod_wal_torn_tails_total") == 0, "\(again.log.suffix(1500))")
                #expect(Self.logField(again.log, msg: "recovered", "wal_records") == "4", "\(recovered)")
                print("  after kill -9: \(recovered)")
                let st: ExitStatus? = again.stop(grace: 10)
                #expect(st == .exited(0), "stop: \(String(describing: st))\n\(again.log.suffix(1500))")
            }
        }

        /// Runs `body` with a slod (fsync always, 1 MiB segments) whose storage is on a fresh 4 MiB
        /// tmpfs at `mnt` (its `config` to restart it with); returns at once when no tmpfs can be
        /// mounted (`mountTmpfs`). slod is stopped and the tmpfs unmounted afterwards.
        static func onSmallDisk(_ body: (_ mnt: String, _ config: String, _ slod: SlodServer) throws -> Void) throws {
            let dir = try TempDir()
            let mnt = dir.file("mnt")
            guard try mountTmpfs(mnt) else { return }
            defer { _ = try? runTool("/bin/umount", ["-l", mnt], timeout: 10) }
            let config = testConfig() + storageSection(["fsync": "always", "segment_bytes": "1MiB"])
            let slod = try SlodServer(config: config, storage: mnt + "/data")
            defer { slod.stop() }
            try body(mnt, config, slod)
        }

        /// Mounts a 4 MiB tmpfs on `mnt`; false (skip printed, or an Issue under SLOD_REQUIRE_PEERS=1) when it cannot.
        static func mountTmpfs(_ mnt: String) throws -> Bool {
            try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
            let m = try runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt], timeout: 10)
            if m.exitCode == 0 { return true }
            let reason = "cannot mount a tmpfs (\(m.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))"
            if ProcessInfo.processInfo.environment["SLOD_REQUIRE_PEERS"] == "1" {
                Issue.record("\(reason), but SLOD_REQUIRE_PEERS=1")
            } else {
                print("SKIP: \(reason); skipping this test")
            }
            return false
        }

        /// Writes 64 KiB chunks to `path` until ENOSPC; returns (bytes, last errno).
        static func fill(_ path: String) -> (Int, Int32) {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { return (0, errno) }
            defer { close(fd) }
            let chunk = [UInt8](repeating: 0xAB, count: 65536)
            var filled = 0
            while filled < 64 << 20 {
                let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0 { return (filled, errno) }
                filled += n
            }
            return (filled, 0)
        }

        /// SIGTERM while the disk is full: the shutdown checkpoint cannot be written; slod still
        /// exits, and the next start (with space again) recovers every acknowledged point from the WAL.
        @Test func shutdownOnAFullDiskKeepsTheWAL() throws {
            try Self.onSmallDisk { mnt, config, slod in
                for seq in 1...5 { #expect(try Self.post(slod, Self.seqBody(seq)).status == 200) }
                let (filled, e) = Self.fill(mnt + "/filler")
                #expect(e == ENOSPC, "filler: errno \(e) after \(filled) bytes")
                let runningBeforeSIGTERM = slod.isRunning
                #expect(runningBeforeSIGTERM, "slod exited by itself once the disk was full:\n\(slod.log.suffix(2000))")
                let started = Time.now()
                let st: ExitStatus? = slod.stop(grace: 15)
                let seconds = Time.now() - started
                let failedLine = slod.log.split(separator: "\n").first { $0.contains("msg=\"checkpoint failed\"") }.map(String.init)
                #expect(st != nil && st != .signaled(SIGKILL), "SIGTERM on a full disk: \(String(describing: st)) after \(seconds) s\n\(slod.log.suffix(1500))")
                #expect(failedLine != nil, "no 'checkpoint failed' line:\n\(slod.log.suffix(1500))")
                #expect(!Self.hasFatal(slod.log), "\(slod.log.suffix(1500))")
                unlink(mnt + "/filler")
                let again = try SlodServer(config: config, storage: mnt + "/data")
                defer { again.stop() }
                let recovered = again.log.split(separator: "\n").first { $0.contains("msg=\"recovered\"") }.map(String.init) ?? "none"
                let series = Self.seqSeries(try again.metrics()).series
                #expect(Set(series.keys) == Set(1...5) && series.values.allSatisfy { $0.value == 1 }, "after the restart: \(series)\n\(again.log.suffix(1500))")
                #expect(try again.metric("slod_storage_corruptions_total") == 0, "\(again.log.suffix(1500))")
                #expect(try Self.post(again, Self.seqBody(6)).status == 200)
                print(slod.log.split(separator: "\n").suffix(8).joined(separator: "\n"))
                print("DURABILITY shutdown on a full disk: running before SIGTERM \(runningBeforeSIGTERM); \(String(describing: st)) in \(String(format: "%.2f", seconds)) s; \(failedLine ?? "no checkpoint failed line")\n  \(recovered)")
            }
        }

        // MARK: - Damaged checkpoint

        /// Two graceful stops leave two checkpoints and the WAL after the older one; the newest
        /// damaged → set aside, the older one plus the WAL give back every point exactly once.
        @Test func damagedCheckpointFallsBackToTheOlderOne() throws {
            let storage = try TempDir()
            let data = storage.file("data")
            let config = testConfig() + Self.storageSection(["fsync": "always"]) + Self.crashSLO
            var slod = try SlodServer(config: config, storage: data)
            for seq in 1...5 { #expect(try Self.post(slod, Self.seqBody(seq)).status == 200) }
            #expect(slod.stop(grace: 10) == .exited(0))
            slod = try SlodServer(config: config, storage: data)
            for seq in 6...10 { #expect(try Self.post(slod, Self.seqBody(seq)).status == 200) }
            #expect(slod.stop(grace: 10) == .exited(0))
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: data)) ?? []).filter { $0.hasPrefix("checkpoint.") && !$0.hasSuffix(".tmp") }.sorted()
            #expect(names.count == 2, "checkpoints: \(names)")
            guard let newest = names.last else { return }
            var bytes = [UInt8](FileManager.default.contents(atPath: data + "/" + newest) ?? Data())
            guard bytes.count > 64 else { Issue.record("checkpoint \(newest) has \(bytes.count) bytes"); return }
            bytes[bytes.count / 2] ^= 0x5A
            try Data(bytes).write(to: URL(fileURLWithPath: data + "/" + newest))
            slod = try SlodServer(config: config, storage: data)
            defer { slod.stop() }
            let line = slod.log.split(separator: "\n").first { $0.contains("damaged checkpoint") }.map(String.init)
            let recovered = slod.log.split(separator: "\n").first { $0.contains("msg=\"recovered\"") }.map(String.init) ?? "none"
            #expect(line != nil && line!.contains(newest), "no line naming \(newest):\n\(slod.log.suffix(2000))")
            #expect(FileManager.default.fileExists(atPath: data + "/" + newest + ".corrupt"))
            #expect(recovered.contains(names[0]), "did not recover from the older checkpoint: \(recovered)")
            #expect(Self.logField(slod.log, msg: "recovered", "wal_records") == "5", "\(recovered)")
            #expect(try slod.metric("slod_storage_corruptions_total") == 1)
            let series = Self.seqSeries(try slod.metrics()).series
            #expect(Set(series.keys) == Set(1...10) && series.values.allSatisfy { $0.value == 1 }, "\(series)")
            let (json, settled) = Self.settledSLOs(slod, name: "availability", stable: 1.5, timeout: 10)
            let total = SLOEndToEnd.window(json, "availability", "30d", "total")
            let good = SLOEndToEnd.window(json, "availability", "30d", "good")
            #expect(settled && total == 10 && good == 8, "SLO 30d good/total \(String(describing: good))/\(String(describing: total))")
            print("DURABILITY damaged checkpoint: \(line ?? "no line")\n  \(recovered)\n  SLO 30d \(String(describing: good))/\(String(describing: total))")
        }

        // MARK: - Lock

        @Test func secondSlodOnTheSameDirectoryIsRefused() throws {
            let storage = try TempDir()
            let data = storage.file("data")
            let config = testConfig()
            let first = try SlodServer(config: config, storage: data)
            defer { first.stop() }
            let started = Time.now()
            let r = try runTool(Paths.slodBinary(), ["--config", first.configPath, "--listen", "127.0.0.1:0", "--storage-path", data], timeout: 10)
            let seconds = Time.now() - started
            #expect(r.exitCode != nil && r.exitCode != 0, "second slod: \(r)")
            #expect(seconds < 5, "took \(seconds) s")
            #expect(r.stderr.contains(data), "stderr does not name \(data): \(r.stderr)")
            #expect(r.stderr.contains("in use by another slod (pid \(first.pid))"), "stderr: \(r.stderr)")
            #expect(first.isRunning)
            first.expectHealthy("after the refused second slod")
            print("DURABILITY lock: second slod \(r.status.map(\.description) ?? "timed out") in \(String(format: "%.2f", seconds)) s: \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }

        // MARK: - Torn tail and corruption

        static func segmentFiles(_ wal: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: wal)) ?? []).filter {
                $0.utf8.count == 8 && $0.allSatisfy { $0.isASCII && $0.isNumber }
            }.sorted()
        }

        /// Record offsets (header start) and lengths in a segment's bytes.
        static func records(_ bytes: [UInt8]) -> [(offset: Int, length: Int)] {
            var out: [(Int, Int)] = []
            var off = 8
            while off + 13 <= bytes.count {
                let len = Int(bytes[off + 1]) | Int(bytes[off + 2]) << 8 | Int(bytes[off + 3]) << 16 | Int(bytes[off + 4]) << 24
                guard bytes[off] != 0, off + 13 + len <= bytes.count else { break }
                out.append((off, len))
                off += 13 + len
            }
            return out.map { (offset: $0.0, length: $0.1) }
        }

        @Test func tornTailAndCorruptionAtStartUp() throws {
            let storage = try TempDir()
            let data = storage.file("data")
            let wal = data + "/wal"
            let config = testConfig() + Self.storageSection(["fsync": "always"])

            // 1. Some data, a graceful stop, then 5 bytes of a cut record at the end of the newest segment.
            var slod = try SlodServer(config: config, storage: data)
            for seq in 1...5 { #expect(try Self.post(slod, Self.seqBody(seq)).status == 200) }
            #expect(slod.stop(grace: 10) == .exited(0))
            let segs1 = Self.segmentFiles(wal)
            guard let newest = segs1.last else { Issue.record("no WAL segment after the stop"); return }
            let garbage: [UInt8] = [UInt8.random(in: 1...255)] + (0..<4).map { _ in UInt8.random(in: 0...255) }
            let h = FileHandle(forWritingAtPath: wal + "/" + newest)!
            h.seekToEndOfFile()
            h.write(Data(garbage))
            h.closeFile()
            slod = try SlodServer(config: config, storage: data)
            let tornLine = slod.log.split(separator: "\n").first { $0.contains("interrupted append") }.map(String.init)
            #expect(tornLine != nil && tornLine!.contains(newest), "no torn-tail warning naming \(newest):\n\(slod.log.suffix(2000))")
            #expect(try slod.metric("slod_wal_torn_tails_total") == 1)
            #expect(try slod.metric("slod_storage_corruptions_total") == 0)
            let afterTorn = Self.seqSeries(try slod.metrics()).series
            #expect(Set(afterTorn.keys) == Set(1...5) && afterTorn.values.allSatisfy { $0.value == 1 }, "after the torn tail: \(afterTorn)")
            let size = (try? FileManager.default.attributesOfItem(atPath: wal + "/" + newest)[.size] as? Int) ?? -1
            #expect(size == 8, "the torn segment was not cut back to its header: \(size) bytes")

            // 2. Ten requests one by one, kill -9 (segments stay), flip a byte in record 6's payload.
            for seq in 11...20 { #expect(try Self.post(slod, Self.seqBody(seq)).status == 200) }
            slod.child.signal(SIGKILL)
            _ = slod.child.wait(timeout: 5)
            let withRecords = Self.segmentFiles(wal).compactMap { name -> (String, [UInt8], [(offset: Int, length: Int)])? in
                guard let d = FileManager.default.contents(atPath: wal + "/" + name) else { return nil }
                let bytes = [UInt8](d)
                let recs = Self.records(bytes)
                return recs.count == 10 ? (name, bytes, recs) : nil
            }
            guard let (name, bytes0, recs) = withRecords.last else {
                Issue.record("no segment with the 10 records: \(Self.segmentFiles(wal))")
                return
            }
            var bytes = bytes0
            let target = recs[5].offset + 13 + recs[5].length / 2
            bytes[target] ^= 0x5A
            try Data(bytes).write(to: URL(fileURLWithPath: wal + "/" + name))
            slod = try SlodServer(config: config, storage: data)
            defer { slod.stop() }
            let corruptLine = slod.log.split(separator: "\n").first { $0.contains("damaged WAL segment") }.map(String.init)
            #expect(corruptLine != nil && corruptLine!.contains(name) && corruptLine!.contains("offset=\(recs[5].offset)"),
                    "expected a line naming \(name) at offset \(recs[5].offset):\n\(slod.log.suffix(2000))")
            let listing = (try? FileManager.default.contentsOfDirectory(atPath: wal)) ?? []
            #expect(FileManager.default.fileExists(atPath: wal + "/" + name + ".corrupt"), "no \(name).corrupt: \(listing)")
            let reused = FileManager.default.fileExists(atPath: wal + "/" + name)
            #expect(try slod.metric("slod_storage_corruptions_total") >= 1)
            let afterCorrupt = Self.seqSeries(try slod.metrics()).series
            #expect(Set(afterCorrupt.keys) == Set(1...5).union(11...15), "records before the damage are kept, the rest lost: \(afterCorrupt.keys.sorted())")
            // A new request is still accepted.
            #expect(try Self.post(slod, Self.seqBody(30)).status == 200)

            print("DURABILITY torn/corrupt: torn: \(tornLine ?? "none")\n  corrupt: \(corruptLine ?? "none")\n  present after corruption: \(afterCorrupt.keys.sorted()); segment name \(name) reused by the new writer: \(reused)")

            // 3a. What recovery applied from the damaged segment's good prefix (11…15) must survive
            // the next crash too: kill -9 right after it (and 5 more requests) and start again.
            let firstCorrupt = FileManager.default.contents(atPath: wal + "/" + name + ".corrupt")
            for seq in 31...35 { #expect(try Self.post(slod, Self.seqBody(seq)).status == 200) }
            slod.child.signal(SIGKILL)
            _ = slod.child.wait(timeout: 5)
            let third = try SlodServer(config: config, storage: data)
            defer { third.stop() }
            let s3 = Self.seqSeries(try third.metrics()).series
            let recovered3 = third.log.split(separator: "\n").first { $0.contains("msg=\"recovered\"") }.map(String.init) ?? "none"
            print("  after the next kill -9 (no new damage): present \(s3.keys.sorted())\n  \(recovered3)")
            #expect(Set(s3.keys) == Set(1...5).union(11...15).union(30...35),
                    "acknowledged points recovered from before the damage were lost at the next crash: present \(s3.keys.sorted())")

            // 3b. The set-aside file is never deleted: damage the segment that reused its number
            // (records 30…35) and start again; the first .corrupt file must still hold its bytes.
            third.child.signal(SIGKILL)
            _ = third.child.wait(timeout: 5)
            guard let d2 = FileManager.default.contents(atPath: wal + "/" + name) else {
                print("  segment \(name) was not reused; skipping the double-damage check")
                return
            }
            var bytes2 = [UInt8](d2)
            let r2 = Self.records(bytes2)
            #expect(r2.count == 6, "\(name) holds \(r2.count) records")
            guard r2.count > 3 else { return }
            bytes2[r2[3].offset + 13 + r2[3].length / 2] ^= 0x5A
            try Data(bytes2).write(to: URL(fileURLWithPath: wal + "/" + name))
            let fourth = try SlodServer(config: config, storage: data)
            defer { fourth.stop() }
            let listing2 = (try? FileManager.default.contentsOfDirectory(atPath: wal)) ?? []
            let stillFirst = FileManager.default.contents(atPath: wal + "/" + name + ".corrupt")
            print("  second damage in the reused \(name): files now \(listing2.sorted()); first .corrupt kept intact: \(stillFirst == firstCorrupt)")
            #expect(stillFirst != nil && stillFirst == firstCorrupt,
                    "the first set-aside segment \(name).corrupt was overwritten by the second damaged segment of the same name (files: \(listing2.sorted()))")
            #expect(try fourth.metric("slod_storage_corruptions_total") == 1)
            let s4 = Set(Self.seqSeries(try fourth.metrics()).series.keys)
            #expect(s4.isSuperset(of: [30, 31, 32]) && s4.isDisjoint(with: [33, 34, 35]), "after the second damage: \(s4.sorted())")
        }
    }
}
