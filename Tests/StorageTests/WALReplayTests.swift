import Primitives
import Foundation
@testable import Storage
import Testing

/// Replaying a WAL directory: everything after a checkpoint's position, in order; a torn tail
/// only at the end of the newest segment; damage anywhere else reported with its position.
@Suite struct WALReplayTests {
    static func write(_ dir: String, _ payloads: [String], segmentBytes: Int = 120) throws -> [WALPosition] {
        let w = try WALWriter(directory: dir, segmentBytes: segmentBytes)
        defer { w.close() }
        var positions: [WALPosition] = []
        for p in payloads {
            positions.append(try Array(p.utf8).withUnsafeBytes { try w.append(type: 1, payload: $0) })
        }
        try w.sync()
        return positions
    }

    static func replay(_ dir: String, after: WALPosition? = nil) throws -> ([String], WALReplayOutcome) {
        var got: [String] = []
        let outcome = try WALReplay.replay(dir, after: after) { _, payload, _ in got.append(String(decoding: payload, as: UTF8.self)) }
        return (got, outcome)
    }

    static let payloads = (0..<30).map { "request number \($0) with some body bytes" }

    @Test func everythingAfterTheCheckpointPositionInOrder() throws {
        let dir = WALWriterTests.Dir()
        let positions = try Self.write(dir.path, Self.payloads)
        #expect(Set(positions.map(\.segment)).count > 5)
        let (all, o) = try Self.replay(dir.path)
        #expect(all == Self.payloads && o.records == 30 && o.end == positions.last && o.tornTail == nil && o.corruption == nil)
        for k in [0, 7, 29] {
            let (rest, r) = try Self.replay(dir.path, after: positions[k])
            #expect(rest == Array(Self.payloads[(k + 1)...]), "after record \(k)")
            #expect(r.records == 29 - k)
        }
    }

    @Test func aTornTailInTheNewestSegmentIsReportedAndTheRestReplays() throws {
        let dir = WALWriterTests.Dir()
        let positions = try Self.write(dir.path, Self.payloads)
        let last = positions.last!
        let path = dir.path + "/" + WALDirectory.segmentName(last.segment)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(last.offset - 5))
        try handle.close()
        let (got, o) = try Self.replay(dir.path)
        #expect(got == Array(Self.payloads.dropLast()))
        // The last record starts where the one before it ended, or after its segment's header.
        let lastStart = positions[28].segment == last.segment ? positions[28].offset : WALFormat.segmentHeaderBytes
        #expect(o.tornTail == WALPosition(segment: last.segment, offset: lastStart))
        #expect(o.corruption == nil)
    }

    /// The same cut in an older segment is corruption: later segments exist, so it was no crash.
    @Test func damageBeforeTheNewestSegmentIsCorruption() throws {
        let dir = WALWriterTests.Dir()
        let positions = try Self.write(dir.path, Self.payloads)
        let victim = positions[3]
        let path = dir.path + "/" + WALDirectory.segmentName(victim.segment)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[victim.offset - 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let (got, o) = try Self.replay(dir.path)
        #expect(got == Array(Self.payloads[..<3]))
        #expect(o.corruption?.position.segment == victim.segment && o.corruption?.reason == "record payload checksum mismatch", "\(String(describing: o.corruption))")
        // Cut short instead of flipped: still corruption, since newer segments follow.
        try Data(bytes[..<(victim.offset - 2)]).write(to: URL(fileURLWithPath: path))
        let (_, cut) = try Self.replay(dir.path)
        #expect(cut.tornTail == nil && cut.corruption?.reason == "record cut short in a segment that is not the newest")
    }
}

/// Reading segment after segment into one reused buffer.
@Suite struct StorageReadTests {
    @Test func readsWholeFilesIntoAReusedBufferAndStopsAtTheLimit() throws {
        let dir = WALWriterTests.Dir()
        try FileManager.default.createDirectory(atPath: dir.path, withIntermediateDirectories: true)
        let big = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }, small = Array("small".utf8)
        try Data(big).write(to: URL(fileURLWithPath: dir.path + "/big"))
        try Data(small).write(to: URL(fileURLWithPath: dir.path + "/small"))
        let buffer = ByteBuffer(capacity: 16)
        try StorageIO.read(dir.path + "/big", into: buffer, limit: 100_000)
        #expect(Array(UnsafeRawBufferPointer(buffer.readable)) == big)
        try StorageIO.read(dir.path + "/small", into: buffer, limit: 100_000)
        #expect(Array(UnsafeRawBufferPointer(buffer.readable)) == small)
        #expect(throws: StorageError.self) { try StorageIO.read(dir.path + "/big", into: buffer, limit: 99_999) }
        #expect(throws: StorageError.self) { try StorageIO.read(dir.path + "/missing", into: buffer, limit: 10) }
        // fstat knows no size for procfs files: read on until the end.
        try StorageIO.read("/proc/self/maps", into: buffer, limit: 1 << 24)
        #expect(buffer.readableBytes > 100)
    }
}

extension WALReplayTests {
    /// A segment of a newer version throws before handing over any of its records (after the
    /// older segments' records); `segmentDone` ran for each segment read before it.
    @Test func aSegmentOfANewerVersionThrows() throws {
        let dir = WALWriterTests.Dir()
        let positions = try Self.write(dir.path, Self.payloads)
        let last = positions.last!.segment
        let newer = dir.path + "/" + WALDirectory.segmentName(last + 1)
        try Data(WALFormat.magic + [7, 0, 0, 0]).write(to: URL(fileURLWithPath: newer))
        var got = 0, segmentsDone = 0
        #expect(throws: WALNewerFormatError(path: newer, version: 7)) {
            _ = try WALReplay.replay(dir.path, segmentDone: { _ in segmentsDone += 1 }) { _, _, _ in got += 1 }
        }
        #expect(got == Self.payloads.count)
        #expect(segmentsDone == Set(positions.map(\.segment)).count)
    }
}
