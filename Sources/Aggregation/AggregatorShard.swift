import Exposition
import OTLP
import Primitives

/// One aggregator shard: the single-threaded owner of its series (DESIGN.md §1–§2).
///
/// Lookup path per point record:
/// 1. the record's context (tenant + resource + scope + metric header blob) → `Context`, via
///    `contextTable` (full blob compare); a new context is translated once: family name
///    (`PrometheusNaming`), resource/scope labels, family creation or type-conflict check;
/// 2. raw key = context index + canonical attribute bytes → series, via `rawTable` (the record's
///    hash; full key compare). This is the hot path: no translation, no allocation;
/// 3. on a miss, the point's labels are translated (`PrometheusLabels.seriesLabels`) and rendered
///    once (`RenderedLabels`); `labelTable` (family + rendered labels) aliases different raw
///    identities that are the same Prometheus series (e.g. a changed description, `a.b` vs `a_b`
///    keys, int vs string values) to one series, so every (name, labels) is unique (§4.9).
///
/// Rules: metadata conflicts (§4.9) — a metric whose family exists with a different type is
/// rejected entirely (`type_conflict`); HELP and unit: first seen wins. Cardinality: points that
/// would create a series past `maxSeries` (shard total) or `maxSeriesPerMetric` (per family) are
/// rejected (`series_limit`). A point that is not accepted never creates a series. Stale series
/// (`NO_RECORDED_VALUE`) are left out of snapshots until a new point arrives; `sweep` frees series
/// whose last accepted point is older than `seriesTTL`.
public final class AggregatorShard: ShardWorker {
    public let maxSeries: Int
    public let maxSeriesPerMetric: Int
    /// Nanoseconds.
    public let seriesTTL: UInt64
    public let stats: ShardStats
    /// If set, a non-empty tenant becomes this label on every series (and target_info).
    public let tenantLabel: String?
    public let maxExponentialBuckets: Int

    // Contexts.
    /// A metric context (tenant, resource, scope, metric header) and its translation. A class:
    /// the per-point path reads a few fields, and copying a struct with these strings and label
    /// arrays cost a retain/release per field per point.
    final class Context {
        var family: Int32            // -1: rejected (see `rejectReason`)
        var rejectReason: String
        var rejectMessage: String
        var metricName: String       // OTLP name, for messages
        let kind: MetricKind
        let temporality: Temporality
        let isMonotonic: Bool
        let resource: PrometheusResourceLabels
        let scope: PrometheusScopeLabels
        let extraLabels: [PrometheusLabel]
        var boundsHint: BucketBounds?
        var rawEntries: Int          // raw-table entries referring to this context
        let hash: UInt64
        let key: [UInt8]

        init(family: Int32, rejectReason: String, rejectMessage: String, metricName: String, kind: MetricKind,
             temporality: Temporality, isMonotonic: Bool, resource: PrometheusResourceLabels, scope: PrometheusScopeLabels,
             extraLabels: [PrometheusLabel], boundsHint: BucketBounds?, rawEntries: Int, hash: UInt64, key: [UInt8]) {
            self.family = family; self.rejectReason = rejectReason; self.rejectMessage = rejectMessage
            self.metricName = metricName; self.kind = kind; self.temporality = temporality; self.isMonotonic = isMonotonic
            self.resource = resource; self.scope = scope; self.extraLabels = extraLabels; self.boundsHint = boundsHint
            self.rawEntries = rawEntries; self.hash = hash; self.key = key
        }
    }
    private var contextTable = SeriesTable<Int32>()
    private var contexts: [Context?] = []
    private var freeContexts: [Int32] = []

    // Families.
    struct Family {
        var name: String
        var kind: MetricFamily.Kind
        var help: String
        var unit: String
        var seriesCount: Int
    }
    private var familyByName: [String: Int32] = [:]
    private var families: [Family?] = []
    private var freeFamilies: [Int32] = []

    // Series.
    enum StateKind: UInt8 { case counter, gauge, histogram, exponential, summary, info }
    struct Series {
        var family: Int32
        var kind: StateKind
        var slot: Int32
        var labels: RenderedLabels
        var labelHash: UInt64
        var expired: Bool
    }
    private var series: [Series?] = []
    private var freeSeries: [Int32] = []
    public private(set) var seriesCount = 0
    private var rawTable = SeriesTable<Int32>()
    private var labelTable = SeriesTable<Int32>()
    private var targetTable = SeriesTable<Int32>()

    struct Pool<T> {
        var items: [T] = []
        var free: [Int32] = []
        mutating func add(_ t: T) -> Int32 {
            if let i = free.popLast() { items[Int(i)] = t; return i }
            items.append(t)
            return Int32(items.count - 1)
        }
        mutating func remove(_ i: Int32, blank: T) { items[Int(i)] = blank; free.append(i) }
    }
    private var counters = Pool<CounterState>()
    private var gauges = Pool<GaugeState>()
    private var histograms = Pool<HistogramState>()
    private var exponentials = Pool<ExponentialHistogramState>()
    private var summaries = Pool<SummaryState>()

    // Scratch (reused).
    private var keyScratch: [UInt8] = []
    private var attributeScratch: [Attribute] = []
    private var attributeScratch2: [Attribute] = []

    public init(maxSeries: Int = 1_000_000, maxSeriesPerMetric: Int = 100_000,
                seriesTTL: UInt64 = 5 * 60 * 1_000_000_000, stats: ShardStats = ShardStats(),
                tenantLabel: String? = nil, maxExponentialBuckets: Int = ExponentialHistogramState.defaultMaxBuckets) {
        self.maxSeries = maxSeries
        self.maxSeriesPerMetric = maxSeriesPerMetric
        self.seriesTTL = seriesTTL
        self.stats = stats
        self.tenantLabel = tenantLabel
        self.maxExponentialBuckets = maxExponentialBuckets
        keyScratch.reserveCapacity(256)
    }

    // MARK: - Apply

    public func apply(_ slice: BatchSlice, now: UInt64) -> SliceOutcome {
        var outcome = SliceOutcome()
        var r = RecordReader(UnsafeRawBufferPointer(slice.buffer.readable))
        var ctx: Int32 = -1
        while true {
            r.align8()
            if r.atEnd { break }
            guard let tag = RecordTag(rawValue: r.get(UInt8.self)) else {
                preconditionFailure("corrupt BatchSlice record")
            }
            switch tag {
            case .context:
                let hash = r.get(UInt64.self)
                let blob = r.lengthPrefixed()
                ctx = context(hash: hash, blob: blob)
            case .resource:
                let hash = r.get(UInt64.self)
                let blob = r.lengthPrefixed()
                targetInfo(hash: hash, blob: blob, now: now, outcome: &outcome)
            case .number, .histogram, .exponential, .summary:
                point(tag, &r, ctx: ctx, now: now, outcome: &outcome)
            }
        }
        stats.series.set(Int64(seriesCount))
        stats.pointsApplied.add(UInt64(outcome.applied))
        return outcome
    }

    /// Looks up or creates the context for a blob.
    private func context(hash: UInt64, blob: ByteView) -> Int32 {
        if let i = contextTable.find(hash: hash, key: blob.buffer) { return i }
        let c = ContextBlob(blob)
        decodeAttributes(c.resourceAttributes, into: &attributeScratch)
        let resource = attributeScratch.withUnsafeBufferPointer { PrometheusResourceLabels(attributes: $0) }
        decodeAttributes(c.scopeAttributes, into: &attributeScratch)
        let scope = attributeScratch.withUnsafeBufferPointer {
            PrometheusScopeLabels(ScopeView(name: c.scopeName, version: c.scopeVersion, attributes: $0, schemaURL: c.scopeSchemaURL))
        }
        let metricName = c.name.string
        let context = Context(family: -1, rejectReason: "", rejectMessage: "", metricName: metricName, kind: c.kind,
                              temporality: c.temporality, isMonotonic: c.isMonotonic, resource: resource, scope: scope,
                              extraLabels: extraLabels(tenant: c.tenant), boundsHint: nil, rawEntries: 0,
                              hash: hash, key: blob.array)
        let unit = c.unit.string
        if let name = PrometheusNaming.metricName(name: metricName, unit: unit, kind: c.kind, isMonotonic: c.isMonotonic) {
            let kind = Self.familyKind(c.kind, isMonotonic: c.isMonotonic)
            if let f = familyByName[name] {
                if families[Int(f)]!.kind == kind {
                    context.family = f
                } else {
                    context.rejectReason = "type_conflict"
                    context.rejectMessage = "metric \"\(metricName)\" maps to Prometheus family \"\(name)\", which already has another type"
                }
            } else {
                context.family = newFamily(Family(name: name, kind: kind, help: c.description.string,
                                                  unit: Self.unitWord(unit), seriesCount: 0))
            }
        } else {
            context.rejectReason = "invalid_name"
            context.rejectMessage = "metric \"\(metricName)\" has no exportable Prometheus name"
        }
        let index: Int32
        if let i = freeContexts.popLast() { contexts[Int(i)] = context; index = i } else {
            contexts.append(context); index = Int32(contexts.count - 1)
        }
        contextTable.insert(hash: hash, key: blob.buffer, value: index)
        return index
    }

    private func newFamily(_ f: Family) -> Int32 {
        let index: Int32
        if let i = freeFamilies.popLast() { families[Int(i)] = f; index = i } else {
            families.append(f); index = Int32(families.count - 1)
        }
        familyByName[f.name] = index
        return index
    }

    private func extraLabels(tenant: ByteView) -> [PrometheusLabel] {
        guard let tenantLabel, !tenant.isEmpty else { return [] }
        return [PrometheusLabel(name: tenantLabel, value: tenant.string)]
    }

    static func familyKind(_ kind: MetricKind, isMonotonic: Bool) -> MetricFamily.Kind {
        switch kind {
        case .gauge: .gauge
        case .sum: isMonotonic ? .counter : .gauge
        case .histogram, .exponentialHistogram: .histogram
        case .summary: .summary
        }
    }

    static func stateKind(_ kind: MetricKind) -> StateKind {
        switch kind {
        case .gauge: .gauge
        case .sum: .counter
        case .histogram: .histogram
        case .exponentialHistogram: .exponential
        case .summary: .summary
        }
    }

    /// The Prometheus unit word for `# UNIT` (the unit suffix the name got, e.g. `seconds`,
    /// `bytes_per_second`); empty for annotations / no unit.
    static func unitWord(_ unit: String) -> String {
        let (main, per) = PrometheusNaming.unitSuffixes(unit)
        var m = PrometheusNaming.cleanUnit(main)
        var p = PrometheusNaming.cleanUnit(per)
        if p == "per_" { p = "" } else if p.hasSuffix("_") { p.removeLast() }
        if !p.isEmpty, m.hasSuffix("_") { m.removeLast() }
        if m.isEmpty { return p }
        return p.isEmpty ? m : m + "_" + p
    }

    // MARK: Points

    private func point(_ tag: RecordTag, _ r: inout RecordReader, ctx: Int32, now: UInt64, outcome: inout SliceOutcome) {
        let hash = r.get(UInt64.self)
        let start = r.get(UInt64.self)
        let time = r.get(UInt64.self)
        let flags = DataPointFlags(rawValue: r.get(UInt32.self))
        let attrs = r.bytes(Int(r.get(UInt32.self)))
        let common = PointCommon(attributes: UnsafeBufferPointer(start: nil, count: 0), startTimeUnixNano: start,
                                 timeUnixNano: time, flags: flags)
        // Decode the values (views into the slice).
        var number = 0.0, hasNumber = false
        var hist: HistogramPointView? = nil
        var exp: ExponentialHistogramPointView? = nil
        var summary: SummaryPointView? = nil
        switch tag {
        case .number:
            let vk = r.get(UInt8.self)
            switch vk {
            case 1: number = r.get(Double.self); hasNumber = true
            case 2: number = Double(r.get(Int64.self)); hasNumber = true
            default: _ = r.get(UInt64.self)
            }
        case .histogram:
            let count = r.get(UInt64.self), sum = r.get(Double.self), hasSum = r.get(UInt8.self) != 0
            let nc = Int(r.get(UInt32.self)), nb = Int(r.get(UInt32.self))
            let counts = r.array(UInt64.self, nc)
            let bounds = r.array(Double.self, nb)
            hist = HistogramPointView(common: common, count: count, sum: hasSum ? sum : nil, min: nil, max: nil,
                                      bucketCounts: counts, explicitBounds: bounds)
        case .exponential:
            let count = r.get(UInt64.self), sum = r.get(Double.self), hasSum = r.get(UInt8.self) != 0
            let scale = r.get(Int32.self), zeroCount = r.get(UInt64.self), zeroThreshold = r.get(Double.self)
            let po = r.get(Int32.self), pn = Int(r.get(UInt32.self)), no = r.get(Int32.self), nn = Int(r.get(UInt32.self))
            let pos = r.array(UInt64.self, pn), neg = r.array(UInt64.self, nn)
            exp = ExponentialHistogramPointView(common: common, count: count, sum: hasSum ? sum : nil, min: nil, max: nil,
                                                scale: scale, zeroCount: zeroCount, zeroThreshold: zeroThreshold,
                                                positive: ExponentialBuckets(offset: po, counts: pos),
                                                negative: ExponentialBuckets(offset: no, counts: neg))
        case .summary:
            let count = r.get(UInt64.self), sum = r.get(Double.self), n = Int(r.get(UInt32.self))
            let q = r.array(QuantileValue.self, n)
            summary = SummaryPointView(common: common, count: count, sum: sum, quantiles: q)
        case .context, .resource:
            return
        }
        guard ctx >= 0 else { preconditionFailure("point record without context") }
        let c = contexts[Int(ctx)]!
        if c.family < 0 {
            outcome.reject(c.rejectReason, c.rejectMessage)
            stats.rejected[c.rejectReason]?.add()
            return
        }
        let nrv = flags.contains(.noRecordedValue)
        if tag == .number && !hasNumber && !nrv {
            reject(.rejected(.missingValue), c, &outcome); return
        }

        // Hot path: raw key = context index + attribute bytes.
        keyScratch.removeAll(keepingCapacity: true)
        withUnsafeBytes(of: UInt32(bitPattern: ctx)) { keyScratch.append(contentsOf: $0) }
        keyScratch.append(contentsOf: attrs.buffer)
        let found = keyScratch.withUnsafeBytes { rawTable.find(hash: hash, key: $0) }
        let stateKind = Self.stateKind(c.kind)

        if let s = found {
            let e = series[Int(s)]!
            let result = applyState(e.kind, e.slot, c, number: number, nrv: nrv, start: start, time: time,
                                    hist: hist, exp: exp, summary: summary, now: now)
            account(result, c, &outcome)
            return
        }

        // Miss: translate the labels, alias by (family, labels).
        decodeAttributes(attrs, into: &attributeScratch2)
        let labels = attributeScratch2.withUnsafeBufferPointer {
            PrometheusLabels.seriesLabels(resource: c.resource, scope: c.scope, attributes: $0, kind: c.kind, extraLabels: c.extraLabels)
        }
        let rendered = RenderedLabels(labels.map { ($0.name, $0.value) })
        var labelKey: [UInt8] = []
        labelKey.reserveCapacity(4 + rendered.bytes.count)
        withUnsafeBytes(of: UInt32(bitPattern: c.family)) { labelKey.append(contentsOf: $0) }
        labelKey.append(contentsOf: rendered.bytes)
        let labelHash = labelKey.withUnsafeBytes { Hash64.hash($0, seed: Hash64.processSeed) }
        if let s = labelKey.withUnsafeBytes({ labelTable.find(hash: labelHash, key: $0) }) {
            let e = series[Int(s)]!
            guard e.kind == stateKind else {
                outcome.reject("type_conflict", "metric \"\(c.metricName)\" has the same Prometheus name and labels as a series of another type")
                stats.rejected["type_conflict"]?.add()
                return
            }
            let result = applyState(e.kind, e.slot, c, number: number, nrv: nrv, start: start, time: time,
                                    hist: hist, exp: exp, summary: summary, now: now)
            if result.isAccepted {
                keyScratch.withUnsafeBytes { _ = rawTable.insert(hash: hash, key: $0, value: s) }
                contexts[Int(ctx)]!.rawEntries += 1
            }
            account(result, c, &outcome)
            return
        }

        // New series: limits, then apply to a fresh state; keep it only if accepted.
        if seriesCount >= maxSeries || families[Int(c.family)]!.seriesCount >= maxSeriesPerMetric {
            outcome.reject("series_limit", "metric \"\(c.metricName)\": series limit reached (\(seriesCount >= maxSeries ? "\(maxSeries) series per shard" : "\(maxSeriesPerMetric) series per metric")), new series dropped")
            stats.rejected["series_limit"]?.add()
            return
        }
        let slot: Int32
        switch stateKind {
        case .counter: slot = counters.add(CounterState())
        case .gauge: slot = gauges.add(GaugeState())
        case .histogram: slot = histograms.add(HistogramState())
        case .exponential: slot = exponentials.add(ExponentialHistogramState())
        case .summary: slot = summaries.add(SummaryState())
        case .info: slot = gauges.add(GaugeState())
        }
        let result = applyState(stateKind, slot, c, number: number, nrv: nrv, start: start, time: time,
                                hist: hist, exp: exp, summary: summary, now: now)
        guard result.isAccepted else {
            freeState(stateKind, slot)
            account(result, c, &outcome)
            return
        }
        if stateKind == .histogram, contexts[Int(ctx)]!.boundsHint == nil {
            contexts[Int(ctx)]!.boundsHint = histograms.items[Int(slot)].bounds
        }
        let s = addSeries(Series(family: c.family, kind: stateKind, slot: slot, labels: rendered, labelHash: labelHash, expired: false),
                          labelKey: labelKey)
        keyScratch.withUnsafeBytes { _ = rawTable.insert(hash: hash, key: $0, value: s) }
        contexts[Int(ctx)]!.rawEntries += 1
        account(result, c, &outcome)
    }

    private func addSeries(_ e: Series, labelKey: [UInt8]) -> Int32 {
        let s: Int32
        if let i = freeSeries.popLast() { series[Int(i)] = e; s = i } else { series.append(e); s = Int32(series.count - 1) }
        labelKey.withUnsafeBytes { _ = labelTable.insert(hash: e.labelHash, key: $0, value: s) }
        families[Int(e.family)]!.seriesCount += 1
        seriesCount += 1
        stats.seriesCreated.add()
        return s
    }

    private func freeState(_ kind: StateKind, _ slot: Int32) {
        switch kind {
        case .counter: counters.remove(slot, blank: CounterState())
        case .gauge, .info: gauges.remove(slot, blank: GaugeState())
        case .histogram: histograms.remove(slot, blank: HistogramState())
        case .exponential: exponentials.remove(slot, blank: ExponentialHistogramState())
        case .summary: summaries.remove(slot, blank: SummaryState())
        }
    }

    @inline(__always)
    private func applyState(_ kind: StateKind, _ slot: Int32, _ c: Context, number: Double, nrv: Bool, start: UInt64, time: UInt64,
                            hist: HistogramPointView?, exp: ExponentialHistogramPointView?, summary: SummaryPointView?,
                            now: UInt64) -> ApplyResult {
        let i = Int(slot)
        switch kind {
        case .counter:
            return counters.items[i].apply(start: start, time: time, value: number, temporality: c.temporality,
                                           isMonotonic: c.isMonotonic, noRecordedValue: nrv, now: now)
        case .gauge, .info:
            return gauges.items[i].apply(start: start, time: time, value: number, noRecordedValue: nrv, now: now)
        case .histogram:
            return histograms.items[i].apply(hist!, temporality: c.temporality, boundsHint: c.boundsHint, now: now)
        case .exponential:
            return exponentials.items[i].apply(exp!, temporality: c.temporality, maxBuckets: maxExponentialBuckets, now: now)
        case .summary:
            return summaries.items[i].apply(summary!, now: now)
        }
    }

    @inline(__always)
    private func account(_ result: ApplyResult, _ c: Context, _ outcome: inout SliceOutcome) {
        if result.isAccepted {
            outcome.applied += 1   // stats.pointsApplied is added once per slice, in apply()
        } else {
            reject(result, c, &outcome)
        }
    }

    private func reject(_ result: ApplyResult, _ c: Context, _ outcome: inout SliceOutcome) {
        switch result {
        case .rejected(let reason):
            outcome.reject(reason.rawValue, reason.message(metric: c.metricName))
            stats.rejected[reason.rawValue]?.add()
        case .droppedOutOfOrder:
            outcome.reject("out_of_order", "point of \"\(c.metricName)\" is older than the series' latest point (or a duplicate delta)")
            stats.rejected["out_of_order"]?.add()
        default: break
        }
    }

    // MARK: target_info

    private func targetInfo(hash: UInt64, blob: ByteView, now: UInt64, outcome: inout SliceOutcome) {
        if let s = targetTable.find(hash: hash, key: blob.buffer) {
            let e = series[Int(s)]!
            _ = gauges.items[Int(e.slot)].apply(time: 0, value: 1, now: now)
            return
        }
        let b = ResourceBlob(blob)
        decodeAttributes(b.resourceAttributes, into: &attributeScratch)
        let resource = attributeScratch.withUnsafeBufferPointer { PrometheusResourceLabels(attributes: $0) }
        guard let labels = resource.targetInfoLabels(extraLabels: extraLabels(tenant: b.tenant)) else {
            // Nothing to emit for this resource; remember that with a placeholder-free miss (cheap:
            // one translation per request per such resource).
            return
        }
        let family: Int32
        if let f = familyByName["target_info"] {
            guard families[Int(f)]!.kind == .info else { return }
            family = f
        } else {
            family = newFamily(Family(name: "target_info", kind: .info, help: "Target metadata", unit: "", seriesCount: 0))
        }
        let rendered = RenderedLabels(labels.map { ($0.name, $0.value) })
        var labelKey: [UInt8] = []
        withUnsafeBytes(of: UInt32(bitPattern: family)) { labelKey.append(contentsOf: $0) }
        labelKey.append(contentsOf: rendered.bytes)
        let labelHash = labelKey.withUnsafeBytes { Hash64.hash($0, seed: Hash64.processSeed) }
        let s: Int32
        if let existing = labelKey.withUnsafeBytes({ labelTable.find(hash: labelHash, key: $0) }) {
            s = existing
            _ = gauges.items[Int(series[Int(s)]!.slot)].apply(time: 0, value: 1, now: now)
        } else {
            if seriesCount >= maxSeries { return }
            let slot = gauges.add(GaugeState())
            _ = gauges.items[Int(slot)].apply(time: 0, value: 1, now: now)
            s = addSeries(Series(family: family, kind: .info, slot: slot, labels: rendered, labelHash: labelHash, expired: false),
                          labelKey: labelKey)
        }
        targetTable.insert(hash: hash, key: blob.buffer, value: s)
    }

    // MARK: - Sweep

    private func lastUpdate(_ e: Series) -> UInt64 {
        let i = Int(e.slot)
        switch e.kind {
        case .counter: return counters.items[i].lastUpdate
        case .gauge, .info: return gauges.items[i].lastUpdate
        case .histogram: return histograms.items[i].lastUpdate
        case .exponential: return exponentials.items[i].lastUpdate
        case .summary: return summaries.items[i].lastUpdate
        }
    }

    public func sweep(now: UInt64) {
        var expired: [Int32] = []
        for i in 0..<series.count {
            guard let e = series[i] else { continue }
            let last = lastUpdate(e)
            if now > last && now - last > seriesTTL {
                expired.append(Int32(i))
                series[i]!.expired = true
            }
        }
        if expired.isEmpty { return }
        // Raw keys (and target_info keys) pointing at expired series; release their contexts.
        var rawKeys: [(UInt64, [UInt8])] = []
        for entry in rawTable.allEntries where series[Int(entry.value)]!.expired {
            rawKeys.append((entry.hash, entry.key))
        }
        for (h, k) in rawKeys {
            k.withUnsafeBytes { _ = rawTable.remove(hash: h, key: $0) }
            let ctx = k.withUnsafeBytes { Int32(bitPattern: $0.loadUnaligned(as: UInt32.self)) }
            contexts[Int(ctx)]!.rawEntries -= 1
            if contexts[Int(ctx)]!.rawEntries == 0 {
                let c = contexts[Int(ctx)]!
                c.key.withUnsafeBytes { _ = contextTable.remove(hash: c.hash, key: $0) }
                contexts[Int(ctx)] = nil
                freeContexts.append(ctx)
            }
        }
        var targetKeys: [(UInt64, [UInt8])] = []
        for entry in targetTable.allEntries where series[Int(entry.value)]!.expired {
            targetKeys.append((entry.hash, entry.key))
        }
        for (h, k) in targetKeys { k.withUnsafeBytes { _ = targetTable.remove(hash: h, key: $0) } }
        for s in expired {
            let e = series[Int(s)]!
            var labelKey: [UInt8] = []
            withUnsafeBytes(of: UInt32(bitPattern: e.family)) { labelKey.append(contentsOf: $0) }
            labelKey.append(contentsOf: e.labels.bytes)
            labelKey.withUnsafeBytes { _ = labelTable.remove(hash: e.labelHash, key: $0) }
            freeState(e.kind, e.slot)
            series[Int(s)] = nil
            freeSeries.append(s)
            seriesCount -= 1
            families[Int(e.family)]!.seriesCount -= 1
            stats.seriesExpired.add()
        }
        // Families with no series and no context left: drop their metadata (Collector behaviour).
        var referenced = [Bool](repeating: false, count: families.count)
        for c in contexts { if let c, c.family >= 0 { referenced[Int(c.family)] = true } }
        for f in 0..<families.count {
            if let fam = families[f], fam.seriesCount == 0, !referenced[f] {
                familyByName[fam.name] = nil
                families[f] = nil
                freeFamilies.append(Int32(f))
            }
        }
        stats.series.set(Int64(seriesCount))
    }

    // MARK: - Snapshot

    public func snapshot(into out: inout [MetricFamily]) {
        var familyOut = [Int](repeating: -1, count: families.count)
        var result: [MetricFamily] = []
        var lastBounds: BucketBounds? = nil
        var lastBoundsArray: [Double] = []
        for i in 0..<series.count {
            guard let e = series[i] else { continue }
            let value: MetricSeries.Value
            var startTime: UInt64 = 0
            var time: UInt64 = 0
            let slot = Int(e.slot)
            switch e.kind {
            case .counter:
                let st = counters.items[slot]
                guard st.hasValue else { continue }
                value = .number(st.value); startTime = st.startTimeUnixNano; time = st.timeUnixNano
            case .gauge, .info:
                let st = gauges.items[slot]
                guard st.hasValue else { continue }
                value = .number(st.value); time = st.timeUnixNano
            case .histogram:
                let st = histograms.items[slot]
                guard st.hasValue else { continue }
                if st.bounds !== lastBounds {
                    lastBounds = st.bounds
                    lastBoundsArray = Array(st.bounds.values)
                }
                var cumulative: [UInt64] = []
                cumulative.reserveCapacity(st.bounds.count + 1)
                st.forEachCumulativeBucket { _, c in cumulative.append(c) }
                cumulative.append(st.count)
                value = .histogram(HistogramPoint(bounds: lastBoundsArray, cumulativeCounts: cumulative, sum: st.hasSum ? st.sum : nil))
                startTime = st.startTimeUnixNano; time = st.timeUnixNano
            case .exponential:
                let st = exponentials.items[slot]
                guard st.hasValue else { continue }
                var bounds: [Double] = []
                var cumulative: [UInt64] = []
                ExponentialToClassic.forEachBucket(st) { le, c in bounds.append(le); cumulative.append(c) }
                cumulative.append(st.count)
                value = .histogram(HistogramPoint(bounds: bounds, cumulativeCounts: cumulative, sum: st.hasSum ? st.sum : nil))
                startTime = st.startTimeUnixNano; time = st.timeUnixNano
            case .summary:
                let st = summaries.items[slot]
                guard st.hasValue else { continue }
                value = .summary(SummaryPoint(quantiles: st.quantiles.map { ($0.quantile, $0.value) }, sum: st.sum, count: st.count))
                startTime = st.startTimeUnixNano; time = st.timeUnixNano
            }
            let f = Int(e.family)
            if familyOut[f] < 0 {
                let fam = families[f]!
                familyOut[f] = result.count
                result.append(MetricFamily(name: fam.name, kind: fam.kind, help: fam.help, unit: fam.unit))
            }
            result[familyOut[f]].series.append(MetricSeries(labels: e.labels, value: value, startTimeNanos: startTime, timeNanos: time))
        }
        out.append(contentsOf: result)
    }
}
