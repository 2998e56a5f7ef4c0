/// The SLO list's filters, sort and page, from the request's query string:
/// `service=checkout`, `label=team=payments` (a label of the instance: a group label or one of the
/// SLO's `labels`), `state=firing|pending|no_data|any`, `budget_below=25` (percent of the budget
/// left), `sort=budget|name`, `page=2`. Unknown parameters are refused, like a wrong value,
/// with a message naming the parameter (a mistyped filter must not silently show everything).
public struct SLOListQuery: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case any, firing, pending
        case noData = "no_data"
    }

    public enum Sort: String, Sendable, CaseIterable {
        /// Least budget left first (no data last), then by name.
        case budget
        /// By service, SLO, then group values (the configuration's SLOs sorted).
        case name
    }

    public var service: String? = nil
    public var label: (name: String, value: String)? = nil
    public var state: State = .any
    /// Only instances with less than this share of their budget left (a ratio: 0.25 for 25 %).
    public var budgetBelow: Double? = nil
    public var sort: Sort = .budget
    /// 1-based.
    public var page: Int = 1

    public init() {}

    public static func == (a: SLOListQuery, b: SLOListQuery) -> Bool {
        a.service == b.service && a.label?.name == b.label?.name && a.label?.value == b.label?.value && a.state == b.state
            && a.budgetBelow == b.budgetBelow && a.sort == b.sort && a.page == b.page
    }

    /// Parses `query` (the part after `?`, percent-encoded, `+` for space). Empty values count
    /// as absent, as an HTML form sends them.
    public init(parsing query: Substring) throws(QueryError) {
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0], parameter: "parameter name")
            let value = parts.count > 1 ? try Self.decode(parts[1], parameter: name) : ""
            if value.isEmpty { continue }
            switch name {
            case "service":
                service = value
            case "label":
                guard let eq = value.firstIndex(of: "="), eq != value.startIndex else {
                    throw QueryError("label: expected NAME=VALUE, got \"\(value)\"")
                }
                label = (String(value[..<eq]), String(value[value.index(after: eq)...]))
            case "state":
                guard let s = State(rawValue: value) else {
                    throw QueryError("state: expected one of \(State.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(value)\"")
                }
                state = s
            case "budget_below":
                guard let percent = Double(value), percent.isFinite else {
                    throw QueryError("budget_below: expected a percentage such as 25, got \"\(value)\"")
                }
                budgetBelow = percent / 100
            case "sort":
                guard let s = Sort(rawValue: value) else {
                    throw QueryError("sort: expected one of \(Sort.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(value)\"")
                }
                sort = s
            case "page":
                guard let p = Int(value), p >= 1, p <= 1_000_000 else { throw QueryError("page: expected a page number from 1, got \"\(value)\"") }
                page = p
            default:
                throw QueryError("unknown parameter \"\(name)\" (expected service, label, state, budget_below, sort or page)")
            }
        }
    }

    /// The query string for these filters and sort at page `page` (what the page's links use).
    func queryString(page: Int) -> HTMLWriter {
        var w = HTMLWriter(reservingCapacity: 128)
        var first = true
        func add(_ name: StaticString, _ value: String) {
            w.raw(first ? "?" : "&amp;")
            first = false
            w.raw(name)
            w.raw("=")
            w.queryComponent(value)
        }
        if let service { add("service", service) }
        if let label { add("label", label.name + "=" + label.value) }
        if state != .any { add("state", state.rawValue) }
        if let budgetBelow { add("budget_below", Self.percentText(budgetBelow)) }
        if sort != .budget { add("sort", sort.rawValue) }
        if page > 1 { add("page", String(page)) }
        return w
    }

    /// `ratio` as a percentage without a trailing `.0` (`0.25` → `25`).
    static func percentText(_ ratio: Double) -> String {
        let percent = ratio * 100
        return percent == percent.rounded() && percent.magnitude < 1e15 ? String(Int64(percent)) : String(percent)
    }

    /// Percent-decodes `text` (`+` is a space); a malformed escape or invalid UTF-8 is an error
    /// naming `parameter`.
    static func decode(_ text: Substring, parameter: String) throws(QueryError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var it = text.utf8.makeIterator()
        while let byte = it.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = it.next().flatMap(hexValue), let low = it.next().flatMap(hexValue) else {
                    throw QueryError("\(parameter): malformed percent-escape")
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw QueryError("\(parameter): not valid UTF-8") }
        return decoded
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// A query parameter the UI cannot use: answered `400` with the message on the page.
public struct QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
