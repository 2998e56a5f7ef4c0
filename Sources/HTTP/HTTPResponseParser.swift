/// Size limits for one HTTP response read by `HTTPClient`. Each has a default; each violation
/// has its own `HTTPResponseParseError`.
public struct HTTPResponseLimits: Sendable, Equatable {
    /// Longest status line in bytes (without its line ending); longer is `.statusLineTooLong`.
    public var maxStatusLineBytes: Int
    /// Largest header section (all header lines with their line endings, or all trailer lines)
    /// in bytes; larger is `.headersTooLarge`.
    public var maxHeaderBytes: Int
    /// Most header fields (and, separately, most trailer fields); more is `.tooManyHeaders`.
    public var maxHeaderCount: Int
    /// Largest body in bytes after de-chunking; larger is `.bodyTooLarge`. A `Content-Length`
    /// above it fails as soon as the header section ends, before any body byte is read.
    public var maxBodyBytes: Int

    /// Limits with the given values; the defaults are slod's client limits.
    public init(maxStatusLineBytes: Int = 8192, maxHeaderBytes: Int = 65536, maxHeaderCount: Int = 100,
                maxBodyBytes: Int = 1 << 20) {
        self.maxStatusLineBytes = maxStatusLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }

    /// 8 KiB status line, 64 KiB and 100 header fields, 1 MiB body.
    public static let `default` = HTTPResponseLimits()
}

/// Why a response could not be parsed. After an error the parser stays failed.
public enum HTTPResponseParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The status line is longer than `maxStatusLineBytes`.
    case statusLineTooLong
    /// The header (or trailer) section is larger than `maxHeaderBytes`.
    case headersTooLarge
    /// More than `maxHeaderCount` header (or trailer) fields.
    case tooManyHeaders
    /// The body is, or announces that it will be, larger than `maxBodyBytes`.
    case bodyTooLarge
    /// The bytes are not a valid HTTP/1.x response; the text says what is wrong (never quotes
    /// the input).
    case malformed(String)
    /// The input ended (the peer closed) before the response was complete.
    case truncated

    /// Whether a size limit was exceeded (as opposed to a syntax error).
    public var isLimit: Bool {
        switch self {
        case .statusLineTooLong, .headersTooLarge, .tooManyHeaders, .bodyTooLarge: return true
        case .malformed, .truncated: return false
        }
    }

    public var description: String {
        switch self {
        case .statusLineTooLong: return "status line too long"
        case .headersTooLarge: return "header section too large"
        case .tooManyHeaders: return "too many header fields"
        case .bodyTooLarge: return "body too large"
        case .malformed(let m): return m
        case .truncated: return "connection closed before the response was complete"
        }
    }
}

/// What the response parser needs from its caller next.
public enum HTTPResponseParserEvent: Sendable, Equatable {
    /// Every byte given was consumed and the response is not complete: feed more, or call
    /// `finish()` when the peer closed.
    case needMore
    /// The response is complete (`status`, `headers` and `body` are final). `consumed` is how many
    /// bytes of the last buffer belong to it; the rest are not part of this response.
    case complete(consumed: Int)
    /// The response is invalid or over a limit.
    case error(HTTPResponseParseError)
}

/// An incremental HTTP/1.1 response parser (RFC 9112) for `HTTPClient`.
///
/// Push bytes as they arrive with `parse(_:)`; call `finish()` when the peer closes its side. The
/// parser copies what it keeps (the current line, the header strings, the body), so the caller's
/// buffer may be reused as soon as `parse` returns, and a response split at any byte boundary
/// parses identically. It performs no I/O and never traps, whatever the input.
///
/// Framing (RFC 9112 §6.3): no body for a response to HEAD (`bodyless`) or for status 1xx, 204
/// and 304; otherwise `Transfer-Encoding: chunked` (which overrides `Content-Length`), else
/// `Content-Length`, else everything until the peer closes. Interim `1xx` responses other than
/// `101` are skipped (at most 8). Only the `chunked` transfer coding is accepted. Chunk extensions
/// are validated and ignored; trailer fields are validated, counted against the header limits and
/// dropped. Lines may end in CRLF or a bare LF. Header values keep their bytes, decoded as UTF-8
/// (invalid sequences become U+FFFD).
///
/// Cost: status, header, chunk-size and trailer lines are scanned one byte at a time (they are
/// small and bounded); body bytes are copied in bulk.
public struct HTTPResponseParser: Sendable {
    enum State: Sendable, Equatable {
        case statusLine
        case headers
        case body(remaining: Int)
        case untilClose
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case complete
        case failed(HTTPResponseParseError)
    }

    /// The limits this parser enforces.
    public let limits: HTTPResponseLimits
    /// The request was HEAD: the response has no body whatever its headers say.
    public let bodyless: Bool

    /// The status code (100...599); 0 until the status line is parsed.
    public private(set) var status = 0
    /// Header fields in order, as received (names keep their case). Final once complete.
    public private(set) var headers: [(name: String, value: String)] = []
    /// The (de-chunked) body so far; final once complete.
    public private(set) var body: [UInt8] = []

    var state: State = .statusLine
    /// The line being scanned, without its line ending.
    var line: [UInt8] = []
    /// Bytes of the current header or trailer section so far.
    var sectionBytes = 0
    /// Trailer fields so far.
    var trailerCount = 0
    var contentLength: Int? = nil
    var chunked = false
    var interimResponses = 0

    /// Longest chunk-size line (size and extensions) accepted.
    static let maxChunkLineBytes = 4096
    /// Most interim (1xx) responses skipped before the final one.
    static let maxInterimResponses = 8

    /// A parser for one response. Pass `bodyless: true` when the request was HEAD.
    public init(limits: HTTPResponseLimits = .default, bodyless: Bool = false) {
        self.limits = limits
        self.bodyless = bodyless
    }

    /// Whether the response is complete.
    public var isComplete: Bool { state == .complete }

    /// The response, once complete; nil before.
    public var response: HTTPClientResponse? {
        isComplete ? HTTPClientResponse(status: status, headers: headers, body: body) : nil
    }

    /// Consumes `bytes`. Returns `.complete` as soon as the response ends (later bytes are left
    /// alone), `.needMore` when all bytes were consumed without ending it, or `.error`. Once
    /// complete or failed, every further call returns `.complete(consumed: 0)` or the same error.
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) -> HTTPResponseParserEvent {
        var i = 0
        let n = bytes.count
        while true {
            switch state {
            case .complete:
                return .complete(consumed: i)
            case .failed(let e):
                return .error(e)
            case .body(let remaining):
                let take = min(remaining, n - i)
                if take > 0 { body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)])) }
                i += take
                if remaining == take { state = .complete; continue }
                state = .body(remaining: remaining - take)
                return .needMore
            case .untilClose:
                let take = n - i
                if take > limits.maxBodyBytes - body.count { return fail(.bodyTooLarge) }
                if take > 0 { body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<n])) }
                return .needMore
            case .chunkData(let remaining):
                let take = min(remaining, n - i)
                if take > 0 { body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)])) }
                i += take
                if remaining == take { state = .chunkDataEnd; continue }
                state = .chunkData(remaining: remaining - take)
                return .needMore
            case .statusLine, .headers, .chunkSize, .chunkDataEnd, .trailers:
                // One byte of a line. Line limits are checked per byte, so where the input is
                // split cannot change the outcome.
                guard i < n else { return .needMore }
                let b = bytes[i]
                i += 1
                if let e = lineByte(b) { return fail(e) }
            }
        }
    }

    /// `parse(_:)` over an array.
    public mutating func parse(_ bytes: [UInt8]) -> HTTPResponseParserEvent {
        bytes.withUnsafeBytes { parse($0) }
    }

    /// Tells the parser that the peer closed its side. Completes a read-until-close body;
    /// anything else unfinished is `.truncated`.
    public mutating func finish() -> HTTPResponseParserEvent {
        switch state {
        case .complete: return .complete(consumed: 0)
        case .failed(let e): return .error(e)
        case .untilClose:
            state = .complete
            return .complete(consumed: 0)
        default:
            return fail(.truncated)
        }
    }

    mutating func fail(_ e: HTTPResponseParseError) -> HTTPResponseParserEvent {
        state = .failed(e)
        return .error(e)
    }

    // MARK: - Lines

    /// Adds one byte to the current line; handles the line when `b` ends it.
    mutating func lineByte(_ b: UInt8) -> HTTPResponseParseError? {
        if state == .headers || state == .trailers {
            sectionBytes += 1
            if sectionBytes > limits.maxHeaderBytes { return .headersTooLarge }
        }
        if b != 0x0A {
            line.append(b)
            switch state {
            case .statusLine:
                // +1: the CR of a CRLF ending is not content.
                if line.count > limits.maxStatusLineBytes + 1 || (line.count == limits.maxStatusLineBytes + 1 && b != 0x0D) {
                    return .statusLineTooLong
                }
            case .chunkSize:
                if line.count > Self.maxChunkLineBytes { return .malformed("chunk size line too long") }
            case .chunkDataEnd:
                if line.count > 1 || b != 0x0D { return .malformed("chunk data not followed by CRLF") }
            default:
                break
            }
            return nil
        }
        if line.last == 0x0D { line.removeLast() }
        defer { line.removeAll(keepingCapacity: true) }
        switch state {
        case .statusLine:
            return statusLineEnded()
        case .headers:
            return line.isEmpty ? headEnded() : headerLineEnded()
        case .chunkSize:
            return chunkSizeLineEnded()
        case .chunkDataEnd:
            if !line.isEmpty { return .malformed("chunk data not followed by CRLF") }
            state = .chunkSize
            return nil
        case .trailers:
            if line.isEmpty {
                state = .complete
                return nil
            }
            trailerCount += 1
            if trailerCount > limits.maxHeaderCount { return .tooManyHeaders }
            return splitField() == nil ? .malformed("malformed trailer field") : nil
        default:
            return nil
        }
    }

    /// status-line = HTTP-version SP status-code SP [ reason-phrase ]. A missing SP after the
    /// code is accepted (some servers omit it with an empty reason).
    mutating func statusLineEnded() -> HTTPResponseParseError? {
        let p = line
        guard p.count >= 12, p[0] == 0x48, p[1] == 0x54, p[2] == 0x54, p[3] == 0x50, p[4] == 0x2F,
              p[5] == 0x31, p[6] == 0x2E, isDigit(p[7]), p[8] == 0x20 else {
            return .malformed("malformed status line")
        }
        guard isDigit(p[9]), isDigit(p[10]), isDigit(p[11]), p.count == 12 || p[12] == 0x20 else {
            return .malformed("malformed status code")
        }
        let code = Int(p[9] - 0x30) * 100 + Int(p[10] - 0x30) * 10 + Int(p[11] - 0x30)
        guard (100...599).contains(code) else { return .malformed("status code out of range") }
        for k in 12..<p.count where !isFieldValueChar(p[k]) {
            return .malformed("invalid character in reason phrase")
        }
        status = code
        state = .headers
        sectionBytes = 0
        return nil
    }

    /// Splits `line` as field-name ":" OWS field-value OWS; nil when it is not a valid field.
    func splitField() -> (name: Range<Int>, value: Range<Int>)? {
        let p = line
        var i = 0
        while i < p.count && isTokenChar(p[i]) { i += 1 }
        guard i > 0, i < p.count, p[i] == 0x3A else { return nil }
        let nameEnd = i
        i += 1
        while i < p.count && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
        var end = p.count
        while end > i && (p[end - 1] == 0x20 || p[end - 1] == 0x09) { end -= 1 }
        for k in i..<end where !isFieldValueChar(p[k]) { return nil }
        return (0..<nameEnd, i..<end)
    }

    mutating func headerLineEnded() -> HTTPResponseParseError? {
        if line[0] == 0x20 || line[0] == 0x09 { return .malformed("obsolete header line folding is not accepted") }
        if headers.count >= limits.maxHeaderCount { return .tooManyHeaders }
        guard let field = splitField() else { return .malformed("malformed header field") }
        headers.append((String(decoding: line[field.name], as: UTF8.self), String(decoding: line[field.value], as: UTF8.self)))
        return interpret(name: field.name, value: field.value)
    }

    /// Applies the headers that decide the body's framing.
    mutating func interpret(name: Range<Int>, value: Range<Int>) -> HTTPResponseParseError? {
        if equalsLower(line[name], "content-length") {
            // A list of identical values ("5, 5") is allowed (RFC 9110 §8.6).
            var k = value.lowerBound
            while k < value.upperBound {
                var v = 0
                let start = k
                while k < value.upperBound && isDigit(line[k]) {
                    let (m, o1) = v.multipliedReportingOverflow(by: 10)
                    let (a, o2) = m.addingReportingOverflow(Int(line[k] - 0x30))
                    if o1 || o2 { return .bodyTooLarge }
                    v = a
                    k += 1
                }
                if k == start { return .malformed("invalid Content-Length") }
                if let c = contentLength, c != v { return .malformed("conflicting Content-Length values") }
                contentLength = v
                while k < value.upperBound && (line[k] == 0x20 || line[k] == 0x09) { k += 1 }
                if k < value.upperBound {
                    guard line[k] == 0x2C else { return .malformed("invalid Content-Length") }
                    k += 1
                    while k < value.upperBound && (line[k] == 0x20 || line[k] == 0x09) { k += 1 }
                    if k == value.upperBound { return .malformed("invalid Content-Length") }
                }
            }
            if value.isEmpty { return .malformed("invalid Content-Length") }
        } else if equalsLower(line[name], "transfer-encoding") {
            // Only "chunked", once, is accepted: a body in any other coding would reach the
            // caller still encoded.
            var k = value.lowerBound
            while k < value.upperBound {
                while k < value.upperBound && (line[k] == 0x20 || line[k] == 0x09 || line[k] == 0x2C) { k += 1 }
                let s = k
                while k < value.upperBound && line[k] != 0x2C { k += 1 }
                var e = k
                while e > s && (line[e - 1] == 0x20 || line[e - 1] == 0x09) { e -= 1 }
                if e == s { continue }
                guard equalsLower(line[s..<e], "chunked") else { return .malformed("unsupported transfer coding") }
                if chunked { return .malformed("chunked applied twice") }
                chunked = true
            }
            if !chunked { return .malformed("empty Transfer-Encoding") }
        }
        return nil
    }

    /// The blank line after the headers: skips interim responses, then chooses the framing.
    mutating func headEnded() -> HTTPResponseParseError? {
        if status >= 100 && status < 200 && status != 101 {
            interimResponses += 1
            if interimResponses > Self.maxInterimResponses { return .malformed("too many interim responses") }
            status = 0
            headers.removeAll()
            contentLength = nil
            chunked = false
            state = .statusLine
            return nil
        }
        if bodyless || status < 200 || status == 204 || status == 304 {
            state = .complete
        } else if chunked {
            state = .chunkSize
        } else if let c = contentLength {
            if c > limits.maxBodyBytes { return .bodyTooLarge }
            body.reserveCapacity(c)
            state = c == 0 ? .complete : .body(remaining: c)
        } else {
            state = .untilClose
        }
        return nil
    }

    /// chunk-size [ chunk-ext ] ; chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] )
    mutating func chunkSizeLineEnded() -> HTTPResponseParseError? {
        let p = line
        var i = 0
        var size = 0
        while i < p.count, let d = hexValue(p[i]) {
            if i >= 15 { return .bodyTooLarge }
            size = size << 4 | d
            i += 1
        }
        guard i > 0 else { return .malformed("invalid chunk size") }
        while i < p.count && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
        if i < p.count {
            guard p[i] == 0x3B else { return .malformed("invalid chunk size") }
            for j in i..<p.count where !isFieldValueChar(p[j]) { return .malformed("invalid chunk extension") }
        }
        if size > limits.maxBodyBytes - body.count { return .bodyTooLarge }
        if size == 0 {
            state = .trailers
            sectionBytes = 0
        } else {
            state = .chunkData(remaining: size)
        }
        return nil
    }

    func equalsLower(_ bytes: ArraySlice<UInt8>, _ s: StaticString) -> Bool {
        guard bytes.count == s.utf8CodeUnitCount else { return false }
        var k = 0
        for b in bytes {
            if lowerASCII(b) != s.utf8Start[k] { return false }
            k += 1
        }
        return true
    }
}

// MARK: - Test and fuzz driver

/// Feeds bytes to an `HTTPResponseParser` in pieces and records the outcome, so tests and the
/// fuzz target can check that a response split at any byte boundary parses identically. Not
/// used by `HTTPClient` (which feeds what `recv` returns).
public enum HTTPResponseParseDriver {
    /// What a whole input produced, everything copied out.
    public enum Outcome: Equatable, Sendable, CustomStringConvertible {
        /// A complete response: status, headers as "Name: value", body, and how many input bytes
        /// it used.
        case response(status: Int, headers: [String], body: [UInt8], consumed: Int)
        /// The response was invalid, over a limit, or unfinished (`.truncated`).
        case error(HTTPResponseParseError)

        public var description: String {
            switch self {
            case .response(let s, let h, let b, let c): return "\(s) headers=\(h) body=\(b.count)B consumed=\(c)"
            case .error(let e): return "error: \(e)"
            }
        }
    }

    /// Parses `input` delivered in pieces of `split` bytes (all at once when nil), then signals
    /// end of input if the response is still unfinished.
    public static func parseAll(_ input: [UInt8], limits: HTTPResponseLimits = .default, bodyless: Bool = false,
                                split: Int?) -> Outcome {
        var parser = HTTPResponseParser(limits: limits, bodyless: bodyless)
        let step = max(1, split ?? input.count)
        var fed = 0
        var event = HTTPResponseParserEvent.needMore
        while fed < input.count {
            let n = min(step, input.count - fed)
            event = input[fed..<(fed + n)].withUnsafeBytes { parser.parse($0) }
            if case .complete(let c) = event { fed += c; break }
            if case .error = event { break }
            fed += n
        }
        if event == .needMore { event = parser.finish() }
        switch event {
        case .complete:
            return .response(status: parser.status, headers: parser.headers.map { "\($0.name): \($0.value)" },
                             body: parser.body, consumed: fed)
        case .error(let e):
            return .error(e)
        case .needMore:
            return .error(.truncated)
        }
    }
}
