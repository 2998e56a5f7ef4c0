/// Validation of `server.listen`: `HOST:PORT` where HOST is an IPv4 dotted quad, `localhost`,
/// or an IPv6 address in brackets, and PORT is 0...65535.

/// Returns why `text` is not a valid listen address, or nil if it is.
func listenAddressProblem(_ text: String) -> String? {
    let utf8 = Array(text.utf8)
    let host: ArraySlice<UInt8>
    let port: ArraySlice<UInt8>
    if utf8.first == .leftBracket {
        guard let close = utf8.firstIndex(of: .rightBracket) else {
            return "missing ']' after the IPv6 address"
        }
        host = utf8[1..<close]
        guard close + 1 < utf8.count, utf8[close + 1] == .colon else {
            return "expected :PORT after the bracketed IPv6 address"
        }
        port = utf8[(close + 2)...]
        guard isIPv6(host) else { return "\(quoted(String(decoding: host, as: UTF8.self))) is not an IPv6 address" }
    } else {
        guard let colon = utf8.lastIndex(of: .colon) else {
            return "expected HOST:PORT (e.g. 127.0.0.1:4318, localhost:4318 or [::1]:4318)"
        }
        host = utf8[..<colon]
        port = utf8[(colon + 1)...]
        if host.contains(.colon) {
            return "IPv6 addresses must be in brackets, e.g. [::1]:4318"
        }
        if host.isEmpty {
            return "missing host (use 0.0.0.0 for all IPv4 interfaces or [::] for all interfaces)"
        }
        let isLocalhost = host.elementsEqual("localhost".utf8)
        guard isLocalhost || isIPv4(host) else {
            return "host must be an IPv4 address, localhost or a bracketed IPv6 address"
        }
    }
    guard !port.isEmpty else { return "missing port after ':'" }
    guard port.count <= 5, let number = parseDigits(port), number <= 65535 else {
        return "port must be a number in 0...65535"
    }
    return nil
}

/// A dotted quad of decimal octets 0...255 without leading zeros.
func isIPv4(_ text: ArraySlice<UInt8>) -> Bool {
    let parts = text.split(separator: .period, omittingEmptySubsequences: false)
    guard parts.count == 4 else { return false }
    for part in parts {
        guard part.count >= 1, part.count <= 3, let value = parseDigits(part), value <= 255 else { return false }
        if part.count > 1 && part.first == UInt8(ascii: "0") { return false }
    }
    return true
}

/// An IPv6 address in RFC 4291 text form (with at most one `::`, optionally ending in a dotted
/// quad); zone identifiers are not accepted.
func isIPv6(_ text: ArraySlice<UInt8>) -> Bool {
    guard text.count >= 2, text.count <= 45 else { return false }
    // Split around "::" (at most once).
    var head = text
    var tail: ArraySlice<UInt8>?
    var index = text.startIndex
    while index + 1 < text.endIndex {
        if text[index] == .colon && text[index + 1] == .colon {
            guard tail == nil else { return false }
            head = text[text.startIndex..<index]
            tail = text[(index + 2)...]
            index += 2
            continue
        }
        index += 1
    }
    func groups(_ part: ArraySlice<UInt8>, allowIPv4: Bool) -> Int? {
        if part.isEmpty { return 0 }
        let fields = part.split(separator: .colon, omittingEmptySubsequences: false)
        var count = 0
        for (position, field) in fields.enumerated() {
            if allowIPv4 && position == fields.count - 1 && field.contains(.period) {
                guard isIPv4(field) else { return nil }
                count += 2
            } else {
                guard field.count >= 1, field.count <= 4, field.allSatisfy({ hexDigitValue($0) != nil }) else { return nil }
                count += 1
            }
        }
        return count
    }
    if let tail {
        guard let headCount = groups(head, allowIPv4: false),
              let tailCount = groups(tail, allowIPv4: true) else { return false }
        return headCount + tailCount <= 7
    }
    return groups(head, allowIPv4: true) == 8
}
