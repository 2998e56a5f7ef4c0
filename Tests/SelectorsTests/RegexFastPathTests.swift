import Testing
@testable import Selectors

/// The common selector shapes get a fast path, and each fast path answers like the DFA.
@Suite struct RegexFastPathTests {
    @Test func commonShapesAreRecognised() throws {
        func engine(_ p: String, _ options: RE2Regex.Options = []) throws -> RE2Regex.Engine { try RE2Regex(p, options: options).engine }
        #expect(try engine("GET") == .fastPath(.literal(Array("GET".utf8))))
        #expect(try engine("^GET$") == .fastPath(.literal(Array("GET".utf8))))
        #expect(try engine("") == .fastPath(.literal([])))
        #expect(try engine("a{3}") == .fastPath(.literal(Array("aaa".utf8))))
        #expect(try engine("/api/.*") == .fastPath(.prefix(Array("/api/".utf8), .noNewline)))
        #expect(try engine("/api/.*", .dotMatchesNewline) == .fastPath(.prefix(Array("/api/".utf8), .anything)))
        #expect(try engine(".*_total") == .fastPath(.suffix(Array("_total".utf8), .noNewline)))
        #expect(try engine("(?s).*err.*") == .fastPath(.contains(Array("err".utf8), .anything)))
        #expect(try engine(".*") == .fastPath(.anything(.noNewline)))
        #expect(try engine("[^\\x00-\\x{10FFFF}]") == .fastPath(.never))
    }

    @Test func otherShapesUseTheDFA() throws {
        // Literal alternations and fixed-length class sequences measured no faster than the DFA.
        for pattern in ["GET|POST|PUT", "a|b|", "a+", "(ab)*", "a.*b", ".*a.*b", "\\bx", "a|b*", "x\\x{FFFD}", "\\x{FFFD}.*", "5..", "(?i)get", "[45]0[0-9]", "[ab]"] {
            #expect(try RE2Regex(pattern).engine == .dfa, "\(pattern)")
        }
    }

    @Test(arguments: ["GET", "/api/.*", ".*_total", ".*err.*", ".*", "é.*", ".*é", "(?s)/api/.*", "(?s).*_total", "(?s).*", "(?:x)", "😀"])
    func fastPathAgreesWithTheDFA(_ pattern: String) throws {
        let fast = try RE2Regex(pattern)
        guard case .fastPath = fast.engine else {
            Issue.record("\(pattern) has no fast path")
            return
        }
        let general = try RE2Regex(pattern, allowFastPath: false, allowDFA: true)
        let texts = ["", "GET", "POST", "PUTS", "/api/", "/api/v1", "/api\n", "/api/\n", "x_total", "_total", "a\n_total",
                     "err", "xerrx", "e\nerr", "500", "5é0", "50", "get", "GeT", "gét", "404", "é", "éa", "aé", "\n",
                     "a", "😀", "\u{FFFD}", "\u{FFFD}x"]
        for text in texts {
            #expect(fast.matches(text) == general.matches(text), "\(pattern) on \(text.debugDescription)")
        }
        let invalid: [[UInt8]] = [[0xFF], [0x2F, 0x61, 0x70, 0x69, 0x2F, 0xFF], [0xFF, 0x5F, 0x74, 0x6F, 0x74, 0x61, 0x6C], [0x35, 0xC3, 0x30]]
        for bytes in invalid {
            #expect(fast.matches(utf8: bytes) == general.matches(utf8: bytes), "\(pattern) on \(bytes)")
        }
    }
}
