/// Writes an HTML document: the caller writes the markup (`raw`, only literals), everything that
/// comes from configuration, telemetry or the request goes through `text`, which escapes it for
/// element content and quoted attribute values alike — a label value `<script>` shows as text.
public struct HTMLWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(reservingCapacity capacity: Int = 16 << 10) {
        bytes.reserveCapacity(capacity)
    }

    /// Markup, as is. Only string literals: nothing a user controls can reach it.
    public mutating func raw(_ markup: StaticString) {
        markup.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// `value` escaped for text and double- or single-quoted attribute values: `&`, `<`, `>`,
    /// `"` and `'` become character references; control characters other than tab and newline
    /// are dropped (they are not allowed in HTML text).
    public mutating func text(_ value: String) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "&"): bytes.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): bytes.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): bytes.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): bytes.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): bytes.append(contentsOf: "&#39;".utf8)
            case 0x09, 0x0A: bytes.append(byte)
            case 0..<0x20, 0x7F: continue
            default: bytes.append(byte)
            }
        }
    }

    /// What another writer wrote (already markup or escaped text).
    public mutating func append(_ other: HTMLWriter) {
        bytes.append(contentsOf: other.bytes)
    }

    /// A URL query component, percent-encoded (RFC 3986 unreserved characters kept), then
    /// escaped for the attribute it is written into.
    public mutating func queryComponent(_ value: String) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes.append(UInt8(ascii: "%"))
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            }
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
}
