import Exposition
import OTLP
import Platform
import Primitives
import SLOEngine
import Synchronization

/// Runs the aggregator shards on their own threads and connects them to the event loops.
///
/// Each (loop, shard) pair has a bounded `SPSCRing` of jobs: the loop is its only producer, the
/// shard its only consumer, so no lock is taken per point or per slice on the data path. The
/// ingest pipeline (`IngestPipeline`) hands a request over by pushing one `BatchSlice` per shard
/// that has points, after checking that every target ring has room (the loop is the only
/// producer, so room only grows), so a request is either handed over whole or not at all
/// (`503`, nothing applied, safe to retry). The request's `200` is sent by whichever shard
/// finishes its slice last.
///
/// Readers (`snapshot`) go through a small per-shard control queue (a mutex taken once per
/// scrape, never per point) and are answered by each shard on its own thread.
///
/// A checkpoint cut (`cutCheckpoint`) is a marker pushed behind the slices queued in every ring
/// (each ring keeps one slot for it). A shard that meets the marker in one ring takes nothing
/// more from that ring until it met it in all of its rings: it then holds exactly the slices
/// committed before the cut. There it hands over its SLO deltas and begins a copy of its state
/// (`ShardWorker.beginStateCopy`), which it fills a bounded step at a time between slices; the
/// state is encoded by whoever waits for the cut, while the shards go on applying.
///
/// Generic over the shard type: the daemon runs `AggregatorShard`s and reaches their own API
/// (reconfiguring SLOs, encoding series for a checkpoint) through `onEachShard`/`collect`;
/// the runtime's tests run doubles that only implement the `ShardWorker` contract.
public final class ShardRuntime<Worker: ShardWorker>: @unchecked Sendable {
    /// Work for a shard.
    enum Job: @unchecked Sendable {
        /// `from`: the loop whose sink wrote the slice (its buffer goes back there).
        case apply(BatchSlice, Completion, slot: Int, from: Int)
        /// Everything before this in every ring of the shard is before the checkpoint cut.
        case cut(ShardRequest<ShardCut>)
    }

    /// What a shard hands over at a checkpoint cut.
    public struct ShardCut: @unchecked Sendable {
        /// The shard's state at the cut (complete: encode it on any thread).
        public var state: any ShardStateCopy
        /// The SLO deltas collected up to the cut (since the last report).
        public var sloDeltas: [SLODelta]
        /// How long the shard stopped taking some ring's slices at the marker: waiting for the
        /// marker in its other rings, taking the report and beginning the copy.
        public var markerNanos: UInt64
        /// The longest step of filling the copy between slices.
        public var longestStepNanos: UInt64
        /// The thread CPU time of the longer of the two (the rest is time the OS ran other threads).
        public var longestStallCPUNanos: UInt64

        /// The longest time the shard stopped applying (some ring's) slices because of the cut.
        public var longestStallNanos: UInt64 { max(markerNanos, longestStepNanos) }
    }

    /// Bytes of state a shard copies for a checkpoint between two rounds of slices (a step
    /// takes well under a millisecond).
    static var stateCopyStepBytes: Int { 256 << 10 }

    /// Collects the outcomes of one request's slices; the last shard to finish completes it.
    ///
    /// Lock-free: each shard writes only its own slot, then counts down with acquire-release;
    /// the shard that brings the count to zero has seen every slot and merges them. (No mutex:
    /// besides being cheaper, ThreadSanitizer understands atomics but not Synchronization's
    /// futex-based `Mutex` on Linux.)
    final class Completion: @unchecked Sendable {
        let slots: UnsafeMutablePointer<SliceOutcome>
        let count: Int
        let remaining: Atomic<Int>
        let done: @Sendable (IngestCommit) -> Void

        init(slices: Int, done: @escaping @Sendable (IngestCommit) -> Void) {
            count = slices
            slots = .allocate(capacity: slices)
            slots.initialize(repeating: SliceOutcome(), count: slices)
            remaining = Atomic(slices)
            self.done = done
        }

        deinit {
            slots.deinitialize(count: count)
            slots.deallocate()
        }

        func finish(slot: Int, _ o: SliceOutcome) {
            slots[slot] = o
            guard remaining.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
            var m = SliceOutcome()
            for i in 0..<count { m.merge(slots[i]) }
            done(IngestCommit(rejected: m.rejected, firstRejection: m.firstRejection, rejectedByReason: m.rejectedByReason))
        }
    }

    /// A reader waiting for one part from every shard (same slot + countdown scheme): a
    /// scrape's families, or an SLO tick's deltas.
    final class ShardRequest<Part>: @unchecked Sendable {
        let parts: UnsafeMutablePointer<[Part]>
        let count: Int
        let remaining: Atomic<Int>
        let done: @Sendable ([[Part]]) -> Void

        init(shards: Int, done: @escaping @Sendable ([[Part]]) -> Void) {
            count = shards
            parts = .allocate(capacity: shards)
            parts.initialize(repeating: [], count: shards)
            remaining = Atomic(shards)
            self.done = done
        }

        deinit {
            parts.deinitialize(count: count)
            parts.deallocate()
        }

        func finish(shard: Int, _ part: [Part]) {
            parts[shard] = part
            guard remaining.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
            done(Array(UnsafeBufferPointer(start: parts, count: count)))
        }
    }

    /// Work for a shard's control queue (rare: a lock per request is fine).
    enum ControlRequest: @unchecked Sendable {
        case snapshot(ShardRequest<MetricFamily>)
        case sloReport(ShardRequest<SLODelta>)
        case perform(@Sendable (Worker) -> Void, ShardRequest<Int>)
        case collect(@Sendable (Worker) -> [UInt8], ShardRequest<UInt8>)
    }

    final class Shard: @unchecked Sendable {
        let index: Int
        let worker: Worker
        let wakeup: EventFD
        /// rings[loop]
        let rings: [SPSCRing<Job>]
        /// Per loop: applied slices on their way back to that loop's sink (shard produces, loop
        /// consumes), so slice buffers are reused instead of reallocated per request.
        let returns: [SPSCRing<BatchSlice>]
        /// Scrape and SLO tick requests. A pthread mutex (visible to TSan), taken per request.
        let control = PThreadLocked<[ControlRequest]>([])
        let running = Atomic<Bool>(true)

        init(index: Int, worker: Worker, loops: Int, ringCapacity: Int) throws(Errno) {
            self.index = index
            self.worker = worker
            wakeup = try EventFD()
            // One slot more than the slices a commit may fill: room for a cut marker.
            rings = (0..<loops).map { _ in SPSCRing<Job>(capacity: ringCapacity + 1) }
            returns = (0..<loops).map { _ in SPSCRing<BatchSlice>(capacity: ShardRuntime.recycledSlicesPerLoop) }
        }
    }

    let shards: [Shard]
    let sinks: [ShardingSink]
    /// Slices a ring takes from commits (its capacity less the cut marker's slot).
    let sliceCapacity: Int
    let sweepIntervalNanos: UInt64
    let clock: @Sendable () -> UInt64
    let threads = Mutex<[OSThread]>([])

    /// - Parameters:
    ///   - loops: event loops that will commit (one ring per loop per shard).
    ///   - workers: one `ShardWorker` per shard; each is used only by its shard's thread.
    ///   - ringCapacity: slices in flight per (loop, shard) before commits answer 503.
    public init(loops: Int, workers: [Worker], ringCapacity: Int = 64, sweepInterval: Duration = .seconds(10),
                clock: @escaping @Sendable () -> UInt64 = { Clock.monotonicNanos() }) throws(Errno) {
        precondition(!workers.isEmpty)
        sliceCapacity = SPSCRing<Job>(capacity: max(1, ringCapacity)).capacity
        var s: [Shard] = []
        for (i, w) in workers.enumerated() {
            s.append(try Shard(index: i, worker: w, loops: max(1, loops), ringCapacity: sliceCapacity))
        }
        shards = s
        sinks = (0..<max(1, loops)).map { _ in ShardingSink(shards: workers.count) }
        for (loop, sink) in sinks.enumerated() {
            let shards = s
            sink.recycledSlice = { shard in shards[shard].returns[loop].tryPop() }
        }
        sweepIntervalNanos = sweepInterval.nanoseconds
        self.clock = clock
    }

    public var shardCount: Int { shards.count }
    /// Event loops (sinks) the runtime was made for.
    public var sinkCount: Int { sinks.count }

    /// Slices kept for reuse per (shard, loop); larger ones than `maxRecycledSliceBytes` are freed.
    static var recycledSlicesPerLoop: Int { 4 }
    static var maxRecycledSliceBytes: Int { 16 << 20 }

    /// Slices queued per shard (all loops' rings together); approximate, any thread.
    public var ringOccupancy: [Int] { shards.map { $0.rings.reduce(0) { $0 + $1.count } } }

    /// Starts one thread per shard.
    public func start() throws(Errno) {
        var started: [OSThread] = []
        for shard in shards {
            let runtime = self
            started.append(try OSThread.spawn(name: "slod-shard-\(shard.index)") { runtime.run(shard) })
        }
        threads.withLock { $0 = started }
    }

    /// Stops the shard threads after they finish the jobs already queued. Call after the HTTP
    /// server has drained (no more commits).
    public func stop() {
        for s in shards {
            s.running.store(false, ordering: .releasing)
            s.wakeup.signal()
        }
        let ts = threads.withLock { t -> [OSThread] in
            let x = t
            t = []
            return x
        }
        for t in ts { t.join() }
    }

    // MARK: - Hand-over (called by `IngestPipeline`, on the committing lane's thread)

    /// The sink loop `loop` decodes into.
    public func sink(loop: Int) -> ShardingSink { sinks[loop] }

    /// The ring every replayed record goes through, whichever lane decoded it: one FIFO per
    /// shard keeps the log's order, so a replay may commit a record before the previous one was
    /// applied. Its producers (replay lanes) take turns, one commit at a time, and no event loop
    /// commits while a replay runs (the receiver is not ready).
    public static var replayRing: Int { 0 }

    /// True when every shard that `slices` has records for has room in ring `ring` (the ring's
    /// only producer is the caller, so the room stays until it pushes).
    func hasRoom(for slices: [BatchSlice?], ring: Int) -> Bool {
        for (i, s) in slices.enumerated() where s != nil && shards[i].rings[ring].count >= sliceCapacity {
            return false
        }
        return true
    }

    /// Pushes the slices into ring `ring` of their shards; `completion` runs once every shard
    /// applied its slice, on the last one's thread. `from`: the loop whose sink buffers they are
    /// (they go back there for reuse). Call only after `hasRoom` held, and `wakeShards(for:)`
    /// afterwards — outside the journal's lock: a wake-up may hand this CPU to the shard at once,
    /// and a loop preempted while holding that lock stalls the other loops' appends.
    func handOver(_ slices: [BatchSlice?], ring: Int, from loop: Int, completion: @escaping @Sendable (IngestCommit) -> Void) {
        let targets = slices.indices.filter { slices[$0] != nil }
        let c = Completion(slices: targets.count, done: completion)
        for (slot, i) in targets.enumerated() {
            let pushed = shards[i].rings[ring].tryPush(.apply(slices[i]!, c, slot: slot, from: loop))
            precondition(pushed, "ring filled up between the room check and the push (second producer?)")
        }
    }

    /// Wakes the shards `handOver` pushed `slices` to.
    func wakeShards(for slices: [BatchSlice?]) {
        for i in slices.indices where slices[i] != nil { shards[i].wakeup.signal() }
    }

    /// An emptied slice for `shard` that loop `loop`'s sink wrote before (nil: none to reuse).
    public func recycledSlice(shard: Int, loop: Int) -> BatchSlice? {
        shards[shard].returns[loop].tryPop()
    }

    /// True when no slice is queued for any shard (approximate unless no loop is committing).
    public var ringsEmpty: Bool { shards.allSatisfy { $0.rings.allSatisfy(\.isEmpty) } }

    /// Cuts a checkpoint: a marker behind the slices queued in every ring of every shard; `done`
    /// gets one `ShardCut` per shard, in shard order, on the last shard's thread.
    ///
    /// Call only while no producer can push (the WAL gate held: every commit pushes under it):
    /// the marker is then behind exactly the requests committed so far, and the caller is the
    /// rings' producer for the moment. Returns false, pushing nothing, when a ring has no room
    /// (only when earlier cuts' markers still fill the slot kept for them). Call `wakeShards`
    /// once the producers are let go again (a wake-up may hand the CPU to a shard at once, so
    /// not while they are held).
    public func cutCheckpoint(_ done: @escaping @Sendable ([ShardCut]) -> Void) -> Bool {
        for s in shards {
            for ring in s.rings where ring.count >= ring.capacity { return false }
        }
        let request = ShardRequest<ShardCut>(shards: shards.count) { parts in done(parts.map { $0[0] }) }
        for s in shards {
            for ring in s.rings {
                let pushed = ring.tryPush(.cut(request))
                precondition(pushed, "ring filled up between the room check and the push (second producer?)")
            }
        }
        return true
    }

    /// Wakes every shard thread (after `cutCheckpoint`).
    public func wakeShards() {
        for s in shards { s.wakeup.signal() }
    }

    // MARK: - Readers

    /// Asks every shard for its families; `done` runs on the last shard's thread with one part
    /// per shard (render them with `FamilyRenderer.render(parts:…)`).
    public func snapshot(_ done: @escaping @Sendable ([[MetricFamily]]) -> Void) {
        post(.snapshot(ShardRequest(shards: shards.count, done: done)))
    }

    /// Asks every shard for the SLO deltas it collected since the last request; `done` runs on
    /// the last shard's thread with one part per shard (for `SLOEngine.evaluate`).
    public func sloReports(_ done: @escaping @Sendable ([[SLODelta]]) -> Void) {
        post(.sloReport(ShardRequest(shards: shards.count, done: done)))
    }

    /// Runs `body` on every shard's own thread (between slices: the shard is not applying
    /// anything meanwhile); `done` runs once, on the last shard's thread, after all of them.
    public func onEachShard(_ body: @escaping @Sendable (Worker) -> Void, done: @escaping @Sendable () -> Void) {
        post(.perform(body, ShardRequest(shards: shards.count) { _ in done() }))
    }

    /// Runs `body` on every shard's own thread (between slices) and hands the bytes each
    /// returned to `done`, one part per shard in shard order, on the last shard's thread.
    public func collect(_ body: @escaping @Sendable (Worker) -> [UInt8], done: @escaping @Sendable ([[UInt8]]) -> Void) {
        post(.collect(body, ShardRequest(shards: shards.count, done: done)))
    }

    func post(_ request: ControlRequest) {
        for s in shards {
            s.control.withLock { $0.append(request) }
            s.wakeup.signal()
        }
    }

    // MARK: - Shard thread

    /// A shard's progress through a checkpoint cut (its thread only).
    struct CutProgress {
        var request: ShardRequest<ShardCut>
        /// Rings whose marker the shard has met (it takes nothing more from them meanwhile).
        var reached: [Bool]
        var firstReached: UInt64
        var firstReachedCPU: UInt64
        /// Set once every ring's marker was met: the SLO deltas and the copy being filled.
        var deltas: [SLODelta] = []
        var state: (any ShardStateCopy)? = nil
        var markerNanos: UInt64 = 0
        var markerCPUNanos: UInt64 = 0
        var longestStep: UInt64 = 0
        var longestStepCPU: UInt64 = 0
    }

    func run(_ shard: Shard) {
        var nextSweep = clock() &+ sweepIntervalNanos
        var cut: CutProgress? = nil
        while true {
            let running = shard.running.load(ordering: .acquiring)
            var didWork = false
            for (r, ring) in shard.rings.enumerated() where cut?.reached[r] != true {
                let n = ring.drain(upTo: 64, continuing: { job in
                    switch job {
                    case .apply(let slice, let completion, let slot, let loop):
                        let outcome = shard.worker.apply(slice, now: clock())
                        completion.finish(slot: slot, outcome)
                        // Hand the buffer back to the loop that wrote it (dropped if its return
                        // ring is full or the buffer grew unusually large).
                        if slice.buffer.capacity <= Self.maxRecycledSliceBytes {
                            _ = shard.returns[loop].tryPushOrReturn(slice)
                        }
                        return true
                    case .cut(let request):
                        // A later cut: the copy for the earlier one is completed first.
                        if cut?.state != nil { advanceCut(&cut, shard, stepBytes: .max) }
                        if cut == nil {
                            cut = CutProgress(request: request, reached: shard.rings.map { _ in false },
                                              firstReached: Clock.monotonicNanos(), firstReachedCPU: Clock.threadCPUNanos())
                        }
                        cut!.reached[r] = true
                        return false
                    }
                })
                if n > 0 { didWork = true }
            }
            if cut != nil { advanceCut(&cut, shard, stepBytes: Self.stateCopyStepBytes) }
            let requests = shard.control.withLock { q -> [ControlRequest] in
                let r = q
                q.removeAll()
                return r
            }
            for r in requests {
                switch r {
                case .snapshot(let request):
                    var families: [MetricFamily] = []
                    shard.worker.snapshot(into: &families)
                    request.finish(shard: shard.index, families)
                case .sloReport(let request):
                    request.finish(shard: shard.index, shard.worker.sloReport())
                case .perform(let body, let request):
                    body(shard.worker)
                    request.finish(shard: shard.index, [])
                case .collect(let body, let request):
                    request.finish(shard: shard.index, body(shard.worker))
                }
            }
            let now = clock()
            if now >= nextSweep {
                shard.worker.sweep(now: now)
                nextSweep = now &+ sweepIntervalNanos
            }
            if !running && !didWork && cut == nil && shard.rings.allSatisfy(\.isEmpty) { return }
            if !didWork && requests.isEmpty && cut == nil {
                shard.wakeup.wait(timeoutMilliseconds: 1000)
            }
        }
    }

    /// Once the shard met the cut marker in every ring: takes the SLO deltas and begins the
    /// state copy (the rings are held until then); afterwards fills the copy one step per call
    /// and hands the cut over when it is complete.
    func advanceCut(_ cut: inout CutProgress?, _ shard: Shard, stepBytes: Int) {
        guard var c = cut else { return }
        if c.state == nil {
            guard c.reached.allSatisfy({ $0 }) else { return }
            c.deltas = shard.worker.sloReport()
            c.state = shard.worker.beginStateCopy()
            // The rings are taken from again from here: the copy is filled between slices.
            c.reached = c.reached.map { _ in false }
            c.markerNanos = Clock.monotonicNanos() &- c.firstReached
            c.markerCPUNanos = Clock.threadCPUNanos() &- c.firstReachedCPU
        }
        let start = Clock.monotonicNanos(), startCPU = Clock.threadCPUNanos()
        let complete = shard.worker.continueStateCopy(bytes: stepBytes)
        c.longestStep = max(c.longestStep, Clock.monotonicNanos() &- start)
        c.longestStepCPU = max(c.longestStepCPU, Clock.threadCPUNanos() &- startCPU)
        if complete {
            c.request.finish(shard: shard.index, [ShardCut(state: c.state!, sloDeltas: c.deltas, markerNanos: c.markerNanos,
                                                           longestStepNanos: c.longestStep,
                                                           longestStallCPUNanos: max(c.markerCPUNanos, c.longestStepCPU))])
            cut = nil
        } else {
            cut = c
        }
    }
}
