import Exposition
import SLO
import SLOEngine

// Points of series that feed SLOs (see `ShardSLO`): a separate, slightly slower path taken only
// for linked series, so the plain per-point path gains a single branch.
extension AggregatorShard {
    /// The SLO link list of a new series (-1 when it feeds none). Once per series.
    func linkSLOs(_ c: Context, _ kind: StateKind, _ slot: Int32, _ labels: [(name: String, value: String)]) -> Int32 {
        guard let slo, let match = sloMatch(c, kind, slot) else { return -1 }
        return slo.link(name: match.name, labels: labels, kind: match.kind, bounds: match.bounds)
    }

    /// Links series `s` (list `links`) again after its histogram bounds changed: the buckets its
    /// links read follow the new bounds (see `ShardSLO.relink`). Cold: once per change.
    @inline(never)
    func relinkSLOs(series s: Int32, _ links: Int32) {
        let e = series[Int(s)]
        guard let slo, e.ctx >= 0, let c = contexts[Int(e.ctx)], let match = sloMatch(c, e.kind, e.slot) else { return }
        var bytes: [UInt8] = []
        slo.relink(links, name: match.name, labels: sloLabels(e, scratch: &bytes), kind: match.kind, bounds: match.bounds)
    }

    /// What the SLO matcher is told about a series of context `c` whose state is in `slot`: the
    /// family name, its kind and a histogram's current bounds. Nil for series that feed no SLO.
    func sloMatch(_ c: Context, _ kind: StateKind, _ slot: Int32) -> (name: String, kind: SLOSeriesKind, bounds: [Double])? {
        guard c.family >= 0, let family = families[Int(c.family)] else { return nil }
        switch kind {
        case .counter where family.kind == .counter:
            return (family.name, .counter, [])
        case .counter, .gauge:
            return (family.name, .gauge, [])
        case .histogram:
            return (family.name, .histogram, Array(histograms[slot].bounds.values))
        case .exponential:
            return (family.name, .exponentialHistogram, [])
        case .summary:
            return (family.name, .summary, [])
        case .info:
            return nil
        }
    }

    /// A live series' labels (context and own, merged) as pairs, for the SLO matcher.
    func sloLabels(_ e: Series, scratch bytes: inout [UInt8]) -> [(name: String, value: String)] {
        bytes.removeAll(keepingCapacity: true)
        fullLabels(e, into: &bytes)
        return RenderedLabels.pairs(of: bytes)
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

    /// Applies a point of series `s` (linked: list `links`) and adds its increase to the
    /// series' SLO instances. Out of line (see `counterSLO`).
    @discardableResult @inline(never)
    func applyLinked(_ tag: RecordTag, _ r: inout RecordReader, _ kind: StateKind, _ slot: Int32, series s: Int32, _ links: Int32,
                     _ hot: HotContext, _ p: PointHeader, now: UInt64, outcome: inout SliceOutcome) -> ApplyResult {
        // Histograms keep no "last increase": remember what the point is measured against.
        var hadValue = true, countBefore: UInt64 = 0
        var exponentialBefore: ExponentialHistogramState? = nil
        // A point with other bounds gives the state a new `BucketBounds`, made or found while the
        // old one is still held: a different object, so the identity tells a change by a compare.
        var boundsBefore: ObjectIdentifier? = nil
        switch kind {
        case .histogram:
            let h = histograms.pointer(slot)
            hadValue = h.pointee.hasValue
            countBefore = h.pointee.count
            boundsBefore = ObjectIdentifier(h.pointee.bounds)
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
        // New bounds (the state was reset to them): the links' bucket indexes are the old bounds'.
        if let boundsBefore, ObjectIdentifier(histograms.pointer(slot).pointee.bounds) != boundsBefore {
            relinkSLOs(series: s, links)
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
    /// membership is decided on creation and on reload (and, for a linked histogram, when its
    /// bounds change: `relinkSLOs`). Cost: one match per series.
    public func reconfigureSLO(matcher: SLOMatcher, registry: SLOInstanceRegistry, layouts: [SLOLayout], keep: [Int: Int]) {
        guard let slo else { return }
        slo.reconfigure(matcher: matcher, registry: registry, layouts: layouts, keep: keep)
        var bytes: [UInt8] = []
        for i in 0..<series.count where series[i].family >= 0 && !series[i].expired && series[i].ctx >= 0 {
            let e = series[i]
            let labels = sloLabels(e, scratch: &bytes)
            series[i].sloLinks = contexts[Int(e.ctx)].map { linkSLOs($0, e.kind, e.slot, labels) } ?? -1
        }
        // Raw identity headers carry a copy of their series' links.
        completeStateCopy()
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
