import SLO
import Selectors

/// Import of OpenSLO v1 documents (`apiVersion: openslo/v1`).
///
/// Kinds (documents may also be the items of a YAML list, as OpenSLO tools write them):
/// - `SLO`: becomes one `SLOSpec`. `metadata.name` is the SLO name, `spec.service` the service,
///   `metadata.labels` its labels (a list of values, which OpenSLO allows, is joined with `,`:
///   a Prometheus label has one value). The SLI is `spec.indicator` (inline) or
///   `spec.indicatorRef` (the name of a kind `SLI` document in any of the imported files).
///   `spec.alertPolicies` become its alert tiers (see `OpenSLOImport+AlertPolicy.swift`).
/// - `SLI`: an indicator for `indicatorRef` (see `OpenSLOImport+Indicator.swift`).
/// - `DataSource`: its `spec.type` is the type of the metric sources that name it in
///   `metricSourceRef` without a `type` of their own.
/// - `AlertPolicy`, `AlertCondition`: alert tiers for `alertPolicies` (see
///   `OpenSLOImport+AlertPolicy.swift`); checked even when no SLO uses them.
/// - `Service`, `AlertNotificationTarget`: read past. They carry no SLI or alert semantics:
///   slod's notifiers decide where alerts go.
///
/// SLO fields: `timeWindow` (exactly one: rolling `{duration: 28d, isRolling: true}` with units
/// m h d w, or calendar `{duration: 1M | 1w, isRolling: false, calendar: {timeZone, startTime}}`
/// whose startTime, when given, must be the start of a month or a Monday, as slod's calendar
/// periods are aligned); `budgetingMethod` (`Occurrences`, `Timeslices`, `RatioTimeslices`);
/// `objectives` (exactly one: `target` ratio or `targetPercent`; `timeSliceTarget` for
/// Timeslices; `timeSliceWindow` for both timeslice methods, a number of minutes or a duration;
/// `op` `lte`/`lt` and `value` for a threshold metric). Composite SLOs are refused.
extension SLODecoding {
    /// The decoded header of one OpenSLO document.
    struct OpenSLODocument {
        var kind: String
        var name: String
        var node: YAMLNode
    }

    /// Checks the `apiVersion`, `kind` and `metadata.name` of a document, reporting problems.
    mutating func openSLOHeader(_ document: YAMLNode) -> OpenSLODocument? {
        guard case .mapping(let entries) = document.kind else { return nil }
        let value = { (key: String) in entries.first { $0.key.scalar == key }?.value }
        guard let version = value("apiVersion"), version.scalar == "openslo/v1" else {
            let node = value("apiVersion") ?? document
            report(node, "apiVersion", "\(quoted(node.scalar ?? "")) is not supported; slod imports apiVersion: openslo/v1")
            return nil
        }
        guard let kindNode = value("kind"), let kind = kindNode.scalar else {
            report(document, "", "missing required key \"kind\"")
            return nil
        }
        guard let metadata = value("metadata"), case .mapping(let meta) = metadata.kind,
              let name = meta.first(where: { $0.key.scalar == "name" })?.value.scalar else {
            report(value("metadata") ?? document, "metadata", "needs name: the \(kind)'s name")
            return nil
        }
        return OpenSLODocument(kind: kind, name: name, node: document)
    }

    /// The kinds that are read past (see the extension's documentation).
    static let ignoredOpenSLOKinds: Set<String> = ["Service", "AlertNotificationTarget"]

    /// One kind `SLO` document, with `catalog` the objects of all imported files it may refer to.
    mutating func decodeOpenSLO(_ doc: OpenSLODocument, catalog: OpenSLOCatalog) -> (spec: SLOSpec, keyPath: String)? {
        let label = "SLO \(doc.name)"
        let errorsBefore = errors.count
        var top = ConfigMapping(file: file, path: label, node: doc.node)
        _ = top.entry("apiVersion")
        _ = top.entry("kind")
        var labels: [String: String] = [:]
        if let (meta, _) = mapping(&top, "metadata", required: true, at: doc.node) {
            var m = meta
            let nameNode = m.entry("name")!.value
            reportProblem(nameNode, m.keyPath("name")) { () throws(SLOConfigurationError) in try SLOSpec.checkIdentifier(doc.name, subject: "name") }
            _ = m.entry("displayName")
            _ = m.entry("annotations")
            if let entry = m.entry("labels"), !entry.value.isNull, let pairs = openSLOLabels(entry.value, m.keyPath("labels")) {
                for (key, value) in pairs {
                    let labelName = key.scalar ?? ""
                    reportProblem(key, m.keyPath("labels") + "." + labelName) { () throws(SLOConfigurationError) in
                        try SLOSpec.checkOutputLabelName(labelName, subject: "labels")
                    }
                    labels[labelName] = value
                }
            }
            finish(&m)
        }
        guard let (specMapping, specNode) = mapping(&top, "spec", required: true, at: doc.node) else {
            finish(&top)
            return nil
        }
        finish(&top)
        var s = specMapping
        defer { finish(&s) }
        let description = optionalScalar(&s, "description")?.0 ?? ""
        var service: String?
        if let (text, node) = scalar(&s, "service", required: true, at: specNode) {
            service = text
            reportProblem(node, s.keyPath("service")) { () throws(SLOConfigurationError) in try SLOSpec.checkIdentifier(text, subject: "service") }
        }
        let alertTiers = openSLOAlertTiers(&s, catalog: catalog)
        let indicator = openSLOIndicatorOfSLO(&s, at: specNode, catalog: catalog)
        let period = openSLOTimeWindow(&s, at: specNode)
        var method: String?
        if let (text, node) = scalar(&s, "budgetingMethod", required: true, at: specNode) {
            if ["Occurrences", "Timeslices", "RatioTimeslices"].contains(text) {
                method = text
            } else {
                report(node, s.keyPath("budgetingMethod"), "expected one of Occurrences, Timeslices, RatioTimeslices, got \(quoted(text))")
            }
        }
        let objective = openSLOObjective(&s, at: specNode, method: method, indicator: indicator)
        guard errors.count == errorsBefore, let service, let indicator, let period, let objective else { return nil }
        let sli: SLOSpec.SLI
        switch indicator.kind {
        case .ratio(let total, let good, let bad): sli = .events(total: total, good: good, bad: bad)
        case .threshold(let histogram):
            guard let threshold = objective.threshold else { return nil }
            sli = .latency(histogram: histogram, threshold: threshold, interpolate: false)
        }
        var alerting: AlertPolicy?
        if let (tiers, node) = alertTiers {
            let configuration = SLOConfiguration(objective: objective.objective, period: period, budgeting: objective.budgeting)
            var policy = AlertPolicy.workbook(for: configuration)
            policy.tiers = tiers
            do throws(SLOConfigurationError) {
                try policy.validate(for: configuration, groupBy: indicator.groupBy)
                alerting = policy
            } catch {
                report(node, s.keyPath("alertPolicies"), error.message)
                return nil
            }
        }
        do throws(SLOConfigurationError) {
            let spec = try SLOSpec(service: service, name: doc.name, description: description, objective: objective.objective,
                                   period: period, budgeting: objective.budgeting, sli: sli, groupBy: indicator.groupBy,
                                   labels: labels, alerting: alerting,
                                   source: SLOSpec.Source(file: file, line: doc.node.line, column: doc.node.column))
            return (spec, label)
        } catch {
            report(doc.node, label, error.description)
            return nil
        }
    }

    /// `metadata.labels`: names to a string or a list of strings (joined with `,`).
    private mutating func openSLOLabels(_ node: YAMLNode, _ keyPath: String) -> [(key: YAMLNode, value: String)]? {
        guard case .mapping(let entries) = node.kind else {
            report(node, keyPath, "expected a mapping of names to values, got \(node.kindDescription)")
            return nil
        }
        var out: [(key: YAMLNode, value: String)] = []
        for entry in entries {
            let path = keyPath + "." + (entry.key.scalar ?? "")
            if case .sequence = entry.value.kind, let values = stringList(entry.value, path) {
                out.append((entry.key, values.map(\.0).joined(separator: ",")))
            } else if !entry.value.isNull, let text = entry.value.scalar {
                out.append((entry.key, text))
            } else if case .sequence = entry.value.kind {
                return nil
            } else {
                report(entry.value.kind == .null ? entry.key : entry.value, path, "expected a string or a list of strings, got \(entry.value.kindDescription)")
                return nil
            }
        }
        return out
    }

    /// `indicator` (inline) or `indicatorRef`, exactly one.
    private mutating func openSLOIndicatorOfSLO(_ s: inout ConfigMapping, at specNode: YAMLNode,
                                                catalog: OpenSLOCatalog) -> OpenSLOIndicator? {
        let indicators = catalog.indicators
        let inline = s.entry("indicator")
        let reference = optionalScalar(&s, "indicatorRef")
        switch (inline, reference) {
        case (let entry?, nil):
            guard let (spec, specNode) = inlineOpenSLOIndicatorSpec(entry.value, s.keyPath("indicator")) else { return nil }
            return decodeOpenSLOIndicator(spec: spec, at: specNode, dataSourceTypes: catalog.dataSourceTypes)
        case (nil, let (name, node)?):
            guard let found = indicators[name] else {
                if catalog.isDefined(kind: "SLI", name: name) { return nil }
                let known = indicators.keys.sorted().joined(separator: ", ")
                report(node, s.keyPath("indicatorRef"), "no kind SLI named \(quoted(name)) in the imported files" + (known.isEmpty ? "" : " (known: \(known))"))
                return nil
            }
            return found
        case (nil, nil):
            report(specNode, s.path, "needs indicator (inline) or indicatorRef (the name of a kind SLI)")
            return nil
        case (_?, let (_, node)?):
            report(node, s.keyPath("indicatorRef"), "give either indicator or indicatorRef, not both")
            return nil
        }
    }
}
