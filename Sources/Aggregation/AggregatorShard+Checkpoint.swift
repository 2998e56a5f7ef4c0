#if canImport(Glibc)
import Glibc
#endif
import OTLP
import Primitives

// Checkpoint and restore of the series state (format and rules: `SeriesCheckpoint.swift`).
extension AggregatorShard {
    /// Appends this shard's series in the checkpoint form (one part: magic, version, records,
    /// end). Call on the shard's thread, or while it is not running.
    ///
    /// One pass over the raw identities (arena order) and the targets; a context blob is written
    /// before its first identity, a series' state with its first identity, later identities of
    /// the same series as aliases. Cost: linear, appends to `out` only (plus two index arrays).
    public func encodeSeries(into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 64 + rawArena.count * 8 + seriesCount * 48)
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
        var localSeries = [Int32](repeating: -1, count: series.count)
        var nextSeries: Int32 = 0
        forEachRaw { _, h, key in
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
                return
            }
            localSeries[Int(h.series)] = nextSeries
            nextSeries += 1
            out.append(SeriesCheckpoint.Tag.series.rawValue)
            out.checkpointPut(UInt32(lc))
            out.checkpointPut(bytes: key)
            let e = series[Int(h.series)]
            out.append(SeriesCheckpoint.kindCode(e.kind))
            encodeState(e.kind, e.slot, into: &out)
        }
        for case let t? in targets {
            out.append(SeriesCheckpoint.Tag.target.rawValue)
            t.key.withUnsafeBytes { out.checkpointPut(bytes: $0) }
        }
        out.append(SeriesCheckpoint.Tag.end.rawValue)
    }

    func encodeState(_ kind: StateKind, _ slot: Int32, into out: inout [UInt8]) {
        switch kind {
        case .counter:
            let st = counters.pointer(slot)
            out.checkpointPutStateHeader(st.pointee.status, start: st.pointee.startTimeUnixNano, time: st.pointee.timeUnixNano)
            out.checkpointPut(st.pointee.value)
            out.checkpointPut(st.pointee.lastIncrease)
        case .gauge, .info:
            let st = gauges.pointer(slot)
            out.checkpointPutStateHeader(st.pointee.status, start: st.pointee.startTimeUnixNano, time: st.pointee.timeUnixNano)
            out.checkpointPut(st.pointee.value)
        case .histogram:
            let st = histograms.pointer(slot)
            out.checkpointPutStateHeader(st.pointee.status, start: st.pointee.startTimeUnixNano, time: st.pointee.timeUnixNano)
            out.checkpointPut(st.pointee.count)
            out.checkpointPut(st.pointee.sum)
            out.checkpointPut(UInt32(st.pointee.bounds.count))
            out.checkpointPut(UInt32(st.pointee.bucketCounts.count))
            for b in st.pointee.bounds.values { out.checkpointPut(b) }
            for c in st.pointee.bucketCounts { out.checkpointPut(c) }
        case .exponential:
            let st = exponentials.pointer(slot)
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
            let st = summaries.pointer(slot)
            out.checkpointPutStateHeader(st.pointee.status, start: st.pointee.startTimeUnixNano, time: st.pointee.timeUnixNano)
            out.checkpointPut(st.pointee.count)
            out.checkpointPut(st.pointee.sum)
            out.checkpointPut(UInt32(st.pointee.quantiles.count))
            for q in st.pointee.quantiles { out.checkpointPut(q.quantile); out.checkpointPut(q.value) }
        }
    }

    enum RestoreOutcome { case created, aliased, dropped }

    /// Restores one raw identity of context `ctx` (this shard's index, from `context(hash:blob:)`)
    /// with the saved `state`: as the miss path does for a new identity — alias to the series
    /// with the same (family, labels), or a new series within the limits — but the state slot
    /// gets `state` instead of a point, and no SLO delta is added (the series is only linked).
    func restoreIdentity(hash: UInt64, ctx: Int32, attrs: ByteView, _ state: SavedState) -> RestoreOutcome {
        let c = contexts[Int(ctx)]!
        guard c.family >= 0 else { return .dropped }
        if findRaw(hash: hash, ctx: ctx, attrs: attrs.base, count: attrs.count) != nil { return .aliased }   // the same identity twice (e.g. in two parts)
        let labels = identityLabels(c, attrs: attrs)
        let kind = c.stateKind
        if let s = findSeries(family: c.family, full: labels.full, hash: labels.labelHash) {
            guard series[Int(s)].kind == kind else { return .dropped }
            addRaw(hash: hash, ctx: ctx, attrs: attrs, series: s)
            return .aliased
        }
        if seriesLimitMessage(c) != nil { return .dropped }
        let slot: Int32
        switch state {
        case .counter(let st): slot = counters.add(st)
        case .gauge(let st): slot = gauges.add(st)
        case .histogram(let st):
            if let hint = c.boundsHint, hint !== st.bounds, st.bounds.values.withUnsafeBufferPointer({ hint.matches($0) }) {
                slot = histograms.add(HistogramState(start: st.startTimeUnixNano, time: st.timeUnixNano, lastUpdate: st.lastUpdate,
                                                     count: st.count, sum: st.sum, bounds: hint, bucketCounts: st.bucketCounts,
                                                     status: st.status))
            } else {
                slot = histograms.add(st)
                if c.boundsHint == nil, st.hasValue { c.boundsHint = st.bounds }
            }
        case .exponential(let st): slot = exponentials.add(st)
        case .summary(let st): slot = summaries.add(st)
        }
        let s = materialize(c, ctx: ctx, kind, slot: slot, labels)
        addRaw(hash: hash, ctx: ctx, attrs: attrs, series: s)
        return .created
    }

    /// target_info identities held.
    var liveTargets: Int { targets.count - freeTargets.count }

    /// Whether this resource blob is a target_info identity here already.
    func hasTarget(hash: UInt64, blob: ByteView) -> Bool { findTarget(hash: hash, blob: blob) != nil }
}
