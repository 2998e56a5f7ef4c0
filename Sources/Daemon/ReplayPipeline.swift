import Aggregation
import Platform
import Primitives
import Storage
import Synchronization

/// WAL replay on several threads: points records are decoded in parallel, one replay thread
/// per event loop, and committed strictly in log order — record `i` is committed only after
/// record `i - 1` — through one ring per shard (`ShardRuntime.replayRing`, a FIFO), so the
/// shards apply the points in exactly the order the log holds them, as a single-threaded
/// replay would (out-of-order and cumulative→delta outcomes do not depend on the thread count).
///
/// A record refers to its writer lane's dictionaries (`PointsRecord`), so all records of one
/// writer lane go to the same replay thread (lane modulo threads), which decodes them in order.
/// Decoding turns a record back into the shards' slices (`PointsRecordDecoder`) and the ingest
/// pipeline takes them exactly as it takes a live request's (`IngestPipeline.replay`).
///
/// The reader (the thread calling `submit`) owns the segment bytes the items point into; it
/// calls `drain` before those bytes go away (`WALReplay`'s `segmentDone`).
final class ReplayPipeline: @unchecked Sendable {
    /// One record to decode: a view into the segment being replayed (valid until `drain`).
    struct Item: @unchecked Sendable {
        var seq: Int
        var payload: UnsafeRawBufferPointer
        var position: WALPosition
    }

    final class Lane: @unchecked Sendable {
        let index: Int
        let queue = PThreadLocked<[Item]>([])
        let wake: EventFD
        var thread: OSThread?
        /// Used on this lane's thread only.
        let decoder: PointsRecordDecoder
        init(index: Int, shards: Int) throws(Errno) {
            self.index = index
            wake = try EventFD()
            decoder = PointsRecordDecoder(shards: shards)
        }
    }

    let ingest: IngestPipeline<AggregatorShard>
    let lanes: [Lane]
    let logger = Logger.shared
    /// Sequence number of the next record to commit: every record before it has been committed
    /// (or skipped). The lane whose record this is is the replay ring's only producer.
    let turn = Atomic<Int>(0)
    /// Records applied by the shards (or skipped, or without points).
    let applied = Atomic<Int>(0)
    /// Points in the records applied (target_info records included).
    let points = Atomic<Int>(0)
    /// Records submitted so far (reader thread only).
    private(set) var submitted = 0
    let readerWake: EventFD
    let stopping = Atomic<Bool>(false)
    let skippedRecords = Atomic<Int>(0)
    let skippedBytes = Atomic<Int>(0)
    /// Records in flight (submitted, not yet applied) at most: bounds the queues.
    let window: Int
    /// How long replay waits without any record applied before it gives up (the shards are stuck).
    static let stallLimit: Duration = .seconds(60)

    init(ingest: IngestPipeline<AggregatorShard>, threads count: Int) throws(Errno) {
        self.ingest = ingest
        var ls: [Lane] = []
        let runtime = ingest.runtime
        for i in 0..<max(1, min(count, runtime.sinkCount)) {
            let lane = try Lane(index: i, shards: runtime.shardCount)
            // Replay runs before the event loops take data: the lane is the only consumer of
            // the slices returned to loop `i` meanwhile.
            lane.decoder.recycledSlice = { shard in runtime.recycledSlice(shard: shard, loop: i) }
            ls.append(lane)
        }
        lanes = ls
        readerWake = try EventFD()
        window = 8 * ls.count
        for lane in ls {
            let pipeline = self
            lane.thread = try OSThread.spawn(name: "slod-replay-\(lane.index)") { pipeline.run(lane) }
        }
    }

    /// Queues one points record of `position.segment` (reader thread). Waits while `window`
    /// records are in flight.
    func submit(_ payload: UnsafeRawBufferPointer, position: WALPosition) throws(StorageService.SetupError) {
        try waitUntil { self.submitted - self.applied.load(ordering: .acquiring) < self.window }
        let item = Item(seq: submitted, payload: payload, position: position)
        // An unreadable lane fails again in the decoder, which reports it: any lane will do.
        let writerLane = (try? PointsRecordDecoder.lane(of: payload)) ?? 0
        let lane = lanes[writerLane % lanes.count]
        submitted += 1
        lane.queue.withLock { $0.append(item) }
        lane.wake.signal()
    }

    /// Waits until every submitted record has been applied (reader thread).
    func drain() throws(StorageService.SetupError) {
        try waitUntil { self.applied.load(ordering: .acquiring) == self.submitted }
    }

    /// Stops the lanes (after `drain`, or after a failure: queued records are then dropped).
    /// Reader thread; a second call does nothing.
    func stop() {
        stopping.store(true, ordering: .releasing)
        for lane in lanes { lane.wake.signal() }
        for lane in lanes {
            lane.thread?.join()
            lane.thread = nil
        }
    }

    /// Waits for `condition`, failing when no record has been applied for `stallLimit` (the
    /// shards are stuck: recovery cannot finish, and saying so beats hanging).
    private func waitUntil(_ condition: () -> Bool) throws(StorageService.SetupError) {
        var last = applied.load(ordering: .relaxed)
        var deadline = Deadline.after(Self.stallLimit)
        while !condition() {
            readerWake.wait(timeoutMilliseconds: 100)
            let now = applied.load(ordering: .relaxed)
            if now != last {
                last = now
                deadline = Deadline.after(Self.stallLimit)
            } else if deadline.hasPassed {
                throw StorageService.SetupError(description: "WAL replay made no progress for 60 s (record \(now) not applied)")
            }
        }
    }

    // MARK: - Lanes

    private func run(_ lane: Lane) {
        while true {
            if stopping.load(ordering: .acquiring) { return }   // what is still queued is dropped
            let item = lane.queue.withLock { q -> Item? in q.isEmpty ? nil : q.removeFirst() }
            guard let item else {
                lane.wake.wait(timeoutMilliseconds: 100)
                continue
            }
            replay(item, lane: lane)
        }
    }

    /// Decodes one record and commits it in its turn; a record that cannot be decoded is
    /// skipped (logged, counted) in its turn too, so the order of the others is kept.
    private func replay(_ item: Item, lane: Lane) {
        let decoded: PointsRecordDecoder.Decoded
        do throws(PointsRecordError) {
            decoded = try lane.decoder.decode(item.payload, segment: item.position.segment)
        } catch {
            guard waitForTurn(item.seq, lane: lane) else { return }
            skip(item, reason: error.description)
            advance(past: item.seq)
            return
        }
        guard waitForTurn(item.seq, lane: lane) else { return }
        let records = decoded.points
        // The shards do not signal room in their rings: while they are behind, try again every
        // 100 µs, for at most `stallLimit`.
        var behind = "", abandoned = false
        let settled = Deadline.after(Self.stallLimit).poll(every: .microseconds(100)) {
            if stopping.load(ordering: .acquiring) {
                abandoned = true   // a failed recovery: nothing more is committed
                return true
            }
            switch ingest.replay(decoded, lane: lane.index, completion: { _ in self.finished(points: records) }) {
            case .done: finished(points: records); return true
            case .pending: return true
            case .unavailable(_, let reason):
                behind = reason
                return false
            }
        }
        if abandoned { return }
        if !settled { skip(item, reason: "the aggregator shards took no data for 60 s (\(behind))") }
        advance(past: item.seq)
    }

    private func skip(_ item: Item, reason: String) {
        skippedRecords.wrappingAdd(1, ordering: .relaxed)
        skippedBytes.wrappingAdd(item.payload.count, ordering: .relaxed)
        logger.error("WAL record skipped", ["position": item.position.description, "reason": reason])
        finished(points: 0)
    }

    /// Blocks a lane until every record before `seq` has been committed. False when the
    /// pipeline is stopping instead: the record must not be committed (another lane may be
    /// abandoning its turn too, and the replay ring takes one producer at a time).
    private func waitForTurn(_ seq: Int, lane: Lane) -> Bool {
        while turn.load(ordering: .acquiring) != seq {
            if stopping.load(ordering: .acquiring) { return false }
            lane.wake.wait(timeoutMilliseconds: 100)
        }
        return true
    }

    /// Record `seq` is committed or skipped: the next record's lane may commit.
    private func advance(past seq: Int) {
        turn.store(seq + 1, ordering: .releasing)
        for lane in lanes { lane.wake.signal() }
    }

    /// A record was applied (on a shard thread), skipped, or had no points.
    private func finished(points n: Int) {
        points.wrappingAdd(n, ordering: .relaxed)
        applied.wrappingAdd(1, ordering: .releasing)
        readerWake.signal()
    }
}
