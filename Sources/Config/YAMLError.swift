/// A YAML syntax error, or input outside the supported subset, at a 1-based line and column.
///
/// The column counts Unicode scalars, so it matches what an editor shows for UTF-8 text.
public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    /// A specific, human-readable message, e.g. `anchors (&name) are not supported`.
    public var message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `"LINE:COLUMN: MESSAGE"`.
    public var description: String { "\(line):\(column): \(message)" }
}
