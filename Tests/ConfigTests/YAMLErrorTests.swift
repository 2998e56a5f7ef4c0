import Primitives
import Testing
@testable import Config

/// Input that must be rejected, with the expected position and a fragment of the message.
struct YAMLErrorCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var line: Int
    var column: Int
    var message: String
    var testDescription: String { name }

    init(_ name: String, _ yaml: String, _ line: Int, _ column: Int, _ message: String) {
        self.init(name, Array(yaml.utf8), line, column, message)
    }

    init(_ name: String, _ bytes: [UInt8], _ line: Int, _ column: Int, _ message: String) {
        self.name = name
        self.bytes = bytes
        self.line = line
        self.column = column
        self.message = message
    }
}

@Suite struct YAMLErrorTests {
    static let unsupportedConstructs: [YAMLErrorCase] = [
        YAMLErrorCase("anchorIsRejectedWithPosition", "a: &x 1\n", 1, 4, "anchors (&name) are not supported"),
        YAMLErrorCase("aliasIsRejectedWithPosition", "a: 1\nb: *x\n", 2, 4, "aliases (*name) are not supported"),
        YAMLErrorCase("aliasInFlowIsRejected", "[a, *x]", 1, 5, "aliases (*name) are not supported"),
        YAMLErrorCase("anchorOnKeyIsRejected", "&a k: 1", 1, 1, "anchors (&name) are not supported"),
        YAMLErrorCase("secondaryTagIsRejected", "a: !!str 1\n", 1, 4, "tags (!tag, !!type) are not supported"),
        YAMLErrorCase("localTagIsRejected", "- !t x\n", 1, 3, "tags (!tag, !!type) are not supported"),
        YAMLErrorCase("complexKeyIsRejected", "? a\n: b\n", 1, 1, "complex mapping keys ('? ') are not supported"),
        YAMLErrorCase("flowCollectionKeyIsRejected", "[a]: 1\n", 1, 1, "complex mapping keys (a flow collection used as a key)"),
        YAMLErrorCase("flowKeyInFlowMappingIsRejected", "{[a]: 1}", 1, 2, "complex mapping keys"),
        YAMLErrorCase("directiveIsRejected", "%YAML 1.2\n---\na: 1\n", 1, 1, "directives (%YAML, %TAG) are not supported"),
        YAMLErrorCase("reservedAtIsRejected", "a: @x\n", 1, 4, "'@' cannot start a plain scalar; quote the value"),
        YAMLErrorCase("reservedBacktickIsRejected", "a: `x\n", 1, 4, "'`' cannot start a plain scalar"),
        YAMLErrorCase("singlePairMappingInFlowSequenceIsRejected", "[a: 1]", 1, 3, "single-pair mappings inside flow sequences"),
        YAMLErrorCase("blockSequenceInFlowIsRejected", "[- a]", 1, 2, "block sequence entries ('- ') are not allowed inside flow"),
        YAMLErrorCase("blockScalarInFlowIsRejected", "[|\n a]", 1, 2, "block scalars (| or >) are not allowed inside flow"),
        YAMLErrorCase("multiLineKeyIsRejected", "\"a\n b\": 1\n", 1, 1, "a mapping key must fit on one line"),
    ]

    static let indentationErrors: [YAMLErrorCase] = [
        YAMLErrorCase("tabIndentationIsRejected", "a:\n\tb: 1\n", 2, 1, "tab character used for indentation"),
        YAMLErrorCase("tabAfterSpacesIsRejected", "a:\n  \tb: 1\n", 2, 3, "tab character used for indentation"),
        YAMLErrorCase("tabBeforeCompactMappingIsRejected", "-\ta: 1\n", 1, 3, "tab character used for indentation"),
        YAMLErrorCase("overIndentedKeyIsRejected", "a:\n    b: 1\n  c: 2\n", 3, 3, "unexpected indentation"),
        YAMLErrorCase("overIndentedSiblingIsRejected", "a:\n  b: {}\n   c: 2\n", 3, 4, "expected the next key of this mapping at column 3"),
        YAMLErrorCase("keyAfterRootSequenceIsRejected", "- a\nb: 1\n", 2, 1, "expected a sequence entry '- '"),
        YAMLErrorCase("sequenceEntryInMappingIsRejected", "a: 1\n- b\n", 2, 1, "found a sequence entry '- '"),
        YAMLErrorCase("missingColonIsRejected", "a: 1\nb\n", 2, 1, "expected ':' after the mapping key \"b\""),
        YAMLErrorCase("nestedMappingOnKeyLineIsRejected", "a: b: c\n", 1, 4, "a nested mapping cannot start on the same line"),
        YAMLErrorCase("sequenceOnKeyLineIsRejected", "a: - b\n", 1, 4, "a block sequence cannot start on the same line"),
        YAMLErrorCase("mappingOnDocumentStartLineIsRejected", "--- a: 1\n", 1, 5, "a nested mapping cannot start on the same line"),
        YAMLErrorCase("dedentBelowRootIsRejected", "  a: 1\nb: 2\n", 2, 1, "expected the end of the document"),
        YAMLErrorCase("quotedContinuationNotIndentedIsRejected", "a: \"x\ny\"\n", 2, 1, "not indented enough to continue the quoted scalar that starts at 1:4"),
        YAMLErrorCase("flowContinuationNotIndentedIsRejected", "a:\n  b: [1,\n  2]\n", 3, 3, "not indented enough to continue the flow sequence that starts at 2:6"),
    ]

    static let scalarErrors: [YAMLErrorCase] = [
        YAMLErrorCase("duplicateKeyIsRejectedWithFirstPosition", "a: 1\na: 2\n", 2, 1, "duplicate key \"a\" (first defined at 1:1)"),
        YAMLErrorCase("duplicateNestedKeyIsRejected", "s:\n  listen: x\n  port: 1\n  listen: y\n", 4, 3, "duplicate key \"listen\" (first defined at 2:3)"),
        YAMLErrorCase("duplicateQuotedKeyIsRejected", "a: 1\n\"a\": 2\n", 2, 1, "duplicate key \"a\""),
        YAMLErrorCase("duplicateFlowKeyIsRejected", "{a: 1, a: 2}", 1, 8, "duplicate key \"a\" (first defined at 1:2)"),
        YAMLErrorCase("unterminatedDoubleQuoteIsRejected", "a: \"abc\n", 1, 4, "unterminated double-quoted scalar"),
        YAMLErrorCase("unterminatedSingleQuoteIsRejected", "a: 'abc", 1, 4, "unterminated single-quoted scalar"),
        YAMLErrorCase("documentMarkerInsideQuotesIsRejected", "a: \"abc\n---\n\"", 1, 4, "unterminated double-quoted scalar"),
        YAMLErrorCase("unknownEscapeIsRejected", "a: \"x\\q\"\n", 1, 6, "unknown escape sequence \\q"),
        YAMLErrorCase("shortUnicodeEscapeIsRejected", "a: \"\\u12\"\n", 1, 5, "expected 4 hexadecimal digits after \\u"),
        YAMLErrorCase("surrogateEscapeIsRejected", "a: \"\\uD800\"\n", 1, 5, "\\uD800 is not a valid Unicode scalar value"),
        YAMLErrorCase("tooLargeEscapeIsRejected", "a: \"\\U00110000\"\n", 1, 5, "is not a valid Unicode scalar value"),
        YAMLErrorCase("textAfterQuotedScalarIsRejected", "a: \"x\" y\n", 1, 8, "unexpected text after quoted scalar"),
        YAMLErrorCase("emptyKeyIsRejected", ": x\n", 1, 1, "missing mapping key before ':'"),
        YAMLErrorCase("commentWithoutSpaceInFlowIsRejected", "[a,#b]", 1, 4, "'#' cannot start a plain scalar"),
        YAMLErrorCase("badBlockScalarHeaderIsRejected", "a: |x\n  y\n", 1, 5, "invalid block scalar header"),
        YAMLErrorCase("zeroIndentationIndicatorIsRejected", "a: |0\n  y\n", 1, 5, "indentation indicator must be 1-9"),
        YAMLErrorCase("overIndentedLeadingEmptyLineIsRejected", "a: |\n     \n  x\n", 2, 1, "leading empty line of the block scalar has more spaces"),
        YAMLErrorCase("textAfterDocumentEndIsRejected", "a: 1\n... x\n", 2, 5, "unexpected text after document end marker"),
    ]

    static let flowErrors: [YAMLErrorCase] = [
        YAMLErrorCase("unterminatedFlowSequenceIsRejected", "a: [1, 2\n", 1, 4, "unterminated flow sequence (missing closing ])"),
        YAMLErrorCase("unterminatedFlowMappingIsRejected", "a: {b: 1\n", 1, 4, "unterminated flow mapping (missing closing })"),
        YAMLErrorCase("documentMarkerInsideFlowIsRejected", "[1,\n---\n", 1, 1, "unterminated flow sequence"),
        YAMLErrorCase("emptyFlowEntryIsRejected", "[1,,2]", 1, 4, "unexpected ',' in flow sequence (empty entry)"),
        YAMLErrorCase("mismatchedBracketIsRejected", "a: [b, c}", 1, 9, "expected ',' or ']' in flow sequence"),
        YAMLErrorCase("textAfterFlowCollectionIsRejected", "a: [1] x\n", 1, 8, "unexpected text after flow collection"),
        YAMLErrorCase("strayClosingBracketIsRejected", "a: ]\n", 1, 4, "unexpected ']'"),
    ]

    /// Folded plain scalars (see `YAMLFoldingTests`) that YAML does not allow either.
    static let foldingErrors: [YAMLErrorCase] = [
        YAMLErrorCase("keyOnContinuationLineIsRejected", "a: x\n  b: y\n", 2, 3,
                      "this line continues the plain scalar that starts at 1:4 and cannot hold ': '"),
        YAMLErrorCase("colonAtEndOfContinuationLineIsRejected", "- x\n  y:\n", 2, 3,
                      "continues the plain scalar that starts at 1:3"),
        YAMLErrorCase("multiLineImplicitKeyIsRejected", "a\n b: 1\n", 2, 2,
                      "continues the plain scalar that starts at 1:1 and cannot hold ': '"),
        YAMLErrorCase("overIndentedKeyAfterKeyWithoutValueIsRejected", "a: 1\nb\n  c: 2\n", 3, 3,
                      "continues the plain scalar that starts at 2:1"),
        YAMLErrorCase("foldedKeyWithoutColonIsRejected", "a: 1\nb\n  c\n", 2, 1, "expected ':' after the mapping key \"b c\""),
        YAMLErrorCase("lineAfterTrailingCommentIsRejected", "a: x # note\n  y\n", 2, 3,
                      "a comment ended the plain scalar above, so this line cannot continue it"),
        YAMLErrorCase("lineAfterCommentLineIsRejected", "a: x\n  # note\n  y\n", 3, 3, "a comment ended the plain scalar above"),
        YAMLErrorCase("lineAfterCommentInSequenceIsRejected", "- x\n  # note\n  y\n", 3, 3, "a comment ended the plain scalar above"),
        YAMLErrorCase("rootLineAfterCommentIsRejected", "x # note\ny\n", 2, 1, "a comment ended the plain scalar above"),
        YAMLErrorCase("tabIndentedContinuationIsRejected", "a: x\n\ty\n", 2, 1, "tab character used for indentation"),
        YAMLErrorCase("multiLineFlowKeyIsRejected", "{a\n b: 1}", 1, 2, "a mapping key must fit on one line"),
        YAMLErrorCase("keyOnFlowContinuationLineIsRejected", "{a: x\n y: z}", 2, 3, "expected ',' or '}' in flow mapping"),
        YAMLErrorCase("flowContinuationAtBlockIndentIsRejected", "a: [x\ny]\n", 2, 1,
                      "not indented enough to continue the flow sequence that starts at 1:4"),
    ]

    static let inputErrors: [YAMLErrorCase] = [
        YAMLErrorCase("invalidUTF8ByteIsRejected", [0x61, 0x3A, 0x20, 0xFF], 1, 4, "invalid UTF-8 (byte 0xFF)"),
        YAMLErrorCase("overlongUTF8IsRejected", [0xC0, 0x80], 1, 1, "invalid UTF-8 (byte 0xC0)"),
        YAMLErrorCase("truncatedUTF8IsRejected", [0x61, 0x3A, 0x20, 0xC3], 1, 4, "invalid UTF-8"),
        YAMLErrorCase("encodedSurrogateIsRejected", [0xED, 0xA0, 0x80], 1, 1, "invalid UTF-8"),
        YAMLErrorCase("strayContinuationByteIsRejected", Array("é: x\nb: ".utf8) + [0x80], 2, 4, "invalid UTF-8 (byte 0x80)"),
        YAMLErrorCase("nulByteIsRejected", [0x61, 0x3A, 0x20, 0x00], 1, 4, "control character U+0000 is not allowed"),
        YAMLErrorCase("controlCharacterIsRejectedWithScalarColumn", "éé: \u{7}", 1, 5, "control character U+0007"),
        YAMLErrorCase("c1ControlIsRejected", "a: \u{90}", 1, 4, "control character U+0090"),
        YAMLErrorCase("deleteCharacterIsRejected", "a: \u{7F}", 1, 4, "control character U+007F"),
        YAMLErrorCase("noncharacterIsRejected", "a: \u{FFFF}", 1, 4, "noncharacter U+FFFF"),
    ]

    @Test(arguments: unsupportedConstructs + indentationErrors + scalarErrors + flowErrors + foldingErrors + inputErrors)
    func invalidInputIsRejectedWithPosition(_ testCase: YAMLErrorCase) {
        do {
            let docs = try YAML.parse(testCase.bytes)
            Issue.record("expected an error, parsed \(docs.map(render))")
        } catch {
            #expect(error.line == testCase.line && error.column == testCase.column,
                    "\(error)")
            #expect(error.message.contains(testCase.message), "\(error)")
        }
    }

    @Test func nestingBeyondTheDepthLimitIsAnError() {
        let depth = YAML.maxDepth + 1
        let flow = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: YAMLError.self) { try parseYAML(flow) }
        var block = ""
        for level in 0..<depth {
            block += String(repeating: " ", count: level) + "a:\n"
        }
        do {
            _ = try parseYAML(block)
            Issue.record("expected a depth error")
        } catch {
            #expect(error.message.contains("deeper than the limit of \(YAML.maxDepth)"))
        }
        let dashes = String(repeating: "- ", count: depth) + "x"
        #expect(throws: YAMLError.self) { try parseYAML(dashes) }
    }

    @Test func hugeNestingIsAnErrorNotAStackOverflow() {
        let flow = String(repeating: "[", count: 1_000_000)
        #expect(throws: YAMLError.self) { try parseYAML(flow) }
        let mixed = String(repeating: "{a: [", count: 100_000)
        #expect(throws: YAMLError.self) { try parseYAML(mixed) }
    }

    @Test func inputAboveTheSizeLimitIsAnError() {
        let bytes = [UInt8](repeating: UInt8(ascii: "#"), count: YAML.maxInputBytes + 1)
        do {
            _ = try YAML.parse(bytes)
            Issue.record("expected a size error")
        } catch {
            #expect(error.line == 1 && error.column == 1)
            #expect(error.message.contains("limit of \(YAML.maxInputBytes) bytes"))
        }
    }

    @Test func errorDescriptionIsLineColumnMessage() {
        #expect(YAMLError(line: 3, column: 7, message: "boom").description == "3:7: boom")
    }

    /// Random bytes and mutated YAML must produce a tree or an error, never a trap or a hang.
    @Test func randomAndMutatedInputNeverTraps() {
        var random = SplitMix64(state: 0x5EED)
        let seeds = [
            "a: 1\nb:\n  - x\n  - {c: [1, 2]}\n", "v: |+\n  a\n\n", "- \"x\\u00e9\"\n- 'y''z'\n",
            "---\nk: >-\n  a\n  b\n...\n", "{a: [b, {c: d}], e: \"f\n  g\"}\n", "a: b\n  c\n\n  d # e\n- f\n  g\n",
        ]
        let alphabet = Array(" \t\n-:?#&*!|>'\"%@`,[]{}.\\0aZé".utf8)
        var parsed = 0
        for iteration in 0..<20_000 {
            var bytes: [UInt8]
            if iteration % 4 == 0 {
                bytes = (0..<Int.random(in: 0..<64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                bytes = Array(seeds[iteration % seeds.count].utf8)
                for _ in 0..<Int.random(in: 1...6, using: &random) {
                    let position = Int.random(in: 0...bytes.count, using: &random)
                    let byte = alphabet.randomElement(using: &random)!
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: bytes.insert(byte, at: position)
                    case 1 where position < bytes.count: bytes[position] = byte
                    default: if position < bytes.count { bytes.remove(at: position) }
                    }
                }
            }
            if (try? YAML.parse(bytes)) != nil { parsed += 1 }
            _ = ConfigLoader.parse(bytes, file: "random")
        }
        #expect(parsed > 0)
    }
}
