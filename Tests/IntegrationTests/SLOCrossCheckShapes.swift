/// The SLI shapes of the differential test (`SLOCrossCheck.everySLIShapeAgreesWithPromtool`):
/// each is an SLO definition and the series it reads, generated from an error profile per
/// instance. Adding a shape is one entry in `CrossCheckShape.all`.
///
/// Every series runs for 180 minutes, one cumulative point a minute: 1,000 events a minute,
/// `errorsBefore` of them bad in minutes 1…60 and `errorsAfter` in minutes 61…180. Every window
/// slod keeps then holds either the last phase only (5m, 30m, 1h, 2h) or all of it (6h, 1d,
/// 3d, 30d), so PromQL's extrapolation cancels out of each ratio and both engines must agree
/// exactly; the profiles' burn rates are far from every threshold, so the alerts must too.
struct ErrorProfile: Sendable {
    var errorsBefore: Int
    var errorsAfter: Int
    /// The tiers its burn rates fire with the workbook policy of a 99 % / 30d SLO.
    var firingTiers: [String]

    static let eventsPerMinute = 1_000
    static let minutes = 180
    static let phaseChange = 60

    /// 20 % errors for two hours (burn 20; 13.7 over everything): both page conditions' short
    /// windows and the ticket's.
    static let page = ErrorProfile(errorsBefore: 10, errorsAfter: 200, firingTiers: ["page", "ticket"])
    /// 4 % errors for two hours (burn 4; 2.8 over everything): only the 3d/6h ticket condition.
    static let ticket = ErrorProfile(errorsBefore: 5, errorsAfter: 40, firingTiers: ["ticket"])
    /// `page`'s errors under a low-traffic guard of 100,000 events per window (`min_events`):
    /// the page windows (5m … 1h: at most 60,000 events; 30m: 30,000) never hold enough events,
    /// the ticket's (2h: 120,000; 1d, 3d, 6h: 180,000) do.
    static let pageBelowTheGuard = ErrorProfile(errorsBefore: 10, errorsAfter: 200, firingTiers: ["ticket"])
    /// 0.1 % errors throughout (burn 0.1): nothing fires.
    static let healthy = ErrorProfile(errorsBefore: 1, errorsAfter: 1, firingTiers: [])

    /// Cumulative bad events at minute `i` (0…180).
    func errors(_ i: Int) -> Int {
        errorsBefore * min(i, Self.phaseChange) + errorsAfter * max(0, i - Self.phaseChange)
    }

    static func total(_ i: Int) -> Int { eventsPerMinute * i }
}

/// What an SLI shape reads: a counter (bad events under `code="500"`), an explicit histogram
/// (bounds 0.1, 0.4, 1: good observations at 0.05 and 0.3, half each, bad ones at 0.7) or an
/// exponential one (scale 0: good observations in (0.125, 0.25] and (0.25, 0.5], bad ones in
/// (1, 2]). Good observations fill two buckets, so reading the wrong bucket shows.
enum CrossCheckFamily: Sendable {
    case counter
    case histogram
    case exponentialHistogram
}

struct CrossCheckShape: Sendable {
    /// Where the SLO is defined.
    enum Definition: Sendable {
        /// An item of the config's `slos:` list (indented as one).
        case inline(String)
        /// A Sloth `prometheus/v1` file.
        case sloth(String)
        /// An OpenSLO v1 file.
        case openSLO(String)
    }

    var service: String
    var name: String
    var definition: Definition
    /// The OTLP metric name (dots) whose exposed series (`_total`, `_bucket`, `_count`) the SLI selects.
    var metric: String
    var family: CrossCheckFamily
    var groupBy: [String]
    /// Per SLO instance: its group labels and its error profile.
    var instances: [(group: [String: String], profile: ErrorProfile)]

    var slothID: String { "\(service)-\(name)" }
    var exposedName: String { metric.replacingOccurrences(of: ".", with: "_") }

    static let all: [CrossCheckShape] = [
        CrossCheckShape(service: "xcheck", name: "counter-bad", definition: .inline("""
              - service: xcheck
                name: counter-bad
                objective: 99
                period: 30d
                sli:
                  events:
                    total: xc_bad_total
                    bad: 'xc_bad_total{code="500"}'
            """), metric: "xc.bad", family: .counter, groupBy: [], instances: [([:], .page)]),
        // The low-traffic guard holds in the rules as in slod: the page needs its windows' events.
        CrossCheckShape(service: "xcheck", name: "counter-guarded-grouped", definition: .inline("""
              - service: xcheck
                name: counter-guarded-grouped
                objective: 99
                period: 30d
                group_by: [route]
                sli:
                  events:
                    total: xc_guarded_total
                    bad: 'xc_guarded_total{code="500"}'
                alerting: {min_events: 100000}
            """), metric: "xc.guarded", family: .counter, groupBy: ["route"],
            instances: [(["route": "/a"], .pageBelowTheGuard), (["route": "/b"], .healthy)]),
        CrossCheckShape(service: "xcheck", name: "counter-good-grouped", definition: .inline("""
              - service: xcheck
                name: counter-good-grouped
                objective: 99
                period: 30d
                group_by: [route]
                sli:
                  events:
                    total: xc_good_total
                    good: 'xc_good_total{code="200"}'
            """), metric: "xc.good", family: .counter, groupBy: ["route"], instances: [(["route": "/a"], .ticket), (["route": "/b"], .healthy)]),
        // The false page of issue 15: good = one bucket's cumulative count, total = the count.
        CrossCheckShape(service: "xcheck", name: "bucket-grouped", definition: .inline("""
              - service: xcheck
                name: bucket-grouped
                objective: 99
                period: 30d
                group_by: [route]
                sli:
                  events:
                    total: xh_requests_count
                    good: 'xh_requests_bucket{le="0.4"}'
            """), metric: "xh.requests", family: .histogram, groupBy: ["route"], instances: [(["route": "/a"], .page), (["route": "/b"], .healthy)]),
        CrossCheckShape(service: "xcheck", name: "latency-explicit", definition: .inline("""
              - service: xcheck
                name: latency-explicit
                objective: 99
                period: 30d
                sli:
                  latency:
                    histogram: xh_latency
                    threshold: 0.4
            """), metric: "xh.latency", family: .histogram, groupBy: [], instances: [([:], .healthy)]),
        CrossCheckShape(service: "xcheck", name: "latency-exponential-grouped", definition: .inline("""
              - service: xcheck
                name: latency-exponential-grouped
                objective: 99
                period: 30d
                group_by: [route]
                sli:
                  latency:
                    histogram: xe_latency
                    threshold: 0.5
            """), metric: "xe.latency", family: .exponentialHistogram, groupBy: ["route"], instances: [(["route": "/a"], .page), (["route": "/b"], .ticket)]),
        CrossCheckShape(service: "imports", name: "sloth-grouped", definition: .sloth("""
            version: "prometheus/v1"
            service: "imports"
            slos:
              - name: "sloth-grouped"
                objective: 99
                sli:
                  events:
                    error_query: sum by (route) (rate(xs_requests_total{code="500"}[{{.window}}]))
                    total_query: sum by (route) (rate(xs_requests_total[{{.window}}]))
            """), metric: "xs.requests", family: .counter, groupBy: ["route"], instances: [(["route": "/a"], .ticket), (["route": "/b"], .page)]),
        // The issue's imported form: sum(rate(X_bucket{le="0.4"}[…])) over sum(rate(X_count[…])).
        CrossCheckShape(service: "imports", name: "openslo-bucket", definition: .openSLO("""
            apiVersion: openslo/v1
            kind: SLO
            metadata:
              name: openslo-bucket
            spec:
              service: imports
              indicator:
                metadata:
                  name: fast-requests
                spec:
                  ratioMetric:
                    counter: true
                    good:
                      metricSource:
                        type: Prometheus
                        spec:
                          query: sum(rate(xo_latency_bucket{le="0.4"}[5m]))
                    total:
                      metricSource:
                        type: Prometheus
                        spec:
                          query: sum(rate(xo_latency_count[5m]))
              timeWindow:
                - duration: 30d
                  isRolling: true
              budgetingMethod: Occurrences
              objectives:
                - target: 0.99
            """), metric: "xo.latency", family: .histogram, groupBy: [], instances: [([:], .ticket)]),
        // Sloth's own latency form: the error query is the count minus the fast bucket.
        CrossCheckShape(service: "imports", name: "sloth-count-minus-bucket", definition: .sloth("""
            version: "prometheus/v1"
            service: "imports"
            slos:
              - name: "sloth-count-minus-bucket"
                objective: 99
                sli:
                  events:
                    error_query: |
                      (
                        sum(rate(xd_latency_count[{{.window}}]))
                        -
                        sum(rate(xd_latency_bucket{le="0.4"}[{{.window}}]))
                      )
                    total_query: sum(rate(xd_latency_count[{{.window}}]))
            """), metric: "xd.latency", family: .histogram, groupBy: [], instances: [([:], .page)]),
    ]

    // MARK: Series

    /// The exposed series of one instance with their cumulative value at minute `i`.
    func series(_ group: [String: String], _ profile: ErrorProfile) -> [(labels: [String: String], value: (Int) -> Int)] {
        func with(_ extra: [String: String]) -> [String: String] { group.merging(extra) { $1 } }
        let total = ErrorProfile.total, bad = profile.errors
        let good = { (i: Int) in total(i) - bad(i) }
        let goodLow = { (i: Int) in (total(i) - bad(i)) / 2 }
        switch family {
        case .counter:
            return [(with(["__name__": exposedName + "_total", "code": "200"]), good),
                    (with(["__name__": exposedName + "_total", "code": "500"]), bad)]
        case .histogram:
            let bucket = exposedName + "_bucket"
            return [(with(["__name__": bucket, "le": "0.1"]), goodLow), (with(["__name__": bucket, "le": "0.4"]), good),
                    (with(["__name__": bucket, "le": "1"]), total), (with(["__name__": bucket, "le": "+Inf"]), total),
                    (with(["__name__": exposedName + "_count"]), total)]
        case .exponentialHistogram:
            let bucket = exposedName + "_bucket"
            return [(with(["__name__": bucket, "le": "0.25"]), goodLow), (with(["__name__": bucket, "le": "0.5"]), good),
                    (with(["__name__": bucket, "le": "1"]), good), (with(["__name__": bucket, "le": "2"]), total),
                    (with(["__name__": bucket, "le": "+Inf"]), total), (with(["__name__": exposedName + "_count"]), total)]
        }
    }

    /// `promtool test rules` input series: minutes 0…180, then minute 180's values once more
    /// (no new events), so rules reading other rules' results see the last minute.
    var promtoolInput: String {
        instances.flatMap { group, profile in
            series(group, profile).map { labels, value in
                let name = labels["__name__"]!
                let rest = labels.filter { $0.key != "__name__" }.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
                let values = ((0...ErrorProfile.minutes).map(value) + [value(ErrorProfile.minutes)]).map(String.init).joined(separator: " ")
                return "      - series: '\(name){\(rest.joined(separator: ","))}'\n        values: '\(values)'\n"
            }
        }.joined()
    }

    /// One OTLP/JSON request with every point of every instance (cumulative, in time order per
    /// series), the last at `end` (Unix ns).
    func otlpRequest(end: UInt64) -> String {
        let minute: UInt64 = 60_000_000_000
        let start = end - UInt64(ErrorProfile.minutes + 10) * minute
        var points: [String] = []
        for (group, profile) in instances {
            let attributes = group.sorted { $0.key < $1.key }.map { #"{"key":"\#($0.key)","value":{"stringValue":"\#($0.value)"}}"# }
            for i in 0...ErrorProfile.minutes {
                let time = end - UInt64(ErrorProfile.minutes - i) * minute
                let head = #""startTimeUnixNano":"\#(start)","timeUnixNano":"\#(time)""#
                let total = ErrorProfile.total(i), bad = profile.errors(i), good = total - bad, goodLow = good / 2
                switch family {
                case .counter:
                    for (code, value) in [("200", good), ("500", bad)] {
                        let codeAttribute = #"{"key":"code","value":{"stringValue":"\#(code)"}}"#
                        points.append(#"{"attributes":[\#((attributes + [codeAttribute]).joined(separator: ","))],\#(head),"asInt":"\#(value)"}"#)
                    }
                case .histogram:
                    points.append(#"{"attributes":[\#(attributes.joined(separator: ","))],\#(head),"count":"\#(total)","sum":\#(0.05 * Double(goodLow) + 0.3 * Double(good - goodLow) + 0.7 * Double(bad)),"bucketCounts":["\#(goodLow)","\#(good - goodLow)","\#(bad)","0"],"explicitBounds":[0.1,0.4,1]}"#)
                case .exponentialHistogram:
                    points.append(#"{"attributes":[\#(attributes.joined(separator: ","))],\#(head),"count":"\#(total)","sum":\#(0.2 * Double(goodLow) + 0.4 * Double(good - goodLow) + 1.5 * Double(bad)),"scale":0,"zeroCount":"0","positive":{"offset":-3,"bucketCounts":["\#(goodLow)","\#(good - goodLow)","0","\#(bad)"]}}"#)
                }
            }
        }
        let data: String
        switch family {
        case .counter: data = #""sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[\#(points.joined(separator: ","))]}"#
        case .histogram: data = #""histogram":{"aggregationTemporality":2,"dataPoints":[\#(points.joined(separator: ","))]}"#
        case .exponentialHistogram: data = #""exponentialHistogram":{"aggregationTemporality":2,"dataPoints":[\#(points.joined(separator: ","))]}"#
        }
        return #"{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"cross-check"}}]},"scopeMetrics":[{"metrics":[{"name":"\#(metric)",\#(data)}]}]}]}"#
    }
}

/// How an alert is identified when slod's alerts and the rules' `ALERTS` are compared: its
/// name, `sloth_id`, the SLO's group labels and its tier (`sloth_severity`, else `tier`).
/// Alert labels beyond these differ by design between the two (slod's and the rules' own), and
/// are being renamed; adjust the key here, in one place.
enum CrossCheckAlertKey {
    /// The key of one of slod's alerts (`/api/v1/alerts` labels). An alert without `sloth_id`
    /// is identified by its `service` and `slo` labels, which make the id.
    static func of(_ labels: [String: String], groupBy: [String]) -> [String: String] {
        var key: [String: String] = [:]
        key["alertname"] = labels["alertname"]
        key["sloth_id"] = labels["sloth_id"] ?? "\(labels["service"] ?? "")-\(labels["slo"] ?? "")"
        key["alert_tier"] = labels["sloth_severity"] ?? labels["tier"]
        for name in groupBy { key[name] = labels[name] }
        return key
    }

    /// PromQL over the rules' firing `ALERTS` with one series per key, labelled as `of` labels it.
    static func promQL(groupBy: [String]) -> String {
        let tier = #"label_replace(label_replace(ALERTS{alertstate="firing"}, "alert_tier", "$1", "tier", "(.+)"), "alert_tier", "$1", "sloth_severity", "(.+)")"#
        return "count by (\((["alertname", "sloth_id", "alert_tier"] + groupBy).joined(separator: ", "))) (\(tier))"
    }
}
