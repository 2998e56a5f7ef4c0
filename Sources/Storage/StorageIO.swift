import Platform
import Primitives

/// Little-endian integers in the storage formats (WAL records, ingest records, checkpoints).
enum LittleEndian {
    /// Appends the low `width` bytes of `v`, least significant first.
    static func append(_ v: UInt64, width: Int, to out: inout [UInt8]) {
        for k in 0..<width { out.append(UInt8(truncatingIfNeeded: v >> UInt64(8 * k))) }
    }

    /// Overwrites `width` bytes at `i` with `v`.
    static func store(_ v: UInt64, width: Int, into out: inout [UInt8], at i: Int) {
        for k in 0..<width { out[i + k] = UInt8(truncatingIfNeeded: v >> UInt64(8 * k)) }
    }

    /// The `width`-byte integer at `i` (the caller checked the bounds).
    static func load(_ bytes: UnsafeRawBufferPointer, at i: Int, width: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<width { v |= UInt64(bytes[i + k]) << UInt64(8 * k) }
        return v
    }
}

enum StorageIO {
    /// The names in `directory` (not `.` and `..`).
    static func names(in directory: String) throws(StorageError) -> [String] {
        try call("list", directory) { () throws(Errno) in try FileSystem.names(in: directory) }
    }

    /// Runs a Platform call; its failure becomes a `StorageError` naming `operation` and `path`.
    static func call<T>(_ operation: String, _ path: String, _ body: () throws(Errno) -> T) throws(StorageError) -> T {
        do throws(Errno) {
            return try body()
        } catch {
            throw StorageError(operation, path, error)
        }
    }

    /// Reads the whole file at `path` into `buffer` (cleared first; its storage is reused, so
    /// reading file after file — WAL segments — neither allocates nor faults in fresh pages
    /// per file). More than `limit` bytes is `EFBIG`.
    static func read(_ path: String, into buffer: ByteBuffer, limit: Int) throws(StorageError) {
        buffer.clear()
        let fd = try call("open", path) { () throws(Errno) in try FD.open(path) }
        defer { FD.close(fd) }
        buffer.reserve(min((try? FD.size(fd)) ?? 0, limit))
        while true {
            let room = min(buffer.writableBytes, limit + 1 - buffer.writerIndex)
            var probe: UInt8 = 0
            // Full (the size fstat gave): one more byte tells the end from a file that grew. A
            // regular file never answers EAGAIN (nil).
            let n = try call("read", path) { () throws(Errno) in
                try (room > 0 ? FD.read(fd, into: buffer.base + buffer.writerIndex, count: room)
                              : FD.read(fd, into: &probe, count: 1)) ?? 0
            }
            if n == 0 { return }
            if room > 0 {
                buffer.writerIndex += n
            } else {
                buffer.append(byte: probe)
            }
            if buffer.writerIndex > limit { throw StorageError("read", path, .fileTooLarge) }
        }
    }

    /// Writes all of `bytes` to `fd` (a file at `path`, named in the error).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(StorageError) {
        try call("write", path) { () throws(Errno) in try FD.writeAll(fd, bytes) }
    }

    /// Writes `head` and then `body` to `fd` in one system call where the kernel allows.
    static func writeAll(_ fd: Int32, _ head: [UInt8], _ body: UnsafeRawBufferPointer, path: String) throws(StorageError) {
        let failure: StorageError? = head.withUnsafeBytes { raw in
            do throws(StorageError) {
                try call("write", path) { () throws(Errno) in try FD.writeAll(fd, raw, body) }
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(StorageError) {
        try writeAll(fd, bytes, UnsafeRawBufferPointer(start: nil, count: 0), path: path)
    }
}
