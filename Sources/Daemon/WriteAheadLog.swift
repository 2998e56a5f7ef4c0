import Aggregation
import Config
import OTLP
import Platform
import Primitives
import Storage
import Synchronization

/// The daemon's write-ahead log, the ingest pipeline's journal: appends every accepted
/// request's points record (`PointsRecord`: the decoded points, compactly) before its points
/// reach the shards, and makes it durable by the configured policy (DESIGN §3).
///
/// **The gate.** One lock covers "append the record, hand the slices to the shards" for every
/// request, and a checkpoint cut takes the same lock to start a new segment and push its marker
/// behind the slices queued in every ring (`ShardRuntime.cutCheckpoint`): so a shard that
/// reaches the marker holds exactly the records before the old segment's end — the position
/// the checkpoint covers — while ingestion goes on. The lock is taken once per
/// request, never per point; the record is encoded before it is taken, so two event loops contend
/// for it only as long as one `write(2)` of a record and a few ring pushes.
///
/// **fsync.** `always`: a request's completion waits until a sync covers its record; one sync
/// thread runs `fdatasync` on a duplicate of the segment's descriptor outside the gate, and
/// every request that arrived meanwhile is covered by the next one (group commit). `interval`:
/// the sync thread syncs every `fsync_interval` (a machine crash loses at most that much of what
/// was acknowledged; a crash of slod alone loses nothing, the page cache keeps it). `never`:
/// segments are synced only when they are finished.
///
/// **Faults.** A failed write (disk full, `EFBIG`, `EIO`) is cut off the segment and the request
/// gets 503 with `Retry-After` before anything of it is applied; the next request tries again,
/// so ingestion resumes by itself when space returns. A failed `fdatasync` under `always`
/// answers the requests it covered with 503: their points were applied in memory, but slod
/// cannot promise they are on disk (a retry may count them twice; this is logged).
final class WriteAheadLog: IngestJournal, @unchecked Sendable {
    /// State behind the gate.
    final class Gate: @unchecked Sendable {
        /// Nil until recovery has opened the log (requests are refused as not ready meanwhile).
        var writer: WALWriter?
        /// The last append error, cleared by the next successful append (for logging once).
        var failing: String?
        var failures = 0
    }

    struct SyncState {
        var synced: UInt64 = 0
        /// Everything up to here was covered by a failed fdatasync.
        var failedThrough: UInt64 = 0
        var failure = ""
        var waiters: [(seq: UInt64, done: @Sendable (String?) -> Void)] = []
        var stopping = false
    }

    let gate = PThreadLocked(Gate())
    let policy: SlodConfiguration.Storage.Fsync
    let interval: Duration
    let metrics: StorageMetrics
    let directory: String
    let segmentBytes: Int
    /// One points-record encoder per event loop (lane), used on that loop's thread only.
    private let encoders: [PointsRecordEncoder]
    private let syncState = PThreadLocked(SyncState())
    private let wake: EventFD
    private let thread = Mutex<OSThread?>(nil)
    private let logger = Logger.shared

    init(directory: String, policy: SlodConfiguration.Storage.Fsync, interval: Duration, segmentBytes: Int, lanes: Int,
         metrics: StorageMetrics) throws(Errno) {
        encoders = (0..<max(1, lanes)).map { PointsRecordEncoder(lane: $0) }
        self.directory = directory
        self.policy = policy
        self.interval = interval
        self.segmentBytes = segmentBytes
        self.metrics = metrics
        wake = try EventFD()
    }

    /// Opens the log for appends (a new segment after the newest), after recovery.
    func open() throws(StorageError) {
        let w = try WALWriter(directory: directory, segmentBytes: segmentBytes)
        // A rollover never syncs under the gate: the sync thread takes finished segments.
        w.rolloverSync = policy == .never ? .none : .deferred
        gate.withLock { $0.writer = w }
    }

    /// Starts the sync thread (`always` and `interval`).
    func start() throws(Errno) {
        guard policy != .never else { return }
        let t = try OSThread.spawn(name: "slod-wal-sync") { [self] in runSyncer() }
        thread.withLock { $0 = t }
    }

    /// Stops the sync thread after a last sync.
    func stop() {
        syncState.withLock { $0.stopping = true }
        wake.signal()
        thread.withLock { t in
            t?.join()
            t = nil
        }
        gate.withLock { g in
            if let w = g.writer {
                try? w.sync()
                w.close()
            }
            g.writer = nil
        }
    }

    // MARK: IngestJournal

    public var waitsForDurability: Bool { policy == .always }

    public func recorder(lane: Int) -> PointsRecordEncoder? { lane < encoders.count ? encoders[lane] : nil }

    /// Takes the request's points record the lane's encoder made during the sink's pass (or
    /// encodes it from the slices), for the segment the lane's last record went to; then under
    /// the gate: re-encodes if the record goes to another segment (a rollover or a checkpoint
    /// moved on: the lane's dictionaries start over there, as replay's do), appends it, and hands
    /// the slices over. A failed append keeps nothing of the request (the encoder forgets what
    /// the lost record defined).
    func append(_ slices: [BatchSlice?], lane: Int, receivedNanos: Int64, receipt: JournalReceipt, handOver: () -> Void) -> String? {
        let encoder = encoders[lane]
        // Against the segment the lane's last record went to: its dictionaries describe that one.
        var payload = encoder.takeRecord(receivedNanos: receivedNanos, segment: encoder.segment)
            ?? encoder.encode(slices, receivedNanos: receivedNanos, segment: encoder.segment)
        let failure = gate.withLock { g -> String? in
            guard let w = g.writer else {
                encoder.recordLost()
                return "storage is not open yet"
            }
            let before = (segment: w.segment, bytes: w.appendedBytes)
            do throws(StorageError) {
                let segment = try w.prepareAppend(recordBytes: WALFormat.recordHeaderBytes + payload.count)
                if segment != encoder.segment {
                    payload = encoder.encode(slices, receivedNanos: receivedNanos, segment: segment)
                }
                try w.appendInCurrentSegment(type: PointsRecord.type, payload: payload)
            } catch {
                encoder.recordLost()
                return appendFailed(error, g)
            }
            if w.segment != before.segment { metrics.segmentsCreated.add(1) }
            if let previous = g.failing {
                logger.info("write-ahead log writable again; ingestion resumed", ["previous_error": previous, "failed_requests": String(g.failures)])
                g.failing = nil
                g.failures = 0
            }
            metrics.bytes.add(w.appendedBytes &- before.bytes)
            metrics.points.add(UInt64(encoder.points))
            receipt.sequence = w.appendedBytes
            handOver()
            return nil
        }
        // Outside the gate, like the shards' wake-ups: the sync thread may take this CPU at once.
        if failure == nil && policy == .always { wake.signal() }
        return failure
    }

    /// Counts and logs (once per outage, then every 1,000 failures) an append that failed.
    private func appendFailed(_ error: StorageError, _ g: Gate) -> String {
        g.failures += 1
        metrics.writeFailures.add(1)
        if g.failing == nil || g.failures % 1_000 == 0 {
            logger.error("cannot append to the write-ahead log; ingestion answers 503 until a write succeeds",
                         ["error": error.description, "failures": String(g.failures)])
        }
        g.failing = error.description
        return "the write-ahead log cannot be written: \(error.errno)"
    }

    public func whenDurable(_ receipt: JournalReceipt, _ done: @escaping @Sendable (String?) -> Void) {
        whenDurable(receipt.sequence, done)
    }

    /// Calls `done` once a sync covers `seq` (nil), or with the reason when the sync failed.
    func whenDurable(_ seq: UInt64, _ done: @escaping @Sendable (String?) -> Void) {
        enum Now { case ok, failed(String), later }
        let now = syncState.withLock { s -> Now in
            if s.synced >= seq { return .ok }
            if s.failedThrough >= seq { return .failed(s.failure) }
            s.waiters.append((seq, done))
            return .later
        }
        switch now {
        case .ok: done(nil)
        case .failed(let why): done(why)
        case .later: wake.signal()
        }
    }

    private func runSyncer() {
        let waitMillis = Int32(clamping: policy == .always ? 1_000 : max(1, interval.nanoseconds / 1_000_000))
        while true {
            wake.wait(timeoutMilliseconds: waitMillis)
            if policy == .always { gatherForGroupCommit() }
            let stopping = syncState.withLock { $0.stopping }
            syncOnce()
            if stopping { return }
        }
    }

    /// Requests answered by the last `fdatasync` and how long it took (sync thread only).
    private var lastSync = (covered: 0, nanos: UInt64(0))

    /// Under `fsync: always`, while requests come concurrently (the last sync answered more
    /// than one), waits about twice as long as the last sync took (0.1–2 ms) before the next
    /// one: the requests that arrive meanwhile share it. Each waits at most that much longer;
    /// far fewer syncs run, and every one costs kernel time the event loops need. Measured here
    /// (wrk -c16, medium fixture, 8 s): 9,400 syncs without the wait, ~4,000 waiting one sync's
    /// time, ~2,100 waiting two (0.65× → 0.75× of storage off's requests/s, mean latency 6.0 ms).
    /// A lone client's request is synced at once.
    private func gatherForGroupCommit() {
        guard lastSync.covered > 1 else { return }
        Deadline.after(.nanoseconds(Int64(min(max(2 &* lastSync.nanos, 100_000), 2_000_000)))).sleep()
    }

    /// One `fdatasync` of the current segment, if anything is unsynced; wakes the waiters it covers.
    func syncOnce() {
        let (fd, target, path, retired) = gate.withLock { g -> (Int32?, UInt64, String, [Int32]) in
            guard let w = g.writer else { return (nil, 0, "", []) }
            return (w.duplicateDescriptor(), w.appendedBytes, w.currentPath, w.takeRetired())
        }
        // Finished segments first: a target counts as durable only when every segment up to it is.
        var ok = true
        var error = ""
        let start = Clock.monotonicNanos()
        for r in retired {
            do { try FD.syncData(r) } catch let e {
                if ok { error = "fsync of a finished WAL segment: \(e)" }
                ok = false
            }
            FD.close(r)
        }
        guard let fd else { return }
        defer { FD.close(fd) }
        let synced = syncState.withLock { $0.synced }
        guard target > synced || !ok else { return }
        if ok {
            do { try FD.syncData(fd) } catch let e {
                ok = false
                error = "fsync \(path): \(e)"
            }
        }
        metrics.fsyncSeconds.observe(Double(Clock.monotonicNanos() &- start) / 1e9)
        if !ok {
            metrics.fsyncFailures.add(1)
            logger.error("fsync of the write-ahead log failed; the requests it covered were answered 503", ["error": error])
        }
        let due = syncState.withLock { s -> [@Sendable (String?) -> Void] in
            if ok { s.synced = max(s.synced, target) } else {
                s.failedThrough = max(s.failedThrough, target)
                s.failure = error
            }
            var out: [@Sendable (String?) -> Void] = []
            s.waiters.removeAll { w in
                guard w.seq <= target else { return false }
                out.append(w.done)
                return true
            }
            return out
        }
        let end = Clock.monotonicNanos()
        metrics.lastSyncNanos.store(end, ordering: .relaxed)
        lastSync = (due.count, end &- start)
        for d in due { d(ok ? nil : error) }
    }
}

/// Self-metrics of the WAL and checkpoints.
final class StorageMetrics: Sendable {
    let bytes = Counter()
    /// Points (target_info records included) in the records appended: `bytes / points` is what
    /// the log costs per point.
    let points = Counter()
    let segmentsCreated = Counter()
    let writeFailures = Counter()
    let fsyncFailures = Counter()
    let fsyncSeconds = Histogram(bounds: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5])
    let lastSyncNanos = Atomic<UInt64>(0)
    let checkpointSeconds = Histogram(bounds: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60])
    let checkpointFailures = Counter()
    /// Wall-clock Unix seconds of the newest complete checkpoint (start-up before the first).
    let lastCheckpointUnix = Atomic<Int64>(0)
    let checkpointBytes = Gauge()
    let replaySeconds = Atomic<UInt64>(0)   // Double bit pattern
    let replayedRecords = Counter()
    let replayedBytes = Counter()
    let replayedPoints = Counter()
    let corruptions = Counter()
    let tornTails = Counter()
}
