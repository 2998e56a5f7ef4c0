import Aggregation
import Config
import Foundation
import OTLP
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
        let storage = try StorageService(config: .default, path: dir, lanes: 2)
        for s in 1...6 { FileManager.default.createFile(atPath: dir + "/wal/" + WALDirectory.segmentName(s), contents: Data(WALFormat.segmentHeader)) }
        FileManager.default.createFile(atPath: dir + "/wal/00000002.corrupt", contents: Data([1]))
        for covers in [1, 3, 5] {
            try Checkpoint.write(dir, covers: WALPosition(segment: covers, offset: 8), sections: [.init(kind: 4, body: Array("x".utf8))])
        }
        // A checkpoint whose write never finished (a crash before its rename).
        let leftover = dir + "/" + Checkpoint.fileName(WALPosition(segment: 7, offset: 8)) + ".tmp"
        FileManager.default.createFile(atPath: leftover, contents: Data([1, 2, 3]))
        storage.prune()
        #expect(!FileManager.default.fileExists(atPath: leftover))
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
        let first = try StorageService(config: .default, path: dir, lanes: 2)
        #expect(throws: StorageService.SetupError.self) { _ = try StorageService(config: .default, path: dir, lanes: 2) }
        do {
            _ = try StorageService(config: .default, path: dir, lanes: 2)
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

    /// Recovery with a real receiver and shards (no server): `replay` through the pipeline.
    static func replay(_ dir: String) throws -> (StorageService.Recovered, StorageService) {
        let storage = try StorageService(config: .default, path: dir, lanes: 2)
        let runtime = try ShardRuntime(loops: 2, workers: [AggregatorShard()])
        try runtime.start()
        defer { runtime.stop() }
        var r = StorageService.Recovered()
        do {
            try storage.replay(after: nil, into: IngestPipeline(runtime: runtime, journal: NoJournal()), into: &r)
        } catch {
            storage.wal.stop()
            throw error
        }
        return (r, storage)
    }

    /// A segment left without a header by a crash while it was created holds no record: it is
    /// removed (a truncated empty file would read as damage at the next start, when it is no
    /// longer the newest).
    @Test func anUnfinishedSegmentIsRemovedNotLaterReportedAsDamage() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try WALDirectory.create(dir + "/wal")
        let w = try WALWriter(directory: dir + "/wal")
        let record = try PointsRecordMaker.records([ReplayPipelineTests.body(1, series: 3)])[0]
        _ = try record.withUnsafeBytes { try w.append(type: PointsRecord.type, payload: $0) }
        w.close()
        FileManager.default.createFile(atPath: dir + "/wal/00000002", contents: Data([0x53, 0x57]))   // "SW": a cut header
        do {
            let (first, s1) = try Self.replay(dir)
            // Three points and the resource's target_info.
            #expect(first.records == 1 && first.points == 3 + 1 && first.damagedSegments == 0)
            #expect(s1.metrics.tornTails.value == 1 && s1.metrics.corruptions.value == 0)
            // The new writer's segment took the number: a whole header now.
            #expect(FileManager.default.contents(atPath: dir + "/wal/00000002") == Data(WALFormat.segmentHeader))
            s1.wal.stop()
        }
        let (second, s2) = try Self.replay(dir)
        #expect(second.damagedSegments == 0 && s2.metrics.corruptions.value == 0 && s2.metrics.tornTails.value == 0)
        #expect(try WALDirectory.segments(in: dir + "/wal") == [1, 2, 3])
        s2.wal.stop()
    }

    /// A segment of a newer WAL version stops recovery with an error naming it; the segment is
    /// not set aside as damaged.
    @Test func aSegmentOfANewerFormatStopsRecovery() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try WALDirectory.create(dir + "/wal")
        FileManager.default.createFile(atPath: dir + "/wal/00000001", contents: Data(WALFormat.magic + [3, 0, 0, 0]))
        #expect(throws: StorageService.SetupError.self) { _ = try Self.replay(dir) }
        do { _ = try Self.replay(dir) } catch {
            #expect("\(error)".contains("format version 3, written by a newer slod"), "\(error)")
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/wal/00000001"))
    }

    /// A segment of the first format (request bodies) that no checkpoint covers stops recovery
    /// with an error naming the file and what to do; one the checkpoint covers is passed over.
    @Test func aSegmentOfTheFirstFormatIsRefusedUnlessCovered() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try WALDirectory.create(dir + "/wal")
        let path = dir + "/wal/00000001"
        FileManager.default.createFile(atPath: path, contents: Data(WALFormat.magic + [1, 0, 0, 0] + WALFormat.frame(type: 1, payload: [1, 2, 3])))
        do {
            _ = try Self.replay(dir)
            Issue.record("a format-1 segment was replayed")
        } catch {
            #expect("\(error)".contains("WAL segment \(path) has format version 1, written by an earlier slod"), "\(error)")
            #expect("\(error)".contains("stop it cleanly") && "\(error)".contains("move the segment aside"), "\(error)")
        }
        #expect(FileManager.default.fileExists(atPath: path))
        // Covered by a checkpoint (which always ends at a segment's end): nothing to replay.
        let outcome = try WALReplay.replay(dir + "/wal", after: WALPosition(segment: 1, offset: 24)) { _, _, _ in
            Issue.record("a covered format-1 record was handed over")
        }
        #expect(outcome.records == 0)
    }
}
