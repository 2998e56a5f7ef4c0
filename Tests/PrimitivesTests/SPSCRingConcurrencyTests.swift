import Glibc
import Synchronization
import Testing
import Primitives

/// Two real threads, one producer and one consumer, through a small ring (to force wrap and the
/// full/empty paths on every few elements) and a large one. Run under ThreadSanitizer in CI:
/// `swift test --sanitize=thread --scratch-path .build-tsan --filter SPSCRing`.
///
/// `SLOD_SPSC_STRESS_N` overrides the element count (default 2,000,000).
@Suite("SPSCRing concurrency", .serialized)
struct SPSCRingConcurrencyTests {
    static let count: Int = {
        if let s = getenv("SLOD_SPSC_STRESS_N"), let n = Int(String(cString: s)), n > 0 { return n }
        return 2_000_000
    }()
    /// Fail (rather than hang) if a run takes longer than this.
    static let timeLimitSeconds = 30.0

    enum ConsumerMode: CaseIterable { case pop, drain }

    @Test(arguments: [8, 1024], ConsumerMode.allCases)
    func consumerSeesEveryIntegerInOrder(capacity: Int, mode: ConsumerMode) {
        let n = Self.count
        let ring = SPSCRing<Int>(capacity: capacity)
        let outcome = Outcome()
        let deadline = Deadline(seconds: Self.timeLimitSeconds)

        let consumer = JoinableThread {
            var expected = 0
            var spins = 0
            while expected < n {
                var progressed = false
                switch mode {
                case .pop:
                    if let v = ring.tryPop() {
                        if v != expected && outcome.firstMismatch == nil {
                            outcome.firstMismatch = (expected, v)
                        }
                        expected += 1
                        progressed = true
                    }
                case .drain:
                    let got = ring.drain(max: 16) { v in
                        if v != expected && outcome.firstMismatch == nil {
                            outcome.firstMismatch = (expected, v)
                        }
                        expected += 1
                    }
                    progressed = got > 0
                }
                if !progressed {
                    spins += 1
                    if spins & 63 == 0 { sched_yield() }
                    if spins & 4095 == 0 && deadline.expired() { break }
                }
            }
            outcome.received = expected
        }
        let producer = JoinableThread {
            var i = 0
            var spins = 0
            while i < n {
                if ring.tryPush(i) {
                    i += 1
                } else {
                    spins += 1
                    if spins & 63 == 0 { sched_yield() }
                    if spins & 4095 == 0 && deadline.expired() { break }
                }
            }
            outcome.sent = i
        }
        producer.join()
        consumer.join()

        #expect(!deadline.expired(), "took longer than \(Self.timeLimitSeconds) s")
        #expect(outcome.sent == n)
        #expect(outcome.received == n)
        #expect(outcome.firstMismatch == nil, "expected, got: \(String(describing: outcome.firstMismatch))")
        #expect(ring.isEmpty)
        #expect(ring.tryPop() == nil)
    }

    /// Reference-counted payloads (the shape of a batch slice): each crosses threads intact and
    /// is released exactly once, on the consumer thread or with the ring.
    @Test(arguments: [2, 64])
    func heapElementsCrossThreadsAndAreReleasedOnce(capacity: Int) {
        let n = max(Self.count / 10, 1_000)
        let counter = DeinitCounter()
        let outcome = Outcome()
        let deadline = Deadline(seconds: Self.timeLimitSeconds)
        do {
            let ring = SPSCRing<Payload>(capacity: capacity)
            let consumer = JoinableThread {
                var expected = 0
                var spins = 0
                // Stop a little early so the ring still holds elements when it is destroyed.
                while expected < n - capacity {
                    if let p = ring.tryPop() {
                        if (p.tracked.id != expected || p.values.count != expected % 7
                            || p.values.last.map({ $0 != expected }) == true)
                            && outcome.firstMismatch == nil {
                            outcome.firstMismatch = (expected, p.tracked.id)
                        }
                        expected += 1
                    } else {
                        spins += 1
                        if spins & 63 == 0 { sched_yield() }
                        if spins & 4095 == 0 && deadline.expired() { break }
                    }
                }
                outcome.received = expected
            }
            let producer = JoinableThread {
                var i = 0
                var spins = 0
                var pending: Payload? = nil
                while i < n {
                    let p = pending.take() ?? Payload(
                        tracked: Tracked(i, counter),
                        values: Array(repeating: i, count: i % 7))
                    if let back = ring.tryPushOrReturn(p) {
                        pending = back
                        spins += 1
                        if spins & 63 == 0 { sched_yield() }
                        if spins & 4095 == 0 && deadline.expired() { break }
                    } else {
                        i += 1
                    }
                }
                outcome.sent = i
            }
            producer.join()
            consumer.join()
            #expect(ring.count == outcome.sent - outcome.received)
        }
        #expect(!deadline.expired(), "took longer than \(Self.timeLimitSeconds) s")
        #expect(outcome.sent == n)
        #expect(outcome.received == n - capacity)
        #expect(outcome.firstMismatch == nil, "expected, got: \(String(describing: outcome.firstMismatch))")
        #expect(counter.value == n)
    }
}

struct Payload: Sendable {
    var tracked: Tracked
    var values: [Int]
}

/// Written by the worker threads, read by the test after `join` (which orders the accesses).
final class Outcome: @unchecked Sendable {
    var sent = 0
    var received = 0
    var firstMismatch: (expected: Int, got: Int)?
}

struct Deadline: Sendable {
    let end: Double
    init(seconds: Double) { end = Deadline.now() + seconds }
    func expired() -> Bool { Deadline.now() > end }
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// A joinable pthread running a closure (the test target depends only on Primitives).
final class JoinableThread {
    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    private var handle = pthread_t()

    init(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let rc = pthread_create(&handle, nil, { raw in
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
    }

    func join() { _ = pthread_join(handle, nil) }
}
