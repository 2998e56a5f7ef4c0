import Testing
@testable import HTTP

/// Builds a request from lines joined with CRLF.
func req(_ lines: String...) -> [UInt8] { Array(lines.joined(separator: "\r\n").utf8) }

@Suite struct HTTPParserValidRequests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let input: [UInt8]
        let check: @Sendable (HTTPParseDriver.Parsed) -> Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "simple GET", input: req("GET /-/healthy HTTP/1.1", "Host: x", "", "")) {
            $0.method == "GET" && $0.path == "/-/healthy" && $0.version == .http11 && $0.keepAlive && $0.body.isEmpty
        },
        Case(name: "query split from path", input: req("GET /metrics?a=1&b=2 HTTP/1.1", "Host: x", "", "")) {
            $0.path == "/metrics" && $0.query == "a=1&b=2" && $0.target == "/metrics?a=1&b=2"
        },
        Case(name: "absolute-form target", input: req("GET http://example.com:9/v1/metrics?x HTTP/1.1", "Host: example.com", "", "")) {
            $0.path == "/v1/metrics" && $0.query == "x"
        },
        Case(name: "absolute-form without path is /", input: req("GET http://example.com HTTP/1.1", "Host: example.com", "", "")) {
            $0.path == "/"
        },
        Case(name: "HTTP/1.0 defaults to close", input: req("GET / HTTP/1.0", "", "")) {
            $0.version == .http10 && !$0.keepAlive
        },
        Case(name: "HTTP/1.0 keep-alive", input: req("GET / HTTP/1.0", "Connection: Keep-Alive", "", "")) {
            $0.version == .http10 && $0.keepAlive
        },
        Case(name: "Connection: close", input: req("GET / HTTP/1.1", "Host: x", "Connection: close", "", "")) {
            !$0.keepAlive
        },
        Case(name: "Connection token list", input: req("GET / HTTP/1.1", "Host: x", "Connection: upgrade, close", "", "")) {
            !$0.keepAlive
        },
        Case(name: "Content-Length body", input: req("POST /v1/metrics HTTP/1.1", "Host: x", "Content-Length: 5", "", "hello")) {
            $0.method == "POST" && $0.body == Array("hello".utf8)
        },
        Case(name: "zero Content-Length", input: req("POST /v1/metrics HTTP/1.1", "Host: x", "Content-Length: 0", "", "")) {
            $0.body.isEmpty
        },
        Case(name: "repeated identical Content-Length", input: req("POST / HTTP/1.1", "Host: x", "Content-Length: 2", "Content-Length: 2", "", "ab")) {
            $0.body == Array("ab".utf8)
        },
        Case(name: "chunked body", input: req("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", "", "5", "hello", "6", " world", "0", "", "")) {
            $0.body == Array("hello world".utf8)
        },
        Case(name: "chunked with extensions and trailers", input: req("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", "",
                                                                     "3;name=value;x", "abc", "A; ext=\"q\"", "0123456789", "0;last", "Trailer-One: 1", "Checksum: abc", "", "")) {
            $0.body == Array("abc0123456789".utf8)
        },
        Case(name: "chunk size in upper and lower hex", input: req("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: Chunked", "", "a", "0123456789", "B", "0123456789a", "0", "", "")) {
            $0.body.count == 21
        },
        Case(name: "Expect 100-continue", input: req("POST / HTTP/1.1", "Host: x", "Expect: 100-Continue", "Content-Length: 1", "", "z")) {
            $0.expectContinue && $0.body == [UInt8(ascii: "z")]
        },
        Case(name: "leading empty lines are ignored", input: Array("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)) {
            $0.path == "/"
        },
        Case(name: "bare LF line endings", input: Array("GET /a HTTP/1.1\nHost: x\n\n".utf8)) {
            $0.path == "/a"
        },
        Case(name: "header whitespace trimmed", input: req("GET / HTTP/1.1", "Host:    x   ", "X-Empty:", "X-Tab:\tv\t", "", "")) {
            $0.headers == ["Host: x", "X-Empty: ", "X-Tab: v"]
        },
        Case(name: "obs-text in value accepted", input: Array("GET / HTTP/1.1\r\nHost: x\r\nX: caf\u{e9}\r\n\r\n".utf8)) {
            $0.headers.count == 2
        },
        Case(name: "unknown method token", input: req("PURGE /x HTTP/1.1", "Host: x", "", "")) {
            $0.method == "PURGE"
        },
        Case(name: "OPTIONS asterisk", input: req("OPTIONS * HTTP/1.1", "Host: x", "", "")) {
            $0.path == "*"
        },
    ]

    @Test(arguments: cases)
    func parsesWholeAndAtEveryBoundary(_ c: Case) {
        let whole = HTTPParseDriver.parseAll(c.input, split: nil)
        #expect(whole.count == 1, "\(whole)")
        guard case .request(let p)? = whole.first else {
            Issue.record("expected a request, got \(whole)")
            return
        }
        #expect(c.check(p), "\(p)")
        // Byte by byte, and split in two at every boundary.
        #expect(HTTPParseDriver.parseAll(c.input, split: 1) == whole)
        for cut in 1..<c.input.count {
            let outcome = splitAt(c.input, cut)
            if outcome != whole {
                Issue.record("split at \(cut) gave \(outcome)")
                break
            }
        }
    }
}

/// Parses `input` delivered as two pieces cut at `cut`.
func splitAt(_ input: [UInt8], _ cut: Int, limits: HTTPLimits = .default) -> [HTTPParseDriver.Outcome] {
    // A split of size `cut` followed by the rest is the same as feeding with step = cut only for
    // the first piece; emulate precisely with a two-step driver.
    var parser = HTTPRequestParser(limits: limits)
    var buffer = Array(input[0..<cut])
    var outcomes: [HTTPParseDriver.Outcome] = []
    var fedAll = false
    var start = 0
    while true {
        let ev = buffer.withUnsafeMutableBytes { b in parser.parse(UnsafeMutableRawBufferPointer(rebasing: b[start...])) }
        switch ev {
        case .needMore:
            if fedAll {
                if parser.isMidRequest { outcomes.append(.incomplete) }
                return outcomes
            }
            buffer.append(contentsOf: input[cut...])
            fedAll = true
        case .headComplete: continue
        case .requestComplete(let consumed):
            let p: HTTPParseDriver.Parsed = buffer.withUnsafeBytes { b in
                let bytes = UnsafeRawBufferPointer(rebasing: b[start..<(start + consumed)])
                let r = HTTPRequest(head: parser.head, bytes: bytes, body: UnsafeRawBufferPointer(rebasing: bytes[parser.bodyRange]))
                return HTTPParseDriver.Parsed(method: r.methodString, target: String(decoding: r.target, as: UTF8.self), path: r.pathString,
                                              query: String(decoding: r.query, as: UTF8.self), version: r.head.version,
                                              headers: r.headerPairs.map { "\($0.0): \($0.1)" }, body: Array(r.body),
                                              keepAlive: r.head.keepAlive, expectContinue: r.head.expectContinue)
            }
            outcomes.append(.request(p))
            start += consumed
            parser.reset()
        case .error(let e):
            outcomes.append(.error(e.status.code, e.message.description))
            return outcomes
        }
    }
}

@Suite struct HTTPParserInvalidRequests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let input: [UInt8]
        let status: Int
        var testDescription: String { "\(name) → \(status)" }
    }

    static let cases: [Case] = [
        Case(name: "garbage", input: Array("\u{1}\u{2}\u{3} nonsense\r\n\r\n".utf8), status: 400),
        Case(name: "missing version", input: req("GET /", "", ""), status: 400),
        Case(name: "HTTP/0.9 style", input: Array("GET /\r\n".utf8), status: 400),
        Case(name: "two spaces", input: req("GET  / HTTP/1.1", "Host: x", "", ""), status: 400),
        Case(name: "lowercase version", input: req("GET / http/1.1", "Host: x", "", ""), status: 400),
        Case(name: "HTTP/2.0", input: req("GET / HTTP/2.0", "Host: x", "", ""), status: 505),
        Case(name: "HTTP/1.2", input: req("GET / HTTP/1.2", "Host: x", "", ""), status: 505),
        Case(name: "control char in target", input: Array("GET /a\u{7f}b HTTP/1.1\r\nHost: x\r\n\r\n".utf8), status: 400),
        Case(name: "relative target", input: req("GET foo HTTP/1.1", "Host: x", "", ""), status: 400),
        Case(name: "missing Host in 1.1", input: req("GET / HTTP/1.1", "", ""), status: 400),
        Case(name: "two Host headers", input: req("GET / HTTP/1.1", "Host: a", "Host: b", "", ""), status: 400),
        Case(name: "space before colon", input: req("GET / HTTP/1.1", "Host : x", "", ""), status: 400),
        Case(name: "header without colon", input: req("GET / HTTP/1.1", "Host: x", "Nonsense", "", ""), status: 400),
        Case(name: "obs-fold", input: req("GET / HTTP/1.1", "Host: x", "X: a", " b", "", ""), status: 400),
        Case(name: "NUL in header value", input: Array("GET / HTTP/1.1\r\nHost: x\r\nX: a\u{0}b\r\n\r\n".utf8), status: 400),
        Case(name: "bare CR in header value", input: Array("GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n".utf8), status: 400),
        Case(name: "POST without length", input: req("POST /v1/metrics HTTP/1.1", "Host: x", "", ""), status: 411),
        Case(name: "PUT without length", input: req("PUT /x HTTP/1.1", "Host: x", "", ""), status: 411),
        Case(name: "negative Content-Length", input: req("POST / HTTP/1.1", "Host: x", "Content-Length: -1", "", ""), status: 400),
        Case(name: "Content-Length list", input: req("POST / HTTP/1.1", "Host: x", "Content-Length: 1, 1", "", "a"), status: 400),
        Case(name: "conflicting Content-Length", input: req("POST / HTTP/1.1", "Host: x", "Content-Length: 1", "Content-Length: 2", "", "ab"), status: 400),
        Case(name: "huge Content-Length overflows", input: req("POST / HTTP/1.1", "Host: x", "Content-Length: 99999999999999999999999", "", ""), status: 413),
        Case(name: "Content-Length and chunked", input: req("POST / HTTP/1.1", "Host: x", "Content-Length: 3", "Transfer-Encoding: chunked", "", "0", "", ""), status: 400),
        Case(name: "gzip transfer coding", input: req("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: gzip, chunked", "", ""), status: 501),
        Case(name: "chunked not last", input: req("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked, gzip", "", ""), status: 400),
        Case(name: "TE in HTTP/1.0", input: req("POST / HTTP/1.0", "Transfer-Encoding: chunked", "", "0", "", ""), status: 400),
        Case(name: "bad chunk size", input: req("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", "", "zz", "", ""), status: 400),
        Case(name: "chunk data without CRLF", input: req("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", "", "3", "abcd", "0", "", ""), status: 400),
        Case(name: "chunk size overflows", input: req("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", "", "fffffffffffffffffff", "", ""), status: 413),
        Case(name: "Expect other than 100-continue", input: req("POST / HTTP/1.1", "Host: x", "Expect: 200-ok", "Content-Length: 1", "", "a"), status: 417),
    ]

    @Test(arguments: cases)
    func rejectedWithStatusAtEveryBoundary(_ c: Case) {
        let whole = HTTPParseDriver.parseAll(c.input, split: nil)
        guard case .error(let code, _)? = whole.last else {
            Issue.record("expected an error, got \(whole)")
            return
        }
        #expect(code == c.status)
        #expect(HTTPParseDriver.parseAll(c.input, split: 1) == whole)
        for cut in 1..<c.input.count where splitAt(c.input, cut) != whole {
            Issue.record("split at \(cut) gave \(splitAt(c.input, cut))")
            break
        }
    }
}

@Suite struct HTTPParserLimits {
    static let limits = HTTPLimits(maxRequestLineBytes: 64, maxHeaderBytes: 128, maxHeaderCount: 4, maxBodyBytes: 32)

    /// A request line of exactly `n` bytes (excluding CRLF).
    func requestLine(length n: Int) -> String {
        let fixed = "GET / HTTP/1.1".utf8.count
        return "GET /" + String(repeating: "a", count: n - fixed) + " HTTP/1.1"
    }

    func outcome(_ input: [UInt8]) -> HTTPParseDriver.Outcome? {
        let whole = HTTPParseDriver.parseAll(input, limits: Self.limits, split: nil)
        #expect(HTTPParseDriver.parseAll(input, limits: Self.limits, split: 1) == whole, "bytewise differs")
        return whole.last
    }

    func isRequest(_ o: HTTPParseDriver.Outcome?) -> Bool {
        if case .request? = o { return true }
        return false
    }

    /// A parser that failed keeps reporting the failure, even when called with no bytes.
    @Test func aFailedParserKeepsFailingEvenWithoutBytes() {
        var parser = HTTPRequestParser(limits: .default)
        var bad = Array("GARBAGE\r\n\r\n".utf8)
        let first = bad.withUnsafeMutableBytes { parser.parse($0) }
        guard case .error = first else { Issue.record("expected an error, got \(first)"); return }
        let again = parser.parse(UnsafeMutableRawBufferPointer(start: nil, count: 0))
        guard case .error = again else { Issue.record("expected the error again, got \(again)"); return }
    }

    @Test func requestLineAtLimitIsAcceptedAndOneOverIs414() {
        #expect(isRequest(outcome(req(requestLine(length: 64), "Host: x", "", ""))))
        #expect(outcome(req(requestLine(length: 65), "Host: x", "", "")) == .error(414, "request line too long"))
    }

    @Test func overlongRequestLineIsRejectedBeforeItEnds() {
        // No CRLF at all: the parser must not wait for one forever.
        let partial = Array(("GET /" + String(repeating: "a", count: 100)).utf8)
        #expect(outcome(partial) == .error(414, "request line too long"))
    }

    /// Header lines (each `X-N: v...` + CRLF) totalling exactly `n` bytes.
    func headerSection(bytes n: Int) -> [String] {
        let host = "Host: x"  // 9 bytes with CRLF
        let rest = n - 9
        let name = "X-Pad: "
        return [host, name + String(repeating: "v", count: rest - name.utf8.count - 2)]
    }

    @Test func headerBytesAtLimitAreAcceptedAndOneOverIs431() {
        let atLimit = ["GET / HTTP/1.1"] + headerSection(bytes: 128) + ["", ""]
        #expect(isRequest(outcome(Array(atLimit.joined(separator: "\r\n").utf8))))
        let over = ["GET / HTTP/1.1"] + headerSection(bytes: 129) + ["", ""]
        #expect(outcome(Array(over.joined(separator: "\r\n").utf8)) == .error(431, "header section too large"))
    }

    @Test func unterminatedHugeHeaderIsRejectedBeforeItEnds() {
        let partial = Array(("GET / HTTP/1.1\r\nX: " + String(repeating: "v", count: 300)).utf8)
        #expect(outcome(partial) == .error(431, "header section too large"))
    }

    @Test func headerCountAtLimitIsAcceptedAndOneOverIs431() {
        let four = req("GET / HTTP/1.1", "Host: x", "A: 1", "B: 2", "C: 3", "", "")
        #expect(isRequest(outcome(four)))
        let five = req("GET / HTTP/1.1", "Host: x", "A: 1", "B: 2", "C: 3", "D: 4", "", "")
        #expect(outcome(five) == .error(431, "too many header fields"))
    }

    @Test func bodyAtLimitIsAcceptedAndOneOverIs413BeforeReading() {
        let body = String(repeating: "b", count: 32)
        #expect(isRequest(outcome(req("POST / HTTP/1.1", "Host: x", "Content-Length: 32", "", body))))
        // 413 is decided from Content-Length alone: no body byte is sent.
        #expect(outcome(req("POST / HTTP/1.1", "Host: x", "Content-Length: 33", "", "")) == .error(413, "request body too large"))
    }

    @Test func chunkedBodyOverLimitIs413() {
        let at = req("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", "", "10", String(repeating: "a", count: 16),
                     "10", String(repeating: "b", count: 16), "0", "", "")
        #expect(isRequest(outcome(at)))
        let over = req("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", "", "10", String(repeating: "a", count: 16),
                       "11", String(repeating: "b", count: 17), "0", "", "")
        #expect(outcome(over) == .error(413, "request body too large"))
    }

    @Test func trailersAreBoundedByHeaderLimit() {
        let over = req("POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked", "", "0", "T: " + String(repeating: "t", count: 200), "", "")
        #expect(outcome(over) == .error(431, "trailer section too large"))
    }
}

@Suite struct HTTPParserPipelining {
    @Test func pipelinedRequestsParseInOrderAtEveryBoundary() {
        let input = req("GET /a HTTP/1.1", "Host: x", "", "POST /b HTTP/1.1", "Host: x", "Content-Length: 3", "", "xyzGET /c HTTP/1.1",
                        "Host: x", "Transfer-Encoding: chunked", "", "2", "hi", "0", "", "GET /d HTTP/1.0", "", "")
        let whole = HTTPParseDriver.parseAll(input, split: nil)
        let paths = whole.compactMap { o -> String? in if case .request(let p) = o { return p.path } else { return nil } }
        #expect(paths == ["/a", "/b", "/c", "/d"])
        #expect(whole.count == 4)
        for step in [1, 2, 3, 7, 13] {
            #expect(HTTPParseDriver.parseAll(input, split: step) == whole, "step \(step)")
        }
        for cut in 1..<input.count where splitAt(input, cut) != whole {
            Issue.record("split at \(cut) gave \(splitAt(input, cut))")
            break
        }
    }

    @Test func headIsReportedBeforeBody() {
        var parser = HTTPRequestParser()
        var bytes = req("POST / HTTP/1.1", "Host: x", "Expect: 100-continue", "Content-Length: 4", "", "")
        let ev = bytes.withUnsafeMutableBytes { parser.parse($0) }
        #expect(ev == .headComplete)
        #expect(parser.head.expectContinue)
        #expect(bytes.withUnsafeMutableBytes { parser.parse($0) } == .needMore)
        bytes.append(contentsOf: Array("body".utf8))
        #expect(bytes.withUnsafeMutableBytes { parser.parse($0) } == .requestComplete(consumed: bytes.count))
    }

    @Test func headerValuesAreReadableCaseInsensitively() {
        var parser = HTTPRequestParser()
        var bytes = req("POST /v1/metrics HTTP/1.1", "Host: x", "content-type: application/x-protobuf", "X-Scope-OrgID: tenant-a",
                        "Content-Length: 0", "", "")
        var complete = 0
        bytes.withUnsafeMutableBytes { b in
            while true {
                switch parser.parse(b) {
                case .headComplete: continue
                case .requestComplete(let n): complete = n
                default: break
                }
                break
            }
            let r = HTTPRequest(head: parser.head, bytes: UnsafeRawBufferPointer(b), body: UnsafeRawBufferPointer(rebasing: b[parser.bodyRange]))
            #expect(r.header("Content-Type") == "application/x-protobuf")
            #expect(r.header("x-scope-orgid") == "tenant-a")
            #expect(r.header("Missing") == nil)
        }
        #expect(complete == bytes.count)
    }
}

@Suite struct HTTPCharacterClasses {
    @Test func tokenCharactersMatchRFC9110ForEveryByte() {
        let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for b in 0...255 {
            #expect(isTokenChar(UInt8(b)) == tchar.contains(UInt8(b)), "byte \(b)")
        }
    }
}

extension HTTPCharacterClasses {
    /// The eight-bytes-at-a-time check agrees with the byte check for every byte at every
    /// position of a word, and across word boundaries.
    @Test func wordwiseFieldValueCheckMatchesBytewise() {
        for bad in 0...255 {
            for position in 0..<19 {
                var bytes = [UInt8](repeating: UInt8(ascii: "v"), count: 19)
                bytes[position] = UInt8(bad)
                let expected = bytes.allSatisfy(isFieldValueChar)
                let got = bytes.withUnsafeMutableBufferPointer { allFieldValueChars($0.baseAddress!, 0, 19) }
                if got != expected { Issue.record("byte \(bad) at \(position): got \(got)") }
            }
        }
    }
}
