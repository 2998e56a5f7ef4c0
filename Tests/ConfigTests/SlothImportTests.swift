import Foundation
import Testing
@testable import Config
import SLO
import Selectors

/// Sloth files as users write them: `alerting:` mapped onto the alert policy, the Kubernetes
/// `PrometheusServiceLevel` resource, `AlertWindows` documents, and what stays refused.
@Suite struct SlothImportTests {
    static let thirtyDays: Int64 = 30 * 86_400

    static func specs(_ files: [(name: String, text: String)]) throws -> [SLOSpec] {
        try SLOImport.parse(files.map { SLOImport.File(name: $0.name, bytes: Array($0.text.utf8)) }).get()
    }

    static func errors(_ text: String, file: String = "slo.yaml") -> [String] {
        ImportTests.importErrors(text, file: file)
    }

    /// The alert rules of `slod rules` for `specs`, one string per rule.
    static func alertRules(_ specs: [SLOSpec]) -> [String] {
        RuleGenerator().yaml(for: specs).components(separatedBy: "\n  - ").filter { $0.hasPrefix("alert: ") }
    }

    static func workbook(percent: String) throws -> AlertPolicy {
        AlertPolicy.workbook(for: SLOConfiguration(objective: try Objective(percent: percent), period: .rolling(seconds: thirtyDays)))
    }

    /// A prometheus/v1 file with one SLO whose `alerting:` is `alerting` (indented by 4).
    static func prometheusV1(alerting: String) -> String {
        """
        version: prometheus/v1
        service: checkout
        slos:
          - name: availability
            objective: 99.9
            sli:
              events:
                error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
                total_query: sum(rate(http_requests_total[{{.window}}]))
        \(alerting)
        """
    }

    @Test func alertingMapsOntoThePolicyAndItsTiers() throws {
        let text = Self.prometheusV1(alerting: """
                alerting:
                  name: CheckoutAvailability
                  labels: {category: availability, team: payments}
                  annotations: {runbook: "https://runbooks.example/checkout"}
                  page_alert:
                    labels: {severity: critical, routing_key: payments}
                    annotations: {summary: "Checkout is burning its budget fast"}
                  ticket_alert:
                    labels: {severity: warning}
            """)
        let spec = try #require(try Self.specs([("slo.yaml", text)]).first)
        var expected = try Self.workbook(percent: "99.9")
        expected.alertName = "CheckoutAvailability"
        expected.labels = ["category": "availability", "team": "payments"]
        expected.annotations = ["runbook": "https://runbooks.example/checkout"]
        expected.tiers[0].labels = ["severity": "critical", "routing_key": "payments"]
        expected.tiers[0].annotations = ["summary": "Checkout is burning its budget fast"]
        expected.tiers[1].labels = ["severity": "warning"]
        #expect(spec.alerting == expected)
        #expect(spec.alertPolicy.tiers.map(\.enabled) == [true, true])
        #expect(Self.alertRules([spec]).count == 2)
        #expect(Self.alertRules([spec]).allSatisfy { $0.hasPrefix("alert: \"CheckoutAvailability\"\n") })
    }

    @Test func withoutAlertingTheDefaultPolicyApplies() throws {
        let spec = try #require(try Self.specs([("slo.yaml", Self.prometheusV1(alerting: ""))]).first)
        #expect(spec.alerting == nil)
        #expect(Self.alertRules([spec]).count == 2)
    }

    /// Sloth's `disable: true` turns the alert off: the tier is disabled and `slod rules` writes no
    /// alert for it (slod used to generate it, and it fired).
    @Test(arguments: [
        ("page_alert: {disable: true}", [false, true]),
        ("ticket_alert: {disable: true}", [true, false]),
        ("page_alert: {disable: true}\n      ticket_alert: {disable: true}", [false, false]),
        ("page_alert: {disable: false}\n      ticket_alert: {labels: {severity: warning}}", [true, true]),
    ])
    func disabledAlertsGenerateNoRule(_ alerts: String, _ enabled: [Bool]) throws {
        let spec = try #require(try Self.specs([("slo.yaml", Self.prometheusV1(alerting: "    alerting:\n      name: A\n      " + alerts))]).first)
        #expect(spec.alertPolicy.tiers.map(\.name) == ["page", "ticket"])
        #expect(spec.alertPolicy.tiers.map(\.enabled) == enabled)
        let rules = Self.alertRules([spec])
        #expect(rules.count == enabled.filter { $0 }.count)
        for (tier, on) in zip(["page", "ticket"], enabled) {
            #expect(rules.contains { $0.contains("      sloth_severity: \"\(tier)\"\n") } == on, "\(rules)")
        }
    }

    /// An alert label that is one of the SLO's group_by labels is refused at the label's key
    /// (alert labels and the SLO's own labels alike).
    @Test func groupByLabelAmongTheAlertLabelsIsRefusedAtItsKey() {
        let text = Self.prometheusV1(alerting: """
                alerting:
                  labels: {team: payments, route: checkout}
                  page_alert:
                    labels: {sloth_tier: fast}
            """).replacingOccurrences(of: "sum(rate(", with: "sum by (route) (rate(")
        let errors = Self.errors(text)
        #expect(errors.count == 2, "\(errors)")
        #expect(errors.first?.hasPrefix(#"slo.yaml:11:32: slos[0] (checkout/availability).alerting.labels.route: "route" is a group_by label of this SLO"#) == true, "\(errors)")
        #expect(errors.last?.hasPrefix(#"slo.yaml:13:18: slos[0] (checkout/availability).alerting.page_alert.labels.sloth_tier: "sloth_tier" starts with sloth_"#) == true, "\(errors)")
    }

    /// (alerting lines, position, message fragment).
    @Test(arguments: [
        ("    alerting:\n      disable: true\n", "11:7", "Sloth's alerting has no disable of its own"),
        ("    alerting:\n      page_alert: {disable: yes}\n", "11:29", #"expected true or false, got "yes""#),
        ("    alerting:\n      labels: {bad-name: x}\n", "11:16", #""bad-name" is not a Prometheus label name"#),
        ("    alerting:\n      ticket_alert: {annotations: {\"a b\": x}}\n", "11:36", #""a b" is not a Prometheus label name"#),
        ("    alerting:\n      page_alert: {silence: true}\n", "11:20", #"unknown key "silence""#),
        ("    alerting: [page]\n", "10:15", "expected a mapping (name, labels, annotations, page_alert, ticket_alert)"),
        ("    alerting:\n      name: ''\n", "11:13", "must not be empty"),
        ("    alerting:\n      labels: {sloth_x: a}\n", "11:16", #""sloth_x" starts with sloth_"#),
        ("    alerting:\n      page_alert: {labels: {alertname: A}}\n", "11:29", #""alertname" is the alert's name"#),
        ("    alerting:\n      ticket_alert:\n        labels: {alertstate: x}\n", "12:18", #""alertstate" is the pending/firing label"#),
        ("    alerting:\n      labels: {team: '{{ $labels.team }}'}\n", "11:16", "holds a template"),
    ])
    func alertingProblemsArePlaced(_ alerting: String, _ position: String, _ fragment: String) {
        let errors = Self.errors(Self.prometheusV1(alerting: alerting))
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.hasPrefix("slo.yaml:\(position): slos[0] (checkout/availability).alerting") == true, "\(errors)")
        #expect(errors.first?.contains(fragment) == true, "\(errors)")
    }

    // MARK: Kubernetes resource

    /// The `spec` of two Sloth resources, in the Kubernetes spelling (camelCase keys).
    static let checkoutSpec = """
        service: "checkout"
        labels:
          owner: "payments-team"
        slos:
          - name: "requests-availability"
            objective: 99.9
            description: "Checkout requests are served without server errors."
            labels: {category: availability}
            sli:
              events:
                errorQuery: sum(rate(http_requests_total{job="checkout",code=~"(5..|429)"}[{{.window}}]))
                totalQuery: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
            alerting:
              name: CheckoutHighErrorRate
              labels: {category: availability}
              annotations: {summary: "High error rate on checkout"}
              pageAlert:
                labels: {severity: pageteam, routing_key: payments}
              ticketAlert:
                disable: true
          - name: "route-latency"
            objective: 99
            sli:
              events:
                errorQuery: sum by (http_route) (rate(http_slow_requests_total{job="checkout"}[{{.window}}]))
                totalQuery: sum(rate(http_requests_total{job="checkout"}[{{.window}}])) by (http_route)
        """
    static let searchSpec = """
        service: search
        slos:
          - name: availability
            objective: 99.5
            sli:
              events:
                errorQuery: sum(rate(search_errors_total[{{.window}}]))
                totalQuery: sum(rate(search_requests_total[{{.window}}]))
        """

    static func indented(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }

    /// Both resources in one manifest, as kubectl applies them.
    static let kubernetesManifest = """
        # Two resources in one manifest.
        apiVersion: sloth.slok.dev/v1
        kind: PrometheusServiceLevel
        metadata:
          name: sloth-slo-checkout
          namespace: monitoring
          labels: {app.kubernetes.io/part-of: shop}
        spec:
        \(indented(checkoutSpec))
        status:
          processedSLOs: 2
        ---
        apiVersion: sloth.slok.dev/v1
        kind: PrometheusServiceLevel
        metadata: {name: sloth-slo-search}
        spec:
        \(indented(searchSpec))
        """

    /// The same SLOs as Sloth prometheus/v1 documents: the specs with snake_case keys.
    static let prometheusV1Twins = [checkoutSpec, searchSpec].map { spec in
        [("errorQuery", "error_query"), ("totalQuery", "total_query"), ("pageAlert", "page_alert"), ("ticketAlert", "ticket_alert")]
            .reduce("version: prometheus/v1\n" + spec) { $0.replacingOccurrences(of: $1.0 + ":", with: $1.1 + ":") }
    }.joined(separator: "\n---\n")

    /// `spec` as if defined at `source`: specs equal in everything but where they were written.
    static func relocated(_ spec: SLOSpec, to source: SLOSpec.Source) throws -> SLOSpec {
        try SLOSpec(service: spec.service, name: spec.name, description: spec.description, objective: spec.objective,
                    period: spec.period, budgeting: spec.budgeting, sli: spec.sli, groupBy: spec.groupBy,
                    maxInstances: spec.maxInstances, labels: spec.labels, noData: spec.noData, alerting: spec.alerting, source: source)
    }

    @Test func kubernetesResourceImportsLikeItsPrometheusV1Twin() throws {
        let kubernetes = try Self.specs([("k8s.yaml", Self.kubernetesManifest)])
        let twins = try Self.specs([("sloth.yaml", Self.prometheusV1Twins)])
        #expect(kubernetes.map(\.id) == ["checkout-requests-availability", "checkout-route-latency", "search-availability"])
        #expect(kubernetes.map(\.source.description) == ["k8s.yaml:13:7", "k8s.yaml:29:7", "k8s.yaml:44:7"])
        let here = SLOSpec.Source(file: "x", line: 1, column: 1)
        let (relocatedKubernetes, relocatedTwins) = (try kubernetes.map { try Self.relocated($0, to: here) }, try twins.map { try Self.relocated($0, to: here) })
        #expect(relocatedKubernetes == relocatedTwins)
        // The rules name where each SLO was defined in a comment; otherwise they are the same bytes.
        #expect(RuleGenerator().yaml(for: relocatedKubernetes) == RuleGenerator().yaml(for: relocatedTwins))
        // The mapping itself, so that equal-but-empty imports cannot pass.
        #expect(kubernetes[0].alerting?.alertName == "CheckoutHighErrorRate")
        #expect(kubernetes[0].alertPolicy.tiers.map(\.enabled) == [true, false])
        #expect(kubernetes[0].alertPolicy.tiers[0].labels == ["severity": "pageteam", "routing_key": "payments"])
        #expect(kubernetes[0].labels == ["owner": "payments-team", "category": "availability"])
        #expect(kubernetes[1].groupBy == ["http_route"])
        #expect(kubernetes[1].sli == .events(total: try SeriesSelector.parse(#"http_requests_total{job="checkout"}"#), good: nil,
                                             bad: try SeriesSelector.parse(#"http_slow_requests_total{job="checkout"}"#)))
        #expect(Self.alertRules(kubernetes).count == 1 + 2 + 2)
    }

    static func kubernetes(_ slo: String, group: String = "") -> String {
        """
        apiVersion: sloth.slok.dev/v1
        kind: PrometheusServiceLevel
        metadata: {name: x}
        spec:
          service: svc
        \(group)  slos:
            - name: a
              objective: 99.9
        \(slo)
        """
    }

    /// Kubernetes resources refused with the camelCase construct named: (document, position, key path, fragment).
    @Test(arguments: [
        (kubernetes("      sli: {raw: {errorRatioQuery: 'x'}}"), "9:13", "spec.slos[0] (svc/a).sli.raw", "raw SLIs (errorRatioQuery) are not supported"),
        (kubernetes("      sli: {plugin: {id: sloth-common/availability}}"), "9:13", "spec.slos[0] (svc/a).sli.plugin", "use events with errorQuery and totalQuery"),
        (kubernetes("      sli: {events: {error_query: 'sum(rate(x_total[{{.window}}]))', totalQuery: 'sum(rate(y_total[{{.window}}]))'}}"), "9:21",
         "spec.slos[0] (svc/a).sli.events", #"missing required key "errorQuery""#),
        (kubernetes("      sli: {events: {errorQuery: 'sum(rate(x_total[{{.window}}]))', totalQuery: 'sum(rate(y_total[{{.window}}]))'}}",
                    group: "  sloPlugins: {chain: [{id: x}]}\n"), "6:3", "spec.sloPlugins", "Sloth SLO plugins are not supported"),
        (kubernetes("      sli: {events: {errorQuery: 'sum(rate(x_total[{{.window}}]))', totalQuery: 'sum(rate(y_total[{{.window}}]))'}}\n      alerting: {page_alert: {disable: true}}"),
         "10:18", "spec.slos[0] (svc/a).alerting.page_alert", #"unknown key "page_alert"; did you mean "pageAlert"?"#),
        ("apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevelList\n", "2:7", "kind", #"unknown Sloth kind "PrometheusServiceLevelList""#),
    ])
    func kubernetesConstructsAreNamedInCamelCase(_ document: String, _ position: String, _ keyPath: String, _ fragment: String) {
        let errors = Self.errors(document)
        #expect(errors.count >= 1, "\(errors)")
        #expect(errors.first?.hasPrefix("slo.yaml:\(position): \(keyPath): ") == true, "\(errors)")
        #expect(errors.first?.contains(fragment) == true, "\(errors)")
    }

    // MARK: AlertWindows

    static func alertWindows(period: String = "30d", page: (String, String, String, String), ticket: (String, String, String, String)) -> String {
        func tier(_ w: (String, String, String, String)) -> String {
            """
                quick:
                  errorBudgetPercent: \(w.0)
                  shortWindow: \(w.1.split(separator: "/")[1])
                  longWindow: \(w.1.split(separator: "/")[0])
                slow:
                  errorBudgetPercent: \(w.2)
                  shortWindow: \(w.3.split(separator: "/")[1])
                  longWindow: \(w.3.split(separator: "/")[0])
            """
        }
        return """
            apiVersion: sloth.slok.dev/v1
            kind: AlertWindows
            spec:
              sloPeriod: \(period)
              page:
            \(tier(page))
              ticket:
            \(tier(ticket))
            """
    }

    /// Sloth's default 30-day windows (internal/alert/windows/google-30d.yaml).
    static let defaultWindows = alertWindows(page: ("2", "1h/5m", "5", "6h/30m"), ticket: ("10", "1d/2h", "10", "3d/6h"))
    /// Sloth's examples/windows/custom-30d.yaml.
    static let customWindows = alertWindows(page: ("1", "30m/2m", "2", "3h/15m"), ticket: ("5", "12h/1h", "5", "36h/3h"))

    static func decodeWindows(_ text: String) throws -> SlothAlertWindows {
        var decoding = SLODecoding(file: "w.yaml", bytes: Array(text.utf8), timeZones: .utcOnly)
        let node = try #require(try YAML.parse(Array(text.utf8)).first)
        let windows = decoding.decodeSlothAlertWindows(node)
        #expect(decoding.errors.isEmpty, "\(decoding.errors)")
        return try #require(windows)
    }

    @Test func defaultWindowsGiveTheWorkbookPolicy() throws {
        let files = [("windows.yaml", Self.defaultWindows), ("slo.yaml", Self.prometheusV1(alerting: "    alerting: {name: A, ticket_alert: {disable: true}}"))]
        let spec = try #require(try Self.specs(files).first)
        var expected = try Self.workbook(percent: "99.9")
        expected.alertName = "A"
        expected.tiers[1].enabled = false
        #expect(spec.alerting == expected)
        #expect(spec.alerting?.tiers.flatMap(\.conditions).map(\.factor) == [14.4, 6, 3, 1])
    }

    @Test func windowsApplyToEverySlothSLOOfThePeriod() throws {
        // Standard windows with other budgets: 1 % in 1h is 7.2×, 3 % in 6h 3.6×, 5 % in 1d 1.5×, 10 % in 3d 1×.
        let windows = Self.alertWindows(page: ("1", "1h/5m", "3", "6h/30m"), ticket: ("5", "1d/2h", "10", "3d/6h"))
        let files = [("slo.yaml", Self.prometheusV1(alerting: "")), ("k8s.yaml", Self.kubernetesManifest), ("windows.yaml", windows)]
        let specs = try Self.specs(files)
        #expect(specs.count == 4)
        for spec in specs {
            let factors = spec.alertPolicy.tiers.map { $0.conditions.map(\.factor) }
            #expect(factors == [[7.2, 3.6], [1.5, 1]], "\(spec.id)")
            #expect(spec.alertPolicy.tiers.map { $0.conditions.map(\.longSeconds) } == [[3_600, 21_600], [86_400, 259_200]])
        }
        #expect(specs[1].alertPolicy.alertName == "CheckoutHighErrorRate")
        #expect(specs[1].alertPolicy.tiers.map(\.enabled) == [true, false])
        #expect(Self.alertRules([specs[0]]).first?.contains("> (7.2 * 0.001)") == true)
    }

    @Test func customWindowsFactorsAreSloths() throws {
        let custom = try Self.decodeWindows(Self.customWindows)
        #expect(custom.periodSeconds == Self.thirtyDays)
        #expect(custom.page == [BurnRateCondition(longSeconds: 1_800, shortSeconds: 120, factor: 14.4),
                                BurnRateCondition(longSeconds: 10_800, shortSeconds: 900, factor: 4.8)])
        #expect(custom.ticket == [BurnRateCondition(longSeconds: 43_200, shortSeconds: 3_600, factor: 3),
                                  BurnRateCondition(longSeconds: 129_600, shortSeconds: 10_800, factor: 1)])
        // Sloth's examples/windows/7d.yaml, computed as Sloth does (7d is refused on import, see below).
        let week: Int64 = 7 * 86_400
        let factors = [(8.0, Int64(3_600)), (12.5, 21_600), (20, 86_400), (42, 259_200)].map {
            SlothAlertWindows.factor(budgetPercent: $0.0, periodSeconds: week, longSeconds: $0.1)
        }
        #expect(factors[0...2] == [13.44, 3.5, 1.4000000000000001], "Sloth computes 20 × 168h / 100 / 24h")
        #expect(abs(factors[3] - 0.98) < 1e-12, "\(factors)")
    }

    @Test func customWindowsApplyToTheSLOs() throws {
        let files = [("windows.yaml", Self.customWindows), ("slo.yaml", Self.prometheusV1(alerting: "    alerting: {name: A}"))]
        let spec = try #require(try Self.specs(files).first)
        #expect(spec.alertPolicy.tiers.map { $0.conditions.map(\.longSeconds) } == [[1_800, 10_800], [43_200, 129_600]])
        #expect(spec.alertPolicy.tiers.map { $0.conditions.map(\.shortSeconds) } == [[120, 900], [3_600, 10_800]])
        #expect(spec.alertPolicy.tiers.flatMap(\.conditions).map(\.factor) == [14.4, 4.8, 3, 1])
        let page = try #require(Self.alertRules([spec]).first)
        #expect(page.contains("slo:sli_error:ratio_rate30m") && page.contains("slo:sli_error:ratio_rate2m"), "\(page)")
    }

    /// (windows document, position, message fragment).
    @Test(arguments: [
        (alertWindows(period: "7d", page: ("8", "1h/5m", "12.5", "6h/30m"), ticket: ("20", "1d/2h", "42", "3d/6h")), "4:14",
         "spec.sloPeriod: no imported Sloth SLO has a period of 7d"),
        (alertWindows(page: ("2", "1h/1h", "5", "6h/30m"), ticket: ("10", "1d/2h", "10", "3d/6h")), "8:20",
         "spec.page.quick.shortWindow: 1h must be shorter than longWindow (1h)"),
        (alertWindows(page: ("0", "1h/5m", "5", "6h/30m"), ticket: ("10", "1d/2h", "10", "3d/6h")), "7:27",
         #"spec.page.quick.errorBudgetPercent: expected a percentage in (0, 100]"#),
        (alertWindows(page: ("2", "1h/5m", "5", "6h/30m"), ticket: ("10", "1d/2h", "10", "3d/6x")), "21:20",
         #"spec.ticket.slow.shortWindow: expected a duration like 5m, 1h or 30d (units s m h d w), got "6x""#),
        (alertWindows(page: ("2", "1h/65s", "5", "6h/30m"), ticket: ("10", "1d/2h", "10", "3d/6h")), "8:20",
         "spec.page.quick.shortWindow: window 1m5s must be a multiple of 10s, the resolution of windows of its length"),
        (alertWindows(page: ("2", "1h/5m", "5", "6h/30m"), ticket: ("10", "1d/2h", "10", "40d/6h")), "22:19",
         "spec.ticket.slow.longWindow: window 40d must be between 1m and 35d"),
        (defaultWindows + "\n---\n" + alertWindows(page: ("1", "1h/5m", "5", "6h/30m"), ticket: ("10", "1d/2h", "10", "3d/6h")), "24:1",
         "spec.sloPeriod: AlertWindows for sloPeriod 30d are defined twice, differently: here and at slo.yaml:1:1"),
    ])
    func alertWindowsProblemsArePlaced(_ document: String, _ position: String, _ fragment: String) {
        let errors = Self.errors(document)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.hasPrefix("slo.yaml:\(position): \(fragment)") == true, "\(errors)")
    }

    /// A window the SLO's buckets cannot answer exactly is reported once, at the window, not at
    /// each SLO that the AlertWindows apply to.
    @Test func inexactWindowIsReportedOnceAtItsDuration() {
        let windows = Self.alertWindows(page: ("2", "1h/65s", "5", "6h/30m"), ticket: ("10", "1d/2h", "10", "3d/6h"))
        let files = [SLOImport.File(name: "windows.yaml", bytes: Array(windows.utf8)),
                     SLOImport.File(name: "slo.yaml", bytes: Array(Self.prometheusV1(alerting: "").utf8)),
                     SLOImport.File(name: "k8s.yaml", bytes: Array(Self.kubernetesManifest.utf8))]
        guard case .failure(let failure) = SLOImport.parse(files) else {
            Issue.record("imported windows with a 65s short window")
            return
        }
        let errors = failure.errors.map(\.description)
        #expect(errors == ["windows.yaml:8:20: spec.page.quick.shortWindow: window 1m5s must be a multiple of 10s, the resolution of windows of its length"],
                "\(errors)")
    }

    @Test func identicalWindowsTwiceAreAccepted() throws {
        let files = [("a.yaml", Self.defaultWindows), ("b.yaml", Self.defaultWindows), ("slo.yaml", Self.prometheusV1(alerting: ""))]
        let spec = try #require(try Self.specs(files).first)
        #expect(spec.alerting?.tiers == (try Self.workbook(percent: "99.9")).tiers)
    }

    // MARK: Queries

    /// Bucket selections are kept as written (slod counts `_bucket{le=…}` series).
    @Test func bucketSelectorsAreKept() throws {
        let text = """
            version: prometheus/v1
            service: api
            slos:
              - name: fast-requests
                objective: 99
                sli:
                  events:
                    error_query: sum(rate(apiserver_request_duration_seconds_bucket{le="0.4",verb!="WATCH"}[{{.window}}]))
                    total_query: sum(rate(apiserver_request_duration_seconds_count{verb!="WATCH"}[{{.window}}]))
            """
        let spec = try #require(try Self.specs([("slo.yaml", text)]).first)
        #expect(spec.sli == .events(total: try SeriesSelector.parse(#"apiserver_request_duration_seconds_count{verb!="WATCH"}"#), good: nil,
                                    bad: try SeriesSelector.parse(#"apiserver_request_duration_seconds_bucket{le="0.4",verb!="WATCH"}"#)))
    }

    /// A prometheus/v1 file with one latency SLO whose `sli.events` is `events` (indented by 8).
    static func latencySLO(_ events: String) -> String {
        """
        version: prometheus/v1
        service: api
        slos:
          - name: latency
            objective: 99
            sli:
              events:
        \(events)
        """
    }

    /// Sloth's apiserver example: the error query is the count minus the fast bucket.
    static let apiserverLatency = latencySLO("""
                error_query: |
                  (
                    sum(rate(apiserver_request_duration_seconds_count{verb!="WATCH"}[{{.window}}]))
                    -
                    sum(rate(apiserver_request_duration_seconds_bucket{le="0.4",verb!="WATCH"}[{{.window}}]))
                  )
                total_query: sum(rate(apiserver_request_duration_seconds_count{verb!="WATCH"}[{{.window}}]))
        """)

    /// Sloth's own latency example subtracts the bucket from the count: good = the bucket.
    @Test func countMinusBucketImportsAsGoodOverTotal() throws {
        let spec = try #require(try Self.specs([("slo.yaml", Self.apiserverLatency)]).first)
        #expect(spec.sli == .events(total: try SeriesSelector.parse(#"apiserver_request_duration_seconds_count{verb!="WATCH"}"#),
                                    good: try SeriesSelector.parse(#"apiserver_request_duration_seconds_bucket{le="0.4",verb!="WATCH"}"#),
                                    bad: nil))
        #expect(spec.groupBy == [])
    }

    /// Without parentheses, on one line, the count's matchers in another order, grouped.
    @Test func countMinusBucketOnOneLineWithGrouping() throws {
        let text = Self.latencySLO("""
                    error_query: sum by (route) (rate(x_count{b="2",a="1"}[{{.window}}])) - sum(rate(x_bucket{a="1",le="0.4",b="2"}[{{ .window }}])) by (route)
                    total_query: sum(rate(x_count{a="1",b="2"}[{{.window}}])) by (route)
            """)
        let spec = try #require(try Self.specs([("slo.yaml", text)]).first)
        #expect(spec.sli == .events(total: try SeriesSelector.parse(#"x_count{a="1",b="2"}"#),
                                    good: try SeriesSelector.parse(#"x_bucket{a="1",b="2",le="0.4"}"#), bad: nil))
        #expect(spec.groupBy == ["route"])
    }

    /// `slod rules` for the imported SLO is what slod's own config with good/total gives.
    @Test func countMinusBucketRulesEqualTheGoodOverTotalConfig() throws {
        let imported = try Self.specs([("slo.yaml", Self.apiserverLatency)])
        let config = try ConfigLoader.parse(Array("""
            slos:
              - service: api
                name: latency
                objective: 99
                period: 30d
                budgeting: occurrences
                sli:
                  events:
                    total: 'apiserver_request_duration_seconds_count{verb!="WATCH"}'
                    good: 'apiserver_request_duration_seconds_bucket{le="0.4",verb!="WATCH"}'
            """.utf8), file: "slod.yaml").get()
        let here = SLOSpec.Source(file: "x", line: 1, column: 1)
        let (fromSloth, fromConfig) = (try imported.map { try Self.relocated($0, to: here) }, try config.slos.map { try Self.relocated($0, to: here) })
        let rules = RuleGenerator().yaml(for: fromSloth)
        #expect(rules == RuleGenerator().yaml(for: fromConfig))
        #expect(rules.contains(#"apiserver_request_duration_seconds_bucket{le="0.4",verb!="WATCH"}"#), "\(rules)")
    }

    @Test func countMinusBucketInTheKubernetesResource() throws {
        let text = Self.kubernetes("""
                  sli:
                    events:
                      errorQuery: >-
                        (sum(rate(x_count{job="api"}[{{.window}}])) - sum(rate(x_bucket{job="api",le="0.25"}[{{.window}}])))
                      totalQuery: sum(rate(x_count{job="api"}[{{.window}}]))
            """)
        let spec = try #require(try Self.specs([("k8s.yaml", text)]).first)
        #expect(spec.sli == .events(total: try SeriesSelector.parse(#"x_count{job="api"}"#),
                                    good: try SeriesSelector.parse(#"x_bucket{job="api",le="0.25"}"#), bad: nil))
    }

    /// A count that is not the total query's selector is refused at the count, inside the block.
    @Test func countMinusBucketNeedsTheTotalQuerysCount() {
        let text = Self.latencySLO("""
                    error_query: |
                      (
                        sum(rate(x_count{job="web"}[{{.window}}]))
                        -
                        sum(rate(x_bucket{le="0.4"}[{{.window}}]))
                      )
                    total_query: sum(rate(x_count[{{.window}}]))
            """)
        #expect(Self.errors(text) == [
            #"slo.yaml:10:13: slos[0] (api/latency).sli.events.error_query: slod reads error_query as a count minus a bucket only when the count is total_query's selector: x_count{job="web"} is not x_count; write the same selector in both"#,
        ])
    }

    /// Each term groups by the total query's labels; the term that does not is named by place.
    @Test func countMinusBucketTermsGroupLikeTheTotal() {
        let text = Self.latencySLO("""
                    error_query: sum(rate(x_count[{{.window}}])) by (route) - sum(rate(x_bucket{le="0.4"}[{{.window}}]))
                    total_query: sum(rate(x_count[{{.window}}])) by (route)
            """)
        #expect(Self.errors(text) == [
            "slo.yaml:8:67: slos[0] (api/latency).sli.events.error_query: groups by () but total_query by (route); both must group by the same labels",
        ])
    }

    /// Other arithmetic stays refused, at the operator or the term that makes it so.
    @Test(arguments: [
        (#"sum(rate(x_count[{{.window}}])) + sum(rate(x_bucket{le="0.4"}[{{.window}}]))"#, "8:55",
         #"found "+" between two terms: of PromQL arithmetic, slod reads only a count minus a bucket"#),
        (#"sum(rate(x_bucket{le="0.4"}[{{.window}}])) / sum(rate(x_count[{{.window}}]))"#, "8:66", #"found "/" between two terms"#),
        (#"(sum(rate(x_count[{{.window}}])) - sum(rate(x_bucket{le="0.4"}[{{.window}}])) - sum(rate(x_total[{{.window}}])))"#, "8:101",
         #"found "-" after the second term, where slod expects ")": a difference has exactly two terms"#),
        (#"sum(rate(x_count[{{.window}}])) - sum(rate(x_bucket{le="0.4"}[{{.window}}])) - sum(rate(x_total[{{.window}}]))"#, "8:100",
         #"found "-" after the second term (a difference has exactly two terms)"#),
        (#"sum(rate(x_count[{{.window}}])) - 2 * sum(rate(x_bucket{le="0.4"}[{{.window}}]))"#, "8:57", #"found "2" where slod expects sum"#),
    ])
    func otherArithmeticStaysRefused(_ query: String, _ position: String, _ fragment: String) {
        let text = Self.latencySLO("""
                    error_query: '\(query)'
                    total_query: sum(rate(x_count[{{.window}}]))
            """)
        let errors = Self.errors(text)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.hasPrefix("slo.yaml:\(position): slos[0] (api/latency).sli.events.error_query: unsupported query: \(fragment)") == true, "\(errors)")
    }

    /// The fuzz seed with this shape imports (the fuzzer mutates it into the error paths).
    @Test func countMinusBucketFuzzSeedImports() throws {
        let root = try #require(repositoryRoot(), "repository root not found above \(#filePath)")
        let name = "sloth-count-minus-bucket.yaml"
        let bytes = try #require(readFile(root + "/Tests/Fuzz/corpus/yaml/" + name), "cannot read \(name)")
        let specs = try SLOImport.parse(bytes, file: name).get()
        #expect(specs.map(\.id) == ["k8s-apiserver-requests-latency", "k8s-apiserver-grouped", "svc-a"])
        #expect(specs.allSatisfy { if case .events(_, _?, nil) = $0.sli { true } else { false } })
    }

    /// The fuzz seed whose queries end inside a string: each is refused at its opening quote.
    @Test func unterminatedStringFuzzSeedIsRefusedAtTheQuotes() throws {
        let root = try #require(repositoryRoot(), "repository root not found above \(#filePath)")
        let name = "sloth-unterminated-string.yaml"
        let bytes = try #require(readFile(root + "/Tests/Fuzz/corpus/yaml/" + name), "cannot read \(name)")
        guard case .failure(let failure) = SLOImport.parse(bytes, file: name) else {
            Issue.record("\(name) imported")
            return
        }
        let errors = failure.errors.map(\.description)
        let expected = [
            "8:45: slos[0] (svc/unterminated).sli.events.error_query: unterminated string in the selector",
            "9:45: slos[0] (svc/unterminated).sli.events.total_query: unterminated string in the selector",
            "14:78: slos[1] (svc/unterminated-difference).sli.events.error_query: unterminated string in the selector",
        ]
        #expect(errors.count == expected.count, "\(errors)")
        for prefix in expected {
            #expect(errors.contains { $0.hasPrefix("\(name):\(prefix)") }, "\(prefix) not in \(errors)")
        }
    }

    /// Inside a literal block, a problem is placed at its line and column, not at the `|`.
    @Test func problemsInsideABlockScalarArePlaced() {
        let text = Self.latencySLO("""
                    error_query: |
                      sum(rate(x_count[{{.window}}]))
                        - sum(irate(x_bucket{le="0.4"}[{{.window}}]))
                    total_query: sum(rate(x_count[{{.window}}]))
            """)
        let errors = Self.errors(text)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.hasPrefix(#"slo.yaml:10:19: slos[0] (api/latency).sli.events.error_query: unsupported query: found "irate" where slod expects rate or increase"#) == true, "\(errors)")
    }

    /// A query over something no rate counts is refused at the query, under Sloth's key name.
    @Test func uncountableQueriesAreRefusedAtTheQuery() {
        let text = Self.latencySLO("""
                    error_query: sum(rate(x_sum[{{.window}}]))
                    total_query: sum(rate(x_count[{{.window}}]))
            """)
        let errors = Self.errors(text)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.hasPrefix(#"slo.yaml:8:22: slos[0] (api/latency).sli.events.error_query: "x_sum" is the sum of the values"#) == true, "\(errors)")
    }
}
