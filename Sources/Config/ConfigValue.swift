/// A message explaining why a scalar is not a valid value.
struct ConfigValueProblem: Error {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}

/// How to read one kind of configuration value from a YAML scalar.
struct ConfigValue<Value> {
    /// What was expected, for type errors: "an integer in 0...256".
    var expected: String
    /// Parses a `.scalar` node (never called for null, sequences or mappings).
    var parse: (YAMLNode) -> Result<Value, ConfigValueProblem>
}

extension ConfigValue where Value == Int {
    /// A plain decimal integer (optionally signed) within `range`.
    static func integer(in range: ClosedRange<Int>) -> ConfigValue<Int> {
        let expected = "an integer in \(range.lowerBound)...\(range.upperBound)"
        return ConfigValue(expected: expected) { node in
            guard case .scalar(let text, let style) = node.kind else { return .failure(.init("expected \(expected)")) }
            guard let number = parseDecimal(text) else {
                return .failure(.init("expected \(expected), got \(quoted(text))"))
            }
            if style != .plain {
                return .failure(.init("expected \(expected), got the string \(quoted(text)) (remove the quotes)"))
            }
            guard range.contains(number) else {
                return .failure(.init("\(text) is out of range: expected \(expected)"))
            }
            return .success(number)
        }
    }

    /// A byte size: a plain integer number of bytes, or a number with a unit (`16MiB`, `8 KiB`,
    /// `512B`; units `B KB MB GB` are powers of 1000, `KiB MiB GiB` of 1024), within `range`.
    static func size(in range: ClosedRange<Int>) -> ConfigValue<Int> {
        let rangeText = "\(formatSize(range.lowerBound))...\(formatSize(range.upperBound))"
        return ConfigValue(expected: "a size like 16MiB") { node in
            guard case .scalar(let text, _) = node.kind else { return .failure(.init("expected a size like 16MiB")) }
            let bytes: Int
            switch parseSize(text) {
            case .success(let value): bytes = value
            case .failure(let problem): return .failure(problem)
            }
            guard range.contains(bytes) else {
                return .failure(.init("size \(text) is out of range: expected \(rangeText)"))
            }
            return .success(bytes)
        }
    }
}

extension ConfigValue where Value == Duration {
    /// A Prometheus-style duration (`500ms`, `10s`, `5m`, `1h30m`; units `y w d h m s ms` in
    /// decreasing order, each at most once) within `range`.
    static func duration(in range: ClosedRange<Duration>) -> ConfigValue<Duration> {
        let rangeText = "\(formatDuration(range.lowerBound))...\(formatDuration(range.upperBound))"
        return ConfigValue(expected: "a duration like 10s, 500ms or 1h30m") { node in
            guard case .scalar(let text, _) = node.kind else { return .failure(.init("expected a duration")) }
            let duration: Duration
            switch parseDuration(text) {
            case .success(let value): duration = value
            case .failure(let problem): return .failure(problem)
            }
            guard range.contains(duration) else {
                return .failure(.init("duration \(text) is out of range: expected \(rangeText)"))
            }
            return .success(duration)
        }
    }
}

extension ConfigValue where Value == String {
    /// A listen address `HOST:PORT`: an IPv4 dotted quad, `localhost` or a bracketed IPv6
    /// address, and a port in 0...65535. The value is kept as written.
    static var listenAddress: ConfigValue<String> {
        ConfigValue(expected: "an address like \"127.0.0.1:4318\"") { node in
            guard case .scalar(let text, _) = node.kind else { return .failure(.init("expected an address")) }
            if let problem = listenAddressProblem(text) {
                return .failure(.init("invalid address \(quoted(text)): \(problem)"))
            }
            return .success(text)
        }
    }
}

extension ConfigValue where Value == Bool {
    /// `true` or `false`.
    static var bool: ConfigValue<Bool> {
        ConfigValue(expected: "true or false") { node in
            switch node.scalar {
            case "true": return .success(true)
            case "false": return .success(false)
            default: return .failure(.init("expected true or false, got \(quoted(node.scalar ?? ""))"))
            }
        }
    }
}

extension ConfigValue where Value == String {
    /// A file system path: not empty, no NUL byte. Kept as written (relative to the working
    /// directory).
    static var path: ConfigValue<String> {
        ConfigValue(expected: "a directory path like \"./data\"") { node in
            guard case .scalar(let text, _) = node.kind, !text.isEmpty else { return .failure(.init("expected a non-empty path")) }
            if text.utf8.contains(0) { return .failure(.init("a path cannot contain a NUL byte")) }
            return .success(text)
        }
    }

    /// An HTTP header name (an RFC 9110 token), or empty to disable the feature it names.
    static var headerName: ConfigValue<String> {
        ConfigValue(expected: "an HTTP header name like \"X-Scope-OrgID\"") { node in
            guard case .scalar(let text, _) = node.kind else { return .failure(.init("expected a header name")) }
            let token = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
            if let bad = text.utf8.first(where: { !token.contains($0) }) {
                return .failure(.init("invalid header name \(quoted(text)): byte 0x\(String(bad, radix: 16)) is not allowed"))
            }
            return .success(text)
        }
    }
}

extension ConfigValue where Value: CaseIterable & RawRepresentable<String> {
    /// One of the enumeration's raw values, exactly.
    static var oneOf: ConfigValue<Value> {
        let names = Value.allCases.map(\.rawValue).joined(separator: ", ")
        return ConfigValue(expected: "one of \(names)") { node in
            guard case .scalar(let text, _) = node.kind, let value = Value(rawValue: text) else {
                return .failure(.init("expected one of \(names), got \(quoted(node.scalar ?? ""))"))
            }
            return .success(value)
        }
    }
}

// MARK: - Numbers

/// Parses `[+-]?[0-9]+` without overflow; nil otherwise.
func parseDecimal(_ text: String) -> Int? {
    var bytes = Array(text.utf8)[...]
    var negative = false
    if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
        negative = first == UInt8(ascii: "-")
        bytes = bytes.dropFirst()
    }
    guard let magnitude = parseDigits(bytes) else { return nil }
    return negative ? -magnitude : magnitude
}

/// Parses a non-empty run of ASCII digits without overflow; nil otherwise.
func parseDigits(_ digits: ArraySlice<UInt8>) -> Int? {
    guard !digits.isEmpty else { return nil }
    var value = 0
    for byte in digits {
        guard isDigit(byte) else { return nil }
        let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
        if overflow1 || overflow2 { return nil }
        value = sum
    }
    return value
}

@inline(__always)
func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
}

// MARK: - Sizes

let sizeUnits: [(name: String, bytes: Int)] = [
    ("B", 1), ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000),
    ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
]

/// Parses `123`, `123B`, `16MiB`, `16 MiB`, … into bytes.
func parseSize(_ text: String) -> Result<Int, ConfigValueProblem> {
    let example = "expected a size like 16MiB, got \(quoted(text))"
    let utf8 = Array(text.utf8)
    let digitsEnd = utf8.firstIndex { !isDigit($0) } ?? utf8.count
    guard digitsEnd > 0 else { return .failure(.init(example)) }
    guard let number = parseDigits(utf8[..<digitsEnd]) else {
        return .failure(.init("size \(quoted(text)) is too large"))
    }
    if digitsEnd == utf8.count { return .success(number) }
    var unitStart = digitsEnd
    if utf8[unitStart] == .space { unitStart += 1 }
    let unit = String(decoding: utf8[unitStart...], as: UTF8.self)
    guard let multiplier = sizeUnits.first(where: { $0.name == unit })?.bytes else {
        if utf8[digitsEnd] == .period {
            return .failure(.init("\(example) (fractions are not supported: use a smaller unit)"))
        }
        if !unit.isEmpty && unit.utf8.allSatisfy({ ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") }) {
            let names = sizeUnits.map(\.name).joined(separator: ", ")
            return .failure(.init("unknown size unit \(quoted(unit)) in \(quoted(text)) (expected one of \(names))"))
        }
        return .failure(.init(example))
    }
    let (bytes, overflow) = number.multipliedReportingOverflow(by: multiplier)
    guard !overflow else { return .failure(.init("size \(quoted(text)) is too large")) }
    return .success(bytes)
}

/// `16MiB`, `1GB`, or `1234B`: the largest unit that divides the size exactly.
func formatSize(_ bytes: Int) -> String {
    for unit in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes != 0 && bytes % unit.1 == 0 {
        return "\(bytes / unit.1)\(unit.0)"
    }
    return "\(bytes)B"
}

// MARK: - Durations

private let durationUnits: [(name: String, milliseconds: Int)] = [
    ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000),
    ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
]

/// Parses a Prometheus-style duration (`1h30m`, `500ms`) at millisecond resolution.
func parseDuration(_ text: String) -> Result<Duration, ConfigValueProblem> {
    let example = "expected a duration like 10s, 500ms or 1h30m"
    let utf8 = Array(text.utf8)
    guard !utf8.isEmpty else { return .failure(.init("\(example), got an empty string")) }
    if utf8.allSatisfy({ isDigit($0) || $0 == .period }) {
        return .failure(.init("\(example), got the bare number \(text) (add a unit: ms, s, m, h, d, w or y)"))
    }
    if utf8.contains(.period) {
        return .failure(.init("\(example), got \(quoted(text)) (fractions are not supported: use a smaller unit, e.g. 1500ms)"))
    }
    var index = 0
    var total = 0
    var lastUnit = -1
    while index < utf8.count {
        let digitsStart = index
        while index < utf8.count && isDigit(utf8[index]) { index += 1 }
        guard index > digitsStart else { return .failure(.init("\(example), got \(quoted(text))")) }
        guard let number = parseDigits(utf8[digitsStart..<index]) else {
            return .failure(.init("duration \(quoted(text)) is too large"))
        }
        let unitStart = index
        while index < utf8.count && !isDigit(utf8[index]) { index += 1 }
        let unit = String(decoding: utf8[unitStart..<index], as: UTF8.self)
        guard let unitIndex = durationUnits.firstIndex(where: { $0.name == unit }) else {
            if unit.isEmpty {
                return .failure(.init("\(example), got \(quoted(text)) (the last number has no unit)"))
            }
            return .failure(.init("unknown duration unit \(quoted(unit)) in \(quoted(text)) (expected ms, s, m, h, d, w or y)"))
        }
        guard unitIndex > lastUnit else {
            return .failure(.init("\(example), got \(quoted(text)) (each unit at most once, largest first)"))
        }
        lastUnit = unitIndex
        let (part, overflow1) = number.multipliedReportingOverflow(by: durationUnits[unitIndex].milliseconds)
        let (sum, overflow2) = total.addingReportingOverflow(part)
        guard !overflow1, !overflow2, sum <= Int(Int64.max / 1_000_000) else {
            return .failure(.init("duration \(quoted(text)) is too large"))
        }
        total = sum
    }
    return .success(.milliseconds(total))
}

/// `1h30m`, `500ms`, `0s`: the Prometheus form of a non-negative duration, in whole milliseconds.
func formatDuration(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    guard seconds >= 0 else { return "0s" }
    var remaining = Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    guard remaining > 0 else { return "0s" }
    var text = ""
    for unit in durationUnits where remaining >= unit.milliseconds {
        text += "\(remaining / unit.milliseconds)\(unit.name)"
        remaining %= unit.milliseconds
    }
    return text
}
