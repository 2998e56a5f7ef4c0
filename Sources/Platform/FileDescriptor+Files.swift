#if canImport(Glibc)
import Glibc
#endif

/// Regular files and directories through descriptors: open, sync, truncate, size, positioned
/// I/O, advisory locks. Every call retries `EINTR` and throws `Errno`.
extension FD {
    /// How `open` opens a file. Without `.writeOnly` or `.readWrite` the file is opened for
    /// reading; the descriptor is always close-on-exec.
    public struct OpenOptions: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let writeOnly = OpenOptions(rawValue: O_WRONLY)
        public static let readWrite = OpenOptions(rawValue: O_RDWR)
        /// Creates the file if it does not exist (with the given permissions).
        public static let create = OpenOptions(rawValue: O_CREAT)
        /// With `.create`: fails with `EEXIST` when the file exists.
        public static let exclusive = OpenOptions(rawValue: O_EXCL)
        /// Cuts an existing file to length 0.
        public static let truncate = OpenOptions(rawValue: O_TRUNC)
        /// Every write goes to the end of the file.
        public static let append = OpenOptions(rawValue: O_APPEND)
        /// Fails unless the path is a directory (opened to sync it).
        public static let directory = OpenOptions(rawValue: O_DIRECTORY)
    }

    /// `open(2)`; `permissions` apply when `.create` makes the file.
    public static func open(_ path: String, _ options: OpenOptions = [], permissions: UInt32 = 0o600) throws(Errno) -> Int32 {
        try retryingEINTR { Glibc.open(path, options.rawValue | O_CLOEXEC, mode_t(permissions)) }
    }

    /// `fsync(2)`: the file's data and metadata reach the disk.
    public static func sync(_ fd: Int32) throws(Errno) {
        try retryingEINTR { Glibc.fsync(fd) }
    }

    /// `fdatasync(2)`: the file's data (and the metadata needed to read it back) reach the disk.
    public static func syncData(_ fd: Int32) throws(Errno) {
        try retryingEINTR { Glibc.fdatasync(fd) }
    }

    /// `ftruncate(2)`: the file becomes `size` bytes long.
    public static func truncate(_ fd: Int32, to size: Int) throws(Errno) {
        try retryingEINTR { Glibc.ftruncate(fd, off_t(size)) }
    }

    /// The file's size (`fstat(2)`).
    public static func size(_ fd: Int32) throws(Errno) -> Int {
        var st = stat()
        try retryingEINTR { fstat(fd, &st) }
        return max(Int(st.st_size), 0)
    }

    /// `dup(2)`: a second descriptor for the same open file (closed separately).
    public static func duplicate(_ fd: Int32) throws(Errno) -> Int32 {
        try retryingEINTR { dup(fd) }
    }

    /// `pread(2)`: up to `buffer.count` bytes at `offset`; returns how many were read.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(Errno) -> Int {
        try retryingEINTR { pread(fd, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    /// `pwrite(2)` of all of `bytes` at `offset`.
    public static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws(Errno) {
        var done = 0
        while done < bytes.count {
            done += try retryingEINTR { pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
        }
    }

    /// Takes the exclusive advisory lock of the file (`flock(2)`, not blocking); false when
    /// another open file description holds it. It goes when the descriptor is closed.
    public static func tryLockExclusive(_ fd: Int32) throws(Errno) -> Bool {
        do throws(Errno) {
            try retryingEINTR { flock(fd, LOCK_EX | LOCK_NB) }
            return true
        } catch where error == .wouldBlock {
            return false
        }
    }
}
