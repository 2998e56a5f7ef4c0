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
        case .histogram:
            sloKind = .histogram
            bounds = Array(histograms[slot].bounds.values)
        case .exponential:
            sloKind = .exponentialHistogram
        default:
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
        guard let slo, hot.temporality == .delta else { return }
        switch kind {
        case .counter:
            slo.addIncrease(list: links, counters[slot].lastIncrease, time: p.time)
        case .histogram:
            let h = histograms.pointer(slot)
            h.pointee.bucketCounts.withUnsafeBufferPointer { after in
                slo.addHistogram(list: links, before: UnsafeBufferPointer(start: nil, count: 0), after: after,
                                 countIncrease: Double(h.pointee.count), time: p.time)
            }
        case .exponential:
            let after = exponentials[slot]
            slo.addExponential(list: links, countIncrease: Double(after.count), time: p.time, goodBefore: nil,
                               goodAfter: { after.observations(atOrBelow: $0) })
        default:
            break
        }
    }

    /// Applies a point of a linked series and adds its increase to the series' SLO instances.
    /// Out of line (see `counterSLO`).
    @discardableResult @inline(never)
    func applyLinked(_ tag: RecordTag, _ r: inout RecordReader, _ kind: StateKind, _ slot: Int32, _ links: Int32,
                     _ hot: HotContext, _ p: PointHeader, now: UInt64, outcome: inout SliceOutcome) -> ApplyResult {
        guard let slo else {
            let result = applyRecord(tag, &r, kind, slot, hot, p, now: now)
            account(result, hot.index, &outcome)
            return result
        }
        switch kind {
        case .counter:
            let result = applyRecord(tag, &r, kind, slot, hot, p, now: now)
            account(result, hot.index, &outcome)
            if result == .applied || result == .reset {
                slo.addIncrease(list: links, counters[slot].lastIncrease, time: p.time)
            }
            return result
        case .histogram:
            let h = histograms.pointer(slot)
            let hadValue = h.pointee.hasValue
            let countBefore = h.pointee.count
            bucketScratch.removeAll(keepingCapacity: true)
            bucketScratch.append(contentsOf: h.pointee.bucketCounts)
            let result = applyRecord(tag, &r, kind, slot, hot, p, now: now)
            account(result, hot.index, &outcome)
            guard result == .applied || result == .reset else { return result }
            // No baseline: a cumulative stream seen for the first time (or again after a stale
            // marker) counts nothing; a reset counts the new stream's whole value; a delta
            // stream's accumulated state grew by exactly the point.
            if !hadValue && hot.temporality == .cumulative { return result }
            let fresh = !hadValue || result == .reset
            let countIncrease = fresh ? Double(h.pointee.count) : Double(h.pointee.count) - Double(countBefore)
            h.pointee.bucketCounts.withUnsafeBufferPointer { after in
                bucketScratch.withUnsafeBufferPointer { before in
                    slo.addHistogram(list: links, before: fresh ? UnsafeBufferPointer(start: nil, count: 0) : before,
                                     after: after, countIncrease: countIncrease, time: p.time)
                }
            }
            return result
        case .exponential:
            let before = exponentials[slot]
            let result = applyRecord(tag, &r, kind, slot, hot, p, now: now)
            account(result, hot.index, &outcome)
            guard result == .applied || result == .reset else { return result }
            if !before.hasValue && hot.temporality == .cumulative { return result }
            let after = exponentials[slot]
            let fresh = !before.hasValue || result == .reset
            let countIncrease = fresh ? Double(after.count) : Double(after.count) - Double(before.count)
            slo.addExponential(list: links, countIncrease: countIncrease, time: p.time,
                               goodBefore: fresh ? nil : { before.observations(atOrBelow: $0) },
                               goodAfter: { after.observations(atOrBelow: $0) })
            return result
        default:
            let result = applyRecord(tag, &r, kind, slot, hot, p, now: now)
            account(result, hot.index, &outcome)
            return result
        }
    }

    /// Switches this shard to new SLOs (on reload; call on the shard's thread, e.g. through
    /// `ShardRuntime.onEachShard`): unchanged SLOs keep their partial states (see
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

    /// This shard's partial SLO states, advanced to `now` (Unix ns); empty without SLOs.
    public func sloReport(now: Int64) -> [SLOPartialReport] {
        slo?.report(now: now) ?? []
    }
}
