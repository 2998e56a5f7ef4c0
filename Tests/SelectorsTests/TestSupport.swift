@testable import Selectors

/// A pattern with texts it must match and texts it must not, checked on every engine.
struct MatchCase: CustomStringConvertible, Sendable {
    var pattern: String
    var options: RE2Regex.Options = []
    var yes: [String]
    var no: [String]

    init(_ pattern: String, options: RE2Regex.Options = [], yes: [String], no: [String] = []) {
        self.pattern = pattern
        self.options = options
        self.yes = yes
        self.no = no
    }

    var description: String { pattern }

    /// Mismatches as readable lines (empty when every engine agrees with the table).
    func failures() throws -> [String] {
        let variants = RE2Regex.engineVariants(pattern, options: options)
        guard !variants.isEmpty else {
            _ = try RE2Regex(pattern, options: options)   // throws the compile error
            return ["no engines"]
        }
        var problems: [String] = []
        for (engine, regex) in variants {
            for text in yes where !regex.matches(text) { problems.append("\(engine): \(pattern) should match \(text.debugDescription)") }
            for text in no where regex.matches(text) { problems.append("\(engine): \(pattern) should not match \(text.debugDescription)") }
        }
        return problems
    }
}

/// Every engine's answer for raw bytes; nil when the engines disagree.
func agreedAnswer(_ pattern: String, _ bytes: [UInt8], options: RE2Regex.Options = []) throws -> Bool? {
    let variants = RE2Regex.engineVariants(pattern, options: options)
    guard let first = variants.first else { _ = try RE2Regex(pattern, options: options); return nil }
    let answer = first.regex.matches(utf8: bytes)
    return variants.allSatisfy { $0.regex.matches(utf8: bytes) == answer } ? answer : nil
}
