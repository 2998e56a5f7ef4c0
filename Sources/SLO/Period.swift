/// The calendar unit of a calendar period.
public enum CalendarUnit: String, Sendable, Equatable {
    /// From local midnight of the 1st of the month to local midnight of the 1st of the next.
    case month
    /// ISO weeks: from local midnight of Monday to local midnight of the next Monday.
    case week
}

/// An SLO's budgeting period: the window over which the error budget is spent.
///
/// - `rolling`: the last N seconds (`28d`, `30d`, `4w`, …), a whole number of 30-minute steps
///   between 1 day and 35 days; the budget never resets, old events age out.
/// - `calendar`: the current calendar month or ISO week in a time zone; at the boundary the
///   budget resets to full (OpenSLO `isRolling: false`).
public enum Period: Sendable, Equatable, CustomStringConvertible {
    case rolling(seconds: Int64)
    case calendar(CalendarUnit, TimeZoneRules)

    /// The shortest and longest rolling periods accepted.
    public static let minRollingSeconds: Int64 = 86_400
    public static let maxRollingSeconds: Int64 = 35 * 86_400
    /// Rolling periods are whole multiples of the period tier's resolution.
    public static let rollingStepSeconds: Int64 = 1_800

    /// Parses `month`, `week` (calendar, in `timeZone`) or a rolling duration like `30d`, `4w`.
    public static func parse(_ text: String, timeZone: TimeZoneRules = .utc) throws(SLOConfigurationError) -> Period {
        switch text {
        case "month": return .calendar(.month, timeZone)
        case "week": return .calendar(.week, timeZone)
        default:
            guard let seconds = SLODuration.parseSeconds(text) else {
                throw SLOConfigurationError("period", "\"\(text)\" is neither month, week nor a duration like 30d or 4w")
            }
            return try validatedRolling(seconds: seconds, text: text)
        }
    }

    /// A validated rolling period.
    public static func validatedRolling(seconds: Int64, text: String? = nil) throws(SLOConfigurationError) -> Period {
        let shown = text ?? SLODuration.render(seconds: seconds)
        guard seconds >= minRollingSeconds, seconds <= maxRollingSeconds else {
            throw SLOConfigurationError("period", "rolling period \(shown) must be between 1d and 35d")
        }
        guard seconds % rollingStepSeconds == 0 else {
            throw SLOConfigurationError("period", "rolling period \(shown) must be a whole number of 30m steps")
        }
        return .rolling(seconds: seconds)
    }

    /// `30d`, `month`, `week` (the zone is not part of the label).
    public var label: String {
        switch self {
        case .rolling(let s): return SLODuration.render(seconds: s)
        case .calendar(let unit, _): return unit.rawValue
        }
    }

    public var description: String {
        switch self {
        case .rolling: return label
        case .calendar(let unit, let zone): return "\(unit.rawValue) in \(zone.name)"
        }
    }

    /// The length burn-rate factors are scaled by: a rolling period's own, 30 days for a
    /// calendar month and 7 for a week (the rolling stand-ins `slod rules` uses).
    public var nominalSeconds: Int64 {
        switch self {
        case .rolling(let s): return s
        case .calendar(.month, _): return 30 * 86_400
        case .calendar(.week, _): return 7 * 86_400
        }
    }

    /// The longest this period can last, which is how far back the period tier must keep
    /// buckets: a local month is at most 31 days plus a DST hour, a week 7 days plus one; a day
    /// of margin covers zones that moved their clocks by more.
    public var maxLengthSeconds: Int64 {
        switch self {
        case .rolling(let s): return s
        case .calendar(.month, _): return 32 * 86_400
        case .calendar(.week, _): return 8 * 86_400
        }
    }

    /// The period that contains `nowNanos`.
    public func bounds(containing nowNanos: Int64) -> PeriodBounds {
        switch self {
        case .rolling(let s):
            let length = TimeMath.nanos(ofSeconds: s)
            return PeriodBounds(startNanos: nowNanos &- length, endNanos: nil, lengthSeconds: s)
        case .calendar(let unit, let zone):
            let (start, end) = CalendarPeriod.bounds(unit, zone: zone, containing: TimeMath.seconds(ofNanos: nowNanos))
            return PeriodBounds(startNanos: TimeMath.nanos(ofSeconds: start), endNanos: TimeMath.nanos(ofSeconds: end),
                                lengthSeconds: end - start)
        }
    }
}

/// Where a period begins and, for calendar periods, ends.
public struct PeriodBounds: Sendable, Equatable {
    /// Rolling: `now − length`; calendar: the first instant of the current month or week.
    public var startNanos: Int64
    /// Calendar: the first instant of the next month or week, when the budget resets; nil for
    /// rolling periods, which never reset.
    public var endNanos: Int64?
    /// The period's length in seconds (for calendar periods the current one's, e.g. 2,674,800
    /// for a 31-day month that gains a DST hour).
    public var lengthSeconds: Int64

    public init(startNanos: Int64, endNanos: Int64?, lengthSeconds: Int64) {
        self.startNanos = startNanos
        self.endNanos = endNanos
        self.lengthSeconds = lengthSeconds
    }
}
