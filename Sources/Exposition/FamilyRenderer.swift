import Primitives

/// Renders ingested metric families as Prometheus text 0.0.4 or OpenMetrics 1.0.
///
/// Families with the same name from several parts (one part per aggregation shard) are grouped so
/// every family is one contiguous block, in order of first appearance (part 0 first, then in
/// order within a part). Within a family, series keep their order, part by part. The first
/// contribution decides kind, help and unit; later contributions of a *different kind* are
/// dropped whole (prometheus-compat §4.9); a different help or unit is ignored.
///
/// A label set held by more than one part is written once: producers that can split the same
/// series over parts (aggregation shards route by raw OTLP identity, and two raw identities can
/// translate to the same Prometheus labels) give each series an `identity` hash; within a
/// family spread over several parts, series with equal identity and equal label sets are
/// written once, the one with the newest point winning.
///
/// Not checked (the producers' contract): a part holds each (name, label set) once; names and
/// label names are valid; label sets do not contain `le`/`quantile`; bounds ascending.
///
/// Cost: O(output bytes) plus one dictionary insert per family contribution when there are
/// several parts. Per series it only copies pre-rendered bytes and formats numbers; the `le`
/// values of a histogram family are formatted once per distinct `bounds` array in a row.
public enum FamilyRenderer {
    /// Appends the exposition of `families` to `out` (never cleared here: keep `out` between
    /// scrapes and `removeAll(keepingCapacity: true)` it first). `timestamps` writes each series'
    /// `timeNanos` when non-zero (off by default; Prometheus assigns scrape time). OpenMetrics
    /// output ends with `# EOF\n`.
    public static func render(
        _ families: [MetricFamily], format: ExpositionFormat, timestamps: Bool = false,
        into out: inout [UInt8]
    ) {
        render(parts: CollectionOfOne(families), format: format, timestamps: timestamps, into: &out)
    }

    /// As `render(_:format:timestamps:into:)` for families split over several parts, grouping
    /// families of the same name (see the type's documentation).
    public static func render<Parts: Collection<[MetricFamily]>>(
        parts: Parts, format: ExpositionFormat, timestamps: Bool = false, into out: inout [UInt8]
    ) {
        renderFamilies(parts: parts, format: format, timestamps: timestamps, skipping: .none, into: &out)
        if format == .openMetrics100 { out.append(contentsOf: "# EOF\n".utf8) }
    }

    /// As `render(parts:format:timestamps:into:)`, but never writes OpenMetrics' `# EOF` (for a
    /// caller that writes more families around these, such as `MetricsPage`) and leaves out every
    /// family whose name `reserved` reserves. Returns how many distinct family names were left
    /// out.
    @discardableResult
    public static func renderFamilies<Parts: Collection<[MetricFamily]>>(
        parts: Parts, format: ExpositionFormat, timestamps: Bool = false, skipping reserved: ReservedFamilyNames,
        into out: inout [UInt8]
    ) -> Int {
        var writer = Writer(format: format, timestamps: timestamps)
        var skipped = 0
        forEachGroup(parts) { first, rest in
            if reserved.reserves(first.name) { skipped += 1; return }
            writer.header(first)
            if rest.isEmpty {
                writer.series(first, into: &out, header: true)
            } else {
                let skip = duplicatesAcrossParts(first, rest)
                writer.series(first, into: &out, header: true, skip: skip[0])
                for (k, f) in rest.enumerated() { writer.series(f, into: &out, header: false, skip: skip[k + 1]) }
            }
        }
        return skipped
    }

    /// For a family spread over several contributions: per contribution, the indices of series
    /// to leave out because another contribution holds the same label set with a newer point
    /// (ties: the earlier contribution wins). Empty sets when nothing repeats.
    static func duplicatesAcrossParts(_ first: MetricFamily, _ rest: [MetricFamily]) -> [Set<Int>] {
        let all = [first] + rest
        var skip = [Set<Int>](repeating: [], count: all.count)
        // identity → holder (part << 40 | index). A hash shared by different label sets (a true
        // 64-bit collision: vanishingly rare) keeps its extra holders in `others`.
        var seen: [UInt64: Int] = [:]
        var others: [(identity: UInt64, holder: Int)] = []
        var total = 0
        for f in all { total += f.series.count }
        seen.reserveCapacity(total)
        func series(_ h: Int) -> MetricSeries { all[h >> 40].series[h & (1 << 40 - 1)] }
        for (p, f) in all.enumerated() {
            for (i, s) in f.series.enumerated() where s.identity != 0 {
                let me = p << 40 | i
                guard let held = seen[s.identity] else { seen[s.identity] = me; continue }
                let mine = s.labels.sortedPairs()
                var holder: Int? = nil
                if series(held).labels.sortedPairs() == mine {
                    holder = held
                } else if let k = others.firstIndex(where: { $0.identity == s.identity && series($0.holder).labels.sortedPairs() == mine }) {
                    holder = others[k].holder
                }
                guard let holder else { others.append((s.identity, me)); continue }
                // The same series in two parts: keep the newer point.
                let (loser, winner) = s.timeNanos > series(holder).timeNanos ? (holder, me) : (me, holder)
                skip[loser >> 40].insert(loser & (1 << 40 - 1))
                if winner != holder {
                    if held == holder { seen[s.identity] = winner } else if let k = others.firstIndex(where: { $0.holder == holder }) { others[k].holder = winner }
                }
            }
        }
        return skip
    }

    /// Merges parts into one list with one family per name: families in order of first
    /// appearance, series concatenated part by part, later families of a different kind dropped.
    /// Copies the series arrays (prefer `render(parts:…)` at scrape time, which does not).
    public static func merge<Parts: Collection<[MetricFamily]>>(_ parts: Parts) -> [MetricFamily] {
        var result: [MetricFamily] = []
        forEachGroup(parts) { first, rest in
            var f = first
            if !rest.isEmpty {
                // The same label set held by several parts is kept once (see the type's doc).
                let skip = duplicatesAcrossParts(first, rest)
                f.series = []
                f.series.reserveCapacity(rest.reduce(first.series.count) { $0 + $1.series.count })
                for (k, part) in ([first] + rest).enumerated() {
                    for (i, s) in part.series.enumerated() where !skip[k].contains(i) { f.series.append(s) }
                }
            }
            result.append(f)
        }
        return result
    }

    /// Calls `body` once per family name, in order of first appearance, with the first
    /// contribution and the later ones of the same kind.
    static func forEachGroup<Parts: Collection<[MetricFamily]>>(
        _ parts: Parts, _ body: (MetricFamily, [MetricFamily]) -> Void
    ) {
        var total = 0
        for p in parts { total += p.count }
        // Fast path: a single part whose names are distinct needs no grouping.
        if parts.count == 1, let only = parts.first {
            var seen = Set<String>(minimumCapacity: only.count)
            var distinct = true
            for f in only where !seen.insert(f.name).inserted { distinct = false; break }
            if distinct {
                for f in only { body(f, []) }
                return
            }
        }
        var index: [String: Int] = [:]
        index.reserveCapacity(total)
        var groups: [(first: MetricFamily, rest: [MetricFamily])] = []
        for p in parts {
            for f in p {
                if let g = index[f.name] {
                    if groups[g].first.kind == f.kind { groups[g].rest.append(f) }
                } else {
                    index[f.name] = groups.count
                    groups.append((f, []))
                }
            }
        }
        for g in groups { body(g.first, g.rest) }
    }
}

extension FamilyRenderer {
    /// Per-render scratch: the current family's pre-rendered sample names and `le` values.
    struct Writer {
        let format: ExpositionFormat
        let timestamps: Bool
        var om: Bool { format == .openMetrics100 }

        /// Family header bytes, built in `header(_:)`.
        var headerBytes: [UInt8] = []
        /// Sample names for the current family: main (`x_total`, `x`, `x_info`), `_bucket`,
        /// `_sum`, `_count`, `_created`.
        var mainName: [UInt8] = []
        var bucketName: [UInt8] = []
        var sumName: [UInt8] = []
        var countName: [UInt8] = []
        var createdName: [UInt8] = []
        /// Formatted `le` values of `leBounds`, concatenated; `leEnds[i]` is the end of value `i`.
        var leBounds: [Double] = []
        var leBytes: [UInt8] = []
        var leEnds: [Int] = []
        var leValid = false

        init(format: ExpositionFormat, timestamps: Bool) {
            self.format = format
            self.timestamps = timestamps
        }

        /// Prepares the header and sample names of family `f`.
        mutating func header(_ f: MetricFamily) {
            headerBytes.removeAll(keepingCapacity: true)
            let name = f.name
            // OpenMetrics family name: counters drop `_total`, info families drop `_info`.
            var base = Substring(name)
            if om {
                if f.kind == .counter, name.hasSuffix("_total") { base = name.dropLast(6) }
                if f.kind == .info, name.hasSuffix("_info") { base = name.dropLast(5) }
            }
            let typeName: String
            switch f.kind {
            case .counter: typeName = "counter"
            case .gauge: typeName = "gauge"
            case .histogram: typeName = "histogram"
            case .summary: typeName = "summary"
            case .unknown: typeName = om ? "unknown" : "untyped"
            case .info: typeName = om ? "info" : "gauge"
            }
            if om {
                appendLine("# TYPE ", base, typeName)
                if !f.unit.isEmpty, f.kind != .info, base.utf8.count > f.unit.utf8.count,
                   base.hasSuffix(f.unit), base.utf8.dropLast(f.unit.utf8.count).last == UInt8(ascii: "_") {
                    appendLine("# UNIT ", base, f.unit)
                }
                if !f.help.isEmpty {
                    headerBytes.append(contentsOf: "# HELP ".utf8)
                    headerBytes.append(contentsOf: base.utf8)
                    headerBytes.append(UInt8(ascii: " "))
                    ExpositionText.appendEscapedLabelValue(f.help, to: &headerBytes)
                    headerBytes.append(UInt8(ascii: "\n"))
                }
            } else {
                if !f.help.isEmpty {
                    headerBytes.append(contentsOf: "# HELP ".utf8)
                    headerBytes.append(contentsOf: name.utf8)
                    headerBytes.append(UInt8(ascii: " "))
                    ExpositionText.appendEscapedHelp(f.help, to: &headerBytes)
                    headerBytes.append(UInt8(ascii: "\n"))
                }
                appendLine("# TYPE ", Substring(name), typeName)
            }

            func set(_ buf: inout [UInt8], _ suffix: String) {
                buf.removeAll(keepingCapacity: true)
                buf.append(contentsOf: base.utf8)
                buf.append(contentsOf: suffix.utf8)
            }
            switch f.kind {
            case .counter where om: set(&mainName, "_total")
            case .info where om: set(&mainName, "_info")
            default:
                mainName.removeAll(keepingCapacity: true)
                mainName.append(contentsOf: name.utf8)
            }
            set(&bucketName, "_bucket")
            set(&sumName, "_sum")
            set(&countName, "_count")
            set(&createdName, "_created")
            leValid = false
        }

        private mutating func appendLine(_ keyword: String, _ name: Substring, _ value: String) {
            headerBytes.append(contentsOf: keyword.utf8)
            headerBytes.append(contentsOf: name.utf8)
            headerBytes.append(UInt8(ascii: " "))
            headerBytes.append(contentsOf: value.utf8)
            headerBytes.append(UInt8(ascii: "\n"))
        }

        /// Writes the header (when `header`) and all series of `f`. `header(f)` (for the
        /// group's first family) must have been called.
        mutating func series(_ f: MetricFamily, into out: inout [UInt8], header: Bool, skip: Set<Int> = []) {
            if header { out.append(contentsOf: headerBytes) }
            let created = om && (f.kind == .counter || f.kind == .histogram || f.kind == .summary)
            for (index, s) in f.series.enumerated() {
                if !skip.isEmpty && skip.contains(index) { continue }
                switch s.value {
                case .number(let v, let exemplar):
                    prefix(mainName, s.labels, into: &out)
                    PrometheusNumberText.appendDouble(v, to: &out)
                    timestamp(s, into: &out)
                    if om, f.kind == .counter, let exemplar { self.exemplar(exemplar, into: &out) }
                    out.append(UInt8(ascii: "\n"))
                    if created, f.kind == .counter, s.startTimeNanos != 0 { self.created(s, into: &out) }
                case .histogram(let h):
                    guard f.kind == .histogram else { continue }
                    histogram(h, s, created: created, into: &out)
                case .summary(let sm):
                    guard f.kind == .summary else { continue }
                    summary(sm, s, created: created, into: &out)
                }
            }
        }

        @inline(__always)
        private func prefix(_ name: [UInt8], _ labels: RenderedLabels, into out: inout [UInt8]) {
            out.append(contentsOf: name)
            if !labels.isEmpty {
                out.append(UInt8(ascii: "{"))
                labels.append(to: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: " "))
        }

        @inline(__always)
        private func timestamp(_ s: MetricSeries, into out: inout [UInt8]) {
            guard timestamps, s.timeNanos != 0 else { return }
            out.append(UInt8(ascii: " "))
            if om {
                ExpositionText.appendSeconds(nanos: s.timeNanos, to: &out)
            } else {
                PrometheusNumberText.appendUInt(s.timeNanos / 1_000_000, to: &out)
            }
        }

        private func created(_ s: MetricSeries, into out: inout [UInt8]) {
            prefix(createdName, s.labels, into: &out)
            ExpositionText.appendSeconds(nanos: s.startTimeNanos, to: &out)
            timestamp(s, into: &out)
            out.append(UInt8(ascii: "\n"))
        }

        private func exemplar(_ e: Exemplar, into out: inout [UInt8]) {
            out.append(contentsOf: " # {".utf8)
            e.labels.append(to: &out)
            out.append(contentsOf: "} ".utf8)
            PrometheusNumberText.appendDouble(e.value, to: &out)
            if e.timeNanos != 0 {
                out.append(UInt8(ascii: " "))
                ExpositionText.appendSeconds(nanos: e.timeNanos, to: &out)
            }
        }

        /// Formats `bounds` into `leBytes` unless they are the bounds formatted last.
        private mutating func formatBounds(_ bounds: [Double]) {
            if leValid && leBounds == bounds { return }
            leBounds = bounds
            leBytes.removeAll(keepingCapacity: true)
            leEnds.removeAll(keepingCapacity: true)
            for b in bounds {
                if om {
                    PrometheusNumberText.appendOpenMetricsDouble(b, to: &leBytes)
                } else {
                    PrometheusNumberText.appendDouble(b, to: &leBytes)
                }
                leEnds.append(leBytes.count)
            }
            leValid = true
        }

        /// `name{labels,key="` — the caller appends the value and `"} `.
        @inline(__always)
        private func openExtraLabel(_ name: [UInt8], _ labels: RenderedLabels, _ key: String, into out: inout [UInt8]) {
            out.append(contentsOf: name)
            out.append(UInt8(ascii: "{"))
            if !labels.isEmpty {
                labels.append(to: &out)
                out.append(UInt8(ascii: ","))
            }
            out.append(contentsOf: key.utf8)
            out.append(UInt8(ascii: "="))
            out.append(UInt8(ascii: "\""))
        }

        private mutating func histogram(_ h: HistogramPoint, _ s: MetricSeries, created: Bool, into out: inout [UInt8]) {
            formatBounds(h.bounds)
            var nextExemplar = 0
            let n = h.cumulativeCounts.count
            for i in 0..<n {
                openExtraLabel(bucketName, s.labels, "le", into: &out)
                if i < leEnds.count {
                    out.append(contentsOf: leBytes[(i == 0 ? 0 : leEnds[i - 1])..<leEnds[i]])
                } else {
                    out.append(contentsOf: "+Inf".utf8)
                }
                out.append(contentsOf: "\"} ".utf8)
                PrometheusNumberText.appendUInt(h.cumulativeCounts[i], to: &out)
                timestamp(s, into: &out)
                if om {
                    while nextExemplar < h.exemplars.count, h.exemplars[nextExemplar].bucket < i { nextExemplar += 1 }
                    if nextExemplar < h.exemplars.count, h.exemplars[nextExemplar].bucket == i {
                        exemplar(h.exemplars[nextExemplar].exemplar, into: &out)
                        nextExemplar += 1
                    }
                }
                out.append(UInt8(ascii: "\n"))
            }
            if let sum = h.sum {
                prefix(sumName, s.labels, into: &out)
                PrometheusNumberText.appendDouble(sum, to: &out)
                timestamp(s, into: &out)
                out.append(UInt8(ascii: "\n"))
            }
            if !om || h.sum != nil {
                prefix(countName, s.labels, into: &out)
                PrometheusNumberText.appendUInt(h.count, to: &out)
                timestamp(s, into: &out)
                out.append(UInt8(ascii: "\n"))
            }
            if created, s.startTimeNanos != 0 { self.created(s, into: &out) }
        }

        private func summary(_ sm: SummaryPoint, _ s: MetricSeries, created: Bool, into out: inout [UInt8]) {
            for q in sm.quantiles {
                openExtraLabel(mainName, s.labels, "quantile", into: &out)
                if om {
                    PrometheusNumberText.appendOpenMetricsDouble(q.quantile, to: &out)
                } else {
                    PrometheusNumberText.appendDouble(q.quantile, to: &out)
                }
                out.append(contentsOf: "\"} ".utf8)
                PrometheusNumberText.appendDouble(q.value, to: &out)
                timestamp(s, into: &out)
                out.append(UInt8(ascii: "\n"))
            }
            prefix(sumName, s.labels, into: &out)
            PrometheusNumberText.appendDouble(sm.sum, to: &out)
            timestamp(s, into: &out)
            out.append(UInt8(ascii: "\n"))
            prefix(countName, s.labels, into: &out)
            PrometheusNumberText.appendUInt(sm.count, to: &out)
            timestamp(s, into: &out)
            out.append(UInt8(ascii: "\n"))
            if created, s.startTimeNanos != 0 { self.created(s, into: &out) }
        }
    }
}
