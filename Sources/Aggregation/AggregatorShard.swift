import Exposition
import OTLP
import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// One aggregator shard: the single-threaded owner of its series (DESIGN.md §1–§2).
///
/// Lookup path per point record:
/// 1. the record's context (tenant + resource + scope + metric header blob) → `Context`, via
///    `contextIndex` (full blob compare); a new context is translated once: family name
///    (`PrometheusNaming`), resource/scope labels, family creation or type-conflict check
///    (`AggregatorShard+Contexts.swift`);
/// 2. raw identity = context index + canonical attribute bytes → `RawEntry` (series, state kind
///    and state slot), via `rawIndex` keyed by the record's hash, with the attribute bytes
///    compared in place against the key arena. This is the hot path: no translation, no
///    allocation, no reference counting (flat arrays and the current context held in a local);
/// 3. on a miss (`AggregatorShard+Series.swift`) the point's labels are translated
///    (`PrometheusLabels.seriesLabels`) and rendered once (`RenderedLabels`); `labelIndex`
///    (family + rendered labels) aliases different raw identities that are the same Prometheus
///    series (e.g. a changed description, `a.b` vs `a_b` keys, int vs string values) to one
///    series, so every (name, labels) is unique within the shard (§4.9).
///
/// Rules: metadata conflicts (§4.9) — a metric whose family exists with a different type is
/// rejected entirely (`type_conflict`); HELP and unit: first seen wins. Cardinality: points that
/// would create a series past `maxSeries` (shard total) or `maxSeriesPerMetric` (per family) are
/// rejected (`series_limit`). A point that is not accepted never creates a series. Stale series
/// (`NO_RECORDED_VALUE`) are left out of snapshots until a new point arrives; `sweep` frees series
/// whose last accepted point is older than `seriesTTL` (`AggregatorShard+Sweep.swift`).
///
/// Memory per series (see `memoryReport`): a `RawEntry` (24 B) and its attribute bytes in the
/// arena, a `Series` record with its rendered labels, one slot in each of two hash indexes
/// (16 B at ≤ 7/8 load), and the state (counter/gauge 48 B flat; histogram state + buckets).
public final class AggregatorShard: ShardWorker {
    public let maxSeries: Int
    public let maxSeriesPerMetric: Int
    /// Series per tenant (the `ingest.tenant_header` value) in this shard; 0 = no limit.
    public let maxSeriesPerTenant: Int
    /// Nanoseconds.
    public let seriesTTL: UInt64
    public let stats: ShardStats
    /// If set, a non-empty tenant becomes this label on every series (and target_info).
    public let tenantLabel: String?
    public let maxExponentialBuckets: Int

    // Contexts.
    /// A metric context (tenant, resource, scope, metric header) and its translation. A class:
    /// the per-point path reads a few fields through one reference held for the whole context.
    final class Context {
        var family: Int32            // -1: rejected (see `rejectReason`)
        var rejectReason: String
        var rejectMessage: String
        var metricName: String       // OTLP name, for messages
        let kind: MetricKind
        let stateKind: StateKind
        let temporality: Temporality
        let isMonotonic: Bool
        let resource: PrometheusResourceLabels
        let scope: PrometheusScopeLabels
        let extraLabels: [PrometheusLabel]
        /// The labels every series of this context carries (scope, resource, tenant), name-sorted
        /// and rendered once; series store only their own point labels.
        let labelList: [PrometheusLabel]
        let labels: RenderedLabels
        var boundsHint: BucketBounds?
        var rawEntries: Int          // raw entries referring to this context
        var tenant: Int32 = -1       // index into `tenantSeries`; -1: no tenant
        let hash: UInt64             // the context record's prefix hash (seed of the point hashes)
        let key: [UInt8]

        init(metricName: String, kind: MetricKind, temporality: Temporality, isMonotonic: Bool,
             resource: PrometheusResourceLabels, scope: PrometheusScopeLabels, extraLabels: [PrometheusLabel],
             hash: UInt64, key: [UInt8]) {
            family = -1; rejectReason = ""; rejectMessage = ""
            self.metricName = metricName; self.kind = kind; stateKind = AggregatorShard.stateKind(kind)
            self.temporality = temporality; self.isMonotonic = isMonotonic
            self.resource = resource; self.scope = scope; self.extraLabels = extraLabels
            labelList = PrometheusLabels.overlay(PrometheusLabels.overlay(scope.labels, resource.identifying),
                                                 PrometheusLabels.canonical(extraLabels))
            labels = RenderedLabels(labelList.map { ($0.name, $0.value) })
            boundsHint = nil; rawEntries = 0; self.hash = hash; self.key = key
        }
    }
    var contextIndex = HashIndex()
    /// Tenants seen by this shard (tenant bytes → index) and their series counts.
    var tenantIndex: [[UInt8]: Int32] = [:]
    var tenantNames: [String] = []
    var tenantSeries: [Int] = []
    var contexts: [Context?] = []
    var freeContexts: [Int32] = []

    // Families.
    struct Family {
        var name: String
        var kind: MetricFamily.Kind
        var help: String
        var unit: String
        var seriesCount: Int
    }
    var familyByName: [String: Int32] = [:]
    var families: [Family?] = []
    var freeFamilies: [Int32] = []

    // Series (what /metrics shows): one per (family, labels). Flat records; `family < 0` marks
    // a free record. Labels: the owning context's (`ctx`) plus the series' own, stored in
    // `labelArena` (see `AggregatorShard+Labels.swift`).
    enum StateKind: UInt8 { case counter, gauge, histogram, exponential, summary, info }
    struct Series {
        var family: Int32
        /// Context whose labels lead this series' labels; -1 for none (target_info). The context
        /// lives as long as the series: its raw identity is removed only with the series.
        var ctx: Int32
        var slot: Int32
        var labelOffset: UInt32
        var labelLength: UInt32
        var kind: StateKind
        var expired: Bool
        /// Hash of (family, merged labels): the series' key in `labelIndex`.
        var labelHash: UInt64
        /// The series' SLO link list in `slo` (see `ShardSLO`), or -1.
        var sloLinks: Int32 = -1
    }
    var series = FlatArray<Series>(capacity: 1024)
    var labelArena = FlatArray<UInt8>(capacity: 1 << 16)
    var labelGarbage = 0
    var freeSeries: [Int32] = []
    public internal(set) var seriesCount = 0
    var labelIndex = HashIndex()

    // Raw identities (the hot path): records in one arena of 8-byte words, each a `RawHeader`
    // (3 words) followed by the attribute encoding (padded to a word). `rawIndex` maps the point
    // hash to the record's word offset, so a lookup touches the index slot and then one
    // contiguous record (header and key on the same cache line for short keys). Removed records
    // are marked (`ctx = -1`) and reclaimed by `compactRaw` when they outweigh the live ones.
    struct RawHeader {
        var ctx: Int32
        var series: Int32
        var slot: Int32
        var keyLength: UInt32
        var kind: StateKind
        /// The series' SLO link list (copied here so the hot path needs no series lookup), or -1.
        var sloLinks: Int32
    }
    static let rawHeaderWords = 3
    var rawArena = FlatArray<UInt64>(capacity: 1 << 13)
    var rawGarbageWords = 0
    var rawIndex = HashIndex(capacity: 1024)

    // target_info identities (resource blob → series).
    struct Target {
        var hash: UInt64
        var key: [UInt8]
        var series: Int32
    }
    var targets: [Target?] = []
    var freeTargets: [Int32] = []
    var targetIndex = HashIndex()

    // State pools, indexed by `Series.slot`.
    var counters = FlatPool<CounterState>()
    var gauges = FlatPool<GaugeState>()
    var histograms = FlatPool<HistogramState>()
    var exponentials = FlatPool<ExponentialHistogramState>()
    var summaries = FlatPool<SummaryState>()

    /// The checkpoint copy being made (`AggregatorShard+StateCopy.swift`), nil otherwise.
    var stateCopy: SeriesStateCopy?

    /// SLO accounting (nil when no SLO is configured). A `let`: the per-point path reads it
    /// without retaining it.
    let slo: ShardSLO?
    /// `slo` for the per-point path: called through `_withUnsafeGuaranteedRef` (no retain; the
    /// shard keeps the object alive).
    let sloRef: Unmanaged<ShardSLO>?
    var bucketScratch: [UInt64] = []

    // Scratch (reused).
    var attributeScratch: [Attribute] = []
    var attributeScratch2: [Attribute] = []

    public init(maxSeries: Int = 1_000_000, maxSeriesPerMetric: Int = 100_000, maxSeriesPerTenant: Int = 0,
                seriesTTL: UInt64 = 5 * 60 * 1_000_000_000, stats: ShardStats = ShardStats(),
                tenantLabel: String? = nil, maxExponentialBuckets: Int = ExponentialHistogramState.defaultMaxBuckets,
                slo: ShardSLO? = nil) {
        self.maxSeries = maxSeries
        self.maxSeriesPerMetric = maxSeriesPerMetric
        self.maxSeriesPerTenant = maxSeriesPerTenant
        self.seriesTTL = seriesTTL
        self.stats = stats
        self.tenantLabel = tenantLabel
        self.maxExponentialBuckets = maxExponentialBuckets
        self.slo = slo
        sloRef = slo.map { Unmanaged.passUnretained($0) }
        precondition(MemoryLayout<RawHeader>.size <= Self.rawHeaderWords * 8, "RawHeader outgrew its words")
    }

    // MARK: - Apply

    public func apply(_ slice: BatchSlice, now: UInt64) -> SliceOutcome {
        var outcome = SliceOutcome()
        let records = UnsafeRawBufferPointer(slice.buffer.readable)
        guard let base = records.baseAddress else { return outcome }
        let end = records.count
        var ahead = Lookahead(base: base, end: end)
        for _ in 0..<Self.prefetchDistance { ahead.advance(prefetchingIn: rawIndex) }
        var offset = 0
        // The current context's hot fields, copied out of the `Context` object so the per-point
        // path touches no reference (no retain/release, no closure).
        var current: HotContext? = nil
        while true {
            offset = (offset &+ 7) & ~7
            if offset >= end { break }
            guard let tag = RecordTag(rawValue: base.load(fromByteOffset: offset, as: UInt8.self)) else {
                preconditionFailure("corrupt BatchSlice record")
            }
            switch tag {
            case .context, .resource:
                var r = RecordReader(base: base, offset: offset &+ BlobRecordLayout.hash, end: end)
                let hash = r.get(UInt64.self)
                let blob = r.lengthPrefixed()
                offset = r.offset
                if tag == .context {
                    let ctx = context(hash: hash, blob: blob)
                    current = HotContext(contexts[Int(ctx)]!, index: ctx)
                } else {
                    targetInfo(hash: hash, blob: blob, now: now)
                }
            case .number, .histogram, .exponential, .summary:
                guard let current else { preconditionFailure("point record without context") }
                // Index slots are random accesses: start loading the one a few records ahead so
                // its miss overlaps this point's work.
                ahead.advance(prefetchingIn: rawIndex)
                let record = base + offset
                offset &+= Int(record.load(fromByteOffset: PointRecordLayout.length, as: UInt32.self))
                point(tag, record, current, now: now, outcome: &outcome)
            }
        }
        stats.series.set(Int64(seriesCount))
        stats.pointsApplied.add(UInt64(outcome.applied))
        stats.batchesApplied.add()
        return outcome
    }

    // MARK: Points

    /// How many records ahead of the one being applied the index slot is prefetched (tuned with
    /// `slod-bench aggregate`: enough to cover a cache miss, few enough to stay in L1).
    static let prefetchDistance = 6

    /// A cursor that runs ahead of `apply` over the record headers (O(1) per record thanks to
    /// the record lengths) and prefetches each point's index slot.
    struct Lookahead {
        let base: UnsafeRawPointer
        let end: Int
        var offset = 0

        init(base: UnsafeRawPointer, end: Int) { self.base = base; self.end = end }

        @inline(__always)
        mutating func advance(prefetchingIn index: borrowing HashIndex) {
            offset = (offset &+ 7) & ~7
            guard offset < end else { return }
            let tag = base.load(fromByteOffset: offset, as: UInt8.self)
            if tag >= RecordTag.number.rawValue {
                index.prefetch(hash: base.load(fromByteOffset: offset &+ PointRecordLayout.hash, as: UInt64.self))
                offset &+= Int(base.load(fromByteOffset: offset &+ PointRecordLayout.length, as: UInt32.self))
            } else {
                offset &+= BlobRecordLayout.blob &+ Int(base.loadUnaligned(fromByteOffset: offset &+ BlobRecordLayout.blobLength, as: UInt32.self))
            }
        }
    }

    /// What the per-point path needs of the current context (a copy; the `Context` object is
    /// looked up again only on rare paths: rejections, new series, changed histogram bounds).
    struct HotContext {
        var index: Int32
        var family: Int32
        var temporality: Temporality
        var isMonotonic: Bool

        init(_ c: Context, index: Int32) {
            self.index = index
            family = c.family
            temporality = c.temporality
            isMonotonic = c.isMonotonic
        }
    }

    /// Applies one point record (`record`: its first byte, 8-byte aligned).
    @inline(__always)
    private func point(_ tag: RecordTag, _ record: UnsafeRawPointer, _ hot: HotContext, now: UInt64,
                       outcome: inout SliceOutcome) {
        let ctx = hot.index
        if hot.family < 0 {
            let c = contexts[Int(ctx)]!
            outcome.reject(c.rejectReason, c.rejectMessage)
            stats.rejected[c.rejectReason]?.add()
            return
        }
        let hash = record.load(fromByteOffset: PointRecordLayout.hash, as: UInt64.self)
        let p = PointHeader(start: record.load(fromByteOffset: PointRecordLayout.start, as: UInt64.self),
                            time: record.load(fromByteOffset: PointRecordLayout.time, as: UInt64.self),
                            flags: record.load(fromByteOffset: PointRecordLayout.flags, as: UInt32.self))
        let n = Int(record.load(fromByteOffset: PointRecordLayout.attributeLength, as: UInt32.self))
        let attrs = record + PointRecordLayout.attributes
        let values = RecordReader(base: record, offset: PointRecordLayout.attributes &+ n,
                                  end: Int(record.load(fromByteOffset: PointRecordLayout.length, as: UInt32.self)))

        // Hot path: the raw identity, compared in place (no key is built).
        if let found = findRaw(hash: hash, ctx: ctx, attrs: attrs, count: n) {
            let e = (UnsafeRawPointer(rawArena.base) + Int(found) &* 8).load(as: RawHeader.self)
            var r = values
            if e.sloLinks >= 0 && e.kind != .counter {
                applyLinked(tag, &r, e.kind, e.slot, series: e.series, e.sloLinks, hot, p, now: now, outcome: &outcome)
                return
            }
            let result = applyRecord(tag, &r, e.kind, e.slot, hot, p, now: now)
            account(result, ctx, &outcome)
            // A counter's increase is known after the fact (`lastIncrease`): no detour needed.
            if e.sloLinks >= 0 && (result == .applied || result == .reset) { counterSLO(e.slot, e.sloLinks, time: p.time) }
            return
        }
        newIdentity(tag, values, hash: hash, hot, attrs: ByteView(base: attrs, count: n), p, now: now, outcome: &outcome)
    }

    /// The arena word offset of the raw identity (context `ctx`, attribute encoding `attrs` of
    /// `count` bytes) whose point hash is `hash`, compared in place; nil when it is new.
    @inline(__always)
    func findRaw(hash: UInt64, ctx: Int32, attrs: UnsafeRawPointer?, count n: Int) -> Int32? {
        let arena = UnsafeRawPointer(rawArena.base)
        return rawIndex.find(hash: hash) { w in
            let raw = arena + Int(w) &* 8
            let h = raw.load(as: RawHeader.self)
            return h.ctx == ctx && Int(h.keyLength) == n && (n == 0 || bytesEqual(raw + Self.rawHeaderWords &* 8, attrs!, n))
        }
    }

    /// The fields of a point record every state needs.
    struct PointHeader {
        var start: UInt64
        var time: UInt64
        /// `DataPointFlags` raw value.
        var flags: UInt32
        /// `FLAG_NO_RECORDED_VALUE` (bit 0), tested on the raw value: reading the
        /// `DataPointFlags.noRecordedValue` static costs a lazy-global access per point.
        var noRecordedValue: Bool { flags & 1 != 0 }
    }

    /// Reads the value part of a point record at `r` and applies it to state `slot`.
    @inline(__always)
    func applyRecord(_ tag: RecordTag, _ r: inout RecordReader, _ kind: StateKind, _ slot: Int32, _ c: HotContext,
                     _ p: PointHeader, now: UInt64) -> ApplyResult {
        switch tag {
        case .number:
            let f = SliceRecords.readNumber(&r)
            let number: Double
            switch f.kind {
            case .double: number = Double(bitPattern: f.bits)
            case .int: number = Double(Int64(bitPattern: f.bits))
            case .none:
                if !p.noRecordedValue { return .rejected(.missingValue) }
                number = 0
            }
            if kind == .counter {
                return counters.pointer(slot).pointee.apply(start: p.start, time: p.time, value: number, temporality: c.temporality,
                                                             isMonotonic: c.isMonotonic, noRecordedValue: p.noRecordedValue, now: now)
            }
            return gauges.pointer(slot).pointee.apply(start: p.start, time: p.time, value: number,
                                                       noRecordedValue: p.noRecordedValue, now: now)
        case .histogram:
            let f = SliceRecords.readHistogram(&r)
            let view = HistogramPointView(common: Self.common(p), count: f.count, sum: f.sum, min: nil, max: nil,
                                          bucketCounts: f.counts, explicitBounds: f.bounds)
            return histograms.pointer(slot).pointee.apply(view, temporality: c.temporality, boundsHint: self.contexts[Int(c.index)]!.boundsHint, now: now)
        case .exponential:
            let f = SliceRecords.readExponential(&r)
            let view = ExponentialHistogramPointView(common: Self.common(p), count: f.count, sum: f.sum, min: nil, max: nil,
                                                     scale: f.scale, zeroCount: f.zeroCount, zeroThreshold: f.zeroThreshold,
                                                     positive: ExponentialBuckets(offset: f.positiveOffset, counts: f.positive),
                                                     negative: ExponentialBuckets(offset: f.negativeOffset, counts: f.negative))
            return exponentials.pointer(slot).pointee.apply(view, temporality: c.temporality, maxBuckets: maxExponentialBuckets, now: now)
        case .summary:
            let f = SliceRecords.readSummary(&r)
            return summaries.pointer(slot).pointee.apply(SummaryPointView(common: Self.common(p), count: f.count, sum: f.sum,
                                                                          quantiles: f.quantiles), now: now)
        case .context, .resource:
            preconditionFailure("not a point record")
        }
    }

    @inline(__always)
    static func common(_ p: PointHeader) -> PointCommon {
        PointCommon(attributes: UnsafeBufferPointer(start: nil, count: 0), startTimeUnixNano: p.start,
                    timeUnixNano: p.time, flags: DataPointFlags(rawValue: p.flags))
    }


    @inline(__always)
    func account(_ result: ApplyResult, _ ctx: Int32, _ outcome: inout SliceOutcome) {
        if result.isAccepted {
            outcome.applied &+= 1   // stats.pointsApplied is added once per slice, in apply()
        } else {
            reject(result, contexts[Int(ctx)]!, &outcome)
        }
    }

    func reject(_ result: ApplyResult, _ c: Context, _ outcome: inout SliceOutcome) {
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
}

/// A pool of state values with a free list (slots are reused after sweeps), in flat storage so
/// the per-point path reaches a state through a pointer (no array retain, no uniqueness check).
///
/// While a checkpoint copy of the pool is being made (`checkpointCopy`), every access that may
/// write a slot (`pointer`, `add`, `remove`) first has that slot's chunk copied, so the copy
/// keeps the states as they were at the cut.
struct FlatPool<T>: ~Copyable {
    var items = FlatArray<T>(capacity: 256)
    var free: [Int32] = []
    var checkpointCopy: ChunkedCopy<T>? = nil

    mutating func add(_ t: T) -> Int32 {
        if let i = free.popLast() {
            willWrite(i)
            items[Int(i)] = t
            return i
        }
        items.append(t)
        return Int32(items.count - 1)
    }

    mutating func remove(_ i: Int32, blank: T) {
        willWrite(i)
        items[Int(i)] = blank
        free.append(i)
    }

    @inline(__always) func willWrite(_ i: Int32) {
        if let c = checkpointCopy { c.ensure(Int(i), from: items.base) }
    }

    @inline(__always) func pointer(_ i: Int32) -> UnsafeMutablePointer<T> {
        willWrite(i)
        return items.pointer(at: Int(i))
    }
    @inline(__always) subscript(i: Int32) -> T { items[Int(i)] }
    var memoryBytes: Int { items.memoryBytes + free.capacity * 4 }
}
