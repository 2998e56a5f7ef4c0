/// A problem with an SLO's specification, found when it is built (at start-up or reload), never
/// on the ingest path. `subject` names the setting (`objective`, `period`, `window`, …) and
/// `message` says what is wrong with the given value, e.g.
/// `objective: "100" must be a percentage strictly between 0 and 100`.
public struct SLOConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var subject: String
    public var message: String

    public init(_ subject: String, _ message: String) {
        self.subject = subject
        self.message = message
    }

    public var description: String { "\(subject): \(message)" }
}
