/// One condition of a series selector: a label name, an operator and a value, as in
/// `code=~"5.."`. A label the series does not have counts as the empty string, as in Prometheus:
/// `{a=""}` matches series without `a`, `{a!=""}` requires it.
public struct LabelMatcher: Sendable, Hashable, CustomStringConvertible {
    /// The label name that holds the metric name.
    public static let metricNameLabel = "__name__"

    /// The four PromQL matching operators.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case matchesRegex = "=~"
        case doesNotMatchRegex = "!~"
    }

    public let name: String
    public let op: Operator
    /// The value (for regex operators, the pattern as written, unanchored).
    public let value: String
    /// The compiled pattern for `=~` and `!~` (whole-value match, `.` matches `\n` as in
    /// Prometheus 3); nil for `=` and `!=`.
    public let regex: RE2Regex?
    /// `value` as UTF-8, for the byte comparison of `=` and `!=`.
    let valueUTF8: [UInt8]

    /// A matcher; throws when a regex operator's value does not compile.
    public init(name: String, op: Operator, value: String) throws(RegexError) {
        self.name = name
        self.op = op
        self.value = value
        switch op {
        case .equal, .notEqual: regex = nil
        case .matchesRegex, .doesNotMatchRegex: regex = try RE2Regex(value, options: .dotMatchesNewline)
        }
        valueUTF8 = Array(value.utf8)
    }

    /// `__name__="name"`: an equality matcher, which has no regex and so cannot fail.
    init(metricName: String) {
        name = Self.metricNameLabel
        op = .equal
        value = metricName
        regex = nil
        valueUTF8 = Array(metricName.utf8)
    }

    /// Whether a label value satisfies the matcher; nil means the label is absent (same as "").
    public func matches(utf8 labelValue: UnsafeBufferPointer<UInt8>?) -> Bool {
        let text = labelValue ?? UnsafeBufferPointer(start: nil, count: 0)
        switch op {
        case .equal: return equalsValue(text)
        case .notEqual: return !equalsValue(text)
        case .matchesRegex: return regex!.matches(utf8: text)
        case .doesNotMatchRegex: return !regex!.matches(utf8: text)
        }
    }

    /// Whether a label value satisfies the matcher; nil means the label is absent (same as "").
    public func matches(_ labelValue: String?) -> Bool {
        guard let labelValue else { return matches(utf8: nil) }
        if let answer = labelValue.utf8.withContiguousStorageIfAvailable({ matches(utf8: $0) }) { return answer }
        return Array(labelValue.utf8).withUnsafeBufferPointer { matches(utf8: $0) }
    }

    /// True when a series without this label satisfies the matcher.
    public var matchesEmpty: Bool { matches(utf8: nil) }

    private func equalsValue(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard text.count == valueUTF8.count else { return false }
        return valueUTF8.withUnsafeBufferPointer { value in
            for i in 0..<value.count where value[i] != text[i] { return false }
            return true
        }
    }

    /// `name op "value"` in PromQL syntax, the name quoted when it is not a legacy label name
    /// (`"http.route"="/"`), the value quoted as Go's `strconv.Quote` does.
    public var description: String {
        let renderedName = SeriesSelector.isLegacyLabelName(name) ? name : SeriesSelector.quote(name)
        return renderedName + op.rawValue + SeriesSelector.quote(value)
    }

    public static func == (lhs: LabelMatcher, rhs: LabelMatcher) -> Bool {
        lhs.name == rhs.name && lhs.op == rhs.op && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(op)
        hasher.combine(value)
    }
}
