import SLO

/// Resolves the IANA time zone of a calendar period. The `Config` module does no I/O, so the
/// caller decides how zones are read: the daemon passes `reading(_:)` with its file reader.
public struct TimeZoneResolver: Sendable {
    public let resolve: @Sendable (String) -> Result<TimeZoneRules, SLOConfigurationError>

    public init(_ resolve: @escaping @Sendable (String) -> Result<TimeZoneRules, SLOConfigurationError>) {
        self.resolve = resolve
    }

    /// Knows `UTC` only; any other zone is an error that says so. The default of
    /// `ConfigLoader.parse`, for callers (tests, fuzzing) that read no files.
    public static let utcOnly = TimeZoneResolver { name in
        if name == "UTC" { return .success(.utc) }
        if let problem = validationProblem(name) { return .failure(problem) }
        return .failure(SLOConfigurationError("time_zone", "\"\(name)\" cannot be loaded: this check reads no zoneinfo files (only UTC is built in)"))
    }

    /// Loads zones with `TimeZoneLoader.load`, reading files with `read` (whole file bytes).
    public static func reading(directory: String = TimeZoneLoader.defaultDirectory,
                               _ read: @escaping @Sendable (String) throws -> [UInt8]) -> TimeZoneResolver {
        TimeZoneResolver { name in
            do throws(SLOConfigurationError) {
                return .success(try TimeZoneLoader.load(name: name, directory: directory, read: read))
            } catch {
                return .failure(error)
            }
        }
    }

    private static func validationProblem(_ name: String) -> SLOConfigurationError? {
        do throws(SLOConfigurationError) {
            try TimeZoneLoader.validate(name: name)
            return nil
        } catch {
            return error
        }
    }
}
