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
        /// A request was refused before its body was read: the answer (with `Connection: close`)
        /// is queued, and the body still arriving is read and dropped until it ends, the peer
        /// closes, a bound is reached or the linger deadline passes; then the connection closes.
        /// Closing at once with unread bytes in the socket would make the kernel send a reset,
        /// which can reach a client still sending its body before it has read the answer
        /// (nginx's lingering close and Go's server linger likewise).
        case discarding
    }

    /// Which deadline is armed.
    enum Deadline {
        case none
        case idle
        case header
        case body
        case write
        /// End of `discarding`.
        case linger
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
    /// Bytes the current request holds in the server's `BodyMemoryBudget`.
    var heldBodyBytes = 0
    /// While `discarding`: body bytes still to read and drop before closing.
    var discardRemaining = 0

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
