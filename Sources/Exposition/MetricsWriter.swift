import Primitives

/// The `# TYPE` of a metric family in text format 0.0.4.
public enum MetricType: String, Sendable {
    case counter, gauge, histogram, summary, untyped
}

/// Appends Prometheus text format 0.0.4 lines to a byte buffer.
///
/// Used by `MetricsRegistry.render(into:)` and handed, `inout`, to collectors registered with
/// `MetricsRegistry.register(collector:)`. A collector writes one `family(_:type:help:)` header
/// and then all samples of that family before starting the next one (Prometheus requires each
/// family to be contiguous); it must not reuse a name the registry or another collector renders.
///
/// Names are checked with `precondition` in `family` (a programmer error); sample and label names
/// are only `assert`ed, so a release scrape does no per-sample validation. Label values are
/// escaped; labels are written in the order given.
public struct MetricsWriter {
    /// The output. Appended to, never cleared.
    public var bytes: [UInt8]

    /// Starts writing after the existing contents of `bytes`.
    public init(bytes: [UInt8] = []) { self.bytes = bytes }

    /// Writes `# HELP name help` and `# TYPE name type`. For a counter `name` includes `_total`;
    /// for a histogram it is the base name (without `_bucket`/`_sum`/`_count`).
    public mutating func family(_ name: String, type: MetricType, help: String) {
        precondition(MetricName.isValidMetricName(name), "invalid metric name \(name)")
        ExpositionText.appendHeader(name: name, type: type, help: help, to: &bytes)
    }

    /// Writes one sample line `name{labels} value` with a float value (`+Inf`, `-Inf`, `NaN`
    /// spelled as Prometheus expects).
    public mutating func sample(_ name: String, labels: [(String, String)] = [], value: Double) {
        prefix(name, labels)
        ExpositionText.appendDouble(value, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Writes one sample line with an exact unsigned integer value.
    public mutating func sample(_ name: String, labels: [(String, String)] = [], value: UInt64) {
        prefix(name, labels)
        ExpositionText.appendUInt(value, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Writes one sample line with an exact signed integer value.
    public mutating func sample(_ name: String, labels: [(String, String)] = [], value: Int64) {
        prefix(name, labels)
        ExpositionText.appendInt(value, to: &bytes)
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
            ExpositionText.appendSeriesPrefix(name: name, suffix: "_bucket", labels: labels, le: le, to: &bytes)
            ExpositionText.appendUInt(c, to: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        ExpositionText.appendSeriesPrefix(name: name, suffix: "_sum", labels: labels, to: &bytes)
        ExpositionText.appendDouble(snapshot.sum, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        ExpositionText.appendSeriesPrefix(name: name, suffix: "_count", labels: labels, to: &bytes)
        ExpositionText.appendUInt(snapshot.count, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    private mutating func prefix(_ name: String, _ labels: [(String, String)]) {
        assert(MetricName.isValidMetricName(name), "invalid metric name \(name)")
        assert(labels.allSatisfy { MetricName.isValidLabelName($0.0) }, "invalid label name in \(labels)")
        ExpositionText.appendSeriesPrefix(name: name, labels: labels, to: &bytes)
    }
}
