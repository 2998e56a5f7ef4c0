extension FD {
    /// Replaces the file at `path` with `bytes` atomically: write `path.tmp`, `fsync` it,
    /// `rename` over `path`, then `fsync` the directory so the rename itself is durable
    /// (DESIGN §3's `tmp → fsync → rename → fsync(dir)`). A reader (Prometheus reloading a rule
    /// file, slod reading a checkpoint) sees the old contents or the new ones, never a part.
    /// On failure the temporary file is removed and `path` is untouched.
    /// C functions: open(2), write(2), fsync(2), rename(2), unlink(2).
    public static func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws(Errno) {
        let temporary = path + ".tmp"
        let fd = try FD.open(temporary, [.writeOnly, .create, .truncate], permissions: 0o644)
        do throws(Errno) {
            // `withUnsafeBytes` rethrows untyped errors, so carry the Errno out in a Result.
            try bytes.withUnsafeBytes { raw in Result { () throws(Errno) in try FD.writeAll(fd, raw) } }.get()
            try FD.sync(fd)
        } catch {
            FD.close(fd)
            try? FileSystem.unlink(temporary)
            throw error
        }
        FD.close(fd)
        do throws(Errno) {
            try FileSystem.rename(temporary, to: path)
        } catch {
            try? FileSystem.unlink(temporary)
            throw error
        }
        let directory = path.lastIndex(of: "/").map { i in i == path.startIndex ? "/" : String(path[..<i]) } ?? "."
        try? FileSystem.syncDirectory(directory)
    }
}
