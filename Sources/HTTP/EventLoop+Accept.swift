import Platform
import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// Accepting connections and refusing those over `max_connections`.
extension EventLoop {
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
                try epoll.add(fd, events: [.readable, .edgeTriggered], token: token)
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
            // A client usually sends its request with the connection: answering it now saves a
            // turn of the loop (a probe's latency under load).
            read(c)
        }
    }

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
}
