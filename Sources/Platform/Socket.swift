import CShims
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    var storage: sockaddr_storage
    var length: socklen_t

    public static func == (a: SocketAddress, b: SocketAddress) -> Bool { a.host == b.host && a.port == b.port }

    /// Parses `HOST:PORT` where HOST is a dotted IPv4 address, `localhost`, `[IPv6]`, or empty
    /// (all IPv4 interfaces). Returns nil with no side effects when it does not parse.
    public static func parse(_ text: String) -> SocketAddress? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
            var a6 = in6_addr()
            guard inet_pton(AF_INET6, host, &a6) == 1 else { return nil }
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            sin6.sin6_addr = a6
            return SocketAddress(host: host, port: port, sin6: sin6)
        }
        if host == "localhost" { host = "127.0.0.1" }
        if host.isEmpty { host = "0.0.0.0" }
        var a4 = in_addr()
        guard inet_pton(AF_INET, host, &a4) == 1 else { return nil }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr = a4
        return SocketAddress(host: host, port: port, sin: sin)
    }

    init(host: String, port: UInt16, sin: sockaddr_in) {
        self.host = host; self.port = port
        storage = sockaddr_storage()
        length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutableBytes(of: &storage) { dst in
            withUnsafeBytes(of: sin) { dst.copyMemory(from: $0) }
        }
    }

    init(host: String, port: UInt16, sin6: sockaddr_in6) {
        self.host = host; self.port = port
        storage = sockaddr_storage()
        length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        withUnsafeMutableBytes(of: &storage) { dst in
            withUnsafeBytes(of: sin6) { dst.copyMemory(from: $0) }
        }
    }

    public var isIPv6: Bool { storage.ss_family == sa_family_t(AF_INET6) }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafeBytes(of: storage) { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self), length) }
    }
}

/// Socket system calls. Every descriptor is created non-blocking and close-on-exec.
public enum Socket {
    /// Creates a listening TCP socket bound to `address` with `SO_REUSEADDR` and, when
    /// `reusePort`, `SO_REUSEPORT` (so several loops can each own a listener on one port).
    public static func listen(_ address: SocketAddress, backlog: Int32 = 1024, reusePort: Bool) throws(Errno) -> Int32 {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let fd = try retryingEINTR { socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do throws(Errno) {
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            if reusePort { try setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1) }
            let rc = address.withSockaddr { (sa, len) in bind(fd, sa, len) }
            if rc != 0 { throw Errno.current }
            try retryingEINTR { Glibc.listen(fd, backlog) }
        } catch {
            FD.close(fd)
            throw error
        }
        return fd
    }

    /// The locally bound address of a socket (`getsockname(2)`), e.g. to learn an ephemeral port.
    public static func localAddress(_ fd: Int32) throws(Errno) -> SocketAddress {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in getsockname(fd, sa, &len) }
        }
        if rc != 0 { throw Errno.current }
        return try address(from: storage)
    }

    static func address(from storage: sockaddr_storage) throws(Errno) -> SocketAddress {
        var s = storage
        if storage.ss_family == sa_family_t(AF_INET6) {
            let sin6 = withUnsafeBytes(of: &s) { $0.load(as: sockaddr_in6.self) }
            var a6 = sin6.sin6_addr
            var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            inet_ntop(AF_INET6, &a6, &buf, socklen_t(buf.count))
            return SocketAddress(host: hostString(buf), port: UInt16(bigEndian: sin6.sin6_port), sin6: sin6)
        }
        let sin = withUnsafeBytes(of: &s) { $0.load(as: sockaddr_in.self) }
        var a4 = sin.sin_addr
        var buf = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        inet_ntop(AF_INET, &a4, &buf, socklen_t(buf.count))
        return SocketAddress(host: hostString(buf), port: UInt16(bigEndian: sin.sin_port), sin: sin)
    }

    static func hostString(_ buf: [CChar]) -> String {
        let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `accept4(2)` with `SOCK_NONBLOCK | SOCK_CLOEXEC`. Returns nil when no connection is
    /// pending (`EAGAIN`) or the pending one was aborted by the peer (`ECONNABORTED`).
    @inlinable public static func accept(_ listener: Int32) throws(Errno) -> Int32? {
        while true {
            let fd = accept4(listener, nil, nil, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            if fd >= 0 { return fd }
            let e = cshim_errno()
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK || e == ECONNABORTED || e == EPROTO { return nil }
            throw Errno(rawValue: e)
        }
    }

    /// `setsockopt(2)` with an `Int32` value.
    public static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws(Errno) {
        var v = value
        try retryingEINTR { setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) }
    }

    /// Disables Nagle's algorithm (`TCP_NODELAY`). Failure is ignored (e.g. on AF_UNIX).
    public static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// `send(2)` with `MSG_NOSIGNAL` (a closed peer is `EPIPE`, never SIGPIPE). Returns nil on
    /// `EAGAIN`.
    @inlinable public static func send(_ fd: Int32, _ p: UnsafeRawPointer, count: Int) throws(Errno) -> Int? {
        while true {
            let n = Glibc.send(fd, p, count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return n }
            let e = cshim_errno()
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return nil }
            throw Errno(rawValue: e)
        }
    }

    /// `recv(2)`. Returns nil on `EAGAIN`, 0 when the peer closed its side.
    @inlinable public static func receive(_ fd: Int32, into p: UnsafeMutableRawPointer, count: Int) throws(Errno) -> Int? {
        while true {
            let n = Glibc.recv(fd, p, count, 0)
            if n >= 0 { return n }
            let e = cshim_errno()
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return nil }
            throw Errno(rawValue: e)
        }
    }

    /// `shutdown(SHUT_WR)`: sends FIN after pending data, used before a graceful close.
    public static func shutdownWrite(_ fd: Int32) { _ = shutdown(fd, Int32(SHUT_WR)) }

    /// Sets `SO_LINGER` to zero so that `close` sends RST (used for abusive peers).
    public static func setLingerZero(_ fd: Int32) {
        var l = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
    }
}
