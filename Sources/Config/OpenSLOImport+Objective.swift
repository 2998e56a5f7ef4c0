import SLO

/// Decoding of an OpenSLO SLO's `timeWindow` and `objectives` (see `OpenSLOImport.swift`).
extension SLODecoding {
    /// What the one objective of an OpenSLO SLO gives.
    struct OpenSLOObjective {
        var objective: Objective
        var budgeting: BudgetingMethod
        /// The latency threshold of a threshold metric (`value` with `op: lte|lt`).
        var threshold: Double?
    }

    /// `timeWindow: [{duration, isRolling, calendar: {startTime, timeZone}}]`, exactly one.
    mutating func openSLOTimeWindow(_ s: inout ConfigMapping, at specNode: YAMLNode) -> Period? {
        guard let entry = s.entry("timeWindow") else {
            report(specNode, s.path, "missing required key \"timeWindow\"")
            return nil
        }
        let keyPath = s.keyPath("timeWindow")
        guard case .sequence(let items) = entry.value.kind, items.count == 1, case .mapping = items[0].kind else {
            report(entry.value, keyPath, "expected a list with exactly one time window ({duration: 28d, isRolling: true})")
            return nil
        }
        let node = items[0]
        var w = ConfigMapping(file: file, path: keyPath + "[0]", node: node)
        defer { finish(&w) }
        guard let (duration, durationNode) = scalar(&w, "duration", required: true, at: node) else { return nil }
        var rolling = true
        if let (text, rollingNode) = optionalScalar(&w, "isRolling") {
            guard text == "true" || text == "false" else {
                report(rollingNode, w.keyPath("isRolling"), "expected true or false, got \(quoted(text))")
                return nil
            }
            rolling = text == "true"
        }
        let calendar = mapping(&w, "calendar", required: !rolling, at: node)
        if rolling {
            if let (_, calendarNode) = calendar {
                report(calendarNode, w.keyPath("calendar"), "a rolling window (isRolling: true) has no calendar")
                return nil
            }
            if let unit = duration.last, "MQY".contains(unit) {
                report(durationNode, w.keyPath("duration"), "a rolling window of \(duration) has no fixed length; use days or weeks (30d, 4w) or a calendar window (isRolling: false)")
                return nil
            }
            guard let seconds = SLODuration.parseSeconds(duration) else {
                report(durationNode, w.keyPath("duration"), "expected a duration like 28d or 4w, got \(quoted(duration))")
                return nil
            }
            do throws(SLOConfigurationError) {
                return try Period.validatedRolling(seconds: seconds, text: duration)
            } catch {
                report(durationNode, w.keyPath("duration"), error.message)
                return nil
            }
        }
        let unit: CalendarUnit
        switch duration {
        case "1M": unit = .month
        case "1w", "7d": unit = .week
        default:
            report(durationNode, w.keyPath("duration"), "calendar window \(quoted(duration)) is not supported; slod's calendar periods are one month (1M) or one ISO week (1w)")
            return nil
        }
        guard let (c, calendarNode) = calendar else { return nil }
        var cal = c
        defer { finish(&cal) }
        guard let (zoneName, zoneNode) = scalar(&cal, "timeZone", required: true, at: calendarNode),
              let zone = resolveZone(zoneName, at: zoneNode, cal.keyPath("timeZone")) else { return nil }
        if let (start, startNode) = optionalScalar(&cal, "startTime"), let problem = Self.startTimeProblem(start, unit: unit) {
            report(startNode, cal.keyPath("startTime"), problem)
            return nil
        }
        return .calendar(unit, zone)
    }

    /// Why `startTime` (`2024-01-01 00:00:00`) does not start a period slod can keep, or nil:
    /// slod's months start on the 1st and its weeks on Monday, at local midnight.
    static func startTimeProblem(_ text: String, unit: CalendarUnit) -> String? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "T" })
        let date = parts.first.map { $0.split(separator: "-").compactMap { Int($0) } } ?? []
        guard parts.count == 2, date.count == 3, (1...12).contains(date[1]), (1...31).contains(date[2]) else {
            return "expected a start time like 2024-01-01 00:00:00, got \(quoted(text))"
        }
        guard parts[1] == "00:00:00" else {
            return "\(quoted(text)) does not start at midnight; slod's calendar periods start at local midnight"
        }
        switch unit {
        case .month where date[2] != 1:
            return "\(quoted(text)) is not the 1st of a month; slod's calendar months start on the 1st"
        case .week where weekday(year: date[0], month: date[1], day: date[2]) != 1:
            return "\(quoted(text)) is not a Monday; slod's calendar weeks are ISO weeks starting on Monday"
        default:
            return nil
        }
    }

    /// ISO weekday (1 = Monday … 7 = Sunday) of a proleptic Gregorian date.
    static func weekday(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        // 1970-01-01 was a Thursday (4).
        return ((days % 7 + 7 + 3) % 7) + 1
    }

    /// `objectives: [{target | targetPercent, timeSliceTarget, timeSliceWindow, op, value}]`,
    /// exactly one.
    mutating func openSLOObjective(_ s: inout ConfigMapping, at specNode: YAMLNode, method: String?,
                                   indicator: OpenSLOIndicator?) -> OpenSLOObjective? {
        guard let entry = s.entry("objectives") else {
            report(specNode, s.path, "missing required key \"objectives\"")
            return nil
        }
        let keyPath = s.keyPath("objectives")
        guard case .sequence(let items) = entry.value.kind, let node = items.first, case .mapping = node.kind else {
            report(entry.value, keyPath, "expected a list with one objective ({target: 0.999})")
            return nil
        }
        if items.count > 1 {
            report(items[1], keyPath + "[1]", "slod imports one objective per SLO; write one SLO document per objective")
            return nil
        }
        var o = ConfigMapping(file: file, path: keyPath + "[0]", node: node)
        defer { finish(&o) }
        _ = o.entry("displayName")
        for key in ["compositeWeight", "indicator", "indicatorRef"] {
            if let composite = o.entry(key) {
                consumeAll(&o, node)
                report(composite.key, o.keyPath(key), "composite SLOs (objectives with their own indicator or weight) are not supported")
                return nil
            }
        }
        let errorsBefore = errors.count
        var objective: Objective?
        switch (optionalScalar(&o, "target"), optionalScalar(&o, "targetPercent")) {
        case (let (text, targetNode)?, nil):
            do throws(SLOConfigurationError) { objective = try Objective(ratio: text) } catch { report(targetNode, o.keyPath("target"), error.message) }
        case (nil, let (text, targetNode)?):
            do throws(SLOConfigurationError) { objective = try Objective(percent: text) } catch { report(targetNode, o.keyPath("targetPercent"), error.message) }
        case (nil, nil):
            report(node, o.path, "needs target (a ratio like 0.999) or targetPercent (like 99.9)")
        case (_?, let (_, targetNode)?):
            report(targetNode, o.keyPath("targetPercent"), "give either target or targetPercent, not both")
        }
        let threshold = openSLOThreshold(&o, at: node, indicator: indicator)
        let budgeting = openSLOBudgeting(&o, at: node, method: method)
        guard errors.count == errorsBefore, let objective, let budgeting else { return nil }
        return OpenSLOObjective(objective: objective, budgeting: budgeting, threshold: threshold)
    }

    /// `op` and `value`: required for a threshold metric (`lte` or `lt`), refused for a ratio.
    private mutating func openSLOThreshold(_ o: inout ConfigMapping, at node: YAMLNode, indicator: OpenSLOIndicator?) -> Double? {
        let op = optionalScalar(&o, "op")
        let value = optionalScalar(&o, "value")
        guard let indicator else { return nil }
        guard case .threshold = indicator.kind else {
            if let (_, opNode) = op ?? value {
                report(opNode, o.keyPath(op != nil ? "op" : "value"), "op and value apply to a thresholdMetric only; a ratioMetric's objective is its target")
            }
            return nil
        }
        guard let (opText, opNode) = op, let (valueText, valueNode) = value else {
            report(node, o.path, "a thresholdMetric objective needs op (lte) and value (the latency threshold)")
            return nil
        }
        // `lt` is read as `lte`: histogram buckets count observations <= their bound, so the two
        // differ only for observations exactly equal to the threshold.
        guard opText == "lte" || opText == "lt" else {
            report(opNode, o.keyPath("op"), "op \(quoted(opText)) is not supported: slod's latency SLI counts observations at or below the threshold as good (op: lte)")
            return nil
        }
        return parseThreshold(valueText, at: valueNode, o.keyPath("value"))
    }

    /// The budgeting method with its `timeSliceTarget` and `timeSliceWindow`.
    private mutating func openSLOBudgeting(_ o: inout ConfigMapping, at node: YAMLNode, method: String?) -> BudgetingMethod? {
        let target = optionalScalar(&o, "timeSliceTarget")
        let window = optionalScalar(&o, "timeSliceWindow")
        guard let method else { return nil }
        if method == "Occurrences" {
            if let (_, extra) = target ?? window {
                report(extra, o.keyPath(target != nil ? "timeSliceTarget" : "timeSliceWindow"), "timeSliceTarget and timeSliceWindow apply to Timeslices and RatioTimeslices only")
                return nil
            }
            return .occurrences
        }
        var options = TimesliceOptions()
        guard let (windowText, windowNode) = window else {
            report(node, o.path, "\(method) needs timeSliceWindow (minutes, or a duration like 1m)")
            return nil
        }
        let seconds = parseDigits(Array(windowText.utf8)[...]).map { Int64($0) * 60 } ?? SLODuration.parseSeconds(windowText)
        guard let seconds, seconds >= 10, seconds <= 3_600 else {
            report(windowNode, o.keyPath("timeSliceWindow"), "expected a slice length between 10s and 1h (a number of minutes, or a duration like 1m), got \(quoted(windowText))")
            return nil
        }
        options.sliceSeconds = seconds
        if method == "RatioTimeslices" {
            if let (_, targetNode) = target {
                report(targetNode, o.keyPath("timeSliceTarget"), "timeSliceTarget applies to Timeslices only (RatioTimeslices averages the slice ratios)")
                return nil
            }
            return .ratioTimeslices(options)
        }
        guard let (targetText, targetNode) = target else {
            report(node, o.path, "Timeslices needs timeSliceTarget (the ratio that makes a slice good, like 0.95)")
            return nil
        }
        do throws(SLOConfigurationError) {
            options.targetPartsPerBillion = try TimesliceOptions.parseTarget(targetText)
        } catch {
            report(targetNode, o.keyPath("timeSliceTarget"), "\(quoted(targetText)) must be a ratio in (0, 1] like 0.95")
            return nil
        }
        return .timeslices(options)
    }
}
