import Foundation
import Storage
import Testing

/// The WAL writer on a real directory: records read back in order across segment rollovers,
/// every writer starts a new segment, positions advance, the directory is created.
@Suite struct WALWriterTests {
    final class Dir {
        let path: String
        init() {
            path = NSTemporaryDirectory() + "slod-wal-\(UUID().uuidString)"
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Every record of every segment, in order, and the last event of each segment.
    static func readAll(_ dir: String) throws -> (records: [(UInt8, [UInt8])], ends: [WALReadEvent]) {
        var records: [(UInt8, [UInt8])] = []
        var ends: [WALReadEvent] = []
        for index in try WALDirectory.segments(in: dir) {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + WALDirectory.segmentName(index))))
            bytes.withUnsafeBytes { raw in
                var r = WALSegmentReader(raw)
                while true {
                    let e = r.next()
                    guard case .record(let type, let range, _) = e else { ends.append(e); return }
                    records.append((type, Array(raw[range])))
                }
            }
        }
        return (records, ends)
    }

    @Test func recordsReadBackAcrossRollovers() throws {
        let dir = Dir()
        let w = try WALWriter(directory: dir.path + "/nested/wal", segmentBytes: 200)
        var written: [(UInt8, [UInt8])] = []
        var last = w.position
        for i in 0..<40 {
            let payload = [UInt8](repeating: UInt8(i), count: i * 7 % 90)
            let p = payload.withUnsafeBytes { try? w.append(type: UInt8(1 + i % 3), payload: $0) }
            #expect(p != nil && p! > last)
            last = p ?? last
            written.append((UInt8(1 + i % 3), payload))
        }
        // A record bigger than a segment gets one of its own.
        let big = [UInt8](repeating: 9, count: 500)
        _ = try big.withUnsafeBytes { try w.append(type: 5, payload: $0) }
        written.append((5, big))
        try w.sync()
        w.close()
        let segments = try WALDirectory.segments(in: dir.path + "/nested/wal")
        #expect(segments.count > 5 && segments == Array(1...segments.count))
        let (records, ends) = try Self.readAll(dir.path + "/nested/wal")
        #expect(records.map(\.0) == written.map(\.0) && records.map(\.1) == written.map(\.1))
        #expect(ends.allSatisfy { if case .end = $0 { return true } else { return false } }, "\(ends)")
    }

    @Test func aNewWriterStartsANewSegment() throws {
        let dir = Dir()
        let a = try WALWriter(directory: dir.path)
        _ = try Array("one".utf8).withUnsafeBytes { try a.append(type: 1, payload: $0) }
        a.close()
        let b = try WALWriter(directory: dir.path)
        #expect(b.position == WALPosition(segment: 2, offset: WALFormat.segmentHeaderBytes))
        _ = try Array("two".utf8).withUnsafeBytes { try b.append(type: 1, payload: $0) }
        b.close()
        #expect(try WALDirectory.segments(in: dir.path) == [1, 2])
        #expect(try Self.readAll(dir.path).records.map(\.1) == [Array("one".utf8), Array("two".utf8)])
        // Files that are not segments are ignored.
        FileManager.default.createFile(atPath: dir.path + "/checkpoint.tmp", contents: Data([1]))
        #expect(try WALDirectory.segments(in: dir.path) == [1, 2])
    }

    /// A writer whose records depend on their segment asks first where a record goes: the
    /// rollover happens there, and the append that follows stays in that segment even when the
    /// record (re-encoded for it) came out larger than announced.
    @Test func prepareAppendRollsOverFirstAndTheAppendStaysInItsSegment() throws {
        let dir = Dir()
        let w = try WALWriter(directory: dir.path, segmentBytes: 64)
        #expect(try w.prepareAppend(recordBytes: 20) == 1)
        _ = try [UInt8](repeating: 1, count: 30).withUnsafeBytes { try w.appendInCurrentSegment(type: 2, payload: $0) }
        // 8 + 43 bytes used: a 20-byte record would pass 64, so it goes to segment 2.
        #expect(try w.prepareAppend(recordBytes: 20) == 2)
        // Larger than announced, larger than a segment: still segment 2.
        _ = try [UInt8](repeating: 2, count: 100).withUnsafeBytes { try w.appendInCurrentSegment(type: 2, payload: $0) }
        #expect(w.segment == 2)
        w.close()
        let records = try Self.readAll(dir.path).records
        #expect(records.map(\.1.count) == [30, 100])
        #expect(try WALDirectory.segments(in: dir.path) == [1, 2])
    }

    @Test func startSegmentCutsTheLogAtASegmentBoundary() throws {
        let dir = Dir()
        let w = try WALWriter(directory: dir.path)
        _ = try Array("a".utf8).withUnsafeBytes { try w.append(type: 1, payload: $0) }
        let end = try w.startSegment()
        #expect(end == WALPosition(segment: 1, offset: WALFormat.segmentHeaderBytes + WALFormat.recordHeaderBytes + 1))
        #expect(w.position == WALPosition(segment: 2, offset: WALFormat.segmentHeaderBytes))
        _ = try Array("b".utf8).withUnsafeBytes { try w.append(type: 1, payload: $0) }
        w.close()
        // Replay after the cut sees only what came after it.
        var seen: [[UInt8]] = []
        let outcome = try WALReplay.replay(dir.path, after: end) { _, payload, _ in seen.append(Array(payload)) }
        #expect(seen == [Array("b".utf8)] && outcome.records == 1 && outcome.corruption == nil)
        // A duplicate descriptor can be synced independently.
        let w2 = try WALWriter(directory: dir.path)
        let fd = try #require(w2.duplicateDescriptor())
        #expect(fdatasync(fd) == 0)
        close(fd)
        w2.close()
    }

    @Test func errorsNameTheFile() {
        do {
            _ = try WALWriter(directory: "/proc/slod-cannot-create-this")
            Issue.record("created a WAL under /proc")
        } catch {
            #expect(error.description.contains("/proc/slod-cannot-create-this"), "\(error)")
        }
    }
}
