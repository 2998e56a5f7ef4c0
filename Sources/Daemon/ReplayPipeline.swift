import OTLP
import Platform
import Primitives
import Storage
import Synchronization

/// WAL replay on several threads: records are decoded in parallel, one lane per receiver loop
/// (each lane uses that loop's decoders and sink), and committed strictly in log order —
/// record `i` is committed only after record `i - 1` — through one ring per shard
/// (`ShardRuntime.replayRing`, a FIFO), so the shards apply the points in exactly the order the
/// log holds them, as a single-threaded replay would (out-of-order and cumulative→delta
/// outcomes do not depend on the lane count).
///
/// Decoding (inflate + protobuf/JSON) is nearly all of a replay's work; a lane waits only for
/// the previous record's commit (a few pushes), not for its apply.
///
/// The reader (the thread calling `submit`) owns the segment bytes the items point into; it
/// calls `drain` before those bytes go away (`WALReplay`'s `segmentDone`).
final class ReplayPipeline: @unchecked Sendable {
    /// One record to decode: pointers into the segment being replayed (valid until `drain`).
    struct Item: @unchecked Sendable {
        var seq: Int
        var view: IngestRecord.View
        var bytes: Int
        var position: WALPosition
    }

    final class Lane: @unchecked Sendable {
        let loop: Int
        let queue = PThreadLocked<[Item]>([])
        let wake: EventFD
        var thread: OSThread?
        init(loop: Int) throws(Errno) {
            self.loop = loop
            wake = try EventFD()
        }
    }

    let receiver: OTLPReceiver
    let lanes: [Lane]
    let logger = Logger.shared
    /// Sequence number of the next record to commit: every record before it has been committed
    /// (or skipped). The lane whose record this is is the replay ring's only producer.
    let turn = Atomic<Int>(0)
    /// Records applied by the shards (or skipped, or without points).
    let applied = Atomic<Int>(0)
    /// Records submitted so far (reader thread only).
    private(set) var submitted = 0
    let readerWake: EventFD
    let stopping = Atomic<Bool>(false)
    let skippedRecords = Atomic<Int>(0)
    let skippedBytes = Atomic<Int>(0)
    /// Records in flight (submitted, not yet applied) at most: bounds the queues.
    let window: Int

    init(receiver: OTLPReceiver, lanes count: Int) throws(Errno) {
        self.receiver = receiver
        var ls: [Lane] = []
        for i in 0..<max(1, min(count, receiver.loops)) { ls.append(try Lane(loop: i)) }
        lanes = ls
        readerWake = try EventFD()
        window = 4 * ls.count
        for lane in ls {
            let pipeline = self
            lane.thread = try OSThread.spawn(name: "slod-replay-\(lane.loop)") { pipeline.run(lane) }
        }
    }

    /// Queues one record (reader thread). Waits while `window` records are in flight.
    func submit(_ view: IngestRecord.View, bytes: Int, position: WALPosition) throws(StorageService.SetupError) {
        try waitUntil { self.submitted - self.applied.load(ordering: .acquiring) < self.window }
        let item = Item(seq: submitted, view: view, bytes: bytes, position: position)
        let lane = lanes[submitted % lanes.count]
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

    /// Waits for `condition`, failing when no record has been applied for 60 s (the shards are
    /// stuck: recovery cannot finish, and saying so beats hanging).
    private func waitUntil(_ condition: () -> Bool) throws(StorageService.SetupError) {
        var last = applied.load(ordering: .relaxed)
        var since = Clock.monotonicNanos()
        while !condition() {
            readerWake.wait(timeoutMilliseconds: 100)
            let now = applied.load(ordering: .relaxed)
            if now != last {
                last = now
                since = Clock.monotonicNanos()
            } else if Clock.monotonicNanos() &- since > 60_000_000_000 {
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

    private func replay(_ item: Item, lane: Lane) {
        let v = item.view
        let seq = item.seq
        let problem = receiver.replay(
            body: v.body, encoding: v.encoding.requestEncoding, coding: v.contentEncoding.coding,
            tenant: ByteView(base: v.tenant.baseAddress, count: v.tenant.count), receivedNanos: v.receivedNanos, loop: lane.loop,
            beforeCommit: { self.waitForTurn(seq, lane: lane) },
            completion: { _ in self.finished() })
        if let problem {
            guard waitForTurn(seq, lane: lane) else { return }
            skippedRecords.wrappingAdd(1, ordering: .relaxed)
            skippedBytes.wrappingAdd(item.bytes, ordering: .relaxed)
            logger.error("WAL record skipped", ["position": item.position.description, "reason": problem])
            finished()
        }
        advance(past: seq)
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
        lanes[(seq + 1) % lanes.count].wake.signal()
    }

    /// A record was applied (on a shard thread), skipped, or had no points.
    private func finished() {
        applied.wrappingAdd(1, ordering: .releasing)
        readerWake.signal()
    }
}
