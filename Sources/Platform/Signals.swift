import CShims
#if canImport(Glibc)
import Glibc
#endif

/// Process-wide signal handling: termination and reload signals are blocked in every thread and
/// consumed synchronously by one thread with `sigwait(3)`; SIGPIPE is ignored (sockets use
/// `MSG_NOSIGNAL` as well).
public enum Signals {
    public static let terminate = SIGTERM
    public static let interrupt = SIGINT
    public static let hangup = SIGHUP

    /// Blocks `signals` in the calling thread; threads created afterwards inherit the mask.
    /// Call before spawning any thread. Returns the set for `wait(_:)`.
    public static func block(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        _ = signals.withUnsafeBufferPointer { cshim_sigset_block($0.baseAddress, Int32($0.count), &set) }
        return set
    }

    /// Waits for one of the signals in `set` (previously blocked) and returns its number.
    public static func wait(_ set: sigset_t) -> Int32 {
        var s = set
        var sig: Int32 = 0
        while sigwait(&s, &sig) != 0 {}
        return sig
    }

    /// Sends `signal` to this process (used to wake the signal thread on internal shutdown).
    public static func raiseInProcess(_ signal: Int32) { _ = kill(getpid(), signal) }

    /// Ignores SIGPIPE for the whole process.
    public static func ignoreSIGPIPE() { _ = cshim_ignore_sigpipe() }
    /// A write past the file size limit then fails with EFBIG (a storage error slod answers with
    /// 503) instead of killing the process.
    public static func ignoreSIGXFSZ() { _ = cshim_ignore_sigxfsz() }
}
