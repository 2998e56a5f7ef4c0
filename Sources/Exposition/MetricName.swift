/// Validity of metric and label names, decided by one 256-entry byte table.
///
/// Metric names: `[a-zA-Z_:][a-zA-Z0-9_:]*`. Label names: `[a-zA-Z_][a-zA-Z0-9_]*`, and names
/// starting with `__` are reserved for Prometheus. Non-ASCII bytes are never valid (text 0.0.4
/// does not carry UTF-8 names).
enum MetricName {
    /// Bit flags per byte value.
    static let metricFirst: UInt8 = 1
    static let metricRest: UInt8 = 2
    static let labelFirst: UInt8 = 4
    static let labelRest: UInt8 = 8

    static let table: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        let all = metricFirst | metricRest | labelFirst | labelRest
        for c in UInt8(ascii: "a")...UInt8(ascii: "z") { t[Int(c)] = all }
        for c in UInt8(ascii: "A")...UInt8(ascii: "Z") { t[Int(c)] = all }
        t[Int(UInt8(ascii: "_"))] = all
        for c in UInt8(ascii: "0")...UInt8(ascii: "9") { t[Int(c)] = metricRest | labelRest }
        t[Int(UInt8(ascii: ":"))] = metricFirst | metricRest
        return t
    }()

    static func check(_ name: String, first: UInt8, rest: UInt8) -> Bool {
        var isFirst = true
        for b in name.utf8 {
            if table[Int(b)] & (isFirst ? first : rest) == 0 { return false }
            isFirst = false
        }
        return !isFirst
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func isValidMetricName(_ name: String) -> Bool {
        check(name, first: metricFirst, rest: metricRest)
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with the reserved `__`.
    static func isValidLabelName(_ name: String) -> Bool {
        check(name, first: labelFirst, rest: labelRest) && !name.utf8.starts(with: "__".utf8)
    }
}
