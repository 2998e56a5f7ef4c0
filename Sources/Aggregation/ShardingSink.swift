import OTLP
import Primitives

/// The loop-side sink: a `MetricsSink` that turns decoded points into one `BatchSlice` per shard.
///
/// Per point it picks the shard by the series' raw identity hash — the hash of the point's
/// canonical attribute encoding combined with the hash of the resource + scope + metric context
/// (computed once per metric; `pointHash`) — and appends a compact record to that shard's slice (format in
/// `ShardingSink+Records.swift`). A context record is written into a slice at most once per
/// metric, before the first point of that metric the slice receives. For each resource with at
/// least one point, one `target_info` record goes to shard `shardIndex(resourceHash)` (once per
/// request per distinct resource), so one shard owns each target_info series.
///
/// Attribute encodings are canonical (sorted by key, last duplicate wins), so a reordered
/// attribute list lands on the same shard and series. A point attribute list whose raw protobuf
/// bytes were seen before is neither decoded nor encoded again: its encoding and hash come from
/// the `RawAttributeCache` this sink offers the decoder (8 MiB per loop, emptied when full).
///
/// Allocation: per request at most one `BatchSlice` per shard, unless `recycledSlice` supplies
/// one (`ShardRuntime` returns applied slices to the loop that wrote them, so a steady stream of
/// requests reuses the same, already grown and paged-in buffers); per resource/scope/metric a
/// few scratch writes into reused buffers; none per point (beyond buffer growth).
///
/// Not thread-safe: one per event loop.
public final class ShardingSink: MetricsSink {
    public let shards: Int
    private var slices: [BatchSlice?]
    /// Per shard: `slices[i]` unretained (the array keeps it alive), so the per-point path takes
    /// no reference count; set and cleared with it.
    private let open: UnsafeMutablePointer<Unmanaged<BatchSlice>?>
    /// Per shard: the context record of the current metric has been written.
    private let contextWritten: UnsafeMutablePointer<Bool>
    private var tenant: ByteView = .empty
    private var tenantBytes: [UInt8] = []

    /// tenant · resource part of the context blob (also the target_info blob).
    private let resourcePart = ByteBuffer(capacity: 512)
    private let scopePart = ByteBuffer(capacity: 256)
    private let metricPart = ByteBuffer(capacity: 256)
    private var resourceHash: UInt64 = 0
    private var resourceHasPoints = false
    private var prefixHash: UInt64 = 0
    private var metricKind: MetricKind = .gauge
    private var emittedResources: [UInt64] = []
    private let attributeScratch = ByteBuffer(capacity: 256)
    /// Canonical encodings (and their hashes) of point attribute lists by raw protobuf bytes.
    private let attributeCache: RawAttributeCache
    private var order: [Int32] = []
    /// Supplies an empty slice for a shard (a recycled one), or nil to allocate a new one.
    public var recycledSlice: ((Int) -> BatchSlice?)? = nil
    /// The lane's WAL encoder, given every slice record as it is written (nil: no journal, as
    /// with storage disabled). `IngestPipeline` sets it from its journal.
    public var recorder: PointsRecordEncoder? {
        didSet { unretainedRecorder = recorder.map { .passUnretained($0) } }
    }
    /// `recorder` unretained (the property keeps it alive): no reference count per point.
    private var unretainedRecorder: Unmanaged<PointsRecordEncoder>? = nil
    /// The current metric's context was given to `recorder`.
    private var contextRecorded = false
    /// Per shard: bytes of the last slice handed out, the starting capacity of a new one.
    private var lastSliceBytes: [Int]

    /// - Parameter attributeCacheBytes: the bound of the loop's `RawAttributeCache`.
    public init(shards: Int, attributeCacheBytes: Int = 8 << 20) {
        precondition(shards >= 1)
        self.shards = shards
        attributeCache = RawAttributeCache(maxBytes: attributeCacheBytes)
        slices = Array(repeating: nil, count: shards)
        open = .allocate(capacity: shards)
        open.initialize(repeating: nil, count: shards)
        contextWritten = .allocate(capacity: shards)
        contextWritten.initialize(repeating: false, count: shards)
        lastSliceBytes = Array(repeating: 4096, count: shards)
        order.reserveCapacity(32)
    }

    deinit {
        open.deallocate()
        contextWritten.deallocate()
    }

    /// Drops the current slices (after handing them out, or for a request not committed).
    private func closeSlices() {
        for i in 0..<shards {
            slices[i] = nil
            open[i] = nil
        }
    }

    /// After the decoder's `endRequest(committed: true)`: the slices of the request (nil for shards
    /// with no records); resets for the next request. After `committed: false`, everything is
    /// dropped (and this returns all nils).
    public func takeSlices() -> [BatchSlice?] {
        let out = slices
        for i in 0..<shards {
            if let s = slices[i] { lastSliceBytes[i] = s.buffer.writerIndex }
        }
        closeSlices()
        return out
    }

    // MARK: MetricsSink

    public func beginRequest(_ context: RequestContext) {
        closeSlices()
        recorder?.beginRequest()
        for i in 0..<shards { contextWritten[i] = false }
        tenantBytes = context.tenant.array       // one small copy per request
        emittedResources.removeAll(keepingCapacity: true)
        resourcePart.clear(); scopePart.clear(); metricPart.clear()
    }

    public func resource(_ resource: ResourceView) {
        resourcePart.clear()
        resourcePart.put(UInt32(truncatingIfNeeded: tenantBytes.count))
        resourcePart.append(tenantBytes)
        resourcePart.putBytes(resource.schemaURL)
        encodeAttributes(resource.attributes, to: resourcePart, scratch: &order)
        resourceHash = Aggregation.resourceHash(UnsafeRawBufferPointer(resourcePart.readable))
        resourceHasPoints = false
    }

    public func scope(_ scope: ScopeView) {
        scopePart.clear()
        scopePart.putBytes(scope.name)
        scopePart.putBytes(scope.version)
        scopePart.putBytes(scope.schemaURL)
        encodeAttributes(scope.attributes, to: scopePart, scratch: &order)
    }

    public func metric(_ metric: MetricView) {
        metricPart.clear()
        metricPart.putBytes(metric.name)
        metricPart.putBytes(metric.description)
        metricPart.putBytes(metric.unit)
        metricPart.put(metric.kind.rawValue)
        metricPart.put(metric.temporality.rawValue)
        metricPart.put(UInt8(metric.isMonotonic ? 1 : 0))
        metricKind = metric.kind
        // The description is metadata, not identity; but it is part of the context blob, so it
        // is hashed too (the shard aliases series by their labels anyway).
        prefixHash = contextHash(resource: UnsafeRawBufferPointer(resourcePart.readable), scope: UnsafeRawBufferPointer(scopePart.readable),
                                 metric: UnsafeRawBufferPointer(metricPart.readable))
        for i in 0..<shards { contextWritten[i] = false }
        contextRecorded = false
    }

    public var rawAttributeCache: RawAttributeCache? { attributeCache }

    public func endRequest(committed: Bool) {
        if !committed { closeSlices() }
        for i in 0..<shards { contextWritten[i] = false }
    }

    // MARK: Points

    /// Encodes the point's attributes into the scratch buffer, hashes them, picks the slice,
    /// writes the context record if needed and the common point header, lets `body` write the
    /// kind's fields (at most `fieldBytes`), finishes the record, and gives the records to the
    /// `recorder`.
    @inline(__always)
    private func writePoint(_ tag: RecordTag, _ c: PointCommon, fieldBytes: Int, _ body: (inout SliceRecordWriter) -> Void) {
        let attrs: UnsafeRawBufferPointer, attrHash: UInt64
        var cacheEntry = c.cachedAttributes
        if cacheEntry >= 0 {
            (attrs, attrHash) = attributeCache.payload(cacheEntry)
        } else {
            attributeScratch.clear()
            encodeAttributes(c.attributes, to: attributeScratch, scratch: &order)
            attrs = UnsafeRawBufferPointer(attributeScratch.readable)
            attrHash = attributeHash(attrs)
            if !c.rawAttributes.isEmpty { cacheEntry = attributeCache.insert(c.rawAttributes.buffer, payload: attrs, value: attrHash) }
        }
        let hash = pointHash(context: prefixHash, attributes: attrHash)
        let shard = shardIndex(hash, shards: shards)
        if !resourceHasPoints { emitTargetInfo() }
        let current = open[shard] ?? Unmanaged.passUnretained(sliceFor(shard))
        current._withUnsafeGuaranteedRef { slice in
            let out = slice.buffer
            if !contextWritten[shard] {
                contextWritten[shard] = true
                let at = SliceRecords.context(out, hash: prefixHash, resource: UnsafeRawBufferPointer(resourcePart.readable),
                                              scope: UnsafeRawBufferPointer(scopePart.readable), metric: UnsafeRawBufferPointer(metricPart.readable))
                if !contextRecorded, let recorder = unretainedRecorder {
                    contextRecorded = true
                    _ = recorder._withUnsafeGuaranteedRef { $0.context(out.base + at) }
                }
            }
            slice.pointCount += 1
            var writer = SliceRecords.beginPoint(out, tag, hash: hash, start: c.startTimeUnixNano, time: c.timeUnixNano,
                                                 flags: c.flags.rawValue, attributes: attrs, fieldBytes: fieldBytes)
            body(&writer)
            SliceRecords.finishPoint(out, writer)
            if let recorder = unretainedRecorder {
                let key = cacheEntry >= 0 ? PointsRecordEncoder.AttributesKey(entry: cacheEntry, generation: attributeCache.generation) : .unknown
                _ = recorder._withUnsafeGuaranteedRef { $0.point(tag, UnsafeRawPointer(writer.record), attributesKey: key) }
            }
        }
    }

    @inline(__always)
    private func sliceFor(_ shard: Int) -> BatchSlice {
        if let s = slices[shard] { return s }
        let s: BatchSlice
        if let r = recycledSlice?(shard) {
            r.reset()
            s = r
        } else {
            // Sized like the last request's slice: no growth copies for a steady stream.
            s = BatchSlice(capacity: max(4096, lastSliceBytes[shard] + lastSliceBytes[shard] / 8))
        }
        slices[shard] = s
        open[shard] = .passUnretained(s)
        return s
    }

    private func emitTargetInfo() {
        resourceHasPoints = true
        if emittedResources.contains(resourceHash) { return }
        emittedResources.append(resourceHash)
        let shard = shardIndex(resourceHash, shards: shards)
        let slice = sliceFor(shard)
        let at = SliceRecords.resource(slice.buffer, hash: resourceHash, blob: UnsafeRawBufferPointer(resourcePart.readable))
        slice.pointCount += 1
        recorder?.targetInfo(slice.buffer.base + at)
    }

    public func numberPoint(_ point: NumberPointView) {
        writePoint(.number, point.common, fieldBytes: SliceRecords.numberFieldBytes) { out in
            switch point.value {
            case .none: SliceRecords.numberFields(&out, kind: .none, bits: 0)
            case .double(let d): SliceRecords.numberFields(&out, kind: .double, bits: d.bitPattern)
            case .int(let i): SliceRecords.numberFields(&out, kind: .int, bits: UInt64(bitPattern: i))
            }
        }
    }

    public func histogramPoint(_ point: HistogramPointView) {
        writePoint(.histogram, point.common,
                   fieldBytes: SliceRecords.histogramFieldBytes(counts: point.bucketCounts.count, bounds: point.explicitBounds.count)) { out in
            SliceRecords.histogramFields(&out, count: point.count, sum: point.sum,
                                         counts: UnsafeRawBufferPointer(point.bucketCounts), countCount: point.bucketCounts.count,
                                         bounds: UnsafeRawBufferPointer(point.explicitBounds), boundCount: point.explicitBounds.count)
        }
    }

    public func exponentialHistogramPoint(_ point: ExponentialHistogramPointView) {
        writePoint(.exponential, point.common,
                   fieldBytes: SliceRecords.exponentialFieldBytes(positive: point.positive.counts.count, negative: point.negative.counts.count)) { out in
            SliceRecords.exponentialFields(&out, count: point.count, sum: point.sum, scale: point.scale, zeroCount: point.zeroCount,
                                           zeroThreshold: point.zeroThreshold,
                                           positiveOffset: point.positive.offset, positive: UnsafeRawBufferPointer(point.positive.counts),
                                           positiveCount: point.positive.counts.count,
                                           negativeOffset: point.negative.offset, negative: UnsafeRawBufferPointer(point.negative.counts),
                                           negativeCount: point.negative.counts.count)
        }
    }

    public func summaryPoint(_ point: SummaryPointView) {
        writePoint(.summary, point.common, fieldBytes: SliceRecords.summaryFieldBytes(quantiles: point.quantiles.count)) { out in
            SliceRecords.summaryFields(&out, count: point.count, sum: point.sum, quantiles: UnsafeRawBufferPointer(point.quantiles),
                                       quantileCount: point.quantiles.count)
        }
    }
}
