// Selectors: Prometheus series selectors and RE2-syntax regular expressions (issue 5).
// Pure: stdlib only, no I/O, no Foundation.
//
// Public surface:
// - `SeriesSelector.parse(_:)` → `SeriesSelector` (`matchers`, `metricName`, `matches(…)`,
//   canonical `description`), `LabelMatcher`, `SelectorLabels` (how a series lends its labels),
//   `SelectorError` (message + byte offset).
// - `RE2Regex` (whole-string matching, `RegexError` with Go's codes and messages).
//
// Layout:
// - SeriesSelector*.swift: the selector type, its parser, string literals, rendering, matchers.
// - Regex*.swift: the pipeline pattern → `RegexParser` (+Escapes, +Classes) → `RegexNode`
//   (RegexAST) → simplification (RegexSimplify) → `RegexProgram` (Thompson NFA) → one of
//   `RegexFastPath`, `RegexDFA` (over `RegexAlphabet`) or the NFA simulation (RegexProgram+NFA).
//   Character data: `ScalarSet` (RegexScalarSet), `CaseFolding`, `NamedClasses` and
//   `UnicodeCategories` (RegexUnicodeClasses), UTF-8 decoding with Go's error rule (RegexUTF8).
//
// Semantics follow Prometheus 3 on Go: regexes are anchored at both ends, `.` matches `\n` in
// label matchers (not in `RE2Regex` by default), an absent label equals "" (see each type).
