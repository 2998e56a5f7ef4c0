import Primitives
import Selectors

/// One SLO as the rule generator sees it: its output labels, the period window Prometheus can
/// express, and the PromQL of its error ratio over a window.
struct RuleSLO {
    let spec: SLOSpec
    /// `sloth_id`, `sloth_service`, `sloth_slo` and the SLO's own labels (every output carries them).
    let labels: [String: String]
    /// The period as a PromQL range: the rolling period (`30d`, `28d`), or the rolling stand-in
    /// of a calendar period (`30d` for a month, `7d` for a week).
    let periodWindow: String
    /// The period's length in seconds (the stand-in's for calendar periods).
    let periodSeconds: Int64
    /// Comment lines about this SLO: what it is and where the rules differ from slod itself.
    let notes: [String]

    init(_ spec: SLOSpec) {
        self.spec = spec
        labels = spec.labels.merging(spec.slothLabels) { $1 }
        var notes = ["SLO \(spec.id) (\(spec.source)): objective \(spec.objective), period \(spec.period), budgeting \(spec.budgeting.label)."]
        periodSeconds = spec.period.nominalSeconds
        switch spec.period {
        case .rolling:
            break
        case .calendar(let unit, _):
            notes.append("Prometheus cannot express calendar-aligned windows: the \(unit.rawValue) period is approximated "
                         + "by a rolling \(SLODuration.render(seconds: periodSeconds)) window here (slod itself resets the budget at the \(unit.rawValue) boundary).")
        }
        periodWindow = SLODuration.render(seconds: periodSeconds)
        notes.append("slo:sli_error:ratio_rate\(periodWindow) is the exact ratio of increases over \(periodWindow), not Sloth's mean of 5m ratios.")
        if spec.budgeting.timeslices != nil {
            notes.append("Budgeting \(spec.budgeting.label) is not expressible as Prometheus rules: these are the occurrences rules (ratio of events).")
        }
        if case .latency(_, _, true) = spec.sli {
            notes.append("interpolate: true has no PromQL equivalent: the rules read the bucket whose le equals the threshold, and have no samples if there is none.")
        }
        self.notes = notes
    }

    /// `{sloth_id="…", sloth_service="…", sloth_slo="…"}`: selects this SLO's recorded series.
    /// Service and name need no escaping (`SLOSpec.checkIdentifier`).
    var idSelector: String {
        "{sloth_id=\"\(spec.id)\", sloth_service=\"\(spec.service)\", sloth_slo=\"\(spec.name)\"}"
    }

    /// The period in days (fractional for periods like `1d12h`).
    var periodDays: Double { Double(periodSeconds) / 86_400 }

    /// The error ratio over `window` (a PromQL duration), one output series per `group_by` value
    /// set. Absent when the total has no events in the window, so it is never NaN; a missing
    /// bad/good series counts as zero events (`or 0 * total`), so a healthy service without any
    /// error series yet reports 0 rather than nothing.
    func errorRatioExpression(window: String) -> String {
        switch spec.sli {
        case .events(let total, let good, let bad):
            let totalRate = sumRate(Self.eventsSeries(total), window)
            if let bad {
                return "(\(sumRate(Self.eventsSeries(bad), window)) or 0 * \(totalRate))\n/\n(\(totalRate) > 0)"
            }
            let good = good!  // SLOSpec.checkSLI: exactly one of good and bad.
            return "1 - (\n  (\(sumRate(Self.eventsSeries(good), window)) or 0 * \(totalRate))\n  /\n  (\(totalRate) > 0)\n)"
        case .latency(let histogram, let threshold, _):
            let bucket = Self.series(histogram, suffix: "_bucket", extra: Self.leMatcher(threshold))
            let count = Self.series(histogram, suffix: "_count", extra: nil)
            return "1 - (\n  \(sumRate(bucket, window))\n  /\n  (\(sumRate(count, window)) > 0)\n)"
        }
    }

    /// The events the SLI counts over `window` (a PromQL duration), one series per `group_by`
    /// value set: `sum by (a, b) (increase(TOTAL[w]))` over the total events (a histogram's
    /// `_count` for latency SLIs). The alert rules' low-traffic guard (`min_events`) reads it.
    func totalEventsExpression(window: String) -> String {
        let total: String
        switch spec.sli {
        case .events(let selector, _, _): total = Self.eventsSeries(selector)
        case .latency(let histogram, _, _): total = Self.series(histogram, suffix: "_count", extra: nil)
        }
        let by = spec.groupBy.isEmpty ? "" : " by (\(spec.groupBy.joined(separator: ", "))) "
        return "sum\(by)(increase(\(total)[\(window)]))"
    }

    /// `sum by (a, b) (rate(SEL[w]))`, or `sum(rate(SEL[w]))` without `group_by`.
    func sumRate(_ selector: String, _ window: String) -> String {
        let by = spec.groupBy.isEmpty ? "" : " by (\(spec.groupBy.joined(separator: ", "))) "
        return "sum\(by)(rate(\(selector)[\(window)]))"
    }

    /// The `le` matcher for a bucket bound: Prometheus compares the `le` text it stored, so the
    /// bound is spelled as slod's `/metrics` writes it (`prometheusText`: `0.4`, `5`, `1e+06`,
    /// `1.2345675e+06`). An integral bound below 10⁶ is written `5` by the text format and
    /// `5.0` by OpenMetrics (stored as written by Prometheus 2.x, normalized to it by 3.x), so it
    /// matches both; every other bound is spelled the same by both formats.
    static func leMatcher(_ bound: Double) -> LabelMatcher {
        let text = bound.prometheusText
        let openMetrics = bound.openMetricsText
        do {
            if openMetrics == text { return try LabelMatcher(name: "le", op: .equal, value: text) }
            // They differ only for integral bounds (`5`, `5.0`): digits, a sign and the dot to escape.
            let escaped = String(openMetrics.flatMap { $0 == "." ? ["\\", "."] : [$0] })
            return try LabelMatcher(name: "le", op: .matchesRegex, value: "\(text)|\(escaped)")
        } catch {
            preconditionFailure("le matcher for \(text) does not compile: \(error)")
        }
    }

    /// An events selector in canonical PromQL text. An exact finite `le` (one histogram bucket,
    /// `SLOSpec.checkEventsSelector`) becomes `leMatcher`'s spelling of its number: slod matches
    /// it to a bucket bound as a number, and Prometheus compares the text it stored, so
    /// `le="1"` must also select the `1.0` that Prometheus 3 stores, and `le="0.40"` the `0.4`
    /// slod exposes.
    static func eventsSeries(_ selector: SeriesSelector) -> String {
        guard let le = SLOSpec.exactBucketBound(selector), le.bound.isFinite else { return selector.description }
        do {
            return try SeriesSelector(matchers: selector.matchers.filter { $0.name != "le" } + [leMatcher(le.bound)]).description
        } catch {
            preconditionFailure("\(selector) with le matcher \(leMatcher(le.bound)) is invalid: \(error)")
        }
    }

    /// The selector of one series of a histogram family (`_bucket`, `_count`): the family's
    /// matchers with the name replaced and `extra` added, in canonical PromQL text.
    static func series(_ family: SeriesSelector, suffix: String, extra: LabelMatcher?) -> String {
        guard let name = family.metricName else {
            preconditionFailure("latency SLI without a metric name: SLOSpec.checkHistogramFamily refuses it")
        }
        var matchers = family.matchers.filter { $0.name != LabelMatcher.metricNameLabel }
        if let extra { matchers.append(extra) }
        do {
            matchers.append(try LabelMatcher(name: LabelMatcher.metricNameLabel, op: .equal, value: name + suffix))
            return try SeriesSelector(matchers: matchers).description
        } catch {
            preconditionFailure("histogram series selector for \(name)\(suffix) is invalid: \(error)")
        }
    }

    /// A number as PromQL text: integers without a fraction (`6`, not `6.0`), others as the
    /// shortest text that reads back as the same double (`13.44`, `0.9333333333333333`).
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
