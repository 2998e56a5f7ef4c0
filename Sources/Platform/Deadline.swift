#if canImport(Glibc)
import Glibc
#endif

/// A point on the monotonic clock by which something must have happened. Bounded waits take
/// one instead of counting polls, so a wait lasts what it says however long each check takes.
public struct Deadline: Sendable, Comparable {
    /// `Clock.monotonicNanos()` at the deadline.
    public let nanos: UInt64

    public init(monotonicNanos: UInt64) { nanos = monotonicNanos }

    /// `duration` from now.
    public static func after(_ duration: Duration) -> Deadline {
        let now = Clock.monotonicNanos()
        let (sum, overflow) = now.addingReportingOverflow(duration.nanoseconds)
        return Deadline(monotonicNanos: overflow ? .max : sum)
    }

    /// Nanoseconds left (0 once passed).
    public var remainingNanos: UInt64 {
        let now = Clock.monotonicNanos()
        return nanos > now ? nanos - now : 0
    }

    public var hasPassed: Bool { remainingNanos == 0 }

    public static func < (a: Deadline, b: Deadline) -> Bool { a.nanos < b.nanos }

    /// Blocks the calling thread until the deadline (a deliberate pause, e.g. to let work
    /// gather; a wait for something that can be signalled waits on the signal instead).
    public func sleep() {
        var at = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nil) == EINTR {}
    }

    /// Checks `condition` every `interval` (the last sleep cut to the deadline) until it holds
    /// or the deadline passes; returns whether it held. For conditions nothing signals (e.g.
    /// room in a ring whose consumer does not report it); where a signal exists, wait on it
    /// (`ConditionLocked.wait(until:_:)`).
    public func poll(every interval: Duration, until condition: () -> Bool) -> Bool {
        while true {
            if condition() { return true }
            let left = remainingNanos
            if left == 0 { return false }
            // Until the next check or the deadline, whichever comes first (absolute, so a
            // signal that interrupts the sleep does not stretch it).
            Deadline(monotonicNanos: nanos - left + min(left, max(interval.nanoseconds, 1))).sleep()
        }
    }
}
