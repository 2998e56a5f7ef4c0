import Platform
import Primitives

/// One client connection, owned by one event loop. All state changes happen on that loop.
final class Connection {
    enum Phase {
        /// Reading and answering requests.
        case active
        /// A handler deferred its response; reading is paused until it arrives.
        case awaitingResponse
        /// A final response is queued; close once it is written.
        case closing
    }

    /// Which deadline is armed.
    enum Deadline {
        case none
        case idle
        case header
        case body
        case write
    }

    let fd: Int32
    let token: UInt64
    let input: ByteBuffer
    let output: ByteBuffer
    var parser: HTTPRequestParser
    var phase: Phase = .active
    var deadlineKind: Deadline = .header
    var deadline: UInt64
    /// Events currently registered with epoll.
    var interest: Epoll.Events = [.readable, .edgeTriggered]
    /// Queued in the loop's `scheduled` list.
    var scheduled = false
    /// Reading stopped with bytes possibly left in the socket (edge-triggered: no new event).
    var readPending = false
    /// The peer half-closed (read returned 0).
    var peerClosed = false
    /// Whether the current request's head was routed (`routeIndex`, `headOnly`).
    var routeIndex = -1
    var earlyResponse: HTTPResponse? = nil
    var headOnly = false
    var requestStart: UInt64 = 0
    /// Version and keep-alive of the request whose response is pending (deferred).
    var pendingVersion: HTTPVersion = .http11
    var pendingKeepAlive = true
    var pendingConsumed = 0

    init(fd: Int32, token: UInt64, limits: HTTPLimits, now: UInt64, headerTimeout: UInt64) {
        self.fd = fd
        self.token = token
        input = ByteBuffer(capacity: 4096)
        output = ByteBuffer(capacity: 4096)
        parser = HTTPRequestParser(limits: limits)
        deadline = now &+ headerTimeout
    }

    var isIdle: Bool {
        phase == .active && !parser.isMidRequest && input.isEmpty && output.isEmpty
    }
}
