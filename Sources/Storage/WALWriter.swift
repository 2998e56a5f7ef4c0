import Platform

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

    /// The highest segment number used in `directory`, counting segments set aside as
    /// `NNNNNNNN.corrupt` (so a new segment never takes the name of one, and setting a later
    /// one aside never overwrites it); 0 when there is none.
    public static func highestIndex(in directory: String) throws(StorageError) -> Int {
        var highest = 0
        for name in try StorageIO.names(in: directory) {
            let digits = name.utf8.prefix(8)
            guard digits.count == 8, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  name.utf8.count == 8 || name.hasSuffix(".corrupt"), let index = Int(String(name.prefix(8))) else { continue }
            highest = max(highest, index)
        }
        return highest
    }

    /// Makes `directory` (and missing parents) with mode 0750.
    public static func create(_ directory: String) throws(StorageError) {
        let parts = directory.split(separator: "/")
        var path = directory.hasPrefix("/") ? "" : "."
        for part in parts {
            path += "/" + part
            try StorageIO.call("create directory", path) { () throws(Errno) in try FileSystem.makeDirectory(path, permissions: 0o750) }
        }
    }

    /// fsyncs the directory itself, so a created or renamed entry survives a crash.
    public static func syncDirectory(_ directory: String) throws(StorageError) {
        try StorageIO.call("fsync directory", directory) { () throws(Errno) in try FileSystem.syncDirectory(directory) }
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
        segment = try WALDirectory.highestIndex(in: directory) + 1
        try openSegment()
    }

    deinit { close() }

    /// The position after the last appended record.
    public var position: WALPosition { WALPosition(segment: segment, offset: size) }

    /// What happens to a finished segment's data when the writer moves on to the next one.
    public enum RolloverSync: Sendable {
        /// fdatasync before the next segment starts (the caller waits for it).
        case inline
        /// The descriptor is kept open in `retired` for the owner's sync thread
        /// (`takeRetired`), so an append that rolls over never waits for a whole segment's sync.
        case deferred
        /// Closed without a sync (the OS writes it back).
        case none
    }
    public var rolloverSync: RolloverSync = .inline
    /// Finished segments not yet synced (`.deferred`).
    private var retired: [Int32] = []

    /// Hands over the descriptors of finished, unsynced segments: the caller fdatasyncs and
    /// closes them (before it counts anything appended so far as durable).
    public func takeRetired() -> [Int32] {
        defer { retired.removeAll() }
        return retired
    }

    /// Bytes appended by this writer (all segments), a sequence number for "durable up to".
    public private(set) var appendedBytes: UInt64 = 0
    /// A failed write could not be cut back: the next append starts a new segment.
    private var damaged = false
    private var scratch: [UInt8] = []

    /// Appends one record (in a new segment if it would not fit the current one); returns the
    /// position after it. On failure nothing of the record stays in the log.
    @discardableResult
    public func append(type: UInt8, payload: UnsafeRawBufferPointer) throws(StorageError) -> WALPosition {
        try prepareAppend(recordBytes: WALFormat.recordHeaderBytes + payload.count)
        return try appendInCurrentSegment(type: type, payload: payload)
    }

    /// Writes a record's header (in `scratch`) and payload at the end of the current segment.
    private func writeRecord(head: [UInt8], body: UnsafeRawBufferPointer) throws(StorageError) -> WALPosition {
        do throws(StorageError) {
            try StorageIO.writeAll(fd, head, body, path: path(segment))
        } catch {
            // Leave the segment well-formed (a disk that filled up mid-record): cut the partial
            // record off, so the record that failed was never there. If even that fails, the
            // next append moves on to a new segment (replay then reads this one's tail as torn).
            do throws(Errno) { try FD.truncate(fd, to: size) } catch { damaged = true }
            throw error
        }
        let recordBytes = head.count + body.count
        size += recordBytes
        appendedBytes &+= UInt64(recordBytes)
        return position
    }

    /// Moves on to a new segment first if a record of `recordBytes` (header included) would
    /// make the current one exceed `segmentBytes`, or the last failed write could not be cut
    /// back. Returns the segment the record will go to: a writer of records that depend on
    /// their segment (points records refer to their lane's definitions in it) re-encodes for a
    /// new one and then appends with `appendInCurrentSegment`.
    @discardableResult
    public func prepareAppend(recordBytes: Int) throws(StorageError) -> Int {
        if damaged || (size + recordBytes > segmentBytes && size > WALFormat.segmentHeaderBytes) {
            try startSegment()
        }
        return segment
    }

    /// Appends one record to the current segment whatever its size (after `prepareAppend`: a
    /// record re-encoded for a new segment may come out a little larger than announced).
    /// Returns the position after it. On failure nothing of the record stays in the log.
    @discardableResult
    public func appendInCurrentSegment(type: UInt8, payload: UnsafeRawBufferPointer) throws(StorageError) -> WALPosition {
        scratch.removeAll(keepingCapacity: true)
        WALFormat.appendRecordHeader(type: type, length: payload.count, crc: WALFormat.crc32(payload), to: &scratch)
        return try writeRecord(head: scratch, body: payload)
    }

    /// Syncs the current segment and continues in a new one (a checkpoint then covers whole
    /// segments). Returns the position where the finished segment ends (after a failed start,
    /// offset 0 of the segment still to be created: everything before it).
    @discardableResult
    public func startSegment() throws(StorageError) -> WALPosition {
        let end = position
        if fd >= 0 {
            switch rolloverSync {
            case .inline:
                if !damaged { try sync() }
                FD.close(fd)
            case .deferred:
                retired.append(fd)
            case .none:
                FD.close(fd)
            }
            fd = -1
            segment += 1
            size = 0
        }
        // Until a new segment is open, appends retry opening this one (the same number: a
        // full disk must not use up segment numbers).
        damaged = true
        try openSegment()
        damaged = false
        return end
    }

    /// Makes every appended record durable.
    public func sync() throws(StorageError) {
        try StorageIO.call("fsync", path(segment)) { () throws(Errno) in try FD.syncData(fd) }
    }

    /// A duplicate of the current segment's descriptor, so another thread can fdatasync it
    /// without holding up appends (the caller closes it); nil when there is none.
    public func duplicateDescriptor() -> Int32? {
        guard fd >= 0 else { return nil }
        return try? FD.duplicate(fd)
    }

    /// The path of the current segment.
    public var currentPath: String { path(segment) }

    /// Closes the current segment and any retired ones (unsynced: call `sync` first if needed).
    public func close() {
        if fd >= 0 { FD.close(fd) }
        fd = -1
        for r in retired {
            try? FD.syncData(r)
            FD.close(r)
        }
        retired = []
    }

    func path(_ index: Int) -> String { directory + "/" + WALDirectory.segmentName(index) }

    private func openSegment() throws(StorageError) {
        let p = path(segment)
        fd = try StorageIO.call("create segment", p) { () throws(Errno) in
            try FD.open(p, [.writeOnly, .create, .exclusive, .append], permissions: 0o640)
        }
        size = 0
        do throws(StorageError) {
            try write(WALFormat.segmentHeader)
            try WALDirectory.syncDirectory(directory)
        } catch {
            // No room for even the header: remove the stub, so a later try starts clean.
            FD.close(fd)
            fd = -1
            try? FileSystem.unlink(p)
            throw error
        }
        size = WALFormat.segmentHeaderBytes
    }

    private func write(_ bytes: [UInt8]) throws(StorageError) { try StorageIO.writeAll(fd, bytes, path: path(segment)) }
}
