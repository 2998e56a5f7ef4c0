/// One header field as offsets into the request bytes (relative to the request's first byte).
public struct HTTPHeaderField: Sendable, Equatable {
    public var nameStart: Int32
    public var nameLength: Int32
    public var valueStart: Int32
    public var valueLength: Int32
}

/// The parsed request line and header section of one request. Everything that refers to bytes is
/// an offset relative to the request's first byte; `HTTPRequest` turns them into buffers.
public struct HTTPRequestHead: Sendable {
    public var method: HTTPMethod = .get
    public var version: HTTPVersion = .http11
    /// Request target as sent (origin-form `/path?query`, or absolute-form).
    public var targetStart = 0, targetLength = 0
    /// The path part of the target (no query).
    public var pathStart = 0, pathLength = 0
    /// The query (after `?`), empty when absent.
    public var queryStart = 0, queryLength = 0
    /// The method token as sent.
    public var methodStart = 0, methodLength = 0
    /// `Content-Length`, when the body is delimited by it.
    public var contentLength: Int? = nil
    /// `Transfer-Encoding: chunked`.
    public var isChunked = false
    /// Whether the connection stays open after this request (version default and `Connection`).
    public var keepAlive = true
    /// `Expect: 100-continue` was sent.
    public var expectContinue = false
    /// Bytes from the request's first byte to its first body byte.
    public var headLength = 0
    /// All header fields in order (trailers are not merged).
    public var headers: [HTTPHeaderField] = []

    public init() {}

    /// Back to the initial state, keeping the header array's capacity (no allocation).
    mutating func reset() {
        var h: [HTTPHeaderField] = []
        swap(&h, &headers)
        h.removeAll(keepingCapacity: true)
        self = HTTPRequestHead()
        headers = h
    }
}

/// A request as handlers see it: the head plus views of the request bytes.
///
/// The buffers point into the connection's input buffer. They stay valid for the duration of the
/// handler call and, if the handler defers its response, until the deferred response is
/// submitted (the connection reads nothing more in the meantime). Copy what must live longer.
public struct HTTPRequest {
    public let head: HTTPRequestHead
    /// The request's bytes from its first byte through the end of its body.
    public let bytes: UnsafeRawBufferPointer
    /// The body, de-chunked.
    public let body: UnsafeRawBufferPointer

    /// Index of the event loop running the handler (0..<eventLoops), so handlers can keep
    /// per-loop state (decoders, scratch buffers) without locks.
    public let loopIndex: Int

    public init(head: HTTPRequestHead, bytes: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer, loopIndex: Int = 0) {
        self.head = head; self.bytes = bytes; self.body = body; self.loopIndex = loopIndex
    }

    @inlinable public var method: HTTPMethod { head.method }
    public var path: UnsafeRawBufferPointer { slice(head.pathStart, head.pathLength) }
    public var query: UnsafeRawBufferPointer { slice(head.queryStart, head.queryLength) }
    public var target: UnsafeRawBufferPointer { slice(head.targetStart, head.targetLength) }
    public var pathString: String { String(decoding: path, as: UTF8.self) }
    public var methodString: String { String(decoding: slice(head.methodStart, head.methodLength), as: UTF8.self) }

    @inline(__always) func slice(_ start: Int, _ length: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)])
    }

    /// The first value of header `name` (ASCII case-insensitive), as bytes.
    public func headerBytes(_ name: String) -> UnsafeRawBufferPointer? {
        let n = Array(name.utf8)
        for f in head.headers where Int(f.nameLength) == n.count {
            let nb = slice(Int(f.nameStart), Int(f.nameLength))
            var same = true
            for i in 0..<n.count where lowerASCII(nb[i]) != lowerASCII(n[i]) { same = false; break }
            if same { return slice(Int(f.valueStart), Int(f.valueLength)) }
        }
        return nil
    }

    /// The first value of header `name` (ASCII case-insensitive) as a String.
    public func header(_ name: String) -> String? {
        headerBytes(name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// All header fields as strings, in order (tests, debugging).
    public var headerPairs: [(String, String)] {
        head.headers.map {
            (String(decoding: slice(Int($0.nameStart), Int($0.nameLength)), as: UTF8.self),
             String(decoding: slice(Int($0.valueStart), Int($0.valueLength)), as: UTF8.self))
        }
    }
}

@inline(__always) func lowerASCII(_ b: UInt8) -> UInt8 {
    (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
}
