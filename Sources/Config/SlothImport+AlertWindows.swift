import SLO

/// Sloth's alert windows for one SLO period (a Sloth `AlertWindows` document): the page and
/// ticket tiers, each a quick and a slow burn-rate condition.
struct SlothAlertWindows: Equatable {
    var periodSeconds: Int64
    /// The page tier's conditions: quick, then slow.
    var page: [BurnRateCondition]
    /// The ticket tier's conditions: quick, then slow.
    var ticket: [BurnRateCondition]
    /// `file:line:column` of the document, for messages.
    var source: String

    /// Whether both define the same windows (wherever they were written).
    func sameWindows(as other: SlothAlertWindows) -> Bool {
        periodSeconds == other.periodSeconds && page == other.page && ticket == other.ticket
    }

    /// The policy of an SLO using these windows: the workbook policy's settings with these
    /// tiers. As for the workbook's, a condition that can never be reached with the SLO's error
    /// budget is left out and a tier left without conditions is disabled (Sloth would generate
    /// an alert that never fires).
    func policy(for configuration: SLOConfiguration) -> AlertPolicy {
        var policy = AlertPolicy.workbook(for: configuration)
        let budget = configuration.objective.errorBudget
        policy.tiers = [("page", page), ("ticket", ticket)].map { name, conditions in
            let reachable = conditions.filter { $0.isReachable(errorBudget: budget) }
            return AlertTierSpec(name: name, conditions: reachable, enabled: !reachable.isEmpty)
        }
        return policy
    }

    /// The burn-rate factor that spends `budgetPercent` % of the budget of a period of
    /// `periodSeconds` within `longSeconds`, computed as Sloth computes it (in hours, in this
    /// order, so the factors are the same doubles): `percent × period / 100 / long window`.
    static func factor(budgetPercent: Double, periodSeconds: Int64, longSeconds: Int64) -> Double {
        budgetPercent * hours(periodSeconds) / 100 / hours(longSeconds)
    }

    /// Go's `time.Duration.Hours()` for whole seconds.
    private static func hours(_ seconds: Int64) -> Double {
        Double(seconds / 3_600) + Double(seconds % 3_600) / 3_600
    }
}

/// Decoding of Sloth `AlertWindows` documents:
///
/// ```yaml
/// apiVersion: sloth.slok.dev/v1
/// kind: AlertWindows
/// spec:
///   sloPeriod: 30d
///   page:
///     quick: {errorBudgetPercent: 2, shortWindow: 5m, longWindow: 1h}
///     slow: {errorBudgetPercent: 5, shortWindow: 30m, longWindow: 6h}
///   ticket:
///     quick: {errorBudgetPercent: 10, shortWindow: 2h, longWindow: 1d}
///     slow: {errorBudgetPercent: 10, shortWindow: 6h, longWindow: 3d}
/// ```
///
/// Sloth reads such files from a directory (`--slo-period-windows-path`) and uses the ones
/// whose `sloPeriod` is the SLO period (`--default-slo-period`, 30d by default). slod reads
/// them from the imported files instead (list the file in `slo_files` next to the SLO files):
/// an AlertWindows document applies to every Sloth SLO (prometheus/v1 or Kubernetes) of the
/// imported files whose period is its `sloPeriod`. Imported Sloth SLOs have Sloth's default
/// period of 30 days, so `sloPeriod` must be 30d: windows for another period would apply to no
/// SLO and are refused. Two AlertWindows for one period must be identical (as in Sloth). Each
/// condition's factor is `errorBudgetPercent / 100 × sloPeriod / longWindow`, exactly as Sloth
/// computes it.
extension SLODecoding {
    /// One AlertWindows document (apiVersion and kind already checked), or nil (reported).
    mutating func decodeSlothAlertWindows(_ document: YAMLNode) -> SlothAlertWindows? {
        let errorsBefore = errors.count
        var top = ConfigMapping(file: file, path: "", node: document)
        defer { finish(&top) }
        for key in ["apiVersion", "kind", "metadata"] { _ = top.entry(key) }
        guard let (spec, specNode) = mapping(&top, "spec", required: true, at: document) else { return nil }
        var s = spec
        defer { finish(&s) }
        let period = durationSeconds(&s, "sloPeriod", at: specNode)
        if let (seconds, node) = period, seconds != Self.slothPeriodSeconds {
            report(node, s.keyPath("sloPeriod"), "no imported Sloth SLO has a period of \(SLODuration.render(seconds: seconds)): "
                + "slod imports Sloth SLOs with Sloth's default period, 30d, so only AlertWindows with sloPeriod: 30d apply")
        }
        var tiers: [[BurnRateCondition]] = []
        for tier in ["page", "ticket"] {
            guard let (t, tNode) = mapping(&s, tier, required: true, at: specNode) else { continue }
            var tierMapping = t
            var conditions: [BurnRateCondition] = []
            for speed in ["quick", "slow"] {
                guard let (w, wNode) = mapping(&tierMapping, speed, required: true, at: tNode) else { continue }
                var window = w
                if let condition = slothWindow(&window, at: wNode, periodSeconds: period?.0) { conditions.append(condition) }
                finish(&window)
            }
            finish(&tierMapping)
            tiers.append(conditions)
        }
        guard errors.count == errorsBefore, let (periodSeconds, _) = period, tiers.count == 2 else { return nil }
        return SlothAlertWindows(periodSeconds: periodSeconds, page: tiers[0], ticket: tiers[1],
                                 source: "\(file):\(document.line):\(document.column)")
    }

    /// `{errorBudgetPercent, shortWindow, longWindow}` → its condition.
    private mutating func slothWindow(_ w: inout ConfigMapping, at node: YAMLNode, periodSeconds: Int64?) -> BurnRateCondition? {
        var percent: Double?
        if let (text, n) = scalar(&w, "errorBudgetPercent", required: true, at: node) {
            if let value = Double(text), value > 0, value <= 100 { percent = value } else {
                report(n, w.keyPath("errorBudgetPercent"), "expected a percentage in (0, 100] like 2 or 12.5, got \(quoted(text))")
            }
        }
        let short = exactWindow(&w, "shortWindow", at: node)
        let long = exactWindow(&w, "longWindow", at: node)
        guard let percent, let (shortSeconds, shortNode) = short, let (longSeconds, _) = long, let periodSeconds else { return nil }
        guard shortSeconds < longSeconds else {
            report(shortNode, w.keyPath("shortWindow"), "\(SLODuration.render(seconds: shortSeconds)) must be shorter than longWindow (\(SLODuration.render(seconds: longSeconds)))")
            return nil
        }
        return BurnRateCondition(longSeconds: longSeconds, shortSeconds: shortSeconds,
                                 factor: SlothAlertWindows.factor(budgetPercent: percent, periodSeconds: periodSeconds, longSeconds: longSeconds))
    }

    /// The duration at `key`, in seconds, when it is a window the SLO's buckets answer exactly
    /// (`SLOLayout.checkWindow`); else nil, reported here rather than at each SLO using the
    /// windows.
    private mutating func exactWindow(_ w: inout ConfigMapping, _ key: String, at node: YAMLNode) -> (Int64, YAMLNode)? {
        guard let (seconds, durationNode) = durationSeconds(&w, key, at: node) else { return nil }
        do throws(SLOConfigurationError) {
            try SLOLayout.checkWindow(seconds: seconds)
        } catch {
            report(durationNode, w.keyPath(key), error.message)
            return nil
        }
        return (seconds, durationNode)
    }
}
