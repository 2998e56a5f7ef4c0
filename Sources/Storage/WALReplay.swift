import Platform
import Primitives

/// What a replay of a WAL directory found, besides the records it handed over.
public struct WALReplayOutcome: Sendable, Equatable {
    /// Records handed to the callback.
    public var records = 0
    /// The position after the last good record (where a writer's log logically ends).
    public var end: WALPosition
    /// An interrupted append at the end of the newest segment: everything from this position on
    /// is to be cut off.
    public var tornTail: WALPosition?
    /// Damage: the segment and offset, and what did not check out. Replay stops there; the
    /// caller sets that segment aside (never deletes it) and replays on from the next one.
    public var corruption: (position: WALPosition, reason: String)?

    public static func == (a: WALReplayOutcome, b: WALReplayOutcome) -> Bool {
        a.records == b.records && a.end == b.end && a.tornTail == b.tornTail
            && a.corruption?.position == b.corruption?.position && a.corruption?.reason == b.corruption?.reason
    }
}

/// A segment of a WAL format version this slod does not know: written by a newer slod. Replay
/// stops (start-up fails) rather than set the segment aside as damaged.
public struct WALNewerFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var version: UInt8
    public var description: String {
        "WAL segment \(path) has format version \(version), written by a newer slod; run that version or move the segment aside"
    }
}

/// A segment written by an earlier slod whose records this one cannot replay (format 1 kept
/// request bodies as received), holding data no checkpoint covers. Start-up fails rather than
/// drop acknowledged data or set the segment aside as damaged.
public struct WALOlderFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var version: UInt8
    public var description: String {
        "WAL segment \(path) has format version \(version), written by an earlier slod, and holds data no checkpoint covers; "
            + "this slod cannot replay it. Start the earlier slod on this directory once and stop it cleanly (its shutdown "
            + "checkpoint covers the segment), or move the segment aside (its points are then lost)"
    }
}

/// Reads every record of a WAL directory after a position, in log order, through `body`.
public enum WALReplay {
    /// Replays the segments of `directory` from `after` (exclusive: the position a checkpoint
    /// covers; nil: from the start). A torn tail is accepted only at the end of the newest
    /// segment; a short or damaged record anywhere else is corruption. Segments older than
    /// `after.segment` are not read. Each segment is read whole into memory (segments are
    /// bounded by the writer's segment size). A record's bytes stay valid until `segmentDone`
    /// returns, which is called with the segment's number after the last record of each segment
    /// read: a caller that hands records to other threads waits for them there. A segment of a newer format version
    /// throws `WALNewerFormatError` before any of its records is handed over, a segment of an older one
    /// `WALOlderFormatError` (unless the checkpoint at `after` covers it).
    public static func replay(_ directory: String, after: WALPosition? = nil,
                              segmentDone: (Int) throws -> Void = { _ in },
                              _ body: (UInt8, UnsafeRawBufferPointer, WALPosition) throws -> Void) throws -> WALReplayOutcome {
        let segments = try WALDirectory.segments(in: directory).filter { $0 >= (after?.segment ?? 0) }
        var outcome = WALReplayOutcome(end: after ?? WALPosition(segment: segments.first ?? 1, offset: WALFormat.segmentHeaderBytes))
        let buffer = ByteBuffer(capacity: 1 << 20)   // one buffer for every segment
        for (k, index) in segments.enumerated() {
            let path = directory + "/" + WALDirectory.segmentName(index)
            try StorageIO.read(path, into: buffer, limit: 4 << 30)   // a segment, or one record of up to 1 GiB
            let raw = UnsafeRawBufferPointer(buffer.readable)
            if raw.count >= WALFormat.segmentHeaderBytes, Array(raw[0..<4]) == WALFormat.magic, raw[4] != WALFormat.version {
                if raw[4] > WALFormat.version { throw WALNewerFormatError(path: path, version: raw[4]) }
                // A checkpoint covers whole segments: the one `after` ends is covered entirely.
                if let after, index == after.segment { continue }
                if raw[4] >= WALFormat.firstVersion { throw WALOlderFormatError(path: path, version: raw[4]) }
            }
            // segmentDone runs even when body threw: records handed on must be finished with
            // before the buffer is read into again.
            let result = Result { try records(of: raw, segment: index, newest: k == segments.count - 1, after: after,
                                              into: &outcome, body) }
            try segmentDone(index)
            if try result.get() { break }
        }
        return outcome
    }

    /// Hands the records of one segment to `body`; true when replay must stop (damage).
    static func records(of raw: UnsafeRawBufferPointer, segment index: Int, newest: Bool, after: WALPosition?,
                        into outcome: inout WALReplayOutcome,
                        _ body: (UInt8, UnsafeRawBufferPointer, WALPosition) throws -> Void) throws -> Bool {
        var reader = WALSegmentReader(raw)
        while true {
            switch reader.next() {
            case .record(let type, let range, _):
                let position = WALPosition(segment: index, offset: range.upperBound)
                if let after, position <= after { continue }
                try body(type, UnsafeRawBufferPointer(rebasing: raw[range]), position)
                outcome.records += 1
                outcome.end = position
            case .end(let offset):
                outcome.end = max(outcome.end, WALPosition(segment: index, offset: offset))
                return false
            case .tornTail(let offset):
                if newest {
                    outcome.tornTail = WALPosition(segment: index, offset: offset)
                } else {
                    outcome.corruption = (WALPosition(segment: index, offset: offset),
                                          "record cut short in a segment that is not the newest")
                }
                return true
            case .corrupt(let offset, let reason):
                outcome.corruption = (WALPosition(segment: index, offset: offset), reason)
                return true
            }
        }
    }
}
