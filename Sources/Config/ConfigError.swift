/// One problem in a configuration file, with where it is and which key it concerns.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name as given to `ConfigLoader.parse`.
    public var file: String
    /// 1-based line, or 0 when the problem has no position.
    public var line: Int
    /// 1-based column (in Unicode scalars), or 0 when the problem has no position.
    public var column: Int
    /// Dotted path of the key, e.g. `server.limits.max_body_bytes`; empty for syntax errors and
    /// problems with the file as a whole.
    public var keyPath: String
    public var message: String

    public init(file: String, line: Int, column: Int, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    /// `FILE:LINE:COLUMN: KEY.PATH: MESSAGE`, leaving out the position and key path when absent,
    /// e.g. `slod.yaml:12:5: server.limits.max_body_bytes: expected a size like 16MiB, got "lots"`.
    public var description: String {
        var text = file
        if line > 0 { text += ":\(line):\(column)" }
        text += ": "
        if !keyPath.isEmpty { text += keyPath + ": " }
        return text + message
    }
}

/// Every problem found in a configuration file, in file order.
public struct ConfigErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [ConfigError]

    public init(_ errors: [ConfigError]) {
        self.errors = errors
    }

    /// One error per line, no trailing newline.
    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
