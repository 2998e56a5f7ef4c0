import Testing
@testable import SLO

@Suite struct PeriodTests {
    @Test func parsing() throws {
        #expect(try Period.parse("30d") == .rolling(seconds: 2_592_000))
        #expect(try Period.parse("4w") == .rolling(seconds: 2_419_200))
        #expect(try Period.parse("month") == .calendar(.month, .utc))
        #expect(try Period.parse("week").label == "week")
        #expect(try Period.parse("28d").label == "28d")
        for bad in ["36d", "12h", "1d1m", "monthly", "1M", ""] {
            #expect(throws: SLOConfigurationError.self, "\(bad)") { try Period.parse(bad) }
        }
    }

    @Test func utcMonthsAndLeapYears() {
        let p = Period.calendar(.month, .utc)
        let feb = p.bounds(containing: T.utc(2024, 2, 10, 12))
        #expect(feb.startNanos == T.utc(2024, 2, 1))
        #expect(feb.endNanos == T.utc(2024, 3, 1))
        #expect(feb.lengthSeconds == 29 * 86_400)
        // The boundary instant belongs to the new month.
        #expect(p.bounds(containing: T.utc(2024, 3, 1)).startNanos == T.utc(2024, 3, 1))
        #expect(p.bounds(containing: T.utc(2024, 3, 1) - 1).startNanos == T.utc(2024, 2, 1))
        let dec = p.bounds(containing: T.utc(2023, 12, 31, 23, 59, 59))
        #expect(dec.endNanos == T.utc(2024, 1, 1))
    }

    @Test func isoWeeksStartOnMonday() {
        let p = Period.calendar(.week, .utc)
        // 2024-03-03 is a Sunday, 2024-03-04 a Monday.
        let sunday = p.bounds(containing: T.utc(2024, 3, 3, 23, 59, 59))
        #expect(sunday.startNanos == T.utc(2024, 2, 26))
        #expect(sunday.endNanos == T.utc(2024, 3, 4))
        #expect(p.bounds(containing: T.utc(2024, 3, 4)).startNanos == T.utc(2024, 3, 4))
        // Across a year boundary: 2025-01-01 (Wednesday) is in the week of Monday 2024-12-30.
        #expect(p.bounds(containing: T.utc(2025, 1, 1, 12)).startNanos == T.utc(2024, 12, 30))
    }

    @Test(.enabled(if: T.zoneinfoAvailable, "needs /usr/share/zoneinfo (apt-get install tzdata)"))
    func berlinMonthWithDSTChange() throws {
        let p = Period.calendar(.month, try T.zone("Europe/Berlin"))
        // March 2024 starts at local midnight CET (23:00 UTC) and ends at local midnight CEST
        // (22:00 UTC): one hour short of 31 days.
        let march = p.bounds(containing: T.utc(2024, 3, 15))
        #expect(march.startNanos == T.utc(2024, 2, 29, 23))
        #expect(march.endNanos == T.utc(2024, 3, 31, 22))
        #expect(march.lengthSeconds == 31 * 86_400 - 3_600)
        // 23:30 UTC on the last day of March is already April in Berlin.
        #expect(p.bounds(containing: T.utc(2024, 3, 31, 22, 30)).startNanos == T.utc(2024, 3, 31, 22))
        // October gains the hour back.
        #expect(p.bounds(containing: T.utc(2024, 10, 15)).lengthSeconds == 31 * 86_400 + 3_600)
    }

    @Test(.enabled(if: T.zoneinfoAvailable, "needs /usr/share/zoneinfo (apt-get install tzdata)"))
    func newYorkAndHalfHourZones() throws {
        let ny = Period.calendar(.month, try T.zone("America/New_York"))
        let november = ny.bounds(containing: T.utc(2024, 11, 15))
        #expect(november.startNanos == T.utc(2024, 11, 1, 4))   // EDT midnight
        #expect(november.endNanos == T.utc(2024, 12, 1, 5))     // EST midnight
        #expect(november.lengthSeconds == 30 * 86_400 + 3_600)
        let nyWeek = Period.calendar(.week, try T.zone("America/New_York"))
        #expect(nyWeek.bounds(containing: T.utc(2024, 3, 11, 3)).startNanos == T.utc(2024, 3, 4, 5))  // still Sunday in NY

        let kathmandu = Period.calendar(.month, try T.zone("Asia/Kathmandu"))
        #expect(kathmandu.bounds(containing: T.utc(2024, 4, 10)).startNanos == T.utc(2024, 3, 31, 18, 15))
        let lordHowe = Period.calendar(.month, try T.zone("Australia/Lord_Howe"))
        #expect(lordHowe.bounds(containing: T.utc(2024, 5, 10)).startNanos == T.utc(2024, 4, 30, 13, 30))  // +10:30
        #expect(lordHowe.bounds(containing: T.utc(2024, 1, 10)).startNanos == T.utc(2023, 12, 31, 13))     // +11
    }

    @Test func civilDatesRoundTrip() {
        for days in stride(from: Int64(-800_000), through: 800_000, by: 997) {
            let d = CivilDate(daysSinceEpoch: days)
            #expect(d.daysSinceEpoch == days)
            #expect(d.day >= 1 && d.day <= CivilDate.daysInMonth(year: d.year, month: d.month))
        }
        #expect(CivilDate(daysSinceEpoch: 0).description == "1970-01-01")
        #expect(CivilDate.weekday(daysSinceEpoch: 0) == 4)
        #expect(CivilDate(daysSinceEpoch: CivilDate.days(year: 2000, month: 2, day: 29)).description == "2000-02-29")
    }
}
