/// Turns the bytes of a configuration file into a `SlodConfiguration`, or into every error found.
public enum ConfigLoader {
    /// At most this many errors are listed; a last line counts the rest.
    static let maxReportedErrors = 100

    /// Parses and validates a configuration file.
    ///
    /// A syntax error stops at the first one; all other problems (unknown keys, wrong types,
    /// values out of range, several documents) are collected and returned together in file
    /// order (the first `maxReportedErrors` of them, then a count of the rest). Missing keys
    /// take their defaults; an empty file or one with only comments gives
    /// `SlodConfiguration.default`. Performs no I/O; never traps on any input.
    ///
    /// - Parameters:
    ///   - file: the name used in error messages (usually the path given by the user).
    ///   - timeZones: loads the IANA zones of calendar SLO periods (the default knows UTC only).
    public static func parse(_ bytes: [UInt8], file: String,
                             timeZones: TimeZoneResolver = .utcOnly) -> Result<SlodConfiguration, ConfigErrors> {
        let documents: [YAMLNode]
        do {
            documents = try YAML.parse(bytes)
        } catch {
            return .failure(ConfigErrors([
                ConfigError(file: file, line: error.line, column: error.column, keyPath: "", message: error.message),
            ]))
        }
        var errors: [ConfigError] = []
        if documents.count > 1 {
            let second = documents[1]
            errors.append(ConfigError(
                file: file, line: second.line, column: second.column, keyPath: "",
                message: "a config file must hold one YAML document, found \(documents.count)"))
        }
        var configuration = SlodConfiguration.default
        if let root = documents.first, !root.isNull {
            if case .mapping = root.kind {
                var mapping = ConfigMapping(file: file, path: "", node: root)
                configuration.decode(from: &mapping)
                errors += configuration.decodeSLOs(from: &mapping, bytes: bytes, timeZones: timeZones)
                errors += configuration.decodeAlerting(from: &mapping, bytes: bytes, timeZones: timeZones)
                mapping.finish()
                errors += mapping.errors
            } else {
                errors.append(ConfigError(
                    file: file, line: root.line, column: root.column, keyPath: "",
                    message: "expected a mapping of configuration sections at the top level, got \(root.kindDescription)"))
            }
        }
        guard errors.isEmpty else { return .failure(report(errors, file: file)) }
        return .success(configuration)
    }

    /// `errors` in file order (files in the order they first appear, then line and column),
    /// the first `maxReportedErrors` of them, then a count of the rest.
    static func report(_ errors: [ConfigError], file: String) -> ConfigErrors {
        var fileRank: [String: Int] = [:]
        for error in errors where fileRank[error.file] == nil { fileRank[error.file] = fileRank.count }
        let ordered = errors.enumerated().sorted {
            (fileRank[$0.element.file]!, $0.element.line, $0.element.column, $0.offset)
                < (fileRank[$1.element.file]!, $1.element.line, $1.element.column, $1.offset)
        }
        var reported = ordered.prefix(maxReportedErrors).map(\.element)
        if ordered.count > maxReportedErrors {
            reported.append(ConfigError(
                file: file, line: 0, column: 0, keyPath: "",
                message: "\(ordered.count - maxReportedErrors) more errors not shown"))
        }
        return ConfigErrors(reported)
    }
}
