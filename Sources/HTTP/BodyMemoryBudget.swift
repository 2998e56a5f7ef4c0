import Synchronization

/// The bytes of request bodies all event loops together may hold in memory
/// (`server.limits.max_body_memory`).
///
/// A request's body is reserved when its head arrives (its `Content-Length`; a chunked body as it
/// grows) and released when the connection lets go of the request (its response is queued, or
/// the connection closes). A request that does not fit is refused before its body is read, so
/// the memory held for bodies stays under the limit whatever the number of clients: without it,
/// every connection may hold a body of `max_body_bytes` and thousands of connections hold
/// gigabytes while their requests wait in line.
public final class BodyMemoryBudget: Sendable {
    public let limitBytes: Int
    let held = Atomic<Int>(0)

    public init(limitBytes: Int) {
        self.limitBytes = limitBytes
    }

    /// Bytes currently reserved by requests in progress.
    public var heldBytes: Int { held.load(ordering: .relaxed) }

    /// Reserves `bytes` if they fit under the limit; otherwise reserves nothing and returns false.
    public func tryReserve(_ bytes: Int) -> Bool {
        var current = held.load(ordering: .relaxed)
        while true {
            if bytes > limitBytes - current { return false }
            let (exchanged, original) = held.compareExchange(expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    /// Gives back bytes reserved with `tryReserve`.
    public func release(_ bytes: Int) {
        held.wrappingSubtract(bytes, ordering: .relaxed)
    }
}
