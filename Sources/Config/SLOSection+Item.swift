import SLO
import Selectors

/// Decoding of one entry of `slos:`:
///
/// ```yaml
/// - service: checkout                 # required
///   name: availability                # required, unique within the service
///   description: Checkout requests succeed
///   objective: 99.9                   # required: percent in (0, 100), at most 7 decimals
///   period: 30d                       # default 30d; or month, week, or {calendar: month|week, timezone: Europe/Berlin}
///   budgeting: occurrences            # occurrences (default) | timeslices | ratio_timeslices
///   slice: 1m                         # timeslice methods only: 10s…1h, default 1m
///   slice_target: 0.95                # timeslices only, required there: ratio in (0, 1]
///   sli:                              # exactly one of events / latency
///     events: {total: SEL, bad: SEL}  # or good: SEL
///     # latency: {histogram: SEL, threshold: 0.3, interpolate: false}
///   group_by: [http_route]            # default []
///   max_instances: 100                # default 100, 1…10000
///   labels: {team: payments}          # default {}
///   no_data: ignore                   # ignore (default) | good | bad; good/bad need a timeslice method
///   alerting: {page: {severity: critical}}   # burn-rate alert policy, see SLOSection+Alerting.swift
/// ```
extension SLODecoding {
    /// `slos[2] (checkout/availability)`, or `slos[2]` while the service or name is unknown.
    static func itemLabel(_ item: YAMLNode, index: Int) -> String {
        guard case .mapping(let entries) = item.kind,
              let service = entries.first(where: { $0.key.scalar == "service" })?.value.scalar,
              let name = entries.first(where: { $0.key.scalar == "name" })?.value.scalar else {
            return "slos[\(index)]"
        }
        return "slos[\(index)] (\(service)/\(name))"
    }

    /// One SLO, or nil when it has problems (all reported).
    mutating func decodeSLO(_ item: YAMLNode, index: Int) -> SLOSpec? {
        let label = Self.itemLabel(item, index: index)
        guard case .mapping = item.kind else {
            report(item, label, "expected a mapping describing one SLO (service, name, objective, sli, …), got \(item.kindDescription)")
            return nil
        }
        let errorsBefore = errors.count
        var m = ConfigMapping(file: file, path: label, node: item)
        let service = identifier(&m, "service", at: item)
        let name = identifier(&m, "name", at: item)
        let description = optionalScalar(&m, "description")?.0 ?? ""
        var objective: Objective?
        if let (text, node) = scalar(&m, "objective", required: true, at: item) {
            do throws(SLOConfigurationError) {
                objective = try Objective(percent: text)
            } catch {
                report(node, m.keyPath("objective"), error.message)
            }
        }
        let period = decodePeriod(&m)
        let budgeting = decodeBudgeting(&m)
        let sli = decodeSLI(&m, at: item)
        let groupBy = decodeGroupBy(&m)
        var maxInstances = SLOSpec.defaultMaxInstances
        m.decode("max_instances", &maxInstances, as: .integer(in: 1...SLOSpec.maxInstancesLimit))
        let labels = decodeLabels(&m, groupBy: groupBy)
        var noData = NoDataPolicy.ignore
        if let (text, node) = optionalScalar(&m, "no_data") {
            if let policy = NoDataPolicy(rawValue: text) {
                noData = policy
                if let method = budgeting {
                    reportProblem(node, m.keyPath("no_data")) { () throws(SLOConfigurationError) in
                        try SLOSpec.checkNoData(policy, budgeting: method)
                    }
                }
            } else {
                report(node, m.keyPath("no_data"), "expected one of ignore, good, bad, got \(quoted(text))")
            }
        }
        var configuration: SLOConfiguration?
        if let objective, let period, let budgeting {
            configuration = SLOConfiguration(objective: objective, period: period, budgeting: budgeting)
        }
        let alerting = decodeAlerting(&m, configuration: configuration, groupBy: groupBy)
        finish(&m)
        guard errors.count == errorsBefore, let service, let name, let objective, let period, let budgeting, let sli else { return nil }
        do throws(SLOConfigurationError) {
            return try SLOSpec(service: service, name: name, description: description, objective: objective,
                               period: period, budgeting: budgeting, sli: sli, groupBy: groupBy, maxInstances: maxInstances,
                               labels: labels, noData: noData, alerting: alerting,
                               source: SLOSpec.Source(file: file, line: item.line, column: item.column))
        } catch {
            report(item, label, error.description)
            return nil
        }
    }

    /// Runs `check` and reports its error at `node`.
    mutating func reportProblem(_ node: YAMLNode, _ keyPath: String, _ check: () throws(SLOConfigurationError) -> Void) {
        do throws(SLOConfigurationError) {
            try check()
        } catch {
            report(node, keyPath, error.message)
        }
    }

    /// A required service or SLO name.
    private mutating func identifier(_ m: inout ConfigMapping, _ key: String, at item: YAMLNode) -> String? {
        guard let (text, node) = scalar(&m, key, required: true, at: item) else { return nil }
        do throws(SLOConfigurationError) {
            try SLOSpec.checkIdentifier(text, subject: key)
            return text
        } catch {
            report(node, m.keyPath(key), error.message)
            return nil
        }
    }

    /// `period:` — `30d`, `4w`, `month`, `week`, or `{calendar: month|week, timezone: ZONE}`.
    /// Missing: 30 days rolling. Nil when reported.
    private mutating func decodePeriod(_ m: inout ConfigMapping) -> Period? {
        guard let entry = m.entry("period") else { return .rolling(seconds: 30 * 86_400) }
        let node = entry.value
        let keyPath = m.keyPath("period")
        if let text = node.scalar, !node.isNull {
            do throws(SLOConfigurationError) {
                return try Period.parse(text)
            } catch {
                report(node, keyPath, error.message + " (calendar periods in a zone: {calendar: month, timezone: Europe/Berlin})")
                return nil
            }
        }
        guard case .mapping = node.kind else {
            report(node.kind == .null ? entry.key : node, keyPath, "expected a duration like 30d or {calendar: month|week, timezone: ZONE}, got \(node.kindDescription)")
            return nil
        }
        var p = ConfigMapping(file: file, path: keyPath, node: node)
        var unit: CalendarUnit?
        if let (text, unitNode) = scalar(&p, "calendar", required: true, at: node) {
            unit = CalendarUnit(rawValue: text)
            if unit == nil { report(unitNode, p.keyPath("calendar"), "expected month or week, got \(quoted(text))") }
        }
        var zone: TimeZoneRules? = .utc
        if let (text, zoneNode) = optionalScalar(&p, "timezone") {
            zone = resolveZone(text, at: zoneNode, p.keyPath("timezone"))
        }
        finish(&p)
        guard let unit, let zone else { return nil }
        return .calendar(unit, zone)
    }

    /// The zone `name`, or nil (reported at `node`).
    mutating func resolveZone(_ name: String, at node: YAMLNode, _ keyPath: String) -> TimeZoneRules? {
        switch timeZone(name) {
        case .success(let rules): return rules
        case .failure(let error):
            report(node, keyPath, error.message)
            return nil
        }
    }

    /// `budgeting:` with `slice:` and `slice_target:`. Nil when reported.
    private mutating func decodeBudgeting(_ m: inout ConfigMapping) -> BudgetingMethod? {
        var method = "occurrences"
        var methodNode: YAMLNode?
        if let (text, node) = optionalScalar(&m, "budgeting") {
            method = text
            methodNode = node
        }
        let slice = optionalScalar(&m, "slice")
        let target = optionalScalar(&m, "slice_target")
        var options = TimesliceOptions()
        var ok = true
        if let (text, node) = slice {
            if method == "occurrences" {
                report(node, m.keyPath("slice"), "slice applies only to budgeting timeslices or ratio_timeslices (budgeting is occurrences)")
                ok = false
            } else if let seconds = SLODuration.parseSeconds(text), seconds >= 10, seconds <= 3_600 {
                options.sliceSeconds = seconds
            } else {
                report(node, m.keyPath("slice"), "expected a slice length between 10s and 1h like 1m, got \(quoted(text))")
                ok = false
            }
        }
        if let (text, node) = target {
            if method != "timeslices" {
                report(node, m.keyPath("slice_target"), "slice_target applies only to budgeting timeslices (budgeting is \(method))")
                ok = false
            } else {
                do throws(SLOConfigurationError) {
                    options.targetPartsPerBillion = try TimesliceOptions.parseTarget(text)
                } catch {
                    report(node, m.keyPath("slice_target"), "\(quoted(text)) must be a ratio in (0, 1] like 0.95")
                    ok = false
                }
            }
        }
        switch method {
        case "occurrences": return ok ? .occurrences : nil
        case "timeslices":
            if target == nil {
                report(methodNode!, m.keyPath("budgeting"), "timeslices needs slice_target: the good/total ratio that makes a slice good, e.g. 0.95")
                return nil
            }
            return ok ? .timeslices(options) : nil
        case "ratio_timeslices": return ok ? .ratioTimeslices(options) : nil
        default:
            report(methodNode!, m.keyPath("budgeting"), "expected one of occurrences, timeslices, ratio_timeslices, got \(quoted(method))")
            return nil
        }
    }

    /// `group_by:` — a list of label names, each once.
    private mutating func decodeGroupBy(_ m: inout ConfigMapping) -> [String] {
        guard let entry = m.entry("group_by"), !entry.value.isNull,
              let items = stringList(entry.value, m.keyPath("group_by")) else { return [] }
        var names: [String] = []
        for (index, (name, node)) in items.enumerated() {
            let keyPath = m.keyPath("group_by") + "[\(index)]"
            if names.contains(name) {
                report(node, keyPath, "\(quoted(name)) is listed twice")
                continue
            }
            reportProblem(node, keyPath) { () throws(SLOConfigurationError) in
                try SLOSpec.checkGroupByLabel(name, subject: "group_by")
            }
            names.append(name)
        }
        return names
    }

    /// `labels:` — a mapping of label names to values.
    private mutating func decodeLabels(_ m: inout ConfigMapping, groupBy: [String]) -> [String: String] {
        namedValues(&m, "labels") { name, value throws(SLOConfigurationError) in
            try SLOSpec.checkLabels([name: value], groupBy: groupBy)
        }
    }
}
