import Synchronization

/// A signed 64-bit gauge (connections open, queue depth, bytes buffered) for self-metrics.
///
/// `add` and `set` are single relaxed atomic operations: no lock, no allocation. Mixing `set`
/// and `add` from different threads is allowed; the result is whatever order the hardware
/// picked. For values only known at scrape time, register a collector instead.
public final class Gauge: Sendable {
    @usableFromInline let storage: Atomic<Int64>

    public init() { storage = Atomic(0) }

    /// Adds `n` (may be negative). One relaxed `fetch_add`, wrapping on overflow.
    @inlinable @inline(__always)
    public func add(_ n: Int64) {
        storage.wrappingAdd(n, ordering: .relaxed)
    }

    /// Replaces the value. One relaxed store.
    @inlinable @inline(__always)
    public func set(_ v: Int64) {
        storage.store(v, ordering: .relaxed)
    }

    /// The current value (relaxed load).
    @inlinable
    public var value: Int64 { storage.load(ordering: .relaxed) }
}
