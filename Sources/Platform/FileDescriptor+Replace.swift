#if canImport(Glibc)
import Glibc
#endif

extension FD {
    /// Replaces the file at `path` with `bytes` atomically: write `path.tmp`, `fsync` it,
    /// `rename` over `path`, then `fsync` the directory so the rename itself is durable
    /// (DESIGN §3's `tmp → fsync → rename → fsync(dir)`). A reader (Prometheus reloading a rule
    /// file, slod reading a checkpoint) sees the old contents or the new ones, never a part.
    /// On failure the temporary file is removed and `path` is untouched.
    /// C functions: open(2), write(2), fsync(2), rename(2), unlink(2).
    public static func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws(Errno) {
        let temporary = path + ".tmp"
        let fd = try retryingEINTR { open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        do throws(Errno) {
            // `withUnsafeBytes` rethrows untyped errors, so carry the Errno out in a Result.
            try bytes.withUnsafeBytes { raw in Result { () throws(Errno) in try FD.writeAll(fd, raw) } }.get()
            _ = try retryingEINTR { fsync(fd) }
        } catch {
            FD.close(fd)
            _ = unlink(temporary)
            throw error
        }
        FD.close(fd)
        do throws(Errno) {
            _ = try retryingEINTR { rename(temporary, path) }
        } catch {
            _ = unlink(temporary)
            throw error
        }
        let directory = path.lastIndex(of: "/").map { i in i == path.startIndex ? "/" : String(path[..<i]) } ?? "."
        if let dfd = try? retryingEINTR({ open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }) {
            _ = try? retryingEINTR { fsync(dfd) }
            FD.close(dfd)
        }
    }
}
