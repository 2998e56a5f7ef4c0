import OTLP

/// The path of a decoded request to the shards — one function, `ingest`, shared by live
/// ingestion (`commit`, on an event loop) and WAL replay (`replay`, on a replay lane):
///
/// 1. **Admission** happened before: the receiver refused the request over the rate limit (429)
///    or the body budget (503) before anything reached here, and the loop's `ShardingSink`
///    holds its points as one slice per shard.
/// 2. **Ring room**: every target shard's ring must have room, or nothing is kept (503, retry).
/// 3. **Journal append and hand-over**: the journal (the write-ahead log) appends the request's
///    record and, under the same lock, the slices are pushed into the rings — so a checkpoint
///    cut sees a request either logged and handed over, or neither. A request replayed from the
///    log, or any request with storage disabled, has `NoJournal`: nothing to append. The shards
///    are woken after the lock is released.
/// 4. **Completion**: the response waits for every shard to apply its slice, then for the
///    journal to make the record durable under its policy (`fsync: always`).
public final class IngestPipeline<Worker: ShardWorker>: IngestBackend, @unchecked Sendable {
    public let runtime: ShardRuntime<Worker>
    /// Where live requests are recorded (the WAL, or `NoJournal` with storage disabled).
    public let journal: IngestJournal

    public init(runtime: ShardRuntime<Worker>, journal: IngestJournal) {
        self.runtime = runtime
        self.journal = journal
        // Each loop's sink gives its slice records to the journal's encoder for that loop as it
        // writes them (the record is then ready when the request is committed).
        for loop in 0..<runtime.sinkCount { runtime.sink(loop: loop).recorder = journal.recorder(lane: loop) }
    }

    public func makeSink(loop: Int) -> MetricsSink { runtime.sink(loop: loop) }

    /// A live request, just decoded on loop `loop`: its slices go through the loop's own rings.
    public func commit(loop: Int, request: IngestRequestInfo, completion: @escaping @Sendable (IngestCommit) -> Void) -> IngestCommitStart {
        let slices = runtime.sink(loop: loop).takeSlices()
        return ingest(slices, lane: loop, ring: loop, receivedNanos: request.receivedNanos, journal: journal, completion: completion)
    }

    /// A record read back from the log (already in it: not journaled again), through the replay
    /// ring, so the shards apply records in log order. `.unavailable` means the rings are full:
    /// try the same record again once the shards caught up.
    /// `lane`: the replay thread's loop index (its slices' buffers go back to that loop).
    public func replay(_ record: PointsRecordDecoder.Decoded, lane: Int,
                       completion: @escaping @Sendable (IngestCommit) -> Void) -> IngestCommitStart {
        ingest(record.slices, lane: lane, ring: ShardRuntime<Worker>.replayRing,
               receivedNanos: record.receivedNanos, journal: NoJournal.shared, completion: completion)
    }

    /// Steps 2–4 for one request's slices.
    func ingest(_ slices: [BatchSlice?], lane: Int, ring: Int, receivedNanos: Int64, journal: IngestJournal,
                completion: @escaping @Sendable (IngestCommit) -> Void) -> IngestCommitStart {
        guard slices.contains(where: { $0 != nil }) else { return .done(IngestCommit()) }
        // Step 2: all or nothing. The lane is its rings' only producer of slices, so their room
        // for slices only grows (a checkpoint's cut marker has a slot of its own).
        guard runtime.hasRoom(for: slices, ring: ring) else { return .unavailable(retryAfter: 1, reason: "aggregation is behind") }
        // Step 4, prepared first: the shards' outcome, then the record's durability.
        let receipt = JournalReceipt()
        var applied = completion
        if journal.waitsForDurability {
            applied = { [journal] outcome in
                journal.whenDurable(receipt) { failure in
                    completion(failure.map { IngestCommit(unavailable: $0) } ?? outcome)
                }
            }
        }
        let done = applied
        // Step 3.
        let runtime = self.runtime
        if let failure = journal.append(slices, lane: lane, receivedNanos: receivedNanos, receipt: receipt, handOver: {
            runtime.handOver(slices, ring: ring, from: lane, completion: done)
        }) {
            return .unavailable(retryAfter: 1, reason: failure)
        }
        // Step 3b, once the journal's lock is released (see `ShardRuntime.handOver`).
        runtime.wakeShards(for: slices)
        return .pending
    }
}

/// Where a request is recorded before its points are handed over (the write-ahead log).
public protocol IngestJournal: AnyObject, Sendable {
    /// Records the request whose points are `slices` (written by lane `lane`), then calls
    /// `handOver` — both under the journal's lock, so a checkpoint barrier taking that lock sees
    /// both or neither. Sets `receipt` for `whenDurable`. Returns why nothing was recorded (then
    /// `handOver` is not called and the client is told to retry).
    func append(_ slices: [BatchSlice?], lane: Int, receivedNanos: Int64, receipt: JournalReceipt, handOver: () -> Void) -> String?
    /// Whether a response waits for `whenDurable` (`fsync: always`).
    var waitsForDurability: Bool { get }
    /// The points-record encoder of lane `lane`, which that loop's sink feeds during its pass (nil:
    /// the journal keeps no points records).
    func recorder(lane: Int) -> PointsRecordEncoder?
    /// Calls `done` once the record of `receipt` is durable (nil), or with why it cannot be.
    func whenDurable(_ receipt: JournalReceipt, _ done: @escaping @Sendable (String?) -> Void)
}

/// What a journal append hands to the completion: the log position the record ends at (set
/// under the journal's lock before the hand-over, read by the shard that completes the request
/// after it applied its slice, which the ring's release/acquire orders after the write).
public final class JournalReceipt: @unchecked Sendable {
    public var sequence: UInt64 = 0
    public init() {}
}

/// Nothing to record: storage is disabled, or the request comes from the log itself (replay).
public final class NoJournal: IngestJournal {
    public static let shared = NoJournal()
    public init() {}
    public func append(_ slices: [BatchSlice?], lane: Int, receivedNanos: Int64, receipt: JournalReceipt, handOver: () -> Void) -> String? {
        handOver()
        return nil
    }
    public var waitsForDurability: Bool { false }
    public func whenDurable(_ receipt: JournalReceipt, _ done: @escaping @Sendable (String?) -> Void) { done(nil) }
    public func recorder(lane: Int) -> PointsRecordEncoder? { nil }
}
