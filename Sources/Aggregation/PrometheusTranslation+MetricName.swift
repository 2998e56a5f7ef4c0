import OTLP

/// OTLP → Prometheus names, strategy "UnderscoreEscapingWithSuffixes" (the default of the
/// Collector and of Prometheus' OTLP receiver). Reference: `prometheus-compat.md` §1 and §2.1.
///
/// Pure functions with no state: safe from any thread. They allocate, and are meant to run once
/// per new series (or metric family), not per point.
enum PrometheusNaming {}

// MARK: - Metric names (§1)

extension PrometheusNaming {
    /// The Prometheus metric (family) name for an OTLP metric, or nil if nothing exportable is
    /// left (§1.1 step 8: empty, or only underscores — drop the metric and count it).
    ///
    /// Implements otlptranslator's `normalizeName` byte for byte (the reference's recommendation
    /// in §1.6), including its differences from the OTel spec:
    /// - unit `1` adds `_ratio` for **gauges only** (the April 2026 spec dropped the rule;
    ///   otlptranslator, hence the Collector and Prometheus, keep it);
    /// - the unit suffix is skipped when *any* name token equals it (not only a trailing one),
    ///   and a per-unit (`per_second`) is never detected as present, so `rate_per_second` with
    ///   unit `1/s` becomes `rate_per_second_per_second`;
    /// - unit table of otlptranslator: `KBy` → kilobytes (`kBy` passes through unmapped),
    ///   `TiBy` → `tibibytes`, per-unit `m` → `minute`;
    /// - monotonic sums: every `total` token is removed before `total` is appended
    ///   (`total.requests` → `requests_total`).
    ///
    /// The result is the *family* name: for histograms and summaries the renderer appends
    /// `_bucket`/`_sum`/`_count`; `_total` is only ever added to monotonic sums (of any
    /// temporality, which is why there is no temporality parameter) and `_ratio` only to gauges.
    /// For OpenMetrics a counter's family name (`# TYPE`) is this name without `_total`.
    ///
    /// - Parameters:
    ///   - name: OTLP `Metric.name` (UTF-8).
    ///   - unit: OTLP `Metric.unit` (UCUM, e.g. `s`, `By/s`, `{request}`, `1`).
    ///   - kind: the metric's data kind.
    ///   - isMonotonic: `Sum.is_monotonic`; ignored for kinds other than `.sum`.
    /// Cost: O(name + unit) with a few small allocations.
    static func metricName(name: String, unit: String, kind: MetricKind, isMonotonic: Bool) -> String? {
        var tokens = nameTokens(name)
        let (main, per) = unitSuffixes(unit)
        appendUnitTokens(&tokens, main: cleanUnit(main), per: cleanUnit(per))

        // Step 4: counters (monotonic sums, any temporality).
        if kind == .sum && isMonotonic {
            tokens.removeAll { $0 == "total" }
            tokens.append("total")
        }
        // Step 5: `_ratio` for unit exactly "1", gauges only.
        if unit == "1" && kind == .gauge {
            tokens.removeAll { $0 == "ratio" }
            tokens.append("ratio")
        }
        // Step 7: join; a leading digit gets a `_` prefix.
        var result = tokens.joined(separator: "_")
        if let first = result.utf8.first, isDigit(first) { result = "_" + result }
        // Step 8: nothing exportable.
        if result.utf8.allSatisfy({ $0 == UInt8(ascii: "_") }) { return nil }
        return result
    }

    /// `metricName(name:unit:kind:isMonotonic:)` for a decoded metric header. Copies the borrowed
    /// name and unit; the view need only be valid during the call.
    static func metricName(_ metric: MetricView) -> String? {
        metricName(name: metric.name.string, unit: metric.unit.string, kind: metric.kind, isMonotonic: metric.isMonotonic)
    }

    /// UCUM main unit → Prometheus unit word (otlptranslator `unitMap`, §1.2). Unknown units pass
    /// through (then cleaned).
    static let mainUnits: [String: String] = [
        // Time
        "d": "days", "h": "hours", "min": "minutes", "s": "seconds",
        "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds",
        // Bytes
        "By": "bytes", "KiBy": "kibibytes", "MiBy": "mebibytes", "GiBy": "gibibytes", "TiBy": "tibibytes",
        "KBy": "kilobytes", "MBy": "megabytes", "GBy": "gigabytes", "TBy": "terabytes",
        // SI
        "m": "meters", "V": "volts", "A": "amperes", "J": "joules", "W": "watts", "g": "grams",
        // Misc
        "Cel": "celsius", "Hz": "hertz", "1": "", "%": "percent",
    ]

    /// UCUM unit after `/` → singular word (otlptranslator `perUnitMap`, §1.3).
    static let perUnits: [String: String] = [
        "s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year",
    ]

    // MARK: Steps of the algorithm

    /// §1.1 step 1: split on every byte that is not `[A-Za-z0-9:]`, dropping empty pieces (so `_`
    /// is a separator too). Working on bytes equals Go's rune-wise split: every byte of a
    /// multi-byte character is a separator.
    static func nameTokens(_ name: String) -> [String] {
        var tokens: [String] = []
        var utf8 = Array(name.utf8)[...]
        while let start = utf8.firstIndex(where: isMetricNameByte) {
            utf8 = utf8[start...]
            let end = utf8.firstIndex { !isMetricNameByte($0) } ?? utf8.endIndex
            tokens.append(String(decoding: utf8[start..<end], as: UTF8.self))
            utf8 = utf8[end...]
        }
        return tokens
    }

    /// §1.1 step 2 (otlptranslator `buildUnitSuffixes`): the mapped main unit and `per_<word>`,
    /// before cleaning. Parts containing `{` or `}` (annotations such as `{request}`) contribute
    /// nothing.
    static func unitSuffixes(_ unit: String) -> (main: String, per: String) {
        let utf8 = Array(unit.utf8)
        let slash = utf8.firstIndex(of: UInt8(ascii: "/"))
        var main = ""
        let mainPart = trimmingWhitespace(String(decoding: utf8[..<(slash ?? utf8.endIndex)], as: UTF8.self))
        if !mainPart.isEmpty && !containsBrace(mainPart) {
            main = mainUnits[mainPart] ?? mainPart
        }
        var per = ""
        if let slash, slash + 1 < utf8.endIndex {
            let perPart = trimmingWhitespace(String(decoding: utf8[(slash + 1)...], as: UTF8.self))
            if !perPart.isEmpty && !containsBrace(perPart) {
                per = perUnits[perPart] ?? perPart
            }
            if !per.isEmpty { per = "per_" + per }
        }
        return (main, per)
    }

    /// otlptranslator `cleanUpUnit`: every byte not `[A-Za-z0-9:]` → `_`, runs of `_` collapsed,
    /// one leading `_` removed (a trailing one stays).
    static func cleanUnit(_ unit: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(unit.utf8.count)
        for b in unit.utf8 {
            let c = isMetricNameByte(b) ? b : UInt8(ascii: "_")
            if c == UInt8(ascii: "_"), out.last == UInt8(ascii: "_") { continue }
            out.append(c)
        }
        if out.first == UInt8(ascii: "_") { out.removeFirst() }
        return String(decoding: out, as: UTF8.self)
    }

    /// §1.1 step 3 (otlptranslator `addUnitTokens`). `main` and `per` may contain `_` and are
    /// appended as single tokens, so later `total`/`ratio` removal never splits them.
    static func appendUnitTokens(_ tokens: inout [String], main: String, per: String) {
        var main = main
        var per = per
        if tokens.contains(main) { main = "" }
        if per == "per_" {
            per = ""
        } else {
            if per.hasSuffix("_") { per.removeLast() }
            if tokens.contains(per) { per = "" }
        }
        if !per.isEmpty, main.hasSuffix("_") { main.removeLast() }
        if !main.isEmpty { tokens.append(main) }
        if !per.isEmpty { tokens.append(per) }
    }

    /// `[A-Za-z0-9:]`: the characters of a metric name token.
    @inline(__always)
    static func isMetricNameByte(_ b: UInt8) -> Bool { isAlphanumeric(b) || b == UInt8(ascii: ":") }

    /// ASCII `[A-Za-z0-9]`.
    @inline(__always)
    static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || isDigit(b)
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    static func containsBrace(_ s: String) -> Bool {
        s.utf8.contains { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") }
    }

    /// Go `strings.TrimSpace`: strips leading and trailing Unicode `White_Space` scalars.
    static func trimmingWhitespace(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex { !$0.properties.isWhitespace }!
        return String(scalars[first...last])
    }
}
