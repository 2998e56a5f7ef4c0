/// A POSIX TZ rule string, as found in the footer of version 2+ TZif files (RFC 8536 §3.3), e.g.
/// `CET-1CEST,M3.5.0,M10.5.0/3`, `EST5EDT,M3.2.0,M11.1.0`, `<+0545>-5:45`,
/// `<+1030>-10:30<+11>-11,M10.1.0,M4.1.0`.
///
/// Grammar: `std offset [dst [offset] [,start[/time],end[/time]]]`. Names are three or more
/// letters or `<…>` quoted (letters, digits, `+`, `-`). Offsets are `[+-]hh[:mm[:ss]]` *west* of
/// UTC (POSIX sign), hours 0–24; a missing DST offset is one hour ahead of standard time. Rule
/// dates are `Jn` (1–365, February 29 never counted), `n` (0–365, counted) or `Mm.w.d` (day `d`
/// 0 = Sunday of week `w` 1–5 of month `m`, 5 = last); rule times are `[+-]hhh[:mm[:ss]]` with
/// hours −167…167 (the RFC 8536 version 3 extension), default `02:00:00`, in the local time in
/// effect before the change. DST without rules uses `M3.2.0,M11.1.0` as tzcode does.
struct POSIXTimeZone: Sendable, Equatable {
    enum RuleDate: Sendable, Equatable {
        case julianNoLeap(Int64)
        case zeroBased(Int64)
        case monthWeekDay(month: Int64, week: Int64, weekday: Int64)
    }

    struct Rule: Sendable, Equatable {
        var date: RuleDate
        /// Seconds after local midnight of `date` (may be negative or exceed a day).
        var time: Int64
    }

    struct Daylight: Sendable, Equatable {
        /// UTC offset (seconds east) while DST is in effect.
        var offset: Int32
        var start: Rule
        var end: Rule
    }

    /// UTC offset (seconds east) of standard time.
    var standardOffset: Int32
    var daylight: Daylight?

    /// Longest footer accepted.
    static let maxLength = 512

    // MARK: Evaluation

    /// The offset at `t` (seconds, already clamped by the caller).
    func offset(at t: Int64) -> Int32 {
        guard daylight != nil else { return standardOffset }
        var last: (time: Int64, offset: Int32)? = nil
        let year = CivilDate(daysSinceEpoch: TimeMath.floorDiv(t, TimeMath.secondsPerDay)).year
        for event in events(years: (year - 2)...(year + 1)) where event.time <= t {
            last = event
        }
        return last?.offset ?? standardOffset
    }

    /// The first instant after `t` where the offset changes; nil without DST or when the rule
    /// keeps DST all year.
    func nextTransition(after t: Int64) -> Int64? {
        guard daylight != nil else { return nil }
        let year = CivilDate(daysSinceEpoch: TimeMath.floorDiv(t, TimeMath.secondsPerDay)).year
        for event in events(years: (year - 1)...(year + 2)) where event.time > t {
            if offset(at: event.time) != offset(at: event.time - 1) { return event.time }
        }
        return nil
    }

    /// The DST start and end instants of the given years, sorted by time; at equal instants the
    /// end of DST sorts first so that a rule with DST all year (`J1/0,J365/25`) stays in DST.
    private func events(years: ClosedRange<Int64>) -> [(time: Int64, offset: Int32)] {
        guard let dst = daylight else { return [] }
        var list: [(time: Int64, offset: Int32, isStart: Bool)] = []
        list.reserveCapacity(2 * years.count)
        for y in years {
            list.append((POSIXTimeZone.localSeconds(of: dst.start, year: y) - Int64(standardOffset), dst.offset, true))
            list.append((POSIXTimeZone.localSeconds(of: dst.end, year: y) - Int64(dst.offset), standardOffset, false))
        }
        list.sort { a, b in a.time != b.time ? a.time < b.time : (!a.isStart && b.isStart) }
        return list.map { ($0.time, $0.offset) }
    }

    /// Local seconds (since the epoch, as if local time were UTC) at which `rule` fires in `year`.
    static func localSeconds(of rule: Rule, year: Int64) -> Int64 {
        let day: Int64
        switch rule.date {
        case .julianNoLeap(let n):
            let leapShift: Int64 = CivilDate.isLeapYear(year) && n >= 60 ? 1 : 0
            day = CivilDate.days(year: year, month: 1, day: 1) + n - 1 + leapShift
        case .zeroBased(let n):
            day = CivilDate.days(year: year, month: 1, day: 1) + n
        case .monthWeekDay(let month, let week, let weekday):
            let first = CivilDate.days(year: year, month: month, day: 1)
            let shift = TimeMath.floorMod(weekday - CivilDate.weekday(daysSinceEpoch: first), 7)
            var d = first + shift + 7 * (week - 1)
            let length = CivilDate.daysInMonth(year: year, month: month)
            while d >= first + length { d -= 7 }
            day = d
        }
        return day * TimeMath.secondsPerDay + rule.time
    }

    // MARK: Parsing

    /// Parses a TZ string; an empty string has no rule and gives nil.
    static func parse(_ text: ArraySlice<UInt8>) throws(TZifError) -> POSIXTimeZone? {
        if text.isEmpty { return nil }
        guard text.count <= maxLength else { throw TZifError(offset: 0, "footer TZ string is longer than \(maxLength) bytes") }
        var p = FooterScanner(bytes: text)
        try p.name()
        let standard = -(try p.offset(maxHours: 24))
        if p.atEnd { return POSIXTimeZone(standardOffset: Int32(standard), daylight: nil) }
        try p.name()
        var dstOffset = standard + 3600
        if let c = p.peek, c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || isDigit(c) {
            dstOffset = -(try p.offset(maxHours: 24))
        }
        let start: Rule, end: Rule
        if p.atEnd {
            start = Rule(date: .monthWeekDay(month: 3, week: 2, weekday: 0), time: 7200)
            end = Rule(date: .monthWeekDay(month: 11, week: 1, weekday: 0), time: 7200)
        } else {
            try p.expect(UInt8(ascii: ","))
            start = try p.rule()
            try p.expect(UInt8(ascii: ","))
            end = try p.rule()
            guard p.atEnd else { throw p.error("unexpected text after the DST end rule") }
        }
        return POSIXTimeZone(standardOffset: Int32(standard),
                             daylight: Daylight(offset: Int32(dstOffset), start: start, end: end))
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}

/// A cursor over the footer bytes; every method throws a `TZifError` naming the problem.
private struct FooterScanner {
    let bytes: ArraySlice<UInt8>
    var index: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    var atEnd: Bool { index >= bytes.endIndex }
    var peek: UInt8? { atEnd ? nil : bytes[index] }

    func error(_ message: String) -> TZifError {
        TZifError(offset: index - bytes.startIndex, "footer TZ string \"\(String(decoding: bytes, as: UTF8.self))\": \(message)")
    }

    mutating func expect(_ c: UInt8) throws(TZifError) {
        guard peek == c else { throw error("expected '\(Character(Unicode.Scalar(c)))'") }
        index += 1
    }

    /// A zone abbreviation: `<[A-Za-z0-9+-]{3,}>` or `[A-Za-z]{3,}`.
    mutating func name() throws(TZifError) {
        func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") }
        var count = 0
        if peek == UInt8(ascii: "<") {
            index += 1
            while let c = peek, c != UInt8(ascii: ">") {
                guard isAlpha(c) || POSIXTimeZone.isDigit(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") else {
                    throw error("invalid character in a quoted zone name")
                }
                index += 1
                count += 1
            }
            try expect(UInt8(ascii: ">"))
        } else {
            while let c = peek, isAlpha(c) {
                index += 1
                count += 1
            }
        }
        guard count >= 3 else { throw error("a zone name needs at least 3 characters") }
    }

    /// `[+-]hh[:mm[:ss]]` with hours up to `maxHours`; returns signed seconds.
    mutating func offset(maxHours: Int64) throws(TZifError) -> Int64 {
        var sign: Int64 = 1
        if peek == UInt8(ascii: "+") { index += 1 } else if peek == UInt8(ascii: "-") { sign = -1; index += 1 }
        let hours = try number(maxDigits: 3, max: maxHours, what: "hours")
        var seconds = hours * 3600
        if peek == UInt8(ascii: ":") {
            index += 1
            seconds += try number(maxDigits: 2, max: 59, what: "minutes") * 60
            if peek == UInt8(ascii: ":") {
                index += 1
                seconds += try number(maxDigits: 2, max: 59, what: "seconds")
            }
        }
        return sign * seconds
    }

    mutating func number(maxDigits: Int, max: Int64, what: String) throws(TZifError) -> Int64 {
        var value: Int64 = 0
        var digits = 0
        while let c = peek, POSIXTimeZone.isDigit(c), digits < maxDigits {
            value = value * 10 + Int64(c - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw error("expected \(what)") }
        guard value <= max else { throw error("\(what) \(value) out of range 0...\(max)") }
        return value
    }

    /// `date[/time]`.
    mutating func rule() throws(TZifError) -> POSIXTimeZone.Rule {
        let date: POSIXTimeZone.RuleDate
        if peek == UInt8(ascii: "J") {
            index += 1
            let n = try number(maxDigits: 3, max: 365, what: "Julian day")
            guard n >= 1 else { throw error("Julian day must be 1...365") }
            date = .julianNoLeap(n)
        } else if peek == UInt8(ascii: "M") {
            index += 1
            let m = try number(maxDigits: 2, max: 12, what: "month")
            try expect(UInt8(ascii: "."))
            let w = try number(maxDigits: 1, max: 5, what: "week")
            try expect(UInt8(ascii: "."))
            let d = try number(maxDigits: 1, max: 6, what: "weekday")
            guard m >= 1, w >= 1 else { throw error("month must be 1...12 and week 1...5") }
            date = .monthWeekDay(month: m, week: w, weekday: d)
        } else {
            date = .zeroBased(try number(maxDigits: 3, max: 365, what: "day of year"))
        }
        var time: Int64 = 7200
        if peek == UInt8(ascii: "/") {
            index += 1
            time = try offset(maxHours: 167)
        }
        return POSIXTimeZone.Rule(date: date, time: time)
    }
}
