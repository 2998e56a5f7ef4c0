import CShims
import Platform
import Primitives
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One epoll event loop on its own thread. It owns a listening socket (`SO_REUSEPORT`), its
/// connections, and their buffers; nothing here is touched by other threads except `submit`
/// (deferred responses) and `requestShutdown`, which go through a mutex-protected queue and an
/// eventfd.
final class EventLoop: @unchecked Sendable {
    let id: Int
    let server: HTTPServerShared
    let epoll: Epoll
    let wakeup: EventFD
    var listener: Int32
    var connections: [Connection?] = []
    /// Connections with parseable input left over after their turn (see `process`).
    var scheduled: [Connection] = []
    var openCount = 0
    var generation: UInt32 = 0
    var date = HTTPDate()
    var now: UInt64 = 0
    var nextSweep: UInt64 = 0
    var draining = false
    /// Monotonic time of the loop's last iteration, for the watchdog.
    let heartbeat = Atomic<UInt64>(0)
    var drainDeadline: UInt64 = 0

    struct Inbox {
        var responses: [(UInt64, HTTPResponse)] = []
        var shutdown = false
    }
    let inbox = Mutex(Inbox())

    static let listenerToken: UInt64 = UInt64.max
    static let wakeToken: UInt64 = UInt64.max - 1
    static let sweepIntervalNanos: UInt64 = 100_000_000

    /// Whether this loop closes `listener` (false when loops share one listening socket).
    let ownsListener: Bool
    let listenerEvents: Epoll.Events

    init(id: Int, server: HTTPServerShared, listener: Int32, shared: Bool) throws(Errno) {
        self.id = id
        self.server = server
        self.listener = listener
        ownsListener = !shared
        // A listener shared by several loops wakes only one of them per connection.
        listenerEvents = shared ? [.readable, .exclusive] : .readable
        epoll = try Epoll()
        wakeup = try EventFD()
        try epoll.add(listener, events: listenerEvents, token: Self.listenerToken)
        try epoll.add(wakeup.fd, events: .readable, token: Self.wakeToken)
    }

    // MARK: - Cross-thread entry points

    /// Queues a deferred response (any thread).
    func submit(token: UInt64, response: HTTPResponse) {
        inbox.withLock { $0.responses.append((token, response)) }
        wakeup.signal()
    }

    /// Asks the loop to stop accepting and drain (any thread).
    func requestShutdown() {
        inbox.withLock { $0.shutdown = true }
        wakeup.signal()
    }

    // MARK: - The loop

    func run() {
        let capacity = 256
        let events = UnsafeMutableBufferPointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        refreshClock()
        while true {
            let n = epoll.wait(into: events, timeoutMilliseconds: scheduled.isEmpty ? 100 : 0)
            refreshClock()
            heartbeat.store(now, ordering: .relaxed)
            for i in 0..<n {
                let ev = events[i]
                let token = ev.data.u64
                if token == Self.listenerToken {
                    acceptAll()
                } else if token == Self.wakeToken {
                    wakeup.drain()
                    processInbox()
                } else {
                    handle(token: token, events: Epoll.Events(rawValue: ev.events))
                }
            }
            if !scheduled.isEmpty { runScheduled() }
            if now >= nextSweep {
                sweep()
                nextSweep = now &+ Self.sweepIntervalNanos
            }
            if draining && (openCount == 0 || now >= drainDeadline) { break }
        }
        for c in connections { if let c { close(c) } }
        closeListener()
    }

    @inline(__always) func refreshClock() {
        now = Clock.monotonicNanos()
        let wall = Clock.wallTimespec().seconds
        date.update(wallSecond: wall) { s in
            let t = Clock.utc(s)
            return (Int(t.tm_wday), Int(t.tm_mday), Int(t.tm_mon), Int(t.tm_year) + 1900, Int(t.tm_hour), Int(t.tm_min), Int(t.tm_sec))
        }
    }

    // MARK: - Accept

    func acceptAll() {
        while listener >= 0 {
            let fd: Int32
            do {
                guard let f = try Socket.accept(listener) else { return }
                fd = f
            } catch {
                // EMFILE/ENFILE/ENOBUFS: back off until the next sweep rather than spin.
                server.logger.warn("accept failed", ["error": error.description])
                epoll.remove(listener)
                resumeAcceptAt = now &+ 100_000_000
                return
            }
            server.metrics.connectionsAccepted.add(1)
            if !server.tryReserveConnection() {
                server.metrics.connectionsRefused.add(1)
                server.metrics.limitRejections[HTTPServerMetrics.limitReasons.firstIndex(of: "max_connections")!].add(1)
                refuse(fd)
                continue
            }
            Socket.setNoDelay(fd)
            generation &+= 1
            let token = UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd))
            let c = Connection(fd: fd, token: token, limits: server.limits, now: now, headerTimeout: server.headerTimeout)
            do {
                try epoll.add(fd, events: .readable, token: token)
            } catch {
                FD.close(fd)
                server.releaseConnection()
                continue
            }
            if Int(fd) >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: Int(fd) + 1 - connections.count + 64))
            }
            connections[Int(fd)] = c
            openCount += 1
            server.metrics.connectionsOpen.add(1)
        }
    }

    var resumeAcceptAt: UInt64 = 0

    /// Answers a connection over the limit with a 503 and closes it (best effort, no waiting).
    func refuse(_ fd: Int32) {
        let out = ByteBuffer(capacity: 256)
        let r = HTTPResponse.text(.serviceUnavailable, "too many connections\n", headers: [("Retry-After", "1")], close: true)
        date.bytes.withUnsafeBytes { d in
            HTTPResponseEncoder.write(r, version: .http11, keepAlive: false, headOnly: false, date: d, into: out)
        }
        _ = try? Socket.send(fd, out.readable.baseAddress!, count: out.readableBytes)
        FD.close(fd)
    }

    // MARK: - Connection events

    @inline(__always) func connection(for token: UInt64) -> Connection? {
        let fd = Int(UInt32(truncatingIfNeeded: token))
        guard fd < connections.count, let c = connections[fd], c.token == token else { return nil }
        return c
    }

    func handle(token: UInt64, events: Epoll.Events) {
        guard let c = connection(for: token) else { return }
        if events.contains(.error) {
            close(c)
            return
        }
        if events.contains(.writable) || (events.contains(.hangup) && !c.output.isEmpty) {
            flush(c)
            if connection(for: token) == nil { return }
            // Pipelined requests that waited for the output to drain.
            if c.phase == .active && c.output.isEmpty && !c.input.isEmpty {
                process(c)
                if connection(for: token) == nil { return }
            }
        }
        if events.contains(.readable) || events.contains(.hangup) {
            if c.interest.contains(.readable) || events.contains(.hangup) { read(c) }
        }
    }

    func read(_ c: Connection) {
        var rounds = 0
        while c.phase == .active && !c.peerClosed && c.output.isEmpty && rounds < 4 {
            rounds += 1
            c.input.reserve(c.input.readableBytes < 4096 ? 8192 : 16384)
            let space = c.input.writableBytes
            let n: Int
            do {
                guard let r = try Socket.receive(c.fd, into: c.input.base + c.input.writerIndex, count: space) else { break }
                n = r
            } catch {
                close(c)
                return
            }
            if n == 0 {
                c.peerClosed = true
                break
            }
            c.input.writerIndex += n
            process(c)
            if connection(for: c.token) == nil { return }
            if n < space { break }
        }
        if c.peerClosed {
            if c.phase == .active && c.output.isEmpty {
                close(c)
            } else if c.phase == .active {
                // Answer what was complete, then close once written.
                c.phase = .closing
                updateInterest(c)
            } else {
                updateInterest(c)
            }
        }
    }

    /// Output a connection may queue before the loop stops answering its pipelined requests and
    /// flushes: bounds memory per connection and the time one connection can hold the loop.
    static let maxPendingOutput = 64 * 1024

    /// Answers the complete requests in the input buffer (pipelining) and flushes, in rounds of
    /// at most `maxPendingOutput` bytes of responses. Stops when input runs out, a request is
    /// incomplete, a response is deferred, or the peer stops reading (then EPOLLOUT resumes it).
    func process(_ c: Connection) {
        let outputLimited = parseAvailable(c)
        flush(c)
        // More pipelined requests are waiting but the output went out at once: continue after
        // the other connections had their turn (fairness), not in this call.
        if outputLimited, connection(for: c.token) === c, c.phase == .active, c.output.isEmpty, !c.input.isEmpty, !c.scheduled {
            c.scheduled = true
            scheduled.append(c)
        }
    }

    /// Runs the connections `process` deferred for fairness.
    func runScheduled() {
        let batch = scheduled
        scheduled.removeAll(keepingCapacity: true)
        for c in batch {
            c.scheduled = false
            guard connection(for: c.token) === c, c.phase == .active, c.output.isEmpty else { continue }
            process(c)
        }
    }

    /// Parses and answers requests until input runs out or is incomplete, the phase changes, or
    /// queued output reaches `maxPendingOutput` (returns true in that last case).
    func parseAvailable(_ c: Connection) -> Bool {
        while c.phase == .active && !c.input.isEmpty {
            if c.output.readableBytes >= Self.maxPendingOutput { return true }
            let wasMid = c.parser.isMidRequest
            let ev = c.parser.parse(c.input.readable)
            if !wasMid && c.parser.isMidRequest {
                c.requestStart = now
                c.deadlineKind = .header
                c.deadline = now &+ server.headerTimeout
            }
            switch ev {
            case .needMore:
                if !c.parser.isMidRequest {
                    // Only blank lines so far: nothing to keep.
                    c.input.clear()
                }
                return false
            case .headComplete:
                headComplete(c)
            case .requestComplete(let consumed):
                requestComplete(c, consumed: consumed)
            case .error(let e):
                server.metrics.recordLimit(e.reason)
                let r = HTTPResponse.text(e.status, message: "\(e.message)\n", close: true)
                respond(c, r, handler: server.noneHandler, version: c.parser.head.version, keepAlive: false, headOnly: false)
                c.phase = .closing
            }
        }
        return false
    }

    func headComplete(_ c: Connection) {
        let head = c.parser.head
        let hasBody = head.isChunked || (head.contentLength ?? 0) > 0
        let path = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(c.input.readable)[head.pathStart..<(head.pathStart + head.pathLength)])
        c.headOnly = head.method == .head
        switch server.router.match(method: head.method, path: path) {
        case .found(let index):
            c.routeIndex = index
            c.earlyResponse = nil
        case .methodNotAllowed(let index, let allow):
            c.routeIndex = index
            c.earlyResponse = .text(.methodNotAllowed, "method not allowed\n", headers: [("Allow", allow)], close: hasBody)
        case .notFound:
            c.routeIndex = server.noneHandler
            c.earlyResponse = .text(.notFound, "not found\n", close: hasBody)
        }
        if let r = c.earlyResponse, hasBody {
            // Reject without reading the body; the connection closes after the answer.
            respond(c, r, handler: c.routeIndex, version: head.version, keepAlive: false, headOnly: c.headOnly)
            c.phase = .closing
            return
        }
        if hasBody {
            c.deadlineKind = .body
            c.deadline = now &+ server.bodyTimeout
            if let n = head.contentLength {
                let have = c.input.readableBytes - head.headLength
                if have < n { c.input.reserve(n - have) }
            }
            if head.expectContinue && head.version == .http11 {
                c.output.append(HTTPResponseEncoder.continueLine)
            }
        }
    }

    func requestComplete(_ c: Connection, consumed: Int) {
        let head = c.parser.head
        let keepAlive = head.keepAlive && !draining && !c.peerClosed
        if let r = c.earlyResponse {
            c.earlyResponse = nil
            respond(c, r, handler: c.routeIndex, version: head.version, keepAlive: keepAlive && !r.close, headOnly: c.headOnly)
            finishRequest(c, consumed: consumed, keepAlive: keepAlive && !r.close)
            return
        }
        let all = UnsafeRawBufferPointer(c.input.readable)
        let range = c.parser.bodyRange
        let request = HTTPRequest(head: head, bytes: UnsafeRawBufferPointer(rebasing: all[0..<consumed]),
                                  body: UnsafeRawBufferPointer(rebasing: all[range]))
        let responder = HTTPResponder(loop: self, token: c.token)
        switch server.router.handler(c.routeIndex)(request, responder) {
        case .response(let r):
            respond(c, r, handler: c.routeIndex, version: head.version, keepAlive: keepAlive && !r.close, headOnly: c.headOnly)
            finishRequest(c, consumed: consumed, keepAlive: keepAlive && !r.close)
        case .deferred:
            c.phase = .awaitingResponse
            c.pendingVersion = head.version
            c.pendingKeepAlive = keepAlive
            c.pendingConsumed = consumed
            c.deadlineKind = .none
            updateInterest(c)
        }
    }

    /// Moves past a finished request and re-arms the idle deadline (or closes after writing).
    func finishRequest(_ c: Connection, consumed: Int, keepAlive: Bool) {
        c.input.readerIndex += consumed
        if c.input.isEmpty { c.input.clear() }
        c.parser.reset()
        c.routeIndex = -1
        if !keepAlive {
            c.phase = .closing
        } else {
            c.deadlineKind = .idle
            c.deadline = now &+ server.idleTimeout
        }
    }

    /// Serializes a response and records it.
    func respond(_ c: Connection, _ r: HTTPResponse, handler: Int, version: HTTPVersion, keepAlive: Bool, headOnly: Bool) {
        date.bytes.withUnsafeBytes { d in
            HTTPResponseEncoder.write(r, version: version, keepAlive: keepAlive, headOnly: headOnly, date: d, into: c.output)
        }
        let start = c.requestStart == 0 ? now : c.requestStart
        server.metrics.recordRequest(handler: handler < 0 ? server.noneHandler : handler, code: r.status.code,
                                     seconds: Double(Clock.monotonicNanos() &- start) / 1e9)
    }

    /// Delivers deferred responses and shutdown requests from other threads.
    func processInbox() {
        let (responses, shutdown) = inbox.withLock { box -> ([(UInt64, HTTPResponse)], Bool) in
            let r = box.responses
            box.responses.removeAll(keepingCapacity: true)
            return (r, box.shutdown)
        }
        for (token, r) in responses {
            guard let c = connection(for: token), c.phase == .awaitingResponse else { continue }
            let keepAlive = c.pendingKeepAlive && !r.close && !draining
            c.phase = .active
            respond(c, r, handler: c.routeIndex, version: c.pendingVersion, keepAlive: keepAlive, headOnly: c.headOnly)
            finishRequest(c, consumed: c.pendingConsumed, keepAlive: keepAlive)
            process(c)
        }
        if shutdown && !draining { beginDrain() }
    }

    // MARK: - Output

    func flush(_ c: Connection) {
        while !c.output.isEmpty {
            let sent: Int?
            do {
                sent = try Socket.send(c.fd, c.output.readable.baseAddress!, count: c.output.readableBytes)
            } catch {
                close(c)
                return
            }
            guard let n = sent else {
                // Kernel buffer full: wait for EPOLLOUT, stop reading, arm the write deadline.
                if c.deadlineKind != .write {
                    c.deadlineKind = .write
                    c.deadline = now &+ server.writeTimeout
                }
                updateInterest(c)
                return
            }
            c.output.readerIndex += n
            if c.deadlineKind == .write { c.deadline = now &+ server.writeTimeout }
        }
        c.output.clear()
        c.output.shrink(ifLargerThan: 1 << 20, to: 4096)
        if c.phase == .closing {
            close(c)
            return
        }
        if c.deadlineKind == .write {
            c.deadlineKind = c.parser.isMidRequest ? .header : .idle
            c.deadline = now &+ (c.parser.isMidRequest ? server.headerTimeout : server.idleTimeout)
        }
        if c.phase == .active && c.input.isEmpty {
            c.input.shrink(ifLargerThan: 1 << 20, to: 4096)
        }
        if draining && c.isIdle {
            close(c)
            return
        }
        updateInterest(c)
    }

    /// Reads only while active with nothing queued to write; writes while output is pending.
    func updateInterest(_ c: Connection) {
        var want: Epoll.Events = []
        if !c.output.isEmpty { want.insert(.writable) }
        if c.phase == .active && c.output.isEmpty && !c.peerClosed { want.insert(.readable) }
        if want != c.interest {
            try? epoll.modify(c.fd, events: want, token: c.token)
            c.interest = want
        }
    }

    func close(_ c: Connection) {
        guard Int(c.fd) < connections.count, connections[Int(c.fd)] === c else { return }
        epoll.remove(c.fd)
        FD.close(c.fd)
        connections[Int(c.fd)] = nil
        openCount -= 1
        server.metrics.connectionsOpen.add(-1)
        server.releaseConnection()
    }

    // MARK: - Timers

    /// Enforces deadlines: slowloris (header), slow body, idle keep-alive, stalled writes.
    func sweep() {
        if resumeAcceptAt != 0 && now >= resumeAcceptAt && listener >= 0 && !draining {
            try? epoll.add(listener, events: listenerEvents, token: Self.listenerToken)
            resumeAcceptAt = 0
        }
        for case let c? in connections where c.deadlineKind != .none && now >= c.deadline {
            switch c.deadlineKind {
            case .idle:
                close(c)
            case .header, .body:
                let reason: StaticString = c.deadlineKind == .header ? "header_timeout" : "body_timeout"
                server.metrics.recordLimit(reason)
                if c.parser.isMidRequest || c.deadlineKind == .body {
                    let r = HTTPResponse.text(.requestTimeout, "request timeout\n", close: true)
                    respond(c, r, handler: server.noneHandler, version: c.parser.head.version, keepAlive: false, headOnly: false)
                    c.phase = .closing
                    c.deadlineKind = .write
                    c.deadline = now &+ 1_000_000_000
                    flush(c)
                } else {
                    close(c)
                }
            case .write:
                server.metrics.recordLimit("write_timeout")
                Socket.setLingerZero(c.fd)
                close(c)
            case .none:
                break
            }
        }
    }

    // MARK: - Shutdown

    func closeListener() {
        guard listener >= 0 else { return }
        epoll.remove(listener)
        if ownsListener { FD.close(listener) }
        listener = -1
    }

    func beginDrain() {
        draining = true
        drainDeadline = now &+ server.shutdownGrace
        closeListener()
        for case let c? in connections where c.isIdle { close(c) }
    }
}
