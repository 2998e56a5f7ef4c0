import SLO

/// The keys around an OpenSLO object's `spec` (`apiVersion`, `kind`, `metadata`), read before its
/// decoder takes the `spec` alone. A kind document's header was checked when the document was
/// detected (`OpenSLODocument`); an object inlined in another (an SLO's `indicator` or
/// `alertPolicies`, a policy's `conditions`) is checked here.
extension SLODecoding {
    /// The `spec` of a kind SLI document; `metadata`, if given, holds only OpenSLO's metadata keys.
    mutating func openSLOIndicatorDocumentSpec(_ node: YAMLNode, _ keyPath: String) -> (ConfigMapping, YAMLNode)? {
        guard var top = openSLOObject(node, keyPath) else { return nil }
        defer { finish(&top) }
        _ = top.entry("apiVersion")
        _ = top.entry("kind")
        return indicatorMetadataAndSpec(&top, at: node)
    }

    /// The `spec` of an SLO's inline `indicator`, which has no `apiVersion` or `kind`.
    mutating func inlineOpenSLOIndicatorSpec(_ node: YAMLNode, _ keyPath: String) -> (ConfigMapping, YAMLNode)? {
        guard var top = openSLOObject(node, keyPath) else { return nil }
        defer { finish(&top) }
        return indicatorMetadataAndSpec(&top, at: node)
    }

    /// The `spec` of a kind AlertCondition or AlertPolicy document.
    mutating func openSLOAlertDocumentSpec(_ node: YAMLNode, _ keyPath: String) -> (ConfigMapping, YAMLNode)? {
        guard var top = openSLOObject(node, keyPath) else { return nil }
        defer { finish(&top) }
        for key in ["apiVersion", "kind", "metadata"] { _ = top.entry(key) }
        return mapping(&top, "spec", required: true, at: node)
    }

    /// The name and `spec` of an AlertCondition or AlertPolicy inlined in another object: its
    /// `kind`, when written, must be `kind`, and `metadata.name` is required (a policy's name
    /// names its tier). The name is nil when missing (reported).
    mutating func inlineOpenSLOAlertSpec(_ node: YAMLNode, _ keyPath: String, kind: String) -> (name: String?, spec: ConfigMapping, specNode: YAMLNode)? {
        guard var top = openSLOObject(node, keyPath) else { return nil }
        defer { finish(&top) }
        _ = top.entry("apiVersion")
        if let (text, n) = optionalScalar(&top, "kind"), text != kind {
            report(n, top.keyPath("kind"), "expected kind: \(kind), got \(quoted(text))")
        }
        var name: String?
        if let (meta, metaNode) = mapping(&top, "metadata", required: true, at: node) {
            var m = meta
            name = scalar(&m, "name", required: true, at: metaNode)?.0
            consumeAll(&m, metaNode)
            finish(&m)
        }
        guard let (spec, specNode) = mapping(&top, "spec", required: true, at: node) else { return nil }
        return (name, spec, specNode)
    }

    /// `node` as the mapping of an OpenSLO object, or nil (reported).
    private mutating func openSLOObject(_ node: YAMLNode, _ keyPath: String) -> ConfigMapping? {
        guard case .mapping = node.kind else {
            report(node, keyPath, "expected a mapping with metadata and spec, got \(node.kindDescription)")
            return nil
        }
        return ConfigMapping(file: file, path: keyPath, node: node)
    }

    /// An indicator's optional `metadata` (its keys checked) and its `spec`.
    private mutating func indicatorMetadataAndSpec(_ top: inout ConfigMapping, at node: YAMLNode) -> (ConfigMapping, YAMLNode)? {
        if let (meta, _) = mapping(&top, "metadata", required: false, at: node) {
            var m = meta
            for key in ["name", "displayName", "labels", "annotations"] { _ = m.entry(key) }
            finish(&m)
        }
        return mapping(&top, "spec", required: true, at: node)
    }
}
