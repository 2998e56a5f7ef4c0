/// Integer time arithmetic shared by periods and time zones: floor division and the proleptic
/// Gregorian calendar (Howard Hinnant's `days_from_civil` / `civil_from_days`).
///
/// All functions are total: they never trap, whatever the input. Callers keep values within
/// ±2^40 seconds (about ±34,000 years) so that intermediate products cannot overflow; the zone
/// code clamps to that range before it calls in.
enum TimeMath {
    static let nanosPerSecond: Int64 = 1_000_000_000
    static let secondsPerDay: Int64 = 86_400
    /// The range of seconds the calendar code accepts; inputs are clamped into it.
    static let secondsLimit: Int64 = 1 << 40

    /// Floor division (rounds towards −∞). `b` must be positive.
    @inline(__always)
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b < 0) ? q - 1 : q
    }

    /// Floor modulo: the result is in `0..<b`. `b` must be positive.
    @inline(__always)
    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        let r = a % b
        return r < 0 ? r + b : r
    }

    /// Clamps seconds into `−secondsLimit...secondsLimit`.
    static func clampSeconds(_ s: Int64) -> Int64 {
        min(max(s, -secondsLimit), secondsLimit)
    }

    /// Seconds (floor) of a Unix-nanosecond instant.
    static func seconds(ofNanos ns: Int64) -> Int64 { floorDiv(ns, nanosPerSecond) }

    /// Nanoseconds of a Unix-second instant, saturating instead of overflowing.
    static func nanos(ofSeconds s: Int64) -> Int64 {
        let (r, o) = s.multipliedReportingOverflow(by: nanosPerSecond)
        return o ? (s < 0 ? Int64.min : Int64.max) : r
    }
}

/// A proleptic Gregorian date (no time of day, no zone).
struct CivilDate: Equatable, Sendable, CustomStringConvertible {
    var year: Int64
    /// 1...12
    var month: Int64
    /// 1...31
    var day: Int64

    /// Days since 1970-01-01 of this date.
    var daysSinceEpoch: Int64 { CivilDate.days(year: year, month: month, day: day) }

    var description: String { "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)" }

    /// `days_from_civil`: days since 1970-01-01 of year-month-day (month 1...12, day 1...31).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = TimeMath.floorDiv(y, 400)
        let yoe = y - era * 400                                        // [0, 399]
        let mp = (month + 9) % 12                                      // March = 0
        let doy = (153 * mp + 2) / 5 + day - 1                         // [0, 365]
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy                // [0, 146096]
        return era * 146_097 + doe - 719_468
    }

    /// `civil_from_days`: the date that is `days` after 1970-01-01.
    init(daysSinceEpoch days: Int64) {
        let z = days + 719_468
        let era = TimeMath.floorDiv(z, 146_097)
        let doe = z - era * 146_097                                    // [0, 146096]
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365 // [0, 399]
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)              // [0, 365]
        let mp = (5 * doy + 2) / 153                                   // [0, 11]
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    init(year: Int64, month: Int64, day: Int64) {
        self.year = year
        self.month = month
        self.day = day
    }

    static func isLeapYear(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Day of the week of a day count since the epoch: 0 = Sunday … 6 = Saturday
    /// (1970-01-01 was a Thursday).
    static func weekday(daysSinceEpoch days: Int64) -> Int64 { TimeMath.floorMod(days + 4, 7) }
}

/// An instant as RFC 3339 text in UTC, to the second (`2026-01-01T01:00:00Z`): how pages and
/// reports show evaluation times.
public enum UTCTimestamp {
    public static func text(nanos: Int64) -> String {
        let seconds = TimeMath.seconds(ofNanos: nanos)
        let date = CivilDate(daysSinceEpoch: TimeMath.floorDiv(seconds, TimeMath.secondsPerDay))
        let secondOfDay = TimeMath.floorMod(seconds, TimeMath.secondsPerDay)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(date)T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }
}
