/// The YAML text of a Prometheus rule file, written by hand in one fixed layout: every string
/// value double-quoted and escaped, expressions as literal block scalars, labels and
/// annotations sorted by name, so output is deterministic and safe whatever the values hold.
struct RuleYAML {
    /// One recording (`record:`) or alerting (`alert:`) rule.
    struct Rule: Equatable {
        var kind: String
        var name: String
        /// PromQL, possibly on several lines.
        var expr: String
        /// Alerting rules: `for:` and `keep_firing_for:` (written when not 0).
        var forSeconds: Int64 = 0
        var keepFiringForSeconds: Int64 = 0
        var labels: [String: String]
        var annotations: [String: String]

        init(record: String, expr: String, labels: [String: String]) {
            self.init(kind: "record", name: record, expr: expr, labels: labels, annotations: [:])
        }

        init(alert: String, expr: String, forSeconds: Int64 = 0, keepFiringForSeconds: Int64 = 0,
             labels: [String: String], annotations: [String: String]) {
            self.init(kind: "alert", name: alert, expr: expr, labels: labels, annotations: annotations)
            self.forSeconds = forSeconds
            self.keepFiringForSeconds = keepFiringForSeconds
        }

        private init(kind: String, name: String, expr: String, labels: [String: String], annotations: [String: String]) {
            self.kind = kind
            self.name = name
            self.expr = expr
            self.labels = labels
            self.annotations = annotations
        }
    }

    private(set) var text = ""

    mutating func line(_ s: String) { text += s + "\n" }

    mutating func blank() { text += "\n" }

    /// `# s`, with control characters (a newline in a file name) replaced by spaces.
    mutating func comment(_ s: String) {
        line("# " + String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 })))
    }

    /// A `groups:` item with its rules.
    mutating func group(_ name: String, rules: [Rule]) {
        line("- name: " + Self.quoted(name))
        line("  rules:")
        for rule in rules {
            line("  - \(rule.kind): " + Self.quoted(rule.name))
            line("    expr: |")
            for exprLine in rule.expr.split(separator: "\n", omittingEmptySubsequences: false) {
                line("      " + exprLine)
            }
            if rule.forSeconds > 0 { line("    for: " + SLODuration.render(seconds: rule.forSeconds)) }
            if rule.keepFiringForSeconds > 0 { line("    keep_firing_for: " + SLODuration.render(seconds: rule.keepFiringForSeconds)) }
            map("labels", rule.labels)
            map("annotations", rule.annotations)
        }
    }

    /// `key:` and its sorted entries, nothing when empty. Keys are label names
    /// (`[a-zA-Z_][a-zA-Z0-9_]*`, checked by `SLOSpec`), which need no quoting.
    private mutating func map(_ key: String, _ entries: [String: String]) {
        guard !entries.isEmpty else { return }
        line("    \(key):")
        for name in entries.keys.sorted() {
            line("      \(name): " + Self.quoted(entries[name]!))
        }
    }

    /// A YAML double-quoted scalar: `\\`, `\"`, the usual short escapes, `\xHH` for other
    /// control characters; everything else (UTF-8 included) as is.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (scalar.value >= 0x80 && scalar.value < 0xA0) {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
