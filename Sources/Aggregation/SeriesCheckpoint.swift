import OTLP
import Primitives

/// The series part of a checkpoint (DESIGN.md §3): every aggregator shard's series state as
/// bytes (`AggregatorShard.encodeSeries(into:)`, one part per shard) and back into a set of
/// shards of any count (`SeriesCheckpoint.restore`).
///
/// What is kept, per raw identity (the key of the shard's hot path): its context blob (tenant ·
/// resource · scope · metric header, exactly as `ShardingSink` writes it into context records),
/// its canonical attribute encoding, and — once per series — the state kind and every state field
/// that matters for exposition and for the next point's cumulative→delta (start time, time,
/// value, last increase, status flags, sum, counts, bounds, buckets, quantiles). Not kept:
/// hash values, shard indexes, slot numbers (all depend on the process seed or the shard count;
/// restore recomputes them), nor `lastUpdate` (a monotonic-clock time: restore sets it to its
/// `now`, so the TTL starts again). target_info series are kept as their resource blobs.
///
/// Restore routes each identity as `ShardingSink` would now (the context's prefix hash with the
/// current seed, combined with the attribute encoding's hash, scaled to the shard count by `shardIndex`; a resource
/// blob by its own hash) and goes through the shard's own paths: the context record handler
/// (`context(hash:blob:)`, so families, tenants and translations are rebuilt), the new-identity
/// translation (`identityLabels`: aliasing by (family, labels) and the cardinality limits as for
/// a new series) and `materialize` (labels, SLO links, indexes) — then the slot gets the saved
/// state instead of a point, so no SLO delta is added for the restore itself. The target_info
/// handler is called as for a resource record.
///
/// ## Format (little-endian; only ever add — old versions stay decodable)
///
/// ```
/// part    = magic "SLSC" · u8 version (1) · record* · u8 0 (end; nothing may follow)
/// record  = u8 tag · body
///   1 context: str blob                  the next context number (0, 1, …) within the part
///   2 target:  str blob                  tenant · resource blob of a target_info series
///   3 family:  str name · str help · str unit   metadata of a family with series (first wins)
///   4 series:  u32 context · str attributes · u8 kind · state    the next series number
///   5 alias:   u32 context · str attributes · u32 series         another raw identity of a series
/// str     = u32 length · bytes
/// kind    = 0 counter · 1 gauge · 2 histogram · 3 exponential histogram · 4 summary
///           (must be the state kind of the context's metric kind)
/// state   = u8 status (1 value, 2 stale, 4 has sum) · u64 start · u64 time, then by kind:
///   counter:     f64 value · f64 lastIncrease
///   gauge:       f64 value
///   histogram:   u64 count · f64 sum · u32 nBounds · u32 nCounts · f64 bounds[nBounds] ·
///                u64 counts[nCounts]   (nCounts = nBounds + 1, or both 0 for a series that was
///                stale from its first point; bounds strictly ascending, not NaN)
///   exponential: u64 count · f64 sum · u64 zeroCount · f64 zeroThreshold · i32 scale (−10…20) ·
///                i32 negativeOffset · i32 positiveOffset · u32 nNegative · u32 nPositive ·
///                u64 negative[nNegative] · u64 positive[nPositive]
///   summary:     u64 count · f64 sum · u32 n · (f64 quantile · f64 value)[n]
/// ```
/// f64 is the IEEE 754 bit pattern. A context blob, attribute encoding and resource blob have
/// the layouts of `ShardingSink+Records.swift` (its attribute encoding, in full: u32 count, then
/// per attribute str key · u8 type (0…6) · payload); they are checked field by field on decode.
///
/// Decoding is safe on arbitrary bytes: every read is bounds-checked, counts are capped by the
/// bytes left before anything is allocated, and a violation is a `SeriesCheckpointError` naming
/// the part and byte offset. All parts are validated before any shard is touched.
public enum SeriesCheckpoint {
    public static let magic: [UInt8] = [0x53, 0x4C, 0x53, 0x43]   // "SLSC"
    public static let version: UInt8 = 1

    enum Tag: UInt8 { case end = 0, context = 1, target = 2, family = 3, series = 4, alias = 5 }

    static func kindCode(_ k: AggregatorShard.StateKind) -> UInt8 {
        switch k {
        case .counter: 0
        case .gauge: 1
        case .histogram: 2
        case .exponential: 3
        case .summary: 4
        case .info: 255   // never written: info series have no raw identity
        }
    }

    static func stateKind(code: UInt8) -> AggregatorShard.StateKind? {
        switch code {
        case 0: .counter
        case 1: .gauge
        case 2: .histogram
        case 3: .exponential
        case 4: .summary
        default: nil
        }
    }

    /// Restores series encoded by any number of shards into `shards`, each identity to the shard
    /// `ShardingSink(shards: shards.count)` would route it to now. Call before the shards run (or
    /// on their threads). Every part is validated first: on an error no shard has changed.
    /// Restored series count against the shards' cardinality limits like new ones; identities
    /// that do not fit (or whose metric is now rejected, e.g. a type conflict between parts) are
    /// counted in `dropped`.
    public static func restore(_ parts: [[UInt8]], into shards: [AggregatorShard],
                               now: UInt64) throws(SeriesCheckpointError) -> SeriesRestoreReport {
        precondition(!shards.isEmpty, "restore needs at least one shard")
        for (i, p) in parts.enumerated() {
            try withBytes(p) { (b) throws(SeriesCheckpointError) in try walk(b, part: i, into: nil) }
        }
        let restorer = Restorer(shards: shards, now: now)
        for (i, p) in parts.enumerated() {
            try withBytes(p) { (b) throws(SeriesCheckpointError) in try walk(b, part: i, into: restorer) }
        }
        restorer.finish()
        return restorer.report
    }

    /// Checks a part without restoring it.
    public static func validate(_ part: [UInt8]) throws(SeriesCheckpointError) {
        try withBytes(part) { (b) throws(SeriesCheckpointError) in try walk(b, part: 0, into: nil) }
    }

    /// `withUnsafeBytes` for a typed-throwing body (it only rethrows untyped).
    static func withBytes(_ part: [UInt8], _ body: (UnsafeRawBufferPointer) throws(SeriesCheckpointError) -> Void) throws(SeriesCheckpointError) {
        let result: Result<Void, SeriesCheckpointError> = part.withUnsafeBytes { b in
            Result { () throws(SeriesCheckpointError) in try body(b) }
        }
        try result.get()
    }

    /// Reads one part; with a `restorer`, applies it (the part must have been validated).
    static func walk(_ bytes: UnsafeRawBufferPointer, part: Int, into restorer: Restorer?) throws(SeriesCheckpointError) {
        var r = CheckpointReader(bytes, part: part)
        for m in magic {
            guard try r.u8("magic") == m else { throw r.error("not a series checkpoint (bad magic)", at: 0) }
        }
        let v = try r.u8("version")
        guard v == 1 else { throw r.error("unsupported version \(v)", at: r.offset - 1) }
        var contextKinds: [AggregatorShard.StateKind] = []
        var seriesStates: [Int] = []   // offset of each series' state (its kind byte)
        restorer?.beginPart()
        while true {
            let at = r.offset
            let raw = try r.u8("record tag")
            guard let tag = Tag(rawValue: raw) else { throw r.error("unknown record tag \(raw)", at: at) }
            switch tag {
            case .end:
                guard r.offset == r.end else { throw r.error("\(r.end - r.offset) bytes after the end record") }
                return
            case .context:
                var blob = try r.subReader(length: try r.u32("context blob length"), "context blob")
                let shape = try blob.contextBlob()
                contextKinds.append(AggregatorShard.stateKind(shape.kind))
                restorer?.context(blob.view, shape)
            case .target:
                var blob = try r.subReader(length: try r.u32("resource blob length"), "resource blob")
                try blob.resourceBlob()
                restorer?.target(blob.view)
            case .family:
                let name = try r.string("family name"), help = try r.string("family help"), unit = try r.string("family unit")
                restorer?.family(name.string, help: help.string, unit: unit.string)
            case .series, .alias:
                let ctxAt = r.offset
                let ctx = Int(try r.u32("context number"))
                guard ctx < contextKinds.count else { throw r.error("context \(ctx) not defined (\(contextKinds.count) so far)", at: ctxAt) }
                var attrs = try r.subReader(length: try r.u32("attributes length"), "attributes")
                try attrs.attributes("point attributes")
                guard attrs.offset == attrs.end else { throw attrs.error("\(attrs.end - attrs.offset) bytes after the attributes") }
                let stateAt: Int
                if tag == .series {
                    stateAt = r.offset
                    let code = try r.u8("state kind")
                    guard let kind = stateKind(code: code) else { throw r.error("unknown state kind \(code)", at: stateAt) }
                    guard kind == contextKinds[ctx] else {
                        throw r.error("state kind \(code) does not match its context's metric kind", at: stateAt)
                    }
                    _ = try r.state(kind, now: 0)
                    seriesStates.append(stateAt)
                } else {
                    let sAt = r.offset
                    let s = Int(try r.u32("series number"))
                    guard s < seriesStates.count else { throw r.error("series \(s) not defined (\(seriesStates.count) so far)", at: sAt) }
                    stateAt = seriesStates[s]
                    guard bytes[stateAt] == kindCode(contextKinds[ctx]) else {
                        throw r.error("alias of series \(s) whose kind does not match the context's metric kind", at: sAt)
                    }
                }
                if let restorer {
                    var sr = CheckpointReader(bytes, part: part)
                    sr.offset = stateAt + 1
                    // Validated above: decoding again cannot fail.
                    let state = try sr.state(contextKinds[ctx], now: restorer.now)
                    restorer.identity(context: ctx, attrs: attrs.view, state: state, isAlias: tag == .alias)
                }
            }
        }
    }
}

/// A checkpoint part that cannot be decoded: which part, where, and why.
public struct SeriesCheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Index of the part in the list given to `restore`.
    public let part: Int
    /// Byte offset within the part.
    public let offset: Int
    public let reason: String

    public init(part: Int, offset: Int, reason: String) {
        self.part = part; self.offset = offset; self.reason = reason
    }

    public var description: String { "series checkpoint part \(part), byte \(offset): \(reason)" }
}

/// What `SeriesCheckpoint.restore` did.
public struct SeriesRestoreReport: Sendable, Equatable {
    /// Series created (a series whose identities now route to several shards counts once per shard).
    public var series = 0
    /// Further raw identities of restored series (aliases), and identities restored twice.
    public var aliases = 0
    /// target_info identities restored.
    public var targets = 0
    /// Identities not restored: over a cardinality limit, a metric now rejected (type conflict),
    /// or a label set held by a series of another type (target_info: over `maxSeries` or the
    /// `target_info` name taken by another type).
    public var dropped = 0

    public init() {}
}

/// A saved state, decoded (`lastUpdate` = the restore's `now`).
enum SavedState {
    case counter(CounterState)
    case gauge(GaugeState)
    case histogram(HistogramState)
    case exponential(ExponentialHistogramState)
    case summary(SummaryState)
}

/// The layout of a validated context blob: where its resource and scope parts end (for the
/// prefix hash, computed as `ShardingSink.metric` does) and its metric kind.
struct ContextShape {
    var resourceEnd: Int
    var scopeEnd: Int
    var kind: MetricKind
}

/// The apply pass of `SeriesCheckpoint.restore`.
final class Restorer {
    let shards: [AggregatorShard]
    let now: UInt64
    let seed = Hash64.processSeed
    var report = SeriesRestoreReport()
    /// Family metadata, first part first.
    var familyMeta: [String: (help: String, unit: String)] = [:]
    var familyOrder: [String] = []
    // Per part.
    var contextHashes: [UInt64] = []
    var contextBlobs: [ByteView] = []
    /// Per shard, per context number: the shard's context index, -1 until first used.
    var shardContexts: [[Int32]]

    init(shards: [AggregatorShard], now: UInt64) {
        self.shards = shards
        self.now = now
        shardContexts = Array(repeating: [], count: shards.count)
    }

    func beginPart() {
        contextHashes.removeAll(keepingCapacity: true)
        contextBlobs.removeAll(keepingCapacity: true)
        for i in shardContexts.indices { shardContexts[i].removeAll(keepingCapacity: true) }
    }

    func context(_ blob: ByteView, _ shape: ContextShape) {
        let b = blob.buffer
        var h = Hash64.hash(UnsafeRawBufferPointer(rebasing: b[0..<shape.resourceEnd]), seed: seed)
        h = Hash64.hash(UnsafeRawBufferPointer(rebasing: b[shape.resourceEnd..<shape.scopeEnd]), seed: h)
        h = Hash64.hash(UnsafeRawBufferPointer(rebasing: b[shape.scopeEnd...]), seed: h)
        contextHashes.append(h)
        contextBlobs.append(blob)
        for i in shardContexts.indices { shardContexts[i].append(-1) }
    }

    func target(_ blob: ByteView) {
        let hash = Hash64.hash(blob.buffer, seed: seed)
        let shard = shards[shardIndex(hash, shards: shards.count)]
        if shard.hasTarget(hash: hash, blob: blob) { report.aliases += 1; return }
        let before = shard.liveTargets
        shard.targetInfo(hash: hash, blob: blob, now: now)
        if shard.liveTargets > before { report.targets += 1 } else { report.dropped += 1 }
    }

    func family(_ name: String, help: String, unit: String) {
        if familyMeta[name] == nil { familyMeta[name] = (help, unit); familyOrder.append(name) }
    }

    func identity(context local: Int, attrs: ByteView, state: SavedState, isAlias: Bool) {
        let hash = pointHash(context: contextHashes[local], attributes: attributeHash(attrs.buffer))
        let s = shardIndex(hash, shards: shards.count)
        let shard = shards[s]
        var ctx = shardContexts[s][local]
        if ctx < 0 {
            ctx = shard.context(hash: contextHashes[local], blob: contextBlobs[local])
            shardContexts[s][local] = ctx
        }
        switch shard.restoreIdentity(hash: hash, ctx: ctx, attrs: attrs, state) {
        case .created: report.series += 1
        case .aliased: report.aliases += 1
        case .dropped: report.dropped += 1
        }
    }

    /// Family metadata as saved (HELP and unit: the first part that has the family wins, as when
    /// rendering several shards); the stats gauge.
    func finish() {
        for shard in shards {
            for name in familyOrder {
                guard let f = shard.familyByName[name], let meta = familyMeta[name] else { continue }
                shard.families[Int(f)]!.help = meta.help
                shard.families[Int(f)]!.unit = meta.unit
            }
            shard.stats.series.set(Int64(shard.seriesCount))
        }
    }
}

/// A bounds-checked little-endian cursor over a checkpoint part (or a blob within it: `end`).
struct CheckpointReader {
    let bytes: UnsafeRawBufferPointer
    let part: Int
    var offset: Int
    var end: Int
    /// Where this reader's range starts (a blob's first byte).
    var start: Int

    init(_ bytes: UnsafeRawBufferPointer, part: Int) {
        self.bytes = bytes; self.part = part; offset = 0; end = bytes.count; start = 0
    }

    var remaining: Int { end - offset }

    /// The reader's range as a view (valid while the part's bytes are).
    var view: ByteView { ByteView(base: bytes.baseAddress.map { $0 + start }, count: end - start) }

    func error(_ reason: String, at: Int? = nil) -> SeriesCheckpointError {
        SeriesCheckpointError(part: part, offset: at ?? offset, reason: reason)
    }

    mutating func need(_ n: Int, _ what: String) throws(SeriesCheckpointError) {
        guard n <= remaining else { throw error("truncated \(what): \(n) bytes needed, \(remaining) left") }
    }

    mutating func load<T: FixedWidthInteger>(_: T.Type, _ what: String) throws(SeriesCheckpointError) -> T {
        let n = MemoryLayout<T>.size
        try need(n, what)
        let v = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += n
        return v
    }

    mutating func u8(_ what: String) throws(SeriesCheckpointError) -> UInt8 { try load(UInt8.self, what) }
    mutating func u32(_ what: String) throws(SeriesCheckpointError) -> UInt32 { try load(UInt32.self, what) }
    mutating func u64(_ what: String) throws(SeriesCheckpointError) -> UInt64 { try load(UInt64.self, what) }
    mutating func i32(_ what: String) throws(SeriesCheckpointError) -> Int32 { try load(Int32.self, what) }
    mutating func f64(_ what: String) throws(SeriesCheckpointError) -> Double { Double(bitPattern: try load(UInt64.self, what)) }

    /// `n` bytes as a view.
    mutating func bytes(_ n: Int, _ what: String) throws(SeriesCheckpointError) -> ByteView {
        try need(n, what)
        let v = ByteView(base: bytes.baseAddress.map { $0 + offset }, count: n)
        offset += n
        return v
    }

    mutating func string(_ what: String) throws(SeriesCheckpointError) -> ByteView {
        try bytes(Int(try u32(what + " length")), what)
    }

    /// A reader over the next `length` bytes (skipped here).
    mutating func subReader(length: UInt32, _ what: String) throws(SeriesCheckpointError) -> CheckpointReader {
        let n = Int(length)
        try need(n, what)
        var sub = self
        sub.start = offset
        sub.end = offset + n
        offset += n
        return sub
    }

    /// A u32 element count, at most what the bytes left can hold.
    mutating func count(_ what: String, elementBytes: Int) throws(SeriesCheckpointError) -> Int {
        let at = offset
        let n = Int(try u32(what))
        guard n <= remaining / elementBytes else {
            throw error("\(what) \(n) exceeds the \(remaining) bytes left", at: at)
        }
        return n
    }

    // MARK: Blobs (the layouts of ShardingSink+Records.swift)

    /// Checks an attribute encoding: u32 count, then key · type · payload per attribute.
    mutating func attributes(_ what: String) throws(SeriesCheckpointError) {
        let n = try count(what + " count", elementBytes: 5)
        for _ in 0..<n {
            _ = try string(what + " key")
            let at = offset
            let type = try u8(what + " value type")
            switch AttrType(rawValue: type) {
            case .empty: break
            case .string, .bytes, .json: _ = try string(what + " value")
            case .bool: _ = try bytes(1, what + " value")
            case .int, .double: _ = try bytes(8, what + " value")
            case nil: throw error("\(what): unknown value type \(type)", at: at)
            }
        }
    }

    /// Checks a context blob (the whole reader): tenant · resource · scope · metric header.
    mutating func contextBlob() throws(SeriesCheckpointError) -> ContextShape {
        _ = try string("tenant")
        _ = try string("resource schema URL")
        try attributes("resource attributes")
        let resourceEnd = offset - start
        _ = try string("scope name")
        _ = try string("scope version")
        _ = try string("scope schema URL")
        try attributes("scope attributes")
        let scopeEnd = offset - start
        _ = try string("metric name")
        _ = try string("metric description")
        _ = try string("metric unit")
        var at = offset
        let k = try u8("metric kind")
        guard let kind = MetricKind(rawValue: k) else { throw error("unknown metric kind \(k)", at: at) }
        at = offset
        let t = try u8("temporality")
        guard Temporality(rawValue: t) != nil else { throw error("unknown temporality \(t)", at: at) }
        at = offset
        let m = try u8("monotonic flag")
        guard m <= 1 else { throw error("monotonic flag \(m) is not 0 or 1", at: at) }
        guard remaining == 0 else { throw error("\(remaining) bytes after the metric header") }
        return ContextShape(resourceEnd: resourceEnd, scopeEnd: scopeEnd, kind: kind)
    }

    /// Checks a resource blob (the whole reader): tenant · schema URL · attributes.
    mutating func resourceBlob() throws(SeriesCheckpointError) {
        _ = try string("tenant")
        _ = try string("resource schema URL")
        try attributes("resource attributes")
        guard remaining == 0 else { throw error("\(remaining) bytes after the resource attributes") }
    }

    // MARK: States

    /// Reads and checks a state of `kind` (after its kind byte).
    mutating func state(_ kind: AggregatorShard.StateKind, now: UInt64) throws(SeriesCheckpointError) -> SavedState {
        let statusAt = offset
        let status = try u8("state status")
        let allowed: [UInt8] = kind == .histogram || kind == .exponential
            ? [statusHasValue, statusHasValue | statusHasSum, statusStale] : [statusHasValue, statusStale]
        guard allowed.contains(status) else { throw error("invalid state status \(status)", at: statusAt) }
        let start = try u64("start time"), time = try u64("time")
        switch kind {
        case .counter:
            let value = try f64("value"), increase = try f64("last increase")
            return .counter(CounterState(start: start, time: time, lastUpdate: now, value: value, lastIncrease: increase, status: status))
        case .gauge, .info:
            let value = try f64("value")
            return .gauge(GaugeState(start: start, time: time, lastUpdate: now, value: value, status: status))
        case .histogram:
            let count = try u64("count"), sum = try f64("sum")
            let nb = try self.count("bound count", elementBytes: 8)
            let ncAt = offset
            let nc = try self.count("bucket count", elementBytes: 8)
            guard nc == nb + 1 || (nc == 0 && nb == 0 && status == statusStale) else {
                throw error("\(nc) bucket counts for \(nb) bounds", at: ncAt)
            }
            try need(8 * (nb + nc), "buckets")
            var bounds = ContiguousArray<Double>()
            bounds.reserveCapacity(nb)
            var previous = -Double.infinity
            for _ in 0..<nb {
                let at = offset
                let b = try f64("bound")
                guard !b.isNaN, b > previous else { throw error("bounds not strictly ascending", at: at) }
                bounds.append(b)
                previous = b
            }
            var counts = ContiguousArray<UInt64>()
            counts.reserveCapacity(nc)
            for _ in 0..<nc { counts.append(try u64("bucket count")) }
            return .histogram(HistogramState(start: start, time: time, lastUpdate: now, count: count, sum: sum,
                                             bounds: bounds.isEmpty ? .empty : BucketBounds(bounds), bucketCounts: counts, status: status))
        case .exponential:
            let count = try u64("count"), sum = try f64("sum"), zeroCount = try u64("zero count"), zeroThreshold = try f64("zero threshold")
            let scaleAt = offset
            let scale = try i32("scale")
            guard (-10...20).contains(scale) else { throw error("scale \(scale) outside [-10, 20]", at: scaleAt) }
            let negOffset = try i32("negative offset"), posOffset = try i32("positive offset")
            let nnAt = offset
            let nn = try self.count("negative bucket count", elementBytes: 8)
            let np = try self.count("positive bucket count", elementBytes: 8)
            guard Int(negOffset) + nn <= Int(Int32.max), Int(posOffset) + np <= Int(Int32.max) else {
                throw error("bucket span beyond the index range", at: nnAt)
            }
            try need(8 * (nn + np), "buckets")
            var storage = ContiguousArray<UInt64>()
            storage.reserveCapacity(nn + np)
            for _ in 0..<(nn + np) { storage.append(try u64("bucket count")) }
            return .exponential(ExponentialHistogramState(
                start: start, time: time, lastUpdate: now, count: count, sum: sum, zeroCount: zeroCount, zeroThreshold: zeroThreshold,
                scale: scale, negativeOffset: negOffset, positiveOffset: posOffset, negativeLength: Int32(nn),
                storage: storage, status: status))
        case .summary:
            let count = try u64("count"), sum = try f64("sum")
            let n = try self.count("quantile count", elementBytes: 16)
            var q = ContiguousArray<QuantileValue>()
            q.reserveCapacity(n)
            for _ in 0..<n { q.append(QuantileValue(quantile: try f64("quantile"), value: try f64("quantile value"))) }
            return .summary(SummaryState(start: start, time: time, lastUpdate: now, count: count, sum: sum, quantiles: q, status: status))
        }
    }
}

// MARK: - Writing

extension Array where Element == UInt8 {
    @inline(__always) mutating func checkpointPut<T: FixedWidthInteger>(_ v: T) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }

    @inline(__always) mutating func checkpointPut(_ d: Double) { checkpointPut(d.bitPattern) }

    /// What every state starts with: status, start time, time (`SeriesCheckpoint`'s `state`).
    @inline(__always) mutating func checkpointPutStateHeader(_ status: UInt8, start: UInt64, time: UInt64) {
        append(status)
        checkpointPut(start)
        checkpointPut(time)
    }

    @inline(__always) mutating func checkpointPut(bytes b: UnsafeRawBufferPointer) {
        checkpointPut(UInt32(truncatingIfNeeded: b.count))
        append(contentsOf: b)
    }

    mutating func checkpointPut(string s: String) {
        var s = s
        s.withUTF8 { checkpointPut(bytes: UnsafeRawBufferPointer($0)) }
    }
}
