import Primitives

/// The `# TYPE` of a metric family, as text format 0.0.4 spells it (OpenMetrics writes `untyped`
/// as `unknown`).
public enum MetricType: String, Sendable {
    case counter, gauge, histogram, summary, untyped
}

/// Appends exposition lines, in Prometheus text format 0.0.4 or OpenMetrics 1.0, to a byte
/// buffer.
///
/// Used by `MetricsRegistry.render(into:format:)` and handed, `inout`, to collectors registered
/// with `MetricsRegistry.register(collector:)`. A collector writes one `family(_:type:help:)`
/// header and then all samples of that family before starting the next one (both formats require
/// each family to be contiguous); it must not reuse a name the registry or another collector
/// renders. A collector writes the same calls in both formats: the writer spells the differences
/// (OpenMetrics family names of counters without `_total`, `unknown` for `untyped`, HELP escaping,
/// canonical `le` values). Sample names are the same in both formats (`x_total` for a counter).
/// The writer never writes `# EOF`; whoever ends the exposition does.
///
/// Names are checked with `precondition` in `family` (a programmer error); sample and label names
/// are only `assert`ed, so a release scrape does no per-sample validation. Label values are
/// escaped; labels are written in the order given.
public struct MetricsWriter {
    /// The output. Appended to, never cleared.
    public var bytes: [UInt8]
    /// The format every call writes.
    public let format: ExpositionFormat
    /// Set by the registry for a collector that declared its families: `family` asserts (debug
    /// builds only) that the name is one of them.
    var declaredFamilies: [String]?

    /// Starts writing after the existing contents of `bytes`.
    public init(bytes: [UInt8] = [], format: ExpositionFormat = .text004) {
        self.bytes = bytes
        self.format = format
    }

    /// Writes the family's metadata: `# HELP name help` and `# TYPE name type` in text 0.0.4,
    /// `# TYPE family type` and `# HELP family help` in OpenMetrics. For a counter `name` includes
    /// `_total` (required: it is how both formats name the counter's sample); for a histogram or
    /// summary it is the base name (without `_bucket`/`_sum`/`_count`).
    public mutating func family(_ name: String, type: MetricType, help: String) {
        precondition(MetricName.isValidMetricName(name), "invalid metric name \(name)")
        precondition(type != .counter || name.hasSuffix("_total"), "counter name \(name) must end in _total")
        assert(declaredFamilies.map { $0.contains(name) } ?? true, "collector wrote family \(name), which it did not declare")
        ExpositionText.appendHeader(name: name, type: type, help: help, format: format, to: &bytes)
    }

    /// A family with one unlabelled sample, the usual shape of a self-metric.
    public mutating func single(_ name: String, type: MetricType, help: String, value: Double) {
        family(name, type: type, help: help)
        sample(name, value: value)
    }

    /// A family with one unlabelled sample with an exact unsigned integer value.
    public mutating func single(_ name: String, type: MetricType, help: String, value: UInt64) {
        family(name, type: type, help: help)
        sample(name, value: value)
    }

    /// A family with one unlabelled sample with an exact signed integer value.
    public mutating func single(_ name: String, type: MetricType, help: String, value: Int64) {
        family(name, type: type, help: help)
        sample(name, value: value)
    }

    /// Writes one sample line `name{labels} value` with a float value (`+Inf`, `-Inf`, `NaN`
    /// spelled as Prometheus expects).
    public mutating func sample(_ name: String, labels: [(String, String)] = [], value: Double) {
        prefix(name, labels)
        PrometheusNumberText.appendDouble(value, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Writes one sample line with an exact unsigned integer value.
    public mutating func sample(_ name: String, labels: [(String, String)] = [], value: UInt64) {
        prefix(name, labels)
        PrometheusNumberText.appendUInt(value, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Writes one sample line with an exact signed integer value.
    public mutating func sample(_ name: String, labels: [(String, String)] = [], value: Int64) {
        prefix(name, labels)
        PrometheusNumberText.appendInt(value, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Writes one sample line with an exact integer value.
    public mutating func sample(_ name: String, labels: [(String, String)] = [], value: Int) {
        sample(name, labels: labels, value: Int64(value))
    }

    /// Writes the `_bucket` (cumulative, `le="+Inf"` last), `_sum` and `_count` lines of one
    /// histogram series. Call `family(name, type: .histogram, …)` first.
    public mutating func histogram(_ name: String, labels: [(String, String)] = [], snapshot: HistogramSnapshot) {
        assert(!labels.contains { $0.0 == "le" }, "a histogram cannot have a label named le")
        for (i, c) in snapshot.cumulativeCounts.enumerated() {
            let le = i < snapshot.bounds.count ? snapshot.bounds[i] : .infinity
            ExpositionText.appendSeriesPrefix(name: name, suffix: "_bucket", labels: labels, le: le, format: format, to: &bytes)
            PrometheusNumberText.appendUInt(c, to: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        ExpositionText.appendSeriesPrefix(name: name, suffix: "_sum", labels: labels, to: &bytes)
        PrometheusNumberText.appendDouble(snapshot.sum, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        ExpositionText.appendSeriesPrefix(name: name, suffix: "_count", labels: labels, to: &bytes)
        PrometheusNumberText.appendUInt(snapshot.count, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    private mutating func prefix(_ name: String, _ labels: [(String, String)]) {
        assert(MetricName.isValidMetricName(name), "invalid metric name \(name)")
        assert(labels.allSatisfy { MetricName.isValidLabelName($0.0) }, "invalid label name in \(labels)")
        ExpositionText.appendSeriesPrefix(name: name, labels: labels, to: &bytes)
    }
}
