import Primitives

/// The global budget for request bodies held in memory (`BodyMemoryBudget`): reserving a body
/// when its head arrives, releasing it with the request, and refusing (503 + `Retry-After`)
/// before reading a body that does not fit.
extension EventLoop {
    /// Reserves the body announced by the head just parsed (a chunked body is reserved as it
    /// arrives, `reserveChunkedBody`). When it does not fit, the request is answered and its
    /// body dropped unread; returns false then.
    func admitBody(_ c: Connection) -> Bool {
        let head = c.parser.head
        guard let length = head.contentLength, length > 0 else { return true }
        if server.bodyMemory.tryReserve(length) {
            c.heldBodyBytes = length
            return true
        }
        let received = c.input.readableBytes - head.headLength
        refuseBody(c, remaining: length - received)
        return false
    }

    /// Step in which a chunked body's reservation grows (fewer atomic operations than per read).
    static let chunkedReservationStep = 64 * 1024

    /// A chunked body grew: reserves the request's bytes received so far. When they do not fit,
    /// the request is answered and the rest of its body dropped; returns false then.
    func reserveChunkedBody(_ c: Connection) -> Bool {
        let missing = c.input.readableBytes - c.heldBodyBytes
        guard missing > 0 else { return true }
        let step = Self.chunkedReservationStep
        let bytes = (missing + step - 1) / step * step
        if server.bodyMemory.tryReserve(bytes) {
            c.heldBodyBytes += bytes
            return true
        }
        refuseBody(c, remaining: Int.max)
        return false
    }

    /// Gives the current request's reservation back (its bytes are no longer needed).
    func releaseBody(_ c: Connection) {
        guard c.heldBodyBytes > 0 else { return }
        server.bodyMemory.release(c.heldBodyBytes)
        c.heldBodyBytes = 0
    }

    /// Most bytes of a refused body read and dropped before the connection closes anyway.
    /// A client that reads while it sends (wrk, Go's and most HTTP clients) has the answer by
    /// then and closes; reading all of every refused body would spend the loops' time on bytes
    /// nobody needs exactly when they are busiest (measured: most of it under 512 clients posting
    /// 3 MB). Go's server uses the same bound (256 KiB) to decide whether to drain a body.
    static let maxDiscardBytes = 256 * 1024
    /// Longest wait for the peer to stop sending a refused body (Go waits 500 ms before its reset).
    static let lingerNanos: UInt64 = 2_000_000_000

    /// Answers `503` + `Retry-After` with `Connection: close` and drops the request; what the peer
    /// still sends of the body (`remaining` bytes, `Int.max` when unknown) is read and dropped,
    /// up to `maxDiscardBytes` (`Connection.Phase.discarding`).
    func refuseBody(_ c: Connection, remaining: Int) {
        server.metrics.recordLimit("body_memory")
        releaseBody(c)
        respond(c, server.bodyMemoryRefusal, handler: c.routeIndex, version: c.parser.head.version, keepAlive: false,
                headOnly: c.headOnly)
        c.phase = .discarding
        c.discardRemaining = max(0, min(remaining, Self.maxDiscardBytes))
        c.input.clear()
        c.parser.reset()
        c.deadlineKind = .linger
        c.deadline = now &+ min(server.bodyTimeout, Self.lingerNanos)
    }

    /// Reads and drops the bytes of a refused body until the socket is empty; closes once the
    /// body has ended (or the peer closed) and the answer is written.
    func discard(_ c: Connection) {
        while c.discardRemaining > 0 && !c.peerClosed {
            guard let n = receive(c, into: c.input.base, count: c.input.capacity) else { return }
            if n == 0 {
                c.peerClosed = true
            } else {
                c.discardRemaining -= n
            }
        }
        if c.output.isEmpty {
            close(c)
        } else {
            updateInterest(c)
        }
    }
}
