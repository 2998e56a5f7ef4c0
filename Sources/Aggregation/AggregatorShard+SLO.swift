import Exposition
import SLO
import SLOEngine

// Points of series that feed SLOs (see `ShardSLO`): a separate, slightly slower path taken only
// for linked series, so the plain per-point path gains a single branch.
extension AggregatorShard {
    /// The SLO link list of a new series (-1 when it feeds none). Once per series.
    func linkSLOs(_ c: Context, _ kind: StateKind, _ slot: Int32, _ labels: [(name: String, value: String)]) -> Int32 {
        guard let slo, c.family >= 0, let family = families[Int(c.family)] else { return -1 }
        let sloKind: SLOSeriesKind
        var bounds: [Double] = []
        switch kind {
        case .counter where family.kind == .counter:
            sloKind = .counter
        case .counter, .gauge:
            sloKind = .gauge
        case .histogram:
            sloKind = .histogram
            bounds = Array(histograms[slot].bounds.values)
        case .exponential:
            sloKind = .exponentialHistogram
        case .summary:
            sloKind = .summary
        case .info:
            return -1
        }
        return slo.link(name: family.name, labels: labels, kind: sloKind, bounds: bounds)
    }

    /// A linked counter point was applied: its increase feeds the series' SLO instances. Out of
    /// line, so the plain per-point path (which inlines `applyRecord`) stays small.
    @inline(never)
    func counterSLO(_ slot: Int32, _ links: Int32, time: UInt64) {
        let increase = counters.pointer(slot).pointee.lastIncrease
        sloRef.unsafelyUnwrapped._withUnsafeGuaranteedRef { $0.addIncrease(list: links, increase, time: time) }
    }

    /// A new series' first point: a delta stream's first point is an increase; a cumulative
    /// stream's first point has no baseline (its value covers time before slod saw it), so it
    /// counts nothing, like Prometheus' `increase()`.
    func feedFirstPoint(_ kind: StateKind, _ slot: Int32, _ links: Int32, _ hot: HotContext, _ p: PointHeader) {
        guard slo != nil, hot.temporality == .delta else { return }
        switch kind {
        case .counter: counterSLO(slot, links, time: p.time)
        case .histogram: feedHistogram(slot, links, fresh: true, countBefore: 0, time: p.time)
        case .exponential: feedExponential(slot, links, before: nil, time: p.time)
        default: break
        }
    }

    /// Applies a point of a linked series and adds its increase to the series' SLO instances.
    /// Out of line (see `counterSLO`).
    @discardableResult @inline(never)
    func applyLinked(_ tag: RecordTag, _ r: inout RecordReader, _ kind: StateKind, _ slot: Int32, _ links: Int32,
                     _ hot: HotContext, _ p: PointHeader, now: UInt64, outcome: inout SliceOutcome) -> ApplyResult {
        // Histograms keep no "last increase": remember what the point is measured against.
        var hadValue = true, countBefore: UInt64 = 0
        var exponentialBefore: ExponentialHistogramState? = nil
        switch kind {
        case .histogram:
            let h = histograms.pointer(slot)
            hadValue = h.pointee.hasValue
            countBefore = h.pointee.count
            bucketScratch.removeAll(keepingCapacity: true)
            bucketScratch.append(contentsOf: h.pointee.bucketCounts)
        case .exponential:
            exponentialBefore = exponentials[slot]
            hadValue = exponentialBefore!.hasValue
        default:
            break
        }
        let result = applyRecord(tag, &r, kind, slot, hot, p, now: now)
        account(result, hot.index, &outcome)
        guard slo != nil, result == .applied || result == .reset else { return result }
        if kind == .counter {
            counterSLO(slot, links, time: p.time)
            return result
        }
        // No baseline: a cumulative stream seen for the first time (or again after a stale
        // marker) counts nothing; a reset counts the new stream's whole value; a delta stream's
        // accumulated state grew by exactly the point.
        if !hadValue && hot.temporality == .cumulative { return result }
        let fresh = !hadValue || result == .reset
        switch kind {
        case .histogram: feedHistogram(slot, links, fresh: fresh, countBefore: countBefore, time: p.time)
        case .exponential: feedExponential(slot, links, before: fresh ? nil : exponentialBefore, time: p.time)
        default: break
        }
        return result
    }

    /// Adds an explicit-bucket histogram point's increase: from `bucketScratch` (the counts
    /// before it) to the state's counts, or all of them when `fresh`.
    func feedHistogram(_ slot: Int32, _ links: Int32, fresh: Bool, countBefore: UInt64, time: UInt64) {
        let h = histograms.pointer(slot)
        let countIncrease = Double(h.pointee.count) - (fresh ? 0 : Double(countBefore))
        h.pointee.bucketCounts.withUnsafeBufferPointer { after in
            bucketScratch.withUnsafeBufferPointer { scratch in
                let before = fresh ? UnsafeBufferPointer(start: nil, count: 0) : scratch
                slo!.addHistogram(list: links, countIncrease: countIncrease, time: time) {
                    ShardSLO.explicitObservations($0, before: before, after: after)
                }
            }
        }
    }

    /// Adds an exponential histogram point's increase since `before` (nil: no baseline).
    func feedExponential(_ slot: Int32, _ links: Int32, before: ExponentialHistogramState?, time: UInt64) {
        let after = exponentials[slot]
        let countIncrease = Double(after.count) - Double(before?.count ?? 0)
        slo!.addHistogram(list: links, countIncrease: countIncrease, time: time) { l in
            guard l.reading == .exponentialLatency else { return nil }
            return Double(after.observations(atOrBelow: l.good)) - Double(before?.observations(atOrBelow: l.good) ?? 0)
        }
    }

    /// Switches this shard to new SLOs (on reload; call on the shard's thread, e.g. through
    /// `ShardRuntime.onEachShard`): unchanged SLOs keep their pending deltas (see
    /// `ShardSLO.reconfigure`), and every live series is matched again against the new SLOs —
    /// membership is decided on creation and on reload. Cost: one match per series.
    public func reconfigureSLO(matcher: SLOMatcher, registry: SLOInstanceRegistry, layouts: [SLOLayout], keep: [Int: Int]) {
        guard let slo else { return }
        slo.reconfigure(matcher: matcher, registry: registry, layouts: layouts, keep: keep)
        var bytes: [UInt8] = []
        for i in 0..<series.count where series[i].family >= 0 && !series[i].expired && series[i].ctx >= 0 {
            let e = series[i]
            bytes.removeAll(keepingCapacity: true)
            fullLabels(e, into: &bytes)
            let labels = RenderedLabels.pairs(of: bytes)
            series[i].sloLinks = contexts[Int(e.ctx)].map { linkSLOs($0, e.kind, e.slot, labels) } ?? -1
        }
        // Raw identity headers carry a copy of their series' links.
        forEachRaw { w, h, _ in
            let record = UnsafeMutableRawPointer(rawArena.pointer(at: w))
            var header = h
            header.sloLinks = series[Int(h.series)].sloLinks
            record.storeBytes(of: header, as: RawHeader.self)
        }
    }

    /// What this shard collected for SLO instances since the last call; empty without SLOs.
    public func sloReport() -> [SLODelta] {
        slo?.report() ?? []
    }
}
