import CShims
import Platform
#if canImport(Glibc)
import Glibc
#endif

/// An `http://` URL as the client needs it: host, port and request target.
///
/// Only `http` is supported: `https` is refused (put a TLS-terminating proxy in front). The
/// description leaves out the path and query, because webhook URLs often carry secrets there;
/// log `description`, never `target`.
public struct HTTPURL: Sendable, Equatable, CustomStringConvertible {
    /// A host name, a dotted IPv4 address, or an IPv6 address (without brackets).
    public var host: String
    /// The TCP port (80 when the URL names none).
    public var port: UInt16
    /// The path, starting with `/` ("/" when the URL has none).
    public var path: String
    /// The query after `?` (without it), or nil. The fragment is dropped.
    public var query: String?

    /// A URL from its parts, not validated (`send` still refuses a target with spaces or controls).
    public init(host: String, port: UInt16 = 80, path: String = "/", query: String? = nil) {
        self.host = host; self.port = port; self.path = path; self.query = query
    }

    /// The request target sent on the request line: path, then `?query` if present.
    public var target: String { query.map { "\(path)?\($0)" } ?? path }

    /// `host:port` (`[v6]:port` for IPv6), as used in error messages.
    public var hostPort: String { "\(bracketedHost):\(port)" }

    /// The `Host` header value: the host, with `:port` unless the port is 80.
    public var authority: String { port == 80 ? bracketedHost : hostPort }

    var bracketedHost: String { host.contains(":") ? "[\(host)]" : host }

    /// `http://host:port`, without path and query (they may hold secrets).
    public var description: String { "http://\(hostPort)" }

    /// Parses `http://host[:port][/path][?query][#fragment]`; nil when it does not parse (use
    /// `init(validating:)` to learn why).
    public static func parse(_ text: String) -> HTTPURL? { try? HTTPURL(validating: text) }

    /// Parses `http://host[:port][/path][?query][#fragment]`, where host is a name, a dotted
    /// IPv4 address or `[IPv6]`. Throws `.unsupportedScheme` for `https` and other schemes, and
    /// `.invalidRequest` for anything else wrong; the message never quotes the URL (it may hold
    /// secrets). User info (`user:pass@`) is refused: send credentials in a header.
    public init(validating text: String) throws(HTTPClientError) {
        func invalid(_ why: String) -> HTTPClientError { HTTPClientError(.invalidRequest, "invalid URL: \(why)") }
        let bytes = Array(text.utf8)
        guard let colon = bytes.firstIndex(of: 0x3A), bytes[..<colon].allSatisfy({ isTokenChar($0) }), colon > 0 else {
            throw invalid("missing scheme (expected http://host:port/path)")
        }
        let scheme = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
        if scheme == "https" {
            throw HTTPClientError(.unsupportedScheme, "https is not supported; put a TLS proxy in front")
        }
        guard scheme == "http" else {
            throw HTTPClientError(.unsupportedScheme, "URL scheme \"\(scheme)\" is not supported; only http is")
        }
        guard bytes.count >= colon + 3, bytes[colon + 1] == 0x2F, bytes[colon + 2] == 0x2F else {
            throw invalid("expected // after http:")
        }
        for b in bytes where b <= 0x20 || b >= 0x7F {
            throw invalid("contains a space, a control or a non-ASCII character (percent-encode it)")
        }
        var i = colon + 3
        let authorityStart = i
        while i < bytes.count && bytes[i] != 0x2F && bytes[i] != 0x3F && bytes[i] != 0x23 { i += 1 }
        let auth = bytes[authorityStart..<i]
        if auth.contains(0x40) { throw invalid("credentials in the URL are not supported; send them in a header") }
        var hostBytes: ArraySlice<UInt8>
        var portBytes: ArraySlice<UInt8>? = nil
        if auth.first == 0x5B {
            guard let close = auth.firstIndex(of: 0x5D) else { throw invalid("unterminated [IPv6] host") }
            hostBytes = auth[(auth.startIndex + 1)..<close]
            let rest = auth[(close + 1)...]
            if !rest.isEmpty {
                guard rest.first == 0x3A else { throw invalid("unexpected characters after [IPv6] host") }
                portBytes = rest.dropFirst()
            }
            var a6 = in6_addr()
            guard inet_pton(AF_INET6, String(decoding: hostBytes, as: UTF8.self), &a6) == 1 else {
                throw invalid("malformed IPv6 address")
            }
        } else {
            if let c = auth.firstIndex(of: 0x3A) {
                hostBytes = auth[..<c]
                portBytes = auth[(c + 1)...]
            } else {
                hostBytes = auth
            }
            guard hostBytes.count <= 253, hostBytes.allSatisfy({ b in
                (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || isDigit(b) || b == 0x2D || b == 0x2E || b == 0x5F
            }) else { throw invalid("malformed host") }
        }
        guard !hostBytes.isEmpty else { throw invalid("missing host") }
        var port: UInt16 = 80
        if let pb = portBytes {
            guard !pb.isEmpty, pb.count <= 5, pb.allSatisfy({ isDigit($0) }),
                  let v = UInt16(String(decoding: pb, as: UTF8.self)), v > 0 else {
                throw invalid("malformed port (expected 1-65535)")
            }
            port = v
        }
        var path = "/"
        var query: String? = nil
        let pathStart = i
        while i < bytes.count && bytes[i] != 0x3F && bytes[i] != 0x23 { i += 1 }
        if i > pathStart { path = String(decoding: bytes[pathStart..<i], as: UTF8.self) }
        if i < bytes.count && bytes[i] == 0x3F {
            let qStart = i + 1
            i = qStart
            while i < bytes.count && bytes[i] != 0x23 { i += 1 }
            query = String(decoding: bytes[qStart..<i], as: UTF8.self)
        }
        self.init(host: String(decoding: hostBytes, as: UTF8.self), port: port, path: path, query: query)
    }
}

/// A request for `HTTPClient.send`.
public struct HTTPClientRequest: Sendable {
    /// The method token, `POST` by default.
    public var method: String
    /// Where to send it; the request target is `url.target`.
    public var url: HTTPURL
    /// Extra header fields, sent in order after the client's own. The client writes `Host`,
    /// `User-Agent`, `Content-Length` and `Connection: close` itself; a `User-Agent` here replaces
    /// the client's, while `Host`, `Content-Length`, `Transfer-Encoding` and `Connection` are
    /// refused (`.invalidRequest`). Values are never logged or put in error messages.
    public var headers: [(String, String)]
    /// The body, sent as is with its `Content-Length` (also for an empty body).
    public var body: [UInt8]

    public init(method: String = "POST", url: HTTPURL, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.method = method; self.url = url; self.headers = headers; self.body = body
    }
}

/// A complete response. Any status, including 4xx and 5xx, is a response, not an error.
public struct HTTPClientResponse: Sendable {
    /// The final status code (100...599; interim 1xx responses are skipped).
    public var status: Int
    /// Header fields in order, as received.
    public var headers: [(name: String, value: String)]
    /// The body, de-chunked.
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status; self.headers = headers; self.body = body
    }

    /// The first value of header `name` (ASCII case-insensitive), or nil.
    public func header(_ name: String) -> String? {
        let n = name.lowercased()
        return headers.first { $0.name.lowercased() == n }?.value
    }
}

/// Why `HTTPClient.send` failed: a kind to branch on and a message naming what failed and where
/// (`connect to 127.0.0.1:9093: Connection refused (errno 111)`). Messages name the host and port,
/// never the path, query or header values.
public struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The failure classes.
    public enum Kind: Sendable, Equatable {
        /// `getaddrinfo` failed.
        case resolve
        /// Every resolved address refused or failed the connection.
        case connect
        /// The connect timeout, or the request timeout (send and receive), passed.
        case timeout
        /// Writing the request failed.
        case send
        /// Reading the response failed, or the peer closed before it was complete.
        case receive
        /// The response is not valid HTTP/1.x; the text says what is wrong.
        case malformedResponse(String)
        /// The status line, header section or body is over its limit.
        case responseTooLarge
        /// The URL's scheme is not `http`.
        case unsupportedScheme
        /// The URL, method or a header of the request is invalid (refused before connecting).
        case invalidRequest
    }

    /// What failed, to branch on (e.g. retry on `.connect` and `.timeout`).
    public var kind: Kind
    /// One line for logs: the operation, the peer's `host:port`, and why.
    public var message: String

    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
    public var description: String { message }
}

/// A small blocking HTTP/1.1 client for notifiers (Alertmanager, webhooks, paging endpoints).
///
/// Each `send` resolves the host (`getaddrinfo`, IPv4 and IPv6, tried in the resolver's order),
/// connects with a non-blocking `connect` bounded by `connectTimeout` (shared by all addresses),
/// writes the request and reads the response with `poll`, both within one `requestTimeout`, then
/// closes the connection. One connection per request (`Connection: close`): simple, and enough
/// for a few requests per second. Calls block the calling thread; the client holds no state, so
/// one instance may be used from several threads at once.
///
/// Limits: name resolution is not covered by the timeouts (`getaddrinfo` cannot be interrupted;
/// IP literals resolve without I/O). Responses are bounded by `HTTPResponseLimits` with
/// `maxResponseBody`. A response the server sends before the request is fully written (e.g. 413)
/// is read and returned. Nothing is logged; header values never appear in errors.
public final class HTTPClient: Sendable {
    /// Longest wait for a TCP connection, across all resolved addresses.
    public let connectTimeout: Duration
    /// Longest time from connected to a complete response (writing the request included).
    public let requestTimeout: Duration
    /// Largest response body in bytes; larger is `.responseTooLarge` (status line and headers
    /// have the fixed limits of `HTTPResponseLimits`).
    public let maxResponseBody: Int
    /// The `User-Agent` value, unless a request sets its own.
    public let userAgent: String

    public init(connectTimeout: Duration = .seconds(5), requestTimeout: Duration = .seconds(10),
                maxResponseBody: Int = 1 << 20, userAgent: String = "slod") {
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxResponseBody = maxResponseBody
        self.userAgent = userAgent
    }

    /// Sends `request` and returns the complete response, whatever its status. Blocks for at most
    /// about `connectTimeout + requestTimeout` plus name resolution.
    public func send(_ request: HTTPClientRequest) throws(HTTPClientError) -> HTTPClientResponse {
        let head = try encodeHead(request)
        let url = request.url
        let addresses = try ClientSocket.resolve(url)
        let connection = try ClientSocket.connect(addresses, hostPort: url.hostPort,
                                                  deadline: Clock.monotonicNanos() &+ connectTimeout.nanoseconds,
                                                  timeout: connectTimeout)
        defer { FD.close(connection.fd) }
        var out = head
        out.append(contentsOf: request.body)
        let limits = HTTPResponseLimits(maxBodyBytes: maxResponseBody)
        var parser = HTTPResponseParser(limits: limits, bodyless: request.method == "HEAD")
        return try exchange(fd: connection.fd, peer: connection.peer, out: out, parser: &parser)
    }

    /// Writes `out` and reads the response into `parser`, reading whenever the socket is
    /// readable so that an early answer (before the body is fully sent) is not missed.
    func exchange(fd: Int32, peer: String, out: [UInt8], parser: inout HTTPResponseParser) throws(HTTPClientError) -> HTTPClientResponse {
        let deadline = Clock.monotonicNanos() &+ requestTimeout.nanoseconds
        var sent = 0
        var sendError: Errno? = nil
        var buffer = [UInt8](repeating: 0, count: 16384)

        func finished(_ event: HTTPResponseParserEvent) throws(HTTPClientError) -> HTTPClientResponse? {
            switch event {
            case .needMore:
                return nil
            case .complete:
                return HTTPClientResponse(status: parser.status, headers: parser.headers, body: parser.body)
            case .error(let e):
                if let s = sendError, e == .truncated { throw HTTPClientError(.send, "send to \(peer): \(s)") }
                throw Self.error(e, peer: peer, limits: parser.limits)
            }
        }

        while true {
            let now = Clock.monotonicNanos()
            guard now < deadline else {
                throw HTTPClientError(.timeout, "request to \(peer): no complete response within \(requestTimeout)")
            }
            let wantWrite = sent < out.count && sendError == nil
            var pfd = pollfd(fd: fd, events: Int16(POLLIN) | (wantWrite ? Int16(POLLOUT) : 0), revents: 0)
            let ms = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
            let r = poll(&pfd, 1, ms)
            if r < 0 {
                let e = Errno.current
                if e.rawValue == EINTR { continue }
                throw HTTPClientError(.receive, "poll on connection to \(peer): \(e)")
            }
            if r == 0 { continue }
            let readable = pfd.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0
            if readable || !wantWrite {
                let n: Int?
                do {
                    n = try buffer.withUnsafeMutableBytes { (b) throws(Errno) -> Int? in try Socket.receive(fd, into: b.baseAddress!, count: b.count) }
                } catch {
                    if let s = sendError { throw HTTPClientError(.send, "send to \(peer): \(s)") }
                    throw HTTPClientError(.receive, "receive from \(peer): \(error)")
                }
                if let n {
                    let event = n == 0 ? parser.finish() : buffer.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    if let response = try finished(event) { return response }
                }
            }
            if wantWrite && pfd.revents & Int16(POLLOUT | POLLERR | POLLHUP) != 0 {
                let result = out.withUnsafeBytes { b -> Result<Int?, Errno> in
                    do throws(Errno) { return .success(try Socket.send(fd, b.baseAddress! + sent, count: b.count - sent)) }
                    catch { return .failure(error) }
                }
                switch result {
                case .success(let n): sent += n ?? 0
                // Keep reading: the server may have answered before closing (e.g. 413).
                case .failure(let e): sendError = e
                }
            }
        }
    }

    /// Maps a parser error to a client error naming the peer.
    static func error(_ e: HTTPResponseParseError, peer: String, limits: HTTPResponseLimits) -> HTTPClientError {
        switch e {
        case .truncated:
            return HTTPClientError(.receive, "receive from \(peer): \(e)")
        case .malformed(let m):
            return HTTPClientError(.malformedResponse(m), "malformed response from \(peer): \(m)")
        case .bodyTooLarge:
            return HTTPClientError(.responseTooLarge, "response from \(peer): body larger than \(limits.maxBodyBytes) bytes")
        case .statusLineTooLong:
            return HTTPClientError(.responseTooLarge, "response from \(peer): status line longer than \(limits.maxStatusLineBytes) bytes")
        case .headersTooLarge:
            return HTTPClientError(.responseTooLarge, "response from \(peer): header section larger than \(limits.maxHeaderBytes) bytes")
        case .tooManyHeaders:
            return HTTPClientError(.responseTooLarge, "response from \(peer): more than \(limits.maxHeaderCount) header fields")
        }
    }

    /// The request line and header section, validated. Header values are never quoted in errors.
    func encodeHead(_ request: HTTPClientRequest) throws(HTTPClientError) -> [UInt8] {
        guard !request.method.isEmpty, request.method.utf8.allSatisfy({ isTokenChar($0) }) else {
            throw HTTPClientError(.invalidRequest, "invalid request method")
        }
        for b in request.url.target.utf8 where b <= 0x20 || b >= 0x7F {
            throw HTTPClientError(.invalidRequest, "request target contains a space, a control or a non-ASCII character")
        }
        var userAgent = self.userAgent
        var extra: [(String, String)] = []
        for (name, value) in request.headers {
            guard !name.isEmpty, name.utf8.allSatisfy({ isTokenChar($0) }) else {
                throw HTTPClientError(.invalidRequest, "invalid header field name")
            }
            guard value.utf8.allSatisfy({ isFieldValueChar($0) }) else {
                throw HTTPClientError(.invalidRequest, "header \(name) has an invalid character (CR, LF or control) in its value")
            }
            switch name.lowercased() {
            case "host", "content-length", "transfer-encoding", "connection":
                throw HTTPClientError(.invalidRequest, "header \(name) is set by the client")
            case "user-agent":
                userAgent = value
            default:
                extra.append((name, value))
            }
        }
        guard userAgent.utf8.allSatisfy({ isFieldValueChar($0) }) else {
            throw HTTPClientError(.invalidRequest, "User-Agent has an invalid character")
        }
        var s = "\(request.method) \(request.url.target) HTTP/1.1\r\nHost: \(request.url.authority)\r\n"
        s += "User-Agent: \(userAgent)\r\nContent-Length: \(request.body.count)\r\nConnection: close\r\n"
        for (name, value) in extra { s += "\(name): \(value)\r\n" }
        s += "\r\n"
        return Array(s.utf8)
    }
}

// MARK: - Sockets

/// The client's socket calls: name resolution and a connect with a timeout. (Send and receive
/// use `Platform.Socket`.)
enum ClientSocket {
    struct Resolved {
        var storage: sockaddr_storage
        var length: socklen_t
        var family: Int32
        /// Numeric `host:port` (`[v6]:port`), for messages.
        var text: String
    }

    /// `getaddrinfo(3)` for a stream socket to `url.host`, port `url.port`; addresses in the
    /// resolver's order.
    static func resolve(_ url: HTTPURL) throws(HTTPClientError) -> [Resolved] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(url.host, String(url.port), &hints, &list)
        if rc != 0 {
            let why = rc == EAI_SYSTEM ? Errno.current.description : String(cString: gai_strerror(rc))
            throw HTTPClientError(.resolve, "resolve \(url.hostPort): \(why)")
        }
        defer { freeaddrinfo(list) }
        var out: [Resolved] = []
        var p = list
        while let ai = p {
            p = ai.pointee.ai_next
            let family = ai.pointee.ai_family
            guard family == AF_INET || family == AF_INET6, let sa = ai.pointee.ai_addr,
                  Int(ai.pointee.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size else { continue }
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { dst in
                dst.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: Int(ai.pointee.ai_addrlen)))
            }
            out.append(Resolved(storage: storage, length: ai.pointee.ai_addrlen, family: family,
                                text: numericText(storage, family: family, port: url.port)))
        }
        if out.isEmpty { throw HTTPClientError(.resolve, "resolve \(url.hostPort): no IPv4 or IPv6 address") }
        return out
    }

    static func numericText(_ storage: sockaddr_storage, family: Int32, port: UInt16) -> String {
        let s = storage
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let ok = withUnsafeBytes(of: s) { raw -> Bool in
            if family == AF_INET6 {
                var a = raw.load(as: sockaddr_in6.self).sin6_addr
                return inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count)) != nil
            }
            var a = raw.load(as: sockaddr_in.self).sin_addr
            return inet_ntop(AF_INET, &a, &buf, socklen_t(buf.count)) != nil
        }
        guard ok else { return "?:\(port)" }
        let host = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Connects to the first address that accepts, each attempt a non-blocking `connect(2)`
    /// waited on with `poll(2)` until `deadline` (monotonic nanoseconds). Returns a non-blocking,
    /// close-on-exec socket with `TCP_NODELAY`, owned by the caller.
    static func connect(_ addresses: [Resolved], hostPort: String, deadline: UInt64,
                        timeout: Duration) throws(HTTPClientError) -> (fd: Int32, peer: String) {
        var last: HTTPClientError? = nil
        for a in addresses {
            let fd = socket(a.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if fd < 0 {
                last = HTTPClientError(.connect, "connect to \(a.text): socket: \(Errno.current)")
                continue
            }
            switch attempt(fd, a, deadline: deadline) {
            case .connected:
                Socket.setNoDelay(fd)
                return (fd, a.text)
            case .failed(let e):
                FD.close(fd)
                last = HTTPClientError(.connect, "connect to \(a.text): \(e)")
            case .timedOut:
                FD.close(fd)
                throw HTTPClientError(.timeout, "connect to \(a.text): no connection within \(timeout)")
            }
        }
        throw last ?? HTTPClientError(.connect, "connect to \(hostPort): no address")
    }

    enum Attempt { case connected, failed(Errno), timedOut }

    static func attempt(_ fd: Int32, _ a: Resolved, deadline: UInt64) -> Attempt {
        var storage = a.storage
        let rc = withUnsafePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, a.length) }
        }
        if rc == 0 { return .connected }
        let e = cshim_errno()
        // An interrupted connect continues in the background, like EINPROGRESS.
        guard e == EINPROGRESS || e == EINTR else { return .failed(Errno(rawValue: e)) }
        while true {
            let now = Clock.monotonicNanos()
            guard now < deadline else { return .timedOut }
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let r = poll(&pfd, 1, Int32(clamping: (deadline - now + 999_999) / 1_000_000))
            if r < 0 {
                if cshim_errno() == EINTR { continue }
                return .failed(Errno.current)
            }
            if r == 0 { continue }
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 { return .failed(Errno.current) }
            return err == 0 ? .connected : .failed(Errno(rawValue: err))
        }
    }
}
