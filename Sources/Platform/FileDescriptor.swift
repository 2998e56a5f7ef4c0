import CShims
#if canImport(Glibc)
import Glibc
#endif

/// Thin, typed wrappers over file-descriptor system calls.
public enum FD {
    /// `close(2)`. Errors are ignored: after close the descriptor is gone either way (Linux
    /// semantics), and `EINTR` must not be retried.
    @inlinable public static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// `read(2)` on a non-blocking descriptor. Returns nil on `EAGAIN`, 0 at end of file.
    @inlinable public static func read(_ fd: Int32, into p: UnsafeMutableRawPointer, count: Int) throws(Errno) -> Int? {
        while true {
            let n = Glibc.read(fd, p, count)
            if n >= 0 { return n }
            let e = cshim_errno()
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return nil }
            throw Errno(rawValue: e)
        }
    }

    /// `write(2)`. Returns nil on `EAGAIN`.
    @inlinable public static func write(_ fd: Int32, _ p: UnsafeRawPointer, count: Int) throws(Errno) -> Int? {
        while true {
            let n = Glibc.write(fd, p, count)
            if n >= 0 { return n }
            let e = cshim_errno()
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return nil }
            throw Errno(rawValue: e)
        }
    }

    /// Writes all bytes to a blocking descriptor (stderr, files), retrying short writes.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(Errno) {
        var off = 0
        while off < bytes.count {
            guard let n = try write(fd, bytes.baseAddress! + off, count: bytes.count - off) else {
                // A non-blocking descriptor: wait until writable.
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&pfd, 1, 100)
                continue
            }
            off += n
        }
    }

    /// `fcntl(F_SETFL, O_NONBLOCK)`.
    public static func setNonBlocking(_ fd: Int32) throws(Errno) {
        let flags = try retryingEINTR { fcntl(fd, F_GETFL) }
        try retryingEINTR { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    /// Reads a whole (small) file, e.g. under /proc or a config file. Bounded by `limit`.
    public static func readFile(_ path: String, limit: Int = 64 << 20) throws(Errno) -> [UInt8] {
        let fd = try retryingEINTR { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            var n = 0
            while true {
                n = chunk.withUnsafeMutableBytes { b in Glibc.read(fd, b.baseAddress, b.count) }
                if n >= 0 { break }
                if cshim_errno() != EINTR { throw Errno.current }
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
            if out.count > limit { throw Errno(rawValue: EFBIG) }
        }
        return out
    }
}
