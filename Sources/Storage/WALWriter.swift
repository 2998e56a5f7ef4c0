import Platform
#if canImport(Glibc)
import Glibc
#endif

/// A storage failure, naming the file and the system error.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var errno: Errno

    public init(_ operation: String, _ path: String, _ errno: Errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String { "\(operation) \(path): \(errno)" }
}

/// Where a record ends in the log: segment index and the byte offset after it.
public struct WALPosition: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var segment: Int
    public var offset: Int

    public init(segment: Int, offset: Int) {
        self.segment = segment
        self.offset = offset
    }

    public static func < (a: WALPosition, b: WALPosition) -> Bool {
        (a.segment, a.offset) < (b.segment, b.offset)
    }

    public var description: String { "\(WALDirectory.segmentName(segment))@\(offset)" }
}

/// The segment files of a WAL directory.
public enum WALDirectory {
    /// `00000042` for segment 42.
    public static func segmentName(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// The segments in `directory`, by increasing index (names of exactly 8 digits; other files
    /// are not segments and are left alone).
    public static func segments(in directory: String) throws(StorageError) -> [Int] {
        var out: [Int] = []
        for name in try StorageIO.names(in: directory) {
            guard name.utf8.count == 8, name.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let index = Int(name) else { continue }
            out.append(index)
        }
        return out.sorted()
    }

    /// Makes `directory` (and missing parents) with mode 0750.
    public static func create(_ directory: String) throws(StorageError) {
        let parts = directory.split(separator: "/")
        var path = directory.hasPrefix("/") ? "" : "."
        for part in parts {
            path += "/" + part
            if mkdir(path, 0o750) != 0 && errno != EEXIST { throw StorageError("create directory", path, .current) }
        }
    }

    /// fsyncs the directory itself, so a created or renamed entry survives a crash.
    public static func syncDirectory(_ directory: String) throws(StorageError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError("open directory", directory, .current) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StorageError("fsync directory", directory, .current) }
    }
}

/// Appends records to a WAL directory (`WALFormat`): each writer starts a new segment after the
/// newest one present (a segment is never appended to after a restart, so recovery only ever
/// truncates the tail of the newest one) and rolls over to the next when a record would make
/// the current segment exceed `segmentBytes` (a record bigger than that gets a segment of its own).
///
/// Not thread-safe: one writer thread. `append` leaves the bytes in the page cache; `sync`
/// makes everything appended so far durable (fdatasync). A new segment's directory entry is
/// synced when the segment is created.
public final class WALWriter {
    public let directory: String
    public let segmentBytes: Int
    public private(set) var segment: Int
    private var fd: Int32 = -1
    private var size = 0

    public static let defaultSegmentBytes = 128 << 20

    public init(directory: String, segmentBytes: Int = WALWriter.defaultSegmentBytes) throws(StorageError) {
        precondition(segmentBytes > WALFormat.segmentHeaderBytes, "segments must hold more than their header")
        self.directory = directory
        self.segmentBytes = segmentBytes
        try WALDirectory.create(directory)
        segment = (try WALDirectory.segments(in: directory).last ?? 0) + 1
        try openSegment()
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// The position after the last appended record.
    public var position: WALPosition { WALPosition(segment: segment, offset: size) }

    /// Appends one record; returns the position after it.
    @discardableResult
    public func append(type: UInt8, payload: UnsafeRawBufferPointer) throws(StorageError) -> WALPosition {
        let header = WALFormat.recordHeader(type: type, payload: payload)
        let recordBytes = header.count + payload.count
        if size + recordBytes > segmentBytes && size > WALFormat.segmentHeaderBytes {
            try sync()
            Glibc.close(fd)
            fd = -1
            segment += 1
            try openSegment()
        }
        do throws(StorageError) {
            try write(header)
            try write(payload)
        } catch {
            // Leave the segment well-formed (a disk that filled up mid-record): cut the partial
            // record off, so the record that failed was never there.
            _ = ftruncate(fd, off_t(size))
            throw error
        }
        size += recordBytes
        return position
    }

    /// Makes every appended record durable.
    public func sync() throws(StorageError) {
        guard fdatasync(fd) == 0 else { throw StorageError("fsync", path(segment), .current) }
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    func path(_ index: Int) -> String { directory + "/" + WALDirectory.segmentName(index) }

    private func openSegment() throws(StorageError) {
        let p = path(segment)
        let f = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_APPEND, 0o640)
        guard f >= 0 else { throw StorageError("create segment", p, .current) }
        fd = f
        size = 0
        try write(WALFormat.segmentHeader)
        size = WALFormat.segmentHeaderBytes
        try WALDirectory.syncDirectory(directory)
    }

    private func write(_ bytes: [UInt8]) throws(StorageError) { try StorageIO.writeAll(fd, bytes, path: path(segment)) }

    private func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError) { try StorageIO.writeAll(fd, bytes, path: path(segment)) }
}
