import Platform

/// Checkpoint files (`checkpoint.NNNNNNNN-OOOOOOOOOOOO`: the WAL position they cover, segment and
/// offset in decimal) and their byte layout, version 1:
///
/// | bytes | field |
/// |---|---|
/// | 4 | magic `SCKP` |
/// | 1 | version `1` |
/// | 3 | zero |
/// | 8 | covered WAL segment, little-endian |
/// | 8 | covered WAL offset (the position after the last record the state includes) |
/// | 4 | section count |
/// | … | sections: kind (1 byte), length (8, LE), CRC-32 of the body (4, LE), body |
/// | 4 | CRC-32 of every byte above |
///
/// Section kinds are only ever added; a reader rejects a kind it does not know, so a newer
/// checkpoint is never half-loaded. A checkpoint is written to a `.tmp` file, fsynced, renamed
/// into place and the directory fsynced: a crash leaves the old checkpoint or the new one, never
/// a mix. Loading picks the newest checkpoint that checks out; one that does not is reported and
/// renamed to `….corrupt` (kept for inspection, never deleted).
public enum Checkpoint {
    public static let magic: [UInt8] = Array("SCKP".utf8)
    public static let version: UInt8 = 1
    static let prefix = "checkpoint."

    /// One part of a checkpoint (shard series state, SLO states, alert states, …).
    public struct Section: Sendable, Equatable {
        public var kind: UInt8
        public var body: [UInt8]
        public init(kind: UInt8, body: [UInt8]) {
            self.kind = kind
            self.body = body
        }
    }

    public struct Loaded: Sendable, Equatable {
        public var covers: WALPosition
        public var sections: [Section]
        public var path: String
    }

    public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        /// The file checks out (its checksum matches) but is of a format version or has a
        /// section kind this slod does not know: written by a newer slod, not damaged.
        public var isNewerFormat = false
        public var description: String { "at byte \(offset): \(reason)" }
    }

    /// Why no checkpoint could be loaded at all.
    public enum LoadError: Error, Sendable, Equatable, CustomStringConvertible {
        case storage(StorageError)
        /// A checkpoint written by a newer slod: start-up stops rather than fall back to an
        /// older checkpoint (whose WAL the newer slod may have pruned) and lose state quietly.
        case newerFormat(path: String, reason: String)

        public var description: String {
            switch self {
            case .storage(let e): "cannot read checkpoints: \(e)"
            case .newerFormat(let path, let reason):
                "checkpoint \(path) was written by a newer slod (\(reason)); run that version, "
                    + "or move the file aside to start from an older checkpoint and the WAL"
            }
        }
    }

    /// The file name for a checkpoint covering `position`.
    public static func fileName(_ position: WALPosition) -> String {
        let offset = String(position.offset)
        return prefix + WALDirectory.segmentName(position.segment) + "-" + String(repeating: "0", count: max(0, 12 - offset.count)) + offset
    }

    /// The bytes of a checkpoint.
    public static func encode(covers: WALPosition, sections: [Section]) -> [UInt8] {
        var out = magic + [version, 0, 0, 0]
        LittleEndian.append(UInt64(covers.segment), width: 8, to: &out)
        LittleEndian.append(UInt64(covers.offset), width: 8, to: &out)
        LittleEndian.append(UInt64(sections.count), width: 4, to: &out)
        for s in sections {
            out.append(s.kind)
            LittleEndian.append(UInt64(s.body.count), width: 8, to: &out)
            LittleEndian.append(UInt64(s.body.withUnsafeBytes { WALFormat.crc32($0) }), width: 4, to: &out)
            out.append(contentsOf: s.body)
        }
        LittleEndian.append(UInt64(out.withUnsafeBytes { WALFormat.crc32($0) }), width: 4, to: &out)
        return out
    }

    /// Decodes checkpoint bytes; `knownKinds` are the section kinds this version reads.
    public static func decode(_ bytes: [UInt8], knownKinds: Set<UInt8>) -> Result<(WALPosition, [Section]), DecodeError> {
        func fail(_ offset: Int, _ reason: String, newer: Bool = false) -> Result<(WALPosition, [Section]), DecodeError> {
            .failure(DecodeError(offset: offset, reason: reason, isNewerFormat: newer))
        }
        guard bytes.count >= 32 else { return fail(0, "too short for a checkpoint (\(bytes.count) bytes)") }
        guard Array(bytes[0..<4]) == magic else { return fail(0, "not a checkpoint (magic SCKP missing)") }
        // The checksum first: it covers the version and the section kinds, so an unknown one in
        // a file that checks out was written that way (by a newer slod), not damaged.
        let body = bytes.count - 4
        let stored = UInt32(bytes.withUnsafeBytes { LittleEndian.load($0, at: body, width: 4) })
        guard bytes.withUnsafeBytes({ WALFormat.crc32(UnsafeRawBufferPointer(rebasing: $0[0..<body])) }) == stored else {
            return fail(body, "checksum mismatch (the file is damaged or incomplete)")
        }
        guard bytes[4] == version else { return fail(4, "unsupported checkpoint version \(bytes[4])", newer: bytes[4] > version) }
        let segment = bytes.withUnsafeBytes { LittleEndian.load($0, at: 8, width: 8) }, offset = bytes.withUnsafeBytes { LittleEndian.load($0, at: 16, width: 8) }
        guard segment <= UInt64(Int32.max), offset <= UInt64(Int64.max) else { return fail(8, "covered WAL position out of range") }
        let count = Int(UInt32(bytes.withUnsafeBytes { LittleEndian.load($0, at: 24, width: 4) }))
        var at = 28
        var sections: [Section] = []
        for _ in 0..<count {
            guard at + 13 <= body else { return fail(at, "section header past the end") }
            let kind = bytes[at]
            guard knownKinds.contains(kind) else { return fail(at, "unknown section kind \(kind)", newer: true) }
            let length = bytes.withUnsafeBytes { LittleEndian.load($0, at: at + 1, width: 8) }
            guard length <= UInt64(body - at - 13) else { return fail(at, "section length \(length) past the end") }
            let start = at + 13, end = start + Int(length)
            guard bytes.withUnsafeBytes({ WALFormat.crc32(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }) == UInt32(bytes.withUnsafeBytes { LittleEndian.load($0, at: at + 9, width: 4) }) else {
                return fail(at, "section checksum mismatch")
            }
            sections.append(Section(kind: kind, body: Array(bytes[start..<end])))
            at = end
        }
        guard at == body else { return fail(at, "\(body - at) bytes after the last section") }
        return .success((WALPosition(segment: Int(segment), offset: Int(offset)), sections))
    }

    /// Writes a checkpoint into `directory`: `.tmp`, fsync, rename, fsync(directory). Returns
    /// its path.
    @discardableResult
    public static func write(_ directory: String, covers: WALPosition, sections: [Section]) throws(StorageError) -> String {
        let bytes = encode(covers: covers, sections: sections)
        let final = directory + "/" + fileName(covers)
        let tmp = final + ".tmp"
        let fd = try StorageIO.call("create", tmp) { () throws(Errno) in
            try FD.open(tmp, [.writeOnly, .create, .truncate], permissions: 0o640)
        }
        do throws(StorageError) {
            try StorageIO.writeAll(fd, bytes, path: tmp)
            try StorageIO.call("fsync", tmp) { () throws(Errno) in try FD.sync(fd) }
        } catch {
            FD.close(fd)
            try? FileSystem.unlink(tmp)
            throw error
        }
        FD.close(fd)
        try StorageIO.call("rename", tmp) { () throws(Errno) in try FileSystem.rename(tmp, to: final) }
        try WALDirectory.syncDirectory(directory)
        return final
    }

    /// The checkpoints in `directory`, newest first (by the position they cover).
    public static func list(_ directory: String) throws(StorageError) -> [(covers: WALPosition, path: String)] {
        var out: [(WALPosition, String)] = []
        for name in try StorageIO.names(in: directory) {
            guard name.hasPrefix(prefix), !name.hasSuffix(".tmp"), !name.hasSuffix(".corrupt") else { continue }
            let parts = name.dropFirst(prefix.count).split(separator: "-")
            guard parts.count == 2, parts[0].count == 8, parts[1].count == 12,
                  let s = Int(parts[0]), let o = Int(parts[1]) else { continue }
            out.append((WALPosition(segment: s, offset: o), directory + "/" + name))
        }
        return out.sorted { $0.0 > $1.0 }
    }

    /// Checkpoint files in `directory` whose writing never finished (`….tmp`, left by a crash
    /// or a failed write before the rename): safe to delete whenever no checkpoint is being
    /// written.
    public static func unfinished(_ directory: String) throws(StorageError) -> [String] {
        try StorageIO.names(in: directory).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".tmp") }.map { directory + "/" + $0 }
    }

    /// The newest checkpoint of `directory` that checks out; damaged ones on the way are renamed
    /// to `….corrupt` and reported through `onDamaged` (path and reason). Nil when there is none.
    /// One written by a newer slod stops the search (`LoadError.newerFormat`).
    public static func loadNewest(_ directory: String, knownKinds: Set<UInt8>,
                                  onDamaged: (String, String) -> Void) throws(LoadError) -> Loaded? {
        let checkpoints: [(covers: WALPosition, path: String)]
        do throws(StorageError) { checkpoints = try list(directory) } catch { throw .storage(error) }
        for (covers, path) in checkpoints {
            let bytes: [UInt8]
            do throws(Errno) {
                bytes = try FD.readFile(path, limit: 16 << 30)
            } catch {
                throw .storage(StorageError("read", path, error))
            }
            switch decode(bytes, knownKinds: knownKinds) {
            case .success(let (position, sections)) where position == covers:
                return Loaded(covers: position, sections: sections, path: path)
            case .success:
                setAside(path, because: "its name and contents name different WAL positions", onDamaged)
            case .failure(let e) where e.isNewerFormat:
                throw .newerFormat(path: path, reason: e.reason)
            case .failure(let e):
                setAside(path, because: e.description, onDamaged)
            }
        }
        return nil
    }

    static func setAside(_ path: String, because reason: String, _ onDamaged: (String, String) -> Void) {
        onDamaged(path, reason)
        try? FileSystem.rename(path, to: path + ".corrupt")
    }
}
