import Platform
import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// Reading, parsing, routing and answering requests on a connection.
extension EventLoop {
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
        if c.phase == .discarding {
            discard(c)
            return
        }
        if c.parser.isMidRequest && turnBudget <= 0 {
            // The loop has read its share of request bytes for this turn: this request waits for
            // the next turn (see `requestBytesPerTurn`).
            c.readPending = true
            schedule(c)
            return
        }
        var rounds = 0
        while c.phase == .active && !c.peerClosed && c.output.isEmpty && rounds < 4 {
            rounds += 1
            c.input.reserve(c.input.readableBytes < 4096 ? 8192 : Self.readRoom)
            let space = min(c.input.writableBytes, Self.maxReadBytes)
            guard let n = receive(c, into: c.input.base + c.input.writerIndex, count: space) else {
                if connection(for: c.token) == nil { return }
                break
            }
            if n == 0 {
                c.peerClosed = true
                break
            }
            c.input.writerIndex += n
            turnBudget -= n
            process(c)
            if connection(for: c.token) == nil { return }
            if n < space { break }
            if rounds == 4 || (turnBudget <= 0 && c.parser.isMidRequest) {
                // Edge-triggered: unread bytes raise no new event. Come back after the others.
                c.readPending = true
                schedule(c)
                break
            }
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

    /// One `recv` into `p`: the byte count (0 at the peer's end), or nil when nothing is there
    /// now or the socket failed (then the connection is closed).
    func receive(_ c: Connection, into p: UnsafeMutableRawPointer, count: Int) -> Int? {
        do {
            return try Socket.receive(c.fd, into: p, count: count)
        } catch {
            close(c)
            return nil
        }
    }

    /// Answers the complete requests in the input buffer (pipelining) and flushes, in rounds of
    /// at most `maxPendingOutput` bytes of responses. Stops when input runs out, a request is
    /// incomplete, a response is deferred, or the peer stops reading (then EPOLLOUT resumes it).
    func process(_ c: Connection) {
        let outputLimited = parseAvailable(c)
        flush(c)
        // More pipelined requests are waiting but the output went out at once: continue after
        // the other connections had their turn (fairness), not in this call.
        if outputLimited, connection(for: c.token) === c, c.phase == .active, c.output.isEmpty, !c.input.isEmpty {
            schedule(c)
        }
    }

    /// Queues `c` to continue after the current batch of events.
    func schedule(_ c: Connection) {
        guard !c.scheduled else { return }
        c.scheduled = true
        scheduled.append(c)
    }

    /// Runs the connections `process` deferred for fairness, the oldest request first (by when
    /// its first byte was parsed). A request whose body is being read thus keeps its place until
    /// the body is in, also when its socket ran dry in between (a slow sender's next bytes come
    /// back through an event and are queued again), so bodies complete one after another in the
    /// order the requests came rather than all together at the end. Queued in arrival order
    /// instead, a request that kept running dry went to the back every time: `slod-bench overload`
    /// saw accepted requests wait up to 9 s and a few not answered within wrk's 10 s.
    func runScheduled() {
        var batch = scheduled
        scheduled.removeAll(keepingCapacity: true)
        batch.sort { $0.requestStart < $1.requestStart }
        for c in batch {
            c.scheduled = false
            guard connection(for: c.token) === c, c.phase == .active, c.output.isEmpty else { continue }
            if !c.input.isEmpty { process(c) }
            if c.readPending, connection(for: c.token) === c {
                c.readPending = false
                read(c)
            }
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
                } else if c.routeIndex >= 0 && c.parser.head.isChunked {
                    _ = reserveChunkedBody(c)
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
            guard admitBody(c) else { return }
            c.deadlineKind = .body
            c.deadline = now &+ server.bodyTimeout
            if let n = head.contentLength {
                let have = c.input.readableBytes - head.headLength
                if have < n { reserveBody(c, n - have) }
            }
            if head.expectContinue && head.version == .http11 {
                c.output.append(HTTPResponseEncoder.continueLine)
            }
        }
    }

    /// Room `read` asks for before each receive once a request is past its first bytes.
    static let readRoom = 16 * 1024
    /// Most bytes one receive takes. A large body's buffer has room for all of it, and the
    /// socket may hold megabytes: unbounded, one connection's turn would copy all of them while
    /// every other connection (a health probe among them) waits for the loop.
    static let maxReadBytes = 64 * 1024

    /// Makes room for `missing` more body bytes: a large body gets a pooled buffer if the loop
    /// has one (no allocation, no page faults), else a buffer of its size (rounded up to 64 KiB
    /// so that buffers are reused across bodies of similar sizes; doubling would hold up to twice
    /// the body); a small one grows the input buffer.
    func reserveBody(_ c: Connection, _ missing: Int) {
        // With `readRoom` to spare, the last read of the body does not grow the buffer again.
        let total = (c.input.readableBytes + missing + Self.readRoom + 0xFFFF) & ~0xFFFF
        if total > LargeBufferPool.threshold, c.input.capacity < total {
            let b = inputBuffers.take(atLeast: total) ?? (.allocate(byteCount: total, alignment: 16), total)
            let old = c.input.exchangeStorage(b.base, capacity: b.capacity)
            if old.capacity > LargeBufferPool.threshold {
                inputBuffers.put(old.base, capacity: old.capacity, now: now)
            } else {
                old.base.deallocate()
            }
            return
        }
        c.input.reserve(missing)
    }

    /// After a request, an empty input buffer that grew large goes back to the loop's pool.
    func releaseLargeInput(_ c: Connection) {
        guard c.input.isEmpty, c.input.capacity > LargeBufferPool.threshold else { return }
        let old = c.input.exchangeStorage(.allocate(byteCount: 4096, alignment: 16), capacity: 4096)
        inputBuffers.put(old.base, capacity: old.capacity, now: now)
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
                                  body: UnsafeRawBufferPointer(rebasing: all[range]), loopIndex: id)
        let responder = HTTPResponder(loop: self, token: c.token)
        turnBudget -= range.count
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
        releaseBody(c)
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
}
