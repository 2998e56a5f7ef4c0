/// The input model for rendering ingested metrics: families of series with their latest points.
///
/// Built by the aggregation shards at scrape time and handed to `FamilyRenderer`. Names and label
/// names are expected to be translated and valid already (the renderer does not validate them in
/// release builds); label values are escaped once, when a `RenderedLabels` is made, so a shard
/// that keeps the `RenderedLabels` of each series between scrapes pays no escaping at scrape time.

/// A series' label set, pre-rendered as the bytes between the braces: `a="x",b="y"` with label
/// values escaped (`\` → `\\`, `"` → `\"`, newline → `\n`). Empty for no labels.
///
/// Make it once per series and keep it: the renderer only copies these bytes. Equality and hashing
/// are on the rendered bytes (equal label sets in the same order compare equal).
///
/// A label set may come in two parts: a `prefix` shared by many series (an aggregator shard keeps
/// the labels that come from a resource and scope once per context, not once per series) and the
/// series' own `bytes`; they are written as `prefix,bytes`.
public struct RenderedLabels: Hashable, Sendable {
    /// Shared leading pairs (same form as `bytes`); often empty.
    public let prefix: [UInt8]
    /// `name="escaped value"` pairs joined by `,`; no braces, no trailing comma.
    public let bytes: [UInt8]

    /// No labels.
    public static let empty = RenderedLabels(bytes: [])

    /// Renders `pairs` in the order given. The caller passes them sorted by name, with valid,
    /// distinct names that are not `le` (histograms) or `quantile` (summaries). O(total length);
    /// allocates the one byte array.
    public init(_ pairs: [(String, String)]) {
        assert(pairs.allSatisfy { MetricName.check($0.0, first: MetricName.labelFirst, rest: MetricName.labelRest) },
               "invalid label name in \(pairs)")
        var out: [UInt8] = []
        var capacity = 0
        for (k, v) in pairs { capacity += k.utf8.count + v.utf8.count + 4 }
        out.reserveCapacity(capacity)
        for (i, (k, v)) in pairs.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: k.utf8)
            out.append(UInt8(ascii: "="))
            out.append(UInt8(ascii: "\""))
            ExpositionText.appendEscapedLabelValue(v, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        self.bytes = out
        self.prefix = []
    }

    /// Wraps bytes already in the rendered form (e.g. copied from another `RenderedLabels`).
    public init(bytes: [UInt8]) { self.bytes = bytes; self.prefix = [] }

    /// A shared prefix and the series' own pairs, both already rendered.
    public init(prefix: [UInt8], bytes: [UInt8]) { self.prefix = prefix; self.bytes = bytes }

    public var isEmpty: Bool { bytes.isEmpty && prefix.isEmpty }

    /// The pairs sorted by name (`prefix` and `bytes` are each sorted and share no name), for
    /// comparing label sets that were split differently.
    public func sortedPairs() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(prefix.count + bytes.count + 1)
        prefix.withUnsafeBytes { a in bytes.withUnsafeBytes { b in Self.mergeSorted(a, b, into: &out) } }
        return out
    }

    /// Merges two rendered pair lists, each sorted by name with disjoint names, into one sorted
    /// list. A name runs to `=`; the value is quoted with `\` escapes.
    public static func mergeSorted(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        var i = 0, j = 0
        var first = true
        func emit(_ buf: UnsafeRawBufferPointer, _ range: Range<Int>) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[range]))
        }
        while i < a.count || j < b.count {
            let pa = i < a.count ? pair(a, at: i) : nil
            let pb = j < b.count ? pair(b, at: j) : nil
            if let pa, let pb {
                let na = UnsafeRawBufferPointer(rebasing: a[pa.name]), nb = UnsafeRawBufferPointer(rebasing: b[pb.name])
                if na.lexicographicallyPrecedes(nb) {
                    emit(a, pa.whole); i = pa.next
                } else {
                    emit(b, pb.whole); j = pb.next
                }
            } else if let pa {
                emit(a, pa.whole); i = pa.next
            } else if let pb {
                emit(b, pb.whole); j = pb.next
            }
        }
    }

    /// The pair starting at `start`: its name range, its whole `name="value"` range, and where
    /// the next pair starts (after the `,`).
    static func pair(_ buf: UnsafeRawBufferPointer, at start: Int) -> (name: Range<Int>, whole: Range<Int>, next: Int) {
        var k = start
        while k < buf.count && buf[k] != UInt8(ascii: "=") { k += 1 }
        let name = start..<k
        k += 2                                  // `="`
        while k < buf.count && buf[k] != UInt8(ascii: "\"") {
            k += buf[k] == UInt8(ascii: "\\") ? 2 : 1
        }
        let end = min(k + 1, buf.count)         // past the closing quote
        return (name, start..<end, end < buf.count ? end + 1 : end)
    }

    /// Appends the pairs (`prefix,bytes`, no braces).
    @inline(__always)
    public func append(to out: inout [UInt8]) {
        out.append(contentsOf: prefix)
        if !prefix.isEmpty && !bytes.isEmpty { out.append(UInt8(ascii: ",")) }
        out.append(contentsOf: bytes)
    }
}

/// One metric family: a name, its metadata, and all its series.
public struct MetricFamily: Sendable {
    /// The kind of a family. Text 0.0.4 writes `unknown` as `untyped` and `info` as `gauge`.
    public enum Kind: UInt8, Sendable {
        case counter, gauge, histogram, summary, unknown, info
    }

    /// The sample name as text 0.0.4 writes it: counters include `_total`, info families include
    /// `_info` (e.g. `target_info`), histograms and summaries are the base name. OpenMetrics drops
    /// the `_total` / `_info` suffix in `# TYPE`/`# UNIT`/`# HELP`.
    public var name: String
    public var kind: Kind
    /// Unescaped; the renderer escapes it. Empty ⇒ no `# HELP` line.
    public var help: String
    /// E.g. `seconds`; may be empty. OpenMetrics writes `# UNIT` only when the family name ends in
    /// `_<unit>` (a rule of the format); text 0.0.4 has no unit line.
    public var unit: String
    public var series: [MetricSeries]

    public init(name: String, kind: Kind, help: String = "", unit: String = "", series: [MetricSeries] = []) {
        self.name = name
        self.kind = kind
        self.help = help
        self.unit = unit
        self.series = series
    }
}

/// One series: its labels and latest point.
public struct MetricSeries: Sendable {
    /// The point. `.number` is used for counters, gauges, unknown and info families (info: value 1).
    public enum Value: Sendable {
        /// A counter, gauge, unknown or info value. The exemplar is written only for counters and
        /// only in OpenMetrics.
        case number(Double, exemplar: Exemplar? = nil)
        case histogram(HistogramPoint)
        case summary(SummaryPoint)
    }

    public var labels: RenderedLabels
    public var value: Value
    /// A hash of (family, full label set) from the producer, or 0 when unknown. When a family
    /// comes from several parts (shards), the renderer uses it to find a label set that more
    /// than one part holds and writes it once (the most recent point wins).
    public var identity: UInt64 = 0
    /// Start time in Unix nanoseconds; 0 = unknown. OpenMetrics writes it as `_created` for
    /// counters, histograms and summaries; text 0.0.4 never does.
    public var startTimeNanos: UInt64
    /// Time of the point in Unix nanoseconds; written only when rendering with `timestamps: true`
    /// (0 = none even then).
    public var timeNanos: UInt64

    public init(labels: RenderedLabels, value: Value, startTimeNanos: UInt64 = 0, timeNanos: UInt64 = 0,
                identity: UInt64 = 0) {
        self.identity = identity
        self.labels = labels
        self.value = value
        self.startTimeNanos = startTimeNanos
        self.timeNanos = timeNanos
    }
}

/// A classic histogram point, cumulative, in the shape of `HistogramSnapshot`.
public struct HistogramPoint: Sendable {
    /// Finite upper bounds, strictly increasing (`+Inf` implicit). Series of one family usually
    /// share one array (copy-on-write), which lets the renderer format the `le` values once.
    public var bounds: [Double]
    /// Cumulative counts, `bounds.count + 1` entries; the last is the `+Inf` bucket and is the
    /// `_count`.
    public var cumulativeCounts: [UInt64]
    /// Nil when the point had no sum: text 0.0.4 omits `_sum`, OpenMetrics omits `_sum` and
    /// `_count` (it requires both or neither).
    public var sum: Double?
    /// OpenMetrics only: at most one exemplar per bucket, as (bucket index, exemplar), index
    /// `bounds.count` being `+Inf`; ascending by index. Usually empty (no allocation).
    public var exemplars: [(bucket: Int, exemplar: Exemplar)]

    public init(bounds: [Double], cumulativeCounts: [UInt64], sum: Double?,
                exemplars: [(bucket: Int, exemplar: Exemplar)] = []) {
        precondition(cumulativeCounts.count == bounds.count + 1, "need one cumulative count per bound plus +Inf")
        self.bounds = bounds
        self.cumulativeCounts = cumulativeCounts
        self.sum = sum
        self.exemplars = exemplars
    }

    /// The number of observations (the `+Inf` bucket).
    public var count: UInt64 { cumulativeCounts[cumulativeCounts.count - 1] }
}

/// A summary point: quantiles ascending by `quantile`, plus sum and count.
public struct SummaryPoint: Sendable {
    public var quantiles: [(quantile: Double, value: Double)]
    public var sum: Double
    public var count: UInt64

    public init(quantiles: [(quantile: Double, value: Double)], sum: Double, count: UInt64) {
        self.quantiles = quantiles
        self.sum = sum
        self.count = count
    }
}

/// An OpenMetrics exemplar: `# {labels} value [timestamp]`.
public struct Exemplar: Sendable {
    /// E.g. `span_id="…",trace_id="…"` (sorted).
    public var labels: RenderedLabels
    public var value: Double
    /// Unix nanoseconds; 0 = no timestamp.
    public var timeNanos: UInt64

    public init(labels: RenderedLabels, value: Double, timeNanos: UInt64 = 0) {
        self.labels = labels
        self.value = value
        self.timeNanos = timeNanos
    }
}
