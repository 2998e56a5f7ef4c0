import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Severity of a log event.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case debug = 0, info, warn, error
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
    public var description: String { ["debug", "info", "warn", "error"][rawValue] }
    public init?(name: String) {
        switch name.lowercased() {
        case "debug": self = .debug
        case "info": self = .info
        case "warn", "warning": self = .warn
        case "error": self = .error
        default: return nil
        }
    }
}

/// A tiny structured logger: one logfmt line per event on stderr (journald adds its own
/// timestamp, but the line carries `ts=` so it stands alone too). Each line is written with a
/// single `write(2)`, so lines from different threads never interleave. No newlines ever appear
/// inside a line: values are quoted and escaped.
public final class Logger: Sendable {
    private let minimum: Atomic<Int>
    private let fd: Int32
    private let component: String?

    /// The process-wide logger.
    public static let shared = Logger(fd: 2)

    public init(fd: Int32, level: LogLevel = .info, component: String? = nil) {
        self.fd = fd
        self.minimum = Atomic(level.rawValue)
        self.component = component
    }

    public var level: LogLevel {
        get { LogLevel(rawValue: minimum.load(ordering: .relaxed)) ?? .info }
        set { minimum.store(newValue.rawValue, ordering: .relaxed) }
    }

    public func setLevel(_ l: LogLevel) { minimum.store(l.rawValue, ordering: .relaxed) }

    @inlinable public func isEnabled(_ l: LogLevel) -> Bool { l >= level }

    public func debug(_ msg: @autoclosure () -> String, _ fields: KeyValuePairs<String, String> = [:]) {
        if isEnabled(.debug) { emit(.debug, msg(), fields) }
    }
    public func info(_ msg: @autoclosure () -> String, _ fields: KeyValuePairs<String, String> = [:]) {
        if isEnabled(.info) { emit(.info, msg(), fields) }
    }
    public func warn(_ msg: @autoclosure () -> String, _ fields: KeyValuePairs<String, String> = [:]) {
        if isEnabled(.warn) { emit(.warn, msg(), fields) }
    }
    public func error(_ msg: @autoclosure () -> String, _ fields: KeyValuePairs<String, String> = [:]) {
        if isEnabled(.error) { emit(.error, msg(), fields) }
    }

    func emit(_ level: LogLevel, _ msg: String, _ fields: KeyValuePairs<String, String>) {
        var line: [UInt8] = []
        line.reserveCapacity(128)
        line.append(contentsOf: "ts=".utf8)
        Logger.appendTimestamp(&line)
        line.append(contentsOf: " level=".utf8)
        line.append(contentsOf: level.description.utf8)
        if let component {
            line.append(contentsOf: " component=".utf8)
            Logger.appendValue(&line, component)
        }
        line.append(contentsOf: " msg=".utf8)
        Logger.appendValue(&line, msg, alwaysQuote: true)
        for (k, v) in fields {
            line.append(0x20)
            line.append(contentsOf: k.utf8)
            line.append(UInt8(ascii: "="))
            Logger.appendValue(&line, v)
        }
        line.append(0x0A)
        line.withUnsafeBytes { try? FD.writeAll(fd, $0) }
    }

    /// The current time, RFC 3339 UTC with milliseconds (`Clock.appendRFC3339`).
    static func appendTimestamp(_ out: inout [UInt8]) {
        let (s, ns) = Clock.wallTimespec()
        Clock.appendRFC3339(&out, seconds: s, nanos: ns)
    }
}

extension Clock {
    /// Unix nanoseconds as RFC 3339 UTC with milliseconds, e.g. `2026-11-29T03:46:45.123Z`
    /// (the form Prometheus and Alertmanager use); earlier than 1970 too.
    public static func rfc3339(unixNanos: Int64) -> String {
        var seconds = unixNanos / 1_000_000_000, nanos = unixNanos % 1_000_000_000
        if nanos < 0 { seconds -= 1; nanos += 1_000_000_000 }
        var out: [UInt8] = []
        appendRFC3339(&out, seconds: Int(seconds), nanos: Int(nanos))
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `seconds` + `nanos` (0 ≤ nanos < 10⁹) since the epoch as RFC 3339 UTC with
    /// milliseconds.
    static func appendRFC3339(_ out: inout [UInt8], seconds s: Int, nanos ns: Int) {
        let t = Clock.utc(s)
        func two(_ v: Int32) { out.append(UInt8(48 + v / 10)); out.append(UInt8(48 + v % 10)) }
        let year = Int(t.tm_year) + 1900
        out.append(contentsOf: String(year).utf8)
        out.append(UInt8(ascii: "-")); two(t.tm_mon + 1)
        out.append(UInt8(ascii: "-")); two(t.tm_mday)
        out.append(UInt8(ascii: "T")); two(t.tm_hour)
        out.append(UInt8(ascii: ":")); two(t.tm_min)
        out.append(UInt8(ascii: ":")); two(t.tm_sec)
        out.append(UInt8(ascii: "."))
        let ms = ns / 1_000_000
        out.append(UInt8(48 + ms / 100)); out.append(UInt8(48 + (ms / 10) % 10)); out.append(UInt8(48 + ms % 10))
        out.append(UInt8(ascii: "Z"))
    }
}

extension Logger {

    /// Appends a logfmt value, quoting when it is empty or holds space, `=`, `"` or control bytes.
    static func appendValue(_ out: inout [UInt8], _ v: String, alwaysQuote: Bool = false) {
        var needsQuote = alwaysQuote || v.isEmpty
        if !needsQuote {
            for b in v.utf8 where b <= 0x20 || b == UInt8(ascii: "=") || b == UInt8(ascii: "\"") || b == 0x7F {
                needsQuote = true; break
            }
        }
        if !needsQuote { out.append(contentsOf: v.utf8); return }
        out.append(UInt8(ascii: "\""))
        for b in v.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0..<0x20, 0x7F:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: "\\x".utf8); out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
