import Config
import Foundation
import Storage
import Testing
@testable import Daemon

/// The storage directory's housekeeping, without a running daemon: the lock, and what a
/// checkpoint lets go (the two newest checkpoints stay, with the WAL after the older of them).
@Suite struct StorageServiceTests {
    static func tempDir() -> String {
        let p = NSTemporaryDirectory() + "slod-storage-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    @Test func pruneKeepsTwoCheckpointsAndTheWALAfterTheOlder() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let storage = try StorageService(config: .default, path: dir)
        for s in 1...6 { FileManager.default.createFile(atPath: dir + "/wal/" + WALDirectory.segmentName(s), contents: Data(WALFormat.segmentHeader)) }
        FileManager.default.createFile(atPath: dir + "/wal/00000002.corrupt", contents: Data([1]))
        for covers in [1, 3, 5] {
            try Checkpoint.write(dir, covers: WALPosition(segment: covers, offset: 8), sections: [.init(kind: 4, body: Array("x".utf8))])
        }
        storage.prune()
        let checkpoints = try Checkpoint.list(dir).map(\.covers.segment)
        #expect(checkpoints == [5, 3])
        // Segments up to the older kept checkpoint's are covered twice over: gone. A segment set
        // aside as damaged is never deleted.
        #expect(try WALDirectory.segments(in: dir + "/wal") == [4, 5, 6])
        #expect(FileManager.default.fileExists(atPath: dir + "/wal/00000002.corrupt"))
        storage.wal.stop()
    }

    @Test func aSecondServiceOnTheDirectoryIsRefused() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try StorageService(config: .default, path: dir)
        #expect(throws: StorageService.SetupError.self) { _ = try StorageService(config: .default, path: dir) }
        do {
            _ = try StorageService(config: .default, path: dir)
        } catch {
            #expect(error.description.contains("in use by another slod (pid \(getpid()))"), "\(error)")
        }
        _ = first
    }

    @Test func aNewWriterNeverReusesTheNumberOfASegmentSetAside() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/00000007.corrupt", contents: Data([1]))
        let w = try WALWriter(directory: dir)
        #expect(w.segment == 8)
        w.close()
    }
}
