#if canImport(Glibc)
import Glibc
#endif

/// A value protected by a `pthread_mutex_t`. For rare, cross-thread hand-offs (control queues)
/// that ThreadSanitizer must be able to see: TSan intercepts pthread mutexes but cannot model
/// `Synchronization.Mutex` (a futex on Linux), so code run under `--sanitize=thread` uses this.
public final class PThreadLocked<Value>: @unchecked Sendable {
    private var value: Value
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init(_ value: Value) {
        self.value = value
        mutex = PThreadMutex.make()
    }

    deinit { PThreadMutex.free(mutex) }

    /// Runs `body` with exclusive access to the value.
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

/// Heap-allocated pthread mutexes (a pthread mutex must not move once initialized).
enum PThreadMutex {
    static func make() -> UnsafeMutablePointer<pthread_mutex_t> {
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        return mutex
    }

    static func free(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }
}
