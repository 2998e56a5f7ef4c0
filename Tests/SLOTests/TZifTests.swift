import Foundation
import Primitives
import Testing
@testable import SLO

@Suite struct TZifFileTests {
    static let zones = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe",
                        "Australia/Sydney", "Europe/London", "UTC"]

    @Test(.enabled(if: T.zoneinfoAvailable, "needs /usr/share/zoneinfo (apt-get install tzdata)"))
    func knownOffsets() throws {
        let berlin = try T.zone("Europe/Berlin")
        let s = { (ns: Int64) in ns / T.second }
        #expect(berlin.offset(at: s(T.utc(2024, 3, 31, 0, 59, 59))) == 3_600)
        #expect(berlin.offset(at: s(T.utc(2024, 3, 31, 1))) == 7_200)
        #expect(berlin.offset(at: s(T.utc(2024, 10, 27, 0, 59, 59))) == 7_200)
        #expect(berlin.offset(at: s(T.utc(2024, 10, 27, 1))) == 3_600)
        #expect(berlin.nextTransition(after: s(T.utc(2024, 1, 1))) == s(T.utc(2024, 3, 31, 1)))
        #expect(berlin.nextTransition(after: s(T.utc(2024, 3, 31, 1))) == s(T.utc(2024, 10, 27, 1)))

        let newYork = try T.zone("America/New_York")
        #expect(newYork.offset(at: s(T.utc(2024, 3, 10, 6, 59, 59))) == -18_000)
        #expect(newYork.offset(at: s(T.utc(2024, 3, 10, 7))) == -14_400)
        #expect(newYork.offset(at: s(T.utc(2024, 11, 3, 6))) == -18_000)

        #expect(try T.zone("Asia/Kolkata").offset(at: s(T.utc(2024, 6, 1))) == 19_800)
        #expect(try T.zone("Asia/Kathmandu").offset(at: s(T.utc(2024, 6, 1))) == 20_700)
        let lordHowe = try T.zone("Australia/Lord_Howe")
        #expect(lordHowe.offset(at: s(T.utc(2024, 1, 15))) == 39_600)   // DST, +11
        #expect(lordHowe.offset(at: s(T.utc(2024, 7, 15))) == 37_800)   // standard, +10:30
        #expect(try T.zone("UTC").offset(at: 1_700_000_000) == 0)
        // Far beyond the table: the footer rule decides (last Sunday of March 2100 is the 28th).
        #expect(berlin.offset(at: s(T.utc(2100, 3, 28, 0, 59, 59))) == 3_600)
        #expect(berlin.offset(at: s(T.utc(2100, 3, 28, 1))) == 7_200)
    }

    /// Every zone agrees with Foundation's time zones (ICU) at many instants, inside the table
    /// and in the footer's range.
    @Test(.enabled(if: T.zoneinfoAvailable, "needs /usr/share/zoneinfo (apt-get install tzdata)"))
    func agreesWithFoundation() throws {
        var rng = SplitMix(seed: 42)
        for name in TZifFileTests.zones {
            let rules = try T.zone(name)
            guard let reference = TimeZone(identifier: name) else { continue }
            var mismatches: [String] = []
            for _ in 0..<400 {
                let t = Int64.random(in: 631_152_000...4_102_444_800, using: &rng)  // 1990 … 2100
                let expected = reference.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))
                if Int(rules.offset(at: t)) != expected { mismatches.append("\(t): \(rules.offset(at: t)) vs \(expected)") }
            }
            #expect(mismatches.isEmpty, "\(name): \(mismatches.prefix(3))")
        }
    }

    @Test(.enabled(if: T.zoneinfoAvailable, "needs /usr/share/zoneinfo (apt-get install tzdata)"))
    func firstInstantOfLocalTimes() throws {
        let berlin = try T.zone("Europe/Berlin")
        let s = { (ns: Int64) in ns / T.second }
        // Local midnight exists once: 1 March 00:00 CET = 29 Feb 23:00 UTC.
        #expect(berlin.firstInstant(atOrAfterLocal: s(T.utc(2024, 3, 1))) == s(T.utc(2024, 2, 29, 23)))
        // 02:30 on 31 March does not exist (clocks jump 02:00 → 03:00): the jump instant.
        #expect(berlin.firstInstant(atOrAfterLocal: s(T.utc(2024, 3, 31, 2, 30))) == s(T.utc(2024, 3, 31, 1)))
        // 02:30 on 27 October happens twice: the first one (CEST, 00:30 UTC).
        #expect(berlin.firstInstant(atOrAfterLocal: s(T.utc(2024, 10, 27, 2, 30))) == s(T.utc(2024, 10, 27, 0, 30)))
    }

    @Test(.enabled(if: T.zoneinfoAvailable, "needs /usr/share/zoneinfo (apt-get install tzdata)"))
    func versionOneBlockAloneParses() throws {
        let bytes = try #require(T.zoneBytes("Europe/Berlin"))
        #expect(bytes[4] >= UInt8(ascii: "2"))
        func count(_ i: Int) -> Int {
            var v = 0
            for k in 0..<4 { v = v << 8 | Int(bytes[20 + 4 * i + k]) }
            return v
        }
        let counts = (0..<6).map(count)
        let (isut, isstd, leap, time, type, char) = (counts[0], counts[1], counts[2], counts[3], counts[4], counts[5])
        let v1Size = 44 + time * 5 + type * 6 + char + leap * 8 + isstd + isut
        var v1 = Array(bytes[0..<v1Size])
        v1[4] = 0
        let rules = try TZif.parse(v1, name: "Europe/Berlin")
        #expect(rules.footer == nil)
        if time > 0 {
            // Debian ships "fat" files whose 32-bit block still lists the transitions to 2037.
            #expect(rules.offset(at: T.utc(2024, 7, 1) / T.second) == 7_200)
            #expect(rules.offset(at: T.utc(2024, 1, 1) / T.second) == 3_600)
        }
    }

    @Test(.enabled(if: T.zoneinfoAvailable, "needs /usr/share/zoneinfo (apt-get install tzdata)"))
    func everyTruncationIsRejected() throws {
        for name in ["Europe/Berlin", "Asia/Kathmandu", "UTC"] {
            let bytes = try #require(T.zoneBytes(name))
            #expect((try? TZif.parse(bytes, name: name)) != nil)
            for length in 0..<bytes.count {
                #expect(throws: TZifError.self, "\(name) cut at \(length)") { try TZif.parse(Array(bytes[0..<length]), name: name) }
            }
        }
    }

    @Test(.enabled(if: T.zoneinfoAvailable, "needs /usr/share/zoneinfo (apt-get install tzdata)"))
    func corruptedFilesNeverTrap() throws {
        var rng = SplitMix(seed: 7)
        for name in ["Europe/Berlin", "Australia/Lord_Howe"] {
            let original = try #require(T.zoneBytes(name))
            for _ in 0..<2_000 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                if let rules = try? TZif.parse(bytes, name: name) {
                    // Whatever parsed must answer every question without trapping.
                    for t in [Int64.min, -1, 0, 1_700_000_000, 4_000_000_000, Int64.max] {
                        _ = rules.offset(at: t)
                        _ = rules.nextTransition(after: t)
                        _ = rules.firstInstant(atOrAfterLocal: t)
                    }
                }
            }
        }
    }

    @Test func malformedHeadersNameTheProblem() {
        func header(version: UInt8 = 0x32, counts: [UInt32]) -> [UInt8] {
            var b = Array("TZif".utf8) + [version] + [UInt8](repeating: 0, count: 15)
            for c in counts { b += [UInt8(c >> 24), UInt8(c >> 16 & 0xFF), UInt8(c >> 8 & 0xFF), UInt8(c & 0xFF)] }
            return b
        }
        func message(_ bytes: [UInt8]) -> String {
            do { _ = try TZif.parse(bytes, name: "x"); return "parsed" } catch { return error.message }
        }
        #expect(message(Array("TZiX".utf8) + [UInt8](repeating: 0, count: 60)).contains("magic"))
        #expect(message(header(version: 0x31, counts: [0, 0, 0, 0, 1, 1])).contains("version"))
        #expect(message(header(version: 0, counts: [0, 0, 0, 0, 0, 1])).contains("typecnt"))
        #expect(message(header(version: 0, counts: [0, 0, 0, 70_000, 1, 1])).contains("timecnt"))
        #expect(message(header(version: 0, counts: [0, 0, 1, 0, 1, 1]) + [UInt8](repeating: 0, count: 20)).contains("leap"))
        #expect(message(header(version: 0, counts: [0, 0, 0, 2, 1, 4])).contains("truncated"))
        // One type with offset +1h, then designation "X\0\0\0" … a valid minimal version 1 file.
        let minimal = header(version: 0, counts: [0, 0, 0, 0, 1, 4]) + [0, 0, 0x0E, 0x10, 0, 0] + Array("CET\0".utf8)
        let rules = try? TZif.parse(minimal, name: "x")
        #expect(rules?.offset(at: 0) == 3_600)
        // Transitions out of order.
        let unordered = header(version: 0, counts: [0, 0, 0, 2, 1, 4]) + [0, 0, 0, 10, 0, 0, 0, 5] + [0, 0]
            + [0, 0, 0x0E, 0x10, 0, 0] + Array("CET\0".utf8)
        #expect(message(unordered).contains("ascending"))
        // Version 2 with a footer missing its final newline.
        var first = minimal
        first[4] = UInt8(ascii: "2")
        let v2 = first + header(counts: [0, 0, 0, 0, 1, 4]) + [0, 0, 0x0E, 0x10, 0, 0] + Array("CET\0".utf8) + Array("\nCET-1".utf8)
        #expect(message(v2).contains("newline"))
        let v2ok = first + header(counts: [0, 0, 0, 0, 1, 4]) + [0, 0, 0x0E, 0x10, 0, 0] + Array("CET\0".utf8) + Array("\nCET-1CEST,M3.5.0,M10.5.0/3\n".utf8)
        let withFooter = try? TZif.parse(v2ok, name: "x")
        #expect(withFooter?.offset(at: T.utc(2024, 7, 1) / T.second) == 7_200)
        #expect(withFooter?.offset(at: T.utc(2024, 1, 1) / T.second) == 3_600)
    }

    @Test func zoneNamesAreValidated() {
        for good in ["Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "UTC", "EST5EDT"] {
            #expect(throws: Never.self) { try TimeZoneLoader.validate(name: good) }
        }
        for bad in ["", "/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd", "Europe//Berlin", "Europe/",
                    "./Europe/Berlin", "Europe/Berlin\0", "Europe/Ber lin", String(repeating: "a", count: 256)] {
            #expect(throws: SLOConfigurationError.self, "\(bad)") { try TimeZoneLoader.validate(name: bad) }
        }
    }

    @Test func loaderReportsPathAndProblem() throws {
        struct Missing: Error {}
        var asked: [String] = []
        #expect(try TimeZoneLoader.load(name: "UTC") { asked.append($0); return [] } == .utc)
        #expect(asked.isEmpty, "UTC needs no file")
        do {
            _ = try TimeZoneLoader.load(name: "Mars/Olympus", directory: "/zones") { asked.append($0); throw Missing() }
            Issue.record("loaded a missing zone")
        } catch {
            #expect(asked == ["/zones/Mars/Olympus"])
            #expect(error.message.contains("/zones/Mars/Olympus"))
        }
        do {
            _ = try TimeZoneLoader.load(name: "Bad/Zone", directory: "/zones/") { _ in Array("not a zone file".utf8) }
            Issue.record("parsed garbage")
        } catch {
            #expect(error.message.contains("/zones/Bad/Zone is not a valid TZif file"))
        }
        #expect(throws: SLOConfigurationError.self) { try TimeZoneLoader.load(name: "../x") { _ in [] } }
    }
}

@Suite struct POSIXFooterTests {
    static func rule(_ text: String) throws -> POSIXTimeZone? { try POSIXTimeZone.parse(ArraySlice(Array(text.utf8))) }
    static func s(_ ns: Int64) -> Int64 { ns / T.second }

    @Test func europeanRule() throws {
        let r = try #require(try Self.rule("CET-1CEST,M3.5.0,M10.5.0/3"))
        #expect(r.standardOffset == 3_600)
        #expect(r.daylight?.offset == 7_200)
        #expect(r.offset(at: Self.s(T.utc(2031, 3, 30, 0, 59, 59))) == 3_600)
        #expect(r.offset(at: Self.s(T.utc(2031, 3, 30, 1))) == 7_200)
        #expect(r.nextTransition(after: Self.s(T.utc(2031, 4, 1))) == Self.s(T.utc(2031, 10, 26, 1)))
    }

    @Test func fixedOffsetsWithMinutes() throws {
        #expect(try Self.rule("<+0545>-5:45")?.offset(at: 0) == 20_700)
        #expect(try Self.rule("IST-5:30")?.offset(at: 0) == 19_800)
        #expect(try Self.rule("<-03>3")?.offset(at: 0) == -10_800)
        #expect(try Self.rule("UTC0")?.offset(at: 0) == 0)
        #expect(try Self.rule("") == nil)
    }

    @Test func southernHemisphereAndHalfHourDST() throws {
        let r = try #require(try Self.rule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"))
        #expect(r.offset(at: Self.s(T.utc(2030, 1, 15))) == 39_600)
        #expect(r.offset(at: Self.s(T.utc(2030, 7, 15))) == 37_800)
    }

    @Test func negativeDSTAndNegativeRuleTimes() throws {
        // Europe/Dublin: IST is standard, GMT the "DST" of winter.
        let dublin = try #require(try Self.rule("IST-1GMT0,M10.5.0,M3.5.0/1"))
        #expect(dublin.offset(at: Self.s(T.utc(2030, 1, 15))) == 0)
        #expect(dublin.offset(at: Self.s(T.utc(2030, 7, 15))) == 3_600)
        // America/Nuuk since 2023: transitions at −2:00 and −1:00 local.
        let nuuk = try #require(try Self.rule("<-02>2<-01>,M3.5.0/-1,M10.5.0/0"))
        #expect(nuuk.offset(at: Self.s(T.utc(2030, 7, 1))) == -3_600)
        #expect(nuuk.offset(at: Self.s(T.utc(2030, 1, 1))) == -7_200)
    }

    @Test func defaultRulesAndJulianForms() throws {
        let us = try #require(try Self.rule("EST5EDT"))
        // Second Sunday of March 2030 is the 10th: 02:00 EST = 07:00 UTC.
        #expect(us.offset(at: Self.s(T.utc(2030, 3, 10, 7))) == -14_400)
        #expect(us.offset(at: Self.s(T.utc(2030, 3, 10, 6, 59, 59))) == -18_000)
        let julian = try #require(try Self.rule("AAA3BBB,J60/2,J300/2"))
        // J60 is 1 March also in leap years; 02:00 local standard (−3h) = 05:00 UTC.
        #expect(julian.offset(at: Self.s(T.utc(2028, 3, 1, 4, 59, 59))) == -10_800)
        #expect(julian.offset(at: Self.s(T.utc(2028, 3, 1, 5))) == -7_200)
        let zeroBased = try #require(try Self.rule("AAA3BBB,59/2,300/2"))
        // Day 59 (zero-based, Feb 29 counted) is 29 February in 2028.
        #expect(zeroBased.offset(at: Self.s(T.utc(2028, 2, 29, 5))) == -7_200)
    }

    @Test func daylightAllYear() throws {
        let r = try #require(try Self.rule("EST5EDT,0/0,J365/25"))
        for t in [T.utc(2030, 1, 1), T.utc(2030, 1, 1, 5), T.utc(2030, 6, 1), T.utc(2030, 12, 31, 23, 59), T.utc(2031, 1, 1, 5, 30)] {
            #expect(r.offset(at: Self.s(t)) == -14_400, "\(t)")
        }
        #expect(r.nextTransition(after: Self.s(T.utc(2030, 6, 1))) == nil)
    }

    @Test(arguments: ["CET", "C-1", "CET-25", "CET-1CEST,M13.1.0,M10.5.0", "CET-1CEST,M3.5.0", "<+05", "<+0>-5",
                      "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,M3.0.0,M10.5.0", "CET-1CEST,J0,J365", "CET-1CEST,366,1",
                      "CET-1CEST,M3.5.0/168,M10.5.0", "CET-1CEST,M3.5.0,M10.5.0 ", "CET-1:60"])
    func malformedRulesAreRejected(_ text: String) {
        #expect(throws: TZifError.self) { try Self.rule(text) }
    }
}
