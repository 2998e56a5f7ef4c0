import Synchronization

/// A monotonically increasing 64-bit counter for the daemon's self-metrics.
///
/// `add` is one relaxed atomic add: no lock, no allocation, safe from any thread. Reads are
/// relaxed too, so a scrape sees each counter at some recent value, not a consistent cut across
/// counters. The value wraps at `UInt64.max` (it will not get there).
///
/// Get instances from `MetricsRegistry.counter(_:help:labels:)` (module Exposition) once at
/// start-up and keep them; an unregistered counter works but is never rendered.
public final class Counter: Sendable {
    @usableFromInline let storage: Atomic<UInt64>

    public init() { storage = Atomic(0) }

    /// Adds `n` (default 1). One relaxed `fetch_add`.
    @inlinable @inline(__always)
    public func add(_ n: UInt64 = 1) {
        storage.wrappingAdd(n, ordering: .relaxed)
    }

    /// The current value (relaxed load).
    @inlinable
    public var value: UInt64 { storage.load(ordering: .relaxed) }
}
