import OTLP
import Primitives

/// Writes the records of a `BatchSlice` (format in `ShardingSink+Records.swift`, offsets in
/// `PointRecordLayout` and `BlobRecordLayout`). The loop's `ShardingSink` and the WAL replay
/// (`PointsRecordDecoder`) both write slices through these, so a shard cannot tell a replayed
/// point from a live one.
enum SliceRecords {
    /// A context record: the blob is the three parts back to back (tenant · resource, scope, metric
    /// header). Returns where the record starts.
    @inline(__always) @discardableResult
    static func context(_ out: ByteBuffer, hash: UInt64, resource: UnsafeRawBufferPointer, scope: UnsafeRawBufferPointer,
                        metric: UnsafeRawBufferPointer) -> Int {
        out.align8()
        let at = out.writerIndex
        out.put(RecordTag.context.rawValue)
        out.put(hash)
        out.put(UInt32(truncatingIfNeeded: resource.count + scope.count + metric.count))
        out.append(resource)
        out.append(scope)
        out.append(metric)
        return at
    }

    /// A resource (target_info) record. Returns where the record starts.
    @inline(__always) @discardableResult
    static func resource(_ out: ByteBuffer, hash: UInt64, blob: UnsafeRawBufferPointer) -> Int {
        out.align8()
        let at = out.writerIndex
        out.put(RecordTag.resource.rawValue)
        out.put(hash)
        out.put(UInt32(truncatingIfNeeded: blob.count))
        out.append(blob)
        return at
    }

    /// Starts a point record with its common header and reserves room for the whole record:
    /// the attributes, then at most `fieldBytes` of the kind's fields (`numberFieldBytes`,
    /// `histogramFieldBytes`, …). The caller writes the fields through the returned writer, then
    /// calls `finishPoint`.
    @inline(__always)
    static func beginPoint(_ out: ByteBuffer, _ tag: RecordTag, hash: UInt64, start: UInt64, time: UInt64, flags: UInt32,
                           attributes: UnsafeRawBufferPointer, fieldBytes: Int) -> SliceRecordWriter {
        out.align8()
        out.reserve(PointRecordLayout.attributes + attributes.count + fieldBytes)
        let p = out.base + out.writerIndex
        p.storeBytes(of: tag.rawValue, toByteOffset: PointRecordLayout.tag, as: UInt8.self)
        p.storeBytes(of: UInt8(0), toByteOffset: PointRecordLayout.tag + 1, as: UInt8.self)
        p.storeBytes(of: UInt16(0), toByteOffset: PointRecordLayout.tag + 2, as: UInt16.self)
        p.storeBytes(of: hash, toByteOffset: PointRecordLayout.hash, as: UInt64.self)
        p.storeBytes(of: start, toByteOffset: PointRecordLayout.start, as: UInt64.self)
        p.storeBytes(of: time, toByteOffset: PointRecordLayout.time, as: UInt64.self)
        p.storeBytes(of: flags, toByteOffset: PointRecordLayout.flags, as: UInt32.self)
        p.storeBytes(of: UInt32(truncatingIfNeeded: attributes.count), toByteOffset: PointRecordLayout.attributeLength, as: UInt32.self)
        var writer = SliceRecordWriter(record: p, position: p + PointRecordLayout.attributes)
        writer.append(attributes)
        return writer
    }

    /// Writes the record's length and takes its bytes into the buffer.
    @inline(__always)
    static func finishPoint(_ out: ByteBuffer, _ writer: SliceRecordWriter) {
        let length = writer.position - writer.record
        writer.record.storeBytes(of: UInt32(truncatingIfNeeded: length), toByteOffset: PointRecordLayout.length, as: UInt32.self)
        out.writerIndex = writer.position - out.base
    }

    /// Number fields: value kind (0 none, 1 double, 2 int) and the value's 8 bytes.
    enum NumberValueKind: UInt8 { case none = 0, double = 1, int = 2 }

    // The most bytes each kind's fields take (`beginPoint` reserves them): scalars, then room for
    // the padding before the 8-byte aligned arrays (`SliceRecordWriter.align8` stores a whole
    // zero word), then the arrays.
    static let numberFieldBytes = 1 + 8
    static func histogramFieldBytes(counts: Int, bounds: Int) -> Int { 8 + 8 + 1 + 4 + 4 + 8 + 8 * (counts + bounds) }
    static func exponentialFieldBytes(positive: Int, negative: Int) -> Int { 8 + 8 + 1 + 4 + 8 + 8 + 4 + 4 + 4 + 4 + 8 + 8 * (positive + negative) }
    static func summaryFieldBytes(quantiles: Int) -> Int { 8 + 8 + 4 + 8 + 16 * quantiles }

    @inline(__always)
    static func numberFields(_ out: inout SliceRecordWriter, kind: NumberValueKind, bits: UInt64) {
        out.put(kind.rawValue)
        out.put(bits)
    }

    @inline(__always)
    static func histogramFields(_ out: inout SliceRecordWriter, count: UInt64, sum: Double?, counts: UnsafeRawBufferPointer, countCount: Int,
                                bounds: UnsafeRawBufferPointer, boundCount: Int) {
        out.put(count)
        out.put(sum ?? 0)
        out.put(UInt8(sum == nil ? 0 : 1))
        out.put(UInt32(truncatingIfNeeded: countCount))
        out.put(UInt32(truncatingIfNeeded: boundCount))
        out.align8()
        out.append(counts)
        out.append(bounds)
    }

    /// The exponential histogram's scalar fields; `positive` and `negative` are u64 arrays.
    @inline(__always)
    static func exponentialFields(_ out: inout SliceRecordWriter, count: UInt64, sum: Double?, scale: Int32, zeroCount: UInt64, zeroThreshold: Double,
                                  positiveOffset: Int32, positive: UnsafeRawBufferPointer, positiveCount: Int,
                                  negativeOffset: Int32, negative: UnsafeRawBufferPointer, negativeCount: Int) {
        out.put(count)
        out.put(sum ?? 0)
        out.put(UInt8(sum == nil ? 0 : 1))
        out.put(scale)
        out.put(zeroCount)
        out.put(zeroThreshold)
        out.put(positiveOffset)
        out.put(UInt32(truncatingIfNeeded: positiveCount))
        out.put(negativeOffset)
        out.put(UInt32(truncatingIfNeeded: negativeCount))
        out.align8()
        out.append(positive)
        out.append(negative)
    }

    /// Summary fields; `quantiles` is an array of (quantile, value) f64 pairs.
    @inline(__always)
    static func summaryFields(_ out: inout SliceRecordWriter, count: UInt64, sum: Double, quantiles: UnsafeRawBufferPointer, quantileCount: Int) {
        out.put(count)
        out.put(sum)
        out.put(UInt32(truncatingIfNeeded: quantileCount))
        out.align8()
        out.append(quantiles)
    }
}

/// Writes one point record into room its buffer reserved (`SliceRecords.beginPoint`): the
/// position stays in a register for the whole record, where `ByteBuffer.put` would load and
/// store the buffer's `writerIndex` for every field.
struct SliceRecordWriter {
    /// The record's first byte (8-byte aligned).
    let record: UnsafeMutableRawPointer
    var position: UnsafeMutableRawPointer

    @inline(__always) mutating func put<T: BitwiseCopyable>(_ value: T) {
        position.storeBytes(of: value, as: T.self)
        position += MemoryLayout<T>.size
    }

    @inline(__always) mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        position.copyMemory(from: source, byteCount: bytes.count)
        position += bytes.count
    }

    /// Pads with zeros to the next multiple of 8 from the record's start (zeros: a replayed
    /// slice is byte for byte the live one).
    @inline(__always) mutating func align8() {
        let pad = (8 &- (position - record) & 7) & 7
        position.storeBytes(of: UInt64(0), as: UInt64.self)
        position += pad
    }
}

/// The kind fields of point records as read back (views into the slice), read in the order the
/// writers above put them: the shard's apply and the WAL encoder both read through these.
extension SliceRecords {
    struct NumberFields {
        var kind: NumberValueKind
        var bits: UInt64
    }

    struct HistogramFields {
        var count: UInt64
        var sum: Double?
        var counts: UnsafeBufferPointer<UInt64>
        var bounds: UnsafeBufferPointer<Double>
    }

    struct ExponentialFields {
        var count: UInt64
        var sum: Double?
        var scale: Int32
        var zeroCount: UInt64
        var zeroThreshold: Double
        var positiveOffset: Int32
        var positive: UnsafeBufferPointer<UInt64>
        var negativeOffset: Int32
        var negative: UnsafeBufferPointer<UInt64>
    }

    struct SummaryFields {
        var count: UInt64
        var sum: Double
        var quantiles: UnsafeBufferPointer<QuantileValue>
    }

    @inline(__always)
    static func readNumber(_ r: inout RecordReader) -> NumberFields {
        let kind = NumberValueKind(rawValue: r.get(UInt8.self)) ?? .none
        return NumberFields(kind: kind, bits: r.get(UInt64.self))
    }

    @inline(__always)
    static func readHistogram(_ r: inout RecordReader) -> HistogramFields {
        let count = r.get(UInt64.self), sum = r.get(Double.self), hasSum = r.get(UInt8.self) != 0
        let nc = Int(r.get(UInt32.self)), nb = Int(r.get(UInt32.self))
        let counts = r.array(UInt64.self, nc)
        let bounds = r.array(Double.self, nb)
        return HistogramFields(count: count, sum: hasSum ? sum : nil, counts: counts, bounds: bounds)
    }

    @inline(__always)
    static func readExponential(_ r: inout RecordReader) -> ExponentialFields {
        let count = r.get(UInt64.self), sum = r.get(Double.self), hasSum = r.get(UInt8.self) != 0
        let scale = r.get(Int32.self), zeroCount = r.get(UInt64.self), zeroThreshold = r.get(Double.self)
        let po = r.get(Int32.self), pn = Int(r.get(UInt32.self)), no = r.get(Int32.self), nn = Int(r.get(UInt32.self))
        let pos = r.array(UInt64.self, pn), neg = r.array(UInt64.self, nn)
        return ExponentialFields(count: count, sum: hasSum ? sum : nil, scale: scale, zeroCount: zeroCount, zeroThreshold: zeroThreshold,
                                 positiveOffset: po, positive: pos, negativeOffset: no, negative: neg)
    }

    @inline(__always)
    static func readSummary(_ r: inout RecordReader) -> SummaryFields {
        let count = r.get(UInt64.self), sum = r.get(Double.self), n = Int(r.get(UInt32.self))
        return SummaryFields(count: count, sum: sum, quantiles: r.array(QuantileValue.self, n))
    }
}
