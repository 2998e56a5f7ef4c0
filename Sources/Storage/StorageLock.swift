import Platform
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a storage directory (`DIR/lock`, `flock`), so two slod processes never
/// write one WAL. The holder writes its PID into the file; a second process is refused with an
/// error naming the directory and that PID. The lock goes with the process (also on `kill -9`).
public final class StorageLock {
    public let path: String
    private var fd: Int32

    public struct Refused: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Takes the lock of `directory` (which must exist), or throws.
    public init(directory: String) throws(Refused) {
        path = directory + "/lock"
        let f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard f >= 0 else { throw Refused(description: "cannot open \(path): \(Errno.current)") }
        guard flock(f, LOCK_EX | LOCK_NB) == 0 else {
            let e = Errno.current
            var holder = [UInt8](repeating: 0, count: 32)
            let n = holder.withUnsafeMutableBytes { pread(f, $0.baseAddress, 31, 0) }
            Glibc.close(f)
            let pid = n > 0 ? String(decoding: holder[..<n], as: UTF8.self).trimmingWhitespace : "unknown"
            if e.rawValue == EWOULDBLOCK {
                throw Refused(description: "storage directory \(directory) is in use by another slod (pid \(pid)); give each slod its own --storage-path")
            }
            throw Refused(description: "cannot lock \(path): \(e)")
        }
        fd = f
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(f, 0)
        _ = pid.withUnsafeBytes { pwrite(f, $0.baseAddress, $0.count, 0) }
    }

    /// Releases the lock (also released when the process exits).
    public func release() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { release() }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\n" || c == "\t" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\n" || c == "\t" || c == "\r" { s.removeLast() }
        return String(s)
    }
}
