/// One multiwindow burn-rate condition: the error ratio over both the long and the short window
/// is above `factor × error budget` (the SRE workbook's "burn rate above `factor`").
public struct BurnRateCondition: Sendable, Equatable {
    public var longSeconds: Int64
    public var shortSeconds: Int64
    /// The burn-rate threshold (14.4 for the workbook's fast page over 30 days).
    public var factor: Double

    public init(longSeconds: Int64, shortSeconds: Int64, factor: Double) {
        self.longSeconds = longSeconds
        self.shortSeconds = shortSeconds
        self.factor = factor
    }

    /// The workbook's condition spending `budgetPercent` % of a period of `periodSeconds` within
    /// the long window, scaled as Sloth scales it (`percent × period / long window`): 2 % in 1h
    /// is 14.4× for 30 days and 13.44× for 28.
    public static func spending(budgetPercent: Int64, periodSeconds: Int64, longSeconds: Int64,
                                shortSeconds: Int64) -> BurnRateCondition {
        BurnRateCondition(longSeconds: longSeconds, shortSeconds: shortSeconds,
                          factor: Double(budgetPercent * periodSeconds) / Double(100 * longSeconds))
    }

    /// Whether an error ratio of at most 1 can exceed the threshold: false when
    /// `factor × budget ≥ 1` (e.g. 14.4× with a 7 % budget).
    public func isReachable(errorBudget: Double) -> Bool { factor * errorBudget < 1 }
}

/// One alert tier of an SLO (`page`, `ticket`, …): it fires while any of its conditions holds
/// (the workbook's "(1h and 5m > 14.4×) or (6h and 30m > 6×)").
public struct AlertTierSpec: Sendable, Equatable {
    /// The tier's name, written as `sloth_severity` on its alerts (`page`, `ticket`).
    public var name: String
    public var conditions: [BurnRateCondition]
    /// How long the condition must hold before the alert fires (Prometheus `for`).
    public var forSeconds: Int64
    /// How long a firing alert stays firing after the condition stopped holding
    /// (Prometheus `keep_firing_for`).
    public var keepFiringForSeconds: Int64
    public var enabled: Bool
    /// Labels put on this tier's alerts only (Sloth's `page_alert.labels`), over the policy's.
    /// A configured `severity` lives here too (see `severity`).
    public var labels: [String: String]
    /// Annotations put on this tier's alerts only (Sloth's `page_alert.annotations`), over the policy's.
    public var annotations: [String: String]

    /// The rolling windows its conditions read (long and short), each once, ascending.
    public var windowSeconds: [Int64] {
        conditions.flatMap { [$0.longSeconds, $0.shortSeconds] }.distinctAscending
    }

    /// The `severity` label of this tier's alerts: `labels["severity"]`, absent unless configured
    /// (the tier's name is in `sloth_severity` anyway).
    public var severity: String? {
        get { labels["severity"] }
        set { labels["severity"] = newValue }
    }

    /// `severity`, when given, becomes `labels["severity"]` (over a `severity` in `labels`).
    public init(name: String, severity: String? = nil, conditions: [BurnRateCondition], forSeconds: Int64 = 0,
                keepFiringForSeconds: Int64 = 0, enabled: Bool = true, labels: [String: String] = [:],
                annotations: [String: String] = [:]) {
        self.name = name
        self.conditions = conditions
        self.forSeconds = forSeconds
        self.keepFiringForSeconds = keepFiringForSeconds
        self.enabled = enabled
        self.labels = labels
        self.annotations = annotations
        if let severity { self.labels["severity"] = severity }
    }
}

/// An alert on the remaining error budget: fires while less than `remainingBelow` (a fraction
/// of the period's budget) is left. Its alerts are those of a tier named `budget`
/// (`AlertPolicy.budgetTierName`; slod's own evaluator only: Prometheus rules have no such alert).
public struct BudgetExhaustionAlertSpec: Sendable, Equatable {
    public var remainingBelow: Double
    public var forSeconds: Int64
    /// Labels put on the budget alert only, over the policy's; a configured `severity` lives here.
    public var labels: [String: String]
    /// Annotations put on the budget alert only, over the policy's.
    public var annotations: [String: String]

    /// The `severity` label of the budget alert: `labels["severity"]`, absent unless configured.
    public var severity: String? {
        get { labels["severity"] }
        set { labels["severity"] = newValue }
    }

    public init(remainingBelow: Double, severity: String? = nil, forSeconds: Int64 = 0, labels: [String: String] = [:],
                annotations: [String: String] = [:]) {
        self.remainingBelow = remainingBelow
        self.forSeconds = forSeconds
        self.labels = labels
        self.annotations = annotations
        if let severity { self.labels["severity"] = severity }
    }
}

/// How an SLO alerts: its burn-rate tiers, the low-traffic guard and the optional budget alert.
///
/// The default (`workbook(for:)`) is the SRE workbook's multiwindow multi-burn-rate pair, with
/// the factors scaled to the SLO's period as Sloth scales them:
///
/// | tier | condition (30 days) | budget spent |
/// |---|---|---|
/// | page | 1h and 5m above 14.4×, or 6h and 30m above 6× | 2 % in 1h, 5 % in 6h |
/// | ticket | 1d and 2h above 3×, or 3d and 6h above 1× | 10 % in 1d, 10 % in 3d |
///
/// `for` is 0 (the short window already filters blips, as in the workbook and Sloth). A default
/// condition that can never be reached (factor ≥ 1 / budget: the 14.4× page once the budget
/// exceeds 6.9 %) is left out, and a tier left without conditions is disabled; conditions
/// configured explicitly must be reachable (`validate`).
public struct AlertPolicy: Sendable, Equatable {
    /// The `alertname` label.
    public var alertName: String
    public var tiers: [AlertTierSpec]
    /// Low-traffic guard: a condition holds only if each of its two windows has at least this
    /// many events (for the timeslice methods: slices). See `defaultMinEvents`.
    public var minEvents: Double
    /// Written as the `runbook_url` annotation when set.
    public var runbookURL: String?
    public var exhaustion: BudgetExhaustionAlertSpec?
    /// Labels put on every alert of the SLO (Sloth's `alerting.labels`); never on recorded series.
    public var labels: [String: String]
    /// Annotations put on every alert of the SLO (Sloth's `alerting.annotations`).
    public var annotations: [String: String]

    public static let defaultAlertName = "SLOBurnRate"
    /// Default low-traffic guard for occurrences: 10 events per window, so a single failed
    /// request of a handful cannot page. Timeslice methods default to 0: a 5-minute window
    /// holds only 5 one-minute slices.
    public static let defaultMinEvents = 10.0

    public init(alertName: String = AlertPolicy.defaultAlertName, tiers: [AlertTierSpec], minEvents: Double = AlertPolicy.defaultMinEvents,
                runbookURL: String? = nil, exhaustion: BudgetExhaustionAlertSpec? = nil, labels: [String: String] = [:],
                annotations: [String: String] = [:]) {
        self.labels = labels
        self.annotations = annotations
        self.alertName = alertName
        self.tiers = tiers
        self.minEvents = minEvents
        self.runbookURL = runbookURL
        self.exhaustion = exhaustion
    }

    /// The workbook tiers for a period of `periodSeconds` (a calendar month counts as 30 days,
    /// a week as 7, like `slod rules`), keeping only conditions reachable with `errorBudget`.
    public static func workbookTiers(periodSeconds: Int64, errorBudget: Double) -> [AlertTierSpec] {
        workbookConditions(periodSeconds: periodSeconds).map { name, conditions in
            let reachable = conditions.filter { $0.isReachable(errorBudget: errorBudget) }
            return AlertTierSpec(name: name, conditions: reachable, enabled: !reachable.isEmpty)
        }
    }

    /// The workbook's conditions per tier for a period of `periodSeconds`, reachable or not:
    /// page = 2 % of the budget in 1h (confirmed over 5m) or 5 % in 6h (30m); ticket = 10 % in
    /// 1d (2h) or 10 % in 3d (6h).
    public static func workbookConditions(periodSeconds: Int64) -> [(tier: String, conditions: [BurnRateCondition])] {
        func c(_ percent: Int64, _ long: Int64, _ short: Int64) -> BurnRateCondition {
            .spending(budgetPercent: percent, periodSeconds: periodSeconds, longSeconds: long, shortSeconds: short)
        }
        return [("page", [c(2, 3_600, 300), c(5, 21_600, 1_800)]), ("ticket", [c(10, 86_400, 7_200), c(10, 259_200, 21_600)])]
    }

    /// The default policy of an SLO with `configuration` (see the type's notes).
    public static func workbook(for configuration: SLOConfiguration) -> AlertPolicy {
        AlertPolicy(tiers: workbookTiers(periodSeconds: configuration.period.nominalSeconds,
                                         errorBudget: configuration.objective.errorBudget),
                    minEvents: configuration.budgeting.usesTimeslices ? 0 : defaultMinEvents)
    }

    /// The rolling windows the enabled tiers' conditions read, ascending, each once. The SLO's
    /// state keeps them besides the standard windows (`SLOSpec.configuration`).
    public var windowSeconds: [Int64] {
        tiers.filter(\.enabled).flatMap(\.windowSeconds).distinctAscending
    }

    /// Checks the policy against the SLO it belongs to (its configuration and `group_by`
    /// labels): every condition's windows must be windows the SLO's buckets answer exactly
    /// (`SLOLayout.checkWindow`) and fit the layout with the standard ones, the short one
    /// shorter than the long one, every factor positive and reachable with the SLO's error
    /// budget, tier names unique, durations and thresholds in range, alert labels and
    /// annotations allowed (`checkAlertLabel`, `checkAnnotationName`).
    public func validate(for configuration: SLOConfiguration, groupBy: [String]) throws(SLOConfigurationError) {
        let budget = configuration.objective.errorBudget
        var names = Set<String>()
        guard !alertName.isEmpty else { throw SLOConfigurationError("alerting", "alert name must not be empty") }
        guard minEvents >= 0, minEvents.isFinite else {
            throw SLOConfigurationError("min_events", "must be a number ≥ 0, got \(minEvents)")
        }
        try Self.checkLabels(labels, annotations: annotations, groupBy: groupBy, owner: "alerting")
        for tier in tiers {
            guard !tier.name.isEmpty, names.insert(tier.name).inserted else {
                throw SLOConfigurationError("alerting", "tier name \"\(tier.name)\" is empty or used twice")
            }
            guard tier.forSeconds >= 0, tier.keepFiringForSeconds >= 0 else {
                throw SLOConfigurationError("alerting", "tier \(tier.name): for and keep_firing_for must not be negative")
            }
            try Self.checkLabels(tier.labels, annotations: tier.annotations, groupBy: groupBy, owner: "tier \(tier.name)")
            guard tier.enabled else { continue }
            guard !tier.conditions.isEmpty else {
                throw SLOConfigurationError("alerting", "tier \(tier.name) has no windows; give at least one or disable it")
            }
            for c in tier.conditions {
                for seconds in [c.longSeconds, c.shortSeconds] {
                    do throws(SLOConfigurationError) {
                        try SLOLayout.checkWindow(seconds: seconds)
                    } catch {
                        throw SLOConfigurationError("alerting", "tier \(tier.name): \(error.message)")
                    }
                }
                guard c.shortSeconds < c.longSeconds else {
                    throw SLOConfigurationError("alerting", "tier \(tier.name): the short window (\(SLODuration.render(seconds: c.shortSeconds))) "
                        + "must be shorter than the long one (\(SLODuration.render(seconds: c.longSeconds)))")
                }
                guard c.factor > 0, c.factor.isFinite else {
                    throw SLOConfigurationError("alerting", "tier \(tier.name): factor must be a positive number, got \(c.factor)")
                }
                guard c.isReachable(errorBudget: budget) else {
                    throw SLOConfigurationError("alerting", "tier \(tier.name): a burn rate above \(c.factor)× can never be reached with an "
                        + "error budget of \(configuration.objective.errorBudgetText) (it needs an error ratio above 1); "
                        + "the largest reachable factor is below \(1 / budget)")
                }
            }
        }
        do throws(SLOConfigurationError) {
            _ = try SLOLayout(configuration.keeping(windows: windowSeconds))
        } catch {
            throw SLOConfigurationError("alerting", "the alert windows do not fit the SLO's state: \(error.message)")
        }
        if let e = exhaustion {
            guard !names.contains(Self.budgetTierName) else {
                throw SLOConfigurationError("alerting", "tier name \"\(Self.budgetTierName)\" is the budget_exhaustion alert's; rename the tier")
            }
            guard e.remainingBelow > 0, e.remainingBelow <= 1 else {
                throw SLOConfigurationError("budget_exhaustion", "remaining_below must be in (0, 1], got \(e.remainingBelow)")
            }
            guard e.forSeconds >= 0 else { throw SLOConfigurationError("budget_exhaustion", "for must not be negative") }
            try Self.checkLabels(e.labels, annotations: e.annotations, groupBy: groupBy, owner: "budget_exhaustion")
        }
    }
}
