import CShims
#if canImport(Glibc)
import Glibc
#endif

/// A joinable OS thread running a closure (`pthread_create`). Used for event loops and other
/// long-lived work that must not run on Swift's cooperative pool.
public final class OSThread: @unchecked Sendable {
    private var handle: pthread_t = 0
    private let body: @Sendable () -> Void
    public let name: String

    private init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }

    /// Starts a thread named `name` (truncated to 15 bytes for the kernel).
    public static func spawn(name: String, _ body: @escaping @Sendable () -> Void) throws(Errno) -> OSThread {
        let t = OSThread(name: name, body: body)
        let unmanaged = Unmanaged.passRetained(t)
        var h: pthread_t = 0
        let rc = pthread_create(&h, nil, { arg in
            let t = Unmanaged<OSThread>.fromOpaque(arg!).takeRetainedValue()
            cshim_set_thread_name(t.name)
            t.body()
            return nil
        }, unmanaged.toOpaque())
        if rc != 0 {
            unmanaged.release()
            throw Errno(rawValue: rc)
        }
        t.handle = h
        return t
    }

    /// Waits for the thread to finish (`pthread_join`). Call at most once.
    public func join() { _ = pthread_join(handle, nil) }

    /// Number of CPUs this process may run on (`sched_getaffinity`).
    public static var availableCores: Int { Int(cshim_online_cpus()) }
}
