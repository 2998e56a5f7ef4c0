import Testing
@testable import Config
import SLO
import Selectors

/// The `slos:` section: valid SLOs decode to the expected specs; every invalid one is reported
/// at its exact `line:column` with the SLO named.
@Suite struct SLOSectionTests {
    static let base = """
        slos:
          - service: checkout
            name: availability
            objective: 99.9
            sli:
              events:
                total: http_requests_total
                bad: 'http_requests_total{code=~"5.."}'

        """

    @Test func fullEntryDecodesEveryKey() throws {
        let text = """
            slos:
              - service: checkout
                name: availability
                description: Checkout requests succeed
                objective: 99.95
                period: 4w
                budgeting: timeslices
                slice: 5m
                slice_target: 0.9
                sli:
                  events:
                    total: http_server_request_count_total
                    good: 'http_server_request_count_total{http_response_status_code!~"5.."}'
                group_by: [http_route, http_request_method]
                max_instances: 20
                labels: {team: payments, tier: "1"}
                no_data: bad
            """
        let config = try loadConfig(text).get()
        let expected = try SLOSpec(
            service: "checkout", name: "availability", description: "Checkout requests succeed",
            objective: Objective(percent: "99.95"), period: .rolling(seconds: 28 * 86_400),
            budgeting: .timeslices(TimesliceOptions(sliceSeconds: 300, targetPartsPerBillion: 900_000_000, noData: .bad)),
            sli: .events(total: SeriesSelector.parse("http_server_request_count_total"), good:
                            SeriesSelector.parse(#"http_server_request_count_total{http_response_status_code!~"5.."}"#), bad: nil),
            groupBy: ["http_route", "http_request_method"], maxInstances: 20,
            labels: ["team": "payments", "tier": "1"], noData: .bad,
            source: .init(file: "slod.yaml", line: 2, column: 5))
        #expect(config.slos == [expected])
        #expect(config.slos[0].objective.partsPerBillion == 999_500_000)
        #expect(config.slos[0].id == "checkout-availability")
    }

    @Test func missingKeysTakeTheirDefaults() throws {
        let spec = try #require(try loadConfig(Self.base).get().slos.first)
        #expect(spec.period == .rolling(seconds: 30 * 86_400))
        #expect(spec.budgeting == .occurrences)
        #expect(spec.maxInstances == 100)
        #expect(spec.groupBy == [] && spec.labels == [:] && spec.description == "")
        #expect(spec.noData == .ignore)
        #expect(spec.sli == .events(total: try SeriesSelector.parse("http_requests_total"), good: nil,
                                    bad: try SeriesSelector.parse(#"http_requests_total{code=~"5.."}"#)))
    }

    @Test func latencySLI() throws {
        let text = """
            slos:
              - service: checkout
                name: latency
                objective: 99
                period: month
                budgeting: ratio_timeslices
                sli:
                  latency:
                    histogram: 'http_server_request_duration_seconds{http_route="/checkout"}'
                    threshold: 0.3
                    interpolate: true
            """
        let spec = try #require(try loadConfig(text).get().slos.first)
        #expect(spec.sli == .latency(histogram: try SeriesSelector.parse(#"http_server_request_duration_seconds{http_route="/checkout"}"#),
                                     threshold: 0.3, interpolate: true))
        #expect(spec.period == .calendar(.month, .utc))
        #expect(spec.budgeting == .ratioTimeslices(TimesliceOptions(sliceSeconds: 60)))
    }

    /// The Sloth/OpenSLO latency SLI as events: one bucket's cumulative count over the count.
    /// A regex on `__name__` is matched series by series (refusals then happen at run time).
    @Test func eventsSLIOverOneBucketAndNameRegexes() throws {
        let text = """
            slos:
              - service: checkout
                name: fast
                objective: 99
                sli:
                  events:
                    total: http_server_request_duration_seconds_count
                    good: 'http_server_request_duration_seconds_bucket{le="0.4"}'
              - service: checkout
                name: any
                objective: 99
                sli:
                  events:
                    total: '{__name__=~"http_.*_total"}'
                    bad: '{__name__=~"http_.*_total", code="500"}'
            """
        let slos = try loadConfig(text).get().slos
        #expect(slos.map(\.name) == ["fast", "any"])
        #expect(slos.first?.sli == .events(total: try SeriesSelector.parse("http_server_request_duration_seconds_count"),
                                           good: try SeriesSelector.parse(#"http_server_request_duration_seconds_bucket{le="0.4"}"#), bad: nil))
    }

    @Test func calendarPeriodInAZoneIsLoadedThroughTheResolver() throws {
        let text = Self.base + "    period: {calendar: week, timezone: Europe/Berlin}\n"
        let resolver = TimeZoneResolver.reading { path in
            guard let bytes = readFile(path) else { throw SLOConfigurationError("read", "no such file") }
            return bytes
        }
        guard readFile("/usr/share/zoneinfo/Europe/Berlin") != nil else { return }
        let config = try ConfigLoader.parse(Array(text.utf8), file: "slod.yaml", timeZones: resolver).get()
        guard case .calendar(.week, let zone)? = config.slos.first?.period else {
            Issue.record("expected a weekly calendar period, got \(String(describing: config.slos.first?.period))")
            return
        }
        #expect(zone.name == "Europe/Berlin")
        #expect(zone.offset(at: 1_719_792_000) == 7_200) // 2024-07-01: CEST
    }

    @Test func withoutAZoneReaderOnlyUTCIsKnown() {
        let text = Self.base + "    period: {calendar: month, timezone: Europe/Berlin}\n"
        let errors = configErrors(text).map(\.description)
        #expect(errors == [#"slod.yaml:9:41: slos[0] (checkout/availability).period.timezone: "Europe/Berlin" cannot be loaded: this check reads no zoneinfo files (only UTC is built in)"#])
    }

    /// (extra lines appended to `base`, the expected `line:column`, a fragment of the message).
    static let invalid: [(String, String, String)] = [
        ("    objective2: 1\n", "9:5", #"unknown key "objective2"; did you mean "objective"?"#),
        ("    period: 1M\n", "9:13", "neither month, week nor a duration"),
        ("    period: 36d\n", "9:13", "must be between 1d and 35d"),
        ("    period: {calendar: year}\n", "9:24", "expected month or week"),
        ("    budgeting: timeslices\n", "9:16", "timeslices needs slice_target"),
        ("    budgeting: Occurrences\n", "9:16", "expected one of occurrences, timeslices, ratio_timeslices"),
        ("    slice: 1m\n", "9:12", "slice applies only to budgeting timeslices or ratio_timeslices"),
        ("    budgeting: ratio_timeslices\n    slice_target: 0.9\n", "10:19", "slice_target applies only to budgeting timeslices"),
        ("    budgeting: ratio_timeslices\n    slice: 2h\n", "10:12", "between 10s and 1h"),
        ("    budgeting: timeslices\n    slice_target: 1.5\n", "10:19", "must be a ratio in (0, 1]"),
        ("    group_by: [route, route]\n", "9:23", #""route" is listed twice"#),
        ("    group_by: [http.route]\n", "9:16", "is not a Prometheus label name"),
        ("    group_by: [sloth_window]\n", "9:16", "starts with sloth_"),
        ("    group_by: route\n", "9:15", "expected a list like [a, b]"),
        ("    group_by: [route, alertname]\n", "9:23", "is set on every alert by slod and Prometheus"),
        ("    group_by: [alertstate]\n", "9:16", "is set on every alert by slod and Prometheus"),
        ("    labels: {alertstate: x}\n", "9:14", "is set on every alert by slod and Prometheus"),
        ("    labels: {sloth_id: x}\n", "9:14", "starts with sloth_"),
        ("    labels: {__name__: x}\n", "9:14", "starts with __"),
        ("    group_by: [team]\n    labels: {team: a}\n", "10:14", "is also a group_by label"),
        ("    max_instances: 0\n", "9:20", "out of range: expected an integer in 1...10000"),
        ("    no_data: bad\n", "9:14", "needs budgeting timeslices or ratio_timeslices"),
        ("    no_data: skip\n", "9:14", "expected one of ignore, good, bad"),
    ]

    @Test(arguments: invalid)
    func invalidKeysAreReportedWhereTheyAre(_ extra: String, _ position: String, _ fragment: String) {
        let errors = configErrors(Self.base + extra)
        #expect(errors.count == 1, "\(errors)")
        guard let error = errors.first else { return }
        #expect("\(error.line):\(error.column)" == position, "\(error)")
        #expect(error.description.contains(fragment), "\(error)")
        #expect(error.keyPath.hasPrefix("slos[0] (checkout/availability)"), "\(error)")
    }

    /// Whole entries, for problems in the required keys and the SLI.
    static let invalidEntries: [(String, String, String)] = [
        ("  - service: checkout\n    name: a\n    sli: {events: {total: x_total, bad: y_total}}\n", "2:5", #"missing required key "objective""#),
        ("  - service: checkout\n    objective: 99\n    sli: {events: {total: x_total, bad: y_total}}\n", "2:5", #"missing required key "name""#),
        ("  - service: check out\n    name: a\n    objective: 99\n    sli: {events: {total: x_total, bad: y_total}}\n", "2:14", "may only contain letters, digits"),
        ("  - service: s\n    name: a\n    objective: 100\n    sli: {events: {total: x_total, bad: y_total}}\n", "4:16", "strictly between 0 and 100"),
        ("  - service: s\n    name: a\n    objective: 99.12345678\n    sli: {events: {total: x_total, bad: y_total}}\n", "4:16", "at most 7 decimals"),
        ("  - service: s\n    name: a\n    objective: 99\n", "2:5", #"missing required key "sli""#),
        ("  - service: s\n    name: a\n    objective: 99\n    sli: {}\n", "5:10", "needs events: {total, good|bad} or latency"),
        ("  - service: s\n    name: a\n    objective: 99\n    sli: {events: {total: x_total}}\n", "5:19", "needs good (the good events) or bad"),
        ("  - service: s\n    name: a\n    objective: 99\n    sli: {events: {total: x_total, good: y_total, bad: z_total}}\n", "5:56", "give exactly one of good and bad"),
        ("  - service: s\n    name: a\n    objective: 99\n    sli: {events: {total: x_total, bad: y_total}, latency: {histogram: h, threshold: 1}}\n", "5:60", "either events or latency, not both"),
        // Events selectors that can never count events point at the selector and say what to write.
        ("  - service: s\n    name: a\n    objective: 99\n    sli: {events: {total: h_count, good: h_sum}}\n", "5:42", #"count the observations with "h_count" (all of them) or "h_bucket{le="…"}""#),
        ("  - service: s\n    name: a\n    objective: 99\n    sli: {events: {total: h_count, good: 'h_bucket{le=~\"0.4|0.5\"}'}}\n", "5:42", #"selects buckets of histogram h by le=~"0.4|0.5", not one exact bound, and cumulative bucket counts add up to no count of events; select one bucket with le="0.4""#),
        ("  - service: s\n    name: a\n    objective: 99\n    sli: {events: {total: h_count, good: h_bucket}}\n", "5:42", "h_bucket selects every bucket of histogram h (no le matcher)"),
        ("  - service: s\n    name: a\n    objective: 99\n    sli: {events: {total: h_count, good: 'h_bucket{le=\"fast\"}'}}\n", "5:42", #"le="fast" is not a bucket bound"#),
        ("  - service: s\n    name: a\n    objective: 99\n    sli: {events: {total: http_requests, bad: 'http_requests_total{code=\"500\"}'}}\n", "5:27",
         #""http_requests" can never be a count of events in slod's exposition"#),
        ("  - service: s\n    name: a\n    objective: 99\n    sli: {latency: {histogram: h_bucket, threshold: 0.3}}\n", "5:32", "slod matches the histogram family name as shown in `# TYPE` (here probably \"h\")"),
        ("  - service: s\n    name: a\n    objective: 99\n    sli: {latency: {histogram: 'h_count{a=\"b\"}', threshold: 0.3}}\n", "5:32", "names one series of a histogram"),
        ("  - service: s\n    name: a\n    objective: 99\n    sli: {latency: {histogram: '{a=\"b\"}', threshold: 0.3}}\n", "5:32", "must name the histogram metric"),
        ("  - service: s\n    name: a\n    objective: 99\n    sli: {latency: {histogram: h, threshold: -1}}\n", "5:46", "must be a finite number greater than 0"),
        ("  - service: s\n    name: a\n    objective: 99\n    sli: {latency: {histogram: h, threshold: 300ms}}\n", "5:46", "expected a number like 0.3"),
        ("  - service: s\n    name: a\n    objective: 99\n    sli: {latency: {histogram: h}}\n", "5:20", #"missing required key "threshold""#),
        ("  - just a string\n", "2:5", "expected a mapping describing one SLO"),
    ]

    @Test(arguments: invalidEntries)
    func invalidEntriesAreReportedWhereTheyAre(_ entry: String, _ position: String, _ fragment: String) {
        let errors = configErrors("slos:\n" + entry)
        #expect(errors.count == 1, "\(errors)")
        guard let error = errors.first else { return }
        #expect("\(error.line):\(error.column)" == position, "\(error)")
        #expect(error.description.contains(fragment), "\(error)")
        #expect(error.keyPath.hasPrefix("slos[0]"), "\(error)")
    }

    /// Selector errors point inside the selector when it is written on one line without escapes.
    @Test(arguments: [
        // plain scalar: the column of the regex problem "(" inside it
        ("        total: http_requests_total{code=~\"5(..\"}\n", "7:44"),
        // single-quoted: the quote shifts the text by one
        ("        total: 'http_requests_total{code=\"5\",}x'\n", "7:47"),
        // double-quoted with an escape: the scalar itself
        ("        total: \"http_requests_total{code=\\\"5\\\"\"\n", "7:16"),
    ])
    func selectorErrorsPointInsideTheScalar(_ line: String, _ position: String) {
        let text = """
            slos:
              - service: checkout
                name: availability
                objective: 99.9
                sli:
                  events:

            """ + line + "        bad: x_total\n"
        let errors = configErrors(text)
        #expect(errors.count == 1, "\(errors)")
        guard let error = errors.first else { return }
        #expect("\(error.line):\(error.column)" == position, "\(error)")
        #expect(error.keyPath == "slos[0] (checkout/availability).sli.events.total")
        #expect(error.message.hasPrefix("invalid series selector"))
    }

    @Test func everyProblemOfEverySLOIsReported() {
        let text = """
            slos:
              - service: a
                name: one
                objective: 0
                sli: {events: {total: x_total, bad: y_total}}
              - service: b
                name: two
                objective: 99
                period: 2d
                sli: {events: {total: 'x{', bad: y_total}}
            """
        let errors = configErrors(text).map { "\($0.line):\($0.column) \($0.keyPath)" }
        #expect(errors == ["4:16 slos[0] (a/one).objective", "10:30 slos[1] (b/two).sli.events.total"])
    }

    @Test func duplicateNamesWithinAServiceNameBothPositions() {
        let text = Self.base + """
              - service: checkout
                name: availability
                objective: 99
                sli: {events: {total: x_total, good: y_total}}
              - service: search
                name: availability
                objective: 99
                sli: {events: {total: x_total, good: y_total}}

            """
        let errors = configErrors(text).map(\.description)
        #expect(errors == ["slod.yaml:9:5: slos[1] (checkout/availability): SLO checkout/availability is defined twice: here and at slod.yaml:2:5 (names must be unique within a service)"])
    }

    @Test func sloFilesAreKeptAsWritten() throws {
        let config = try loadConfig("slo_files: [slos/a.yaml, /etc/slod/b.yaml]\n").get()
        #expect(config.sloFiles == ["slos/a.yaml", "/etc/slod/b.yaml"])
        #expect(configErrors("slo_files: ['']\n").map(\.description) == ["slod.yaml:1:13: slo_files[0]: an empty path"])
        #expect(configErrors("slos: {a: 1}\n").first?.message.hasPrefix("expected a list of SLOs") == true)
    }
}
