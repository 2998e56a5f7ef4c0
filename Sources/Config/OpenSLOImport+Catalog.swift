import SLO

/// The OpenSLO objects of all imported files that other objects refer to by name: SLIs
/// (`indicatorRef`), DataSources (`metricSourceRef`), AlertConditions (`conditionRef`) and
/// AlertPolicies (`alertPolicyRef`). References resolve across files, in any order.
struct OpenSLOCatalog {
    var indicators: [String: OpenSLOIndicator] = [:]
    /// The `spec.type` of each DataSource (nil when it has none).
    var dataSourceTypes: [String: String?] = [:]
    var alertConditions: [String: OpenSLOAlertCondition] = [:]
    /// Each AlertPolicy as the alert tier it becomes.
    var alertPolicies: [String: AlertTierSpec] = [:]
    /// `file:line:column` of each named object by kind and name, to report a name defined twice.
    var sources: [String: String] = [:]

    /// Whether a `kind` `name` is defined, even if it had errors (already reported where it is
    /// written, so a reference to it adds no second error).
    func isDefined(kind: String, name: String) -> Bool {
        sources[kind + "/" + name] != nil
    }

    /// Records where `kind` `name` is defined; the earlier definition when it already was.
    mutating func define(kind: String, name: String, at source: String) -> String? {
        let key = kind + "/" + name
        if let earlier = sources[key] { return earlier }
        sources[key] = source
        return nil
    }
}
