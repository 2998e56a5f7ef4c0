/// A configuration section: a type decoded from one YAML mapping.
///
/// To add a section (say `ingest`): give it defaults, conform it to `ConfigSection`, read each of
/// its keys in `decode(from:)` with `mapping.decode(_:_:as:)` (or `mapping.section(_:_:)` for a
/// nested section), check cross-field rules there with `mapping.report(_:_:)`, and add one
/// `mapping.section("ingest", &ingest)` line to the parent's `decode(from:)`.
protocol ConfigSection {
    /// Updates `self` (which holds the defaults) from the keys present in `mapping`. Missing keys
    /// keep their default. Problems are reported to `mapping`, never thrown, so all are found.
    mutating func decode(from mapping: inout ConfigMapping)
}

/// One YAML mapping being decoded: looks keys up, remembers which keys were asked for and which
/// were present, and collects errors with file positions and key paths.
///
/// `finish()` reports the keys present but never asked for as unknown, suggesting the closest
/// known key.
struct ConfigMapping {
    let file: String
    /// Dotted key path of this mapping; empty at the top level.
    let path: String
    private let entries: [YAMLNode.Entry]
    private var consumed: [Bool]
    /// Keys the decoder asked for, in order: the known keys of this section.
    private(set) var knownKeys: [String] = []
    private(set) var errors: [ConfigError] = []

    /// - Parameter node: a `.mapping` node, or a null node for a section that is present but empty.
    init(file: String, path: String, node: YAMLNode) {
        self.file = file
        self.path = path
        if case .mapping(let entries) = node.kind {
            self.entries = entries
        } else {
            self.entries = []
        }
        consumed = Array(repeating: false, count: entries.count)
    }

    func keyPath(_ key: String) -> String {
        path.isEmpty ? key : path + "." + key
    }

    /// The entry for `key`, if present, marking it as read. Records `key` as known either way.
    mutating func entry(_ key: String) -> YAMLNode.Entry? {
        knownKeys.append(key)
        guard let index = entries.firstIndex(where: { $0.key.scalar == key }) else { return nil }
        consumed[index] = true
        return entries[index]
    }

    /// The value node of `key` if present, without marking it read (to place the report of a
    /// rule between several keys).
    func valueNode(_ key: String) -> YAMLNode? {
        entries.first { $0.key.scalar == key }?.value
    }

    /// Reports a problem with the value at `node` for `key` of this mapping.
    mutating func report(_ node: YAMLNode, key: String, _ message: String) {
        errors.append(ConfigError(file: file, line: node.line, column: node.column,
                                  keyPath: keyPath(key), message: message))
    }

    /// Reads a scalar key into `value` (which keeps its default when the key is missing or on
    /// error). A null value (`key:` with nothing after it) is an error: remove the key instead.
    mutating func decode<Value>(_ key: String, _ value: inout Value, as type: ConfigValue<Value>) {
        guard let entry = entry(key) else { return }
        let node = entry.value
        if node.isNull {
            report(node.kind == .null ? entry.key : node, key: key,
                   "expected \(type.expected), got null (remove the key to use the default)")
            return
        }
        guard case .scalar = node.kind else {
            report(node, key: key, "expected \(type.expected), got \(node.kindDescription)")
            return
        }
        switch type.parse(node) {
        case .success(let parsed): value = parsed
        case .failure(let problem): report(node, key: key, problem.message)
        }
    }

    /// Decodes a nested section. A missing or null section keeps its defaults.
    mutating func section<Section: ConfigSection>(_ key: String, _ value: inout Section) {
        guard let entry = entry(key), !entry.value.isNull else { return }
        guard case .mapping = entry.value.kind else {
            report(entry.value, key: key, "expected a mapping (a section of keys), got \(entry.value.kindDescription)")
            return
        }
        var child = ConfigMapping(file: file, path: keyPath(key), node: entry.value)
        value.decode(from: &child)
        child.finish()
        errors += child.errors
    }

    /// Reports every key that was present but never asked for.
    mutating func finish() {
        for (index, entry) in entries.enumerated() where !consumed[index] {
            let name = entry.key.scalar ?? ""
            var message = "unknown key \(quoted(name))"
            if let suggestion = closestKey(to: name) {
                message += "; did you mean \(quoted(suggestion))?"
            } else if !knownKeys.isEmpty {
                message += " (known keys: \(knownKeys.joined(separator: ", ")))"
            }
            errors.append(ConfigError(file: file, line: entry.key.line, column: entry.key.column,
                                      keyPath: keyPath(name), message: message))
        }
    }

    /// The known key closest to `name` if it is a plausible typo: an edit distance of at most 2
    /// (1 for short keys), or equal ignoring case, `-` versus `_`.
    private func closestKey(to name: String) -> String? {
        let normalized = Array(name.lowercased().replacingDashes().utf8)
        guard normalized.count <= 64 else { return nil }
        var best: (key: String, distance: Int)?
        for key in knownKeys {
            let distance = editDistance(normalized, Array(key.utf8))
            let limit = key.utf8.count <= 4 ? 1 : 2
            if distance <= limit && distance < (best?.distance ?? Int.max) {
                best = (key, distance)
            }
        }
        return best?.key
    }
}

extension String {
    fileprivate func replacingDashes() -> String {
        String(unicodeScalars.map { $0 == "-" ? "_" : Character($0) })
    }
}

/// Edit distance between two byte strings counting insertions, deletions, substitutions and
/// transpositions of adjacent bytes (optimal string alignment). O(a.count × b.count).
func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var beforePrevious = Array(repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = Array(repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                current[j] = min(current[j], beforePrevious[j - 2] + 1)
            }
        }
        (beforePrevious, previous, current) = (previous, current, beforePrevious)
    }
    return previous[b.count]
}
