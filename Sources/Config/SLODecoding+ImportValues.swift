import SLO

/// Values that imported SLO files share: alert label and annotation maps, booleans, and
/// Prometheus durations.
extension SLODecoding {
    /// What the names of a `labelMap` are: alert labels or alert annotations. Both must be
    /// Prometheus label names (Prometheus refuses a rule file whose annotation names are not).
    enum LabelMapKind: String {
        case labels
        case annotations
    }

    /// A mapping of label names to string values (`labels: {team: a}`), names checked as
    /// Prometheus label names; nil (reported) when it is not a mapping of scalars or a name is
    /// invalid. A null value (`labels:`) is an empty map.
    mutating func labelMap(_ node: YAMLNode, _ keyPath: String, kind: LabelMapKind) -> [String: String]? {
        if node.isNull { return [:] }
        guard let pairs = stringMap(node, keyPath) else { return nil }
        var out: [String: String] = [:]
        var ok = true
        for (key, value, _) in pairs {
            let name = key.scalar ?? ""
            do throws(SLOConfigurationError) {
                try SLOSpec.checkLabelName(name, subject: kind.rawValue)
                out[name] = value
            } catch {
                report(key, keyPath + "." + name, error.message)
                ok = false
            }
        }
        return ok ? out : nil
    }

    /// `true` or `false` at `key`, or nil when absent or on error (reported).
    mutating func optionalBool(_ parent: inout ConfigMapping, _ key: String) -> (Bool, YAMLNode)? {
        guard let (text, node) = optionalScalar(&parent, key) else { return nil }
        switch text {
        case "true": return (true, node)
        case "false": return (false, node)
        default:
            report(node, parent.keyPath(key), "expected true or false, got \(quoted(text))")
            return nil
        }
    }

    /// A duration like `5m` or `30d` at `key` (required), in seconds, or nil (reported).
    mutating func durationSeconds(_ parent: inout ConfigMapping, _ key: String, at owner: YAMLNode) -> (Int64, YAMLNode)? {
        guard let (text, node) = scalar(&parent, key, required: true, at: owner) else { return nil }
        guard let seconds = SLODuration.parseSeconds(text) else {
            report(node, parent.keyPath(key), "expected a duration like 5m, 1h or 30d (units s m h d w), got \(quoted(text))")
            return nil
        }
        return (seconds, node)
    }
}
