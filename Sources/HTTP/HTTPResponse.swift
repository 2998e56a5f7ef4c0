import Primitives

/// A response a handler returns (or submits later through an `HTTPResponder`).
///
/// Built from literals it allocates nothing: `StaticString` content types and bodies, and an
/// empty header list.
public struct HTTPResponse: Sendable {
    public enum Body: Sendable {
        case empty
        case text(StaticString)
        case bytes([UInt8])
    }

    public var status: HTTPStatus
    public var contentType: StaticString?
    /// Extra header fields (names and values must be valid; no CR/LF).
    public var headers: [(String, String)]
    public var body: Body
    /// Close the connection after this response.
    public var close: Bool

    public init(status: HTTPStatus, contentType: StaticString? = nil, headers: [(String, String)] = [], body: Body = .empty, close: Bool = false) {
        self.status = status; self.contentType = contentType; self.headers = headers; self.body = body; self.close = close
    }

    /// A short plain-text response, e.g. for errors; the body is `message` as given (end it
    /// with a newline, as callers do).
    public static func text(_ status: HTTPStatus, _ message: StaticString, headers: [(String, String)] = [], close: Bool = false) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", headers: headers, body: .text(message), close: close)
    }

    /// A plain-text response with a dynamic message.
    public static func text(_ status: HTTPStatus, message: String, headers: [(String, String)] = [], close: Bool = false) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", headers: headers, body: .bytes(Array(message.utf8)), close: close)
    }

    var bodyCount: Int {
        switch body {
        case .empty: 0
        case .text(let s): s.utf8CodeUnitCount
        case .bytes(let b): b.count
        }
    }
}

/// Serializes responses into a connection's output buffer.
enum HTTPResponseEncoder {
    /// Writes status line, headers and (unless `headOnly`) the body.
    static func write(_ r: HTTPResponse, version: HTTPVersion, keepAlive: Bool, headOnly: Bool, date: UnsafeRawBufferPointer, into out: ByteBuffer) {
        out.reserve(160 + r.bodyCount)
        out.append(version == .http10 ? "HTTP/1.0 " : "HTTP/1.1 ")
        out.append(decimal: r.status.code)
        out.append(byte: 0x20)
        out.append(r.status.reason)
        out.append("\r\nServer: slod\r\nDate: ")
        out.append(date)
        if let ct = r.contentType {
            out.append("\r\nContent-Type: ")
            out.append(ct)
        }
        out.append("\r\nContent-Length: ")
        out.append(decimal: r.bodyCount)
        for (name, value) in r.headers {
            out.append("\r\n")
            out.append(name)
            out.append(": ")
            out.append(value)
        }
        if !keepAlive {
            out.append("\r\nConnection: close")
        } else if version == .http10 {
            out.append("\r\nConnection: keep-alive")
        }
        out.append("\r\n\r\n")
        if headOnly { return }
        switch r.body {
        case .empty: break
        case .text(let s): out.append(s)
        case .bytes(let b): out.append(b)
        }
    }

    static let continueLine: StaticString = "HTTP/1.1 100 Continue\r\n\r\n"
}

/// Formats the `Date` header value (IMF-fixdate, RFC 9110 §5.6.7) into a fixed 29-byte buffer.
struct HTTPDate {
    private(set) var bytes = [UInt8](repeating: 0x20, count: 29)
    private var second = -1

    /// Refreshes the text if the wall-clock second changed. Cheap when it did not.
    mutating func update(wallSecond: Int, utc: (Int) -> (wday: Int, mday: Int, mon: Int, year: Int, hour: Int, min: Int, sec: Int)) {
        if wallSecond == second { return }
        second = wallSecond
        let t = utc(wallSecond)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let s = "\(days[t.wday]), \(two(t.mday)) \(months[t.mon]) \(t.year) \(two(t.hour)):\(two(t.min)):\(two(t.sec)) GMT"
        bytes = Array(s.utf8)
    }
}
