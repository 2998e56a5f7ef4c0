extension Deadline {
    /// Starts an asynchronous request — `start` passes the callback it is given to something
    /// that calls it once, on any thread, with the answer — and blocks until the answer arrives
    /// or the deadline passes (nil).
    public func answer<T: Sendable>(of start: (@escaping @Sendable (T) -> Void) -> Void) -> T? {
        let slot = ConditionLocked<T?>(nil)
        start { value in slot.withLock { $0 = value } }
        var answer: T? = nil
        _ = slot.wait(until: self) { value in
            answer = value
            return value != nil
        }
        return answer
    }
}
