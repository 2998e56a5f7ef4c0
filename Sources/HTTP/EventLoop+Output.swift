import Platform
import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// Writing responses, epoll interest, closing.
extension EventLoop {
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
        if c.phase == .discarding {
            // The answer is out: a client reading while it sends learns that nothing more comes.
            Socket.shutdownWrite(c.fd)
            discard(c)
            return
        }
        if c.deadlineKind == .write {
            c.deadlineKind = c.parser.isMidRequest ? .header : .idle
            c.deadline = now &+ (c.parser.isMidRequest ? server.headerTimeout : server.idleTimeout)
        }
        if c.phase == .active && c.input.isEmpty { releaseLargeInput(c) }
        if draining && c.isIdle {
            close(c)
            return
        }
        updateInterest(c)
    }

    /// Reads only while active with nothing queued to write (or while discarding a refused
    /// body); writes while output is pending.
    ///
    /// Connections are edge-triggered (`EPOLLET`): the kernel does not re-poll every ready socket
    /// on each `epoll_wait`. Changing the interest with `EPOLL_CTL_MOD` re-evaluates readiness,
    /// so bytes that arrived while reading was paused still produce an event.
    func updateInterest(_ c: Connection) {
        var want: Epoll.Events = [.edgeTriggered]
        if !c.output.isEmpty { want.insert(.writable) }
        if (c.phase == .active && c.output.isEmpty || c.phase == .discarding) && !c.peerClosed { want.insert(.readable) }
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
        releaseBody(c)
    }
}
