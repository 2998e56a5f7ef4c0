import Aggregation
import Config
import Exposition
import OTLP
import Platform
import Primitives
import SLOEngine
import Storage
import Synchronization

/// Durability for the daemon (DESIGN §3): the storage directory and its lock, recovery at
/// start-up (newest valid checkpoint, then the WAL after it through the normal decode path),
/// periodic checkpoints and the one at shutdown, and pruning of what a checkpoint covers.
///
/// Layout of `storage.path`: `lock`, `wal/NNNNNNNN` segments (`WALFormat`), and
/// `checkpoint.NNNNNNNN-OOOOOOOOOOOO` files (`Checkpoint`) with these sections:
///
/// | kind | body |
/// |---|---|
/// | 1 | one aggregator shard's series (`AggregatorShard.encodeSeries`; one section per shard) |
/// | 2 | the SLO engine's instance states (`SLOEngine.encodeCheckpoint`) |
/// | 3 | the alert states (`AlertEvaluator.encodeCheckpoint`) |
/// | 4 | metadata: slod version, the wall-clock time and the reason of the checkpoint (text, `key=value` lines) |
/// | 5 | the alert transitions kept for the pages and reports (`AlertHistory.encode`) |
///
/// A checkpoint is cut under the `WriteAheadLog` gate, held only to move the WAL to a new segment
/// and push a cut marker behind the slices queued for the shards (`ShardRuntime.cutCheckpoint`),
/// so it covers whole segments; each shard, at the marker, holds exactly the records before the
/// cut, hands over its SLO deltas and copies its state between slices, and the encoding runs
/// on the checkpoint thread while ingestion goes on. Checkpoints are cut every
/// `checkpoint_interval`, and sooner when the WAL appended since the last one passes
/// `checkpoint_wal_bytes` (so the replay at the next start stays bounded whatever the load).
/// The two newest checkpoints are kept, and the WAL segments the older of them covers are
/// deleted: if the newest turns out damaged at the next start, the one before it and the WAL
/// after it are still there.
final class StorageService: @unchecked Sendable {
    static let seriesSection: UInt8 = 1
    static let sloSection: UInt8 = 2
    static let alertSection: UInt8 = 3
    static let metaSection: UInt8 = 4
    static let alertHistorySection: UInt8 = 5
    static let knownSections: Set<UInt8> = [1, 2, 3, 4, 5]

    let config: SlodConfiguration.Storage
    let directory: String
    let walDirectory: String
    let metrics = StorageMetrics()
    let wal: WriteAheadLog
    private var lock: StorageLock?
    private let logger = Logger.shared
    /// Serializes checkpoints (timer, shutdown).
    private let checkpointing = PThreadLocked(0)
    private let stopped = Atomic<Bool>(false)
    private let timerWake: EventFD
    private let timerThread = Mutex<OSThread?>(nil)
    /// `metrics.bytes` when the last checkpoint was cut; `noCutYet` before the first.
    private let walBytesAtLastCut = Atomic<UInt64>(StorageService.noCutYet)
    private static let noCutYet = UInt64.max
    /// How long the last checkpoint held ingestion (nanoseconds; see `Cut.pausedNanos`).
    let lastIngestionPauseNanos = Atomic<UInt64>(0)

    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    /// Creates the directory if needed and takes its lock (a second slod is refused, naming the holder).
    /// `lanes`: the event loops that append (one points-record encoder each).
    init(config: SlodConfiguration.Storage, path: String, lanes: Int) throws(SetupError) {
        self.config = config
        directory = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        walDirectory = directory + "/wal"
        do throws(StorageError) {
            try WALDirectory.create(walDirectory)
        } catch {
            throw SetupError(description: "cannot create the storage directory: \(error)")
        }
        do throws(StorageLock.Refused) {
            lock = try StorageLock(directory: directory)
        } catch {
            throw SetupError(description: error.description)
        }
        do throws(Errno) {
            wal = try WriteAheadLog(directory: walDirectory, policy: config.fsync, interval: config.fsyncInterval,
                                    segmentBytes: config.segmentBytes, lanes: lanes, metrics: metrics)
            timerWake = try EventFD()
        } catch {
            throw SetupError(description: "cannot set up the write-ahead log: \(error)")
        }
        metrics.lastCheckpointUnix.store(Int64(Clock.wallSeconds()), ordering: .relaxed)
    }

    // MARK: - Recovery

    /// What recovery found.
    struct Recovered {
        var checkpoint: String? = nil
        var series = 0
        var seriesDropped = 0
        var sloInstances = 0
        var sloDropped = 0
        var alerts = 0
        var records = 0
        /// Points in the records replayed (target_info records included).
        var points = 0
        var bytes = 0
        var skipped = 0
        /// Damaged segments set aside: the records before the damage were applied but live only
        /// in the set-aside file, so a checkpoint must follow at once.
        var damagedSegments = 0
        var checkpointSeconds = 0.0
        var seconds = 0.0
    }

    /// Loads the newest valid checkpoint into the (not yet running) shards, the SLO engine and
    /// the alert evaluator. Damaged checkpoints are set aside and reported. Returns the position
    /// to replay from.
    func loadCheckpoint(shards: [AggregatorShard], slo: SLOService, into r: inout Recovered) throws(SetupError) -> WALPosition? {
        let loaded: Checkpoint.Loaded?
        do throws(Checkpoint.LoadError) {
            loaded = try Checkpoint.loadNewest(directory, knownKinds: Self.knownSections) { path, reason in
                metrics.corruptions.add(1)
                logger.error("damaged checkpoint set aside (renamed to .corrupt); trying an older one", ["file": path, "reason": reason])
            }
        } catch {
            throw SetupError(description: error.description)
        }
        guard let loaded else { return nil }
        let start = Clock.monotonicNanos()
        defer { r.checkpointSeconds = Double(Clock.monotonicNanos() &- start) / 1e9 }
        r.checkpoint = loaded.path
        var seriesParts: [[UInt8]] = []
        var engine: [UInt8]? = nil, alerts: [UInt8]? = nil, history: [UInt8]? = nil
        for s in loaded.sections {
            switch s.kind {
            case Self.seriesSection: seriesParts.append(s.body)
            case Self.sloSection: engine = s.body
            case Self.alertSection: alerts = s.body
            case Self.alertHistorySection: history = s.body
            default: break
            }
        }
        do {
            let restored = try slo.restore(engine: engine, alerts: alerts, history: history)
            r.sloInstances = restored.restored
            r.sloDropped = restored.dropped
            r.alerts = restored.alerts
            let report = try SeriesCheckpoint.restore(seriesParts, into: shards, now: Clock.monotonicNanos())
            r.series = report.series
            r.seriesDropped = report.dropped
        } catch {
            throw SetupError(description: "checkpoint \(loaded.path) passed its checksums but cannot be loaded: \(error); "
                             + "move it aside to start from the WAL alone")
        }
        return loaded.covers
    }

    /// Replays the WAL after `after` into the ingest pipeline (shards running, server not yet
    /// taking data) on one thread per event loop, applied in log order (`ReplayPipeline`), then opens
    /// the WAL for appends. A torn tail is cut off at the last good record; a
    /// damaged segment is renamed to `….corrupt`, reported with its offset, and replay goes on
    /// with the next segment.
    /// `onSegment` gets a one-line progress text after every segment (the daemon passes it to
    /// systemd with a start-timeout extension).
    func replay(after: WALPosition?, into ingest: IngestPipeline<AggregatorShard>, into r: inout Recovered,
                onSegment: (String) -> Void = { _ in }) throws(SetupError) {
        let start = Clock.monotonicNanos()
        let pipeline: ReplayPipeline
        do {
            pipeline = try ReplayPipeline(ingest: ingest, threads: ingest.runtime.sinkCount)
        } catch {
            throw SetupError(description: "cannot start the WAL replay threads: \(error)")
        }
        defer { pipeline.stop() }
        var from = after
        var bytes = 0
        let lastSegment = (try? WALDirectory.segments(in: walDirectory).last) ?? nil
        // Progress for whoever watches a long recovery (as Prometheus logs "WAL segment loaded").
        let progress: (Int) throws(SetupError) -> Void = { segment in
            try pipeline.drain()
            let seconds = Double(Clock.monotonicNanos() &- start) / 1e9, mb = Double(bytes) / 1e6
            let last = lastSegment.map(String.init) ?? "?"
            onSegment("replaying the WAL: segment \(segment) of \(last), \(format3(mb)) MB in \(format3(seconds)) s")
            self.logger.info("WAL segment replayed", [
                "segment": String(segment), "last_segment": last, "records": String(pipeline.submitted), "mb": format3(mb),
                "mb_per_s": format3(seconds > 0 ? mb / seconds : 0), "lanes": String(pipeline.lanes.count)])
        }
        while true {
            let outcome: WALReplayOutcome
            do {
                outcome = try WALReplay.replay(walDirectory, after: from, segmentDone: progress) { type, payload, position in
                    guard type == PointsRecord.type else {
                        throw SetupError(description: "WAL record of type \(type) at \(position) is from a newer slod; "
                                         + "run that version or move \(walDirectory) aside")
                    }
                    try pipeline.submit(payload, position: position)
                    bytes += payload.count
                }
            } catch let e as SetupError {
                throw e
            } catch {
                throw SetupError(description: "cannot replay the WAL: \(error)")
            }
            if let torn = outcome.tornTail {
                let path = walDirectory + "/" + WALDirectory.segmentName(torn.segment)
                metrics.tornTails.add(1)
                if torn.offset < WALFormat.segmentHeaderBytes {
                    // A crash while the segment was created: no header, so no record. Cut to
                    // nothing it would read as damage at the next start (no longer the newest).
                    logger.warn("WAL segment left unfinished by a crash while it was created (it holds no records); removed",
                                ["file": path])
                    do { try FileSystem.unlink(path) } catch {
                        throw SetupError(description: "cannot remove the unfinished segment \(path): \(error)")
                    }
                } else {
                    logger.warn("WAL ends in an interrupted append (a crash while writing); cut off at the last good record",
                                ["file": path, "offset": String(torn.offset)])
                    do { try FileSystem.truncate(path, to: torn.offset) } catch {
                        throw SetupError(description: "cannot cut the torn tail of \(path) at \(torn.offset): \(error)")
                    }
                }
            }
            if let (position, reason) = outcome.corruption {
                let path = walDirectory + "/" + WALDirectory.segmentName(position.segment)
                metrics.corruptions.add(1)
                logger.error("damaged WAL segment set aside (renamed to .corrupt); records after the damage in it are lost",
                             ["file": path, "offset": String(position.offset), "reason": reason])
                do { try FileSystem.rename(path, to: path + ".corrupt") } catch {
                    throw SetupError(description: "cannot set aside the damaged segment \(path): \(error)")
                }
                r.damagedSegments += 1
                from = WALPosition(segment: position.segment + 1, offset: 0)
                continue
            }
            break
        }
        try pipeline.drain()
        let skipped = pipeline.skippedRecords.load(ordering: .acquiring)
        r.records = pipeline.submitted - skipped
        r.bytes = bytes - pipeline.skippedBytes.load(ordering: .acquiring)
        r.skipped = skipped
        r.points = pipeline.points.load(ordering: .acquiring)
        r.seconds = Double(Clock.monotonicNanos() &- start) / 1e9
        metrics.replayedRecords.add(UInt64(r.records))
        metrics.replayedBytes.add(UInt64(r.bytes))
        metrics.replayedPoints.add(UInt64(r.points))
        metrics.replaySeconds.store(r.seconds.bitPattern, ordering: .relaxed)
        do throws(StorageError) {
            try wal.open()
        } catch {
            throw SetupError(description: "cannot open the write-ahead log: \(error)")
        }
    }

    // MARK: - Checkpoints

    /// How often the checkpoint thread compares the WAL appended since the last checkpoint
    /// with `checkpoint_wal_bytes` (one atomic load; the overshoot is at most this much of
    /// appends, ~0.3 GB at the disk's full speed).
    static let walSizeCheckMillis: Int32 = 1_000

    /// Starts the WAL's sync thread and the checkpoint thread: a checkpoint every
    /// `checkpoint_interval` after the previous one, or once the WAL appended since it passes
    /// `checkpoint_wal_bytes`.
    func start(runtime: ShardRuntime<AggregatorShard>, slo: SLOService) throws(Errno) {
        try wal.start()
        let interval = config.checkpointInterval.nanoseconds
        let t = try OSThread.spawn(name: "slod-checkpoint") { [self] in
            var last = Clock.monotonicNanos()
            while !stopped.load(ordering: .acquiring) {
                let due = last &+ interval
                let now = Clock.monotonicNanos()
                let left = due > now ? due - now : 0
                timerWake.wait(timeoutMilliseconds: min(Self.walSizeCheckMillis, Int32(clamping: (left + 999_999) / 1_000_000)))
                if stopped.load(ordering: .acquiring) { return }
                let reason: String
                if Clock.monotonicNanos() >= due {
                    reason = "interval"
                } else if walBytesSinceCheckpoint >= UInt64(config.checkpointWALBytes) {
                    reason = "wal_size"
                } else {
                    continue
                }
                checkpoint(runtime: runtime, slo: slo, reason: reason)
                last = Clock.monotonicNanos()
            }
        }
        timerThread.withLock { $0 = t }
    }

    /// WAL bytes behind the last checkpoint: appended since it was cut, or before the first
    /// one, appended since start-up plus those replayed at start-up (no checkpoint covers them).
    var walBytesSinceCheckpoint: UInt64 {
        let atCut = walBytesAtLastCut.load(ordering: .relaxed)
        if atCut == Self.noCutYet { return metrics.bytes.value &+ metrics.replayedBytes.value }
        return metrics.bytes.value &- atCut
    }

    /// Stops the timer, writes the shutdown checkpoint (call after the server drained, before
    /// the shards stop), stops the WAL.
    func stop(runtime: ShardRuntime<AggregatorShard>, slo: SLOService) {
        stopped.store(true, ordering: .releasing)
        timerWake.signal()
        timerThread.withLock { t in
            t?.join()
            t = nil
        }
        checkpoint(runtime: runtime, slo: slo, reason: "shutdown")
        wal.stop()
        lock?.release()
        lock = nil
    }

    /// Writes a checkpoint now. Returns false (logged, counted) when it could not.
    @discardableResult
    func checkpoint(runtime: ShardRuntime<AggregatorShard>, slo: SLOService, reason: String) -> Bool {
        checkpointing.withLock { _ in
            let start = Clock.monotonicNanos()
            func failed(_ error: String) -> Bool {
                metrics.checkpointFailures.add(1)
                logger.error("checkpoint failed", ["reason": reason, "error": error])
                return false
            }
            // The SLO evaluation is held from the cut until the engine has taken the shards'
            // deltas up to the cut, so its states are encoded exactly as of the cut.
            var cut: Result<Cut, CutFailure>? = nil
            let state = slo.checkpointState {
                cut = self.cut(runtime: runtime)
                return try? cut?.get().parts.map(\.sloDeltas)
            }
            let c: Cut
            switch cut {
            case .success(let done)?: c = done
            case .failure(let f)?: return failed(f.reason)
            case nil: return failed("the SLO evaluation stayed busy for 30 s")
            }
            guard let state else { return failed("the SLO evaluation stayed busy for 30 s") }
            // The encoding runs here, on the checkpoint thread: the shards are applying again.
            var sections = c.parts.map { part in
                var body: [UInt8] = []
                part.state.encode(into: &body)
                return Checkpoint.Section(kind: Self.seriesSection, body: body)
            }
            sections.append(Checkpoint.Section(kind: Self.sloSection, body: state.engine))
            sections.append(Checkpoint.Section(kind: Self.alertSection, body: state.alerts))
            let meta = "version=\(SlodVersion.version)\nunix_nanos=\(Clock.wallNanos())\nreason=\(reason)\n"
            sections.append(Checkpoint.Section(kind: Self.metaSection, body: Array(meta.utf8)))
            sections.append(Checkpoint.Section(kind: Self.alertHistorySection, body: state.history))
            let path: String
            do throws(StorageError) {
                path = try Checkpoint.write(directory, covers: c.covers, sections: sections)
            } catch {
                return failed(error.description)
            }
            let bytes = sections.reduce(0) { $0 + $1.body.count }
            metrics.checkpointBytes.set(Int64(bytes))
            metrics.lastCheckpointUnix.store(Int64(Clock.wallSeconds()), ordering: .relaxed)
            let seconds = Double(Clock.monotonicNanos() &- start) / 1e9
            metrics.checkpointSeconds.observe(seconds)
            prune()
            logger.info("checkpoint written", ["reason": reason, "file": path, "bytes": String(bytes),
                                               "seconds": format3(seconds),
                                               "ingestion_paused_ms": format3(Double(c.pausedNanos) / 1e6),
                                               "gate_held_ms": format3(Double(c.gateNanos) / 1e6)])
            return true
        }
    }

    /// What a cut hands over: the WAL position the state covers, each shard's part (state copy
    /// and SLO deltas), and how long ingestion was held.
    struct Cut {
        var covers: WALPosition
        var parts: [ShardRuntime<AggregatorShard>.ShardCut]
        /// How long the WAL gate was held (no request committed meanwhile).
        var gateNanos: UInt64
        /// The ingestion pause: the gate hold plus the longest stall of a shard (`ShardCut.longestStallNanos`).
        var pausedNanos: UInt64
    }

    struct CutFailure: Error {
        var reason: String
    }

    /// The cut. Under the gate (no request is committed meanwhile) only: the WAL moves on to a
    /// new segment and a marker goes behind the slices queued for the shards. Then, with
    /// ingestion going on, it waits (bounded) until every shard has met the marker — holding
    /// exactly the records before the new segment — and handed over its SLO deltas and a
    /// complete copy of its state.
    func cut(runtime: ShardRuntime<AggregatorShard>) -> Result<Cut, CutFailure> {
        let answer = Answer<[ShardRuntime<AggregatorShard>.ShardCut]>()
        let started = wal.gate.withLock { g -> Result<(covers: WALPosition, gateNanos: UInt64), CutFailure> in
            let held = Clock.monotonicNanos()
            guard let w = g.writer else { return .failure(CutFailure(reason: "the WAL is not open")) }
            let covers: WALPosition
            do throws(StorageError) {
                covers = try w.startSegment()
                metrics.segmentsCreated.add(1)
            } catch {
                return .failure(CutFailure(reason: "cannot start a new WAL segment: \(error)"))
            }
            walBytesAtLastCut.store(metrics.bytes.value, ordering: .relaxed)
            guard runtime.cutCheckpoint({ answer.deliver($0) }) else {
                // The new segment is harmless: the next checkpoint covers it.
                return .failure(CutFailure(reason: "the shards have not yet reached the previous checkpoint's cut"))
            }
            return .success((covers, Clock.monotonicNanos() &- held))
        }
        let (covers, gateNanos): (WALPosition, UInt64)
        switch started {
        case .success(let s): (covers, gateNanos) = s
        case .failure(let f): return .failure(f)
        }
        runtime.wakeShards()
        // A shard stuck for a minute: abandon the checkpoint (SLO sums it hands over later are lost).
        guard let parts = answer.wait(until: .after(.seconds(60))) else {
            return .failure(CutFailure(reason: "the shards did not reach the cut and copy their state within 60 s"))
        }
        let stall = parts.map(\.longestStallNanos).max() ?? 0
        let paused = gateNanos &+ stall
        lastIngestionPauseNanos.store(paused, ordering: .relaxed)
        return .success(Cut(covers: covers, parts: parts, gateNanos: gateNanos, pausedNanos: paused))
    }

    /// Keeps the two newest checkpoints and the WAL after the older of them.
    func prune() {
        do throws(StorageError) {
            // Runs under `checkpointing`: no checkpoint is being written, so a .tmp is a leftover.
            for leftover in try Checkpoint.unfinished(directory) { try? FileSystem.unlink(leftover) }
            let all = try Checkpoint.list(directory)
            guard all.count >= 2 else { return }
            let keepFrom = all[1].covers
            for old in all.dropFirst(2) { try? FileSystem.unlink(old.path) }
            for s in try WALDirectory.segments(in: walDirectory) where s <= keepFrom.segment {
                try? FileSystem.unlink(walDirectory + "/" + WALDirectory.segmentName(s))
            }
        } catch {
            logger.warn("cannot prune old checkpoints and WAL segments", ["error": error.description])
        }
    }

    /// An answer delivered by another thread, waited for with a deadline (the cut is started
    /// under the gate and waited for outside it, so `Deadline.answer(of:)` does not fit).
    final class Answer<T: Sendable>: Sendable {
        private let value = ConditionLocked<T?>(nil)

        func deliver(_ v: T) { value.withLock { $0 = v } }

        /// The answer, or nil when none came by `deadline`.
        func wait(until deadline: Deadline) -> T? {
            var answer: T? = nil
            _ = value.wait(until: deadline) { v in
                answer = v
                return v != nil
            }
            return answer
        }
    }

    /// Number of WAL segment files now.
    var segmentCount: Int { (try? WALDirectory.segments(in: walDirectory).count) ?? 0 }
}

func format3(_ v: Double) -> String {
    let scaled = (v * 1000).rounded() / 1000
    return String(scaled)
}

/// Registers the storage self-metrics.
func registerStorageMetrics(_ registry: MetricsRegistry, storage: StorageService) {
    let m = storage.metrics
    let policy = storage.config.fsync
    let interval = storage.config.fsyncInterval
    registry.register(families: [
        "slod_wal_bytes_total", "slod_wal_segments", "slod_wal_segments_created_total", "slod_wal_write_failures_total",
        "slod_wal_fsync_failures_total", "slod_wal_fsync_duration_seconds", "slod_wal_loss_window_seconds",
        "slod_checkpoint_duration_seconds", "slod_checkpoint_failures_total", "slod_checkpoint_age_seconds",
        "slod_checkpoint_bytes", "slod_checkpoint_ingestion_paused_seconds", "slod_wal_replay_duration_seconds", "slod_wal_replayed_records_total",
        "slod_wal_replayed_bytes_total", "slod_wal_replayed_points_total", "slod_wal_points_total",
        "slod_storage_corruptions_total", "slod_wal_torn_tails_total",
    ]) { w in
        w.single("slod_wal_bytes_total", type: .counter, help: "Bytes appended to the write-ahead log (record headers included).",
                 value: m.bytes.value)
        w.single("slod_wal_points_total", type: .counter,
                 help: "Data points in the records appended to the write-ahead log (target_info records included); slod_wal_bytes_total over this is the log's cost per point.",
                 value: m.points.value)
        w.single("slod_wal_segments", type: .gauge, help: "WAL segment files in the storage directory.",
                 value: Double(storage.segmentCount))
        w.single("slod_wal_segments_created_total", type: .counter, help: "WAL segments started (rollover and checkpoints).",
                 value: m.segmentsCreated.value)
        w.single("slod_wal_write_failures_total", type: .counter, help: "Requests answered 503 because the WAL could not be written (disk full, I/O error).",
                 value: m.writeFailures.value)
        w.single("slod_wal_fsync_failures_total", type: .counter, help: "fdatasync calls on the WAL that failed.",
                 value: m.fsyncFailures.value)
        w.family("slod_wal_fsync_duration_seconds", type: .histogram, help: "Duration of fdatasync on the WAL (one covers every request waiting).")
        w.histogram("slod_wal_fsync_duration_seconds", snapshot: m.fsyncSeconds.snapshot())
        w.family("slod_wal_loss_window_seconds", type: .gauge,
                 help: "Acknowledged data a machine crash can lose, in seconds of ingestion (storage.fsync: always 0, interval its fsync_interval, never +Inf).")
        let window: Double = switch policy {
        case .always: 0
        case .interval: Double(interval.nanoseconds) / 1e9
        case .never: .infinity
        }
        w.sample("slod_wal_loss_window_seconds", labels: [("fsync", policy.rawValue)], value: window)
        w.family("slod_checkpoint_duration_seconds", type: .histogram, help: "Time to cut and write a checkpoint.")
        w.histogram("slod_checkpoint_duration_seconds", snapshot: m.checkpointSeconds.snapshot())
        w.single("slod_checkpoint_failures_total", type: .counter, help: "Checkpoints that could not be written.",
                 value: m.checkpointFailures.value)
        w.single("slod_checkpoint_age_seconds", type: .gauge, help: "Seconds since the last checkpoint this process wrote (since start-up before the first).",
                 value: max(0, Clock.wallSeconds() - Double(m.lastCheckpointUnix.load(ordering: .relaxed))))
        w.single("slod_checkpoint_bytes", type: .gauge, help: "Size of the sections of the last checkpoint written.",
                 value: Double(m.checkpointBytes.value))
        w.single("slod_checkpoint_ingestion_paused_seconds", type: .gauge,
                 help: "How long the last checkpoint held ingestion: the WAL gate hold plus the longest stall of a shard at the cut.",
                 value: Double(storage.lastIngestionPauseNanos.load(ordering: .relaxed)) / 1e9)
        w.single("slod_wal_replay_duration_seconds", type: .gauge, help: "Time the start-up replay of the WAL took.",
                 value: Double(bitPattern: m.replaySeconds.load(ordering: .relaxed)))
        w.single("slod_wal_replayed_records_total", type: .counter, help: "WAL records replayed at start-up.",
                 value: m.replayedRecords.value)
        w.single("slod_wal_replayed_bytes_total", type: .counter, help: "WAL record bytes replayed at start-up.",
                 value: m.replayedBytes.value)
        w.single("slod_wal_replayed_points_total", type: .counter, help: "Data points in the WAL records replayed at start-up.",
                 value: m.replayedPoints.value)
        w.single("slod_storage_corruptions_total", type: .counter, help: "Damaged WAL segments and checkpoints found (set aside as .corrupt).",
                 value: m.corruptions.value)
        w.single("slod_wal_torn_tails_total", type: .counter, help: "Interrupted appends cut off the WAL at start-up.",
                 value: m.tornTails.value)
    }
}
