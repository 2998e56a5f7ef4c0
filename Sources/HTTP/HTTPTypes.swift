/// Request methods the server distinguishes. Any other syntactically valid token is `.other`.
public enum HTTPMethod: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case get, head, post, put, delete, options, patch, trace, connect, other

    public var description: String {
        switch self {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .delete: "DELETE"
        case .options: "OPTIONS"
        case .patch: "PATCH"
        case .trace: "TRACE"
        case .connect: "CONNECT"
        case .other: "OTHER"
        }
    }

    /// Methods whose requests carry a body and therefore need a length (411 without one).
    public var requiresLength: Bool { self == .post || self == .put || self == .patch }
}

public enum HTTPVersion: UInt8, Sendable {
    case http10, http11
}

/// A response status: code and reason phrase.
public struct HTTPStatus: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let code: Int
    public let reason: StaticString

    public init(code: Int, reason: StaticString) { self.code = code; self.reason = reason }
    public static func == (a: HTTPStatus, b: HTTPStatus) -> Bool { a.code == b.code }
    public func hash(into h: inout Hasher) { h.combine(code) }
    public var description: String { "\(code) \(reason)" }

    public static let `continue` = HTTPStatus(code: 100, reason: "Continue")
    public static let ok = HTTPStatus(code: 200, reason: "OK")
    public static let noContent = HTTPStatus(code: 204, reason: "No Content")
    public static let badRequest = HTTPStatus(code: 400, reason: "Bad Request")
    public static let notFound = HTTPStatus(code: 404, reason: "Not Found")
    public static let methodNotAllowed = HTTPStatus(code: 405, reason: "Method Not Allowed")
    public static let requestTimeout = HTTPStatus(code: 408, reason: "Request Timeout")
    public static let lengthRequired = HTTPStatus(code: 411, reason: "Length Required")
    public static let contentTooLarge = HTTPStatus(code: 413, reason: "Content Too Large")
    public static let uriTooLong = HTTPStatus(code: 414, reason: "URI Too Long")
    public static let unsupportedMediaType = HTTPStatus(code: 415, reason: "Unsupported Media Type")
    public static let expectationFailed = HTTPStatus(code: 417, reason: "Expectation Failed")
    public static let tooManyRequests = HTTPStatus(code: 429, reason: "Too Many Requests")
    public static let headersTooLarge = HTTPStatus(code: 431, reason: "Request Header Fields Too Large")
    public static let internalServerError = HTTPStatus(code: 500, reason: "Internal Server Error")
    public static let notImplemented = HTTPStatus(code: 501, reason: "Not Implemented")
    public static let serviceUnavailable = HTTPStatus(code: 503, reason: "Service Unavailable")
    public static let versionNotSupported = HTTPStatus(code: 505, reason: "HTTP Version Not Supported")
}

/// Size limits enforced by the parser. Each has a default; each violation has its own status.
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request line (method, target, version) in bytes; longer is `414`.
    public var maxRequestLineBytes: Int
    /// Largest header section (all header lines, or all trailer lines) in bytes; larger is `431`.
    public var maxHeaderBytes: Int
    /// Most header fields; more is `431`.
    public var maxHeaderCount: Int
    /// Largest body in bytes (after de-chunking); larger is `413`.
    public var maxBodyBytes: Int

    public init(maxRequestLineBytes: Int = 8192, maxHeaderBytes: Int = 32768, maxHeaderCount: Int = 100,
                maxBodyBytes: Int = 16 << 20) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }

    public static let `default` = HTTPLimits()
}

/// Why the parser rejected a request: the status to answer with and a short text for the body.
/// After an error the connection must be closed (the stream position is unknown).
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: HTTPStatus
    public let message: StaticString
    /// A short, stable label for self-metrics (`limit_rejections_total{reason}`).
    public let reason: StaticString

    public init(_ status: HTTPStatus, _ message: StaticString, reason: StaticString) {
        self.status = status; self.message = message; self.reason = reason
    }
    public static func == (a: HTTPParseError, b: HTTPParseError) -> Bool {
        a.status == b.status && a.message.description == b.message.description
    }
    public var description: String { "\(status.code) \(message)" }
}
