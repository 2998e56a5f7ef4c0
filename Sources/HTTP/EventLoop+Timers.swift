import Platform
import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// Deadlines (slowloris, slow bodies, idle keep-alive, stalled writes) and draining.
extension EventLoop {
    // MARK: - Timers

    /// Enforces deadlines: slowloris (header), slow body, idle keep-alive, stalled writes.
    func sweep() {
        inputBuffers.trim(now: now)
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
            case .linger:
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
