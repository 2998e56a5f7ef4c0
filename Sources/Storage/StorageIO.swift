import Platform
import Primitives
#if canImport(Glibc)
import Glibc
#endif

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
        guard let dir = opendir(directory) else { throw StorageError("list", directory, .current) }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }

    /// Reads the whole file at `path` into `buffer` (cleared first; its storage is reused, so
    /// reading file after file — WAL segments — neither allocates nor faults in fresh pages
    /// per file). More than `limit` bytes is `EFBIG`.
    static func read(_ path: String, into buffer: ByteBuffer, limit: Int) throws(StorageError) {
        buffer.clear()
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError("open", path, .current) }
        defer { FD.close(fd) }
        var st = stat()
        let size = fstat(fd, &st) == 0 ? max(Int(st.st_size), 0) : 0
        buffer.reserve(min(size, limit))
        while true {
            let room = min(buffer.writableBytes, limit + 1 - buffer.writerIndex)
            var probe: UInt8 = 0
            // Full (the size fstat gave): one more byte tells the end from a file that grew.
            let n = room > 0 ? Glibc.read(fd, buffer.base + buffer.writerIndex, room) : Glibc.read(fd, &probe, 1)
            if n < 0 {
                let e = Errno.current
                if e == .interrupted { continue }
                throw StorageError("read", path, e)
            }
            if n == 0 { return }
            if room > 0 {
                buffer.writerIndex += n
            } else {
                buffer.append(byte: probe)
            }
            if buffer.writerIndex > limit { throw StorageError("read", path, Errno(rawValue: EFBIG)) }
        }
    }

    /// Writes all of `bytes` to `fd` (a file at `path`, named in the error).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(StorageError) {
        do throws(Errno) {
            try FD.writeAll(fd, bytes)
        } catch {
            throw StorageError("write", path, error)
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(StorageError) {
        let failure: StorageError? = bytes.withUnsafeBytes { raw in
            do throws(StorageError) {
                try writeAll(fd, raw, path: path)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }
}
