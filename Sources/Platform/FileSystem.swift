#if canImport(Glibc)
import Glibc
#endif

/// Calls on paths: directory entries, rename, unlink, truncate, directory sync.
public enum FileSystem {
    /// `rename(2)`: atomically replaces `destination` (on the same file system).
    public static func rename(_ source: String, to destination: String) throws(Errno) {
        try retryingEINTR { Glibc.rename(source, destination) }
    }

    /// `unlink(2)`: removes the name (the file goes when no descriptor is left open).
    public static func unlink(_ path: String) throws(Errno) {
        try retryingEINTR { Glibc.unlink(path) }
    }

    /// `truncate(2)`: the file at `path` becomes `size` bytes long.
    public static func truncate(_ path: String, to size: Int) throws(Errno) {
        try retryingEINTR { Glibc.truncate(path, off_t(size)) }
    }

    /// `mkdir(2)`; a directory that already exists is not an error.
    public static func makeDirectory(_ path: String, permissions: UInt32) throws(Errno) {
        do throws(Errno) {
            try retryingEINTR { mkdir(path, mode_t(permissions)) }
        } catch where error == .exists {}
    }

    /// `fsync(2)` of the directory itself, so an entry created, renamed or removed in it
    /// survives a crash.
    public static func syncDirectory(_ path: String) throws(Errno) {
        let fd = try FD.open(path, .directory)
        defer { FD.close(fd) }
        try FD.sync(fd)
    }

    /// The names in `directory` (not `.` and `..`), in directory order.
    public static func names(in directory: String) throws(Errno) -> [String] {
        guard let dir = opendir(directory) else { throw Errno.current }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }
}
