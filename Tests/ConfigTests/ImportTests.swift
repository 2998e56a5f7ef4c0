import Foundation
import Testing
@testable import Config
import SLO
import Selectors

/// Imports of the Sloth and OpenSLO example files in `Tests/Fixtures/slo/`, and the constructs
/// they refuse.
@Suite struct ImportTests {
    static func fixture(_ name: String) throws -> SLOImport.File {
        let root = try #require(repositoryRoot(), "repository root not found above \(#filePath)")
        let bytes = try #require(readFile(root + "/Tests/Fixtures/slo/" + name), "missing fixture \(name)")
        return SLOImport.File(name: name, bytes: bytes)
    }

    static func sel(_ text: String) throws -> SeriesSelector {
        try SeriesSelector.parse(text)
    }

    static func importErrors(_ text: String, file: String = "slo.yaml") -> [String] {
        if case .failure(let errors) = SLOImport.parse(Array(text.utf8), file: file) { return errors.errors.map(\.description) }
        return []
    }

    @Test func slothFileImportsToTheExpectedSpecs() throws {
        let specs = try SLOImport.parse([Self.fixture("sloth-checkout.yaml")]).get()
        let thirtyDays = SLOConfiguration(objective: try Objective(percent: "99.9"), period: .rolling(seconds: 30 * 86_400))
        var alerting = AlertPolicy.workbook(for: thirtyDays)
        alerting.alertName = "CheckoutHighErrorRate"
        alerting.labels = ["category": "availability"]
        alerting.annotations = ["summary": "High error rate on checkout requests"]
        alerting.tiers[0].labels = ["severity": "pageteam"]
        alerting.tiers[1].labels = ["severity": "slack", "slack_channel": "#alerts-checkout"]
        var silent = AlertPolicy.workbook(for: thirtyDays)
        silent.tiers[0].enabled = false
        silent.tiers[1].enabled = false
        let availability = try SLOSpec(
            service: "checkout", name: "requests-availability",
            description: "Checkout requests are served without server errors.",
            objective: Objective(percent: "99.9"), period: .rolling(seconds: 30 * 86_400),
            sli: .events(total: Self.sel(#"http_server_request_count_total{job="checkout"}"#), good: nil,
                         bad: Self.sel(#"http_server_request_count_total{job="checkout",http_response_status_code=~"5.."}"#)),
            labels: ["owner": "payments-team", "tier": "1", "category": "availability"], alerting: alerting,
            source: .init(file: "sloth-checkout.yaml", line: 9, column: 5))
        let routes = try SLOSpec(
            service: "checkout", name: "route-availability",
            description: "Each checkout route serves requests without server errors.",
            objective: Objective(percent: "99.5"), period: .rolling(seconds: 30 * 86_400),
            sli: .events(total: Self.sel(#"http_server_request_count_total{job="checkout"}"#), good: nil,
                         bad: Self.sel(#"http_server_request_count_total{job="checkout",http_response_status_code=~"5.."}"#)),
            groupBy: ["http_route"], labels: ["owner": "payments-team", "tier": "1"], alerting: silent,
            source: .init(file: "sloth-checkout.yaml", line: 33, column: 5))
        #expect(specs == [availability, routes])
    }

    @Test func openSLOFileImportsToTheExpectedSpecs() throws {
        let specs = try SLOImport.parse([Self.fixture("openslo-payments.yaml")]).get()
        let availability = try SLOSpec(
            service: "payments", name: "payments-availability",
            description: "99.95% of payment requests succeed, over 28 days",
            objective: Objective(percent: "99.95"), period: .rolling(seconds: 28 * 86_400),
            sli: .events(total: Self.sel(#"http_server_request_count_total{service_name="payments"}"#), good: nil,
                         bad: Self.sel(#"http_server_request_count_total{service_name="payments",http_response_status_code=~"5.."}"#)),
            labels: ["team": "payments"],
            source: .init(file: "openslo-payments.yaml", line: 29, column: 1))
        let latency = try SLOSpec(
            service: "payments", name: "payments-latency",
            description: "99% of authorizations complete within 300ms in every calendar month",
            objective: Objective(percent: "99"), period: .calendar(.month, .utc),
            sli: .latency(histogram: Self.sel(#"http_server_request_duration_seconds{service_name="payments",http_route="/authorize"}"#),
                          threshold: 0.3, interpolate: false),
            source: .init(file: "openslo-payments.yaml", line: 48, column: 1))
        let slices = try SLOSpec(
            service: "payments", name: "payments-refunds-slices",
            objective: Objective(ratio: "0.99"), period: .rolling(seconds: 28 * 86_400),
            budgeting: .timeslices(TimesliceOptions(sliceSeconds: 300, targetPartsPerBillion: 950_000_000)),
            sli: .events(total: Self.sel("refunds_total"), good: Self.sel(#"refunds_total{outcome="ok"}"#), bad: nil),
            groupBy: ["http_route"],
            source: .init(file: "openslo-payments.yaml", line: 78, column: 1))
        #expect(specs == [availability, latency, slices])
    }

    @Test func indicatorRefsResolveAcrossFilesAndNamesStayUnique() throws {
        let slo = """
            apiVersion: openslo/v1
            kind: SLO
            metadata: {name: other-availability}
            spec:
              service: payments
              indicatorRef: payments-server-errors
              timeWindow: [{duration: 7d, isRolling: true}]
              budgetingMethod: Occurrences
              objectives: [{target: 0.99}]
            """
        let files = [try Self.fixture("openslo-payments.yaml"), SLOImport.File(name: "more.yaml", bytes: Array(slo.utf8))]
        let specs = try SLOImport.parse(files).get()
        #expect(specs.map(\.name) == ["payments-availability", "payments-latency", "payments-refunds-slices", "other-availability"])
        #expect(specs[3].sli == specs[0].sli)

        let duplicate = slo.replacingOccurrences(of: "other-availability", with: "payments-availability")
        let failure = SLOImport.parse([try Self.fixture("openslo-payments.yaml"), SLOImport.File(name: "more.yaml", bytes: Array(duplicate.utf8))])
        guard case .failure(let errors) = failure else {
            Issue.record("a duplicate SLO name was accepted")
            return
        }
        #expect(errors.errors.map(\.description) == [
            "more.yaml:1:1: SLO payments-availability: SLO payments/payments-availability is defined twice: here and at openslo-payments.yaml:29:1 (names must be unique within a service)",
        ])
    }

    @Test func loadAddsTheSLOsOfSLOFilesToTheConfiguration() throws {
        let root = try #require(repositoryRoot())
        let files = [
            "/etc/slod/slod.yaml": "slo_files: [sloth-checkout.yaml, /abs/openslo-payments.yaml]\n" + SLOSectionTests.base,
            "/etc/slod/sloth-checkout.yaml": String(decoding: try #require(readFile(root + "/Tests/Fixtures/slo/sloth-checkout.yaml")), as: UTF8.self),
            "/abs/openslo-payments.yaml": String(decoding: try #require(readFile(root + "/Tests/Fixtures/slo/openslo-payments.yaml")), as: UTF8.self),
        ]
        let read = { (path: String) throws -> [UInt8] in
            guard let text = files[path] else { throw SLOConfigurationError("read", "no such file") }
            return Array(text.utf8)
        }
        let config = try ConfigLoader.load(Array(files["/etc/slod/slod.yaml"]!.utf8), file: "/etc/slod/slod.yaml", readFile: read).get()
        #expect(config.slos.map(\.id) == ["checkout-availability", "checkout-requests-availability", "checkout-route-availability",
                                          "payments-payments-availability", "payments-payments-latency", "payments-payments-refunds-slices"])
        #expect(config.slos[1].source.file == "/etc/slod/sloth-checkout.yaml")

        let missing = ConfigLoader.load(Array("slo_files: [nope.yaml]\n".utf8), file: "/etc/slod/slod.yaml", readFile: read)
        guard case .failure(let errors) = missing else {
            Issue.record("a missing SLO file was accepted")
            return
        }
        #expect(errors.errors.map(\.description) == ["/etc/slod/slod.yaml: slo_files[0]: cannot read /etc/slod/nope.yaml: read: no such file"])
    }

    static let slothHeader = "version: prometheus/v1\nservice: svc\nslos:\n  - name: a\n    objective: 99.9\n"

    /// Sloth constructs that cannot be mapped: (sli lines, position, message fragment).
    @Test(arguments: [
        ("    sli: {raw: {error_ratio_query: 'x'}}\n", "6:11", "raw SLIs (error_ratio_query) are not supported"),
        ("    sli: {plugin: {id: sloth-common/availability}}\n", "6:11", "SLI plugins are not supported"),
        ("    sli:\n      events:\n        error_query: sum(rate(x_total{code=\"5\"}[5m]))\n        total_query: sum(rate(x_total[{{.window}}]))\n",
         "8:49", "where Sloth queries use [{{.window}}]"),
        ("    sli:\n      events:\n        error_query: histogram_quantile(0.9, x_total)\n        total_query: sum(rate(x_total[{{.window}}]))\n",
         "8:22", #"found "histogram_quantile" where slod expects sum"#),
        ("    sli:\n      events:\n        error_query: 'sum(rate(x_total{code=~\"5..\"}[{{.window}}])) by (code)'\n        total_query: sum(rate(x_total[{{.window}}]))\n",
         "8:22", "groups by (code) but total_query by (); both must group by the same labels"),
        ("    sli:\n      events:\n        error_query: sum(rate(x_total{code=~\"5(..\"}[{{.window}}]))\n        total_query: sum(rate(x_total[{{.window}}]))\n",
         "8:47", "invalid series selector"),
        ("    plugins: {chain: []}\n    sli: {events: {error_query: 'sum(rate(x_total[{{.window}}]))', total_query: 'sum(rate(x_total[{{.window}}]))'}}\n",
         "6:5", "Sloth SLO plugins are not supported"),
    ])
    func slothConstructsThatCannotBeMappedAreRefused(_ sli: String, _ position: String, _ fragment: String) {
        let errors = Self.importErrors(Self.slothHeader + sli)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.hasPrefix("slo.yaml:\(position): slos[0] (svc/a)") == true, "\(errors)")
        #expect(errors.first?.contains(fragment) == true, "\(errors)")
    }

    @Test func slothVersionAndFormatDetection() {
        #expect(Self.importErrors("version: sloth/v1\nservice: s\nslos: []\n") ==
                [#"slo.yaml:1:10: version: Sloth spec version "sloth/v1" is not supported; slod imports version: prometheus/v1"#])
        #expect(Self.importErrors("apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\n") ==
                [#"slo.yaml:1:1: missing required key "spec""#])
        #expect(Self.importErrors("service: s\n") ==
                ["slo.yaml:1:1: neither an OpenSLO document (apiVersion: openslo/v1), a Sloth Kubernetes resource (apiVersion: sloth.slok.dev/v1) nor a Sloth file (version: prometheus/v1)"])
    }

    static func openSLO(_ indicator: String, window: String = "[{duration: 28d, isRolling: true}]",
                        method: String = "Occurrences", objectives: String = "[{target: 0.99}]") -> String {
        """
        apiVersion: openslo/v1
        kind: SLO
        metadata: {name: s1}
        spec:
          service: svc
        \(indicator)
          timeWindow: \(window)
          budgetingMethod: \(method)
          objectives: \(objectives)
        """
    }

    static let ratio = "  indicator: {spec: {ratioMetric: {counter: true, bad: {metricSource: {type: Prometheus, spec: {metric: x_total}}}, total: {metricSource: {type: Prometheus, spec: {metric: y_total}}}}}}"
    static let threshold = "  indicator: {spec: {thresholdMetric: {metricSource: {type: Prometheus, spec: {metric: h}}}}}"

    /// OpenSLO constructs that cannot be mapped: (document, position, message fragment).
    @Test(arguments: [
        (openSLO(ratio.replacingOccurrences(of: "counter: true", with: "counter: false")), "6:45", "counter: false (ratios of gauges) is not supported"),
        (openSLO(ratio.replacingOccurrences(of: "type: Prometheus, spec: {metric: x_total}", with: "type: Datadog, spec: {metric: x_total}")), "6:78", #"metric source type "Datadog" is not supported"#),
        (openSLO(ratio.replacingOccurrences(of: "{metric: x_total}", with: "{metric: x_total, where: 'a > 1'}")), "6:114", #"unknown key "where""#),
        (openSLO("  indicator: {spec: {ratioMetric: {raw: {metricSource: {type: Prometheus, spec: {metric: x}}}, rawType: failure}}}"), "6:36", "raw ratio metrics are not supported"),
        (openSLO(threshold.replacingOccurrences(of: "{metric: h}", with: "{query: 'histogram_quantile(0.9, h)'}")), "6:79", "queries (such as histogram_quantile) are not supported"),
        (openSLO(threshold, objectives: "[{target: 0.99, op: gte, value: 0.3}]"), "9:35", #"op "gte" is not supported"#),
        (openSLO(threshold, objectives: "[{target: 0.99}]"), "9:16", "needs op (lte) and value"),
        (openSLO(ratio, objectives: "[{target: 0.99, op: lte, value: 0.3}]"), "9:35", "op and value apply to a thresholdMetric only"),
        (openSLO(ratio, objectives: "[{target: 0.99}, {target: 0.9}]"), "9:32", "one objective per SLO"),
        (openSLO(ratio, objectives: "[{target: 0.99, indicatorRef: other, compositeWeight: 1}]"), "9:52", "composite SLOs"),
        (openSLO(ratio, objectives: "[{target: 1}]"), "9:25", "must be a ratio strictly between 0 and 1"),
        (openSLO(ratio, window: "[{duration: 1M, isRolling: true}]"), "7:27", "has no fixed length"),
        (openSLO(ratio, window: "[{duration: 1Q, isRolling: false, calendar: {timeZone: UTC}}]"), "7:27", "one month (1M) or one ISO week (1w)"),
        (openSLO(ratio, window: "[{duration: 1M, isRolling: false, calendar: {timeZone: UTC, startTime: '2024-01-15 00:00:00'}}]"), "7:86", "is not the 1st of a month"),
        (openSLO(ratio, window: "[{duration: 1w, isRolling: false, calendar: {timeZone: UTC, startTime: '2024-01-02 00:00:00'}}]"), "7:86", "is not a Monday"),
        (openSLO(ratio, window: "[{duration: 28d, isRolling: true}, {duration: 7d, isRolling: true}]"), "7:15", "exactly one time window"),
        (openSLO(ratio, method: "Timeslices"), "9:16", "Timeslices needs timeSliceWindow"),
        (openSLO(ratio, method: "RatioTimeslices", objectives: "[{target: 0.99, timeSliceWindow: 1m, timeSliceTarget: 0.9}]"), "9:69", "timeSliceTarget applies to Timeslices only"),
        (openSLO(ratio, method: "Weekly"), "8:20", "expected one of Occurrences, Timeslices, RatioTimeslices"),
        (openSLO("  indicatorRef: missing"), "6:17", #"no kind SLI named "missing""#),
    ])
    func openSLOConstructsThatCannotBeMappedAreRefused(_ document: String, _ position: String, _ fragment: String) {
        let errors = Self.importErrors(document)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.hasPrefix("slo.yaml:\(position): SLO s1") == true, "\(errors)")
        #expect(errors.first?.contains(fragment) == true, "\(errors)")
    }

    @Test func weeklyCalendarWithAMondayStartAndTimesliceMinutes() throws {
        let document = Self.openSLO(Self.ratio, window: "[{duration: 1w, isRolling: false, calendar: {timeZone: UTC, startTime: '2024-01-01 00:00:00'}}]",
                                    method: "RatioTimeslices", objectives: "[{targetPercent: 99.5, timeSliceWindow: 2}]")
        let spec = try #require(try SLOImport.parse(Array(document.utf8), file: "slo.yaml").get().first)
        #expect(spec.period == .calendar(.week, .utc))
        #expect(spec.budgeting == .ratioTimeslices(TimesliceOptions(sliceSeconds: 120)))
        #expect(spec.objective.percentText == "99.5")
    }

    /// An OpenSLO ratio metric with `bad: count − bucket` and `total: count`.
    static func countMinusBucket(count: String) -> String {
        openSLO("""
          indicator:
            spec:
              ratioMetric:
                bad:
                  metricSource:
                    type: Prometheus
                    spec:
                      query: |
                        sum(rate(\(count)[5m])) by (route)
                          - sum by (route) (rate(h_bucket{le="0.5"}[5m]))
                total: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(h_count[5m])) by (route)'}}}
        """)
    }

    @Test func openSLOBadCountMinusBucketIsGoodOverTotal() throws {
        let spec = try #require(try SLOImport.parse(Array(Self.countMinusBucket(count: "h_count").utf8), file: "slo.yaml").get().first)
        #expect(spec.sli == .events(total: try SeriesSelector.parse("h_count"), good: try SeriesSelector.parse(#"h_bucket{le="0.5"}"#), bad: nil))
        #expect(spec.groupBy == ["route"])
    }

    @Test func openSLOBadCountMustBeTheTotal() {
        #expect(Self.importErrors(Self.countMinusBucket(count: "g_count")) == [
            #"slo.yaml:14:17: SLO s1.spec.indicator.spec.ratioMetric.bad: slod reads bad as a count minus a bucket only when the count is total's selector: g_count is not h_count; write the same selector in both"#,
        ])
    }

    /// A difference is read in `bad` only: a good or total query is one term.
    @Test func openSLOGoodDifferenceIsRefused() {
        let document = Self.openSLO(Self.ratio.replacingOccurrences(of: "bad: {metricSource: {type: Prometheus, spec: {metric: x_total}}}",
                                                                    with: "good: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(y_total[5m])) - sum(rate(x_total[5m]))'}}}"))
        let errors = Self.importErrors(document)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.contains(#"found "-" after the query; the query must have the shape sum(rate(SELECTOR[5m])), sum(SELECTOR) or SELECTOR, optionally with by (label, …)"#) == true, "\(errors)")
        #expect(errors.first?.contains("count minus") == false, "\(errors)")
    }

    @Test func openSLOVersionAndKinds() {
        #expect(Self.importErrors("apiVersion: openslo/v1alpha\nkind: SLO\n") ==
                [#"slo.yaml:1:13: apiVersion: "openslo/v1alpha" is not supported; slod imports apiVersion: openslo/v1 and sloth.slok.dev/v1 (kind PrometheusServiceLevel or AlertWindows)"#])
        #expect(Self.importErrors("apiVersion: openslo/v1\nkind: Gadget\nmetadata: {name: g}\n") ==
                [#"slo.yaml:1:1: kind: unknown OpenSLO kind "Gadget" (slod imports SLO, SLI, DataSource, AlertPolicy, AlertCondition; it reads past Service and AlertNotificationTarget)"#])
        // Alert policies are checked even when no SLO uses them (OpenSLOConformanceTests covers the mapping).
        #expect(Self.importErrors("apiVersion: openslo/v1\nkind: AlertPolicy\nmetadata: {name: p}\nspec: {}\n") ==
                [#"slo.yaml:4:7: AlertPolicy p.spec: missing required key "conditions""#])
        #expect((try? SLOImport.parse(Array("apiVersion: openslo/v1\nkind: Service\nmetadata: {name: s}\nspec: {}\n".utf8), file: "a.yaml").get()) == [])
        #expect(Self.importErrors("# nothing\n") == ["slo.yaml: holds no SLO documents"])
    }
}
