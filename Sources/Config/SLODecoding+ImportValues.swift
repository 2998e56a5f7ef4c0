import SLO

/// Values that imported SLO files share: booleans and Prometheus durations.
extension SLODecoding {
    /// `true` or `false` at `key`, or nil when absent or on error (reported).
    mutating func optionalBool(_ parent: inout ConfigMapping, _ key: String) -> (Bool, YAMLNode)? {
        guard let (_, node) = optionalScalar(&parent, key) else { return nil }
        switch ConfigValue<Bool>.bool.parse(node) {
        case .success(let value): return (value, node)
        case .failure(let problem):
            report(node, parent.keyPath(key), problem.message)
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
