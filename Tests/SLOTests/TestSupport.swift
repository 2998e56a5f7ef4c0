import Foundation
@testable import SLO
import Primitives

/// Shared helpers for the SLO tests: instants, zone files, layouts.
enum T {
    static let second: Int64 = 1_000_000_000
    static let minute: Int64 = 60 * second
    static let hour: Int64 = 60 * minute
    static let day: Int64 = 24 * hour

    /// Unix nanoseconds of a UTC date-time.
    static func utc(_ y: Int64, _ mo: Int64, _ d: Int64, _ h: Int64 = 0, _ mi: Int64 = 0, _ s: Int64 = 0) -> Int64 {
        ((CivilDate.days(year: y, month: mo, day: d) * 24 + h) * 60 + mi) * 60 * second + s * second
    }

    static let zoneinfo = "/usr/share/zoneinfo"
    static var zoneinfoAvailable: Bool { FileManager.default.fileExists(atPath: zoneinfo + "/Europe/Berlin") }

    static func zoneBytes(_ name: String) -> [UInt8]? {
        FileManager.default.contents(atPath: zoneinfo + "/" + name).map { [UInt8]($0) }
    }

    /// Loads a zone through the public loader with a Foundation reader.
    static func zone(_ name: String) throws -> TimeZoneRules {
        try TimeZoneLoader.load(name: name, directory: zoneinfo) { path in
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CocoaError(.fileReadNoSuchFile)
            }
            return [UInt8](data)
        }
    }

    static func layout(_ period: Period, objective: String = "99.9", budgeting: BudgetingMethod = .occurrences,
                       windows: [Int64] = SLOConfiguration.standardWindowSeconds) throws -> SLOLayout {
        try SLOLayout(SLOConfiguration(objective: Objective(percent: objective), period: period,
                                       budgeting: budgeting, windowSeconds: windows))
    }

    static func close(_ a: Double?, _ b: Double, tolerance: Double = 1e-12) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance * max(1, abs(b))
    }
}

/// A deterministic generator (SplitMix64) so property tests replay the same streams.
typealias SplitMix = SplitMix64
