/// Completes a deferred request from any thread. Copyable and cheap (a reference and a token);
/// `respond` must be called exactly once per deferred request. A response for a connection that
/// has gone away is dropped.
public struct HTTPResponder: Sendable {
    let loop: EventLoop?
    let token: UInt64

    /// Submits the response; the loop writes it on its own thread.
    public func respond(_ response: HTTPResponse) {
        loop?.submit(token: token, response: response)
    }
}
