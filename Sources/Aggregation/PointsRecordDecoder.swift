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

    /// One lane's definitions in the segment being replayed. Flat storage: the per-point path
    /// reads entries by pointer, with no reference counting.
    final class LaneDictionary {
        struct Context { var blob: Range<Int>; var resourceEnd: Int; var scopeEnd: Int; var hash: UInt64 }
        struct Resource { var blob: Range<Int>; var hash: UInt64 }
        /// `shard`: the hash's shard, worked out once at the definition (a division per point otherwise).
        struct Series { var context: Int32; var shard: Int32; var attributesStart: Int; var attributesCount: Int; var hash: UInt64 }
        struct Bounds { var start: Int; var count: Int }

        var segment = -1
        /// Blobs and attribute encodings.
        var arena = FlatArray<UInt8>(capacity: 1 << 16)
        var contexts = FlatArray<Context>()
        var resources = FlatArray<Resource>()
        var series = FlatArray<Series>(capacity: 1024)
        var boundValues = FlatArray<Double>(capacity: 256)
        /// Bounds references start at 1 (0: none).
        var bounds = FlatArray<Bounds>()

        init() { bounds.append(Bounds(start: 0, count: 0)) }

        func startOver(segment: Int) {
            self.segment = segment
            arena.removeAll()
            contexts.removeAll()
            resources.removeAll()
            series.removeAll()
            boundValues.removeAll()
            bounds.removeAll()
            bounds.append(Bounds(start: 0, count: 0))
        }

        @inline(__always) func bytes(_ r: Range<Int>) -> UnsafeRawBufferPointer {
            arena.bytes(at: r.lowerBound, length: r.count)
        }

        func store(_ b: UnsafeRawBufferPointer) -> Range<Int> {
            let start = arena.count
            arena.append(bytes: b)
            return start..<arena.count
        }
    }

    private var lanes: [Int: LaneDictionary] = [:]
    private var slices: [BatchSlice?]
    /// Per shard: `slices[i]`'s buffer, unretained (the slice keeps it alive), so the per-point
    /// path takes no reference count.
    private let open: UnsafeMutablePointer<Unmanaged<ByteBuffer>?>
    /// Per shard: points written into `slices[i]`.
    private let pointCounts: UnsafeMutablePointer<Int>
    /// Per shard: the context reference whose record the shard's slice holds last (-1: none).
    private let sliceContext: UnsafeMutablePointer<Int32>
    private var counts = FlatArray<UInt64>(capacity: 64)
    private var negativeCounts = FlatArray<UInt64>(capacity: 64)
    private var quantiles = FlatArray<QuantileValue>(capacity: 16)

    /// Lanes a writer may use at most (a larger number is damage).
    public static let maxLanes = 4096

    public init(shards: Int) {
        precondition(shards >= 1)
        self.shards = shards
        slices = Array(repeating: nil, count: shards)
        open = .allocate(capacity: shards)
        open.initialize(repeating: nil, count: shards)
        pointCounts = .allocate(capacity: shards)
        pointCounts.initialize(repeating: 0, count: shards)
        sliceContext = .allocate(capacity: shards)
        sliceContext.initialize(repeating: -1, count: shards)
    }

    deinit {
        open.deallocate()
        pointCounts.deallocate()
        sliceContext.deallocate()
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
            open[i] = nil
            pointCounts[i] = 0
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
                let shard = shardIndex(resource.hash, shards: shards)
                SliceRecords.resource(buffer(shard).takeUnretainedValue(), hash: resource.hash, blob: dictionary.bytes(resource.blob))
                pointCounts[shard] += 1
                points += 1
            case .intNumber, .doubleNumber, .emptyNumber, .histogram, .packedHistogram, .exponential, .summary:
                try point(kind, head: head, &cursor, dictionary, previous: &previous)
                points += 1
            }
        }
        for i in 0..<shards {
            slices[i]?.pointCount = pointCounts[i]
            open[i] = nil
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
        d.contexts.append(LaneDictionary.Context(blob: d.store(blob), resourceEnd: resourceLength, scopeEnd: resourceLength + scopeLength,
                                                 hash: contextHash(resource: resource, scope: scope, metric: metric)))
    }

    private func defineResource(_ c: inout PointsRecordCursor, _ d: LaneDictionary) throws(PointsRecordError) {
        let at = c.offset
        let blob = try c.bytes(try c.count("resource length"))
        guard BlobCheck.resourcePart(blob) else { throw PointsRecordError(offset: at, "resource definition is not a well-formed resource blob") }
        d.resources.append(LaneDictionary.Resource(blob: d.store(blob), hash: resourceHash(blob)))
    }

    private func defineSeries(_ c: inout PointsRecordCursor, _ d: LaneDictionary) throws(PointsRecordError) {
        let context = try c.reference("context", below: d.contexts.count)
        let at = c.offset
        let attributes = try c.bytes(try c.count("attribute encoding length"))
        guard BlobCheck.attributes(attributes) else { throw PointsRecordError(offset: at, "series definition has a malformed attribute encoding") }
        let hash = pointHash(context: d.contexts[context].hash, attributes: attributeHash(attributes))
        let stored = d.store(attributes)
        d.series.append(LaneDictionary.Series(context: Int32(context), shard: Int32(shardIndex(hash, shards: shards)), attributesStart: stored.lowerBound,
                                              attributesCount: stored.count, hash: hash))
    }

    private func defineBounds(_ c: inout PointsRecordCursor, _ d: LaneDictionary) throws(PointsRecordError) {
        let n = try c.count("bound count", bytesEach: 8)
        let start = d.boundValues.count
        for _ in 0..<n { d.boundValues.append(try c.double()) }
        d.bounds.append(LaneDictionary.Bounds(start: start, count: n))
    }

    // MARK: Points

    /// The buffer of `shard`'s slice (unretained: the slice keeps it alive), made or taken from
    /// the recycled ones on first use.
    @inline(__always)
    private func buffer(_ shard: Int) -> Unmanaged<ByteBuffer> {
        if let b = open[shard] { return b }
        let s: BatchSlice
        if let r = recycledSlice?(shard) {
            r.reset()
            s = r
        } else {
            s = BatchSlice(capacity: 64 << 10)
        }
        slices[shard] = s
        open[shard] = .passUnretained(s.buffer)
        return open[shard]!
    }

    /// A point's values, read and checked before anything is written, so a failing entry
    /// leaves no half record. Bucket counts and quantiles are in the decoder's scratch arrays.
    private enum PointValues {
        case number(SliceRecords.NumberValueKind, bits: UInt64)
        case histogram(count: UInt64, sum: Double?, bounds: UnsafeBufferPointer<Double>)
        case exponential(count: UInt64, sum: Double?, scale: Int32, zeroCount: UInt64, zeroThreshold: Double,
                         positiveOffset: Int32, negativeOffset: Int32)
        case summary(count: UInt64, sum: Double)
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
        let values = try pointValues(kind, head: head, &c, d, common: common, at: at)
        let shard = Int(series.shard)
        let attributes = d.arena.bytes(at: series.attributesStart, length: series.attributesCount)
        // Unretained: the slice keeps its buffer alive, and a point costs no reference count.
        buffer(shard)._withUnsafeGuaranteedRef { out in
            if sliceContext[shard] != series.context {
                sliceContext[shard] = series.context
                let ctx = d.contexts[Int(series.context)]
                let blob = d.bytes(ctx.blob)
                SliceRecords.context(out, hash: ctx.hash, resource: UnsafeRawBufferPointer(rebasing: blob[0..<ctx.resourceEnd]),
                                     scope: UnsafeRawBufferPointer(rebasing: blob[ctx.resourceEnd..<ctx.scopeEnd]),
                                     metric: UnsafeRawBufferPointer(rebasing: blob[ctx.scopeEnd...]))
            }
            func begin(_ tag: RecordTag, fieldBytes: Int) -> SliceRecordWriter {
                SliceRecords.beginPoint(out, tag, hash: series.hash, start: start, time: time, flags: flags, attributes: attributes,
                                        fieldBytes: fieldBytes)
            }
            var record: SliceRecordWriter
            switch values {
            case .number(let kind, let bits):
                record = begin(.number, fieldBytes: SliceRecords.numberFieldBytes)
                SliceRecords.numberFields(&record, kind: kind, bits: bits)
            case .histogram(let count, let sum, let bounds):
                record = begin(.histogram, fieldBytes: SliceRecords.histogramFieldBytes(counts: counts.count, bounds: bounds.count))
                SliceRecords.histogramFields(&record, count: count, sum: sum, counts: UnsafeRawBufferPointer(start: counts.base, count: counts.count * 8),
                                             countCount: counts.count, bounds: UnsafeRawBufferPointer(bounds), boundCount: bounds.count)
            case .exponential(let count, let sum, let scale, let zeroCount, let zeroThreshold, let positiveOffset, let negativeOffset):
                record = begin(.exponential, fieldBytes: SliceRecords.exponentialFieldBytes(positive: counts.count, negative: negativeCounts.count))
                SliceRecords.exponentialFields(&record, count: count, sum: sum, scale: scale, zeroCount: zeroCount, zeroThreshold: zeroThreshold,
                                               positiveOffset: positiveOffset,
                                               positive: UnsafeRawBufferPointer(start: counts.base, count: counts.count * 8), positiveCount: counts.count,
                                               negativeOffset: negativeOffset,
                                               negative: UnsafeRawBufferPointer(start: negativeCounts.base, count: negativeCounts.count * 8),
                                               negativeCount: negativeCounts.count)
            case .summary(let count, let sum):
                record = begin(.summary, fieldBytes: SliceRecords.summaryFieldBytes(quantiles: quantiles.count))
                SliceRecords.summaryFields(&record, count: count, sum: sum, quantiles: UnsafeRawBufferPointer(start: quantiles.base, count: quantiles.count * 16),
                                           quantileCount: quantiles.count)
            }
            SliceRecords.finishPoint(out, record)
        }
        pointCounts[shard] += 1
    }

    /// Reads a point entry's values after its header and applies the receiver's checks to them.
    @inline(__always)
    private func pointValues(_ kind: PointsRecord.Kind, head: UInt8, _ c: inout PointsRecordCursor, _ d: LaneDictionary,
                             common: PointCommon, at: Int) throws(PointsRecordError) -> PointValues {
        let hasSum = head & PointsRecord.hasSum != 0
        switch kind {
        case .intNumber:
            return .number(.int, bits: UInt64(bitPattern: try c.zigzag()))
        case .doubleNumber:
            return .number(.double, bits: try c.littleEndian64())
        case .emptyNumber:
            return .number(.none, bits: 0)
        case .histogram, .packedHistogram:
            let count = try c.varint()
            let sum: Double? = hasSum ? try c.double() : nil
            let boundsEntry = d.bounds[try c.reference("bounds", below: d.bounds.count)]
            if kind == .packedHistogram {
                try readPacked(&c, into: &counts, "bucket count")
            } else {
                try readVarints(&c, into: &counts, "bucket count")
            }
            let bounds = UnsafeBufferPointer(start: d.boundValues.base + boundsEntry.start, count: boundsEntry.count)
            let bucketCounts = UnsafeBufferPointer(start: counts.base, count: counts.count)
            if let problem = OTLPValidation.check(histogram: HistogramPointView(common: common, count: count, sum: sum, min: nil, max: nil,
                                                                               bucketCounts: bucketCounts, explicitBounds: bounds)) {
                throw PointsRecordError(offset: at, "histogram point fails the receiver's checks (\(problem))")
            }
            return .histogram(count: count, sum: sum, bounds: bounds)
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
            let positive = UnsafeBufferPointer(start: counts.base, count: counts.count)
            let negative = UnsafeBufferPointer(start: negativeCounts.base, count: negativeCounts.count)
            if let problem = OTLPValidation.check(exponentialHistogram: ExponentialHistogramPointView(
                common: common, count: count, sum: sum, min: nil, max: nil, scale: scale32, zeroCount: zeroCount,
                zeroThreshold: zeroThreshold, positive: ExponentialBuckets(offset: po, counts: positive),
                negative: ExponentialBuckets(offset: no, counts: negative))) {
                throw PointsRecordError(offset: at, "exponential histogram point fails the receiver's checks (\(problem))")
            }
            return .exponential(count: count, sum: sum, scale: scale32, zeroCount: zeroCount, zeroThreshold: zeroThreshold,
                                positiveOffset: po, negativeOffset: no)
        default:
            let count = try c.varint()
            let sum = try c.double()
            let n = try c.count("quantile count", bytesEach: 16)
            quantiles.removeAll()
            for _ in 0..<n { quantiles.append(QuantileValue(quantile: try c.double(), value: try c.double())) }
            let q = UnsafeBufferPointer(start: quantiles.base, count: quantiles.count)
            if let problem = OTLPValidation.check(summary: SummaryPointView(common: common, count: count, sum: sum, quantiles: q)) {
                throw PointsRecordError(offset: at, "summary point fails the receiver's checks (\(problem))")
            }
            return .summary(count: count, sum: sum)
        }
    }

    @inline(__always)
    private func readVarints(_ c: inout PointsRecordCursor, into out: inout FlatArray<UInt64>, _ what: String) throws(PointsRecordError) {
        let n = try c.count(what)
        out.removeAll()
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try c.varint()) }
    }

    /// A packed run (`EntryWriter.packed`): n, the width, n little-endian integers.
    private func readPacked(_ c: inout PointsRecordCursor, into out: inout FlatArray<UInt64>, _ what: String) throws(PointsRecordError) {
        let n = try c.count(what)
        let width = Int(try c.byte())
        guard (1...8).contains(width) else { throw c.fail("\(what) width \(width) is not 1 to 8 bytes") }
        // Whole words may be loaded up to the end of the record, not only of the run.
        let readable = c.count - c.offset
        let packed = try c.bytes(n * width)
        guard let base = packed.baseAddress else { return out.removeAll() }
        let mask: UInt64 = width == 8 ? .max : (1 << UInt64(8 * width)) - 1
        out.replaceAll(count: n) { values in
            var i = 0
            // Whole words while 8 bytes remain in the record, then byte by byte (never past its end).
            while i < n && i * width + 8 <= readable {
                values[i] = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i * width, as: UInt64.self)) & mask
                i += 1
            }
            while i < n {
                var value: UInt64 = 0
                for k in 0..<width { value |= UInt64(base.load(fromByteOffset: i * width + k, as: UInt8.self)) << UInt64(8 * k) }
                values[i] = value
                i += 1
            }
        }
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
