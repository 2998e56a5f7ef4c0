#if canImport(Glibc)
import Glibc
#endif

/// A value protected by a `pthread_mutex_t`, with a condition variable so that threads can
/// block until the value reaches a state, bounded by a `Deadline`. Every `withLock` wakes the
/// waiters, which re-check their condition under the lock: a wait ends as soon as the change
/// that satisfies it is made, not at the next poll. pthread primitives, so ThreadSanitizer
/// sees the hand-off (see `PThreadLocked`).
public final class ConditionLocked<Value>: @unchecked Sendable {
    private var value: Value
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let changed: UnsafeMutablePointer<pthread_cond_t>

    public init(_ value: Value) {
        self.value = value
        mutex = PThreadMutex.make()
        changed = .allocate(capacity: 1)
        changed.initialize(to: pthread_cond_t())
        // Timed waits measure on the monotonic clock, like `Deadline` (a wall-clock step must
        // not stretch or cut a wait).
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(changed, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(changed)
        changed.deinitialize(count: 1)
        changed.deallocate()
        PThreadMutex.free(mutex)
    }

    /// Runs `body` with exclusive access to the value, then wakes every waiter.
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(mutex)
        }
        return try body(&value)
    }

    /// Blocks until `condition` holds (checked under the lock at once and after every change;
    /// it may update the value, e.g. to take what it waited for) or `deadline` passes. Returns
    /// whether it held.
    public func wait(until deadline: Deadline, _ condition: (inout Value) -> Bool) -> Bool {
        var at = timespec(tv_sec: Int(deadline.nanos / 1_000_000_000), tv_nsec: Int(deadline.nanos % 1_000_000_000))
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if condition(&value) {
                // The condition may have changed the value: others may be waiting for that.
                pthread_cond_broadcast(changed)
                return true
            }
            if deadline.hasPassed { return false }
            // Spurious wake-ups and changes that do not satisfy the condition loop back.
            _ = pthread_cond_timedwait(changed, mutex, &at)
        }
    }
}
