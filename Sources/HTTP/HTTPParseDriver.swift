import Primitives

/// Feeds bytes to an `HTTPRequestParser` the way a connection does, optionally in small pieces,
/// and records what it produced. Used by tests and the fuzz target to check that a request
/// split at any byte boundary parses identically, and to drive pipelining. Not used by the
/// server itself (the event loop has its own I/O-driven version of this loop).
public enum HTTPParseDriver {
    /// One parsed request, with everything copied out of the buffer.
    public struct Parsed: Equatable, Sendable, CustomStringConvertible {
        public var method: String
        public var target: String
        public var path: String
        public var query: String
        public var version: HTTPVersion
        public var headers: [String]
        public var body: [UInt8]
        public var keepAlive: Bool
        public var expectContinue: Bool

        public var description: String {
            "\(method) \(target) \(version) keepAlive=\(keepAlive) headers=\(headers) body=\(body.count)B"
        }
    }

    public enum Outcome: Equatable, Sendable, CustomStringConvertible {
        case request(Parsed)
        case error(Int, String)
        /// Input ended in the middle of a request.
        case incomplete

        public var description: String {
            switch self {
            case .request(let p): return p.description
            case .error(let code, let m): return "error \(code) \(m)"
            case .incomplete: return "incomplete"
            }
        }
    }

    /// Parses `input` delivered in pieces of `split` bytes (all at once when nil). Stops at the
    /// first error.
    public static func parseAll(_ input: [UInt8], limits: HTTPLimits = .default, split: Int?) -> [Outcome] {
        var parser = HTTPRequestParser(limits: limits)
        let buffer = ByteBuffer(capacity: 256)
        var fed = 0
        var outcomes: [Outcome] = []
        let step = max(1, split ?? input.count)
        while true {
            let ev = parser.parse(buffer.readable)
            switch ev {
            case .needMore:
                if fed >= input.count {
                    if parser.isMidRequest { outcomes.append(.incomplete) }
                    return outcomes
                }
                let n = min(step, input.count - fed)
                input[fed..<(fed + n)].withUnsafeBytes { buffer.append($0) }
                fed += n
            case .headComplete:
                continue
            case .requestComplete(let consumed):
                let bytes = UnsafeRawBufferPointer(buffer.readable)
                let request = HTTPRequest(head: parser.head, bytes: UnsafeRawBufferPointer(rebasing: bytes[0..<consumed]),
                                          body: UnsafeRawBufferPointer(rebasing: bytes[parser.bodyRange]))
                outcomes.append(.request(Parsed(
                    method: request.methodString, target: String(decoding: request.target, as: UTF8.self),
                    path: request.pathString, query: String(decoding: request.query, as: UTF8.self),
                    version: request.head.version,
                    headers: request.headerPairs.map { "\($0.0): \($0.1)" }, body: Array(request.body),
                    keepAlive: request.head.keepAlive, expectContinue: request.head.expectContinue)))
                buffer.readerIndex += consumed
                parser.reset()
            case .error(let e):
                outcomes.append(.error(e.status.code, e.message.description))
                return outcomes
            }
        }
    }
}
