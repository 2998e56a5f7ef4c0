import CShims
import Platform
import Primitives
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One epoll event loop on its own thread. It owns a listening socket (`SO_REUSEPORT`), its
/// connections, and their buffers; nothing here is touched by other threads except `submit`
/// (deferred responses) and `requestShutdown`, which go through a mutex-protected queue and an
/// eventfd.
final class EventLoop: @unchecked Sendable {
    let id: Int
    let server: HTTPServerShared
    let epoll: Epoll
    let wakeup: EventFD
    var listener: Int32
    var connections: [Connection?] = []
    /// Connections with parseable input left over after their turn (see `process`).
    var scheduled: [Connection] = []
    /// Request bytes the loop may still read or hand to handlers this turn
    /// (`requestBytesPerTurn`).
    var turnBudget = EventLoop.requestBytesPerTurn
    var openCount = 0
    var generation: UInt32 = 0
    var date = HTTPDate()
    var now: UInt64 = 0
    var nextSweep: UInt64 = 0
    var draining = false
    /// While non-zero, the listener is out of epoll until then (after accept failed, e.g. EMFILE).
    var resumeAcceptAt: UInt64 = 0
    /// Large input buffers between requests (see `LargeBufferPool`).
    var inputBuffers = LargeBufferPool()
    /// Monotonic time of the loop's last iteration, for the watchdog.
    let heartbeat = Atomic<UInt64>(0)
    var drainDeadline: UInt64 = 0

    struct Inbox {
        var responses: [(UInt64, HTTPResponse)] = []
        var shutdown = false
    }
    let inbox = Mutex(Inbox())

    static let listenerToken: UInt64 = UInt64.max
    static let wakeToken: UInt64 = UInt64.max - 1
    static let sweepIntervalNanos: UInt64 = 100_000_000
    /// Output a connection may queue before the loop stops answering its pipelined requests and
    /// flushes: bounds memory per connection and the time one connection can hold the loop.
    static let maxPendingOutput = 64 * 1024
    /// Bytes of requests the loop reads, and of bodies it hands to handlers (which decode them
    /// on the loop), per turn (the scheduled connections, then the next events); past it, the
    /// reads of requests under way wait for the next turn. Without a bound, hundreds of
    /// connections sending large bodies make one turn last as long as reading and decoding all
    /// that arrived (seconds, measured with 512 clients posting 3 MB), and a health probe waits
    /// that long. Heads of new requests are always read: they are small, and that is how probes
    /// and refusals get through. 1 MiB keeps a turn to about one large body's decode.
    static let requestBytesPerTurn = 1 << 20

    /// Whether this loop closes `listener` (false when loops share one listening socket).
    let ownsListener: Bool
    let listenerEvents: Epoll.Events

    init(id: Int, server: HTTPServerShared, listener: Int32, shared: Bool) throws(Errno) {
        self.id = id
        self.server = server
        self.listener = listener
        ownsListener = !shared
        // A listener shared by several loops wakes only one of them per connection.
        listenerEvents = shared ? [.readable, .exclusive] : .readable
        epoll = try Epoll()
        wakeup = try EventFD()
        try epoll.add(listener, events: listenerEvents, token: Self.listenerToken)
        try epoll.add(wakeup.fd, events: .readable, token: Self.wakeToken)
    }

    // MARK: - Cross-thread entry points

    /// Queues a deferred response (any thread).
    func submit(token: UInt64, response: HTTPResponse) {
        inbox.withLock { $0.responses.append((token, response)) }
        wakeup.signal()
    }

    /// Asks the loop to stop accepting and drain (any thread).
    func requestShutdown() {
        inbox.withLock { $0.shutdown = true }
        wakeup.signal()
    }

    // MARK: - The loop

    func run() {
        let capacity = 256
        let events = UnsafeMutableBufferPointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        refreshClock()
        while true {
            let n = epoll.wait(into: events, timeoutMilliseconds: scheduled.isEmpty ? 100 : 0)
            refreshClock()
            heartbeat.store(now, ordering: .relaxed)
            for i in 0..<n {
                let ev = events[i]
                let token = ev.data.u64
                if token == Self.listenerToken {
                    acceptAll()
                } else if token == Self.wakeToken {
                    wakeup.drain()
                    processInbox()
                } else {
                    handle(token: token, events: Epoll.Events(rawValue: ev.events))
                }
            }
            // The scheduled connections (behind on their bodies) come first in the new turn.
            turnBudget = Self.requestBytesPerTurn
            if !scheduled.isEmpty { runScheduled() }
            if now >= nextSweep {
                sweep()
                nextSweep = now &+ Self.sweepIntervalNanos
            }
            if draining && (openCount == 0 || now >= drainDeadline) { break }
        }
        for c in connections { if let c { close(c) } }
        inputBuffers.freeAll()
        closeListener()
    }

    @inline(__always) func refreshClock() {
        now = Clock.monotonicNanos()
        let wall = Clock.wallTimespec().seconds
        date.update(wallSecond: wall) { s in
            let t = Clock.utc(s)
            return (Int(t.tm_wday), Int(t.tm_mday), Int(t.tm_mon), Int(t.tm_year) + 1900, Int(t.tm_hour), Int(t.tm_min), Int(t.tm_sec))
        }
    }
}
