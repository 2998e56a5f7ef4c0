import Foundation
import Storage
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct IngestRecordTests {
    @Test func roundTripsThroughAWALRecord() {
        let r = IngestRecord(receivedNanos: -5, encoding: .json, contentEncoding: .gzip, tenant: Array("team-a".utf8),
                             body: [0x1F, 0x8B, 0, 1, 2, 3])
        let framed = WALFormat.frame(type: IngestRecord.type, payload: r.encoded())
        let back = (WALFormat.segmentHeader + framed).withUnsafeBytes { raw -> IngestRecord? in
            var reader = WALSegmentReader(raw)
            guard case .record(let type, let range, _) = reader.next(), type == IngestRecord.type else { return nil }
            return try? IngestRecord.decode(UnsafeRawBufferPointer(rebasing: raw[range])).get()
        }
        #expect(back == r)
        let empty = IngestRecord(receivedNanos: 1_767_225_600_000_000_000, encoding: .protobuf, contentEncoding: .identity, body: [])
        #expect(empty.encoded().withUnsafeBytes { try? IngestRecord.decode($0).get() } == empty)
    }

    @Test(arguments: [
        ([UInt8](repeating: 0, count: 11), "shorter than its header"),
        ([UInt8](repeating: 0, count: 8) + [3, 0, 0, 0], "unknown message encoding 3"),
        ([UInt8](repeating: 0, count: 8) + [1, 3, 0, 0], "unknown content encoding 3"),
        ([UInt8](repeating: 0, count: 8) + [1, 0, 5, 0, 65], "tenant length 5 does not fit"),
    ])
    func badPayloadsAreNamed(_ bytes: [UInt8], _ expected: String) {
        let result = bytes.withUnsafeBytes { IngestRecord.decode($0) }
        guard case .failure(let e) = result else { Issue.record("accepted \(bytes)"); return }
        #expect(e.description.contains(expected), "\(e)")
    }
}

@Suite struct StorageLockTests {
    @Test func aSecondLockOnTheDirectoryIsRefusedWithTheHolder() throws {
        let dir = WALWriterTests.Dir()
        try WALDirectory.create(dir.path)
        let first = try StorageLock(directory: dir.path)
        do {
            _ = try StorageLock(directory: dir.path)
            Issue.record("a second lock was granted")
        } catch {
            #expect(error.description.contains("in use by another slod (pid \(getpid()))"), "\(error)")
            #expect(error.description.contains(dir.path))
        }
        first.release()
        let again = try StorageLock(directory: dir.path)
        again.release()
    }
}
