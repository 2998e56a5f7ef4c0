/// Calendar months and ISO weeks in a time zone, turned into UTC instants.
///
/// A period starts at the first instant whose local time is at or after local midnight of its
/// first day (`TimeZoneRules.firstInstant(atOrAfterLocal:)`): across a DST change this is still
/// local midnight (e.g. Europe/Berlin: 1 March 00:00 CET = 28 Feb 23:00 UTC, 1 April 00:00
/// CEST = 31 March 22:00 UTC), and when a zone skips midnight it is the first moment of the day.
enum CalendarPeriod {
    /// `(start, end)` in Unix seconds of the month or week containing `seconds`.
    static func bounds(_ unit: CalendarUnit, zone: TimeZoneRules, containing seconds: Int64) -> (Int64, Int64) {
        let s = TimeMath.clampSeconds(seconds)
        let localDay = TimeMath.floorDiv(zone.localSeconds(at: s), TimeMath.secondsPerDay)
        // The local date picks the candidate; clocks that go back across midnight can make the
        // local date lag the period it belongs to, so check against the instants and step.
        var firstDay = firstDayOfPeriod(unit, containingDay: localDay)
        for _ in 0..<4 {
            let start = zone.firstInstant(atOrAfterLocal: firstDay * TimeMath.secondsPerDay)
            let nextDay = firstDayOfNextPeriod(unit, afterFirstDay: firstDay)
            let end = zone.firstInstant(atOrAfterLocal: nextDay * TimeMath.secondsPerDay)
            if s >= end {
                firstDay = nextDay
            } else if s < start {
                firstDay = firstDayOfPeriod(unit, containingDay: firstDay - 1)
            } else {
                return (start, end)
            }
        }
        let start = zone.firstInstant(atOrAfterLocal: firstDay * TimeMath.secondsPerDay)
        let end = zone.firstInstant(atOrAfterLocal: firstDayOfNextPeriod(unit, afterFirstDay: firstDay) * TimeMath.secondsPerDay)
        return (start, max(end, start + 1))
    }

    /// Days since the epoch of the first local day of the period containing local day `day`.
    static func firstDayOfPeriod(_ unit: CalendarUnit, containingDay day: Int64) -> Int64 {
        switch unit {
        case .month:
            let date = CivilDate(daysSinceEpoch: day)
            return CivilDate.days(year: date.year, month: date.month, day: 1)
        case .week:
            // ISO weeks start on Monday; 1970-01-01 was a Thursday (Monday-based index 3).
            return day - TimeMath.floorMod(day + 3, 7)
        }
    }

    /// Days since the epoch of the first local day of the period after the one starting at
    /// `firstDay`.
    static func firstDayOfNextPeriod(_ unit: CalendarUnit, afterFirstDay firstDay: Int64) -> Int64 {
        switch unit {
        case .month:
            let date = CivilDate(daysSinceEpoch: firstDay)
            return date.month == 12 ? CivilDate.days(year: date.year + 1, month: 1, day: 1)
                                    : CivilDate.days(year: date.year, month: date.month + 1, day: 1)
        case .week:
            return firstDay + 7
        }
    }
}
