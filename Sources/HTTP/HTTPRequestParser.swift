#if canImport(Glibc)
import Glibc
#endif

/// What the parser needs from its caller next.
public enum HTTPParserEvent: Sendable, Equatable {
    /// The bytes so far are a valid prefix: append more and call `parse` again.
    case needMore
    /// The request line and headers are complete and valid (`head` is set). Reported once per
    /// request, before any body byte is consumed, so the caller can route, answer `100 Continue`
    /// or reject the request without reading its body. Call `parse` again to continue.
    case headComplete
    /// The whole request is complete: `head` and `bodyRange` are final and the request occupies
    /// the first `consumed` bytes of the buffer. Call `reset()` before the next request.
    case requestComplete(consumed: Int)
    /// The request is invalid; answer with `error.status` and close the connection.
    case error(HTTPParseError)
}

/// An incremental HTTP/1.1 request parser (RFC 9112) over a caller-owned buffer.
///
/// The caller keeps the bytes of the current request contiguous, starting at the request's first
/// byte, and calls `parse` with all bytes received so far each time more arrive. The parser
/// remembers how far it got, so a request split at any byte boundary parses identically and the
/// total work stays linear. It performs no I/O and never allocates per request once its header
/// array has grown (capacity is kept across `reset()`).
///
/// Chunked bodies are de-chunked in place: the body ends up contiguous at
/// `head.headLength ..< bodyEnd`, overwriting chunk framing. Offsets are relative to the
/// request's first byte, so the caller may move the request (compact or grow its buffer) between
/// calls.
public struct HTTPRequestParser: Sendable {
    enum State: Sendable, Equatable {
        case requestLine
        case headers
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case complete
        case failed
    }

    public let limits: HTTPLimits
    public private(set) var head = HTTPRequestHead()
    var state: State = .requestLine
    /// Next byte to examine.
    var pos = 0
    /// First byte of the line being scanned.
    var lineStart = 0
    /// First byte of the header (or trailer) section.
    var sectionStart = 0
    /// Where the next de-chunked body byte goes.
    var bodyEnd = 0
    var sawHost = 0
    var sawContentLength = false
    var sawTransferEncoding = false
    var headReported = false

    /// Longest chunk-size line (size, extensions) accepted.
    static let maxChunkLineBytes = 4096

    public init(limits: HTTPLimits = .default) {
        self.limits = limits
        head.headers.reserveCapacity(16)
    }

    /// The de-chunked body's byte range, relative to the request's first byte. Final after
    /// `.requestComplete`.
    public var bodyRange: Range<Int> { head.headLength..<bodyEnd }

    /// Whether some bytes of a request have been consumed (for idle vs. mid-request timeouts).
    public var isMidRequest: Bool { pos > 0 }

    /// Whether the head has been parsed and the body is being read.
    public var isReadingBody: Bool {
        switch state {
        case .body, .chunkSize, .chunkData, .chunkDataEnd, .trailers: return true
        default: return false
        }
    }

    /// Prepares for the next request, keeping allocated capacity.
    public mutating func reset() {
        head.reset()
        state = .requestLine
        pos = 0; lineStart = 0; sectionStart = 0; bodyEnd = 0
        sawHost = 0; sawContentLength = false; sawTransferEncoding = false; headReported = false
    }

    /// Continues parsing. `buffer` holds every byte of the current request received so far
    /// (starting at its first byte) and possibly bytes of pipelined requests after it, which are
    /// left untouched. Chunked framing inside `buffer` is rewritten in place.
    public mutating func parse(_ buffer: UnsafeMutableRawBufferPointer) -> HTTPParserEvent {
        guard let base = buffer.baseAddress else {
            // No bytes yet; a parser that already failed keeps saying so.
            return state == .failed ? .error(HTTPParseError(.badRequest, "parser used after an error", reason: "syntax")) : .needMore
        }
        let count = buffer.count
        while true {
            switch state {
            case .requestLine:
                guard let lf = findLF(base, from: pos, to: count) else {
                    pos = count
                    if count - lineStart - 1 > limits.maxRequestLineBytes {
                        return fail(.uriTooLong, "request line too long", "request_line")
                    }
                    return .needMore
                }
                let lineEnd = lineContentEnd(base, lineStart, lf)
                pos = lf + 1
                if lineEnd == lineStart {
                    // RFC 9112 §2.2: ignore empty lines before the request line (bounded).
                    if pos > limits.maxRequestLineBytes { return fail(.badRequest, "too many empty lines before request", "syntax") }
                    lineStart = pos
                    continue
                }
                if lineEnd - lineStart > limits.maxRequestLineBytes {
                    return fail(.uriTooLong, "request line too long", "request_line")
                }
                if let e = parseRequestLine(base, lineStart, lineEnd) { return fail(e) }
                lineStart = pos
                sectionStart = pos
                state = .headers

            case .headers, .trailers:
                let isTrailer = state == .trailers
                guard let lf = findLF(base, from: pos, to: count) else {
                    pos = count
                    let partial = count - lineStart
                    if partial >= 2 && (lineStart - sectionStart) + partial + 1 > limits.maxHeaderBytes {
                        return fail(.headersTooLarge, isTrailer ? "trailer section too large" : "header section too large", "header_bytes")
                    }
                    return .needMore
                }
                let lineEnd = lineContentEnd(base, lineStart, lf)
                pos = lf + 1
                if lineEnd == lineStart {
                    if isTrailer {
                        state = .complete
                        return .requestComplete(consumed: pos)
                    }
                    if let e = finishHead() { return fail(e) }
                    head.headLength = pos
                    bodyEnd = pos
                    headReported = true
                    return .headComplete
                }
                if pos - sectionStart > limits.maxHeaderBytes {
                    return fail(.headersTooLarge, isTrailer ? "trailer section too large" : "header section too large", "header_bytes")
                }
                if isTrailer {
                    if let e = validateFieldLine(base, lineStart, lineEnd) { return fail(e) }
                } else {
                    if head.headers.count >= limits.maxHeaderCount {
                        return fail(.headersTooLarge, "too many header fields", "header_count")
                    }
                    if let e = parseHeaderLine(base, lineStart, lineEnd) { return fail(e) }
                }
                lineStart = pos

            case .body(let remaining):
                let available = count - pos
                if available < remaining { return .needMore }
                pos += remaining
                bodyEnd = pos
                state = .complete
                return .requestComplete(consumed: pos)

            case .chunkSize:
                guard let lf = findLF(base, from: pos, to: count) else {
                    if count - pos > Self.maxChunkLineBytes { return fail(.badRequest, "chunk size line too long", "syntax") }
                    return .needMore
                }
                let lineEnd = lineContentEnd(base, pos, lf)
                switch parseChunkSize(base, pos, lineEnd) {
                case .failure(let e): return fail(e)
                case .success(let size):
                    pos = lf + 1
                    if size == 0 {
                        state = .trailers
                        lineStart = pos
                        sectionStart = pos
                    } else {
                        if size > limits.maxBodyBytes - (bodyEnd - head.headLength) {
                            return fail(.contentTooLarge, "request body too large", "body_bytes")
                        }
                        state = .chunkData(remaining: size)
                    }
                }

            case .chunkData(let remaining):
                let take = min(remaining, count - pos)
                if take == 0 { return .needMore }
                if bodyEnd != pos { memmove(base + bodyEnd, base + pos, take) }
                bodyEnd += take
                pos += take
                state = remaining == take ? .chunkDataEnd : .chunkData(remaining: remaining - take)
                if remaining != take { return .needMore }

            case .chunkDataEnd:
                guard pos < count else { return .needMore }
                let b = base.load(fromByteOffset: pos, as: UInt8.self)
                if b == 0x0A { pos += 1; state = .chunkSize; continue }
                guard b == 0x0D else { return fail(.badRequest, "chunk data not followed by CRLF", "syntax") }
                guard pos + 1 < count else { return .needMore }
                guard base.load(fromByteOffset: pos + 1, as: UInt8.self) == 0x0A else {
                    return fail(.badRequest, "chunk data not followed by CRLF", "syntax")
                }
                pos += 2
                state = .chunkSize

            case .complete:
                return .requestComplete(consumed: pos)

            case .failed:
                return .error(HTTPParseError(.badRequest, "parser used after an error", reason: "syntax"))
            }
        }
    }

    // MARK: - Lines

    @inline(__always)
    func findLF(_ base: UnsafeMutableRawPointer, from: Int, to: Int) -> Int? {
        guard from < to, let p = memchr(base + from, 0x0A, to - from) else { return nil }
        return p - UnsafeMutableRawPointer(base)
    }

    /// End of a line's content: the LF's index, minus one for a preceding CR.
    @inline(__always)
    func lineContentEnd(_ base: UnsafeMutableRawPointer, _ start: Int, _ lf: Int) -> Int {
        (lf > start && base.load(fromByteOffset: lf - 1, as: UInt8.self) == 0x0D) ? lf - 1 : lf
    }

    mutating func fail(_ status: HTTPStatus, _ message: StaticString, _ reason: StaticString) -> HTTPParserEvent {
        fail(HTTPParseError(status, message, reason: reason))
    }

    mutating func fail(_ e: HTTPParseError) -> HTTPParserEvent {
        state = .failed
        return .error(e)
    }

    // MARK: - Request line

    /// request-line = method SP request-target SP HTTP-version
    mutating func parseRequestLine(_ base: UnsafeMutableRawPointer, _ start: Int, _ end: Int) -> HTTPParseError? {
        let p = base.assumingMemoryBound(to: UInt8.self)
        var i = start
        while i < end && isTokenChar(p[i]) { i += 1 }
        guard i > start, i < end, p[i] == 0x20 else {
            return HTTPParseError(.badRequest, "malformed request line", reason: "syntax")
        }
        head.methodStart = start
        head.methodLength = i - start
        head.method = Self.method(p + start, i - start)
        i += 1
        let targetStart = i
        while i < end && p[i] > 0x20 && p[i] < 0x7F { i += 1 }
        guard i > targetStart, i < end, p[i] == 0x20 else {
            return HTTPParseError(.badRequest, "malformed request line", reason: "syntax")
        }
        head.targetStart = targetStart
        head.targetLength = i - targetStart
        i += 1
        // HTTP-version = "HTTP/" DIGIT "." DIGIT
        guard end - i == 8, p[i] == 0x48, p[i + 1] == 0x54, p[i + 2] == 0x54, p[i + 3] == 0x50, p[i + 4] == 0x2F,
              isDigit(p[i + 5]), p[i + 6] == 0x2E, isDigit(p[i + 7]) else {
            return HTTPParseError(.badRequest, "malformed HTTP version", reason: "syntax")
        }
        switch (p[i + 5], p[i + 7]) {
        case (0x31, 0x31): head.version = .http11; head.keepAlive = true
        case (0x31, 0x30): head.version = .http10; head.keepAlive = false
        default: return HTTPParseError(.versionNotSupported, "only HTTP/1.0 and HTTP/1.1 are supported", reason: "version")
        }
        return splitTarget(p, targetStart, targetStart + head.targetLength)
    }

    /// Splits origin-form (`/p?q`), absolute-form (`http://h/p?q`) and asterisk-form targets.
    mutating func splitTarget(_ p: UnsafeMutablePointer<UInt8>, _ start: Int, _ end: Int) -> HTTPParseError? {
        var pathStart = start
        var schemeSlash = start
        if p[start] != 0x2F {
            if end - start == 1 && p[start] == 0x2A && head.method == .options {
                head.pathStart = start; head.pathLength = 1
                return nil
            }
            // absolute-form: scheme "://" authority path-abempty
            var i = start
            while i < end && p[i] != 0x3A { i += 1 }
            guard i + 2 < end, p[i + 1] == 0x2F, p[i + 2] == 0x2F else {
                return HTTPParseError(.badRequest, "malformed request target", reason: "syntax")
            }
            schemeSlash = i + 2
            i += 3
            while i < end && p[i] != 0x2F && p[i] != 0x3F { i += 1 }
            pathStart = i
        }
        var q = pathStart
        while q < end && p[q] != 0x3F { q += 1 }
        head.pathStart = pathStart
        head.pathLength = q - pathStart
        if q < end {
            head.queryStart = q + 1
            head.queryLength = end - q - 1
        } else {
            head.queryStart = end
        }
        if head.pathLength == 0 {
            // "http://host" or "http://host?x" means path "/": point at the last "/" of "://"
            // so that the path stays a view of the request bytes.
            head.pathStart = schemeSlash
            head.pathLength = 1
        }
        return nil
    }

    static func method(_ p: UnsafeMutablePointer<UInt8>, _ n: Int) -> HTTPMethod {
        @inline(__always) func eq(_ s: StaticString) -> Bool {
            s.utf8CodeUnitCount == n && memcmp(p, s.utf8Start, n) == 0
        }
        switch n {
        case 3: return eq("GET") ? .get : eq("PUT") ? .put : .other
        case 4: return eq("POST") ? .post : eq("HEAD") ? .head : .other
        case 5: return eq("PATCH") ? .patch : eq("TRACE") ? .trace : .other
        case 6: return eq("DELETE") ? .delete : .other
        case 7: return eq("OPTIONS") ? .options : eq("CONNECT") ? .connect : .other
        default: return .other
        }
    }

    // MARK: - Header fields

    /// field-line = field-name ":" OWS field-value OWS
    mutating func parseHeaderLine(_ base: UnsafeMutableRawPointer, _ start: Int, _ end: Int) -> HTTPParseError? {
        let p = base.assumingMemoryBound(to: UInt8.self)
        if p[start] == 0x20 || p[start] == 0x09 {
            return HTTPParseError(.badRequest, "obsolete header line folding is not accepted", reason: "syntax")
        }
        var i = start
        while i < end && isTokenChar(p[i]) { i += 1 }
        guard i > start, i < end, p[i] == 0x3A else {
            return HTTPParseError(.badRequest, "malformed header field", reason: "syntax")
        }
        let nameEnd = i
        i += 1
        while i < end && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
        var vEnd = end
        while vEnd > i && (p[vEnd - 1] == 0x20 || p[vEnd - 1] == 0x09) { vEnd -= 1 }
        if !allFieldValueChars(p, i, vEnd) {
            return HTTPParseError(.badRequest, "invalid character in header value", reason: "syntax")
        }
        head.headers.append(HTTPHeaderField(nameStart: Int32(start), nameLength: Int32(nameEnd - start),
                                            valueStart: Int32(i), valueLength: Int32(vEnd - i)))
        return interpret(p, nameStart: start, nameLength: nameEnd - start, valueStart: i, valueEnd: vEnd)
    }

    /// Validates a trailer line without storing it.
    func validateFieldLine(_ base: UnsafeMutableRawPointer, _ start: Int, _ end: Int) -> HTTPParseError? {
        let p = base.assumingMemoryBound(to: UInt8.self)
        var i = start
        while i < end && isTokenChar(p[i]) { i += 1 }
        guard i > start, i < end, p[i] == 0x3A else {
            return HTTPParseError(.badRequest, "malformed trailer field", reason: "syntax")
        }
        for j in (i + 1)..<end where !isFieldValueChar(p[j]) {
            return HTTPParseError(.badRequest, "invalid character in trailer value", reason: "syntax")
        }
        return nil
    }

    /// Applies the headers that change framing or connection handling.
    mutating func interpret(_ p: UnsafeMutablePointer<UInt8>, nameStart: Int, nameLength: Int, valueStart: Int, valueEnd: Int) -> HTTPParseError? {
        @inline(__always) func nameIs(_ s: StaticString) -> Bool {
            guard s.utf8CodeUnitCount == nameLength else { return false }
            for k in 0..<nameLength where lowerASCII(p[nameStart + k]) != s.utf8Start[k] { return false }
            return true
        }
        switch nameLength {
        case 4 where nameIs("host"):
            sawHost += 1
        case 14 where nameIs("content-length"):
            guard valueEnd > valueStart else { return HTTPParseError(.badRequest, "invalid Content-Length", reason: "syntax") }
            var v = 0
            for k in valueStart..<valueEnd {
                guard isDigit(p[k]) else { return HTTPParseError(.badRequest, "invalid Content-Length", reason: "syntax") }
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(p[k] - 0x30))
                if o1 || o2 { return HTTPParseError(.contentTooLarge, "request body too large", reason: "body_bytes") }
                v = a
            }
            if sawContentLength && head.contentLength != v {
                return HTTPParseError(.badRequest, "conflicting Content-Length headers", reason: "syntax")
            }
            sawContentLength = true
            head.contentLength = v
        case 17 where nameIs("transfer-encoding"):
            // The list must end with "chunked"; any other coding is not implemented.
            sawTransferEncoding = true
            var k = valueStart
            var chunkedLast = false
            while k < valueEnd {
                while k < valueEnd && (p[k] == 0x20 || p[k] == 0x09 || p[k] == 0x2C) { k += 1 }
                let s = k
                while k < valueEnd && p[k] != 0x2C && p[k] != 0x3B { k += 1 }
                var e = k
                while e > s && (p[e - 1] == 0x20 || p[e - 1] == 0x09) { e -= 1 }
                if k < valueEnd && p[k] == 0x3B { while k < valueEnd && p[k] != 0x2C { k += 1 } }
                if e == s { continue }
                if chunkedLast { return HTTPParseError(.badRequest, "chunked must be the final transfer coding", reason: "syntax") }
                if Self.equalsLower(p + s, e - s, "chunked") { chunkedLast = true }
                else { return HTTPParseError(.notImplemented, "unsupported transfer coding", reason: "transfer_coding") }
            }
            guard chunkedLast else { return HTTPParseError(.badRequest, "empty Transfer-Encoding", reason: "syntax") }
            if head.isChunked { return HTTPParseError(.badRequest, "chunked applied twice", reason: "syntax") }
            head.isChunked = true
        case 10 where nameIs("connection"):
            var k = valueStart
            while k < valueEnd {
                while k < valueEnd && (p[k] == 0x20 || p[k] == 0x09 || p[k] == 0x2C) { k += 1 }
                let s = k
                while k < valueEnd && p[k] != 0x2C && p[k] != 0x20 && p[k] != 0x09 { k += 1 }
                if Self.equalsLower(p + s, k - s, "close") { head.keepAlive = false }
                else if Self.equalsLower(p + s, k - s, "keep-alive") && head.version == .http10 { head.keepAlive = true }
            }
        case 6 where nameIs("expect"):
            if Self.equalsLower(p + valueStart, valueEnd - valueStart, "100-continue") {
                head.expectContinue = true
            } else {
                return HTTPParseError(.expectationFailed, "only Expect: 100-continue is supported", reason: "expect")
            }
        default:
            break
        }
        return nil
    }

    /// Checks the head as a whole once the blank line arrived and chooses the body framing.
    mutating func finishHead() -> HTTPParseError? {
        if head.version == .http11 && sawHost != 1 {
            return HTTPParseError(.badRequest, sawHost == 0 ? "missing Host header" : "multiple Host headers", reason: "syntax")
        }
        if sawTransferEncoding {
            if sawContentLength {
                return HTTPParseError(.badRequest, "both Transfer-Encoding and Content-Length", reason: "syntax")
            }
            if head.version == .http10 {
                return HTTPParseError(.badRequest, "Transfer-Encoding in an HTTP/1.0 request", reason: "syntax")
            }
            head.contentLength = nil
            state = .chunkSize
            return nil
        }
        if let n = head.contentLength {
            if n > limits.maxBodyBytes {
                return HTTPParseError(.contentTooLarge, "request body too large", reason: "body_bytes")
            }
            state = .body(remaining: n)
            return nil
        }
        if head.method.requiresLength {
            return HTTPParseError(.lengthRequired, "Content-Length or chunked body required", reason: "length_required")
        }
        head.contentLength = 0
        state = .body(remaining: 0)
        return nil
    }

    // MARK: - Chunks

    enum ChunkSizeResult { case success(Int), failure(HTTPParseError) }

    /// chunk-size [ chunk-ext ] ; chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] )
    func parseChunkSize(_ base: UnsafeMutableRawPointer, _ start: Int, _ end: Int) -> ChunkSizeResult {
        let p = base.assumingMemoryBound(to: UInt8.self)
        var i = start
        var size = 0
        while i < end, let d = hexValue(p[i]) {
            if i - start >= 15 { return .failure(HTTPParseError(.contentTooLarge, "chunk too large", reason: "body_bytes")) }
            size = size << 4 | d
            i += 1
        }
        guard i > start else { return .failure(HTTPParseError(.badRequest, "invalid chunk size", reason: "syntax")) }
        while i < end && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
        if i < end {
            guard p[i] == 0x3B else { return .failure(HTTPParseError(.badRequest, "invalid chunk size", reason: "syntax")) }
            for j in i..<end where !isFieldValueChar(p[j]) {
                return .failure(HTTPParseError(.badRequest, "invalid chunk extension", reason: "syntax"))
            }
        }
        return .success(size)
    }

    static func equalsLower(_ p: UnsafeMutablePointer<UInt8>, _ n: Int, _ s: StaticString) -> Bool {
        guard n == s.utf8CodeUnitCount else { return false }
        for k in 0..<n where lowerASCII(p[k]) != s.utf8Start[k] { return false }
        return true
    }
}

// MARK: - Character classes (RFC 9110 §5.6.2, §5.5)

/// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA,
/// as a 128-bit set: bit `b` of (low, high) for byte `b` < 128.
@usableFromInline let tokenLow: UInt64 = 0x03FF_6CFA_0000_0000
@usableFromInline let tokenHigh: UInt64 = 0x57FF_FFFF_C7FF_FFFE

@inline(__always) func isTokenChar(_ b: UInt8) -> Bool {
    b < 64 ? (tokenLow >> UInt64(b)) & 1 == 1 : b < 128 ? (tokenHigh >> UInt64(b - 64)) & 1 == 1 : false
}
@inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
/// Whether every byte in `p[start..<end]` is a field-value character. Checks eight bytes at a
/// time: a word passes when no byte is below 0x20 and none is 0x7F; words that fail (a TAB,
/// or a real control byte) are re-checked byte by byte.
@inline(__always) func allFieldValueChars(_ p: UnsafeMutablePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    var j = start
    while j + 8 <= end {
        let w = UnsafeRawPointer(p + j).loadUnaligned(as: UInt64.self)
        let below20 = (w &- ones &* 0x20) & ~w & highs
        let x = w ^ (ones &* 0x7F)
        let is7F = (x &- ones) & ~x & highs
        if below20 | is7F != 0 {
            for k in j..<(j + 8) where !isFieldValueChar(p[k]) { return false }
        }
        j += 8
    }
    while j < end {
        if !isFieldValueChar(p[j]) { return false }
        j += 1
    }
    return true
}

/// field-vchar / SP / HTAB / obs-text
@inline(__always) func isFieldValueChar(_ b: UInt8) -> Bool { b == 0x09 || (b >= 0x20 && b != 0x7F) }
@inline(__always) func hexValue(_ b: UInt8) -> Int? {
    switch b {
    case 0x30...0x39: return Int(b - 0x30)
    case 0x41...0x46: return Int(b - 0x41 + 10)
    case 0x61...0x66: return Int(b - 0x61 + 10)
    default: return nil
    }
}
