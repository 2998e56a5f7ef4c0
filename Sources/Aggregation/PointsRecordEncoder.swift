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
/// Two ways to make a record, with the same dictionaries:
/// - **During the sink's pass** (`beginRequest`, then `context` / `targetInfo` / `point` for each
///   slice record the loop's `ShardingSink` writes, then `takeRecord`): each point is encoded
///   while its slice record is still in the L1 cache, and a series is recognised by the
///   `RawAttributeCache` entry its attributes came from — within one cache generation an entry's
///   bytes never change, so "same context, same entry, same generation" is the same series
///   without comparing the attribute bytes.
/// - **From the slices** (`encode`): a walk over the request's slices, for a record that must be
///   made for another segment than the pass assumed (a rollover or a checkpoint moved the log
///   on), and for callers without a sink.
///
/// Otherwise keys are never trusted by hash alone: a series is found by its point hash and then
/// compared (context reference and attribute bytes), a context by its prefix hash and its blob; a
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
        /// The raw-attribute-cache entry its attributes came from last (`AttributesKey`).
        var attributesKey: AttributesKey
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
    /// Start and time of the record's previous point (points store their deltas).
    private var previous = (start: UInt64(0), time: UInt64(0))
    /// The context reference of the slice records that follow (-1: none yet).
    private var currentContext: Int32 = -1
    /// A record made during a sink pass that `takeRecord` has not taken yet.
    private var passRecordPending = false
    /// The offset of the pass record's receive time (written by `takeRecord`, once known).
    private var receivedNanosOffset = 0

    public init(lane: Int) {
        self.lane = lane
    }

    /// Where a point's attribute encoding came from: a `RawAttributeCache` entry of a cache
    /// generation, or `unknown` (no cache entry: the attribute bytes are compared).
    public struct AttributesKey: Equatable, Sendable {
        public var entry: Int32
        public var generation: Int32
        public init(entry: Int32, generation: Int) {
            self.entry = entry
            self.generation = Int32(truncatingIfNeeded: generation)
        }
        public static let unknown = AttributesKey(entry: -1, generation: 0)
        var isKnown: Bool { entry >= 0 }
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
        passRecordPending = false
        startRecord(receivedNanos: receivedNanos)
        for case let slice? in slices {
            let records = UnsafeRawBufferPointer(slice.buffer.readable)
            guard let base = records.baseAddress else { continue }
            var offset = 0
            while true {
                offset = (offset &+ 7) & ~7
                if offset >= records.count { break }
                let record = base + offset
                let tag = RecordTag(rawValue: record.load(as: UInt8.self))!
                switch tag {
                case .context:
                    offset += context(record)
                case .resource:
                    offset += targetInfo(record)
                case .number, .histogram, .exponential, .summary:
                    offset += point(tag, record, attributesKey: .unknown)
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

    // MARK: Recording during the sink's pass

    /// Starts the record of the request the loop's sink is about to decode, for the segment of
    /// the lane's last record. A pass record nobody took (the request was refused after it was
    /// decoded) is a lost record if it holds any entry: what it defined (or the `forget` it
    /// carried) is not in the log.
    public func beginRequest() {
        let entriesStart = receivedNanosOffset + MemoryLayout<UInt64>.size
        if passRecordPending && payload.writerIndex > entriesStart { recordLost() }
        passRecordPending = true
        startRecord(receivedNanos: 0)
    }

    /// The pass's record, once the request is committed, if it was made for `segment`; nil when
    /// there is none (encode the slices instead).
    public func takeRecord(receivedNanos: Int64, segment: Int) -> UnsafeRawBufferPointer? {
        guard passRecordPending && segment == self.segment else { return nil }
        passRecordPending = false
        (payload.base + receivedNanosOffset).storeBytes(of: UInt64(bitPattern: receivedNanos).littleEndian, as: UInt64.self)
        return UnsafeRawBufferPointer(payload.readable)
    }

    /// The header every record starts with: lane, time received, and `forget` after a lost record.
    private func startRecord(receivedNanos: Int64) {
        payload.clear()
        points = 0
        previous = (0, 0)
        currentContext = -1
        payload.putVarint(UInt64(lane))
        receivedNanosOffset = payload.writerIndex
        payload.putLittleEndian(UInt64(bitPattern: receivedNanos))
        if mustForget {
            payload.put(PointsRecord.Kind.forget.rawValue)
            mustForget = false
        }
    }

    /// A context slice record at `record`: the point records after it refer to it. Returns the
    /// record's length.
    @discardableResult
    func context(_ record: UnsafeRawPointer) -> Int {
        let (hash, blob) = Self.blobRecord(record)
        currentContext = contextReference(hash: hash, blob: blob)
        return BlobRecordLayout.blob + blob.count
    }

    /// A resource (target_info) slice record at `record`. Returns the record's length.
    @discardableResult
    func targetInfo(_ record: UnsafeRawPointer) -> Int {
        let (hash, blob) = Self.blobRecord(record)
        let ref = resourceReference(hash: hash, blob: blob)
        payload.put(PointsRecord.Kind.targetInfo.rawValue)
        payload.putVarint(UInt64(ref))
        points += 1
        return BlobRecordLayout.blob + blob.count
    }

    @inline(__always)
    private static func blobRecord(_ record: UnsafeRawPointer) -> (hash: UInt64, blob: UnsafeRawBufferPointer) {
        let hash = record.loadUnaligned(fromByteOffset: BlobRecordLayout.hash, as: UInt64.self)
        let length = Int(record.loadUnaligned(fromByteOffset: BlobRecordLayout.blobLength, as: UInt32.self))
        return (hash, UnsafeRawBufferPointer(start: record + BlobRecordLayout.blob, count: length))
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
        currentContext = -1
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
    private func seriesReference(hash: UInt64, context: Int32, attributes: UnsafeRawBufferPointer, key: AttributesKey) -> Int32 {
        let entries = series.base
        let arenaBase = UnsafeRawPointer(arena.base)
        @inline(__always) func isSeries(_ ref: Int32) -> Bool {
            let e = entries[Int(ref)]
            return e.hash == hash && e.context == context
                && sameBytes(UnsafeRawBufferPointer(start: arenaBase + e.attributesStart, count: e.attributesCount), attributes)
        }
        if expectedSeries < series.count {
            let e = entries[Int(expectedSeries)]
            // Same context and the same cache entry of the same generation: the same bytes.
            if key.isKnown && e.attributesKey == key && e.context == context {
                defer { expectedSeries &+= 1 }
                return expectedSeries
            }
            if isSeries(expectedSeries) {
                entries[Int(expectedSeries)].attributesKey = key
                defer { expectedSeries &+= 1 }
                return expectedSeries
            }
        }
        if let found = seriesIndex.find(hash: hash, where: isSeries) {
            entries[Int(found)].attributesKey = key
            expectedSeries = found &+ 1
            return found
        }
        let ref = Int32(series.count)
        let stored = store(attributes)
        series.append(Series(hash: hash, context: context, bounds: 0, attributesStart: stored.lowerBound, attributesCount: stored.count,
                             attributesKey: key))
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

    /// A point slice record at `record` (of the context last given), its attributes from the
    /// raw-attribute-cache entry `attributesKey`. Returns the record's length.
    @inline(__always) @discardableResult
    func point(_ tag: RecordTag, _ record: UnsafeRawPointer, attributesKey: AttributesKey) -> Int {
        let length = Int(record.load(fromByteOffset: PointRecordLayout.length, as: UInt32.self))
        let hash = record.load(fromByteOffset: PointRecordLayout.hash, as: UInt64.self)
        let start = record.load(fromByteOffset: PointRecordLayout.start, as: UInt64.self)
        let time = record.load(fromByteOffset: PointRecordLayout.time, as: UInt64.self)
        let flags = record.load(fromByteOffset: PointRecordLayout.flags, as: UInt32.self)
        let n = Int(record.load(fromByteOffset: PointRecordLayout.attributeLength, as: UInt32.self))
        let attributes = UnsafeRawBufferPointer(start: record + PointRecordLayout.attributes, count: n)
        var values = RecordReader(base: record, offset: PointRecordLayout.attributes + n, end: length)
        let series = seriesReference(hash: hash, context: currentContext, attributes: attributes, key: attributesKey)
        points += 1

        /// The entry's first byte and the point header (definitions it needs are written before).
        func header(_ w: inout EntryWriter, _ kind: PointsRecord.Kind, _ extra: UInt8 = 0) {
            var head = kind.rawValue | extra
            if start != previous.start { head |= PointsRecord.startChanged }
            if time != previous.time { head |= PointsRecord.timeChanged }
            if flags != 0 { head |= PointsRecord.hasFlags }
            w.byte(head)
            w.varint(UInt64(series))
            if start != previous.start { w.zigzag(Int64(bitPattern: start &- previous.start)) }
            if time != previous.time { w.zigzag(Int64(bitPattern: time &- previous.time)) }
            if flags != 0 { w.varint(UInt64(flags)) }
            previous = (start, time)
        }

        // Each entry is written through one cursor after one capacity check for its largest size.
        switch tag {
        case .number:
            let number = SliceRecords.readNumber(&values)
            var w = payload.entryWriter(reserving: PointsRecord.maxPointHeaderBytes + 10)
            switch number.kind {
            case .int:
                header(&w, .intNumber)
                w.zigzag(Int64(bitPattern: number.bits))
            case .double:
                header(&w, .doubleNumber)
                w.littleEndian(number.bits)
            case .none:
                header(&w, .emptyNumber)
            }
            payload.commit(w)
        case .histogram:
            let h = SliceRecords.readHistogram(&values)
            let bounds = boundsReference(h.bounds, series: series)
            let width = PointsRecord.packedWidth(h.counts)
            var w = payload.entryWriter(reserving: PointsRecord.maxPointHeaderBytes + 10 + 8 + 5 + 10 + 1 + h.counts.count &* width &+ 8)
            header(&w, .packedHistogram, h.sum == nil ? 0 : PointsRecord.hasSum)
            w.varint(h.count)
            if let sum = h.sum { w.littleEndian(sum.bitPattern) }
            w.varint(UInt64(bounds))
            w.varint(UInt64(h.counts.count))
            w.byte(UInt8(width))
            w.packed(h.counts, width: width)
            payload.commit(w)
        case .exponential:
            let e = SliceRecords.readExponential(&values)
            var w = payload.entryWriter(reserving: PointsRecord.maxPointHeaderBytes + 10 + 8 + 10 + 10 + 8
                                        + 2 * (10 + 10) + 10 &* (e.positive.count &+ e.negative.count))
            header(&w, .exponential, e.sum == nil ? 0 : PointsRecord.hasSum)
            w.varint(e.count)
            if let sum = e.sum { w.littleEndian(sum.bitPattern) }
            w.zigzag(Int64(e.scale))
            w.varint(e.zeroCount)
            w.littleEndian(e.zeroThreshold.bitPattern)
            w.zigzag(Int64(e.positiveOffset))
            w.varint(UInt64(e.positive.count))
            for v in e.positive { w.varint(v) }
            w.zigzag(Int64(e.negativeOffset))
            w.varint(UInt64(e.negative.count))
            for v in e.negative { w.varint(v) }
            payload.commit(w)
        case .summary:
            let q = SliceRecords.readSummary(&values)
            var w = payload.entryWriter(reserving: PointsRecord.maxPointHeaderBytes + 10 + 8 + 10 + 16 &* q.quantiles.count)
            header(&w, .summary)
            w.varint(q.count)
            w.littleEndian(q.sum.bitPattern)
            w.varint(UInt64(q.quantiles.count))
            for v in q.quantiles {
                w.littleEndian(v.quantile.bitPattern)
                w.littleEndian(v.value.bitPattern)
            }
            payload.commit(w)
        case .context, .resource:
            preconditionFailure("not a point record")
        }
        return length
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
