import Foundation
import Testing
@testable import Config
import SLO
import Selectors

/// OpenSLO v1 as the specification allows it: metric sources typed by their DataSource, YAML
/// lists of objects, list-valued labels, counter readings, and alert policies mapped onto tiers.
@Suite struct OpenSLOConformanceTests {
    static func specs(_ files: [(name: String, text: String)]) throws -> [SLOSpec] {
        try SLOImport.parse(files.map { SLOImport.File(name: $0.name, bytes: Array($0.text.utf8)) }).get()
    }

    static func sel(_ text: String) throws -> SeriesSelector {
        try SeriesSelector.parse(text)
    }

    /// An SLO named s1 with an inline ratio indicator: `bad` and `total` metric sources, and
    /// `extra` lines in its spec.
    static func slo(bad: String = "{type: Prometheus, spec: {query: 'sum(rate(http_requests_total{code=~\"5..\"}[5m]))'}}",
                    total: String = "{type: Prometheus, spec: {query: 'sum(rate(http_requests_total[5m]))'}}",
                    extra: String = "", labels: String = "") -> String {
        """
        apiVersion: openslo/v1
        kind: SLO
        metadata:
          name: s1
        \(labels)spec:
          service: svc
          indicator:
            spec:
              ratioMetric:
                counter: true
                bad: {metricSource: \(bad)}
                total: {metricSource: \(total)}
          timeWindow: [{duration: 28d, isRolling: true}]
          budgetingMethod: Occurrences
          objectives: [{target: 0.999}]
        \(extra)
        """
    }

    static let prometheusDataSource = """
        apiVersion: openslo/v1
        kind: DataSource
        metadata: {name: prometheus-main}
        spec:
          type: Prometheus
          connectionDetails: {url: "http://prometheus:9090", token: {secretRef: x}}
        ---
        apiVersion: openslo/v1
        kind: DataSource
        metadata: {name: datadog}
        spec:
          type: Datadog
          connectionDetails: {site: datadoghq.eu}
        """

    // MARK: Metric sources

    @Test func typeMayBeOmittedWhenMetricSourceRefNamesADataSource() throws {
        let document = Self.slo(bad: "{metricSourceRef: prometheus-main, spec: {query: 'sum(rate(http_requests_total{code=~\"5..\"}[5m]))'}}",
                                total: "{metricSourceRef: prometheus-main, spec: {metric: http_requests_total}}")
        // The DataSource may come from another file, in any order.
        let spec = try #require(try Self.specs([("slo.yaml", document), ("sources.yaml", Self.prometheusDataSource)]).first)
        #expect(spec.sli == .events(total: try Self.sel("http_requests_total"), good: nil, bad: try Self.sel(#"http_requests_total{code=~"5.."}"#)))
    }

    /// (bad metric source, position, message).
    @Test(arguments: [
        ("{metricSourceRef: datadog, spec: {metric: x}}", "11:47",
         #"SLO s1.spec.indicator.spec.ratioMetric.bad.metricSource.metricSourceRef: metric source type "Datadog" (of DataSource "datadog") is not supported"#),
        ("{metricSourceRef: nowhere, spec: {metric: x}}", "11:47",
         #"SLO s1.spec.indicator.spec.ratioMetric.bad.metricSource.metricSourceRef: no kind DataSource named "nowhere" in the imported files"#),
        ("{spec: {metric: x}}", "11:29", "SLO s1.spec.indicator.spec.ratioMetric.bad.metricSource: needs type (type: Prometheus) or metricSourceRef"),
    ])
    func metricSourcesWithoutAUsableTypeAreRefused(_ bad: String, _ position: String, _ message: String) {
        let errors = ImportTests.importErrors(Self.slo(bad: bad) + "\n---\n" + Self.prometheusDataSource)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.hasPrefix("slo.yaml:\(position): \(message)") == true, "\(errors)")
    }

    /// `counter: true` queries that read the counters, and what slod counts for them.
    @Test(arguments: [
        ("http_requests_total{code=~\"5..\"}", "http_requests_total{code=~\"5..\"}", [String]()),
        ("sum(http_requests_total{code=~\"5..\"})", "http_requests_total{code=~\"5..\"}", []),
        ("sum by (route) (http_requests_total{code=~\"5..\"})", "http_requests_total{code=~\"5..\"}", ["route"]),
        ("sum(http_requests_total{code=~\"5..\"}) by (route)", "http_requests_total{code=~\"5..\"}", ["route"]),
        ("sum(rate(http_requests_total{code=~\"5..\"}[1m])) by (route)", "http_requests_total{code=~\"5..\"}", ["route"]),
        ("{__name__=\"http_requests_total\", code=~\"5..\"}", "http_requests_total{code=~\"5..\"}", []),
    ])
    func counterReadingsCountTheirSelector(_ query: String, _ selector: String, _ groupBy: [String]) throws {
        let total = groupBy.isEmpty ? "http_requests_total" : "sum by (route) (http_requests_total)"
        let document = Self.slo(bad: "{type: Prometheus, spec: {query: '\(query)'}}", total: "{type: Prometheus, spec: {query: '\(total)'}}")
        let spec = try #require(try Self.specs([("slo.yaml", document)]).first)
        #expect(spec.sli == .events(total: try Self.sel("http_requests_total"), good: nil, bad: try Self.sel(selector)))
        #expect(spec.groupBy == groupBy)
    }

    /// Bucket selections are kept as written (slod counts `_bucket{le=…}` series).
    /// A query whose selector's string never closes is refused at its opening quote, on the
    /// counter readings (a bare selector trapped reading past the end) and under sum(…): the
    /// fuzz seed holding them gives these errors.
    @Test func unterminatedStringsInQueriesArePlacedAtTheQuote() throws {
        let root = try #require(repositoryRoot(), "repository root not found above \(#filePath)")
        let name = "openslo-unterminated-string.yaml"
        let bytes = try #require(readFile(root + "/Tests/Fuzz/corpus/yaml/" + name), "cannot read \(name)")
        let errors = ImportTests.importErrors(String(decoding: bytes, as: UTF8.self), file: name)
        let query = "spec.indicator.spec.ratioMetric"
        let expected = [
            "10:69: SLO bare-selector.\(query).bad.metricSource.spec.query: unterminated string in the selector",
            "11:68: SLO bare-selector.\(query).total.metricSource.spec.query: unterminated string in the selector",
            "25:74: SLO summed-selector.\(query).good.metricSource.spec.query: unterminated string in the selector",
            "26:80: SLO summed-selector.\(query).total.metricSource.spec.query: unterminated string in the selector",
        ]
        #expect(errors.count == expected.count, "\(errors)")
        for prefix in expected {
            #expect(errors.contains { $0.hasPrefix("\(name):\(prefix)") }, "\(prefix) not in \(errors)")
        }
    }

    @Test func bucketSelectorsAreKept() throws {
        let document = Self.slo(bad: "{type: Prometheus, spec: {query: 'sum(rate(latency_seconds_bucket{le=\"0.4\",route=\"/pay\"}[5m]))'}}",
                                total: "{type: Prometheus, spec: {query: 'sum(rate(latency_seconds_count{route=\"/pay\"}[5m]))'}}")
            .replacingOccurrences(of: "bad: {", with: "good: {")
        let spec = try #require(try Self.specs([("slo.yaml", document)]).first)
        #expect(spec.sli == .events(total: try Self.sel(#"latency_seconds_count{route="/pay"}"#),
                                    good: try Self.sel(#"latency_seconds_bucket{le="0.4",route="/pay"}"#), bad: nil))
    }

    // MARK: Documents and metadata

    @Test func aYAMLListOfObjectsIsImported() throws {
        let list = """
            - apiVersion: openslo/v1
              kind: SLI
              metadata: {name: errors}
              spec:
                ratioMetric:
                  counter: true
                  bad: {metricSource: {type: Prometheus, spec: {metric: 'http_requests_total{code=~"5.."}'}}}
                  total: {metricSource: {type: Prometheus, spec: {metric: http_requests_total}}}
            - apiVersion: openslo/v1
              kind: SLO
              metadata: {name: availability}
              spec:
                service: svc
                indicatorRef: errors
                timeWindow: [{duration: 4w, isRolling: true}]
                budgetingMethod: Occurrences
                objectives: [{targetPercent: 99.9}]
            """
        let specs = try Self.specs([("list.yaml", list)])
        #expect(specs.map(\.id) == ["svc-availability"])
        #expect(specs.first?.source.description == "list.yaml:9:3")
        #expect(specs.first?.sli == .events(total: try Self.sel("http_requests_total"), good: nil, bad: try Self.sel(#"http_requests_total{code=~"5.."}"#)))
    }

    @Test func listValuedLabelsAreJoined() throws {
        let labels = "  labels:\n    team: [identity, rbac]\n    tier: [tier-1]\n    organization: acme\n"
        let spec = try #require(try Self.specs([("slo.yaml", Self.slo(labels: labels))]).first)
        #expect(spec.labels == ["team": "identity,rbac", "tier": "tier-1", "organization": "acme"])
        let nested = ImportTests.importErrors(Self.slo(labels: "  labels:\n    team: [[a]]\n"))
        #expect(nested == ["slo.yaml:6:12: SLO s1.metadata.labels.team[0]: expected a scalar, got a sequence"], "\(nested)")
    }

    // MARK: Alert policies

    static let policies = """
        apiVersion: openslo/v1
        kind: AlertCondition
        metadata: {name: fast-burn}
        spec:
          description: 2 % of the budget in an hour
          severity: critical
          condition: {kind: burnrate, op: gt, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m}
        ---
        apiVersion: openslo/v1
        kind: AlertPolicy
        metadata: {name: page-fast}
        spec:
          alertWhenBreaching: true
          alertWhenResolved: true
          conditions: [{conditionRef: fast-burn}]
          notificationTargets: [{targetRef: pager}]
        ---
        apiVersion: openslo/v1
        kind: AlertNotificationTarget
        metadata: {name: pager}
        spec: {target: pagerduty}
        """

    static let inlinePolicy = """
          alertPolicies:
            - alertPolicyRef: page-fast
            - kind: AlertPolicy
              metadata: {name: ticket-slow}
              spec:
                conditions:
                  - kind: AlertCondition
                    metadata: {name: slow-burn}
                    spec:
                      severity: warning
                      condition: {op: gte, threshold: 1, lookbackWindow: 3d}
                notificationTargets:
                  - kind: AlertNotificationTarget
                    metadata: {name: mail}
                    spec: {target: email}
            - kind: AlertPolicy
              metadata: {name: muted}
              spec:
                alertWhenBreaching: false
                conditions: [{conditionRef: fast-burn}]
        """

    @Test func alertPoliciesBecomeTheSLOsTiers() throws {
        let spec = try #require(try Self.specs([("slo.yaml", Self.slo(extra: Self.inlinePolicy)), ("policies.yaml", Self.policies)]).first)
        let policy = try #require(spec.alerting)
        #expect(policy.tiers == [
            AlertTierSpec(name: "page-fast", severity: "critical",
                          conditions: [BurnRateCondition(longSeconds: 3_600, shortSeconds: 300, factor: 14.4)], forSeconds: 300),
            AlertTierSpec(name: "ticket-slow", severity: "warning",
                          conditions: [BurnRateCondition(longSeconds: 259_200, shortSeconds: 21_600, factor: 1)]),
            AlertTierSpec(name: "muted", severity: "critical",
                          conditions: [BurnRateCondition(longSeconds: 3_600, shortSeconds: 300, factor: 14.4)], forSeconds: 300, enabled: false),
        ])
        #expect(policy.alertName == AlertPolicy.defaultAlertName)
        #expect(policy.minEvents == AlertPolicy.workbook(for: spec.configuration).minEvents)
        let rules = SlothImportTests.alertRules([spec])
        #expect(rules.count == 2)
        #expect(rules[0].contains("      sloth_severity: \"page-fast\"\n") && rules[0].contains("    for: 5m\n"), "\(rules[0])")
        #expect(rules[0].contains("slo:sli_error:ratio_rate1h") && rules[0].contains("slo:sli_error:ratio_rate5m"), "\(rules[0])")
        #expect(rules[1].contains("      sloth_severity: \"ticket-slow\"\n") && !rules[1].contains("for:"), "\(rules[1])")
    }

    @Test func withoutAlertPoliciesTheDefaultApplies() throws {
        let spec = try #require(try Self.specs([("slo.yaml", Self.slo()), ("policies.yaml", Self.policies)]).first)
        #expect(spec.alerting == nil)
        #expect(spec.alertPolicy.tiers.map(\.name) == ["page", "ticket"])
    }

    static func policyWith(_ condition: String, policy: String = "") -> String {
        """
        apiVersion: openslo/v1
        kind: AlertPolicy
        metadata: {name: p}
        spec:
        \(policy)  conditions:
            - kind: AlertCondition
              metadata: {name: c}
              spec:
                severity: page
                condition: \(condition)
          notificationTargets: [{targetRef: pager}]
        """
    }

    /// `lookbackWindow` is refused where it is written when it or its short window (1/12 of it)
    /// is not a window the SLO's buckets answer exactly, saying which and why.
    @Test(arguments: [
        ("13m", "lookbackWindow 13m gives a short window of 1m5s (1/12 of it), which must be a multiple of 10s, the resolution of windows of its length; use a multiple of 2m"),
        ("1m", "lookbackWindow 1m gives a short window of 5s (1/12 of it), which must be at least 1m; use at least 12m"),
        ("11m", "lookbackWindow 11m gives a short window of 55s (1/12 of it), which must be at least 1m"),
        ("59m50s", "lookbackWindow 59m50s has no whole short window: slod confirms the burn rate over 1/12 of it; use a multiple of 2m"),
        ("6h2m", "lookbackWindow 6h2m is the long window: window 6h2m must be a multiple of 5m, the resolution of windows of its length; use a multiple of 10m"),
        ("36d", "lookbackWindow 36d is the long window: window 36d must be between 1m and 35d"),
    ])
    func lookbackWindowsWithoutAnExactShortWindowAreRefused(_ window: String, _ message: String) {
        let errors = ImportTests.importErrors(Self.slo(extra: "  alertPolicies: [{alertPolicyRef: p}]") + "\n---\n"
            + Self.policyWith("{op: gt, threshold: 2, lookbackWindow: \(window)}"))
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.hasPrefix("slo.yaml:27:59: AlertPolicy p.spec.conditions[0].spec.condition.lookbackWindow: \(message)") == true, "\(errors)")
    }

    @Test func theShortestLookbackWindowIs12m() throws {
        let documents = Self.slo(extra: "  alertPolicies: [{alertPolicyRef: p}]") + "\n---\n" + Self.policyWith("{op: gt, threshold: 2, lookbackWindow: 12m}")
        let spec = try #require(try Self.specs([("slo.yaml", documents)]).first)
        #expect(spec.alerting?.tiers.first?.conditions == [BurnRateCondition(longSeconds: 720, shortSeconds: 60, factor: 2)])
    }

    /// The header around an inline object's spec is checked before the spec is decoded: an
    /// inline indicator has no kind, an inline policy or condition names its own kind and has
    /// a metadata.name. (change of the SLO document, errors.)
    @Test(arguments: [
        (("  indicator:\n    spec:", "  indicator:\n    kind: SLI\n    spec:"), [#"slo.yaml:8:5: SLO s1.spec.indicator.kind: unknown key "kind" (known keys: metadata, spec)"#]),
        (("    - kind: AlertPolicy\n      metadata: {name: muted}", "    - kind: AlertCondition\n      metadata: {name: muted}"),
         [#"slo.yaml:31:13: SLO s1.spec.alertPolicies[2].kind: expected kind: AlertPolicy, got "AlertCondition""#]),
        (("      metadata: {name: ticket-slow}\n", ""), [#"slo.yaml:18:7: SLO s1.spec.alertPolicies[1]: missing required key "metadata""#]),
        (("          - kind: AlertCondition\n", "          - kind: AlertPolicy\n"),
         [#"slo.yaml:22:19: SLO s1.spec.alertPolicies[1].spec.conditions[0].kind: expected kind: AlertCondition, got "AlertPolicy""#]),
        (("          metadata: {name: slow-burn}\n", "          metadata: {displayName: slow}\n"),
         [#"slo.yaml:23:23: SLO s1.spec.alertPolicies[1].spec.conditions[0].metadata: missing required key "name""#]),
    ])
    func inlineObjectHeadersAreChecked(_ change: (String, String), _ expected: [String]) throws {
        let document = Self.slo(extra: Self.inlinePolicy)
        #expect(document.contains(change.0))
        let errors = ImportTests.importErrors(document.replacingOccurrences(of: change.0, with: change.1) + "\n---\n" + Self.policies)
        #expect(errors == expected)
    }

    /// A reference to an object that has errors reports those errors only, not a second
    /// "no such object" for each reference.
    @Test func referencesToBrokenObjectsAddNoError() {
        let brokenPolicy = Self.slo(extra: "  alertPolicies: [{alertPolicyRef: p}]") + "\n---\n" + Self.policyWith("{op: lt, threshold: 2, lookbackWindow: 1h}")
        let errors = ImportTests.importErrors(brokenPolicy)
        #expect(errors.count == 1 && errors[0].hasPrefix(#"slo.yaml:27:25: AlertPolicy p.spec.conditions[0].spec.condition.op: op "lt""#), "\(errors)")
        let brokenCondition = Self.policyWith("{op: gt, threshold: 2, lookbackWindow: 1h}")
            .replacingOccurrences(of: "    - kind: AlertCondition\n      metadata: {name: c}\n      spec:\n        severity: page\n        condition: {op: gt, threshold: 2, lookbackWindow: 1h}",
                                  with: "    - conditionRef: c")
            + "\n---\napiVersion: openslo/v1\nkind: AlertCondition\nmetadata: {name: c}\nspec: {severity: page, condition: {op: gt, threshold: 2}}\n"
        #expect(ImportTests.importErrors(brokenCondition) == [#"slo.yaml:12:35: AlertCondition c.spec.condition: missing required key "lookbackWindow""#])
    }

    /// What cannot be mapped, refused where it is written: (documents, position, key path and message).
    @Test(arguments: [
        (policyWith("{op: lte, threshold: 2, lookbackWindow: 1h}"), "10:25",
         #"AlertPolicy p.spec.conditions[0].spec.condition.op: op "lte" alerts while the burn rate is below the threshold"#),
        (policyWith("{kind: errorbudget, op: gt, threshold: 2, lookbackWindow: 1h}"), "10:27",
         #"AlertPolicy p.spec.conditions[0].spec.condition.kind: alert condition kind "errorbudget" is not supported"#),
        (policyWith("{op: gt, threshold: 2, lookbackWindow: 1M}"), "10:59",
         #"AlertPolicy p.spec.conditions[0].spec.condition.lookbackWindow: expected a duration of at least 12m"#),
        (policyWith("{op: gt, threshold: -1, lookbackWindow: 1h}"), "10:40",
         #"AlertPolicy p.spec.conditions[0].spec.condition.threshold: expected a burn rate greater than 0"#),
        (policyWith("{op: gt, threshold: 2, lookbackWindow: 1h, alertAfter: soon}"), "10:75",
         #"AlertPolicy p.spec.conditions[0].spec.condition.alertAfter: expected a duration of at most 7d"#),
        (policyWith("{op: gt, threshold: 2, lookbackWindow: 1h}", policy: "  alertWhenNoData: true\n"), "5:20",
         "AlertPolicy p.spec.alertWhenNoData: alerting when there is no data is not supported"),
        (policyWith("{op: gt, threshold: 2, lookbackWindow: 1h}").replacingOccurrences(of: "  notificationTargets", with: "    - conditionRef: c\n  notificationTargets"), "6:5",
         "AlertPolicy p.spec.conditions: expected a list with exactly one condition"),
        ("apiVersion: openslo/v1\nkind: AlertPolicy\nmetadata: {name: p}\nspec:\n  conditions: [{conditionRef: nope}]\n", "5:31",
         #"AlertPolicy p.spec.conditions[0].conditionRef: no kind AlertCondition named "nope" in the imported files"#),
        (slo(extra: "  alertPolicies: [nope]"), "16:19", #"SLO s1.spec.alertPolicies[0]: expected {alertPolicyRef: name} or an inline AlertPolicy, got a plain scalar; a plain name is OpenSLO v1alpha's form, in v1 write {alertPolicyRef: nope}"#),
        (slo(extra: "  alertPolicies: [{alertPolicyRef: nope}]"), "16:36", #"SLO s1.spec.alertPolicies[0].alertPolicyRef: no kind AlertPolicy named "nope" in the imported files"#),
        (slo(extra: "  alertPolicies: [{alertPolicyRef: p}, {alertPolicyRef: p}]") + "\n---\n" + policyWith("{op: gt, threshold: 2, lookbackWindow: 1h}"), "16:40",
         #"SLO s1.spec.alertPolicies[1]: alert policy "p" is listed twice"#),
        (slo(extra: "  alertPolicies: [{alertPolicyRef: p}]") + "\n---\n" + policyWith("{op: gt, threshold: 1500, lookbackWindow: 1h}"), "16:18",
         "SLO s1.spec.alertPolicies: tier p: a burn rate above 1500.0× can never be reached"),
    ])
    func unmappableAlertingIsRefused(_ documents: String, _ position: String, _ message: String) {
        let errors = ImportTests.importErrors(documents)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.hasPrefix("slo.yaml:\(position): \(message)") == true, "\(errors)")
    }
}
