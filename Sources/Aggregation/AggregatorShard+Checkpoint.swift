#if canImport(Glibc)
import Glibc
#endif
import OTLP
import Primitives

// Restore of the series state from a checkpoint (format and rules: `SeriesCheckpoint.swift`;
// the encoding side is `SeriesStateCopy`).
extension AggregatorShard {
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
