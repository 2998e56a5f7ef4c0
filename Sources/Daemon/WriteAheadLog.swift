import Aggregation
import Config
import OTLP
import Platform
import Primitives
import Storage
import Synchronization

/// The daemon's write-ahead log: appends every accepted request before its points reach the
/// shards, and makes it durable by the configured policy (DESIGN §3).
///
/// **The gate.** One lock covers "append the record, hand the slices to the shards" for every
/// request, and the checkpoint barrier takes the same lock: so when a checkpoint holds it and
/// the shards have drained their rings, the shards' state contains exactly the records before
/// the WAL's current end — the position the checkpoint covers. The lock is taken once per
/// request, never per point; two event loops contend for it only as long as one `write(2)`
/// of a body and a few ring pushes.
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
final class WriteAheadLog: @unchecked Sendable {
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
    private let syncState = PThreadLocked(SyncState())
    private let wake: EventFD
    private let thread = Mutex<OSThread?>(nil)
    private let logger = Logger.shared

    init(directory: String, policy: SlodConfiguration.Storage.Fsync, interval: Duration, segmentBytes: Int,
         metrics: StorageMetrics) throws(Errno) {
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

    /// Appends `request` (caller holds the gate: called from the commit's `beforeApplying`).
    /// Returns the sequence number to wait for, or the reason for a 503.
    func append(_ request: IngestRequestInfo, in g: Gate) -> (seq: UInt64, failure: String?) {
        guard let w = g.writer else { return (0, "storage is not open yet") }
        // The receiver refuses longer tenants (400); this only keeps a record that cannot be read back out.
        guard request.tenant.count <= IngestRecord.maxTenantBytes else {
            return (0, "tenant header longer than \(IngestRecord.maxTenantBytes) bytes")
        }
        let before = (segment: w.segment, bytes: w.appendedBytes)
        do throws(StorageError) {
            try w.append(type: IngestRecord.type, body: request.body) { out in
                IngestRecord.appendPrefix(receivedNanos: request.receivedNanos, encoding: .init(request.encoding),
                                          contentEncoding: .init(request.coding), tenant: request.tenant.buffer, to: &out)
            }
            if w.segment != before.segment { metrics.segmentsCreated.add(1) }
        } catch {
            g.failures += 1
            metrics.writeFailures.add(1)
            if g.failing == nil || g.failures % 1_000 == 0 {
                logger.error("cannot append to the write-ahead log; ingestion answers 503 until a write succeeds",
                             ["error": error.description, "failures": String(g.failures)])
            }
            g.failing = error.description
            return (0, "the write-ahead log cannot be written: \(error.errno)")
        }
        if let previous = g.failing {
            logger.info("write-ahead log writable again; ingestion resumed", ["previous_error": previous, "failed_requests": String(g.failures)])
            g.failing = nil
            g.failures = 0
        }
        metrics.bytes.add(w.appendedBytes &- before.bytes)
        if policy == .always { wake.signal() }
        return (w.appendedBytes, nil)
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
            let stopping = syncState.withLock { $0.stopping }
            syncOnce()
            if stopping { return }
        }
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
        metrics.lastSyncNanos.store(Clock.monotonicNanos(), ordering: .relaxed)
        for d in due { d(ok ? nil : error) }
    }
}

/// The ingest backend with the WAL in front of the shards: a request is appended (under the
/// gate) right before its slices are handed over, and under `fsync: always` its `200` waits
/// for the sync that covers it.
final class DurableBackend: IngestBackend, @unchecked Sendable {
    let runtime: ShardRuntime<AggregatorShard>
    let wal: WriteAheadLog

    init(runtime: ShardRuntime<AggregatorShard>, wal: WriteAheadLog) {
        self.runtime = runtime
        self.wal = wal
    }

    func makeSink(loop: Int) -> MetricsSink { runtime.makeSink(loop: loop) }

    /// The sequence number a request's completion waits for (set under the gate before the
    /// slices are pushed, read by the shard that completes the request after it popped them).
    final class Ticket: @unchecked Sendable { var seq: UInt64 = 0 }

    func commit(loop: Int, request: IngestRequestInfo, completion: @escaping @Sendable (IngestCommit) -> Void) -> IngestCommitStart {
        if request.isReplay { return runtime.commit(loop: loop, request: request, completion: completion) }
        let wal = self.wal
        let ticket: Ticket? = wal.policy == .always ? Ticket() : nil
        var done = completion
        if let t = ticket {
            done = { commit in
                wal.whenDurable(t.seq) { failure in
                    completion(failure.map { IngestCommit(unavailable: $0) } ?? commit)
                }
            }
        }
        return wal.gate.withLock { g in
            let state = g   // a class: the lock guards what it points to
            return runtime.commit(loop: loop, completion: done, beforeApplying: {
                let (seq, failure) = wal.append(request, in: state)
                ticket?.seq = seq
                return failure
            })
        }
    }
}

/// Self-metrics of the WAL and checkpoints.
final class StorageMetrics: Sendable {
    let bytes = Counter()
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
    let corruptions = Counter()
    let tornTails = Counter()
}

/// The receiver's request encodings as an ingest record stores them, and back (replay).
extension IngestRecord.MessageEncoding {
    init(_ e: RequestContext.Encoding) { self = e == .json ? .json : .protobuf }
    var requestEncoding: RequestContext.Encoding { self == .json ? .json : .protobuf }
}

extension IngestRecord.ContentEncoding {
    init(_ c: ContentCoding) {
        switch c {
        case .identity: self = .identity
        case .gzip: self = .gzip
        case .deflate: self = .deflate
        }
    }

    var coding: ContentCoding {
        switch self {
        case .identity: .identity
        case .gzip: .gzip
        case .deflate: .deflate
        }
    }
}
