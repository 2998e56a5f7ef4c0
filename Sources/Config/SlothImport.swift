import SLO
import Selectors

/// Import of Sloth SLO files: `prometheus/v1` files and the Kubernetes `PrometheusServiceLevel`
/// resource (`apiVersion: sloth.slok.dev/v1`), whose `spec` is the same document with camelCase
/// keys (`errorQuery`, `totalQuery`, `pageAlert`, `ticketAlert`, `sloPlugins`, see
/// `SlothSpelling`). Both give the same SLOs.
///
/// ```yaml
/// version: prometheus/v1
/// service: myservice
/// labels: {owner: team-a}                      # on every SLO of the file
/// slos:
///   - name: requests-availability
///     objective: 99.9                          # percent in (0, 100)
///     description: …
///     labels: {category: availability}         # merged over the file's labels
///     sli:
///       events:
///         error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
///         total_query: sum(rate(http_requests_total[{{.window}}]))
///     alerting:                                # see SlothImport+Alerting.swift
///       name: MyServiceHighErrorRate
///       labels: {category: availability}
///       annotations: {summary: …}
///       page_alert: {labels: {severity: critical}}
///       ticket_alert: {disable: true}
/// ```
///
/// Each SLO becomes an events SLI with `bad` = the error query's selector and `total` = the
/// total query's; a `by (…)` clause (the same in both queries) becomes `group_by`. A selector on
/// a histogram's buckets (`x_bucket{le="0.4"}`) is kept as written. Sloth's latency form, the
/// error query `(sum(rate(X_count[{{.window}}])) - sum(rate(X_bucket{le="0.4"}[{{.window}}])))`
/// (see `BadEventsQuery`), becomes `good` = the bucket with `total` = the count, which must be
/// the total query's selector (refused at the count otherwise), each term grouped as the total.
/// The period is Sloth's default, 30 days rolling (`slothPeriodSeconds`), with occurrences
/// budgeting; the alert windows are the workbook's, or those of an `AlertWindows` document of
/// the imported files for that period (see SlothImport+AlertWindows.swift). Refused with the
/// construct named: `sli.raw` (a precomputed ratio cannot be recounted from events),
/// `sli.plugin`, `plugins`, `slo_plugins`, and any query not of the shape `RateQuery` accepts
/// (`BadEventsQuery` for the error query). In a `PrometheusServiceLevel`, `metadata` and
/// `status` are read past.
extension SLODecoding {
    /// The period of every imported Sloth SLO: Sloth's default (`sloth generate
    /// --default-slo-period`), since Sloth specs do not carry one.
    static let slothPeriodSeconds: Int64 = 30 * 86_400

    /// The SLOs of one Sloth `prometheus/v1` document (already known to have a `version` key),
    /// with `windows` the AlertWindows of all imported files by period.
    mutating func decodeSloth(_ document: YAMLNode, windows: [Int64: SlothAlertWindows]) -> [(spec: SLOSpec, keyPath: String)] {
        var top = ConfigMapping(file: file, path: "", node: document)
        defer { finish(&top) }
        if let (version, node) = scalar(&top, "version", required: true, at: document), version != "prometheus/v1" {
            consumeAll(&top, document)
            report(node, "version", "Sloth spec version \(quoted(version)) is not supported; slod imports version: prometheus/v1")
            return []
        }
        return decodeSlothGroup(&top, at: document, spelling: .prometheusV1, windows: windows)
    }

    /// The SLOs of one `PrometheusServiceLevel` document (apiVersion and kind already checked).
    mutating func decodeSlothKubernetes(_ document: YAMLNode, windows: [Int64: SlothAlertWindows]) -> [(spec: SLOSpec, keyPath: String)] {
        var top = ConfigMapping(file: file, path: "", node: document)
        defer { finish(&top) }
        for key in ["apiVersion", "kind", "metadata", "status"] { _ = top.entry(key) }
        guard let (spec, specNode) = mapping(&top, "spec", required: true, at: document) else { return [] }
        var s = spec
        defer { finish(&s) }
        return decodeSlothGroup(&s, at: specNode, spelling: .kubernetes, windows: windows)
    }

    /// `service`, `labels`, `slos` (and the refused plugins) of a Sloth group.
    private mutating func decodeSlothGroup(_ top: inout ConfigMapping, at document: YAMLNode, spelling: SlothSpelling,
                                           windows: [Int64: SlothAlertWindows]) -> [(spec: SLOSpec, keyPath: String)] {
        let service = scalar(&top, "service", required: true, at: document)
        if let (text, node) = service {
            reportProblem(node, top.keyPath("service")) { () throws(SLOConfigurationError) in try SLOSpec.checkIdentifier(text, subject: "service") }
        }
        var fileLabels: [(key: YAMLNode, value: String, node: YAMLNode)] = []
        if let entry = top.entry("labels"), !entry.value.isNull {
            fileLabels = stringMap(entry.value, top.keyPath("labels")) ?? []
        }
        if let entry = top.entry(spelling.sloPlugins) {
            report(entry.key, top.keyPath(spelling.sloPlugins), "Sloth SLO plugins are not supported: they rewrite the generated rules, which slod does not use")
        }
        guard let slosEntry = top.entry("slos") else {
            report(document, top.path, "missing required key \"slos\"")
            return []
        }
        guard case .sequence(let items) = slosEntry.value.kind else {
            report(slosEntry.value, top.keyPath("slos"), "expected a list of SLOs, got \(slosEntry.value.kindDescription)")
            return []
        }
        let group = SlothGroup(service: service?.0, labels: fileLabels, labelsPath: top.keyPath("labels"), spelling: spelling,
                               windows: windows[Self.slothPeriodSeconds])
        var specs: [(spec: SLOSpec, keyPath: String)] = []
        for (index, item) in items.enumerated() {
            if let located = decodeSlothSLO(item, top.keyPath("slos[\(index)]"), group: group) {
                specs.append(located)
            }
        }
        return specs
    }

    /// What the SLOs of one Sloth group share.
    private struct SlothGroup {
        var service: String?
        var labels: [(key: YAMLNode, value: String, node: YAMLNode)]
        var labelsPath: String
        var spelling: SlothSpelling
        /// The AlertWindows for Sloth's period, if the imported files hold one.
        var windows: SlothAlertWindows?
    }

    private mutating func decodeSlothSLO(_ item: YAMLNode, _ path: String, group: SlothGroup) -> (spec: SLOSpec, keyPath: String)? {
        var label = path
        if case .mapping(let entries) = item.kind, let name = entries.first(where: { $0.key.scalar == "name" })?.value.scalar {
            label += " (\(group.service ?? "?")/\(name))"
        }
        guard case .mapping = item.kind else {
            report(item, label, "expected a mapping describing one SLO, got \(item.kindDescription)")
            return nil
        }
        let errorsBefore = errors.count
        var m = ConfigMapping(file: file, path: label, node: item)
        var name: String?
        if let (text, node) = scalar(&m, "name", required: true, at: item) {
            name = text
            reportProblem(node, m.keyPath("name")) { () throws(SLOConfigurationError) in try SLOSpec.checkIdentifier(text, subject: "name") }
        }
        let description = optionalScalar(&m, "description")?.0 ?? ""
        var objective: Objective?
        if let (text, node) = scalar(&m, "objective", required: true, at: item) {
            do throws(SLOConfigurationError) { objective = try Objective(percent: text) } catch { report(node, m.keyPath("objective"), error.message) }
        }
        var sloLabels: [(key: YAMLNode, value: String, node: YAMLNode)] = []
        if let entry = m.entry("labels"), !entry.value.isNull {
            sloLabels = stringMap(entry.value, m.keyPath("labels")) ?? []
        }
        let configuration = objective.map {
            SLOConfiguration(objective: $0, period: .rolling(seconds: Self.slothPeriodSeconds), budgeting: .occurrences)
        }
        if let entry = m.entry("plugins") {
            report(entry.key, m.keyPath("plugins"), "Sloth SLO plugins are not supported: they rewrite the generated rules, which slod does not use")
        }
        // The SLI first: its `by (…)` labels are the group labels no alert label may take.
        let indicator = decodeSlothSLI(&m, at: item, spelling: group.spelling)
        let alerting = decodeSlothAlerting(&m, at: item, spelling: group.spelling, windows: group.windows,
                                           configuration: configuration, groupBy: indicator?.groupBy ?? [])
        finish(&m)
        var labels: [String: String] = [:]
        for (key, value, _) in group.labels + sloLabels {
            let labelName = key.scalar ?? ""
            reportProblem(key, (sloLabels.contains { $0.key == key } ? m.keyPath("labels") : group.labelsPath) + "." + labelName) { () throws(SLOConfigurationError) in
                try SLOSpec.checkLabels([labelName: value], groupBy: indicator?.groupBy ?? [])
            }
            labels[labelName] = value
        }
        guard errors.count == errorsBefore, let service = group.service, let name, let objective, let indicator else { return nil }
        do throws(SLOConfigurationError) {
            let spec = try SLOSpec(service: service, name: name, description: description, objective: objective,
                                   period: .rolling(seconds: Self.slothPeriodSeconds), budgeting: .occurrences,
                                   sli: indicator.sli, groupBy: indicator.groupBy,
                                   labels: labels, alerting: alerting,
                                   source: SLOSpec.Source(file: file, line: item.line, column: item.column))
            return (spec, label)
        } catch {
            report(item, label, error.description)
            return nil
        }
    }

    /// `sli.events.{error_query, total_query}` → the events SLI and its group_by.
    private mutating func decodeSlothSLI(_ m: inout ConfigMapping, at item: YAMLNode,
                                         spelling: SlothSpelling) -> (sli: SLOSpec.SLI, groupBy: [String])? {
        guard let (sli, sliNode) = mapping(&m, "sli", required: true, at: item) else { return nil }
        var s = sli
        defer { finish(&s) }
        if let entry = s.entry("raw") {
            consumeAll(&s, sliNode)
            report(entry.key, s.keyPath("raw"), "raw SLIs (\(spelling.errorRatioQuery)) are not supported: slod counts good and total events itself and cannot recount a precomputed ratio; use events with \(spelling.errorQuery) and \(spelling.totalQuery)")
            return nil
        }
        if let entry = s.entry("plugin") {
            consumeAll(&s, sliNode)
            report(entry.key, s.keyPath("plugin"), "SLI plugins are not supported: slod needs the error and total events as series selectors; use events with \(spelling.errorQuery) and \(spelling.totalQuery)")
            return nil
        }
        guard let (events, eventsNode) = mapping(&s, "events", required: true, at: sliNode) else { return nil }
        var e = events
        defer { finish(&e) }
        let error = badEventsQuery(&e, spelling.errorQuery, at: eventsNode, range: .slothWindow)
        let total = rateQuery(&e, spelling.totalQuery, at: eventsNode, range: .slothWindow)
        guard let (errorQuery, errorNode) = error, let (totalQuery, _) = total else { return nil }
        return eventsSLI(bad: errorQuery, at: errorNode, e.keyPath(spelling.errorQuery), name: spelling.errorQuery,
                         total: totalQuery, totalName: spelling.totalQuery).map { ($0, totalQuery.groupBy) }
    }
}

/// The key names of one Sloth format: `prometheus/v1` files spell them in snake_case, the
/// Kubernetes `PrometheusServiceLevel` resource in camelCase; the documents are otherwise the same.
struct SlothSpelling {
    var sloPlugins: String
    var errorQuery: String
    var totalQuery: String
    var errorRatioQuery: String
    var pageAlert: String
    var ticketAlert: String

    static let prometheusV1 = SlothSpelling(sloPlugins: "slo_plugins", errorQuery: "error_query", totalQuery: "total_query",
                                            errorRatioQuery: "error_ratio_query", pageAlert: "page_alert", ticketAlert: "ticket_alert")
    static let kubernetes = SlothSpelling(sloPlugins: "sloPlugins", errorQuery: "errorQuery", totalQuery: "totalQuery",
                                          errorRatioQuery: "errorRatioQuery", pageAlert: "pageAlert", ticketAlert: "ticketAlert")
}
