import Testing
@testable import Config

/// Positions of byte offsets inside scalars, where import errors point.
@Suite struct SourceTextTests {
    /// The position of byte `offset` of the value of the document's only key.
    static func position(_ yaml: String, _ offset: Int) throws -> String {
        let bytes = Array(yaml.utf8)
        let document = try #require(try YAML.parse(bytes).first)
        guard case .mapping(let entries) = document.kind, let value = entries.first?.value else {
            Issue.record("no mapping in \(yaml)")
            return ""
        }
        let at = SourceText(bytes).position(in: value, byteOffset: offset)
        return "\(at.line):\(at.column)"
    }

    /// (document, byte offset, position): lines of literal blocks, more-indented lines, an
    /// unfolded folded block, offsets in the trailing breaks.
    @Test(arguments: [
        ("q: |\n  ab\n  cd\n", 4, "3:4"),
        ("q: |\n  ab\n\n    cd\n", 6, "4:5"),
        ("q: |-\n  ab\n  é d\n", 6, "3:5"),
        ("q: >\n  ab\n", 1, "2:4"),
        ("q: |\n  ab\n\n\n", 5, "2:5"),
        ("q: |+\n  ab\n", 3, "2:5"),
    ])
    func blockScalarOffsetsAreTheirCharacters(_ yaml: String, _ offset: Int, _ position: String) throws {
        #expect(try Self.position(yaml, offset) == position)
    }

    /// A folded block whose lines were joined is not its source lines: the `>` itself.
    @Test(arguments: [
        ("q: >\n  ab\n  cd\n", 3),
        ("q: >\n  ab\n  cd\n\n  cd\n", 6),
        ("q: |\n", 0),
    ])
    func foldedLinesFallBackToTheScalar(_ yaml: String, _ offset: Int) throws {
        #expect(try Self.position(yaml, offset) == "1:4")
    }
}
