import SLO

/// The documents of imported files: which format each is (`classifyImportDocument`), and the
/// objects other documents refer to, collected across all files before any SLO is decoded
/// (`collect`).
extension SLODecoding {
    /// The format of one document, or nil (reported) when it is none slod imports.
    mutating func classifyImportDocument(_ node: YAMLNode) -> SLOImport.Document? {
        guard case .mapping(let entries) = node.kind else {
            report(node, "", "expected a mapping (an OpenSLO or Sloth document), got \(node.kindDescription)")
            return nil
        }
        let value = { (key: String) in entries.first { $0.key.scalar == key }?.value }
        if let version = value("apiVersion") {
            switch version.scalar {
            case "openslo/v1":
                guard let header = openSLOHeader(node) else { return nil }
                switch header.kind {
                case "SLO", "SLI", "DataSource", "AlertPolicy", "AlertCondition": return .openSLO(header)
                case let kind where Self.ignoredOpenSLOKinds.contains(kind): return nil
                case let kind:
                    report(node, "kind", "unknown OpenSLO kind \(quoted(kind)) (slod imports SLO, SLI, DataSource, AlertPolicy, AlertCondition; "
                        + "it reads past Service and AlertNotificationTarget)")
                    return nil
                }
            case "sloth.slok.dev/v1":
                switch value("kind")?.scalar {
                case "PrometheusServiceLevel": return .slothKubernetes(node)
                case "AlertWindows": return .slothAlertWindows(node)
                case let kind:
                    report(value("kind") ?? node, "kind", (kind.map { "unknown Sloth kind \(quoted($0))" } ?? "missing required key \"kind\"")
                        + "; slod imports the Sloth kinds PrometheusServiceLevel and AlertWindows")
                    return nil
                }
            default:
                report(version, "apiVersion", "\(quoted(version.scalar ?? "")) is not supported; slod imports apiVersion: openslo/v1 "
                    + "and sloth.slok.dev/v1 (kind PrometheusServiceLevel or AlertWindows)")
                return nil
            }
        }
        if value("version") != nil { return .sloth(node) }
        report(node, "", "neither an OpenSLO document (apiVersion: openslo/v1), a Sloth Kubernetes resource (apiVersion: sloth.slok.dev/v1) "
            + "nor a Sloth file (version: prometheus/v1)")
        return nil
    }

    /// The passes over the objects that others refer to, in dependency order.
    enum CatalogPhase: CaseIterable {
        /// DataSources, AlertConditions and AlertWindows, which refer to nothing.
        case referenced
        /// SLIs (which refer to DataSources) and AlertPolicies (to AlertConditions).
        case referencing

        static func of(openSLOKind kind: String) -> CatalogPhase? {
            switch kind {
            case "DataSource", "AlertCondition": return .referenced
            case "SLI", "AlertPolicy": return .referencing
            default: return nil
            }
        }
    }

    /// Decodes `document` into `catalog` or `windows` if it is an object others refer to and
    /// belongs to `phase`.
    mutating func collect(_ document: SLOImport.Document, phase: CatalogPhase, into catalog: inout OpenSLOCatalog,
                          windows: inout [Int64: SlothAlertWindows]) {
        switch (document, phase) {
        case (.slothAlertWindows(let node), .referenced):
            guard let decoded = decodeSlothAlertWindows(node) else { return }
            if let earlier = windows[decoded.periodSeconds] {
                if !earlier.sameWindows(as: decoded) {
                    report(node, "spec.sloPeriod", "AlertWindows for sloPeriod \(SLODuration.render(seconds: decoded.periodSeconds)) are defined twice, "
                        + "differently: here and at \(earlier.source) (one set of windows per period)")
                }
            } else {
                windows[decoded.periodSeconds] = decoded
            }
        case (.openSLO(let header), _):
            guard CatalogPhase.of(openSLOKind: header.kind) == phase else { return }
            let keyPath = "\(header.kind) \(header.name)"
            if let earlier = catalog.define(kind: header.kind, name: header.name, at: "\(file):\(header.node.line):\(header.node.column)") {
                report(header.node, keyPath, "a kind \(header.kind) named \(quoted(header.name)) is defined twice: here and at \(earlier)")
                return
            }
            switch header.kind {
            case "DataSource": catalog.dataSourceTypes[header.name] = Self.openSLODataSourceType(header.node)
            case "AlertCondition":
                guard let (spec, specNode) = openSLOAlertDocumentSpec(header.node, keyPath) else { return }
                catalog.alertConditions[header.name] = decodeOpenSLOAlertCondition(spec: spec, at: specNode)
            case "SLI":
                guard let (spec, specNode) = openSLOIndicatorDocumentSpec(header.node, keyPath) else { return }
                catalog.indicators[header.name] = decodeOpenSLOIndicator(spec: spec, at: specNode, dataSourceTypes: catalog.dataSourceTypes)
            default:
                guard let (spec, specNode) = openSLOAlertDocumentSpec(header.node, keyPath) else { return }
                catalog.alertPolicies[header.name] = decodeOpenSLOAlertPolicy(named: header.name, spec: spec, at: specNode, catalog: catalog)
            }
        default:
            break
        }
    }

    /// A DataSource's `spec.type`; the rest of a DataSource (connection details) is read past.
    static func openSLODataSourceType(_ node: YAMLNode) -> String? {
        guard case .mapping(let entries) = node.kind, case .mapping(let spec)? = entries.first(where: { $0.key.scalar == "spec" })?.value.kind else { return nil }
        return spec.first { $0.key.scalar == "type" }?.value.scalar
    }
}
