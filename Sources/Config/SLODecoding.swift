import SLO
import Selectors

/// State shared while decoding SLO definitions from one file: where errors go, the source text
/// for positions inside scalars, and the zones resolved so far.
struct SLODecoding {
    let file: String
    let source: SourceText
    let timeZones: TimeZoneResolver
    private var zones: [String: Result<TimeZoneRules, SLOConfigurationError>] = [:]
    private(set) var errors: [ConfigError] = []

    init(file: String, bytes: [UInt8], timeZones: TimeZoneResolver) {
        self.file = file
        self.source = SourceText(bytes)
        self.timeZones = timeZones
    }

    mutating func report(_ node: YAMLNode, _ keyPath: String, _ message: String) {
        errors.append(ConfigError(file: file, line: node.line, column: node.column, keyPath: keyPath, message: message))
    }

    mutating func report(line: Int, column: Int, _ keyPath: String, _ message: String) {
        errors.append(ConfigError(file: file, line: line, column: column, keyPath: keyPath, message: message))
    }

    /// A problem at byte `offset` of the scalar `node`'s text (nil: the scalar itself).
    mutating func report(_ node: YAMLNode, byteOffset offset: Int?, _ keyPath: String, _ message: String) {
        guard let offset else { return report(node, keyPath, message) }
        let at = source.position(in: node, byteOffset: offset)
        report(line: at.line, column: at.column, keyPath, message)
    }

    /// Reports the unknown keys of `mapping` and takes over its errors.
    mutating func finish(_ mapping: inout ConfigMapping) {
        mapping.finish()
        errors += mapping.errors
    }

    mutating func append(_ more: [ConfigError]) {
        errors += more
    }

    /// The zone `name`, resolved once per file.
    mutating func timeZone(_ name: String) -> Result<TimeZoneRules, SLOConfigurationError> {
        if let known = zones[name] { return known }
        let result = timeZones.resolve(name)
        zones[name] = result
        return result
    }

    // MARK: Values

    /// A child mapping for `key` of `parent`, or nil (reported) when it is not a mapping.
    mutating func mapping(_ parent: inout ConfigMapping, _ key: String, required: Bool, at owner: YAMLNode) -> (ConfigMapping, YAMLNode)? {
        guard let entry = parent.entry(key) else {
            if required { report(owner, parent.path, "missing required key \"\(key)\"") }
            return nil
        }
        guard case .mapping = entry.value.kind else {
            report(entry.value.kind == .null ? entry.key : entry.value, parent.keyPath(key),
                   "expected a mapping, got \(entry.value.kindDescription)")
            return nil
        }
        return (ConfigMapping(file: file, path: parent.keyPath(key), node: entry.value), entry.value)
    }

    /// The text of the scalar at `key`, or nil (reported when present but not a scalar, or
    /// missing and required).
    mutating func scalar(_ parent: inout ConfigMapping, _ key: String, required: Bool, at owner: YAMLNode) -> (String, YAMLNode)? {
        guard let entry = parent.entry(key) else {
            if required { report(owner, parent.path, "missing required key \"\(key)\"") }
            return nil
        }
        guard !entry.value.isNull, let text = entry.value.scalar else {
            report(entry.value.kind == .null ? entry.key : entry.value, parent.keyPath(key),
                   "expected a scalar value, got \(entry.value.kindDescription)")
            return nil
        }
        return (text, entry.value)
    }

    /// Marks every key of `node` as read, so that a mapping abandoned after a refused construct
    /// reports only that construct, not its siblings as unknown keys.
    func consumeAll(_ m: inout ConfigMapping, _ node: YAMLNode) {
        guard case .mapping(let entries) = node.kind else { return }
        for entry in entries { _ = m.entry(entry.key.scalar ?? "") }
    }

    /// The text of the scalar at `key` if present, or nil (reported when not a scalar).
    mutating func optionalScalar(_ parent: inout ConfigMapping, _ key: String) -> (String, YAMLNode)? {
        scalar(&parent, key, required: false, at: YAMLNode(.null, line: 0, column: 0))
    }

    /// A series selector written in the scalar `node`, with errors placed inside the scalar.
    mutating func selector(_ text: String, at node: YAMLNode, _ keyPath: String) -> SeriesSelector? {
        do throws(SelectorError) {
            return try SeriesSelector.parse(text)
        } catch {
            report(node, byteOffset: error.offset, keyPath, "invalid series selector \(quoted(text)): \(error.message)")
            return nil
        }
    }

    /// A list of scalars (flow `[a, b]` or block), or nil (reported).
    mutating func stringList(_ node: YAMLNode, _ keyPath: String) -> [(String, YAMLNode)]? {
        guard case .sequence(let items) = node.kind else {
            report(node, keyPath, "expected a list like [a, b], got \(node.kindDescription)")
            return nil
        }
        var out: [(String, YAMLNode)] = []
        for (index, item) in items.enumerated() {
            guard !item.isNull, let text = item.scalar else {
                report(item, "\(keyPath)[\(index)]", "expected a scalar, got \(item.kindDescription)")
                return nil
            }
            out.append((text, item))
        }
        return out
    }

    /// A mapping of scalar keys to scalar values (label sets), or nil (reported).
    mutating func stringMap(_ node: YAMLNode, _ keyPath: String) -> [(key: YAMLNode, value: String, node: YAMLNode)]? {
        guard case .mapping(let entries) = node.kind else {
            report(node, keyPath, "expected a mapping of names to values, got \(node.kindDescription)")
            return nil
        }
        var out: [(key: YAMLNode, value: String, node: YAMLNode)] = []
        var ok = true
        for entry in entries {
            guard !entry.value.isNull, let text = entry.value.scalar else {
                report(entry.value.kind == .null ? entry.key : entry.value, keyPath + "." + (entry.key.scalar ?? ""),
                       "expected a string value, got \(entry.value.kindDescription)")
                ok = false
                continue
            }
            out.append((entry.key, text, entry.value))
        }
        return ok ? out : nil
    }

    /// The mapping at `key` of `m`: names to values (label sets, annotations), each entry
    /// passing `check` (else reported at its name and left out); empty when absent.
    mutating func namedValues(_ m: inout ConfigMapping, _ key: String,
                              check: (String, String) throws(SLOConfigurationError) -> Void) -> [String: String] {
        guard let entry = m.entry(key), !entry.value.isNull, let pairs = stringMap(entry.value, m.keyPath(key)) else { return [:] }
        var out: [String: String] = [:]
        for (keyNode, value, _) in pairs {
            let name = keyNode.scalar ?? ""
            do throws(SLOConfigurationError) {
                try check(name, value)
                out[name] = value
            } catch {
                report(keyNode, m.keyPath(key) + "." + name, error.message)
            }
        }
        return out
    }
}
