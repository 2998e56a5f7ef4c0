import Primitives

/// Byte-level writers for the Prometheus text format 0.0.4 and the parts of OpenMetrics 1.0 that
/// differ (family headers, `le` spelling). All append to a caller-owned buffer.
///
/// Shared by `MetricsWriter` (scrape time) and `MetricsRegistry` (which pre-renders each family's
/// header and each series' `name{labels} ` prefix once per format, at registration).
enum ExpositionText {
    /// Appends a label value with `\` → `\\`, `"` → `\"`, newline → `\n`.
    static func appendEscapedLabelValue(_ s: String, to out: inout [UInt8]) {
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\n"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            default: out.append(b)
            }
        }
    }

    /// Appends a HELP docstring with `\` → `\\` and newline → `\n` (quotes are not escaped in 0.0.4).
    static func appendEscapedHelp(_ s: String, to out: inout [UInt8]) {
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\n"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            default: out.append(b)
            }
        }
    }

    /// Appends a family's metadata lines in `format`.
    ///
    /// Text 0.0.4: `# HELP name help` then `# TYPE name type`; `name` as given (a counter's
    /// includes `_total`). OpenMetrics: `# TYPE family type` then `# HELP family help` (omitted
    /// when `help` is empty), where `family` is a counter's name without `_total` and `untyped`
    /// is spelled `unknown`; help escapes `"` too.
    static func appendHeader(
        name: String, type: MetricType, help: String, format: ExpositionFormat, to out: inout [UInt8]
    ) {
        guard format == .openMetrics100 else { return appendHeader(name: name, type: type, help: help, to: &out) }
        let family = type == .counter && name.hasSuffix("_total") ? name.utf8.dropLast(6) : name.utf8[...]
        out.append(contentsOf: "# TYPE ".utf8)
        out.append(contentsOf: family)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: (type == .untyped ? "unknown" : type.rawValue).utf8)
        out.append(UInt8(ascii: "\n"))
        if !help.isEmpty {
            out.append(contentsOf: "# HELP ".utf8)
            out.append(contentsOf: family)
            out.append(UInt8(ascii: " "))
            appendEscapedLabelValue(help, to: &out)
            out.append(UInt8(ascii: "\n"))
        }
    }

    /// Appends `# HELP name help\n# TYPE name type\n` (text 0.0.4).
    static func appendHeader(name: String, type: MetricType, help: String, to out: inout [UInt8]) {
        out.append(contentsOf: "# HELP ".utf8)
        out.append(contentsOf: name.utf8)
        out.append(UInt8(ascii: " "))
        appendEscapedHelp(help, to: &out)
        out.append(contentsOf: "\n# TYPE ".utf8)
        out.append(contentsOf: name.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: type.rawValue.utf8)
        out.append(UInt8(ascii: "\n"))
    }

    /// Appends `name{l1="v1",…,le="x"} ` (braces omitted when there are no labels), with the
    /// trailing space that separates it from the value. Label names are not validated here.
    /// `le` is spelled per `format` (OpenMetrics wants the canonical `1.0`, text 0.0.4 `1`).
    static func appendSeriesPrefix(
        name: String, suffix: String = "", labels: [(String, String)], le: Double? = nil,
        format: ExpositionFormat = .text004, to out: inout [UInt8]
    ) {
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: suffix.utf8)
        if !labels.isEmpty || le != nil {
            out.append(UInt8(ascii: "{"))
            var first = true
            for (k, v) in labels {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                out.append(contentsOf: k.utf8)
                out.append(contentsOf: "=\"".utf8)
                appendEscapedLabelValue(v, to: &out)
                out.append(UInt8(ascii: "\""))
            }
            if let le {
                if !first { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: "le=\"".utf8)
                if format == .openMetrics100 { PrometheusNumberText.appendOpenMetricsDouble(le, to: &out) } else { PrometheusNumberText.appendDouble(le, to: &out) }
                out.append(UInt8(ascii: "\""))
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: " "))
    }
}
