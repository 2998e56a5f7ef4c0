import Foundation
import Storage
import Testing

/// Checkpoints: round trip, every bit flip caught, a newer kind refused, atomic replacement and
/// the newest valid one loaded with damaged ones set aside.
@Suite struct CheckpointTests {
    static let sections = [Checkpoint.Section(kind: 1, body: Array("series".utf8)), Checkpoint.Section(kind: 2, body: []),
                           Checkpoint.Section(kind: 3, body: [UInt8](repeating: 7, count: 100))]
    static let kinds: Set<UInt8> = [1, 2, 3]

    @Test func roundTrip() throws {
        let bytes = Checkpoint.encode(covers: WALPosition(segment: 12, offset: 4_096), sections: Self.sections)
        let (position, sections) = try Checkpoint.decode(bytes, knownKinds: Self.kinds).get()
        #expect(position == WALPosition(segment: 12, offset: 4_096) && sections == Self.sections)
    }

    @Test func everyBitFlipIsCaught() {
        let bytes = Checkpoint.encode(covers: WALPosition(segment: 3, offset: 99), sections: Self.sections)
        for i in bytes.indices {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[i] ^= UInt8(1 << bit)
                if case .success = Checkpoint.decode(damaged, knownKinds: Self.kinds) { Issue.record("byte \(i) bit \(bit) accepted") }
            }
        }
        for cut in 0..<bytes.count {
            if case .success = Checkpoint.decode(Array(bytes[..<cut]), knownKinds: Self.kinds) { Issue.record("cut at \(cut) accepted") }
        }
    }

    /// A checkpoint written by an independent implementation of the layout (Python, the fuzz seed).
    @Test func aCheckpointFromAnIndependentWriterDecodes() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/wal/checkpoint.bin")
        let (position, sections) = try Checkpoint.decode([UInt8](try Data(contentsOf: url)), knownKinds: Self.kinds).get()
        #expect(position == WALPosition(segment: 3, offset: 4_096))
        #expect(sections == [.init(kind: 1, body: Array("series".utf8)), .init(kind: 2, body: []), .init(kind: 3, body: [UInt8](repeating: 7, count: 20))])
    }

    @Test func aSectionOfANewerKindIsRefused() {
        let bytes = Checkpoint.encode(covers: WALPosition(segment: 1, offset: 8), sections: [.init(kind: 9, body: [1])])
        guard case .failure(let e) = Checkpoint.decode(bytes, knownKinds: Self.kinds) else { Issue.record("accepted"); return }
        #expect(e.reason.contains("unknown section kind 9") && e.isNewerFormat)
    }

    /// `bytes` with another version byte and the trailing CRC made right again.
    static func withVersion(_ v: UInt8, _ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        b[4] = v
        let crc = b.withUnsafeBytes { WALFormat.crc32(UnsafeRawBufferPointer(rebasing: $0[0..<(b.count - 4)])) }
        for k in 0..<4 { b[b.count - 4 + k] = UInt8(truncatingIfNeeded: crc >> (8 * k)) }
        return b
    }

    /// A newer version that checks out is not damage: loading stops with an error naming the
    /// file, which is neither renamed nor passed over for an older checkpoint (whose WAL a newer
    /// slod may have pruned). A flipped version byte fails the checksum: damage, set aside.
    @Test func aCheckpointOfANewerVersionStopsLoading() throws {
        let bytes = Checkpoint.encode(covers: WALPosition(segment: 1, offset: 8), sections: Self.sections)
        guard case .failure(let e) = Checkpoint.decode(Self.withVersion(2, bytes), knownKinds: Self.kinds) else { Issue.record("accepted"); return }
        #expect(e.isNewerFormat && e.reason == "unsupported checkpoint version 2")
        var flipped = bytes
        flipped[4] = 2
        guard case .failure(let d) = Checkpoint.decode(flipped, knownKinds: Self.kinds) else { Issue.record("accepted"); return }
        #expect(!d.isNewerFormat && d.reason.contains("checksum"))

        let dir = WALWriterTests.Dir()
        try WALDirectory.create(dir.path)
        let old = try Checkpoint.write(dir.path, covers: WALPosition(segment: 2, offset: 50), sections: [Self.sections[0]])
        let newer = dir.path + "/" + Checkpoint.fileName(WALPosition(segment: 5, offset: 10))
        try Data(Self.withVersion(2, Checkpoint.encode(covers: WALPosition(segment: 5, offset: 10), sections: Self.sections)))
            .write(to: URL(fileURLWithPath: newer))
        var damaged: [String] = []
        #expect(throws: Checkpoint.LoadError.newerFormat(path: newer, reason: "unsupported checkpoint version 2")) {
            _ = try Checkpoint.loadNewest(dir.path, knownKinds: Self.kinds) { path, _ in damaged.append(path) }
        }
        #expect(damaged.isEmpty && FileManager.default.fileExists(atPath: newer) && FileManager.default.fileExists(atPath: old))
        #expect("\(Checkpoint.LoadError.newerFormat(path: newer, reason: "x"))".contains("written by a newer slod"))
    }

    @Test func theNewestValidCheckpointLoadsAndDamagedOnesAreSetAside() throws {
        let dir = WALWriterTests.Dir()
        try WALDirectory.create(dir.path)
        let old = try Checkpoint.write(dir.path, covers: WALPosition(segment: 2, offset: 50), sections: [Self.sections[0]])
        let newer = try Checkpoint.write(dir.path, covers: WALPosition(segment: 5, offset: 10), sections: Self.sections)
        #expect(try Checkpoint.list(dir.path).map(\.path) == [newer, old])
        // Damage the newest: the older one loads, the newest is renamed, not deleted.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: newer)))
        bytes[bytes.count / 2] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: newer))
        var damaged: [(String, String)] = []
        let loaded = try #require(try Checkpoint.loadNewest(dir.path, knownKinds: Self.kinds) { damaged.append(($0, $1)) })
        #expect(loaded.covers == WALPosition(segment: 2, offset: 50) && loaded.sections == [Self.sections[0]] && loaded.path == old)
        #expect(damaged.map(\.0) == [newer] && damaged[0].1.contains("checksum"))
        #expect(FileManager.default.fileExists(atPath: newer + ".corrupt") && !FileManager.default.fileExists(atPath: newer))
        // A leftover .tmp (a crash before the rename) is not a checkpoint.
        FileManager.default.createFile(atPath: dir.path + "/" + Checkpoint.fileName(WALPosition(segment: 9, offset: 1)) + ".tmp", contents: Data([1, 2]))
        #expect(try Checkpoint.list(dir.path).map(\.path) == [old])
    }
}
