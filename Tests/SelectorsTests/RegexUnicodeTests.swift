import Testing
@testable import Selectors

/// UTF-8 handling (including invalid input), case-folding orbits and Unicode categories.
@Suite struct RegexUnicodeTests {
    struct BytesCase: CustomTestStringConvertible, Sendable {
        var pattern: String
        var bytes: [UInt8]
        var matches: Bool
        var testDescription: String { "\(pattern) on \(bytes)" }
    }

    /// Each invalid byte reads as one U+FFFD, as in Go.
    static let invalidUTF8: [BytesCase] = [
        BytesCase(pattern: ".", bytes: [0xFF], matches: true),
        BytesCase(pattern: "\\x{FFFD}", bytes: [0xC3], matches: true),
        BytesCase(pattern: "[^a]", bytes: [0x80], matches: true),
        BytesCase(pattern: "..", bytes: [0xE2, 0x82], matches: true),            // truncated 3-byte sequence
        BytesCase(pattern: ".", bytes: [0xE2, 0x82], matches: false),
        BytesCase(pattern: "\\x{FFFD}{3}", bytes: [0xED, 0xA0, 0x80], matches: true),   // encoded surrogate
        BytesCase(pattern: "\\x{FFFD}{2}", bytes: [0xC0, 0x80], matches: true),          // overlong NUL
        BytesCase(pattern: "\\x{FFFD}{4}", bytes: [0xF4, 0x90, 0x80, 0x80], matches: true), // above U+10FFFF
        BytesCase(pattern: "\\x{FFFD}a", bytes: [0xE2, 0x61], matches: true),
        BytesCase(pattern: "a.*", bytes: [0x61, 0xFF, 0xFE], matches: true),
        BytesCase(pattern: ".*b", bytes: [0xFF, 0x62], matches: true),
        BytesCase(pattern: ".*ab.*", bytes: [0xE2, 0x61, 0x62, 0x82], matches: true),
        BytesCase(pattern: "é", bytes: [0xC3, 0xA9], matches: true),
        BytesCase(pattern: "é", bytes: [0xC3], matches: false),
        BytesCase(pattern: "\\pL", bytes: [0xFF], matches: false),
        BytesCase(pattern: "\\p{So}", bytes: [0xFF], matches: true),              // U+FFFD is a symbol
        BytesCase(pattern: "\\b\\x{FFFD}", bytes: [0xFF], matches: false),
        BytesCase(pattern: "a|\\x{FFFD}", bytes: [0x80], matches: true),
        BytesCase(pattern: "GET|POST", bytes: [0x47, 0x45, 0x54, 0xFF], matches: false),
    ]

    @Test(arguments: invalidUTF8)
    func invalidBytesReadAsReplacementCharacters(_ c: BytesCase) throws {
        #expect(try agreedAnswer(c.pattern, c.bytes) == c.matches)
    }

    @Test func decoderFollowsTheWellFormednessTable() {
        func decodeAll(_ bytes: [UInt8]) -> [UInt32] {
            var i = 0, out: [UInt32] = []
            while i < bytes.count {
                let (c, w) = UTF8Decoding.decode(bytes, at: i)
                out.append(c)
                i += w
            }
            return out
        }
        // Every valid scalar round-trips (sampled across all lengths and plane edges).
        for value in [0, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF] as [UInt32] {
            #expect(decodeAll(UTF8Decoding.encode(value)!) == [value])
        }
        #expect(decodeAll([0xE0, 0x80, 0x80]) == [0xFFFD, 0xFFFD, 0xFFFD])   // overlong 3-byte
        #expect(decodeAll([0xF0, 0x8F, 0xBF, 0xBF]) == [0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD])
        #expect(decodeAll([0xF8, 0x88, 0x80, 0x80, 0x80]) == Array(repeating: 0xFFFD, count: 5))
        #expect(decodeAll([0xC2]) == [0xFFFD])
        #expect(decodeAll([0xC2, 0x41]) == [0xFFFD, 0x41])
        #expect(UTF8Decoding.encode(0xD800) == nil)
    }

    @Test func caseFoldingOrbitsMatchGoForKnownCases() {
        let folding = CaseFolding.shared
        #expect(folding.orbit(of: 0x6B) == [0x4B, 0x6B, 0x212A])                 // k K Kelvin
        #expect(folding.orbit(of: 0x73) == [0x53, 0x73, 0x17F])                  // s S ſ
        #expect(folding.orbit(of: 0x3C3) == [0x3A3, 0x3C2, 0x3C3])               // σ Σ ς
        #expect(folding.orbit(of: 0x3B8) == [0x398, 0x3B8, 0x3D1, 0x3F4])        // θ Θ ϑ ϴ
        #expect(folding.orbit(of: 0x3B9) == [0x345, 0x399, 0x3B9, 0x1FBE])       // ι and friends
        #expect(folding.orbit(of: 0xB5) == [0xB5, 0x39C, 0x3BC])                 // µ Μ μ
        #expect(folding.orbit(of: 0x1C5) == [0x1C4, 0x1C5, 0x1C6])               // Ǆ ǅ ǆ
        #expect(folding.orbit(of: 0xDF) == [0xDF, 0x1E9E])                       // ß ẞ
        #expect(folding.orbit(of: 0x13A0) == [0x13A0, 0xAB70])                   // Cherokee
        #expect(folding.orbit(of: 0x131) == [0x131])                             // dotless ı: Turkic only
        #expect(folding.orbit(of: 0x130) == [0x130])                             // İ
        #expect(folding.orbit(of: 0x49) == [0x49, 0x69])                         // I i
        #expect(folding.orbit(of: 0x31) == [0x31])
        #expect(folding.orbit(of: 0x10400) == [0x10400, 0x10428])                // Deseret
    }

    @Test func everyOrbitIsClosedAndConsistent() {
        let folding = CaseFolding.shared
        for c in folding.members {
            let orbit = folding.orbit(of: c)
            #expect(orbit.count >= 2 && orbit.count <= 4)
            for other in orbit where folding.orbit(of: other) != orbit {
                Issue.record("orbit of \(c) is not the orbit of \(other)")
            }
        }
    }

    @Test func foldingARangeAddsEveryVariant() {
        let folded = ScalarSet.range(0x61, 0x7A).caseFolded()
        for c: UInt32 in [0x41, 0x5A, 0x212A, 0x17F] { #expect(folded.contains(c)) }
        #expect(!folded.contains(0x40))
        // A range covering every orbit member is returned as is.
        #expect(ScalarSet.all.caseFolded() == .all)
    }

    @Test func generalCategoriesAgreeWithTheStdlib() throws {
        // Sample every 97th code point (all planes, including the ones the table builder does not
        // scan) and compare the table to the stdlib's own answer.
        let categories = UnicodeCategories.shared
        var value: UInt32 = 0
        while value <= 0x10FFFF {
            let expected = UnicodeCategories.names[UnicodeCategories.index(value)]
            if expected != "Cn" {
                #expect(categories.sets[expected]!.contains(value), "U+\(String(value, radix: 16)) should be \(expected)")
            } else {
                for (name, set) in categories.sets where name.count == 2 && set.contains(value) {
                    Issue.record("unassigned U+\(String(value, radix: 16)) is in \(name)")
                }
            }
            value += 97
        }
        // The skipped planes' edges.
        for edge: UInt32 in [0x40000, 0xDFFFF, 0xF0000, 0xFFFFD, 0x100000, 0x10FFFD] {
            let expected = UnicodeCategories.names[UnicodeCategories.index(edge)]
            #expect(expected == "Cn" || categories.sets[expected]!.contains(edge))
        }
        #expect(!categories.sets["Co"]!.contains(0xFFFFE))
        #expect(categories.sets["Cs"]!.contains(0xD800))
    }

    @Test func majorCategoriesAreUnionsAndCExcludesUnassigned() {
        let sets = UnicodeCategories.shared.sets
        #expect(sets["L"] == ["Lu", "Ll", "Lt", "Lm", "Lo"].map { sets[$0]! }.reduce(ScalarSet()) { $0.union($1) })
        #expect(sets["C"] == ["Cc", "Cf", "Co", "Cs"].map { sets[$0]! }.reduce(ScalarSet()) { $0.union($1) })
        #expect(sets["Cn"] == nil)
        #expect(!sets["C"]!.contains(0x378))   // unassigned
    }
}
