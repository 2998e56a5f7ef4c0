/// Large input buffers kept by an event loop between requests.
///
/// A connection that receives a big body (an OTLP export of several MB) grows its input buffer
/// to the body's size and, once the request is answered, gives it up so that thousands of idle
/// connections do not each hold megabytes. Freeing and reallocating such a buffer per request
/// costs an `munmap`, an `mmap` and a page fault per 4 KiB on every request; instead the loop
/// keeps the buffers here (bounded by `maxBytes`) and hands one to the next connection that
/// needs a large buffer. Buffers idle for `idleNanos` are freed by the loop's sweep.
///
/// Owned by one event loop; not thread-safe.
struct LargeBufferPool {
    struct Entry {
        var base: UnsafeMutableRawPointer
        var capacity: Int
        var since: UInt64
    }

    /// Buffers smaller than this stay with their connection (or are freed by it).
    static let threshold = 1 << 20
    let maxBytes: Int
    let idleNanos: UInt64
    private(set) var entries: [Entry] = []
    private(set) var bytes = 0

    init(maxBytes: Int = 32 << 20, idleNanos: UInt64 = 10_000_000_000) {
        self.maxBytes = maxBytes
        self.idleNanos = idleNanos
    }

    /// The smallest pooled buffer of at least `n` bytes, removed from the pool.
    mutating func take(atLeast n: Int) -> (base: UnsafeMutableRawPointer, capacity: Int)? {
        var best = -1
        for i in entries.indices where entries[i].capacity >= n {
            if best < 0 || entries[i].capacity < entries[best].capacity { best = i }
        }
        guard best >= 0 else { return nil }
        let e = entries.remove(at: best)
        bytes -= e.capacity
        return (e.base, e.capacity)
    }

    /// Keeps a buffer (allocated with alignment 16), or frees it when the pool is full.
    mutating func put(_ base: UnsafeMutableRawPointer, capacity: Int, now: UInt64) {
        if bytes + capacity > maxBytes {
            base.deallocate()
            return
        }
        entries.append(Entry(base: base, capacity: capacity, since: now))
        bytes += capacity
    }

    /// Frees buffers unused for `idleNanos`.
    mutating func trim(now: UInt64) {
        entries.removeAll { e in
            guard now &- e.since >= idleNanos else { return false }
            e.base.deallocate()
            bytes -= e.capacity
            return true
        }
    }

    mutating func freeAll() {
        for e in entries { e.base.deallocate() }
        entries.removeAll()
        bytes = 0
    }
}
