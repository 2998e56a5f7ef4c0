// libFuzzer target for the series-selector parser and the RE2-syntax regex engine.
//
// Build and run (see README):
//   swift build -c release --product fuzz-selector --scratch-path .build-fuzz-sel -Xswiftc -sanitize=fuzzer,address
//   cp -r Tests/Fuzz/corpus/selector /tmp/selcorpus
//   SWIFT_BACKTRACE=enable=no .build-fuzz-sel/release/fuzz-selector /tmp/selcorpus -max_total_time=60 -timeout=10
// Seeds live in Tests/Fuzz/corpus/selector; run on a copy so new inputs stay out of the repository.
//
// An input is `pattern \0 subject` (no 0 byte: the subject is empty). The pattern is parsed as a
// selector and as a regex; the subject's raw bytes (possibly invalid UTF-8) are matched. Besides
// traps, sanitizer reports and timeouts, these are findings (they trap):
// - the fast path, the DFA and the NFA disagree on a match;
// - a parsed selector's canonical text does not parse back to the same selector.
import CFuzz
import Selectors
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct FuzzSelector {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = cfuzz_run(&argc, &argv) { data, size in
            let bytes = size == 0 || data == nil ? [] : [UInt8](UnsafeBufferPointer(start: data, count: size))
            let split = bytes.firstIndex(of: 0) ?? bytes.count
            let pattern = String(decoding: bytes[..<split], as: UTF8.self)
            let subject = split < bytes.count ? Array(bytes[(split + 1)...]) : []
            fuzzRegex(pattern, subject)
            fuzzSelector(pattern, subject)
            return 0
        }
        exit(status)
    }
}

/// Compiles the pattern with every engine and requires one answer.
func fuzzRegex(_ pattern: String, _ subject: [UInt8]) {
    for options in [RE2Regex.Options(), .dotMatchesNewline] {
        let variants = RE2Regex.engineVariants(pattern, options: options)
        guard let regex = variants.first?.regex else { continue }
        let answer = regex.matches(utf8: subject)
        if let text = String(validating: subject, as: UTF8.self) {
            precondition(regex.matches(text) == answer, "String and byte matching differ")
        }
        for (name, variant) in variants.dropFirst() {
            precondition(variant.matches(utf8: subject) == answer, "\(name) disagrees with the default engine on \(pattern)")
        }
    }
}

/// Parses as a selector, round-trips its rendering and matches labels built from the subject.
func fuzzSelector(_ text: String, _ subject: [UInt8]) {
    guard let selector = try? SeriesSelector.parse(text) else { return }
    let rendered = selector.description
    guard let reparsed = try? SeriesSelector.parse(rendered) else {
        preconditionFailure("canonical text does not parse: \(rendered)")
    }
    precondition(reparsed == selector, "round trip changed the selector: \(rendered)")
    let value = String(decoding: subject, as: UTF8.self)
    var labels: [String: String] = [:]
    for matcher in selector.matchers { labels[matcher.name] = value }
    _ = selector.matches(labels)
    _ = selector.matches(metricName: value, labels: [String: String]())
}
