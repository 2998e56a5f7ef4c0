/// A JSON syntax error: what was expected and the byte offset where the problem was found.
///
/// `message` is a static English phrase ("expected ',' or '}'", "invalid UTF-8 in string");
/// `description` appends the offset ("expected ',' or '}' at offset 118"). Creating one does not
/// allocate (the messages are string literals).
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// Byte offset in the document (0-based) of the offending byte, or the document length for
    /// an unexpected end of input.
    public var offset: Int

    @inlinable public init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) at offset \(offset)" }
}
