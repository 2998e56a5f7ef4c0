import OTLP
import Primitives

/// Turns points records (`PointsRecord`) back into the slices live ingestion handed to the
/// shards: the same context, resource and point records (`SliceRecords`), with the same hashes
/// (so the same shard and series), in the record's order. Replay applies these slices through
/// the ingest pipeline; nothing is inflated or decoded as OTLP again.
///
/// The log's bytes passed their checksums but are still checked as untrusted: every length,
/// count and reference is bounds-checked, every blob and attribute encoding is walked before a
/// shard sees it, and points get the receiver's own validity rules (`OTLPValidation`). A record
/// that fails is reported with the offset and nothing of it is applied.
///
/// Keeps the dictionaries of every lane it has seen, for the segment being replayed. Not
/// thread-safe: one per replay thread; a lane's records must all go to the same decoder, in log
/// order.
public final class PointsRecordDecoder {
    public let shards: Int
    /// Supplies an empty slice for a shard (a recycled one), or nil to allocate a new one.
    public var recycledSlice: ((Int) -> BatchSlice?)? = nil

    final class LaneDictionary {
        var segment = -1
        let arena = ByteBuffer(capacity: 1 << 20)
        var contexts: [(blob: Range<Int>, resourceEnd: Int, scopeEnd: Int, hash: UInt64)] = []
        var resources: [(blob: Range<Int>, hash: UInt64)] = []
        var series: [(context: Int32, attributes: Range<Int>, hash: UInt64)] = []
        /// Bounds references start at 1 (0: none).
        var bounds: [Range<Int>] = [0..<0]

        func startOver(segment: Int) {
            self.segment = segment
            arena.clear()
            contexts.removeAll(keepingCapacity: true)
            resources.removeAll(keepingCapacity: true)
            series.removeAll(keepingCapacity: true)
            bounds.removeAll(keepingCapacity: true)
            bounds.append(0..<0)
        }

        func bytes(_ r: Range<Int>) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: arena.base + r.lowerBound, count: r.count)
        }

        func store(_ b: UnsafeRawBufferPointer) -> Range<Int> {
            let start = arena.writerIndex
            arena.append(b)
            return start..<arena.writerIndex
        }
    }

    private var lanes: [Int: LaneDictionary] = [:]
    private var slices: [BatchSlice?]
    /// Per shard: the context reference whose record the shard's slice holds last (-1: none).
    private var sliceContext: [Int32]
    private var counts: [UInt64] = []
    private var negativeCounts: [UInt64] = []
    private var quantiles: [QuantileValue] = []

    /// Lanes a writer may use at most (a larger number is damage).
    public static let maxLanes = 4096

    public init(shards: Int) {
        precondition(shards >= 1)
        self.shards = shards
        slices = Array(repeating: nil, count: shards)
        sliceContext = Array(repeating: -1, count: shards)
    }

    /// What a decoded record held.
    public struct Decoded {
        public var lane: Int
        public var receivedNanos: Int64
        /// Points, `target_info` records included (as `BatchSlice.pointCount` counts them).
        public var points: Int
        /// One slice per shard, nil for shards without records.
        public var slices: [BatchSlice?]
    }

    /// The lane a record belongs to, read without decoding it (replay routes records by lane).
    public static func lane(of payload: UnsafeRawBufferPointer) throws(PointsRecordError) -> Int {
        var cursor = PointsRecordCursor(payload)
        let lane = try cursor.varint()
        guard lane < UInt64(maxLanes) else { throw cursor.fail("lane \(lane) is not a lane a writer uses") }
        return Int(lane)
    }

    /// Decodes one record of `segment` into slices. On failure nothing is returned (the slices
    /// written so far are dropped); the lane's dictionaries keep what the record defined before
    /// the damage.
    public func decode(_ payload: UnsafeRawBufferPointer, segment: Int) throws(PointsRecordError) -> Decoded {
        for i in 0..<shards {
            slices[i] = nil
            sliceContext[i] = -1
        }
        var cursor = PointsRecordCursor(payload)
        let lane = try Self.lane(of: payload)
        _ = try cursor.varint()
        let received = Int64(bitPattern: try cursor.littleEndian64())
        let dictionary: LaneDictionary
        if let d = lanes[lane] { dictionary = d } else {
            dictionary = LaneDictionary()
            lanes[lane] = dictionary
        }
        if dictionary.segment != segment { dictionary.startOver(segment: segment) }
        var points = 0
        var previous = (start: UInt64(0), time: UInt64(0))
        while !cursor.atEnd {
            let head = try cursor.byte()
            guard let kind = PointsRecord.Kind(rawValue: head & PointsRecord.kindMask) else {
                throw cursor.fail("unknown entry kind \(head & PointsRecord.kindMask)")
            }
            switch kind {
            case .context: try defineContext(&cursor, dictionary)
            case .resource: try defineResource(&cursor, dictionary)
            case .series: try defineSeries(&cursor, dictionary)
            case .bounds: try defineBounds(&cursor, dictionary)
            case .forget: dictionary.startOver(segment: segment)
            case .targetInfo:
                let ref = try cursor.reference("resource", below: dictionary.resources.count)
                let resource = dictionary.resources[ref]
                let slice = slice(Int(resource.hash % UInt64(shards)))
                SliceRecords.resource(slice.buffer, hash: resource.hash, blob: dictionary.bytes(resource.blob))
                slice.pointCount += 1
                points += 1
            case .intNumber, .doubleNumber, .emptyNumber, .histogram, .exponential, .summary:
                try point(kind, head: head, &cursor, dictionary, previous: &previous)
                points += 1
            }
        }
        let out = slices
        for i in 0..<shards { slices[i] = nil }
        return Decoded(lane: lane, receivedNanos: received, points: points, slices: out)
    }

    // MARK: Definitions

    private func defineContext(_ c: inout PointsRecordCursor, _ d: LaneDictionary) throws(PointsRecordError) {
        let resourceLength = try c.count("resource part length")
        let scopeLength = try c.count("scope part length")
        let metricLength = try c.count("metric part length")
        let at = c.offset
        let blob = try c.bytes(resourceLength + scopeLength + metricLength)
        let resource = UnsafeRawBufferPointer(rebasing: blob[0..<resourceLength])
        let scope = UnsafeRawBufferPointer(rebasing: blob[resourceLength..<(resourceLength + scopeLength)])
        let metric = UnsafeRawBufferPointer(rebasing: blob[(resourceLength + scopeLength)...])
        guard BlobCheck.resourcePart(resource), BlobCheck.scopePart(scope), BlobCheck.metricPart(metric) else {
            throw PointsRecordError(offset: at, "context definition is not a well-formed context blob")
        }
        d.contexts.append((d.store(blob), resourceLength, resourceLength + scopeLength,
                           contextHash(resource: resource, scope: scope, metric: metric)))
    }

    private func defineResource(_ c: inout PointsRecordCursor, _ d: LaneDictionary) throws(PointsRecordError) {
        let at = c.offset
        let blob = try c.bytes(try c.count("resource length"))
        guard BlobCheck.resourcePart(blob) else { throw PointsRecordError(offset: at, "resource definition is not a well-formed resource blob") }
        d.resources.append((d.store(blob), resourceHash(blob)))
    }

    private func defineSeries(_ c: inout PointsRecordCursor, _ d: LaneDictionary) throws(PointsRecordError) {
        let context = try c.reference("context", below: d.contexts.count)
        let at = c.offset
        let attributes = try c.bytes(try c.count("attribute encoding length"))
        guard BlobCheck.attributes(attributes) else { throw PointsRecordError(offset: at, "series definition has a malformed attribute encoding") }
        let hash = pointHash(context: d.contexts[context].hash, attributes: attributeHash(attributes))
        d.series.append((Int32(context), d.store(attributes), hash))
    }

    private func defineBounds(_ c: inout PointsRecordCursor, _ d: LaneDictionary) throws(PointsRecordError) {
        let n = try c.count("bound count", bytesEach: 8)
        d.arena.align8()   // read back as doubles in place
        let start = d.arena.writerIndex
        for _ in 0..<n { d.arena.put(try c.double()) }
        d.bounds.append(start..<d.arena.writerIndex)
    }

    // MARK: Points

    private func slice(_ shard: Int) -> BatchSlice {
        if let s = slices[shard] { return s }
        let s: BatchSlice
        if let r = recycledSlice?(shard) {
            r.reset()
            s = r
        } else {
            s = BatchSlice(capacity: 64 << 10)
        }
        slices[shard] = s
        return s
    }

    private func point(_ kind: PointsRecord.Kind, head: UInt8, _ c: inout PointsRecordCursor, _ d: LaneDictionary,
                       previous: inout (start: UInt64, time: UInt64)) throws(PointsRecordError) {
        let at = c.offset - 1
        let series = d.series[try c.reference("series", below: d.series.count)]
        var start = previous.start, time = previous.time, flags: UInt32 = 0
        if head & PointsRecord.startChanged != 0 { start = previous.start &+ UInt64(bitPattern: try c.zigzag()) }
        if head & PointsRecord.timeChanged != 0 { time = previous.time &+ UInt64(bitPattern: try c.zigzag()) }
        if head & PointsRecord.hasFlags != 0 {
            let f = try c.varint()
            guard f <= UInt64(UInt32.max) else { throw c.fail("point flags \(f) over 32 bits") }
            flags = UInt32(f)
        }
        previous = (start, time)
        let common = PointCommon(attributes: UnsafeBufferPointer(start: nil, count: 0), startTimeUnixNano: start, timeUnixNano: time,
                                 flags: DataPointFlags(rawValue: flags))
        let shard = Int(series.hash % UInt64(shards))
        let out = slice(shard).buffer
        if sliceContext[shard] != series.context {
            sliceContext[shard] = series.context
            let ctx = d.contexts[Int(series.context)]
            let blob = d.bytes(ctx.blob)
            SliceRecords.context(out, hash: ctx.hash, resource: UnsafeRawBufferPointer(rebasing: blob[0..<ctx.resourceEnd]),
                                 scope: UnsafeRawBufferPointer(rebasing: blob[ctx.resourceEnd..<ctx.scopeEnd]),
                                 metric: UnsafeRawBufferPointer(rebasing: blob[ctx.scopeEnd...]))
        }
        let tag: RecordTag
        switch kind {
        case .intNumber, .doubleNumber, .emptyNumber: tag = .number
        case .histogram: tag = .histogram
        case .exponential: tag = .exponential
        default: tag = .summary
        }
        // Values are read before the record is begun, so a failing entry leaves no half record
        // (the slices are dropped on failure anyway).
        let hasSum = head & PointsRecord.hasSum != 0
        switch kind {
        case .intNumber:
            let v = try c.zigzag()
            let record = SliceRecords.beginPoint(out, tag, hash: series.hash, start: start, time: time, flags: flags, attributes: d.bytes(series.attributes))
            SliceRecords.numberFields(out, kind: .int, bits: UInt64(bitPattern: v))
            SliceRecords.finishPoint(out, startedAt: record)
        case .doubleNumber:
            let v = try c.littleEndian64()
            let record = SliceRecords.beginPoint(out, tag, hash: series.hash, start: start, time: time, flags: flags, attributes: d.bytes(series.attributes))
            SliceRecords.numberFields(out, kind: .double, bits: v)
            SliceRecords.finishPoint(out, startedAt: record)
        case .emptyNumber:
            let record = SliceRecords.beginPoint(out, tag, hash: series.hash, start: start, time: time, flags: flags, attributes: d.bytes(series.attributes))
            SliceRecords.numberFields(out, kind: .none, bits: 0)
            SliceRecords.finishPoint(out, startedAt: record)
        case .histogram:
            let count = try c.varint()
            let sum: Double? = hasSum ? try c.double() : nil
            let boundsRange = d.bounds[try c.reference("bounds", below: d.bounds.count)]
            try readVarints(&c, into: &counts, "bucket count")
            let bounds = d.bytes(boundsRange)
            let problem = counts.withUnsafeBufferPointer { cs in
                bounds.withMemoryRebound(to: Double.self) { bs in
                    OTLPValidation.check(histogram: HistogramPointView(common: common, count: count, sum: sum, min: nil, max: nil,
                                                                       bucketCounts: cs, explicitBounds: bs))
                }
            }
            if let problem { throw PointsRecordError(offset: at, "histogram point fails the receiver's checks (\(problem))") }
            let record = SliceRecords.beginPoint(out, tag, hash: series.hash, start: start, time: time, flags: flags, attributes: d.bytes(series.attributes))
            counts.withUnsafeBytes { cs in
                SliceRecords.histogramFields(out, count: count, sum: sum, counts: cs, countCount: counts.count,
                                             bounds: bounds, boundCount: bounds.count / 8)
            }
            SliceRecords.finishPoint(out, startedAt: record)
        case .exponential:
            let count = try c.varint()
            let sum: Double? = hasSum ? try c.double() : nil
            let scale = try c.zigzag()
            let zeroCount = try c.varint()
            let zeroThreshold = try c.double()
            let positiveOffset = try c.zigzag()
            try readVarints(&c, into: &counts, "positive bucket count")
            let negativeOffset = try c.zigzag()
            try readVarints(&c, into: &negativeCounts, "negative bucket count")
            guard let scale32 = Int32(exactly: scale), let po = Int32(exactly: positiveOffset), let no = Int32(exactly: negativeOffset) else {
                throw PointsRecordError(offset: at, "exponential histogram scale or offset over 32 bits")
            }
            let problem = counts.withUnsafeBufferPointer { p in
                negativeCounts.withUnsafeBufferPointer { n in
                    OTLPValidation.check(exponentialHistogram: ExponentialHistogramPointView(
                        common: common, count: count, sum: sum, min: nil, max: nil, scale: scale32, zeroCount: zeroCount,
                        zeroThreshold: zeroThreshold, positive: ExponentialBuckets(offset: po, counts: p),
                        negative: ExponentialBuckets(offset: no, counts: n)))
                }
            }
            if let problem { throw PointsRecordError(offset: at, "exponential histogram point fails the receiver's checks (\(problem))") }
            let record = SliceRecords.beginPoint(out, tag, hash: series.hash, start: start, time: time, flags: flags, attributes: d.bytes(series.attributes))
            counts.withUnsafeBytes { p in
                negativeCounts.withUnsafeBytes { n in
                    SliceRecords.exponentialFields(out, count: count, sum: sum, scale: scale32, zeroCount: zeroCount, zeroThreshold: zeroThreshold,
                                                   positiveOffset: po, positive: p, positiveCount: counts.count,
                                                   negativeOffset: no, negative: n, negativeCount: negativeCounts.count)
                }
            }
            SliceRecords.finishPoint(out, startedAt: record)
        default:
            let count = try c.varint()
            let sum = try c.double()
            let n = try c.count("quantile count", bytesEach: 16)
            quantiles.removeAll(keepingCapacity: true)
            for _ in 0..<n { quantiles.append(QuantileValue(quantile: try c.double(), value: try c.double())) }
            let problem = quantiles.withUnsafeBufferPointer { q in
                OTLPValidation.check(summary: SummaryPointView(common: common, count: count, sum: sum, quantiles: q))
            }
            if let problem { throw PointsRecordError(offset: at, "summary point fails the receiver's checks (\(problem))") }
            let record = SliceRecords.beginPoint(out, tag, hash: series.hash, start: start, time: time, flags: flags, attributes: d.bytes(series.attributes))
            quantiles.withUnsafeBytes { q in
                SliceRecords.summaryFields(out, count: count, sum: sum, quantiles: q, quantileCount: quantiles.count)
            }
            SliceRecords.finishPoint(out, startedAt: record)
        }
        slices[shard]!.pointCount += 1
    }

    private func readVarints(_ c: inout PointsRecordCursor, into out: inout [UInt64], _ what: String) throws(PointsRecordError) {
        let n = try c.count(what)
        out.removeAll(keepingCapacity: true)
        for _ in 0..<n { out.append(try c.varint()) }
    }
}

/// Bounds-checked walks of the slice blobs (`ShardingSink+Records.swift`) a shard parses without
/// checks: replay runs them over blobs read from the log before any shard sees them.
enum BlobCheck {
    struct Walk {
        let bytes: UnsafeRawBufferPointer
        var offset = 0
        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func take(_ n: Int) -> Bool {
            guard n >= 0, n <= bytes.count - offset else { return false }
            offset += n
            return true
        }

        mutating func u32() -> Int? {
            guard bytes.count - offset >= 4, let base = bytes.baseAddress else { return nil }
            defer { offset += 4 }
            return Int(base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        }

        mutating func u8() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func string() -> Bool {
            guard let n = u32() else { return false }
            return take(n)
        }

        mutating func attributes() -> Bool {
            guard let n = u32(), n <= bytes.count else { return false }
            for _ in 0..<n {
                guard string(), let t = u8(), let type = AttrType(rawValue: t) else { return false }
                switch type {
                case .empty: break
                case .string, .bytes, .json: guard string() else { return false }
                case .bool: guard take(1) else { return false }
                case .int, .double: guard take(8) else { return false }
                }
            }
            return true
        }

        var atEnd: Bool { offset == bytes.count }
    }

    /// tenant · schema URL · attributes.
    static func resourcePart(_ b: UnsafeRawBufferPointer) -> Bool {
        var w = Walk(b)
        return w.string() && w.string() && w.attributes() && w.atEnd
    }

    /// name · version · schema URL · attributes.
    static func scopePart(_ b: UnsafeRawBufferPointer) -> Bool {
        var w = Walk(b)
        return w.string() && w.string() && w.string() && w.attributes() && w.atEnd
    }

    /// name · description · unit · kind · temporality · monotonic.
    static func metricPart(_ b: UnsafeRawBufferPointer) -> Bool {
        var w = Walk(b)
        guard w.string(), w.string(), w.string(), let kind = w.u8(), let temporality = w.u8(), w.take(1) else { return false }
        return MetricKind(rawValue: kind) != nil && Temporality(rawValue: temporality) != nil && w.atEnd
    }

    static func attributes(_ b: UnsafeRawBufferPointer) -> Bool {
        var w = Walk(b)
        return w.attributes() && w.atEnd
    }
}
