import Selectors

/// One SLO as the user declared it: what to count (the SLI), the objective, the period and how
/// the budget is counted, and how the SLO splits into instances (`groupBy`).
///
/// Built from slod's own `slos:` configuration or imported from OpenSLO v1 and Sloth
/// `prometheus/v1` files (module `Config`), always through the validating initializer, so a value
/// of this type is known to be usable: selectors parse, names and labels are valid, the
/// budgeting options fit the method. `configuration` gives the `SLOConfiguration` that shapes each
/// instance's state.
public struct SLOSpec: Sendable, Equatable {
    /// Instances per SLO when `max_instances` is not given. An instance keeps up to 64 KiB of
    /// buckets for a 30-day period, so 100 instances cost at most ~6.4 MiB: enough for one
    /// instance per route or per status class, and a cap that stops a high-cardinality
    /// `group_by` label (a user id, a pod name) from growing without bound.
    public static let defaultMaxInstances = 100
    /// The largest `max_instances` accepted (~640 MiB of state for one SLO at 30 days).
    public static let maxInstancesLimit = 10_000

    /// What an SLI counts.
    public enum SLI: Sendable, Equatable {
        /// Events over counts (`SLOSpec+EventsSelector.swift`): counters, a histogram's `_count`
        /// or one bucket's cumulative count (`_bucket{le="0.4"}`). `total`, and exactly one of
        /// `good` (good events) or `bad` (bad events; good = total − bad).
        case events(total: SeriesSelector, good: SeriesSelector?, bad: SeriesSelector?)
        /// The fraction of a histogram's observations at or below `threshold` (in the
        /// histogram's unit, seconds for OTel durations). `histogram` selects series of the
        /// histogram family by the family name (as in `# TYPE`, without `_bucket`). With
        /// `interpolate`, a threshold between two bucket bounds is interpolated linearly inside
        /// its bucket instead of being refused.
        case latency(histogram: SeriesSelector, threshold: Double, interpolate: Bool)
    }

    /// Where an SLO was defined, for messages: `slod.yaml:12:5`.
    public struct Source: Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var column: Int

        public init(file: String, line: Int, column: Int) {
            self.file = file
            self.line = line
            self.column = column
        }

        public var description: String { "\(file):\(line):\(column)" }
    }

    /// The service the SLO belongs to (`sloth_service`).
    public let service: String
    /// The SLO's name, unique within its service (`sloth_slo`).
    public let name: String
    public let description: String
    public let objective: Objective
    public let period: Period
    /// The budgeting method; its timeslice options carry `noData`.
    public let budgeting: BudgetingMethod
    public let sli: SLI
    /// Labels whose values split the SLO into one instance per value set, in the order given.
    public let groupBy: [String]
    /// Instances at most; series that would open another instance are not counted (and the
    /// refusal is counted), see `defaultMaxInstances`.
    public let maxInstances: Int
    /// Extra labels put on every output series of the SLO.
    public let labels: [String: String]
    /// What an empty time slice counts as; `.ignore` for occurrences.
    public let noData: NoDataPolicy
    /// Where the SLO was defined.
    public let source: Source
    /// The alerting policy as configured; nil for the default (`alertPolicy`). Not part of the
    /// SLO's definition: changing it on reload keeps the SLO's state.
    public let alerting: AlertPolicy?

    /// How the SLO alerts: as configured, else the workbook tiers (`AlertPolicy.workbook`).
    public var alertPolicy: AlertPolicy { alerting ?? .workbook(for: configuration) }

    /// `service-name`: Sloth's `sloth_id` for the SLO.
    public var id: String { "\(service)-\(name)" }

    /// The state layout inputs for one instance of this SLO: the standard alert windows and
    /// those its configured alert policy reads (`AlertPolicy.windowSeconds`). Changing the
    /// policy's windows changes the layout but not the SLO's definition (`sameDefinition`): a
    /// reload re-lays the kept states (`SLOState.relaid(in:)`), a restart decodes the checkpoint
    /// into the new layout.
    public var configuration: SLOConfiguration {
        let standard = SLOConfiguration(objective: objective, period: period, budgeting: budgeting)
        return alerting.map { standard.keeping(windows: $0.windowSeconds) } ?? standard
    }

    /// Sloth's identity labels of the SLO, on every series slod records or exposes and on every
    /// alert: `sloth_id`, `sloth_service`, `sloth_slo`.
    public var slothLabels: [String: String] { ["sloth_id": id, "sloth_service": service, "sloth_slo": name] }

    /// A validated spec. `budgeting`'s timeslice options get `noData`; every rule of
    /// `SLOSpec.check*` applies, and `noData` other than `.ignore` needs a timeslice method.
    public init(service: String, name: String, description: String = "", objective: Objective, period: Period,
                budgeting: BudgetingMethod = .occurrences, sli: SLI, groupBy: [String] = [],
                maxInstances: Int = SLOSpec.defaultMaxInstances, labels: [String: String] = [:],
                noData: NoDataPolicy = .ignore, alerting: AlertPolicy? = nil, source: Source) throws(SLOConfigurationError) {
        try Self.checkIdentifier(service, subject: "service")
        try Self.checkIdentifier(name, subject: "name")
        try Self.checkSLI(sli)
        try Self.checkGroupBy(groupBy)
        try Self.checkMaxInstances(maxInstances)
        try Self.checkLabels(labels, groupBy: groupBy)
        try Self.checkNoData(noData, budgeting: budgeting)
        var method = budgeting
        switch budgeting {
        case .occurrences: break
        case .timeslices(var options):
            options.noData = noData
            try options.validate()
            method = .timeslices(options)
        case .ratioTimeslices(var options):
            options.noData = noData
            try options.validate()
            method = .ratioTimeslices(options)
        }
        self.service = service
        self.name = name
        self.description = description
        self.objective = objective
        self.period = period
        self.budgeting = method
        self.sli = sli
        self.groupBy = groupBy
        self.maxInstances = maxInstances
        self.labels = labels
        self.noData = noData
        self.source = source
        self.alerting = alerting
        try alerting?.validate(for: configuration, groupBy: groupBy)
    }
}
