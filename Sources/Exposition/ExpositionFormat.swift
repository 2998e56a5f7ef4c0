/// A text exposition format for `GET /metrics`.
///
/// Both formats carry the same samples; they differ in metadata (OpenMetrics names a counter
/// family without `_total`, has `# UNIT`, `info`, `unknown`, `_created`), in number spelling of
/// `le`/`quantile` labels, and in the mandatory `# EOF` line that ends an OpenMetrics exposition.
public enum ExpositionFormat: Sendable, Equatable, CaseIterable {
    /// Prometheus text format 0.0.4.
    case text004
    /// OpenMetrics 1.0 text (also served for `version=0.0.1`; the body is the same).
    case openMetrics100

    /// The value of the `format` label on scrape self-metrics: `text` or `openmetrics`.
    public var label: String {
        switch self {
        case .text004: "text"
        case .openMetrics100: "openmetrics"
        }
    }

    /// Position in `allCases`, for per-format instrument arrays.
    var index: Int {
        switch self {
        case .text004: 0
        case .openMetrics100: 1
        }
    }
}
