/// A regular expression in RE2 syntax (Go's `regexp`) that answers one question: does it match
/// the *whole* text? It is the matcher behind `=~`/`!~` label matchers and is available to the
/// rest of slod for configuration checks and rule generation.
///
/// Matching is always linear in the text (no backtracking) and does not allocate: a fast path
/// for the common shapes (`RegexFastPath`), else a DFA built at compile time (`RegexDFA`), else
/// the NFA simulation when the DFA would be too big. Values are immutable and `Sendable`; share
/// one instance between threads freely.
///
/// Semantics, as Go's `regexp` with the pattern wrapped as `^(?:pattern)$`:
/// - the text is UTF-8 and is matched per code point; each byte of invalid UTF-8 reads as U+FFFD;
/// - `.` does not match `\n` unless `(?s)` or `Options.dotMatchesNewline` (selectors set it,
///   as Prometheus 3 does);
/// - `\d \s \w \b` and POSIX classes are ASCII; `\pL`-style general categories are Unicode;
///   scripts (`\p{Greek}`) are rejected;
/// - `(?i)` folds case by simple case-folding orbits (see `CaseFolding`);
/// - lazy quantifiers, `(?U)` and capture names are accepted; they cannot change a whole-match
///   answer.
public struct RE2Regex: Sendable, Hashable, CustomStringConvertible {
    /// Flags that apply to the whole pattern, as if it started with `(?flags)`.
    public struct Options: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// `(?s)`: `.` matches `\n` too.
        public static let dotMatchesNewline = Options(rawValue: 1)
        /// `(?i)`: ignore case.
        public static let caseInsensitive = Options(rawValue: 2)
        /// `(?m)`: `^` and `$` also match at line boundaries.
        public static let multiLine = Options(rawValue: 4)
    }

    /// Which engine answers `matches` (exposed to tests).
    enum Engine: Sendable, Equatable {
        case fastPath(RegexFastPath)
        case dfa
        case nfa
    }

    /// The pattern as given.
    public let pattern: String
    public let options: Options
    let compiled: CompiledRegex

    /// Compiles `pattern`. Throws `RegexError` for invalid syntax, unsupported constructs, or a
    /// pattern too large (`RegexParser.maxPatternBytes` bytes, `RegexProgram.maxInstructions`
    /// instructions after expanding counted repetitions).
    /// Cost: linear in the expanded pattern, plus building the DFA (bounded by its budget).
    public init(_ pattern: String, options: Options = []) throws(RegexError) {
        try self.init(pattern, options: options, allowFastPath: true, allowDFA: true)
    }

    /// Compiles with engines disabled, so tests can compare the engines on one pattern.
    init(_ pattern: String, options: Options = [], allowFastPath: Bool, allowDFA: Bool) throws(RegexError) {
        self.pattern = pattern
        self.options = options
        self.compiled = try CompiledRegex(pattern, options: options, allowFastPath: allowFastPath, allowDFA: allowDFA)
    }

    /// The pattern compiled with each distinct engine that can run it — all engines allowed,
    /// then without the fast path (the DFA, if it fits its budget) when the first used one, then
    /// NFA only when the first did not already fall back to it — for differential tests and the
    /// fuzzer. Empty when the pattern does not compile.
    package static func engineVariants(_ pattern: String, options: Options = []) -> [(engine: String, regex: RE2Regex)] {
        guard let first = try? RE2Regex(pattern, options: options) else { return [] }
        var variants: [(engine: String, regex: RE2Regex)] = [("default", first)]
        if case .fastPath = first.engine, let dfa = try? RE2Regex(pattern, options: options, allowFastPath: false, allowDFA: true) {
            variants.append(("dfa", dfa))
        }
        if first.engine != .nfa, let nfa = try? RE2Regex(pattern, options: options, allowFastPath: false, allowDFA: false) {
            variants.append(("nfa", nfa))
        }
        return variants
    }

    /// True when all of `text` matches.
    public func matches(_ text: String) -> Bool {
        if let answer = text.utf8.withContiguousStorageIfAvailable({ compiled.matches($0) }) { return answer }
        return Array(text.utf8).withUnsafeBufferPointer { compiled.matches($0) }
    }

    /// True when all of `text` matches.
    public func matches(_ text: Substring) -> Bool {
        if let answer = text.utf8.withContiguousStorageIfAvailable({ compiled.matches($0) }) { return answer }
        return Array(text.utf8).withUnsafeBufferPointer { compiled.matches($0) }
    }

    /// True when all of `text` matches.
    public func matches(_ text: some StringProtocol) -> Bool {
        if let answer = text.utf8.withContiguousStorageIfAvailable({ compiled.matches($0) }) { return answer }
        return Array(text.utf8).withUnsafeBufferPointer { compiled.matches($0) }
    }

    /// True when all of `utf8` matches (invalid UTF-8 is allowed; see the type's comment).
    public func matches(utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        compiled.matches(utf8)
    }

    /// True when all of `utf8` matches.
    public func matches(utf8: some Collection<UInt8>) -> Bool {
        if let answer = utf8.withContiguousStorageIfAvailable({ compiled.matches($0) }) { return answer }
        return Array(utf8).withUnsafeBufferPointer { compiled.matches($0) }
    }

    /// True when the empty string matches (PromQL rejects selectors whose every matcher does).
    public var matchesEmpty: Bool { compiled.matchesEmpty }

    public var description: String { pattern }

    var engine: Engine { compiled.engine }

    public static func == (lhs: RE2Regex, rhs: RE2Regex) -> Bool {
        lhs.pattern == rhs.pattern && lhs.options == rhs.options
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(pattern)
        hasher.combine(options)
    }
}

/// The immutable compiled form behind `RE2Regex`.
final class CompiledRegex: Sendable {
    let fastPath: RegexFastPath?
    let dfa: RegexDFA?
    let program: RegexProgram
    let matchesEmpty: Bool

    init(_ pattern: String, options: RE2Regex.Options, allowFastPath: Bool, allowDFA: Bool) throws(RegexError) {
        var flags: RegexFlags = []
        if options.contains(.dotMatchesNewline) { flags.insert(.dotMatchesNewline) }
        if options.contains(.caseInsensitive) { flags.insert(.caseInsensitive) }
        if options.contains(.multiLine) { flags.insert(.multiLine) }
        let bytes = Array(pattern.utf8)
        let parsed = try RegexParser.parse(bytes, flags: flags)
        let tooLarge = RegexError(.tooLarge, offset: 0, fragment: pattern)
        guard parsed.estimatedSize(limit: RegexProgram.maxInstructions) <= RegexProgram.maxInstructions else { throw tooLarge }
        let tree = parsed.simplifiedForWholeMatch()
        guard let program = RegexProgram(tree) else { throw tooLarge }
        self.program = program
        self.fastPath = allowFastPath ? RegexFastPath(tree) : nil
        self.dfa = allowDFA && fastPath == nil ? RegexDFA(program) : nil
        let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        self.matchesEmpty = program.nfaMatches(empty)
    }

    var engine: RE2Regex.Engine {
        if let fastPath { return .fastPath(fastPath) }
        return dfa == nil ? .nfa : .dfa
    }

    @inline(__always)
    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        if let fastPath { return fastPath.matches(text) }
        if let dfa { return dfa.matches(text) }
        return program.nfaMatches(text)
    }
}
