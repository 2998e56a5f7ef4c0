import OTLP
import Primitives

/// One aggregator shard's series as they were at a checkpoint cut, and their checkpoint
/// encoding (`SeriesCheckpoint` format).
///
/// Made without stopping the shard for long (`AggregatorShard.beginStateCopy`): the arrays of
/// Swift values (families, contexts, targets) are copy-on-write, so they are taken as they are;
/// the flat arrays — the raw identities (headers and attribute bytes) and the state pools — are
/// copied chunk by chunk (`ChunkedCopy`) by the shard between slices and before it writes a
/// slot. The raw arena's prefix is not written by the hot path (only appended to); what would
/// write it (sweep, SLO relinking) completes the copy first. Encoding then runs on any thread.
public final class SeriesStateCopy: ShardStateCopy, @unchecked Sendable {
    let families: [AggregatorShard.Family?]
    let contexts: [AggregatorShard.Context?]
    let targets: [AggregatorShard.Target?]
    let seriesCount: Int
    let raw: ChunkedCopy<UInt64>
    let counters: ChunkedCopy<CounterState>
    let gauges: ChunkedCopy<GaugeState>
    let histograms: ChunkedCopy<HistogramState>
    let exponentials: ChunkedCopy<ExponentialHistogramState>
    let summaries: ChunkedCopy<SummaryState>

    init(_ shard: AggregatorShard) {
        families = shard.families
        contexts = shard.contexts
        targets = shard.targets
        seriesCount = shard.series.count
        raw = ChunkedCopy(count: shard.rawArena.count)
        counters = ChunkedCopy(count: shard.counters.items.count)
        gauges = ChunkedCopy(count: shard.gauges.items.count)
        histograms = ChunkedCopy(count: shard.histograms.items.count)
        exponentials = ChunkedCopy(count: shard.exponentials.items.count)
        summaries = ChunkedCopy(count: shard.summaries.items.count)
    }

    var isComplete: Bool {
        raw.isComplete && counters.isComplete && gauges.isComplete && histograms.isComplete
            && exponentials.isComplete && summaries.isComplete
    }

    /// Appends the shard's series in the checkpoint form (one part: magic, version, records,
    /// end). Call once the copy is complete.
    ///
    /// One pass over the raw identities (arena order) and the targets; a context blob is written
    /// before its first identity, a series' state with its first identity, later identities of
    /// the same series as aliases. Cost: linear, appends to `out` only (plus two index arrays).
    public func encode(into out: inout [UInt8]) {
        precondition(isComplete, "encoding a checkpoint copy the shard has not finished")
        out.reserveCapacity(out.count + 64 + raw.count * 8 + seriesCount * 48)
        out.append(contentsOf: SeriesCheckpoint.magic)
        out.append(SeriesCheckpoint.version)
        for case let f? in families where f.seriesCount > 0 {
            out.append(SeriesCheckpoint.Tag.family.rawValue)
            out.checkpointPut(string: f.name)
            out.checkpointPut(string: f.help)
            out.checkpointPut(string: f.unit)
        }
        var localContext = [Int32](repeating: -1, count: contexts.count)
        var nextContext: Int32 = 0
        var localSeries = [Int32](repeating: -1, count: seriesCount)
        var nextSeries: Int32 = 0
        var w = 0
        while w < raw.count {
            let record = UnsafeRawPointer(raw.base + w)
            let h = record.load(as: AggregatorShard.RawHeader.self)
            w += AggregatorShard.rawHeaderWords + (Int(h.keyLength) + 7) / 8
            guard h.ctx >= 0 else { continue }
            let key = UnsafeRawBufferPointer(start: record + AggregatorShard.rawHeaderWords * 8, count: Int(h.keyLength))
            var lc = localContext[Int(h.ctx)]
            if lc < 0 {
                lc = nextContext
                nextContext += 1
                localContext[Int(h.ctx)] = lc
                out.append(SeriesCheckpoint.Tag.context.rawValue)
                contexts[Int(h.ctx)]!.key.withUnsafeBytes { out.checkpointPut(bytes: $0) }
            }
            let ls = localSeries[Int(h.series)]
            if ls >= 0 {
                out.append(SeriesCheckpoint.Tag.alias.rawValue)
                out.checkpointPut(UInt32(lc))
                out.checkpointPut(bytes: key)
                out.checkpointPut(UInt32(ls))
                continue
            }
            localSeries[Int(h.series)] = nextSeries
            nextSeries += 1
            out.append(SeriesCheckpoint.Tag.series.rawValue)
            out.checkpointPut(UInt32(lc))
            out.checkpointPut(bytes: key)
            // The raw header carries its series' state kind and slot (set when it was added).
            out.append(SeriesCheckpoint.kindCode(h.kind))
            encodeState(h.kind, Int(h.slot), into: &out)
        }
        for case let t? in targets {
            out.append(SeriesCheckpoint.Tag.target.rawValue)
            t.key.withUnsafeBytes { out.checkpointPut(bytes: $0) }
        }
        out.append(SeriesCheckpoint.Tag.end.rawValue)
    }

    func encodeState(_ kind: AggregatorShard.StateKind, _ slot: Int, into out: inout [UInt8]) {
        switch kind {
        case .counter:
            let st = counters.base + slot
            out.checkpointPutStateHeader(st.pointee.status, start: st.pointee.startTimeUnixNano, time: st.pointee.timeUnixNano)
            out.checkpointPut(st.pointee.value)
            out.checkpointPut(st.pointee.lastIncrease)
        case .gauge, .info:
            let st = gauges.base + slot
            out.checkpointPutStateHeader(st.pointee.status, start: st.pointee.startTimeUnixNano, time: st.pointee.timeUnixNano)
            out.checkpointPut(st.pointee.value)
        case .histogram:
            let st = histograms.base + slot
            out.checkpointPutStateHeader(st.pointee.status, start: st.pointee.startTimeUnixNano, time: st.pointee.timeUnixNano)
            out.checkpointPut(st.pointee.count)
            out.checkpointPut(st.pointee.sum)
            out.checkpointPut(UInt32(st.pointee.bounds.count))
            out.checkpointPut(UInt32(st.pointee.bucketCounts.count))
            for b in st.pointee.bounds.values { out.checkpointPut(b) }
            for c in st.pointee.bucketCounts { out.checkpointPut(c) }
        case .exponential:
            let st = exponentials.base + slot
            out.checkpointPutStateHeader(st.pointee.status, start: st.pointee.startTimeUnixNano, time: st.pointee.timeUnixNano)
            out.checkpointPut(st.pointee.count)
            out.checkpointPut(st.pointee.sum)
            out.checkpointPut(st.pointee.zeroCount)
            out.checkpointPut(st.pointee.zeroThreshold)
            out.checkpointPut(st.pointee.scale)
            out.checkpointPut(st.pointee.negativeOffset)
            out.checkpointPut(st.pointee.positiveOffset)
            let nn = Int(st.pointee.negativeLength)
            out.checkpointPut(UInt32(nn))
            out.checkpointPut(UInt32(st.pointee.storage.count - nn))
            for c in st.pointee.storage { out.checkpointPut(c) }
        case .summary:
            let st = summaries.base + slot
            out.checkpointPutStateHeader(st.pointee.status, start: st.pointee.startTimeUnixNano, time: st.pointee.timeUnixNano)
            out.checkpointPut(st.pointee.count)
            out.checkpointPut(st.pointee.sum)
            out.checkpointPut(UInt32(st.pointee.quantiles.count))
            for q in st.pointee.quantiles { out.checkpointPut(q.quantile); out.checkpointPut(q.value) }
        }
    }
}
