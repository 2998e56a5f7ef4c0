/// Why a series selector was rejected: a message that names the problem and the byte offset in
/// the selector text where it starts, which the configuration loader turns into a file position.
public struct SelectorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Byte offset in the selector's UTF-8 text.
    public let offset: Int
    /// What is wrong, e.g. `unterminated quoted string` or
    /// ``invalid regular expression "5(..": missing closing ): `5(..` ``.
    public let message: String
    /// The regex error behind the message, when a `=~`/`!~` value did not compile.
    public let regexError: RegexError?

    public init(offset: Int, message: String, regexError: RegexError? = nil) {
        self.offset = offset
        self.message = message
        self.regexError = regexError
    }

    public var description: String { message }
}
