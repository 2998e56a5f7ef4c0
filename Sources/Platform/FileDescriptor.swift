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

    /// Writes `first` and then `second` to a blocking descriptor with one `writev(2)` (a file's
    /// record header and payload: one system call instead of two), retrying short writes.
    public static func writeAll(_ fd: Int32, _ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) throws(Errno) {
        var written = 0
        while written < first.count {
            var parts = (iovec(iov_base: UnsafeMutableRawPointer(mutating: first.baseAddress! + written), iov_len: first.count - written),
                         iovec(iov_base: UnsafeMutableRawPointer(mutating: second.baseAddress), iov_len: second.count))
            let n = withUnsafeMutablePointer(to: &parts) { p in
                p.withMemoryRebound(to: iovec.self, capacity: 2) { Glibc.writev(fd, $0, 2) }
            }
            if n < 0 {
                let e = cshim_errno()
                if e == EINTR { continue }
                throw Errno(rawValue: e)
            }
            written += n
        }
        let rest = written - first.count
        if rest < second.count { try writeAll(fd, UnsafeRawBufferPointer(rebasing: second[rest...])) }
    }

    /// `fcntl(F_SETFL, O_NONBLOCK)`.
    public static func setNonBlocking(_ fd: Int32) throws(Errno) {
        let flags = try retryingEINTR { fcntl(fd, F_GETFL) }
        try retryingEINTR { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    /// Reads a whole file (config files, procfs, checkpoints) with `open(2)`/`read(2)`/`close(2)`,
    /// straight into the returned array: sized from `fstat` and read in large chunks (a file
    /// whose size `fstat` does not know, like procfs's, or that grows meanwhile is read on in
    /// growing chunks). More than `limit` bytes is `EFBIG`, or, when `truncating`, the first
    /// `limit` bytes.
    public static func readFile(_ path: String, limit: Int = 64 << 20, truncating: Bool = false) throws(Errno) -> [UInt8] {
        let fd = try open(path)
        defer { close(fd) }
        let size = (try? FD.size(fd)) ?? 0
        var out: [UInt8] = []
        // One byte past the limit (or past the expected size) tells "exactly" from "more";
        // procfs files report size 0.
        var chunk = size > 0 ? min(size, limit) + 1 : 4096
        while true {
            let want = min(chunk, limit + 1 - out.count)
            if want <= 0 { break }
            let start = out.count
            var failure: Errno? = nil
            var eof = false
            out.append(contentsOf: repeatElement(0, count: want))
            let got = out.withUnsafeMutableBytes { buf -> Int in
                var n = 0
                while n < want {
                    let r = Glibc.read(fd, buf.baseAddress! + start + n, want - n)
                    if r < 0 {
                        if cshim_errno() == EINTR { continue }
                        failure = Errno.current
                        break
                    }
                    if r == 0 { eof = true; break }
                    n += r
                }
                return n
            }
            out.removeLast(want - got)
            if let failure { throw failure }
            if eof { break }
            chunk = max(4096, out.count)
        }
        if out.count > limit {
            guard truncating else { throw Errno(rawValue: EFBIG) }
            out.removeLast(out.count - limit)
        }
        return out
    }
}
