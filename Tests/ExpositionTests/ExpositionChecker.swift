import Exposition

/// A strict, independent reader of text 0.0.4 and OpenMetrics 1.0 expositions for tests.
///
/// It re-parses rendered bytes and reports every rule it finds broken (empty list = valid), so a
/// test can render something and assert "valid in this format" without comparing goldens. It
/// checks more than Prometheus' parsers do, on purpose:
/// - lines end in `\n` (the last one too), no `\r`; OpenMetrics: no blank lines, single spaces,
///   only `# TYPE`/`# UNIT`/`# HELP`/`# EOF` comments, `# EOF` exactly once and last;
/// - metadata: at most one TYPE/HELP/UNIT per family, all before the family's first sample; a
///   type the format knows; OpenMetrics counter/info family names without `_total`/`_info`,
///   `# UNIT` a suffix of the family name;
/// - every family's lines contiguous (a family never comes back after another one started);
/// - names `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*` without `__`,
///   no duplicate label names, label values with only `\\`, `\"`, `\n` escapes, no trailing comma
///   in OpenMetrics; each (sample name, label set) once;
/// - values parse (Go float syntax plus `NaN`, `+Inf`, `-Inf`); OpenMetrics `le` values in the
///   canonical form (`1.0`, not `1`);
/// - histograms: buckets with `le` ascending, `+Inf` present and equal to `_count`.
/// - every sample belongs to a declared family: a sample without `# TYPE` is an error here (slod
///   always writes TYPE), and in text 0.0.4 a counter's TYPE name must end in `_total`.
struct ExpositionChecker {
    struct Sample: Equatable {
        var name: String
        /// Label pairs with unescaped values, in written order.
        var labels: [(String, String)]
        var value: Double

        static func == (a: Sample, b: Sample) -> Bool {
            a.name == b.name && a.labels.elementsEqual(b.labels, by: { $0 == $1 })
                && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
        }
    }

    struct Family {
        var name: String
        var type: String
        var help: String?
        var unit: String?
        var samples: [Sample] = []
    }

    let format: ExpositionFormat
    private(set) var families: [Family] = []
    private(set) var errors: [String] = []

    /// Checks `text` as `format`; read `errors` and `families`.
    init(_ text: String, format: ExpositionFormat) {
        self.format = format
        check(text)
    }

    init(_ bytes: [UInt8], format: ExpositionFormat) {
        self.init(String(decoding: bytes, as: UTF8.self), format: format)
    }

    var om: Bool { format == .openMetrics100 }

    /// The family named `name` (OpenMetrics: the family name, e.g. without `_total`).
    func family(_ name: String) -> Family? { families.first { $0.name == name } }

    /// The value of the sample `name` whose labels include all of `labels`.
    func value(_ name: String, _ labels: [(String, String)] = []) -> Double? {
        for f in families {
            for s in f.samples where s.name == name
                && labels.allSatisfy({ l in s.labels.contains { $0 == l } }) { return s.value }
        }
        return nil
    }

    private var closed: Set<String> = []
    private var current: Int?
    private var seenSeries: Set<String> = []
    private var sawEOF = false

    private mutating func fail(_ line: Int, _ message: String) {
        errors.append("line \(line): \(message)")
    }

    private mutating func check(_ text: String) {
        if text.isEmpty {
            if om { errors.append("empty OpenMetrics exposition (no # EOF)") }
            return
        }
        if text.utf8.last != UInt8(ascii: "\n") { errors.append("last line does not end with \\n") }
        if text.utf8.contains(UInt8(ascii: "\r")) { errors.append("contains \\r") }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        for (i, raw) in lines.enumerated() {
            let n = i + 1
            let line = String(raw)
            if sawEOF { fail(n, "line after # EOF: \(line)"); continue }
            if line.isEmpty {
                if om { fail(n, "blank line") }
                continue
            }
            if om, line.hasPrefix(" ") || line.hasSuffix(" ") || line.contains("  ") {
                fail(n, "OpenMetrics separators are single spaces: \(line)")
            }
            if line.hasPrefix("#") { comment(n, line) } else { sample(n, line) }
        }
        if om && !sawEOF { errors.append("no # EOF line") }
        finishCurrent()
    }

    private mutating func comment(_ n: Int, _ line: String) {
        if om, line == "# EOF" { sawEOF = true; return }
        let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
        guard parts.count >= 3, parts[0] == "#", ["TYPE", "HELP", "UNIT"].contains(parts[1]) else {
            if om { fail(n, "OpenMetrics allows only # TYPE, # UNIT, # HELP, # EOF: \(line)") }
            return
        }
        let keyword = String(parts[1]), name = String(parts[2])
        let rest = parts.count > 3 ? String(parts[3]) : ""
        if keyword == "UNIT", !om { fail(n, "# UNIT is OpenMetrics only"); return }
        if !Self.isMetricName(name) { fail(n, "invalid family name \(name)") }
        let index = familyIndex(n, name)
        guard families[index].samples.isEmpty else { fail(n, "\(keyword) for \(name) after its samples"); return }
        switch keyword {
        case "TYPE":
            guard families[index].type.isEmpty else { fail(n, "second TYPE for \(name)"); return }
            let known = om ? ["counter", "gauge", "histogram", "gaugehistogram", "summary", "stateset", "info", "unknown"]
                           : ["counter", "gauge", "histogram", "summary", "untyped"]
            if !known.contains(rest) { fail(n, "unknown type \(rest) for \(name)") }
            if om, rest == "counter", name.hasSuffix("_total") { fail(n, "OpenMetrics counter family \(name) must not end in _total") }
            if om, rest == "info", name.hasSuffix("_info") { fail(n, "OpenMetrics info family \(name) must not end in _info") }
            if !om, rest == "counter", !name.hasSuffix("_total") { fail(n, "counter \(name) does not end in _total") }
            families[index].type = rest
        case "HELP":
            guard families[index].help == nil else { fail(n, "second HELP for \(name)"); return }
            guard let help = unescape(rest, quotes: om) else { fail(n, "bad escape in HELP of \(name)"); return }
            families[index].help = help
        default:
            guard families[index].unit == nil else { fail(n, "second UNIT for \(name)"); return }
            if !rest.isEmpty, !name.hasSuffix("_" + rest) { fail(n, "UNIT \(rest) is not a suffix of \(name)") }
            families[index].unit = rest
        }
    }

    /// The family `name` is a line of, opening it (and closing the previous one) if needed.
    private mutating func familyIndex(_ n: Int, _ name: String) -> Int {
        if let c = current, families[c].name == name { return c }
        if closed.contains(name) { fail(n, "family \(name) is not contiguous") }
        finishCurrent()
        families.append(Family(name: name, type: ""))
        current = families.count - 1
        return families.count - 1
    }

    /// The family a sample named `name` belongs to, by declared types: the current family's
    /// first, then any earlier one (which `familyIndex` then reports as not contiguous).
    private func owner(of name: String) -> String? {
        if let c = current, owns(families[c], name) { return families[c].name }
        return families.last { owns($0, name) }?.name
    }

    private func owns(_ f: Family, _ name: String) -> Bool {
        let suffixes: [String]
        switch (f.type, om) {
        case ("counter", true): suffixes = ["_total", "_created"]
        case ("counter", false), ("gauge", _), ("untyped", _), ("unknown", _), ("stateset", _): suffixes = [""]
        case ("histogram", _): suffixes = om ? ["_bucket", "_sum", "_count", "_created"] : ["_bucket", "_sum", "_count"]
        case ("gaugehistogram", _): suffixes = ["_bucket", "_gsum", "_gcount"]
        case ("summary", _): suffixes = om ? ["", "_sum", "_count", "_created"] : ["", "_sum", "_count"]
        case ("info", _): suffixes = ["_info"]
        default: suffixes = []
        }
        return suffixes.contains { f.name + $0 == name }
    }

    private mutating func sample(_ n: Int, _ line: String) {
        guard let parsed = parseSample(n, line) else { return }
        guard let family = owner(of: parsed.name) else {
            fail(n, "sample \(parsed.name) has no # TYPE before it (or follows another family's metadata)")
            return
        }
        let index = familyIndex(n, family)
        let key = parsed.name + "{" + parsed.labels.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
        if !seenSeries.insert(key).inserted { fail(n, "duplicate series \(key)") }
        if parsed.name.hasSuffix("_bucket"), families[index].type == "histogram" {
            guard let le = parsed.labels.first(where: { $0.0 == "le" })?.1 else { fail(n, "bucket without le"); return }
            if om, le != "+Inf", !le.contains("."), !le.contains("e") { fail(n, "OpenMetrics le=\"\(le)\" not canonical") }
        }
        families[index].samples.append(parsed)
    }

    /// Validates a finished family's histogram series (ascending `le`, `+Inf` == `_count`).
    private mutating func finishCurrent() {
        guard let c = current else { return }
        current = nil
        closed.insert(families[c].name)
        let f = families[c]
        guard f.type == "histogram" else { return }
        var buckets: [String: [(Double, Double)]] = [:]
        var counts: [String: Double] = [:]
        for s in f.samples {
            let key = s.labels.filter { $0.0 != "le" }.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
            if s.name == f.name + "_bucket", let le = s.labels.first(where: { $0.0 == "le" }).flatMap({ Self.number($0.1) }) {
                buckets[key, default: []].append((le, s.value))
            } else if s.name == f.name + "_count" {
                counts[key] = s.value
            }
        }
        for (key, bs) in buckets {
            if !zip(bs, bs.dropFirst()).allSatisfy({ $0.0 < $1.0 && $0.1 <= $1.1 }) {
                errors.append("histogram \(f.name){\(key)}: buckets not ascending or not cumulative")
            }
            guard let inf = bs.last, inf.0 == .infinity else { errors.append("histogram \(f.name){\(key)}: no +Inf bucket"); continue }
            if let count = counts[key], count != inf.1 { errors.append("histogram \(f.name){\(key)}: +Inf \(inf.1) != _count \(count)") }
        }
    }

    private mutating func parseSample(_ n: Int, _ line: String) -> Sample? {
        var chars = Substring(line)
        let nameEnd = chars.firstIndex { $0 == "{" || $0 == " " } ?? chars.endIndex
        let name = String(chars[..<nameEnd])
        guard Self.isMetricName(name) else { fail(n, "invalid sample name in \(line)"); return nil }
        chars = chars[nameEnd...]
        var labels: [(String, String)] = []
        if chars.first == "{" {
            chars = chars.dropFirst()
            while chars.first != "}" {
                guard let eq = chars.firstIndex(of: "=") else { fail(n, "unterminated labels: \(line)"); return nil }
                let label = String(chars[..<eq])
                if !Self.isLabelName(label) { fail(n, "invalid label name \(label)") }
                if labels.contains(where: { $0.0 == label }) { fail(n, "duplicate label \(label)") }
                chars = chars[chars.index(after: eq)...]
                guard chars.first == "\"" else { fail(n, "label value not quoted: \(line)"); return nil }
                chars = chars.dropFirst()
                var raw = ""
                var escaped = false
                while let c = chars.first, escaped || c != "\"" {
                    raw.append(c)
                    escaped = !escaped && c == "\\"
                    chars = chars.dropFirst()
                }
                guard chars.first == "\"" else { fail(n, "unterminated label value: \(line)"); return nil }
                chars = chars.dropFirst()
                guard let value = unescape(raw, quotes: true) else { fail(n, "bad escape in label value \(raw)"); return nil }
                labels.append((label, value))
                if chars.first == "," {
                    chars = chars.dropFirst()
                    if chars.first == "}", om { fail(n, "trailing comma in labels (OpenMetrics)") }
                }
                guard !chars.isEmpty else { fail(n, "unterminated labels: \(line)"); return nil }
            }
            chars = chars.dropFirst()
        }
        guard chars.first == " " else { fail(n, "no space before value: \(line)"); return nil }
        // Value, optional timestamp, optional OpenMetrics exemplar (` # {…} v [ts]`).
        var rest = chars.dropFirst()
        if om, let hash = rest.range(of: " # ") { rest = rest[..<hash.lowerBound] }
        let fields = rest.split(separator: " ")
        guard (1...2).contains(fields.count), let value = Self.number(String(fields[0])) else {
            fail(n, "bad value/timestamp in \(line)")
            return nil
        }
        return Sample(name: name, labels: labels, value: value)
    }

    /// Undoes `\\`, `\n` and (label values, OpenMetrics HELP) `\"`; nil on any other escape.
    private func unescape(_ s: String, quotes: Bool) -> String? {
        var out = ""
        var it = s.makeIterator()
        while let c = it.next() {
            guard c == "\\" else {
                if quotes, c == "\"" { return nil }
                out.append(c)
                continue
            }
            switch it.next() {
            case "\\": out.append("\\")
            case "n": out.append("\n")
            case "\"" where quotes: out.append("\"")
            default: return nil
            }
        }
        return out
    }

    static func number(_ s: String) -> Double? {
        switch s {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default:
            guard let first = s.utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
                  !s.lowercased().contains("inf"), !s.lowercased().contains("nan"), !s.hasPrefix("0x") else { return nil }
            return Double(s)
        }
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*` (written out here rather than reusing `MetricName`, so a bug
    /// there cannot hide here).
    static func isMetricName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || first == "_" || first == ":" else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == ":") }
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`.
    static func isLabelName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || first == "_" else { return false }
        return !s.hasPrefix("__")
            && s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }
}
