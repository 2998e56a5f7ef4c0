import Foundation
import Primitives
import Storage
import Testing

/// WAL framing: round trips, a torn tail at every byte offset of the last record, bit flips
/// anywhere (reported as corruption, never as a torn tail that would drop good records), and
/// unwritten (zero) space after a crash.
@Suite struct WALFormatTests {
    static func segment(_ records: [(UInt8, [UInt8])]) -> [UInt8] {
        records.reduce(WALFormat.segmentHeader) { $0 + WALFormat.frame(type: $1.0, payload: $1.1) }
    }

    /// Every event until the first non-record one.
    static func read(_ bytes: [UInt8]) -> (records: [(UInt8, [UInt8])], last: WALReadEvent) {
        bytes.withUnsafeBytes { raw in
            var r = WALSegmentReader(raw)
            var out: [(UInt8, [UInt8])] = []
            while true {
                let e = r.next()
                guard case .record(let type, let range, _) = e else { return (out, e) }
                out.append((type, Array(raw[range])))
            }
        }
    }

    static let records: [(UInt8, [UInt8])] = [(1, Array("first".utf8)), (2, []), (1, [UInt8](repeating: 0xAB, count: 300)), (7, Array("last one".utf8))]

    @Test func recordsRoundTrip() {
        let bytes = Self.segment(Self.records)
        let (got, last) = Self.read(bytes)
        #expect(got.map(\.0) == Self.records.map(\.0) && got.map(\.1) == Self.records.map(\.1))
        #expect(last == .end(offset: bytes.count))
        #expect(Self.read(WALFormat.segmentHeader).last == .end(offset: 8))
    }

    /// A crash during the last append leaves any prefix of it: the reader keeps the records
    /// before it and reports the torn tail where the last record starts.
    @Test func aTornTailAtEveryOffsetOfTheLastRecord() {
        let whole = Self.segment(Self.records)
        let lastStart = whole.count - WALFormat.recordHeaderBytes - Self.records.last!.1.count
        for cut in lastStart..<whole.count {
            let (got, last) = Self.read(Array(whole[..<cut]))
            #expect(got.count == Self.records.count - 1, "cut at \(cut)")
            #expect(last == (cut == lastStart ? .end(offset: cut) : .tornTail(offset: lastStart)), "cut at \(cut): \(last)")
        }
        // A header cut short is torn too, at every length.
        for cut in 0..<WALFormat.segmentHeaderBytes {
            #expect(Self.read(Array(whole[..<cut])).last == .tornTail(offset: 0), "header cut at \(cut)")
        }
    }

    /// Space the file system allocated but never wrote reads as zeros: torn, not corrupt.
    @Test func zerosAfterTheLastRecordAreATornTail() {
        let whole = Self.segment(Self.records)
        let (got, last) = Self.read(whole + [UInt8](repeating: 0, count: 100))
        #expect(got.count == Self.records.count && last == .tornTail(offset: whole.count))
        // The last record's payload never written (zeros of the right length).
        var unwritten = whole
        let payload = Self.records.last!.1.count
        for i in (unwritten.count - payload)..<unwritten.count { unwritten[i] = 0 }
        let lastStart = whole.count - WALFormat.recordHeaderBytes - payload
        #expect(Self.read(unwritten).last == .tornTail(offset: lastStart))
    }

    /// Flipping any bit of any record (header or payload) is corruption at that record: never
    /// a torn tail, never a record with other bytes.
    @Test func everyBitFlipIsCaughtAsCorruption() {
        let whole = Self.segment(Self.records)
        var offsets: [Int] = []
        var at = WALFormat.segmentHeaderBytes
        for r in Self.records {
            offsets.append(at)
            at += WALFormat.recordHeaderBytes + r.1.count
        }
        for byte in WALFormat.segmentHeaderBytes..<whole.count {
            for bit in 0..<8 {
                var damaged = whole
                damaged[byte] ^= UInt8(1 << bit)
                let (got, last) = Self.read(damaged)
                let victim = offsets.lastIndex { $0 <= byte }!
                #expect(got.count == victim, "byte \(byte) bit \(bit): \(got.count) records")
                guard case .corrupt(let offset, _) = last else {
                    Issue.record("byte \(byte) bit \(bit): \(last)")
                    continue
                }
                #expect(offset == offsets[victim])
            }
        }
    }

    /// Segments written by an independent implementation of the documented layout (Python's
    /// zlib, the fuzz seeds in Tests/Fuzz/corpus/wal) read as intended.
    @Test func segmentsFromAnIndependentWriterRead() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/wal")
        func load(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: dir.appendingPathComponent(name))) }
        let two = Self.read(try load("two-records.bin"))
        #expect(two.records.map(\.0) == [1, 2] && two.records[0].1 == Array(#"{"resourceMetrics":[]}"#.utf8) && two.records[1].1.isEmpty)
        #expect(Self.read(try load("torn.bin")) .last == .tornTail(offset: 8))
        let zeros = Self.read(try load("zeros.bin"))
        #expect(zeros.records.count == 1 && zeros.last == .tornTail(offset: 8 + 13 + 40))
        #expect(Self.read(try load("empty-segment.bin")).last == .end(offset: 8))
    }

    @Test func aForeignOrNewerFileIsNotReadAsALog() {
        #expect(Self.read(Array("PK\u{3}\u{4}zipzipzip".utf8)).last == .corrupt(offset: 0, reason: "not a WAL segment (magic SWAL missing)"))
        var newer = Self.segment([])
        newer[4] = 3
        #expect(Self.read(newer).last == .corrupt(offset: 4, reason: "unsupported WAL version 3"))
    }

    /// Random bytes after a valid prefix never trap and never yield a record that was not
    /// written (the CRCs hold), whatever they are.
    @Test func randomGarbageNeverTrapsOrFakesARecord() {
        var random = SplitMix64(seed: 7)
        let prefix = Self.segment(Self.records)
        for _ in 0..<2_000 {
            let garbage = (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let (got, _) = Self.read(prefix + garbage)
            #expect(got.count >= Self.records.count && got.count <= Self.records.count + 1)
        }
    }
}
