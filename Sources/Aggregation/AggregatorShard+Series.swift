import Exposition
import OTLP
import Primitives

// The miss path: a raw identity seen for the first time. Warm, not hot: once per new series or
// alias, so translation and allocation are allowed here.
extension AggregatorShard {
    /// Translates the point's labels, aliases it to an existing series with the same (family,
    /// labels) or creates a series (limits permitting), applies the point, and remembers the raw
    /// identity if the point was accepted.
    /// `values`: a reader at the record's value part.
    func newIdentity(_ tag: RecordTag, _ values: RecordReader, hash: UInt64, _ hot: HotContext, attrs: ByteView,
                     _ p: PointHeader, now: UInt64, outcome: inout SliceOutcome) {
        var values = values
        let ctx = hot.index
        let c = contexts[Int(ctx)]!
        let labels = identityLabels(c, attrs: attrs)
        let stateKind = c.stateKind
        if let s = findSeries(family: c.family, full: labels.full, hash: labels.labelHash) {
            let e = series[Int(s)]
            guard e.kind == stateKind else {
                outcome.reject("type_conflict", "metric \"\(c.metricName)\" has the same Prometheus name and labels as a series of another type")
                stats.rejected["type_conflict"]?.add()
                return
            }
            let result: ApplyResult
            if e.sloLinks >= 0 {
                result = applyLinked(tag, &values, e.kind, e.slot, series: s, e.sloLinks, hot, p, now: now, outcome: &outcome)
            } else {
                result = applyRecord(tag, &values, e.kind, e.slot, hot, p, now: now)
                account(result, ctx, &outcome)
            }
            if result.isAccepted { addRaw(hash: hash, ctx: ctx, attrs: attrs, series: s) }
            return
        }

        // New series: limits, then apply to a fresh state; keep it only if accepted.
        if let message = seriesLimitMessage(c) {
            outcome.reject("series_limit", message)
            stats.rejected["series_limit"]?.add()
            return
        }
        let slot = newState(stateKind)
        let result = applyRecord(tag, &values, stateKind, slot, hot, p, now: now)
        guard result.isAccepted else {
            freeState(stateKind, slot)
            account(result, ctx, &outcome)
            return
        }
        if stateKind == .histogram, c.boundsHint == nil {
            c.boundsHint = histograms[slot].bounds
        }
        let s = materialize(c, ctx: ctx, stateKind, slot: slot, labels)
        if series[Int(s)].sloLinks >= 0 { feedFirstPoint(stateKind, slot, series[Int(s)].sloLinks, hot, p) }
        addRaw(hash: hash, ctx: ctx, attrs: attrs, series: s)
        account(result, ctx, &outcome)
    }

    /// A new raw identity's labels: its point labels translated (less the reserved `le`/`quantile`
    /// and the names the context overrides) and rendered, merged with the context's.
    struct IdentityLabels {
        /// The series' own rendered labels.
        var own: [UInt8]
        /// Context and own labels merged, name-sorted: the identity in `labelIndex`.
        var full: [UInt8]
        var labelHash: UInt64
        /// All labels as pairs, for SLO matching (empty when no SLO wants them).
        var sloLabels: [(name: String, value: String)]
    }

    /// Translates a raw identity's attributes (once per new identity: the miss path and restore).
    func identityLabels(_ c: Context, attrs: ByteView) -> IdentityLabels {
        decodeAttributes(attrs, into: &attributeScratch2)
        var point = attributeScratch2.withUnsafeBufferPointer { PrometheusLabels.labels(from: $0) }
        if let reserved = PrometheusLabels.reservedLabel(for: c.kind) { point.removeAll { $0.name == reserved } }
        if !c.labelList.isEmpty { point.removeAll { p in c.labelList.contains { $0.name == p.name } } }
        let own = RenderedLabels(point.map { ($0.name, $0.value) }).bytes
        let wantsSLO = slo.map { !$0.matcher.isEmpty } ?? false
        let sloLabels: [(name: String, value: String)] = wantsSLO ? c.labelList.map { ($0.name, $0.value) } + point.map { ($0.name, $0.value) } : []
        var full: [UInt8] = []
        c.labels.bytes.withUnsafeBytes { pre in own.withUnsafeBytes { RenderedLabels.mergeSorted(pre, $0, into: &full) } }
        return IdentityLabels(own: own, full: full, labelHash: Self.labelHash(family: c.family, full), sloLabels: sloLabels)
    }

    /// Why a new series of context `c` may not be created (cardinality limits), or nil.
    func seriesLimitMessage(_ c: Context) -> String? {
        if seriesCount >= maxSeries || families[Int(c.family)]!.seriesCount >= maxSeriesPerMetric {
            return "metric \"\(c.metricName)\": series limit reached (\(seriesCount >= maxSeries ? "\(maxSeries) series per shard" : "\(maxSeriesPerMetric) series per metric")), new series dropped"
        }
        if maxSeriesPerTenant > 0, c.tenant >= 0, tenantSeries[Int(c.tenant)] >= maxSeriesPerTenant {
            return "tenant \"\(tenantNames[Int(c.tenant)])\": series limit reached (\(maxSeriesPerTenant) series per tenant per shard), new series of \"\(c.metricName)\" dropped"
        }
        return nil
    }

    /// Creates the series of context `ctx` whose state is in `slot` (already holding its
    /// point): stores its labels, links it to its SLOs (no delta is added here) and indexes it.
    func materialize(_ c: Context, ctx: Int32, _ kind: StateKind, slot: Int32, _ labels: IdentityLabels) -> Int32 {
        let (offset, length) = storeLabels(labels.own)
        let wantsSLO = slo.map { !$0.matcher.isEmpty } ?? false
        let links = wantsSLO ? linkSLOs(c, kind, slot, labels.sloLabels) : -1
        return addSeries(Series(family: c.family, ctx: ctx, slot: slot, labelOffset: offset, labelLength: length,
                                kind: kind, expired: false, labelHash: labels.labelHash, sloLinks: links))
    }

    /// The series with exactly this (family, merged labels), if any.
    func findSeries(family: Int32, full: [UInt8], hash: UInt64) -> Int32? {
        var scratch: [UInt8] = []
        return labelIndex.find(hash: hash) { s in
            let e = series[Int(s)]
            guard e.family == family else { return false }
            scratch.removeAll(keepingCapacity: true)
            fullLabels(e, into: &scratch)
            return scratch == full
        }
    }

    func addSeries(_ e: Series) -> Int32 {
        let s: Int32
        if let i = freeSeries.popLast() { series[Int(i)] = e; s = i } else { series.append(e); s = Int32(series.count - 1) }
        labelIndex.insert(hash: e.labelHash, value: s)
        if e.ctx >= 0, let t = contexts[Int(e.ctx)]?.tenant, t >= 0 { tenantSeries[Int(t)] += 1 }
        families[Int(e.family)]!.seriesCount += 1
        seriesCount += 1
        stats.seriesCreated.add()
        return s
    }

    /// Remembers a raw identity (context + attribute bytes) of series `s`: appends its record to
    /// the arena and indexes it.
    func addRaw(hash: UInt64, ctx: Int32, attrs: ByteView, series s: Int32) {
        let e = series[Int(s)]
        let offset = rawArena.count
        precondition(offset < Int(Int32.max), "raw identity arena over 16 GiB")
        let words = Self.rawHeaderWords + (attrs.count + 7) / 8
        rawArena.reserveCapacity(offset + words)
        for _ in 0..<words { rawArena.append(0) }
        let record = UnsafeMutableRawPointer(rawArena.pointer(at: offset))
        record.storeBytes(of: RawHeader(ctx: ctx, series: s, slot: e.slot, keyLength: UInt32(attrs.count), kind: e.kind,
                                        sloLinks: e.sloLinks),
                          as: RawHeader.self)
        if attrs.count > 0 {
            (record + Self.rawHeaderWords * 8).copyMemory(from: attrs.base!, byteCount: attrs.count)
        }
        rawIndex.insert(hash: hash, value: Int32(offset))
        contexts[Int(ctx)]!.rawEntries += 1
    }

    /// Calls `body(wordOffset, header, key)` for every live raw record, in arena order.
    func forEachRaw(_ body: (Int, RawHeader, UnsafeRawBufferPointer) -> Void) {
        var w = 0
        while w < rawArena.count {
            let record = UnsafeRawPointer(rawArena.pointer(at: w))
            let h = record.load(as: RawHeader.self)
            if h.ctx >= 0 {
                body(w, h, UnsafeRawBufferPointer(start: record + Self.rawHeaderWords * 8, count: Int(h.keyLength)))
            }
            w += Self.rawHeaderWords + (Int(h.keyLength) + 7) / 8
        }
    }

    func newState(_ kind: StateKind) -> Int32 {
        switch kind {
        case .counter: counters.add(CounterState())
        case .gauge, .info: gauges.add(GaugeState())
        case .histogram: histograms.add(HistogramState())
        case .exponential: exponentials.add(ExponentialHistogramState())
        case .summary: summaries.add(SummaryState())
        }
    }

    func freeState(_ kind: StateKind, _ slot: Int32) {
        switch kind {
        case .counter: counters.remove(slot, blank: CounterState())
        case .gauge, .info: gauges.remove(slot, blank: GaugeState())
        case .histogram: histograms.remove(slot, blank: HistogramState())
        case .exponential: exponentials.remove(slot, blank: ExponentialHistogramState())
        case .summary: summaries.remove(slot, blank: SummaryState())
        }
    }

    func lastUpdate(_ e: Series) -> UInt64 {
        switch e.kind {
        case .counter: return counters[e.slot].lastUpdate
        case .gauge, .info: return gauges[e.slot].lastUpdate
        case .histogram: return histograms[e.slot].lastUpdate
        case .exponential: return exponentials[e.slot].lastUpdate
        case .summary: return summaries[e.slot].lastUpdate
        }
    }
}
