/// The UTC offsets of one time zone over time: a table of transitions (from a TZif file) and,
/// for instants after the last one, the POSIX TZ rule of the file's footer.
///
/// Only what the SLO periods need is kept: offsets, not abbreviations or the `isdst` flags.
/// Every query is total (never traps) for any `Int64`; instants are clamped to about ±34,000
/// years before any calendar arithmetic. Lookups cost O(log transitions), rule lookups a few
/// calendar computations: periods call them once per period boundary, never per data point.
public struct TimeZoneRules: Sendable, Equatable, CustomStringConvertible {
    /// The zone's name as configured, e.g. `Europe/Berlin` (`UTC` for the built-in zone).
    public let name: String
    /// Transition instants in Unix seconds, non-decreasing.
    let transitions: [Int64]
    /// The UTC offset (seconds east) in effect from `transitions[i]` on.
    let offsets: [Int32]
    /// The offset before the first transition (RFC 8536: time type 0), or everywhere when there
    /// are neither transitions nor a footer.
    let initialOffset: Int32
    /// The footer's rule for instants at or after the last transition (or all instants when
    /// there are no transitions).
    let footer: POSIXTimeZone?

    /// The largest offset magnitude accepted anywhere: 26 hours (RFC 8536 suggests
    /// −89999…93599 seconds).
    static let maxOffsetSeconds: Int32 = 26 * 3600

    /// Coordinated Universal Time: offset 0, no transitions. Needs no file.
    public static let utc = TimeZoneRules(name: "UTC", transitions: [], offsets: [], initialOffset: 0, footer: nil)

    init(name: String, transitions: [Int64], offsets: [Int32], initialOffset: Int32, footer: POSIXTimeZone?) {
        self.name = name
        self.transitions = transitions
        self.offsets = offsets
        self.initialOffset = initialOffset
        self.footer = footer
    }

    public var description: String { name }

    /// Number of transitions in the table (the footer's are not counted).
    public var transitionCount: Int { transitions.count }

    /// The UTC offset in seconds (east positive) in effect at `utcSeconds`.
    public func offset(at utcSeconds: Int64) -> Int32 {
        let t = TimeMath.clampSeconds(utcSeconds)
        guard let last = transitions.last else { return footer?.offset(at: t) ?? initialOffset }
        if t < transitions[0] { return initialOffset }
        if t >= last, let footer { return footer.offset(at: t) }
        // Last index with transitions[i] <= t.
        var lo = 0, hi = transitions.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if transitions[mid] <= t { lo = mid } else { hi = mid - 1 }
        }
        return offsets[lo]
    }

    /// Local wall-clock seconds (`utc + offset`) at `utcSeconds`.
    public func localSeconds(at utcSeconds: Int64) -> Int64 {
        let t = TimeMath.clampSeconds(utcSeconds)
        return t + Int64(offset(at: t))
    }

    /// The first instant strictly after `utcSeconds` at which the table or the footer rule
    /// changes the offset (table entries that keep the offset may be returned too); nil when
    /// there is none.
    public func nextTransition(after utcSeconds: Int64) -> Int64? {
        let t = TimeMath.clampSeconds(utcSeconds)
        if let last = transitions.last, t < last {
            // First index with transitions[i] > t.
            var lo = 0, hi = transitions.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if transitions[mid] > t { hi = mid } else { lo = mid + 1 }
            }
            return transitions[lo]
        }
        return footer?.nextTransition(after: t)
    }

    /// The first instant (Unix seconds) whose local time is at or after `localSeconds`.
    ///
    /// This is how a local midnight becomes the start of a calendar period: when the local time
    /// exists once, it is that instant; when it exists twice (clocks went back) it is the
    /// earlier one; when it does not exist (clocks jumped over it) it is the transition instant,
    /// the first moment of the new day.
    public func firstInstant(atOrAfterLocal localSeconds: Int64) -> Int64 {
        let local = TimeMath.clampSeconds(localSeconds)
        // Walk the intervals of constant offset from well before the answer; within one
        // interval local time rises with UTC, so the first interval that reaches `local` holds
        // the first such instant.
        var start = local - Int64(TimeZoneRules.maxOffsetSeconds) - 1
        var offset = Int64(self.offset(at: start))
        for _ in 0..<64 {
            if start + offset >= local { return start }
            let candidate = local - offset
            let end = nextTransition(after: start) ?? Int64.max
            if candidate < end { return candidate }
            start = end
            offset = Int64(self.offset(at: end))
        }
        return local - offset
    }
}
