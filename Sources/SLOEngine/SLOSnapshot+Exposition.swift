import Exposition
import SLO

/// The snapshot as Prometheus metric families for `/metrics`.
///
/// Sloth-compatible series, with the names and labels `slod rules` records (`RuleGenerator`), so
/// Sloth's Grafana dashboards read slod's own series and the rules' series alike:
///
/// | family | one series per | labels besides `sloth_id`, `sloth_service`, `sloth_slo`, SLO labels |
/// |---|---|---|
/// | `slo:sli_error:ratio_rate<w>` (`5m` … `3d`, and the period: `30d`, `28d`, …) | instance and window | group labels, `sloth_window` |
/// | `slo:objective:ratio`, `slo:error_budget:ratio`, `slo:time_period:days` | SLO | — |
/// | `slo:current_burn_rate:ratio` (5m), `slo:period_burn_rate:ratio`, `slo:period_error_budget_remaining:ratio` | instance | group labels |
/// | `sloth_slo_info` | SLO | `sloth_mode="slod"`, `sloth_objective`, `sloth_spec="slod/v1"`, `sloth_version` |
///
/// The per-SLO series carry no group labels, as in the rules (and as Sloth's dashboards need:
/// they join `… / on(sloth_id, sloth_slo, sloth_service) group_left slo:error_budget:ratio`,
/// which requires one budget series per SLO). A calendar period's ratio is named like the
/// rules name it (`ratio_rate30d` for a month, `ratio_rate7d` for a week) but covers the
/// calendar period; `slo:time_period:days` is the current period's actual length (e.g. 31, or
/// 31.04 for a month that gains a DST hour), where the rules write the stand-in's 30 or 7.
///
/// slod's own: `slod_slo_events_total{kind="good"|"total"}` (counter, per instance; a bad SLI's
/// good count, total − bad, is written as 0 while bad events arrived before their totals),
/// `slod_slo_budget_exhaustion_seconds` (per instance), `slod_slo_instances` and
/// `slod_slo_instances_refused_total` (per SLO), `slod_slo_dropped_points_total{reason}` (per
/// SLO, summed over its instances).
///
/// Zero traffic: a window without data has no sample; burn rates, remaining budget and
/// exhaustion have no sample when they are undefined. No sample is ever NaN or ±Inf. Group
/// labels with an empty value are left out (Prometheus treats them as absent).
///
/// Every family name appears once, with its samples together; families without samples are
/// left out. Labels are sorted by name except the family's own (`sloth_window`, `kind`,
/// `reason`), which comes last. Cost: O(instances × windows); the instances' labels were
/// rendered once by the engine and are only copied.
extension SLOSnapshot {
    /// The families above, each name once, to render as one more part of `/metrics` (names
    /// are `slo:`, `sloth_` and `slod_slo_`: reserve the `slod_slo_` ones in the registry if
    /// ingested families must not clash with them).
    public func families() -> [MetricFamily] {
        var out = FamilyList()
        ratioFamilies(&out)
        perSLO(&out, "slo:objective:ratio", .gauge, "The SLO's objective as a ratio (0.999 for 99.9 %).") { s, _ in
            s.objective.ratio
        }
        perSLO(&out, "slo:error_budget:ratio", .gauge, "The SLO's error budget, 1 - objective.") { s, _ in
            s.objective.errorBudget
        }
        perSLO(&out, "slo:time_period:days", .gauge, "Length of the SLO's current budgeting period in days.") { s, _ in
            Double(s.period.bounds(containing: nowNanos).lengthSeconds) / 86_400
        }
        perInstance(&out, "slo:current_burn_rate:ratio", .gauge,
                    "Burn rate over the last 5m: its error ratio divided by the error budget. Absent without events.") { i in
            outputs[i.slo].currentBurnWindow.flatMap { window(i, $0).burnRate }
        }
        perInstance(&out, "slo:period_burn_rate:ratio", .gauge,
                    "Burn rate over the budgeting period (the fraction of the error budget spent). Absent without events.") { i in
            i.budget.burnRate
        }
        perInstance(&out, "slo:period_error_budget_remaining:ratio", .gauge,
                    "Fraction of the error budget left in the period, 1 - period burn rate (negative once overspent). Absent without events.") { i in
            i.budget.remaining
        }
        if !specs.isEmpty {
            let f = out.family("sloth_slo_info", .info, "Information about the SLO (value 1).")
            for o in outputs { out.families[f].series.append(MetricSeries(labels: o.infoLabels, value: .number(1))) }
        }
        eventFamilies(&out)
        perInstance(&out, "slod_slo_budget_exhaustion_seconds", .gauge,
                    "Seconds until the error budget is spent at the current 1h burn rate. Absent when not burning, without data, or already spent.",
                    unit: "seconds") { i in
            i.budget.exhaustionSeconds
        }
        perSLO(&out, "slod_slo_instances", .gauge, "SLO instances (group_by value sets) evaluated.") { _, slo in
            Double(instances(ofSLO: slo).count)
        }
        perSLO(&out, "slod_slo_instances_refused_total", .counter,
               "Series not counted because they would have opened an SLO instance beyond max_instances.") { _, slo in
            Double(refusedInstances[slo])
        }
        perSLO(&out, "slod_slo_series_refused_total", .counter,
               "Series an SLO's selector picked that cannot feed it (a histogram without a bucket bound at the latency threshold; the log names the nearest bounds), counted once per series and shard.") { _, slo in
            Double(refusedSeries[slo])
        }
        dropFamilies(&out)
        return out.families.filter { !$0.series.isEmpty }
    }

    static let ratioHelp = "Error ratio over the window named by sloth_window: bad / total events, or for timeslice budgeting the bad fraction of the time slices. The period's series covers the current calendar month (named 30d) or week (7d) for calendar periods. Absent without events."

    /// `slo:sli_error:ratio_rate<w>` for every window with data, families in order of first
    /// appearance (the first SLO's windows in layout order, then any other period names).
    private func ratioFamilies(_ out: inout FamilyList) {
        // Per SLO and window, the family index (resolved at the SLO's first instance).
        var familyOf: [[Int]] = outputs.map { _ in [] }
        for instance in instances {
            let o = outputs[instance.slo]
            if familyOf[instance.slo].isEmpty {
                familyOf[instance.slo] = o.windowNames.map { name in
                    out.family("slo:sli_error:ratio_rate" + name, .gauge, Self.ratioHelp)
                }
            }
            for j in 0..<instance.windowCount where o.windowIsExposed[j] {
                guard let ratio = finite(window(instance, j).errorRatio) else { continue }
                out.families[familyOf[instance.slo][j]].series.append(MetricSeries(
                    labels: RenderedLabels(prefix: instance.labels.rendered.bytes, bytes: o.windowLabelSuffix[j]),
                    value: .number(ratio)))
            }
        }
    }

    /// `slod_slo_events_total{kind="good"}` and `{kind="total"}` per instance.
    private func eventFamilies(_ out: inout FamilyList) {
        guard !instances.isEmpty else { return }
        let f = out.family("slod_slo_events_total", .counter,
                           "Events counted for the SLO instance since slod started, summed over shards: kind=\"good\" or \"total\".")
        let good = RenderedLabels([("kind", "good")]).bytes
        let total = RenderedLabels([("kind", "total")]).bytes
        for i in instances {
            let labels = i.labels.rendered.bytes
            out.families[f].series.append(MetricSeries(labels: RenderedLabels(prefix: labels, bytes: good),
                                                       value: .number(max(0, finite(i.goodEvents) ?? 0))))
            out.families[f].series.append(MetricSeries(labels: RenderedLabels(prefix: labels, bytes: total),
                                                       value: .number(finite(i.totalEvents) ?? 0)))
        }
    }

    /// `slod_slo_dropped_points_total{reason}` per SLO, summed over its instances.
    private func dropFamilies(_ out: inout FamilyList) {
        guard !specs.isEmpty else { return }
        let f = out.family("slod_slo_dropped_points_total", .counter,
                           "Points an SLO did not count, by reason: too_old (before every window), too_far_in_future, invalid_value, slice_closed (its time slice was already judged).")
        let reasons = ["too_old", "too_far_in_future", "invalid_value", "slice_closed"].map { RenderedLabels([("reason", $0)]).bytes }
        for slo in specs.indices {
            var d = DropCounters()
            for i in instances(ofSLO: slo) { d.add(i.drops) }
            let base = outputs[slo].baseLabels.bytes
            for (k, value) in [d.tooOld, d.tooFarInFuture, d.invalidValue, d.sliceClosed].enumerated() {
                out.families[f].series.append(MetricSeries(labels: RenderedLabels(prefix: base, bytes: reasons[k]),
                                                           value: .number(Double(value))))
            }
        }
    }

    /// One series per SLO with its base labels.
    private func perSLO(_ out: inout FamilyList, _ name: String, _ kind: MetricFamily.Kind, _ help: String,
                        _ value: (SLOSpec, Int) -> Double) {
        guard !specs.isEmpty else { return }
        let f = out.family(name, kind, help)
        for (slo, spec) in specs.enumerated() {
            guard let v = finite(value(spec, slo)) else { continue }
            out.families[f].series.append(MetricSeries(labels: outputs[slo].baseLabels, value: .number(v)))
        }
    }

    /// One series per instance that has a value.
    private func perInstance(_ out: inout FamilyList, _ name: String, _ kind: MetricFamily.Kind, _ help: String,
                             unit: String = "", _ value: (Instance) -> Double?) {
        guard !instances.isEmpty else { return }
        let f = out.family(name, kind, help, unit: unit)
        for i in instances {
            guard let v = finite(value(i)) else { continue }
            out.families[f].series.append(MetricSeries(labels: i.labels.rendered, value: .number(v)))
        }
    }
}

/// `value` when it is a finite number, else nil: the outputs never carry NaN or ±Inf (the SLO
/// math never produces them; this guards the contract at the edge).
@inline(__always)
func finite(_ value: Double?) -> Double? {
    guard let value, value.isFinite else { return nil }
    return value
}

/// Families being built, one per name, in order of first use.
struct FamilyList {
    var families: [MetricFamily] = []
    private var index: [String: Int] = [:]

    /// The index of the family `name`, created (empty) on first use.
    mutating func family(_ name: String, _ kind: MetricFamily.Kind, _ help: String, unit: String = "") -> Int {
        if let i = index[name] { return i }
        families.append(MetricFamily(name: name, kind: kind, help: help, unit: unit))
        index[name] = families.count - 1
        return families.count - 1
    }
}
