import SLO
import Selectors

/// An OpenSLO indicator reduced to what slod counts: selectors, and the grouping labels.
struct OpenSLOIndicator {
    enum Kind {
        /// `ratioMetric` over counters: total and exactly one of good or bad.
        case ratio(total: SeriesSelector, good: SeriesSelector?, bad: SeriesSelector?)
        /// `thresholdMetric` over a histogram family; the threshold comes from the objective.
        case threshold(histogram: SeriesSelector)
    }

    var kind: Kind
    var groupBy: [String]
}

/// Decoding of OpenSLO indicators (`kind: SLI` documents and inline `spec.indicator`):
///
/// ```yaml
/// spec:
///   ratioMetric:                  # counter: true (or absent); good or bad, and total
///     counter: true
///     bad:   {metricSource: {type: Prometheus, spec: {query: 'sum(rate(http_requests_total{code=~"5.."}[5m]))'}}}
///     total: {metricSource: {type: Prometheus, spec: {metric: http_requests_total}}}
///   # thresholdMetric:            # a histogram family; the objective's op (lte|lt) and value give the threshold
///   #   metricSource: {type: Prometheus, spec: {metric: 'http_server_request_duration_seconds{http_route="/pay"}'}}
/// ```
///
/// `metricSource.type` must be `Prometheus` or `slod` (any case): the selectors are matched
/// against the names and labels slod exposes on `/metrics`, which follow Prometheus naming. It
/// may be omitted when `metricSourceRef` names a kind DataSource of the imported files: the
/// type is then the DataSource's. `metricSource.spec` holds exactly one of `metric` (a series
/// selector) or `query` (`sum(rate(SELECTOR[5m]))`, or, reading the counters of a `counter:
/// true` metric, `sum(SELECTOR)` or `SELECTOR`; each optionally `by (…)`, see `RateQuery`; the
/// range is ignored). A `bad` query may also be a count minus a bucket, `sum(rate(X_count[5m])) -
/// sum(rate(X_bucket{le="0.4"}[5m]))` (see `BadEventsQuery`): good = the bucket, the count
/// having to be total's selector. Refused: `counter: false` (gauges of rates cannot be recounted as
/// events), `raw`/`rawType` (a precomputed ratio), queries on threshold metrics.
extension SLODecoding {
    static let openSLOMetricSourceTypes: Set<String> = ["prometheus", "slod"]

    /// An indicator from the `spec` of a kind SLI document or of an SLO's inline `indicator`
    /// (`openSLOIndicatorDocumentSpec`, `inlineOpenSLOIndicatorSpec`). `dataSourceTypes` are the
    /// types of the DataSources of all imported files by name.
    mutating func decodeOpenSLOIndicator(spec specMapping: ConfigMapping, at specNode: YAMLNode,
                                         dataSourceTypes: [String: String?]) -> OpenSLOIndicator? {
        var s = specMapping
        defer { finish(&s) }
        _ = s.entry("description")
        let ratio = mapping(&s, "ratioMetric", required: false, at: specNode)
        let threshold = mapping(&s, "thresholdMetric", required: false, at: specNode)
        switch (ratio, threshold) {
        case (let (r, rNode)?, nil):
            var r = r
            defer { finish(&r) }
            return decodeRatioMetric(&r, at: rNode, dataSourceTypes: dataSourceTypes)
        case (nil, let (t, tNode)?):
            var t = t
            defer { finish(&t) }
            guard let (source, _) = metricSource(&t, at: tNode, query: .refused, dataSourceTypes: dataSourceTypes),
                  case .single(let histogram) = source else { return nil }
            return OpenSLOIndicator(kind: .threshold(histogram: histogram.selector), groupBy: [])
        case (nil, nil):
            report(specNode, s.path, "needs ratioMetric or thresholdMetric")
            return nil
        case (_?, let (_, tNode)?):
            report(tNode, s.keyPath("thresholdMetric"), "give either ratioMetric or thresholdMetric, not both")
            return nil
        }
    }

    private mutating func decodeRatioMetric(_ r: inout ConfigMapping, at node: YAMLNode, dataSourceTypes: [String: String?]) -> OpenSLOIndicator? {
        if let (text, counterNode) = optionalScalar(&r, "counter"), text != "true" {
            consumeAll(&r, node)
            report(counterNode, r.keyPath("counter"), text == "false"
                ? "counter: false (ratios of gauges) is not supported: slod counts events from counters or histograms"
                : "expected true or false, got \(quoted(text))")
            return nil
        }
        for key in ["raw", "rawType"] {
            if let entry = r.entry(key) {
                consumeAll(&r, node)
                report(entry.key, r.keyPath(key), "raw ratio metrics are not supported: slod counts good and total events itself and cannot recount a precomputed ratio")
                return nil
            }
        }
        let good = side(&r, "good", at: node, query: .rate, dataSourceTypes: dataSourceTypes)
        let bad = side(&r, "bad", at: node, query: .badEvents, dataSourceTypes: dataSourceTypes)
        let total = side(&r, "total", at: node, required: true, query: .rate, dataSourceTypes: dataSourceTypes)
        guard good.present != bad.present else {
            report(node, r.path, good.present ? "give exactly one of good and bad" : "needs good or bad besides total")
            return nil
        }
        guard let total = total.value, case .single(let totalQuery) = total.query, let part = good.value ?? bad.value else { return nil }
        let sli: SLOSpec.SLI?
        if good.present, case .single(let goodQuery) = part.query {
            // Parsed as `.rate`: one term, the good events.
            sli = groupsLikeTotal(part.query.terms, at: part.node, r.keyPath("good"), total: totalQuery, totalName: "total")
                ? .events(total: totalQuery.selector, good: goodQuery.selector, bad: nil) : nil
        } else {
            sli = eventsSLI(bad: part.query, at: part.node, r.keyPath("bad"), name: "bad", total: totalQuery, totalName: "total")
        }
        guard case .events(let totalSelector, let goodSelector, let badSelector)? = sli else { return nil }
        return OpenSLOIndicator(kind: .ratio(total: totalSelector, good: goodSelector, bad: badSelector), groupBy: totalQuery.groupBy)
    }

    /// What a metric source's `spec.query` may be.
    private enum MetricSourceQuery {
        /// No query: `spec.metric` names a histogram family (a threshold metric).
        case refused
        /// A `RateQuery` (good, total).
        case rate
        /// A `BadEventsQuery`: also a count minus a bucket (bad).
        case badEvents
    }

    /// `good`, `bad` or `total` of a ratio metric.
    private mutating func side(_ r: inout ConfigMapping, _ key: String, at node: YAMLNode, required: Bool = false, query: MetricSourceQuery,
                               dataSourceTypes: [String: String?]) -> (present: Bool, value: (query: BadEventsQuery, node: YAMLNode)?) {
        guard let (sideMapping, sideNode) = mapping(&r, key, required: required, at: node) else {
            guard case .mapping(let entries) = node.kind else { return (false, nil) }
            return (entries.contains { $0.key.scalar == key }, nil)
        }
        var m = sideMapping
        defer { finish(&m) }
        return (true, metricSource(&m, at: sideNode, query: query, dataSourceTypes: dataSourceTypes).map { ($0.0, $0.1) })
    }

    /// `metricSource: {type, metricSourceRef, spec: {metric | query}}` → the query (`metric` as
    /// one term without grouping) and the node it was written in.
    private mutating func metricSource(_ m: inout ConfigMapping, at node: YAMLNode, query form: MetricSourceQuery,
                                       dataSourceTypes: [String: String?]) -> (BadEventsQuery, YAMLNode)? {
        guard let (sourceMapping, sourceNode) = mapping(&m, "metricSource", required: true, at: node) else { return nil }
        var src = sourceMapping
        defer { finish(&src) }
        let reference = optionalScalar(&src, "metricSourceRef")
        let type: (text: String, node: YAMLNode, key: String, origin: String)
        if let (text, typeNode) = optionalScalar(&src, "type") {
            type = (text, typeNode, "type", "")
        } else if let (name, refNode) = reference {
            guard let known = dataSourceTypes[name] else {
                consumeAll(&src, sourceNode)
                report(refNode, src.keyPath("metricSourceRef"), "no kind DataSource named \(quoted(name)) in the imported files; "
                    + "import the DataSource or give the metric source a type (type: Prometheus)")
                return nil
            }
            guard let text = known else {
                consumeAll(&src, sourceNode)
                report(refNode, src.keyPath("metricSourceRef"), "DataSource \(quoted(name)) has no spec.type; give the metric source a type (type: Prometheus)")
                return nil
            }
            type = (text, refNode, "metricSourceRef", " (of DataSource \(quoted(name)))")
        } else {
            consumeAll(&src, sourceNode)
            report(sourceNode, src.path, "needs type (type: Prometheus) or metricSourceRef naming a kind DataSource")
            return nil
        }
        if !Self.openSLOMetricSourceTypes.contains(type.text.lowercased()) {
            consumeAll(&src, sourceNode)
            report(type.node, src.keyPath(type.key), "metric source type \(quoted(type.text))\(type.origin) is not supported: slod imports Prometheus series selectors over the series it exposes (type: Prometheus)")
            return nil
        }
        guard let (specMapping, specNode) = mapping(&src, "spec", required: true, at: sourceNode) else { return nil }
        var spec = specMapping
        defer { finish(&spec) }
        let metric = optionalScalar(&spec, "metric")
        let hasQuery: Bool
        if case .mapping(let entries) = specNode.kind { hasQuery = entries.contains { $0.key.scalar == "query" } } else { hasQuery = false }
        if hasQuery && form == .refused {
            _ = spec.entry("query")
            report(specNode, spec.path, "a thresholdMetric needs spec.metric naming a histogram family; queries (such as histogram_quantile) are not supported")
            return nil
        }
        let query: (BadEventsQuery, YAMLNode)? = switch (hasQuery, form) {
        case (true, .badEvents): badEventsQuery(&spec, "query", at: specNode, range: .openSLO)
        case (true, _): rateQuery(&spec, "query", at: specNode, range: .openSLO).map { (.single($0.0), $0.1) }
        case (false, _): nil
        }
        switch (metric, hasQuery) {
        case (let (text, metricNode)?, false):
            guard let selector = selector(text, at: metricNode, spec.keyPath("metric")) else { return nil }
            let errorsBefore = errors.count
            reportProblem(metricNode, spec.keyPath("metric")) { () throws(SLOConfigurationError) in
                if form == .refused { try SLOSpec.checkHistogramFamily(selector) } else { try SLOSpec.checkEventsSelector(selector, subject: "metric") }
            }
            guard errors.count == errorsBefore else { return nil }
            return (.single(RateQuery(selector: selector, groupBy: [])), metricNode)
        case (nil, true):
            return query
        case (nil, false):
            report(specNode, spec.path, "needs metric (a series selector) or query (sum(rate(SELECTOR[5m])))")
            return nil
        case (_?, true):
            report(specNode, spec.path, "give either metric or query, not both")
            return nil
        }
    }
}
