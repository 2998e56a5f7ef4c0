/// Canonical PromQL text of a selector: `name{a="x",b=~"y"}` with the metric name outside the
/// braces when it is a legacy name, inside as `{"my.metric",…}` otherwise, matchers sorted and
/// joined by `,`, values quoted as Go's `strconv.Quote` does (what PromQL's printer produces).
/// A name that PromQL would read as a keyword or a number (`sum`, `offset`, `NaN`) also goes
/// inside, so the text stays a valid selector wherever it is pasted (`slod rules` output).
extension SeriesSelector {
    public var description: String {
        var rest = matchers[...]
        var text = ""
        var inside: [String] = []
        if let name = metricName {
            rest = rest.dropFirst()
            if Self.isLegacyMetricName(name) && !Self.isPromQLKeyword(name) { text = name } else { inside.append(Self.quote(name)) }
        }
        inside += rest.map(\.description)
        if !inside.isEmpty { text += "{" + inside.joined(separator: ",") + "}" }
        return text
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func isLegacyMetricName(_ name: String) -> Bool {
        isName(name, allowColon: true)
    }

    /// Words PromQL's lexer does not read as a metric name at the start of an expression.
    static func isPromQLKeyword(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower == "inf" || lower == "nan" || promQLKeywords.contains(name)
    }

    private static let promQLKeywords: Set<String> = [
        "and", "or", "unless", "atan2", "by", "without", "on", "ignoring", "group_left", "group_right", "offset",
        "bool", "start", "end", "step", "sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk",
        "bottomk", "count_values", "quantile", "limitk", "limit_ratio", "smoothed", "anchored",
    ]

    /// `[a-zA-Z_][a-zA-Z0-9_]*`.
    static func isLegacyLabelName(_ name: String) -> Bool {
        isName(name, allowColon: false)
    }

    private static func isName(_ name: String, allowColon: Bool) -> Bool {
        var first = true
        for b in name.utf8 {
            let ok = isNameStart(b) || (allowColon && b == UInt8(ascii: ":")) || (!first && b >= 0x30 && b <= 0x39)
            if !ok { return false }
            first = false
        }
        return !first
    }

    static func isNameStart(_ b: UInt8) -> Bool {
        (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "z")) || b == UInt8(ascii: "_")
    }

    /// `s` in double quotes with Go's `strconv.Quote` escaping: `\"`, `\\`, `\a \b \f \n \r \t
    /// \v`, `\xHH` for other ASCII controls, `\uHHHH`/`\UHHHHHHHH` for other non-printable code
    /// points (printable: letters, marks, numbers, punctuation, symbols and the ASCII space).
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                if isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex(scalar.value, digits: 2)
                } else if scalar.value < 0x10000 {
                    out += "\\u" + hex(scalar.value, digits: 4)
                } else {
                    out += "\\U" + hex(scalar.value, digits: 8)
                }
            }
        }
        return out + "\""
    }

    /// Go's `strconv.IsPrint`: categories L, M, N, P, S, plus U+0020.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch UnicodeCategories.index(scalar.properties.generalCategory) {
        case 0...21: return true   // Lu … So
        default: return false
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
