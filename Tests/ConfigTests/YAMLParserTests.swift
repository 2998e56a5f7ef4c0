import Testing
@testable import Config

/// One input and its expected rendering (see `renderStream`).
struct YAMLCase: Sendable, CustomTestStringConvertible {
    var name: String
    var yaml: String
    var expected: String
    var testDescription: String { name }

    init(_ name: String, _ yaml: String, _ expected: String) {
        self.name = name
        self.yaml = yaml
        self.expected = expected
    }
}

@Suite struct YAMLParserTests {
    static let blockCases: [YAMLCase] = [
        YAMLCase("flat mapping", "a: 1\nb: two\n", #"{"a": "1", "b": "two"}"#),
        YAMLCase("nested mappings", "server:\n  listen: x\n  limits:\n    a: 1\nlog:\n  level: info\n",
                 #"{"server": {"listen": "x", "limits": {"a": "1"}}, "log": {"level": "info"}}"#),
        YAMLCase("sequence at the key's indentation", "k:\n- a\n- b\nj: c\n", #"{"k": ["a", "b"], "j": "c"}"#),
        YAMLCase("indented sequence", "k:\n  - a\n  - b\n", #"{"k": ["a", "b"]}"#),
        YAMLCase("compact mapping in sequence", "- a: 1\n  b: 2\n- c\n", #"[{"a": "1", "b": "2"}, "c"]"#),
        YAMLCase("compact nested sequence", "- - a\n  - b\n- c\n", #"[["a", "b"], "c"]"#),
        YAMLCase("sequence value inside compact mapping", "- a:\n  - x\n  b: 1\n", #"[{"a": ["x"], "b": "1"}]"#),
        YAMLCase("empty mapping values", "a:\nb: 1\nc:\n", #"{"a": null, "b": "1", "c": null}"#),
        YAMLCase("empty sequence entries", "- \n- a\n-\n", #"[null, "a", null]"#),
        YAMLCase("entry on the next line", "-\n  a: 1\n", #"[{"a": "1"}]"#),
        YAMLCase("empty value before a dedent", "a:\n  b:\nc: 1\n", #"{"a": {"b": null}, "c": "1"}"#),
        YAMLCase("comments everywhere", "# head\na: 1 # trailing\n  # indented comment\n\n# between\nb: x#not-a-comment\n",
                 #"{"a": "1", "b": "x#not-a-comment"}"#),
        YAMLCase("colon without space stays in plain scalar", "url: http://x:80/y\n", #"{"url": "http://x:80/y"}"#),
        YAMLCase("plain scalars starting with indicators", "a: -1\nb: -x\nc: ?y\nd: :z\n",
                 #"{"a": "-1", "b": "-x", "c": "?y", "d": ":z"}"#),
        YAMLCase("internal spaces kept, trailing trimmed", "a: hello  world   \n", #"{"a": "hello  world"}"#),
        YAMLCase("brackets inside a block plain scalar", "a: x[1]{2},3\n", #"{"a": "x[1]{2},3"}"#),
        YAMLCase("tab as separation after colon", "a:\tb\n", #"{"a": "b"}"#),
        YAMLCase("space before colon", "a   : b\n", #"{"a": "b"}"#),
        YAMLCase("quoted keys", "\"a b\": 1\n'c': 2\n", #"{"a b": "1", "c": "2"}"#),
        YAMLCase("unicode keys and values", "ключ: значение\n", #"{"ключ": "значение"}"#),
        YAMLCase("CRLF line breaks", "a: 1\r\nb:\r\n  - x\r\n", #"{"a": "1", "b": ["x"]}"#),
        YAMLCase("lone CR line breaks", "a: 1\rb: 2\r", #"{"a": "1", "b": "2"}"#),
        YAMLCase("byte order mark", "\u{FEFF}a: 1\n", #"{"a": "1"}"#),
        YAMLCase("no final newline", "a: 1", #"{"a": "1"}"#),
        YAMLCase("top-level sequence", "- a\n- b\n", #"["a", "b"]"#),
        YAMLCase("top-level scalar", "hello\n", #""hello""#),
        YAMLCase("indented root mapping", "  a: 1\n  b: 2\n", #"{"a": "1", "b": "2"}"#),
        YAMLCase("document start with comment", "--- # c\na: 1\n", #"{"a": "1"}"#),
    ]

    @Test(arguments: blockCases)
    func blockConstructsParse(_ testCase: YAMLCase) {
        #expect(renderStream(testCase.yaml) == testCase.expected)
    }

    static let flowCases: [YAMLCase] = [
        YAMLCase("flow mapping with nested sequence", "{a: 1, b: [x, y]}", #"{"a": "1", "b": ["x", "y"]}"#),
        YAMLCase("flow across lines with trailing comma", "k: [1,\n  [2, 3], {x: y},\n  ]\n",
                 #"{"k": ["1", ["2", "3"], {"x": "y"}]}"#),
        YAMLCase("flow mapping keys without values", "{a, b: 1, c: }", #"{"a": null, "b": "1", "c": null}"#),
        YAMLCase("JSON-like flow mapping", #"{"a":1, "b": "x", 'c' : [ ]}"#, #"{"a": "1", "b": "x", "c": []}"#),
        YAMLCase("empty flow collections", "a: []\nb: {}\n", #"{"a": [], "b": {}}"#),
        YAMLCase("colon inside flow plain scalar", "[a:b, http://x]", #"["a:b", "http://x"]"#),
        YAMLCase("comments inside flow", "[1, # one\n 2]\n", #"["1", "2"]"#),
        YAMLCase("closing bracket at the key's indentation", "a: [\n  1,\n]\n", #"{"a": ["1"]}"#),
        YAMLCase("flow collection in block sequence", "- [a, b]\n- {c: d}\n", #"[["a", "b"], {"c": "d"}]"#),
        YAMLCase("quoted scalars in flow", #"['a,b', "c]d"]"#, #"["a,b", "c]d"]"#),
        YAMLCase("flow sequence with spaces in plain scalars", "[a b, c d ]", #"["a b", "c d"]"#),
    ]

    @Test(arguments: flowCases)
    func flowConstructsParse(_ testCase: YAMLCase) {
        #expect(renderStream(testCase.yaml) == testCase.expected)
    }

    static let documentCases: [YAMLCase] = [
        YAMLCase("empty stream", "", ""),
        YAMLCase("comments only", "# one\n\n   # two\n", ""),
        YAMLCase("two explicit documents", "---\na: 1\n---\nb: 2\n...\n", #"{"a": "1"} --- {"b": "2"}"#),
        YAMLCase("empty explicit documents", "---\n---\n", "null --- null"),
        YAMLCase("implicit then explicit document", "a: 1\n---\nb: 2\n", #"{"a": "1"} --- {"b": "2"}"#),
        YAMLCase("bare document after document end", "a: 1\n...\nb: 2\n", #"{"a": "1"} --- {"b": "2"}"#),
        YAMLCase("scalar on the document start line", "--- value\n", #""value""#),
        YAMLCase("flow on the document start line", "--- [1, 2]\n", #"["1", "2"]"#),
        YAMLCase("block scalar on the document start line", "--- |\n  text\n", #""text\n""#),
        YAMLCase("document end only", "...\n", ""),
        YAMLCase("dashes inside a value are not a marker", "a: ---\n", #"{"a": "---"}"#),
    ]

    @Test(arguments: documentCases)
    func documentsParse(_ testCase: YAMLCase) {
        #expect(renderStream(testCase.yaml) == testCase.expected)
    }

    static let quotedCases: [(String, String)] = [
        ("v: 'it''s'", "it's"),
        ("v: ''", ""),
        ("v: 'a \\n b'", "a \\n b"),
        (#"v: "q\"b\\s\/n\n t\t r\r z\0 x\x41 u\u00e9 U\U0001F600""#, "q\"b\\s/n\n t\t r\r z\0 xA u\u{E9} U\u{1F600}"),
        (#"v: "\a\b\e\f\v\ \N\_\L\P""#, "\u{7}\u{8}\u{1B}\u{C}\u{B} \u{85}\u{A0}\u{2028}\u{2029}"),
        ("v: \"one\n  two\n\n  three\"", "one two\nthree"),
        ("v: 'x\n  y'", "x y"),
        ("v: \"x   \n   y\"", "x y"),
        ("v: \"ab\\\n  cd\"", "abcd"),
        ("v: \"ab \\\n  cd\"", "ab cd"),
        ("v: \"a\n\n\n  b\"", "a\n\nb"),
        ("v: \"tab\\\tx\"", "tab\tx"),
        ("v: '# not a comment'", "# not a comment"),
    ]

    @Test(arguments: quotedCases)
    func quotedScalarsDecodeEscapesAndFolding(_ yaml: String, _ expected: String) throws {
        let value = try valueOfV(yaml)
        #expect(value?.scalar == expected)
    }

    static let blockScalarCases: [(String, String)] = [
        ("v: |\n  a\n  b\n", "a\nb\n"),
        ("v: |-\n  a\n  b\n", "a\nb"),
        ("v: |+\n  a\n\n\n", "a\n\n\n"),
        ("v: |\n  a\n\n\n", "a\n"),
        ("v: |-\n  a\n\n\n", "a"),
        ("v: |+\n  a\n  \n", "a\n\n"),
        ("v: >\n  a\n  b\n\n  c\n", "a b\nc\n"),
        ("v: >\n  a\n    more\n  b\n", "a\n  more\nb\n"),
        ("v: >-\n  a\n  b\n", "a b"),
        ("v: >+\n  a\n\n", "a\n\n"),
        ("v: |2\n   a\n  b\n", " a\nb\n"),
        ("v: |1-\n  a\n", " a"),
        ("v: |-1\n  a\n", " a"),
        ("v: |\n\n  a\n", "\na\n"),
        ("v: | # comment\n  a\n", "a\n"),
        ("v: |\n  a  \n  \tb\n", "a  \n\tb\n"),
        ("v: |\n  a", "a"),
        ("v: |\n", ""),
        ("v: |", ""),
        ("v: >\n  # not a comment\n", "# not a comment\n"),
    ]

    @Test(arguments: blockScalarCases)
    func blockScalarsApplyChompingAndFolding(_ yaml: String, _ expected: String) throws {
        let value = try valueOfV(yaml)
        #expect(value?.scalar == expected)
    }

    @Test func blockScalarEndsAtDedent() {
        #expect(renderStream("v: |\n  a\nw: 1\n") == #"{"v": "a\n", "w": "1"}"#)
        #expect(renderStream("v: |\nw: 1\n") == #"{"v": "", "w": "1"}"#)
        #expect(renderStream("- |\n  a\n- b\n") == #"["a\n", "b"]"#)
        #expect(renderStream("x:\n  v: >\n    a\n     b\n  w: 1\n") == #"{"x": {"v": "a\n b\n", "w": "1"}}"#)
        #expect(renderStream("v: |\n  a\n# comment\n") == #"{"v": "a\n"}"#)
    }

    @Test func scalarStylesAreRecorded() throws {
        let docs = try parseYAML("a: x\nb: 'x'\nc: \"x\"\nd: |\n  x\ne: >\n  x\n")
        guard case .mapping(let entries)? = docs.first?.kind else {
            Issue.record("expected a mapping")
            return
        }
        let styles = entries.map { entry -> YAMLNode.ScalarStyle? in
            if case .scalar(_, let style) = entry.value.kind { return style }
            return nil
        }
        #expect(styles == [.plain, .singleQuoted, .doubleQuoted, .literal, .folded])
    }

    @Test func nodesCarryLineAndColumn() throws {
        let docs = try parseYAML("# c\nserver:\n  listen: \"x\"\n  list:\n  - a\n  - [b, {c: d}]\n")
        guard case .mapping(let top)? = docs.first?.kind, case .mapping(let server) = top[0].value.kind else {
            Issue.record("expected mappings")
            return
        }
        #expect((top[0].key.line, top[0].key.column) == (2, 1))
        #expect((top[0].value.line, top[0].value.column) == (3, 3))
        #expect((server[0].value.line, server[0].value.column) == (3, 11))
        guard case .sequence(let list) = server[1].value.kind, case .sequence(let flow) = list[1].kind else {
            Issue.record("expected sequences")
            return
        }
        #expect((server[1].value.line, server[1].value.column) == (5, 3))
        #expect((list[0].line, list[0].column) == (5, 5))
        #expect((flow[1].line, flow[1].column) == (6, 9))
    }

    @Test func columnsCountUnicodeScalarsNotBytes() throws {
        let docs = try parseYAML("é: ü\n")
        guard case .mapping(let entries)? = docs.first?.kind else {
            Issue.record("expected a mapping")
            return
        }
        #expect(entries[0].value.column == 4)
    }

    @Test func mappingOrderIsKept() throws {
        let keys = (0..<50).map { "k\(49 - $0)" }
        let text = keys.map { "\($0): 1" }.joined(separator: "\n")
        guard case .mapping(let entries)? = try parseYAML(text).first?.kind else {
            Issue.record("expected a mapping")
            return
        }
        #expect(entries.map { $0.key.scalar ?? "" } == keys)
    }

    @Test func nullSpellingsAreNullButQuotedNullIsAString() throws {
        let docs = try parseYAML("a: ~\nb: null\nc: \"null\"\nd:\n")
        guard case .mapping(let entries)? = docs.first?.kind else {
            Issue.record("expected a mapping")
            return
        }
        #expect(entries.map(\.value.isNull) == [true, true, false, true])
    }

    @Test func nestingUpToTheDepthLimitIsAccepted() throws {
        let depth = YAML.maxDepth
        let flow = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(try parseYAML(flow).count == 1)
        var block = ""
        for level in 0..<depth {
            block += String(repeating: " ", count: level * 2) + "a:\n"
        }
        #expect(try parseYAML(block).count == 1)
    }
}
