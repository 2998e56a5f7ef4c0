/// A Prometheus series selector such as `http_server_request_count_total{code=~"5..", route!="/health"}`,
/// as slod's SLO configuration uses it to pick the series an SLI counts.
///
/// Parsed with PromQL's rules (see `SeriesSelector+Parsing.swift`); matched once per series when
/// the series is created, so matching is warm rather than hot, but it allocates nothing: label
/// values are read through `SelectorLabels` as borrowed UTF-8.
///
/// `matchers` is in canonical order: the metric-name equality matcher first (when there is one),
/// then the others sorted by their rendering, as PromQL's printer sorts them. Two selectors are
/// equal when their matchers are, so `parse(s.description) == s`.
public struct SeriesSelector: Sendable, Hashable, CustomStringConvertible {
    /// All conditions; a series must satisfy every one.
    public let matchers: [LabelMatcher]

    /// A selector from matchers. Throws when every matcher accepts the empty string (PromQL:
    /// `vector selector must contain at least one non-empty matcher`), since such a selector would
    /// select every series.
    public init(matchers: [LabelMatcher]) throws(SelectorError) {
        guard matchers.contains(where: { !$0.matchesEmpty }) else {
            throw SelectorError(offset: 0, message: "vector selector must contain at least one non-empty matcher")
        }
        self.matchers = Self.canonicalOrder(matchers)
    }

    /// The metric name, when the selector fixes it: exactly one matcher concerns `__name__`,
    /// and it is an equality with a non-empty value.
    public var metricName: String? {
        Self.nameMatcherIndex(matchers).map { matchers[$0].value }
    }

    /// The index of the matcher that names the metric (see `metricName`).
    static func nameMatcherIndex(_ matchers: [LabelMatcher]) -> Int? {
        let named = matchers.indices.filter { matchers[$0].name == LabelMatcher.metricNameLabel }
        guard named.count == 1, matchers[named[0]].op == .equal, !matchers[named[0]].value.isEmpty else { return nil }
        return named[0]
    }

    /// The metric-name matcher first (see `metricName`), then the rest sorted by rendering.
    static func canonicalOrder(_ matchers: [LabelMatcher]) -> [LabelMatcher] {
        var rest = matchers
        var head: [LabelMatcher] = []
        if let index = nameMatcherIndex(matchers) { head.append(rest.remove(at: index)) }
        let rendered = rest.map { ($0.description, $0) }.sorted { $0.0 < $1.0 }
        return head + rendered.map(\.1)
    }

    // MARK: Matching

    /// Whether a series with these labels is selected. `__name__` is asked for the metric name.
    /// Cost: one label lookup and one comparison or regex match per matcher; no allocation.
    public func matches(_ labels: some SelectorLabels) -> Bool {
        for matcher in matchers {
            let ok = labels.withLabelValue(matcher.name) { matcher.matches(utf8: $0) }
            if !ok { return false }
        }
        return true
    }

    /// Whether a series with this metric name and these labels is selected (`labels` is not
    /// asked for `__name__`).
    public func matches(metricName: String, labels: some SelectorLabels) -> Bool {
        matches(NamedSeriesLabels(metricName: metricName, labels: labels))
    }

    /// Whether a series is selected, with label values from a closure (nil: label absent;
    /// `__name__`: the metric name).
    public func matches(labelValue: (String) -> String?) -> Bool {
        matchers.allSatisfy { $0.matches(labelValue($0.name)) }
    }
}

/// Read access to one series' labels, as selector matching needs it.
///
/// Implement it over whatever storage holds the series (e.g. label bytes in a series table):
/// the only requirement is a lookup by name that lends the value's UTF-8 bytes.
public protocol SelectorLabels {
    /// Calls `body` with the UTF-8 bytes of the value of label `name`, or nil when the series
    /// has no such label. `__name__` asks for the metric name. The buffer need only stay valid
    /// during the call.
    func withLabelValue<R>(_ name: String, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R
}

extension Dictionary: SelectorLabels where Key == String, Value == String {
    public func withLabelValue<R>(_ name: String, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        guard let value = self[name] else { return body(nil) }
        if let result = value.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(value.utf8).withUnsafeBufferPointer(body)
    }
}

/// Labels plus a separately stored metric name.
private struct NamedSeriesLabels<Labels: SelectorLabels>: SelectorLabels {
    let metricName: String
    let labels: Labels

    func withLabelValue<R>(_ name: String, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        guard name == LabelMatcher.metricNameLabel else { return labels.withLabelValue(name, body) }
        if let result = metricName.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(metricName.utf8).withUnsafeBufferPointer(body)
    }
}
