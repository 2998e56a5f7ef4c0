import OTLP

// OTLP → Prometheus translation: names, labels, job/instance, target_info.
// Reference: /work/shared/reference/prometheus-compat.md §1–3 (strategy
// "UnderscoreEscapingWithSuffixes"; otlptranslator behaviour where spec and implementation differ).
//
// Files:
// - PrometheusTranslation.swift            label type, attribute lists → labels, the series label set
// - PrometheusTranslation+MetricName.swift metric family names (§1)
// - PrometheusTranslation+LabelName.swift  label names (§2.1)
// - PrometheusTranslation+LabelValue.swift label values (§2.3)
// - PrometheusTranslation+Resource.swift   job/instance, target_info (§3.2–3.3), scope labels (§3.1)
//
// Everything here is pure and allocates: the series table calls it once per new series, never per
// point.

/// One translated label: a valid Prometheus label name (`[A-Za-z_][A-Za-z0-9_]*`) and a non-empty
/// value (unescaped; the renderer escapes `\`, `"` and newline).
struct PrometheusLabel: Hashable, Sendable, CustomStringConvertible {
    var name: String
    var value: String

    init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    var description: String { "\(name)=\"\(value)\"" }
}

/// Label-set construction. Every list returned here is **sorted by label name (bytewise) with
/// unique names** — the canonical order Prometheus uses for a series' identity, ready for hashing
/// and rendering. Reserved labels the renderer adds (`le`, `quantile`) are not included; it writes
/// them last, as in the reference's worked example (§9).
enum PrometheusLabels {}

extension PrometheusLabels {
    /// Translates an attribute list into labels (reference §2.1–2.3):
    ///
    /// - duplicate OTLP keys: the **last** occurrence wins (`Attributes` passes duplicates through);
    /// - keys are label-sanitized (`PrometheusNaming.labelName`) after prepending `keyPrefix`
    ///   (`otel_scope_` for scope attributes); keys that cannot be labels are dropped, and so is
    ///   a key that becomes `__name__` (it would clash with the metric name);
    /// - empty values (including `.empty` and `""`) are omitted: in Prometheus an empty label value
    ///   is the same as no label (§2.3). They also do not take part in collisions;
    /// - collisions (different keys → one label name, e.g. `a.b` and `a_b`): the values are joined
    ///   with `;` in the bytewise order of the original keys (§2.2, the spec; as Prometheus' OTLP
    ///   receiver does) — `a.b` sorts before `a_b`, so `a.b=1, a_b=2` → `a_b="1;2"`.
    ///
    /// `excludingKey` skips attributes by raw key before anything else (used for the resource's
    /// `service.*` identity keys). The views need only be valid during the call; the result owns
    /// its strings. Cost: O(n log n) in the number of attributes, a few allocations per attribute.
    static func labels(from attributes: Attributes, keyPrefix: String = "",
                       excludingKey: (ByteView) -> Bool = { _ in false }) -> [PrometheusLabel] {
        if attributes.isEmpty { return [] }
        let prefix = Array(keyPrefix.utf8)
        var seen = Set<[UInt8]>()
        var entries: [(name: String, key: [UInt8], value: String)] = []
        entries.reserveCapacity(attributes.count)
        for index in attributes.indices.reversed() {        // last wins
            let attribute = attributes[index]
            if excludingKey(attribute.key) { continue }
            let key = attribute.key.array
            guard seen.insert(key).inserted else { continue }
            let value = labelValue(attribute.value)
            guard !value.isEmpty, let name = PrometheusNaming.labelName(utf8: prefix + key), name != "__name__" else { continue }
            entries.append((name, key, value))
        }
        entries.sort { a, b in
            a.name != b.name ? precedes(a.name, b.name) : a.key.lexicographicallyPrecedes(b.key)
        }
        var result: [PrometheusLabel] = []
        result.reserveCapacity(entries.count)
        for entry in entries {
            if let last = result.last, last.name == entry.name {
                result[result.count - 1].value += ";" + entry.value
            } else {
                result.append(PrometheusLabel(name: entry.name, value: entry.value))
            }
        }
        return result
    }

    /// The full label set of one series (a data point's attributes in its resource and scope),
    /// sorted by name, unique, no empty values. Precedence, highest first:
    ///
    /// 1. `extraLabels` (e.g. the tenant label; the daemon's own, so clients cannot forge them);
    /// 2. `job` / `instance` derived from the resource (§2.2 recommendation: they win);
    /// 3. scope labels `otel_scope_*` (§2.2: translation labels win over point attributes, as in
    ///    Prometheus' OTLP receiver; the Collector instead rejects such a series);
    /// 4. the point's attributes (`labels(from:)`).
    ///
    /// A point attribute only loses where a higher layer actually has the label: a point's own
    /// `job` attribute survives when the resource has no `service.name`.
    ///
    /// Point attributes named like the renderer's reserved labels are dropped: `le` for
    /// histograms and exponential histograms (§4.3, rendered as classic buckets), `quantile` for
    /// summaries (§4.4). `extraLabels` must have valid label names; empty values are ignored and a
    /// repeated name keeps its last value.
    ///
    /// Cost: O(n log n) in the number of point attributes plus O(total labels).
    static func seriesLabels(resource: PrometheusResourceLabels, scope: PrometheusScopeLabels,
                             attributes: Attributes, kind: MetricKind,
                             extraLabels: [PrometheusLabel] = []) -> [PrometheusLabel] {
        var point = labels(from: attributes)
        if let reserved = reservedLabel(for: kind) { point.removeAll { $0.name == reserved } }
        var result = overlay(point, scope.labels)
        result = overlay(result, resource.identifying)
        return overlay(result, canonical(extraLabels))
    }

    /// The label the renderer adds to samples of `kind` (`le` or `quantile`), which point
    /// attributes therefore must not carry.
    static func reservedLabel(for kind: MetricKind) -> String? {
        switch kind {
        case .histogram, .exponentialHistogram: "le"
        case .summary: "quantile"
        case .gauge, .sum: nil
        }
    }

    /// `labels` sorted by name, unique (the last of a repeated name wins), empty values removed.
    static func canonical(_ labels: [PrometheusLabel]) -> [PrometheusLabel] {
        if labels.isEmpty { return [] }
        var result: [PrometheusLabel] = []
        for label in labels.reversed() where !label.value.isEmpty && !result.contains(where: { $0.name == label.name }) {
            result.append(label)
        }
        result.sort { precedes($0.name, $1.name) }
        return result
    }

    /// Merges two canonical label lists; where both have a name, `top`'s value wins. O(n + m).
    static func overlay(_ base: [PrometheusLabel], _ top: [PrometheusLabel]) -> [PrometheusLabel] {
        if top.isEmpty { return base }
        if base.isEmpty { return top }
        var result: [PrometheusLabel] = []
        result.reserveCapacity(base.count + top.count)
        var i = 0
        var j = 0
        while i < base.count && j < top.count {
            if base[i].name == top[j].name {
                result.append(top[j]); i += 1; j += 1
            } else if precedes(base[i].name, top[j].name) {
                result.append(base[i]); i += 1
            } else {
                result.append(top[j]); j += 1
            }
        }
        result.append(contentsOf: base[i...])
        result.append(contentsOf: top[j...])
        return result
    }

    /// Bytewise (UTF-8) order, as Go compares strings. Swift's `<` on `String` orders by Unicode
    /// canonical equivalence, which differs for non-ASCII text.
    @inline(__always)
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
