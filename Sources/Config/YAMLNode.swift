/// A node of a parsed YAML document, with the 1-based line and column where it starts.
///
/// The tree is purely syntactic: scalars stay strings (`"10"`, `"true"`, `"null"`) and the
/// consumer decides what they mean. Mappings keep their source order; their keys are always
/// `.scalar` nodes and are unique within one mapping (the parser rejects duplicates).
public struct YAMLNode: Sendable, Equatable {
    /// How a scalar was written. Consumers may use it to tell `10` (plain) from `"10"` (quoted).
    public enum ScalarStyle: Sendable, Equatable {
        case plain
        case singleQuoted
        case doubleQuoted
        /// A `|` block scalar.
        case literal
        /// A `>` block scalar.
        case folded
    }

    /// One `key: value` pair of a mapping.
    public struct Entry: Sendable, Equatable {
        /// Always a `.scalar` node.
        public var key: YAMLNode
        public var value: YAMLNode

        public init(key: YAMLNode, value: YAMLNode) {
            self.key = key
            self.value = value
        }
    }

    public enum Kind: Sendable, Equatable {
        /// An empty value: `key:` with nothing after it, an empty sequence entry, an empty document.
        case null
        case scalar(String, style: ScalarStyle)
        case sequence([YAMLNode])
        case mapping([Entry])
    }

    public var kind: Kind
    /// 1-based line of the node's first character.
    public var line: Int
    /// 1-based column (in Unicode scalars) of the node's first character.
    public var column: Int

    public init(_ kind: Kind, line: Int, column: Int) {
        self.kind = kind
        self.line = line
        self.column = column
    }
}

extension YAMLNode {
    /// The text of a scalar node, or nil for other kinds.
    public var scalar: String? {
        if case .scalar(let text, _) = kind { return text }
        return nil
    }

    /// True for an empty value and for the plain scalars the YAML core schema reads as null
    /// (`~`, `null`, `Null`, `NULL`). Quoted `"null"` is a string, not null.
    public var isNull: Bool {
        switch kind {
        case .null:
            return true
        case .scalar(let text, style: .plain):
            return text == "~" || text == "null" || text == "Null" || text == "NULL"
        default:
            return false
        }
    }

    /// A short English name of the node's kind for error messages ("a mapping", "null", …).
    var kindDescription: String {
        if isNull { return "null" }
        switch kind {
        case .null: return "null"
        case .scalar(_, let style):
            switch style {
            case .plain: return "a plain scalar"
            case .singleQuoted, .doubleQuoted: return "a quoted string"
            case .literal, .folded: return "a block scalar"
            }
        case .sequence: return "a sequence"
        case .mapping: return "a mapping"
        }
    }
}
