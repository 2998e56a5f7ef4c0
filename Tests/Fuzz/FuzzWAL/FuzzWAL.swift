import Aggregation
import CFuzz
import Storage

/// libFuzzer target for the storage formats. Each input is read as a WAL segment: the reader
/// must stop (end, torn tail or corruption) without trapping, every record it returns must lie
/// inside the input, and the records it accepted, framed again, must read back identical and
/// end cleanly. The same input is decoded as a checkpoint: when it is accepted, encoding what
/// was decoded must give the input back byte for byte. The input, and every record the reader
/// returned, is decoded as a points record: the decoder must refuse or decode it without
/// trapping, and the slices of what it decoded must apply to real shards.
@main
struct FuzzWAL {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let rc = cfuzz_run(&argc, &argv) { data, size in
            let input = UnsafeRawBufferPointer(start: data, count: size)
            var reader = WALSegmentReader(input)
            var records: [(UInt8, [UInt8])] = []
            var steps = 0
            loop: while true {
                steps += 1
                precondition(steps <= size + 2, "reader does not advance")
                switch reader.next() {
                case .record(let type, let range, let offset):
                    precondition(offset >= WALFormat.segmentHeaderBytes && range.upperBound <= size && range.lowerBound == offset + WALFormat.recordHeaderBytes,
                                 "record outside the input")
                    records.append((type, Array(input[range])))
                case .end, .tornTail, .corrupt:
                    break loop
                }
            }
            let reframed = records.reduce(WALFormat.segmentHeader) { $0 + WALFormat.frame(type: $1.0, payload: $1.1) }
            reframed.withUnsafeBytes { raw in
                var again = WALSegmentReader(raw)
                for r in records {
                    guard case .record(let type, let range, _) = again.next() else { preconditionFailure("reframed record lost") }
                    precondition(type == r.0 && Array(raw[range]) == r.1, "reframed record differs")
                }
                precondition(again.next() == .end(offset: raw.count), "reframed segment does not end cleanly")
            }
            FuzzWAL.decodePoints(input)
            for r in records { r.1.withUnsafeBytes { FuzzWAL.decodePoints($0) } }
            let bytes = Array(input)
            if case .success(let (position, sections)) = Checkpoint.decode(bytes, knownKinds: [1, 2, 3, 4]) {
                precondition(Checkpoint.encode(covers: position, sections: sections) == bytes, "checkpoint re-encoding differs")
            }
            return 0
        }
        exit(rc)
    }

    /// A points record decoded on two segments in a row (the second starts the dictionaries
    /// over); what decodes is applied to shards, which trap on a malformed slice.
    static func decodePoints(_ payload: UnsafeRawBufferPointer) {
        let decoder = PointsRecordDecoder(shards: 2)
        for segment in 1...2 {
            guard let decoded = try? decoder.decode(payload, segment: segment) else { continue }
            precondition(decoded.points == decoded.slices.reduce(0) { $0 + ($1?.pointCount ?? 0) }, "points miscounted")
            for (i, slice) in decoded.slices.enumerated() { if let slice { _ = shards[i].apply(slice, now: 1) } }
        }
    }

    nonisolated(unsafe) static let shards = [AggregatorShard(), AggregatorShard()]
}

#if canImport(Glibc)
import Glibc
#endif
