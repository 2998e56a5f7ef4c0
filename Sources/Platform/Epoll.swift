import CShims
#if canImport(Glibc)
import Glibc
#endif

/// An epoll instance (`epoll_create1(2)`), owned by one event loop thread.
public struct Epoll: ~Copyable {
    public let fd: Int32

    public struct Events: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let readable = Events(rawValue: EPOLLIN.rawValue)
        public static let writable = Events(rawValue: EPOLLOUT.rawValue)
        public static let readHangup = Events(rawValue: EPOLLRDHUP.rawValue)
        public static let hangup = Events(rawValue: EPOLLHUP.rawValue)
        public static let error = Events(rawValue: EPOLLERR.rawValue)
        /// `EPOLLET`: report a state change once instead of while the condition holds.
        public static let edgeTriggered = Events(rawValue: EPOLLET.rawValue)
        /// `EPOLLEXCLUSIVE`: of several epoll instances waiting on one fd, wake only one.
        public static let exclusive = Events(rawValue: EPOLLEXCLUSIVE.rawValue)
    }

    public init() throws(Errno) {
        fd = try retryingEINTR { epoll_create1(Int32(EPOLL_CLOEXEC)) }
    }

    deinit { FD.close(fd) }

    /// `epoll_ctl(EPOLL_CTL_ADD)`; `token` comes back with every event.
    public func add(_ target: Int32, events: Events, token: UInt64) throws(Errno) {
        var ev = epoll_event(events: events.rawValue, data: epoll_data_t(u64: token))
        try retryingEINTR { epoll_ctl(fd, EPOLL_CTL_ADD, target, &ev) }
    }

    /// `epoll_ctl(EPOLL_CTL_MOD)`.
    public func modify(_ target: Int32, events: Events, token: UInt64) throws(Errno) {
        var ev = epoll_event(events: events.rawValue, data: epoll_data_t(u64: token))
        try retryingEINTR { epoll_ctl(fd, EPOLL_CTL_MOD, target, &ev) }
    }

    /// `epoll_ctl(EPOLL_CTL_DEL)`. Errors are ignored (closing the fd removes it anyway).
    public func remove(_ target: Int32) {
        var ev = epoll_event()
        _ = epoll_ctl(fd, EPOLL_CTL_DEL, target, &ev)
    }

    /// `epoll_wait(2)` into a caller-owned buffer; returns the number of ready events (0 on
    /// timeout or `EINTR`).
    public func wait(into buffer: UnsafeMutableBufferPointer<epoll_event>, timeoutMilliseconds: Int32) -> Int {
        let n = epoll_wait(fd, buffer.baseAddress, Int32(buffer.count), timeoutMilliseconds)
        return n < 0 ? 0 : Int(n)
    }
}

/// An `eventfd(2)` used to wake an event loop from another thread.
public final class EventFD: Sendable {
    public let fd: Int32
    public init() throws(Errno) {
        fd = try retryingEINTR { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
    }
    deinit { FD.close(fd) }

    /// Wakes the waiter. Safe from any thread; coalesces.
    public func signal() {
        var one: UInt64 = 1
        _ = Glibc.write(fd, &one, 8)
    }

    /// Clears pending wake-ups (called by the owning loop).
    public func drain() {
        var v: UInt64 = 0
        _ = Glibc.read(fd, &v, 8)
    }
}

extension EventFD {
    /// Blocks until signalled or `timeoutMilliseconds` pass (`poll(2)`), then clears the count.
    /// Returns true when it was signalled.
    @discardableResult
    public func wait(timeoutMilliseconds: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let n = poll(&p, 1, timeoutMilliseconds)
        if n > 0 { drain(); return true }
        return false
    }
}
