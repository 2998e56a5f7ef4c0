import Platform
#if canImport(Glibc)
import Glibc
#endif

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
        public var description: String { "at byte \(offset): \(reason)" }
    }

    /// The file name for a checkpoint covering `position`.
    public static func fileName(_ position: WALPosition) -> String {
        let offset = String(position.offset)
        return prefix + WALDirectory.segmentName(position.segment) + "-" + String(repeating: "0", count: max(0, 12 - offset.count)) + offset
    }

    /// The bytes of a checkpoint.
    public static func encode(covers: WALPosition, sections: [Section]) -> [UInt8] {
        var out = magic + [version, 0, 0, 0]
        append64(UInt64(covers.segment), &out)
        append64(UInt64(covers.offset), &out)
        append32(UInt32(sections.count), &out)
        for s in sections {
            out.append(s.kind)
            append64(UInt64(s.body.count), &out)
            append32(s.body.withUnsafeBytes { WALFormat.crc32($0) }, &out)
            out.append(contentsOf: s.body)
        }
        append32(out.withUnsafeBytes { WALFormat.crc32($0) }, &out)
        return out
    }

    /// Decodes checkpoint bytes; `knownKinds` are the section kinds this version reads.
    public static func decode(_ bytes: [UInt8], knownKinds: Set<UInt8>) -> Result<(WALPosition, [Section]), DecodeError> {
        func fail(_ offset: Int, _ reason: String) -> Result<(WALPosition, [Section]), DecodeError> {
            .failure(DecodeError(offset: offset, reason: reason))
        }
        guard bytes.count >= 32 else { return fail(0, "too short for a checkpoint (\(bytes.count) bytes)") }
        guard Array(bytes[0..<4]) == magic else { return fail(0, "not a checkpoint (magic SCKP missing)") }
        guard bytes[4] == version else { return fail(4, "unsupported checkpoint version \(bytes[4])") }
        let body = bytes.count - 4
        let stored = load32(bytes, body)
        guard bytes.withUnsafeBytes({ WALFormat.crc32(UnsafeRawBufferPointer(rebasing: $0[0..<body])) }) == stored else {
            return fail(body, "checksum mismatch (the file is damaged or incomplete)")
        }
        let segment = load64(bytes, 8), offset = load64(bytes, 16)
        guard segment <= UInt64(Int32.max), offset <= UInt64(Int64.max) else { return fail(8, "covered WAL position out of range") }
        let count = Int(load32(bytes, 24))
        var at = 28
        var sections: [Section] = []
        for _ in 0..<count {
            guard at + 13 <= body else { return fail(at, "section header past the end") }
            let kind = bytes[at]
            guard knownKinds.contains(kind) else { return fail(at, "unknown section kind \(kind) (written by a newer slod?)") }
            let length = load64(bytes, at + 1)
            guard length <= UInt64(body - at - 13) else { return fail(at, "section length \(length) past the end") }
            let start = at + 13, end = start + Int(length)
            guard bytes.withUnsafeBytes({ WALFormat.crc32(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }) == load32(bytes, at + 9) else {
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
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw StorageError("create", tmp, .current) }
        let written: Errno? = bytes.withUnsafeBytes { raw in
            do throws(Errno) {
                try FD.writeAll(fd, raw)
                return nil
            } catch {
                return error
            }
        }
        if let error = written {
            close(fd)
            unlink(tmp)
            throw StorageError("write", tmp, error)
        }
        guard fsync(fd) == 0 else {
            let e = Errno.current
            close(fd)
            unlink(tmp)
            throw StorageError("fsync", tmp, e)
        }
        close(fd)
        guard rename(tmp, final) == 0 else { throw StorageError("rename", tmp, .current) }
        try WALDirectory.syncDirectory(directory)
        return final
    }

    /// The checkpoints in `directory`, newest first (by the position they cover).
    public static func list(_ directory: String) throws(StorageError) -> [(covers: WALPosition, path: String)] {
        guard let dir = opendir(directory) else { throw StorageError("list", directory, .current) }
        defer { closedir(dir) }
        var out: [(WALPosition, String)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix(prefix), !name.hasSuffix(".tmp"), !name.hasSuffix(".corrupt") else { continue }
            let parts = name.dropFirst(prefix.count).split(separator: "-")
            guard parts.count == 2, parts[0].count == 8, parts[1].count == 12,
                  let s = Int(parts[0]), let o = Int(parts[1]) else { continue }
            out.append((WALPosition(segment: s, offset: o), directory + "/" + name))
        }
        return out.sorted { $0.0 > $1.0 }
    }

    /// The newest checkpoint of `directory` that checks out; damaged ones on the way are renamed
    /// to `….corrupt` and reported through `onDamaged` (path and reason). Nil when there is none.
    public static func loadNewest(_ directory: String, knownKinds: Set<UInt8>,
                                  onDamaged: (String, String) -> Void) throws(StorageError) -> Loaded? {
        for (covers, path) in try list(directory) {
            let bytes: [UInt8]
            do throws(Errno) {
                bytes = try FD.readFile(path, limit: 16 << 30)
            } catch {
                throw StorageError("read", path, error)
            }
            switch decode(bytes, knownKinds: knownKinds) {
            case .success(let (position, sections)) where position == covers:
                return Loaded(covers: position, sections: sections, path: path)
            case .success:
                setAside(path, because: "its name and contents name different WAL positions", onDamaged)
            case .failure(let e):
                setAside(path, because: e.description, onDamaged)
            }
        }
        return nil
    }

    static func setAside(_ path: String, because reason: String, _ onDamaged: (String, String) -> Void) {
        onDamaged(path, reason)
        _ = rename(path, path + ".corrupt")
    }

    static func append64(_ v: UInt64, _ out: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8((v >> UInt64(shift)) & 0xFF)) }
    }

    static func append32(_ v: UInt32, _ out: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8((v >> UInt32(shift)) & 0xFF)) }
    }

    static func load64(_ b: [UInt8], _ i: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(b[i + k]) << UInt64(8 * k) }
        return v
    }

    static func load32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
