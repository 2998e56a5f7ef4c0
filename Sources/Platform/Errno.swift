import CShims
#if canImport(Glibc)
import Glibc
#endif

/// A POSIX error number, thrown by every Platform wrapper whose system call failed.
///
/// `EINTR` never escapes (calls are retried); `EAGAIN`/`EWOULDBLOCK` are returned as values by the
/// non-blocking I/O wrappers, never thrown.
public struct Errno: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's current `errno`.
    @inlinable public static var current: Errno { Errno(rawValue: cshim_errno()) }

    public static let again = Errno(rawValue: EAGAIN)
    public static let interrupted = Errno(rawValue: EINTR)
    public static let badFileDescriptor = Errno(rawValue: EBADF)
    public static let connectionReset = Errno(rawValue: ECONNRESET)
    public static let brokenPipe = Errno(rawValue: EPIPE)
    public static let addressInUse = Errno(rawValue: EADDRINUSE)
    public static let tooManyFiles = Errno(rawValue: EMFILE)
    public static let noSuchFile = Errno(rawValue: ENOENT)
    public static let exists = Errno(rawValue: EEXIST)
    public static let wouldBlock = Errno(rawValue: EWOULDBLOCK)
    public static let fileTooLarge = Errno(rawValue: EFBIG)

    public var description: String {
        guard let s = strerror(rawValue) else { return "errno \(rawValue)" }
        return "\(String(cString: s)) (errno \(rawValue))"
    }
}

/// Runs a system call, retrying on `EINTR`; throws `Errno` when it returns -1.
@inlinable @discardableResult
public func retryingEINTR<T: FixedWidthInteger>(_ call: () -> T) throws(Errno) -> T {
    while true {
        let r = call()
        if r == -1 {
            let e = Errno.current
            if e.rawValue == EINTR { continue }
            throw e
        }
        return r
    }
}
