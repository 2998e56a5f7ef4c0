import Testing
@testable import Config
import SLO
import Selectors

/// Scalars folded over several lines, as YAML libraries write long strings: plain scalars
/// continued on more-indented lines, and quoted scalars broken across lines.
///
/// The `PyYAML` inputs are verbatim output of PyYAML 6.0.3 (`yaml.dump(value, width=…)`, with
/// `default_style` for the quoted variants); the expected values are what `yaml.safe_load` gives.
@Suite struct YAMLFoldingTests {
    static let libraryOutput: [YAMLCase] = [
        YAMLCase("PyYAML plain, width 40",
                 "description: Availability of the checkout\n  API measured on the edge load balancers\n  where every 5xx response counts as an error\n  and timeouts count too\n",
                 #"{"description": "Availability of the checkout API measured on the edge load balancers where every 5xx response counts as an error and timeouts count too"}"#),
        YAMLCase("PyYAML double-quoted with escaped line breaks",
                 "\"description\": \"Availability of the checkout\\\n  \\ API measured on the edge load balancers\\\n  \\ where every 5xx response counts as an\\\n  \\ error and timeouts count too\"\n",
                 #"{"description": "Availability of the checkout API measured on the edge load balancers where every 5xx response counts as an error and timeouts count too"}"#),
        YAMLCase("PyYAML single-quoted",
                 "'description': 'Availability of the checkout\n  API measured on the edge load balancers\n  where every 5xx response counts as an error\n  and timeouts count too'\n",
                 #"{"description": "Availability of the checkout API measured on the edge load balancers where every 5xx response counts as an error and timeouts count too"}"#),
        YAMLCase("PyYAML single-quoted with a paragraph break",
                 "text: 'para one is here\n  and long\n\n\n  para two: with colon\n  and # hash and - dash'\n",
                 #"{"text": "para one is here and long\n\npara two: with colon and # hash and - dash"}"#),
        YAMLCase("PyYAML double-quoted with a paragraph break",
                 "\"text\": \"para one is here\\\n  \\ and long\\n\\npara two:\\\n  \\ with colon and # hash\\\n  \\ and - dash\"\n",
                 #"{"text": "para one is here and long\n\npara two: with colon and # hash and - dash"}"#),
        YAMLCase("PyYAML plain keeping runs of spaces inside a line",
                 "description: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n  bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb cccccccccccccccccccccccccccccc  d  d  d\n",
                 #"{"description": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb cccccccccccccccccccccccccccccc  d  d  d"}"#),
        YAMLCase("PyYAML nested in a sequence of mappings",
                 "slos:\n- name: checkout\n  objective: 99.9\n  description: Availability of the checkout\n    API measured on the edge load balancers\n    where every 5xx response counts as an\n    error and timeouts count too\n  labels:\n    team: payments and checkout platform engineering\n      group\n",
                 #"{"slos": [{"name": "checkout", "objective": "99.9", "description": "Availability of the checkout API measured on the edge load balancers where every 5xx response counts as an error and timeouts count too", "labels": {"team": "payments and checkout platform engineering group"}}]}"#),
        YAMLCase("PyYAML sequence entries",
                 "k:\n- first long item of a\n  sequence that folds\n- second\n",
                 #"{"k": ["first long item of a sequence that folds", "second"]}"#),
        YAMLCase("PyYAML continuation lines starting with indicator characters",
                 "- xxxxxxxxxxxxxxxxxxxx - yyyyyyyyyyyyyyyyyyyy\n  ? z  ? z  ? z  &a *b !t |x >y\n  %p @q\n",
                 #"["xxxxxxxxxxxxxxxxxxxx - yyyyyyyyyyyyyyyyyyyy ? z  ? z  ? z  &a *b !t |x >y %p @q"]"#),
        YAMLCase("PyYAML top-level string",
                 "top level string that\n  is rather long and gets\n  folded over lines\n...\n",
                 #""top level string that is rather long and gets folded over lines""#),
        YAMLCase("PyYAML flow style",
                 "{k: {inner: x y z x y\n      z x y z x y z x\n      y z x y z end}}\n",
                 #"{"k": {"inner": "x y z x y z x y z x y z x y z x y z end"}}"#),
        // Go's yaml.v2 is a port of the libyaml emitter and folds at 80 columns; this is its
        // layout (sequences at the key's indentation, continuation lines two spaces deeper).
        YAMLCase("yaml.v2 layout, width 80",
                 "slos:\n- service: checkout\n  description: Checkout requests succeed when the edge load balancers answer without\n    a server error, measured over thirty days\n  objective: 99.9\n",
                 #"{"slos": [{"service": "checkout", "description": "Checkout requests succeed when the edge load balancers answer without a server error, measured over thirty days", "objective": "99.9"}]}"#),
    ]

    @Test(arguments: libraryOutput)
    func libraryOutputParsesAsTheLibraryReadsIt(_ testCase: YAMLCase) {
        #expect(renderStream(testCase.yaml) == testCase.expected)
    }

    static let plainFolding: [YAMLCase] = [
        YAMLCase("mapping value", "a: hello\n  world\n", #"{"a": "hello world"}"#),
        YAMLCase("root scalar", "hello\nworld\n", #""hello world""#),
        YAMLCase("value on the next line, continued less indented",
                 "a:\n    hello\n  world\nb: 1\n", #"{"a": "hello world", "b": "1"}"#),
        YAMLCase("sequence entry", "- hello\n  world\n- x\n", #"["hello world", "x"]"#),
        YAMLCase("empty lines become line breaks", "a: x\n\n\n  y\nb: 1\n", #"{"a": "x\n\ny", "b": "1"}"#),
        YAMLCase("white space around breaks is dropped", "a: x  \n \t\n  \t y\t\n", #"{"a": "x\ny"}"#),
        YAMLCase("tab after the indentation", "a: x\n \ty\n", #"{"a": "x y"}"#),
        YAMLCase("trailing comment ends the scalar", "a: x\n  y # note\nb: 1\n", #"{"a": "x y", "b": "1"}"#),
        YAMLCase("comment line ends the scalar", "a: x\n  y\n  # note\nb: 1\n", #"{"a": "x y", "b": "1"}"#),
        YAMLCase("'#' without space before it stays", "a: x\n  y#z\n", #"{"a": "x y#z"}"#),
        YAMLCase("':' without space after it stays", "a: x\n  http://h:80/p\n", #"{"a": "x http://h:80/p"}"#),
        YAMLCase("quotes and brackets inside", "a: x\n  \"y\" [z] {w},\n", #"{"a": "x \"y\" [z] {w},"}"#),
        YAMLCase("a line at the mapping's indentation is its next key",
                 "m:\n  a: x\n    y\n  b: z\n", #"{"m": {"a": "x y", "b": "z"}}"#),
        YAMLCase("compact mapping in a sequence",
                 "- a: x\n    y\n  b: z\n", #"[{"a": "x y", "b": "z"}]"#),
        YAMLCase("document markers end a root scalar", "a\nb\n---\nc\nd\n...\n", #""a b" --- "c d""#),
        YAMLCase("document start line", "--- a\n  b\n", #""a b""#),
        YAMLCase("CRLF line breaks", "a: x\r\n  y\r\n\r\n  z\r\n", #"{"a": "x y\nz"}"#),
        YAMLCase("key with a folded null-like value is a string", "a: ~\n  x\n", #"{"a": "~ x"}"#),
    ]

    @Test(arguments: plainFolding)
    func plainScalarsFoldInBlockContext(_ testCase: YAMLCase) {
        #expect(renderStream(testCase.yaml) == testCase.expected)
    }

    static let flowFolding: [YAMLCase] = [
        YAMLCase("sequence entries", "[a\n b, c\n\n d]", #"["a b", "c\nd"]"#),
        YAMLCase("mapping value", "{k: x\n  y, j: z}", #"{"k": "x y", "j": "z"}"#),
        YAMLCase("',' on the next line ends the scalar", "[a\n , b]", #"["a", "b"]"#),
        YAMLCase("closing bracket on the next line ends the scalar", "k: [a\n  ]\n", #"{"k": ["a"]}"#),
        YAMLCase("':' on the next line is the value indicator", "{a\n : b}", #"{"a": "b"}"#),
        YAMLCase("comment line ends the scalar", "[a\n # c\n , b]", #"["a", "b"]"#),
        YAMLCase("'- ' is plain text in flow", "[a\n - b]", #"["a - b"]"#),
    ]

    @Test(arguments: flowFolding)
    func plainScalarsFoldInFlowContext(_ testCase: YAMLCase) {
        #expect(renderStream(testCase.yaml) == testCase.expected)
    }

    @Test func foldedScalarKeepsThePositionOfItsFirstCharacter() throws {
        let docs = try parseYAML("a:\n  b: x\n    y\n  c: [p\n    q]\n")
        guard case .mapping(let top)? = docs.first?.kind, case .mapping(let inner) = top[0].value.kind,
              case .sequence(let flow) = inner[1].value.kind else {
            Issue.record("expected a mapping with a flow sequence")
            return
        }
        #expect((inner[0].value.line, inner[0].value.column) == (2, 6))
        #expect((inner[1].key.line, inner[1].key.column) == (4, 3))
        #expect((flow[0].line, flow[0].column) == (4, 7))
    }

    /// The fuzz seeds with folded scalars (Tests/Fuzz/corpus/yaml/folded-*.yaml) are valid: the
    /// fuzzer starts from inputs that parse, and mutates them into the error paths.
    @Test(arguments: ["folded-plain.yaml", "folded-quoted.yaml", "folded-flow.yaml"])
    func foldedFuzzSeedsParse(_ name: String) throws {
        let root = try #require(repositoryRoot(), "repository root not found above \(#filePath)")
        let bytes = try #require(readFile(root + "/Tests/Fuzz/corpus/yaml/" + name), "cannot read \(name)")
        let documents = try YAML.parse(bytes)
        #expect(documents.count >= 2)
        #expect(documents.allSatisfy { !$0.isNull })
    }

    /// An SLO file as PyYAML writes it (width 60): the description and the `bad` selector are
    /// folded, and decode to the same SLO as the one-line spelling.
    @Test func sloConfigWrittenByPyYAMLDecodes() throws {
        let folded = """
            slos:
            - service: checkout
              name: availability
              description: Checkout requests succeed when the edge load balancers
                answer without a server error
              objective: 99.9
              sli:
                events:
                  total: http_server_request_count_total
                  bad: http_server_request_count_total{http_response_status_code=~"5..",
                    http_route="/api/checkout"}

            """
        let spec = try #require(try loadConfig(folded).get().slos.first)
        #expect(spec.description == "Checkout requests succeed when the edge load balancers answer without a server error")
        let bad = try SeriesSelector.parse(#"http_server_request_count_total{http_response_status_code=~"5..", http_route="/api/checkout"}"#)
        #expect(spec.sli == .events(total: try SeriesSelector.parse("http_server_request_count_total"), good: nil, bad: bad))
    }
}
