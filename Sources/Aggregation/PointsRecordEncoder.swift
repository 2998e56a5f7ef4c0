import OTLP
import Primitives

/// Writes one lane's points records (`PointsRecord`) from the slices a request decoded into.
///
/// The encoder owns the lane's dictionaries for the segment the records go to: a context,
/// series, resource or bounds is defined in the first record that needs it and referred to
/// afterwards. What was defined counts only once the record is in the log: the caller reports
/// a record that never got there (`recordLost`), and the next record starts the lane's
/// dictionaries over (a `forget` entry), so no record refers to a definition the log lacks.
///
/// Keys are never trusted by hash alone: a series is found by its point hash and then compared
/// (context reference and attribute bytes), a context by its prefix hash and its blob; a
/// colliding key is simply defined again.
///
/// Not thread-safe: one per event loop.
public final class PointsRecordEncoder {
    public let lane: Int
    /// The segment the dictionaries describe (-1: none yet).
    public private(set) var segment = -1
    /// The payload of the last `encode`.
    let payload = ByteBuffer(capacity: 64 << 10)
    /// Points (target_info records included) in the last `encode`.
    public private(set) var points = 0

    /// Definitions' bytes (context blobs, resource blobs, attribute encodings, bounds).
    private let arena = ByteBuffer(capacity: 1 << 20)
    private var contextIndex: [UInt64: Int32] = [:]
    private var contextBlobs: [Range<Int>] = []
    private var resourceIndex: [UInt64: Int32] = [:]
    private var resourceBlobs: [Range<Int>] = []
    private var seriesIndex = HashIndex(capacity: 1024)
    /// One defined series: its point hash, its context reference, where its attribute encoding
    /// lies in the arena, and the bounds reference of its last histogram point (0: none yet).
    /// Flat storage: the per-point lookup reads it by pointer, with no reference counting.
    struct Series {
        var hash: UInt64
        var context: Int32
        var bounds: Int32
        var attributesStart: Int
        var attributesCount: Int
    }
    private var series = FlatArray<Series>(capacity: 1024)
    /// The series right after the previous point's. A sender repeats its series in the same
    /// order request after request, and references count in the order first seen, so this is
    /// usually the next point's series: checked like any key, it spares the index probe (a
    /// cache miss per point at a few thousand series).
    private var expectedSeries: Int32 = 0
    private var boundsIndex: [UInt64: Int32] = [:]
    /// Bounds references start at 1; index 0 is a placeholder for "no bounds".
    private var boundsArrays: [Range<Int>] = [0..<0]
    private var mustForget = false

    public init(lane: Int) {
        self.lane = lane
    }

    /// The record for `slices` in segment `segment`. Definitions start over when `segment` is
    /// not the segment of the previous record, so it must be the segment the record will really
    /// go to (replay starts a lane's dictionaries over exactly there): the caller encodes against
    /// `segment` (the last record's) and encodes again if the log moved on. Valid until the next call.
    public func encode(_ slices: [BatchSlice?], receivedNanos: Int64, segment: Int) -> UnsafeRawBufferPointer {
        if segment != self.segment {
            startOver()
            mustForget = false
            self.segment = segment
        }
        payload.clear()
        points = 0
        payload.putVarint(UInt64(lane))
        payload.putLittleEndian(UInt64(bitPattern: receivedNanos))
        if mustForget {
            payload.put(PointsRecord.Kind.forget.rawValue)
            mustForget = false
        }
        var previous = (start: UInt64(0), time: UInt64(0))
        for case let slice? in slices {
            let records = UnsafeRawBufferPointer(slice.buffer.readable)
            guard let base = records.baseAddress else { continue }
            var context: Int32 = -1
            var offset = 0
            while true {
                offset = (offset &+ 7) & ~7
                if offset >= records.count { break }
                let tag = RecordTag(rawValue: base.load(fromByteOffset: offset, as: UInt8.self))!
                switch tag {
                case .context, .resource:
                    let hash = base.loadUnaligned(fromByteOffset: offset + BlobRecordLayout.hash, as: UInt64.self)
                    let length = Int(base.loadUnaligned(fromByteOffset: offset + BlobRecordLayout.blobLength, as: UInt32.self))
                    let blob = UnsafeRawBufferPointer(start: base + offset + BlobRecordLayout.blob, count: length)
                    offset += BlobRecordLayout.blob + length
                    if tag == .context {
                        context = contextReference(hash: hash, blob: blob)
                    } else {
                        let ref = resourceReference(hash: hash, blob: blob)
                        payload.put(PointsRecord.Kind.targetInfo.rawValue)
                        payload.putVarint(UInt64(ref))
                        points += 1
                    }
                case .number, .histogram, .exponential, .summary:
                    let record = base + offset
                    let length = Int(record.load(fromByteOffset: PointRecordLayout.length, as: UInt32.self))
                    offset += length
                    point(tag, record, length: length, context: context, previous: &previous)
                    points += 1
                }
            }
        }
        return UnsafeRawBufferPointer(payload.readable)
    }

    /// The last encoded record did not reach the log: its definitions do not exist there.
    public func recordLost() {
        startOver()
        mustForget = true
    }

    private func startOver() {
        arena.clear()
        contextIndex.removeAll(keepingCapacity: true)
        contextBlobs.removeAll(keepingCapacity: true)
        resourceIndex.removeAll(keepingCapacity: true)
        resourceBlobs.removeAll(keepingCapacity: true)
        seriesIndex = HashIndex(capacity: max(1024, series.count))
        series.removeAll()
        expectedSeries = 0
        boundsIndex.removeAll(keepingCapacity: true)
        boundsArrays.removeAll(keepingCapacity: true)
        boundsArrays.append(0..<0)
    }

    // MARK: Definitions

    private func arenaBytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: arena.base + range.lowerBound, count: range.count)
    }

    private func store(_ bytes: UnsafeRawBufferPointer) -> Range<Int> {
        let start = arena.writerIndex
        arena.append(bytes)
        return start..<arena.writerIndex
    }

    private func contextReference(hash: UInt64, blob: UnsafeRawBufferPointer) -> Int32 {
        if let ref = contextIndex[hash], sameBytes(arenaBytes(contextBlobs[Int(ref)]), blob) { return ref }
        let ref = Int32(contextBlobs.count)
        contextBlobs.append(store(blob))
        contextIndex[hash] = ref
        // The parts' lengths let replay hash the context exactly as the sink did.
        let c = ContextBlob(ByteView(base: blob.baseAddress, count: blob.count))
        let resourceEnd = c.resourceAttributes.end(from: blob)
        let scopeEnd = c.scopeAttributes.end(from: blob)
        payload.put(PointsRecord.Kind.context.rawValue)
        payload.putVarint(UInt64(resourceEnd))
        payload.putVarint(UInt64(scopeEnd - resourceEnd))
        payload.putVarint(UInt64(blob.count - scopeEnd))
        payload.append(blob)
        return ref
    }

    private func resourceReference(hash: UInt64, blob: UnsafeRawBufferPointer) -> Int32 {
        if let ref = resourceIndex[hash], sameBytes(arenaBytes(resourceBlobs[Int(ref)]), blob) { return ref }
        let ref = Int32(resourceBlobs.count)
        resourceBlobs.append(store(blob))
        resourceIndex[hash] = ref
        payload.put(PointsRecord.Kind.resource.rawValue)
        payload.putVarint(UInt64(blob.count))
        payload.append(blob)
        return ref
    }

    @inline(__always)
    private func seriesReference(hash: UInt64, context: Int32, attributes: UnsafeRawBufferPointer) -> Int32 {
        let entries = series.base
        let arenaBase = UnsafeRawPointer(arena.base)
        @inline(__always) func isSeries(_ ref: Int32) -> Bool {
            let e = entries[Int(ref)]
            return e.hash == hash && e.context == context
                && sameBytes(UnsafeRawBufferPointer(start: arenaBase + e.attributesStart, count: e.attributesCount), attributes)
        }
        if expectedSeries < series.count && isSeries(expectedSeries) {
            defer { expectedSeries &+= 1 }
            return expectedSeries
        }
        if let found = seriesIndex.find(hash: hash, where: isSeries) {
            expectedSeries = found &+ 1
            return found
        }
        let ref = Int32(series.count)
        let stored = store(attributes)
        series.append(Series(hash: hash, context: context, bounds: 0, attributesStart: stored.lowerBound, attributesCount: stored.count))
        // A colliding hash with other bytes: both stay findable (the index compares keys).
        seriesIndex.insert(hash: hash, value: ref)
        expectedSeries = ref &+ 1
        payload.put(PointsRecord.Kind.series.rawValue)
        payload.putVarint(UInt64(context))
        payload.putVarint(UInt64(attributes.count))
        payload.append(attributes)
        return ref
    }

    /// The bounds reference for `bounds`, checked first against the series' previous one.
    @inline(__always)
    private func boundsReference(_ bounds: UnsafeBufferPointer<Double>, series: Int32) -> Int32 {
        if bounds.isEmpty { return 0 }
        let raw = UnsafeRawBufferPointer(bounds)
        let last = self.series[Int(series)].bounds
        if last != 0 && sameBytes(arenaBytes(boundsArrays[Int(last)]), raw) { return last }
        let hash = Hash64.hash(raw, seed: 0)
        if let ref = boundsIndex[hash], sameBytes(arenaBytes(boundsArrays[Int(ref)]), raw) {
            self.series.pointer(at: Int(series)).pointee.bounds = ref
            return ref
        }
        let ref = Int32(boundsArrays.count)
        boundsArrays.append(store(raw))
        boundsIndex[hash] = ref
        self.series.pointer(at: Int(series)).pointee.bounds = ref
        payload.put(PointsRecord.Kind.bounds.rawValue)
        payload.putVarint(UInt64(bounds.count))
        for b in bounds { payload.putLittleEndian(b.bitPattern) }
        return ref
    }

    // MARK: Points

    @inline(__always)
    private func point(_ tag: RecordTag, _ record: UnsafeRawPointer, length: Int, context: Int32,
                       previous: inout (start: UInt64, time: UInt64)) {
        let hash = record.load(fromByteOffset: PointRecordLayout.hash, as: UInt64.self)
        let start = record.load(fromByteOffset: PointRecordLayout.start, as: UInt64.self)
        let time = record.load(fromByteOffset: PointRecordLayout.time, as: UInt64.self)
        let flags = record.load(fromByteOffset: PointRecordLayout.flags, as: UInt32.self)
        let n = Int(record.load(fromByteOffset: PointRecordLayout.attributeLength, as: UInt32.self))
        let attributes = UnsafeRawBufferPointer(start: record + PointRecordLayout.attributes, count: n)
        var values = RecordReader(base: record, offset: PointRecordLayout.attributes + n, end: length)
        let series = seriesReference(hash: hash, context: context, attributes: attributes)

        /// The entry's first byte and the point header (definitions it needs are written before).
        func header(_ kind: PointsRecord.Kind, _ extra: UInt8 = 0) {
            var head = kind.rawValue | extra
            if start != previous.start { head |= PointsRecord.startChanged }
            if time != previous.time { head |= PointsRecord.timeChanged }
            if flags != 0 { head |= PointsRecord.hasFlags }
            payload.put(head)
            payload.putVarint(UInt64(series))
            if start != previous.start { payload.putZigzag(Int64(bitPattern: start &- previous.start)) }
            if time != previous.time { payload.putZigzag(Int64(bitPattern: time &- previous.time)) }
            if flags != 0 { payload.putVarint(UInt64(flags)) }
            previous = (start, time)
        }

        switch tag {
        case .number:
            let number = SliceRecords.readNumber(&values)
            switch number.kind {
            case .int:
                header(.intNumber)
                payload.putZigzag(Int64(bitPattern: number.bits))
            case .double:
                header(.doubleNumber)
                payload.putLittleEndian(number.bits)
            case .none:
                header(.emptyNumber)
            }
        case .histogram:
            let h = SliceRecords.readHistogram(&values)
            let bounds = boundsReference(h.bounds, series: series)
            header(.packedHistogram, h.sum == nil ? 0 : PointsRecord.hasSum)
            payload.putVarint(h.count)
            if let sum = h.sum { payload.putLittleEndian(sum.bitPattern) }
            payload.putVarint(UInt64(bounds))
            payload.putVarint(UInt64(h.counts.count))
            let width = PointsRecord.packedWidth(h.counts)
            payload.put(UInt8(width))
            payload.putPacked(h.counts, width: width)
        case .exponential:
            let e = SliceRecords.readExponential(&values)
            header(.exponential, e.sum == nil ? 0 : PointsRecord.hasSum)
            payload.putVarint(e.count)
            if let sum = e.sum { payload.putLittleEndian(sum.bitPattern) }
            payload.putZigzag(Int64(e.scale))
            payload.putVarint(e.zeroCount)
            payload.putLittleEndian(e.zeroThreshold.bitPattern)
            payload.putZigzag(Int64(e.positiveOffset))
            payload.putVarint(UInt64(e.positive.count))
            payload.putVarints(e.positive)
            payload.putZigzag(Int64(e.negativeOffset))
            payload.putVarint(UInt64(e.negative.count))
            payload.putVarints(e.negative)
        case .summary:
            let q = SliceRecords.readSummary(&values)
            header(.summary)
            payload.putVarint(q.count)
            payload.putLittleEndian(q.sum.bitPattern)
            payload.putVarint(UInt64(q.quantiles.count))
            for v in q.quantiles {
                payload.putLittleEndian(v.quantile.bitPattern)
                payload.putLittleEndian(v.value.bitPattern)
            }
        case .context, .resource:
            preconditionFailure("not a point record")
        }
    }
}

extension ByteView {
    /// Where this view ends, as an offset into `blob` (a view into it).
    func end(from blob: UnsafeRawBufferPointer) -> Int {
        guard let b = blob.baseAddress, let s = base else { return 0 }
        return s - b + count
    }
}

@inline(__always)
func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    a.count == b.count && (a.count == 0 || bytesEqual(a.baseAddress!, b.baseAddress!, a.count))
}
