import OTLP

// MARK: - Resource: job, instance, target_info (§3.2, §3.3)

/// What a resource contributes to Prometheus output: `job`/`instance` on every series of the
/// resource, and the labels of its `target_info` series. Computed once per resource (the sink's
/// `resource(_:)` call); owns its strings, so it may outlive the views.
struct PrometheusResourceLabels: Equatable, Sendable {
    /// `<service.namespace>/<service.name>`, or `<service.name>` without a namespace; nil when
    /// `service.name` is absent or empty (a namespace alone gives no job). No `unknown_service`
    /// default is invented here: SDKs already send `service.name=unknown_service…` themselves.
    var job: String?
    /// `service.instance.id`; nil when absent or empty (the spec's "empty instance" ≡ absent).
    var instance: String?
    /// `instance` and `job` as a canonical label list (0–2 labels).
    var identifying: [PrometheusLabel]
    /// Every other resource attribute (all but `service.name`, `service.namespace`,
    /// `service.instance.id`), translated by `PrometheusLabels.labels(from:)`.
    var otherAttributes: [PrometheusLabel]

    /// A resource with no attributes: no job, no instance, no target_info.
    static let none = PrometheusResourceLabels(job: nil, instance: nil, otherAttributes: [])

    init(job: String?, instance: String?, otherAttributes: [PrometheusLabel]) {
        self.job = job
        self.instance = instance
        self.otherAttributes = otherAttributes
        var identifying: [PrometheusLabel] = []
        if let instance { identifying.append(PrometheusLabel(name: "instance", value: instance)) }
        if let job { identifying.append(PrometheusLabel(name: "job", value: job)) }
        self.identifying = identifying
    }

    /// Translates a decoded resource. Duplicate keys: the last wins (for the `service.*` keys too).
    /// Non-string `service.*` values are stringified like any label value. The view need only be
    /// valid during the call. Cost: O(n log n) in the number of attributes.
    init(_ resource: ResourceView) {
        self.init(attributes: resource.attributes)
    }

    /// `init(_:)` for a bare attribute list.
    init(attributes: Attributes) {
        var name: AttributeValue? = nil
        var namespace: AttributeValue? = nil
        var instanceID: AttributeValue? = nil
        for attribute in attributes {
            if attribute.key == "service.name" { name = attribute.value }
            else if attribute.key == "service.namespace" { namespace = attribute.value }
            else if attribute.key == "service.instance.id" { instanceID = attribute.value }
        }
        let serviceName = name.map(PrometheusLabels.labelValue) ?? ""
        let serviceNamespace = namespace.map(PrometheusLabels.labelValue) ?? ""
        let instance = instanceID.map(PrometheusLabels.labelValue) ?? ""
        let job: String? = serviceName.isEmpty ? nil : serviceNamespace.isEmpty ? serviceName : serviceNamespace + "/" + serviceName
        let others = PrometheusLabels.labels(from: attributes) { key in
            key == "service.name" || key == "service.namespace" || key == "service.instance.id"
        }
        self.init(job: job, instance: instance.isEmpty ? nil : instance, otherAttributes: others)
    }

    /// The labels of this resource's `target_info` series (value 1), or nil if it should not be
    /// emitted. Labels: the other resource attributes, overlaid by `job`/`instance` (which win over
    /// a resource attribute that translates to the same name), overlaid by `extraLabels`; no scope
    /// labels (§3.3).
    ///
    /// When to emit differs between references (§3.3); this follows Prometheus' OTLP receiver:
    /// only if the resource has a `job` or an `instance` (target_info is joined on them, so
    /// without either it cannot be used) **and** at least one other label (otherwise it carries
    /// nothing). The Collector additionally requires both job and instance; the spec says "any
    /// non-empty resource". At most one series per (job, instance) is the caller's concern.
    func targetInfoLabels(extraLabels: [PrometheusLabel] = []) -> [PrometheusLabel]? {
        guard !identifying.isEmpty else { return nil }
        let labels = PrometheusLabels.overlay(otherAttributes, identifying)
        guard labels.contains(where: { $0.name != "job" && $0.name != "instance" }) else { return nil }
        return PrometheusLabels.overlay(labels, PrometheusLabels.canonical(extraLabels))
    }
}

// MARK: - Scope (§3.1)

/// The labels an instrumentation scope adds to every series it contains. Computed once per scope
/// (the sink's `scope(_:)` call); owns its strings.
struct PrometheusScopeLabels: Equatable, Sendable {
    /// Canonical (sorted, unique, non-empty values).
    var labels: [PrometheusLabel]

    /// No scope labels: for a daemon configured without them (the Collector's
    /// `without_scope_info: true`).
    static let none = PrometheusScopeLabels(labels: [])

    init(labels: [PrometheusLabel]) {
        self.labels = PrometheusLabels.canonical(labels)
    }

    /// `otel_scope_name` = scope name, `otel_scope_version` = scope version,
    /// `otel_scope_schema_url` = `ScopeMetrics.schema_url`, and each scope attribute as
    /// `otel_scope_<key>` label-sanitized (`labels(from:keyPrefix:)`: last of duplicate keys
    /// wins, collisions among scope attributes `;`-joined).
    ///
    /// - Empty values are omitted (an unnamed scope has no `otel_scope_name`; the Collector
    ///   writes `otel_scope_schema_url=""`, which Prometheus treats as absent anyway).
    /// - A scope attribute whose label would be one of the three fixed names (keys `name`,
    ///   `version`, `schema_url`, `schema.url`, …) is dropped, even when the fixed label is
    ///   absent because its value is empty (§3.1).
    /// - The labels are added whether or not the scope has a name (spec and Collector; Prometheus'
    ///   OTLP receiver only adds them for named scopes, and only when configured to).
    /// - No `otel_scope_info` metric (removed from the spec).
    ///
    /// The view need only be valid during the call.
    init(_ scope: ScopeView) {
        let fixedNames: Set<String> = ["otel_scope_name", "otel_scope_version", "otel_scope_schema_url"]
        var labels = PrometheusLabels.labels(from: scope.attributes, keyPrefix: "otel_scope_")
        labels.removeAll { fixedNames.contains($0.name) }
        let fixed = PrometheusLabels.canonical([
            PrometheusLabel(name: "otel_scope_name", value: scope.name.string),
            PrometheusLabel(name: "otel_scope_schema_url", value: scope.schemaURL.string),
            PrometheusLabel(name: "otel_scope_version", value: scope.version.string),
        ])
        self.labels = PrometheusLabels.overlay(labels, fixed)
    }
}
