import Selectors

/// The rules an `SLOSpec` obeys, one check per field so that a configuration loader can report
/// each problem at the position of the value that causes it. `SLOSpec.init` runs them all.
extension SLOSpec {
    /// Suffixes of the series a histogram family exposes, which a latency SLI must not name.
    public static let histogramSeriesSuffixes = ["_bucket", "_count", "_sum"]

    /// Services and SLO names: 1…128 bytes of `A-Z a-z 0-9 _ . -`, not starting with `.` or
    /// `-`. They become label values and the path `/api/v1/slos/{service}/{name}`, so they must
    /// need no escaping.
    public static func checkIdentifier(_ text: String, subject: String) throws(SLOConfigurationError) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 128 else {
            throw SLOConfigurationError(subject, "\"\(text)\" must be 1 to 128 characters long")
        }
        guard bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }),
              bytes[0] != UInt8(ascii: "."), bytes[0] != UInt8(ascii: "-") else {
            throw SLOConfigurationError(subject, "\"\(text)\" may only contain letters, digits, _ . and - (and not start with . or -), because it appears in label values and URL paths")
        }
    }

    /// A Prometheus label name `[a-zA-Z_][a-zA-Z0-9_]*` that is not reserved (`__…`).
    public static func checkLabelName(_ name: String, subject: String) throws(SLOConfigurationError) {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, isLetter(first) || first == UInt8(ascii: "_"),
              bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "_") }) else {
            throw SLOConfigurationError(subject, "\"\(name)\" is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)")
        }
        guard !name.hasPrefix("__") else {
            throw SLOConfigurationError(subject, "\"\(name)\" starts with __, which Prometheus reserves for internal labels")
        }
    }

    /// Output label names: valid, and not `sloth_…`, which slod writes itself (`sloth_id`,
    /// `sloth_service`, `sloth_slo`, `sloth_window`).
    public static func checkOutputLabelName(_ name: String, subject: String) throws(SLOConfigurationError) {
        try checkLabelName(name, subject: subject)
        guard !name.hasPrefix("sloth_") else {
            throw SLOConfigurationError(subject, "\"\(name)\" starts with sloth_, which slod reserves for its own labels (sloth_id, sloth_service, sloth_slo, sloth_window)")
        }
    }

    /// `group_by`: valid output label names, each once, none that alerts set themselves.
    public static func checkGroupBy(_ names: [String]) throws(SLOConfigurationError) {
        var seen: Set<String> = []
        for name in names {
            try checkGroupByLabel(name, subject: "group_by")
            guard seen.insert(name).inserted else {
                throw SLOConfigurationError("group_by", "\"\(name)\" is listed twice")
            }
        }
    }

    /// One `group_by` label (or a `by (…)` label of an imported query): a valid output label
    /// name that alerts do not set themselves.
    public static func checkGroupByLabel(_ name: String, subject: String) throws(SLOConfigurationError) {
        try checkOutputLabelName(name, subject: subject)
        try checkNotSetByAlerts(name, subject: subject)
    }

    /// A series label that every alert replaces (`AlertPolicy.labelsEveryAlertSets`): on a
    /// group label the groups' alerts would share one label set; on an SLO label the value
    /// would silently be lost on alerts.
    static func checkNotSetByAlerts(_ name: String, subject: String) throws(SLOConfigurationError) {
        guard AlertPolicy.labelsEveryAlertSets.contains(name) else { return }
        throw SLOConfigurationError(subject, "\"\(name)\" is set on every alert by slod and Prometheus (alertname: the alert's name; "
            + "alertstate: pending or firing on ALERTS and slod_alerts) and would replace this label there; choose another name")
    }

    /// `labels`: valid output label names that do not collide with a `group_by` label.
    public static func checkLabels(_ labels: [String: String], groupBy: [String]) throws(SLOConfigurationError) {
        for name in labels.keys.sorted() {
            try checkOutputLabelName(name, subject: "labels")
            try checkNotSetByAlerts(name, subject: "labels")
            guard !groupBy.contains(name) else {
                throw SLOConfigurationError("labels", "\"\(name)\" is also a group_by label; an output series cannot carry both values")
            }
        }
    }

    public static func checkMaxInstances(_ count: Int) throws(SLOConfigurationError) {
        guard count >= 1, count <= maxInstancesLimit else {
            throw SLOConfigurationError("max_instances", "\(count) must be between 1 and \(maxInstancesLimit)")
        }
    }

    /// A histogram family selector: it must fix the metric name, and the name must be the
    /// family's (as in `# TYPE`), not one of its `_bucket`/`_count`/`_sum` series.
    public static func checkHistogramFamily(_ selector: SeriesSelector) throws(SLOConfigurationError) {
        guard let name = selector.metricName else {
            throw SLOConfigurationError("histogram", "\(selector) must name the histogram metric (e.g. http_server_request_duration_seconds{…}), not only match labels")
        }
        for suffix in histogramSeriesSuffixes where name.hasSuffix(suffix) {
            let family = String(name.dropLast(suffix.utf8.count))
            throw SLOConfigurationError("histogram", "\"\(name)\" names one series of a histogram; slod matches the histogram family name as shown in `# TYPE` (here probably \"\(family)\"), and reads its buckets and count itself")
        }
    }

    /// A latency threshold: finite and positive.
    public static func checkThreshold(_ threshold: Double) throws(SLOConfigurationError) {
        guard threshold.isFinite, threshold > 0 else {
            throw SLOConfigurationError("threshold", "\(threshold) must be a finite number greater than 0 (in the histogram's unit, e.g. seconds)")
        }
    }

    public static func checkSLI(_ sli: SLI) throws(SLOConfigurationError) {
        switch sli {
        case .events(let total, let good, let bad):
            guard (good == nil) != (bad == nil) else {
                throw SLOConfigurationError("sli.events", good == nil
                    ? "needs good or bad (the good or the bad events) besides total"
                    : "has both good and bad; give exactly one of them")
            }
            for (key, selector) in [("total", total), ("good", good), ("bad", bad)] {
                guard let selector else { continue }
                try checkEventsSelector(selector, subject: "sli.events.\(key)")
            }
        case .latency(let histogram, let threshold, _):
            try checkHistogramFamily(histogram)
            try checkThreshold(threshold)
        }
    }

    /// `no_data` other than `ignore` only means something for timeslice methods: with
    /// occurrences an empty bucket has no events to count either way.
    public static func checkNoData(_ noData: NoDataPolicy, budgeting: BudgetingMethod) throws(SLOConfigurationError) {
        if case .occurrences = budgeting, noData != .ignore {
            throw SLOConfigurationError("no_data", "\(noData.rawValue) needs budgeting timeslices or ratio_timeslices; with occurrences an empty bucket has no events to count")
        }
    }

    private static func isLetter(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        isLetter(b) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    }
}
