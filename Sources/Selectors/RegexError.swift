/// Why a pattern was rejected by `RE2Regex`: a code, the byte offset in the pattern where the
/// problem starts, and the offending fragment.
///
/// The codes and their texts follow Go's `regexp/syntax` (`missing closing )`, `invalid repeat
/// count`, …) because Prometheus compiles label-matcher regexes with Go; `description` renders
/// like Go's error without its `error parsing regexp: ` prefix, e.g. ``missing closing ): `(ab` ``.
/// The two codes Go does not have are `unsupportedUnicodeClass` (a `\p{…}` name this engine does
/// not know, such as a script) and `patternTooLong`.
public struct RegexError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public enum Code: Sendable, Hashable {
        case invalidCharClass
        case invalidCharRange
        case invalidEscape
        case invalidNamedCapture
        case invalidPerlOp
        case invalidRepeatOp
        case invalidRepeatSize
        case missingBracket
        case missingParen
        case missingRepeatArgument
        case trailingBackslash
        case unexpectedParen
        case nestingDepth
        case tooLarge
        case patternTooLong
        case unsupportedUnicodeClass

        /// The message text, as in Go's `regexp/syntax.ErrorCode.String()` where Go has the code.
        public var text: String {
            switch self {
            case .invalidCharClass: "invalid character class"
            case .invalidCharRange: "invalid character class range"
            case .invalidEscape: "invalid escape sequence"
            case .invalidNamedCapture: "invalid named capture"
            case .invalidPerlOp: "invalid or unsupported Perl syntax"
            case .invalidRepeatOp: "invalid nested repetition operator"
            case .invalidRepeatSize: "invalid repeat count"
            case .missingBracket: "missing closing ]"
            case .missingParen: "missing closing )"
            case .missingRepeatArgument: "missing argument to repetition operator"
            case .trailingBackslash: "trailing backslash at end of expression"
            case .unexpectedParen: "unexpected )"
            case .nestingDepth: "expression nests too deeply"
            case .tooLarge: "expression too large"
            case .patternTooLong: "pattern too long"
            case .unsupportedUnicodeClass:
                "unsupported Unicode class (only general categories such as L, Lu, Nd and Any are supported)"
            }
        }
    }

    /// The kind of problem.
    public let code: Code
    /// Byte offset in the pattern's UTF-8 where the problem starts (for `missingParen`, the
    /// unmatched `(`; for `missingBracket`, the `[` that opened the class).
    public let offset: Int
    /// The offending text, as Go reports it (for `missingParen`, the whole pattern).
    public let fragment: String

    public init(_ code: Code, offset: Int, fragment: String) {
        self.code = code
        self.offset = offset
        self.fragment = fragment
    }

    /// ``"<code text>: `<fragment>`"``, like Go's message after `error parsing regexp: `.
    public var description: String {
        "\(code.text): `\(fragment)`"
    }
}
