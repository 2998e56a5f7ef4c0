import Exposition
import SLO
import SLOEngine
import Testing

/// `SLOSnapshot.families()`: Sloth's names and labels (as `slod rules` records them), values,
/// zero traffic, period naming, and a well-formed exposition.
@Suite struct SLOSnapshotExpositionTests {
    /// Samples of a text 0.0.4 exposition: `name{labels}` → value, and the `# TYPE` names in order.
    struct Parsed {
        var samples: [String: Double] = [:]
        var types: [String] = []
        var problems: [String] = []

        init(_ text: String) {
            var family = ""
            for line in text.split(separator: "\n") {
                if line.hasPrefix("# TYPE ") {
                    family = String(line.split(separator: " ")[2])
                    types.append(family)
                    continue
                }
                if line.hasPrefix("#") { continue }
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                    problems.append("unparsable: \(line)")
                    continue
                }
                let series = String(line[..<space])
                let name = String(series.prefix { $0 != "{" })
                if name != family { problems.append("\(name) outside its family block (in \(family))") }
                if samples.updateValue(value, forKey: series) != nil { problems.append("duplicate: \(series)") }
            }
            if Set(types).count != types.count { problems.append("a family appears twice: \(types)") }
        }
    }

    static let pay = #"http_route="/pay",sloth_id="checkout-availability",sloth_service="checkout",sloth_slo="availability",team="payments""#
    static let noRoute = #"sloth_id="checkout-availability",sloth_service="checkout",sloth_slo="availability",team="payments""#
    static let plain = #"sloth_id="checkout-availability",sloth_service="checkout",sloth_slo="availability""#
    static let search = #"sloth_id="search-latency",sloth_service="search",sloth_slo="latency""#

    @Test func slothSeriesCarryTheRulesNamesLabelsAndValues() throws {
        let text = try Scenario.snapshot().text
        let p = Parsed(text)
        #expect(p.problems.isEmpty, "\(p.problems)")
        #expect(!text.contains("NaN") && !text.contains("+Inf") && !text.contains("-Inf"))
        #expect(p.samples.values.allSatisfy { $0.isFinite })
        let s = p.samples
        for window in ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"] {
            #expect(s["slo:sli_error:ratio_rate\(window){\(Self.pay),sloth_window=\"\(window)\"}"] == 0.02, "\(window)")
            // Zero traffic: no sample at all for the instance without data.
            #expect(s["slo:sli_error:ratio_rate\(window){\(Self.noRoute),sloth_window=\"\(window)\"}"] == nil)
        }
        #expect(s["slo:sli_error:ratio_rate7d{\(Self.search),sloth_window=\"7d\"}"] == 0.0005)
        #expect(s["slo:sli_error:ratio_rate5m{\(Self.search),sloth_window=\"5m\"}"] == nil)   // no events in the last 5m
        // Per SLO, no group labels (one series per SLO, as the rules' vector(…)).
        #expect(s["slo:objective:ratio{\(Self.noRoute)}"] == 0.999)
        #expect(s["slo:error_budget:ratio{\(Self.noRoute)}"] == 0.001)
        #expect(s["slo:time_period:days{\(Self.noRoute)}"] == 30)
        #expect(s["slo:objective:ratio{\(Self.search)}"] == 0.99)
        #expect(s["slo:time_period:days{\(Self.search)}"] == 7)
        #expect(text.contains("slo:objective:ratio{\(Self.noRoute)} 0.999\n"))
        #expect(E.close(s["slo:current_burn_rate:ratio{\(Self.pay)}"], 20))
        #expect(E.close(s["slo:period_burn_rate:ratio{\(Self.pay)}"], 20))
        #expect(E.close(s["slo:period_error_budget_remaining:ratio{\(Self.pay)}"], -19))
        #expect(E.close(s["slo:period_error_budget_remaining:ratio{\(Self.search)}"], 0.95))
        #expect(s["slo:current_burn_rate:ratio{\(Self.noRoute)}"] == nil)
        #expect(s["slo:period_burn_rate:ratio{\(Self.noRoute)}"] == nil)
        #expect(s["slo:period_error_budget_remaining:ratio{\(Self.noRoute)}"] == nil)
        #expect(s[#"sloth_slo_info{sloth_id="checkout-availability",sloth_mode="slod",sloth_objective="99.9",sloth_service="checkout",sloth_slo="availability",sloth_spec="slod/v1",sloth_version="1.2.3",team="payments"}"#] == 1)
        #expect(s[#"sloth_slo_info{sloth_id="search-latency",sloth_mode="slod",sloth_objective="99",sloth_service="search",sloth_slo="latency",sloth_spec="slod/v1",sloth_version="1.2.3"}"#] == 1)
    }

    @Test func slodSeriesCountEventsExhaustionInstancesAndRefusals() throws {
        let s = Parsed(try Scenario.snapshot().text).samples
        #expect(s["slod_slo_events_total{\(Self.pay),kind=\"good\"}"] == 980)
        #expect(s["slod_slo_events_total{\(Self.pay),kind=\"total\"}"] == 1_000)
        #expect(s["slod_slo_events_total{\(Self.noRoute),kind=\"total\"}"] == 0)
        #expect(s["slod_slo_events_total{\(Self.search),kind=\"good\"}"] == 9_995)
        // Exhaustion: only where burning with budget left.
        #expect(E.close(s["slod_slo_budget_exhaustion_seconds{\(Self.search)}"], 11_491_200, tolerance: 1e-9))
        #expect(s["slod_slo_budget_exhaustion_seconds{\(Self.pay)}"] == nil)
        #expect(s["slod_slo_budget_exhaustion_seconds{\(Self.noRoute)}"] == nil)
        #expect(s["slod_slo_instances{\(Self.noRoute)}"] == 2)
        #expect(s["slod_slo_instances_refused_total{\(Self.noRoute)}"] == 1)
        #expect(s["slod_slo_instances_refused_total{\(Self.search)}"] == 0)
        #expect(s["slod_slo_series_refused_total{\(Self.search)}"] == 1)
        #expect(s["slod_slo_series_refused_total{\(Self.noRoute)}"] == 0)
        #expect(s["slod_slo_dropped_points_total{\(Self.search),reason=\"too_old\"}"] == 0)
    }

    @Test func familiesAreUniqueTypedAndNonEmpty() throws {
        let families = try Scenario.snapshot().families()
        #expect(Set(families.map(\.name)).count == families.count)
        #expect(families.allSatisfy { !$0.series.isEmpty })
        let kinds = Dictionary(uniqueKeysWithValues: families.map { ($0.name, $0.kind) })
        #expect(kinds["slod_slo_events_total"] == .counter)
        #expect(kinds["slod_slo_instances_refused_total"] == .counter)
        #expect(kinds["sloth_slo_info"] == .info)
        #expect(kinds["slo:sli_error:ratio_rate5m"] == .gauge)
        #expect(kinds["slod_slo_budget_exhaustion_seconds"] == .gauge)
        #expect(families.first?.name == "slo:sli_error:ratio_rate5m")
    }

    @Test func openMetricsOutputNamesInfoAndCounterFamilies() throws {
        var out: [UInt8] = []
        FamilyRenderer.render(try Scenario.snapshot().families(), format: .openMetrics100, into: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.contains("# TYPE sloth_slo info\n"))
        #expect(text.contains("# TYPE slod_slo_events counter\n"))
        #expect(text.contains("# UNIT slod_slo_budget_exhaustion_seconds seconds\n"))
        #expect(text.contains("slod_slo_events_total{\(Self.pay),kind=\"good\"} 980\n"))
        #expect(text.hasSuffix("# EOF\n"))
    }

    @Test func zeroTrafficWritesOnlyTheSLOSeriesAndCounters() throws {
        let engine = try E.engine([try E.spec()])
        let p = Parsed(engine.evaluate(deltas: [], now: E.t0).text)
        #expect(p.problems.isEmpty, "\(p.problems)")
        #expect(p.types == ["slo:objective:ratio", "slo:error_budget:ratio", "slo:time_period:days", "sloth_slo_info",
                            "slod_slo_events_total", "slod_slo_instances", "slod_slo_instances_refused_total", "slod_slo_series_refused_total",
                            "slod_slo_dropped_points_total"])
        #expect(p.samples.values.allSatisfy { $0.isFinite })
    }

    /// A calendar month is exposed under the name `slod rules` gives it (`ratio_rate30d`,
    /// `sloth_window="30d"`) but covers the month; its length in days is the month's.
    @Test func calendarPeriodUsesTheRulesStandInName() throws {
        let engine = try E.engine([try E.spec(period: .calendar(.month, .utc))])
        var shard = FakeShard()
        shard.open(0, layout: engine.layouts[0], now: E.t0)
        shard.add(0, total: 100, bad: 1, at: E.t0 + E.minute)
        let now = E.t0 + 2 * E.minute
        let s = Parsed(engine.evaluate(deltas: [shard.report()], now: now).text).samples
        #expect(s["slo:sli_error:ratio_rate30d{\(Self.plain),sloth_window=\"30d\"}"] == 0.01)
        #expect(s["slo:time_period:days{\(Self.plain)}"] == 31)
        #expect(!s.keys.contains { $0.contains("month") })
    }

    /// A rolling period of 3d has the same series name and labels as the 3d window: it is
    /// written once.
    @Test func aPeriodNamedLikeAWindowIsWrittenOnce() throws {
        let engine = try E.engine([try E.spec(period: .rolling(seconds: 3 * 86_400))])
        var shard = FakeShard()
        shard.open(0, layout: engine.layouts[0], now: E.t0)
        shard.add(0, total: 100, bad: 1, at: E.t0 + E.minute)
        let now = E.t0 + 2 * E.minute
        let p = Parsed(engine.evaluate(deltas: [shard.report()], now: now).text)
        #expect(p.problems.isEmpty, "\(p.problems)")
        #expect(p.samples.keys.filter { $0.hasPrefix("slo:sli_error:ratio_rate3d{") }.count == 1)
    }
}
