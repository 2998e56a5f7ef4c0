import SLO
import Selectors

/// Import of Sloth `prometheus/v1` SLO files.
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
///     alerting: {…}                            # read past: slod's alerting configuration decides alerts
/// ```
///
/// Each SLO becomes an events SLI with `bad` = the error query's selector and `total` = the
/// total query's; a `by (…)` clause (the same in both queries) becomes `group_by`. The period is
/// Sloth's default, 30 days rolling, with occurrences budgeting. Refused with the construct
/// named: `sli.raw` (a precomputed ratio cannot be recounted from events), `sli.plugin`,
/// `plugins`, `slo_plugins`, and any query not of the shape `RateQuery` accepts.
extension SLODecoding {
    /// The SLOs of one Sloth document (already known to have a `version` key).
    mutating func decodeSloth(_ document: YAMLNode) -> [(spec: SLOSpec, keyPath: String)] {
        var top = ConfigMapping(file: file, path: "", node: document)
        defer { finish(&top) }
        if let (version, node) = scalar(&top, "version", required: true, at: document), version != "prometheus/v1" {
            consumeAll(&top, document)
            report(node, "version", "Sloth spec version \(quoted(version)) is not supported; slod imports version: prometheus/v1")
            return []
        }
        let service = scalar(&top, "service", required: true, at: document)
        if let (text, node) = service {
            reportProblem(node, "service") { () throws(SLOConfigurationError) in try SLOSpec.checkIdentifier(text, subject: "service") }
        }
        var fileLabels: [(key: YAMLNode, value: String, node: YAMLNode)] = []
        if let entry = top.entry("labels"), !entry.value.isNull {
            fileLabels = stringMap(entry.value, "labels") ?? []
        }
        if let entry = top.entry("slo_plugins") {
            report(entry.key, "slo_plugins", "Sloth SLO plugins are not supported: they rewrite the generated rules, which slod does not use")
        }
        guard let slosEntry = top.entry("slos") else {
            report(document, "", "missing required key \"slos\"")
            return []
        }
        guard case .sequence(let items) = slosEntry.value.kind else {
            report(slosEntry.value, "slos", "expected a list of SLOs, got \(slosEntry.value.kindDescription)")
            return []
        }
        var specs: [(spec: SLOSpec, keyPath: String)] = []
        for (index, item) in items.enumerated() {
            if let located = decodeSlothSLO(item, index: index, service: service?.0, fileLabels: fileLabels) {
                specs.append(located)
            }
        }
        return specs
    }

    private mutating func decodeSlothSLO(_ item: YAMLNode, index: Int, service: String?,
                                         fileLabels: [(key: YAMLNode, value: String, node: YAMLNode)]) -> (spec: SLOSpec, keyPath: String)? {
        var label = "slos[\(index)]"
        if case .mapping(let entries) = item.kind, let name = entries.first(where: { $0.key.scalar == "name" })?.value.scalar {
            label += " (\(service ?? "?")/\(name))"
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
        _ = m.entry("alerting")
        if let entry = m.entry("plugins") {
            report(entry.key, m.keyPath("plugins"), "Sloth SLO plugins are not supported: they rewrite the generated rules, which slod does not use")
        }
        let query = decodeSlothSLI(&m, at: item)
        finish(&m)
        var labels: [String: String] = [:]
        for (key, value, _) in fileLabels + sloLabels {
            let labelName = key.scalar ?? ""
            reportProblem(key, (sloLabels.contains { $0.key == key } ? m.keyPath("labels") : "labels") + "." + labelName) { () throws(SLOConfigurationError) in
                try SLOSpec.checkLabels([labelName: value], groupBy: query?.groupBy ?? [])
            }
            labels[labelName] = value
        }
        guard errors.count == errorsBefore, let service, let name, let objective, let query else { return nil }
        do throws(SLOConfigurationError) {
            let spec = try SLOSpec(service: service, name: name, description: description, objective: objective,
                                   period: .rolling(seconds: 30 * 86_400), budgeting: .occurrences,
                                   sli: .events(total: query.total, good: nil, bad: query.bad), groupBy: query.groupBy,
                                   labels: labels, source: SLOSpec.Source(file: file, line: item.line, column: item.column))
            return (spec, label)
        } catch {
            report(item, label, error.description)
            return nil
        }
    }

    /// `sli.events.{error_query, total_query}` → (bad, total, group_by).
    private mutating func decodeSlothSLI(_ m: inout ConfigMapping, at item: YAMLNode) -> (bad: SeriesSelector, total: SeriesSelector, groupBy: [String])? {
        guard let (sli, sliNode) = mapping(&m, "sli", required: true, at: item) else { return nil }
        var s = sli
        defer { finish(&s) }
        if let entry = s.entry("raw") {
            consumeAll(&s, sliNode)
            report(entry.key, s.keyPath("raw"), "raw SLIs (error_ratio_query) are not supported: slod counts good and total events itself and cannot recount a precomputed ratio; use events with error_query and total_query")
            return nil
        }
        if let entry = s.entry("plugin") {
            consumeAll(&s, sliNode)
            report(entry.key, s.keyPath("plugin"), "SLI plugins are not supported: slod needs the error and total events as series selectors; use events with error_query and total_query")
            return nil
        }
        guard let (events, eventsNode) = mapping(&s, "events", required: true, at: sliNode) else { return nil }
        var e = events
        defer { finish(&e) }
        let error = rateQuery(&e, "error_query", at: eventsNode, range: .slothWindow)
        let total = rateQuery(&e, "total_query", at: eventsNode, range: .slothWindow)
        guard let (errorQuery, errorNode) = error, let (totalQuery, _) = total else { return nil }
        guard Set(errorQuery.groupBy) == Set(totalQuery.groupBy) else {
            report(errorNode, e.keyPath("error_query"), "groups by (\(errorQuery.groupBy.joined(separator: ", "))) but total_query by (\(totalQuery.groupBy.joined(separator: ", "))); both must group by the same labels")
            return nil
        }
        return (errorQuery.selector, totalQuery.selector, totalQuery.groupBy)
    }

    /// A query of `RateQuery`'s shape at `key`, with problems placed inside the scalar.
    mutating func rateQuery(_ m: inout ConfigMapping, _ key: String, at owner: YAMLNode, range: RateQuery.RangeForm) -> (RateQuery, YAMLNode)? {
        guard let (text, node) = scalar(&m, key, required: true, at: owner) else { return nil }
        do throws(RateQuery.Problem) {
            let query = try RateQuery.parse(text, range: range)
            var ok = true
            for name in query.groupBy {
                do throws(SLOConfigurationError) { try SLOSpec.checkOutputLabelName(name, subject: "by") } catch {
                    report(node, m.keyPath(key), "by (…): " + error.message)
                    ok = false
                }
            }
            return ok ? (query, node) : nil
        } catch {
            let at = source.position(in: node, byteOffset: error.offset)
            report(line: at.line, column: at.column, m.keyPath(key), error.message)
            return nil
        }
    }
}
