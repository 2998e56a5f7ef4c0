import Alerting
import SLO
@testable import SLOEngine
import Testing
@testable import UI

/// The SLO list page (`UI.SLOListPage`) over the engine tests' `Scenario` snapshot: the figures
/// it shows, escaping, filters, sorting, paging and the query's errors.
@Suite struct SLOListPageTests {
    static func page(_ snapshot: SLOSnapshot, alerts: [Alert] = [], query: String = "") throws -> String {
        let q = try SLOListQuery(parsing: Substring(query))
        return String(decoding: SLOListPage(snapshot: snapshot, alerts: alerts, query: q).render(), as: UTF8.self)
    }

    /// The table row (`<tr>…</tr>`) that names `group`, or nil.
    static func row(_ html: String, containing text: String) -> Substring? {
        html.split(separator: "<tr>").first { $0.contains(text) && $0.contains("</tr>") }
    }

    static func alert(_ slo: String, group: [String], tier: String, phase: AlertPhase) -> Alert {
        Alert(key: AlertKey(slo: slo, groupValues: group, tier: tier), phase: phase, labels: [], annotations: [], value: 20,
              activeSince: Scenario.now - E.minute, firingSince: phase == .firing ? Scenario.now : 0, resolvedAt: 0, generatorURL: "")
    }

    @Test func showsEachInstancesFiguresAsTheSnapshotHasThem() throws {
        let html = try Self.page(Scenario.snapshot())
        #expect(html.contains("3 SLO instances of 2 SLOs"))
        // /pay: 980 of 1,000 good, burn rate 20 everywhere, budget −1,900 %: exhausted.
        let pay = try #require(Self.row(html, containing: "http_route=/pay"))
        #expect(pay.contains("98.000 %"))
        #expect(pay.contains("99.9 %") && pay.contains("30d"))
        #expect(pay.contains("-1900.0 %") && pay.contains("exhausted"))
        #expect(pay.components(separatedBy: "20.0×").count - 1 == 5, "five burn-rate columns")
        #expect(pay.contains("team=payments"))
        // search/latency: 5 bad of 10,000 over the hour, 95 % left, exhaustion in 133 days.
        let search = try #require(Self.row(html, containing: "/ui/slo/search/latency"))
        #expect(search.contains("99.950 %") && search.contains("95.0 %") && search.contains("133d 0h"))
        #expect(search.contains("0.05×"))
        // The route-less instance: no data anywhere, never a NaN.
        let empty = try #require(Self.row(html, containing: "http_route=∅"))
        #expect(empty.contains("no data"))
        #expect(!html.contains("NaN") && !html.contains("nan"))
        // The budget bar is clamped to its box: an exhausted budget draws an empty bar.
        #expect(pay.contains("width=\"0\"") && search.contains("width=\"95\""))
    }

    @Test func sortsByBudgetLeftAndGroupsInstancesUnderTheirSLO() throws {
        let html = try Self.page(Scenario.snapshot())
        let pay = try #require(html.range(of: "http_route=/pay")), empty = try #require(html.range(of: "http_route=∅"))
        let search = try #require(html.range(of: "/ui/slo/search/latency"))
        // The grouped SLO's instances share its <details> (least budget first, no data last);
        // the SLO whose worst instance has the least budget comes first.
        #expect(pay.lowerBound < empty.lowerBound && empty.lowerBound < search.lowerBound)
        #expect(html.contains("<details open>\n<summary><strong>checkout / availability</strong> by http_route · 2 instances shown"))
        let byName = try Self.page(Scenario.snapshot(), query: "sort=name")
        let a = try #require(byName.range(of: "http_route=∅")), b = try #require(byName.range(of: "http_route=/pay"))
        #expect(a.lowerBound < b.lowerBound, "name order keeps the snapshot's order of group values")
    }

    @Test func filtersByServiceLabelStateAndBudget() throws {
        let snapshot = try Scenario.snapshot()
        let search = try Self.page(snapshot, query: "service=search")
        #expect(search.contains("1 SLO instance of 2 SLOs") && !search.contains("http_route="))
        let team = try Self.page(snapshot, query: "label=team%3Dpayments")
        #expect(team.contains("2 SLO instances") && !team.contains("/ui/slo/search/latency"))
        let noData = try Self.page(snapshot, query: "state=no_data")
        #expect(noData.contains("1 SLO instance") && noData.contains("http_route=∅"))
        let low = try Self.page(snapshot, query: "budget_below=50")
        #expect(low.contains("1 SLO instance") && low.contains("http_route=/pay"))
        let none = try Self.page(snapshot, query: "service=nobody")
        #expect(none.contains("No SLO instance matches these filters."))
        // The form shows the filters it applied.
        #expect(team.contains("name=\"label\" value=\"team=payments\""))
        #expect(low.contains("name=\"budget_below\" inputmode=\"decimal\" size=\"5\" value=\"50\""))
    }

    @Test func alertStateComesFromTheInstancesAlerts() throws {
        let alerts = [Self.alert("checkout-availability", group: ["/pay"], tier: "page", phase: .firing),
                      Self.alert("checkout-availability", group: ["/pay"], tier: "ticket", phase: .pending),
                      Self.alert("search-latency", group: [], tier: "ticket", phase: .pending)]
        let html = try Self.page(Scenario.snapshot(), alerts: alerts)
        let pay = try #require(Self.row(html, containing: "http_route=/pay"))
        #expect(pay.contains("<span class=\"bad state\">firing</span> page"))
        let search = try #require(Self.row(html, containing: "/ui/slo/search/latency"))
        #expect(search.contains("<span class=\"warn state\">pending</span> ticket"))
        #expect(html.contains("1 firing"))
        let firing = try Self.page(Scenario.snapshot(), alerts: alerts, query: "state=firing")
        #expect(firing.contains("1 SLO instance") && firing.contains("http_route=/pay"))
    }

    @Test func userControlledStringsAreEscaped() throws {
        let xss = "<script>alert(1)</script>"
        // Service and SLO names are restricted to `[A-Za-z0-9_.-]` by the configuration; label
        // and group values come from telemetry and configuration as they are.
        let spec = try E.spec(groupBy: ["route"], labels: ["team": xss, "note": "a\"b'c&d"])
        let engine = try E.engine([spec])
        let instance = try #require(engine.registry.instance(for: SLOInstanceKey(slo: 0, groupValues: [xss])))
        var shard = FakeShard()
        shard.open(instance, layout: engine.layouts[0], now: E.t0)
        shard.add(instance, total: 10, bad: 1, at: E.t0 + E.minute)
        let snapshot = engine.evaluate(deltas: [shard.report()], now: E.t0 + 2 * E.minute)
        let html = try Self.page(snapshot, query: "label=" + "team=\(xss)".addingQueryEscapes)
        #expect(!html.contains("<script>") && !html.contains("<img"))
        #expect(html.contains("route=&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("team=&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("note=a&quot;b&#39;c&amp;d"))
        // Back in the filter form's attribute, the value stays escaped.
        #expect(html.contains("name=\"label\" value=\"team=&lt;script&gt;alert(1)&lt;/script&gt;\""))
        #expect(html.contains("1 SLO instance"), "the label filter matched the odd value")
    }

    @Test func pagesHoldAHundredInstancesAndLinkToEachOther() throws {
        let spec = try E.spec(groupBy: ["route"], maxInstances: 1_000)
        let engine = try E.engine([spec])
        for k in 0..<250 { _ = try #require(engine.registry.instance(for: SLOInstanceKey(slo: 0, groupValues: ["/r\(1000 + k)"]))) }
        let snapshot = engine.evaluate(deltas: [], now: E.t0 + E.minute)
        let first = try Self.page(snapshot)
        #expect(first.contains("250 SLO instances") && first.contains("page 1 of 3"))
        #expect(first.components(separatedBy: "<tr><td>").count - 1 == SLOListPage.pageSize)
        #expect(first.contains("<details>\n<summary>"), "a group of more than ten shown instances starts closed")
        #expect(first.contains("rel=\"next\" href=\"/?page=2\"") && !first.contains("rel=\"prev\""))
        let third = try Self.page(snapshot, query: "page=3&sort=name&service=checkout")
        #expect(third.components(separatedBy: "<tr><td>").count - 1 == 50)
        #expect(third.contains("rel=\"prev\" href=\"/?service=checkout&amp;sort=name&amp;page=2\""))
        #expect(third.contains("route=/r1249") && !third.contains("route=/r1000"))
        // Past the last page: the last page.
        #expect(try Self.page(snapshot, query: "page=9").contains("page 3 of 3"))
    }

    @Test func queriesTheListCannotUseAreRefusedByName() throws {
        func message(_ query: String) -> String? {
            do { _ = try SLOListQuery(parsing: Substring(query)); return nil } catch { return error.description }
        }
        #expect(message("state=burning")?.contains("state: expected one of any, firing, pending, no_data, got \"burning\"") == true)
        #expect(message("budget_below=lots")?.contains("budget_below: expected a percentage") == true)
        #expect(message("page=0")?.contains("page: expected a page number") == true)
        #expect(message("label=team")?.contains("label: expected NAME=VALUE") == true)
        #expect(message("colour=red")?.contains("unknown parameter \"colour\"") == true)
        #expect(message("service=%E2%82")?.contains("service: not valid UTF-8") == true)
        #expect(message("service=%zz")?.contains("service: malformed percent-escape") == true)
        let q = try SLOListQuery(parsing: "service=my+shop&label=team%3Dpay%20ments&state=&sort=name")
        #expect(q.service == "my shop" && q.label?.name == "team" && q.label?.value == "pay ments" && q.state == .any && q.sort == .name)
        let error = String(decoding: SLOListPage.errorPage("bad <b>"), as: UTF8.self)
        #expect(error.contains("bad &lt;b&gt;"))
    }

    @Test func numbersAreWrittenWithFixedDecimals() throws {
        #expect(Format.fixed(0.125, decimals: 2) == "0.13" && Format.fixed(-0.004, decimals: 2) == "0.00")
        #expect(Format.fixed(-1.5, decimals: 1) == "-1.5" && Format.fixed(.nan, decimals: 1) == "—")
        #expect(Format.percent(0.6234) == "62.3 %" && Format.burnRate(350.4) == "350×" && Format.burnRate(14.44) == "14.4×")
        let precise = try Objective(percent: "99.95"), whole = try Objective(percent: "99")
        #expect(Format.objective(precise) == "99.95 %" && Format.objective(whole) == "99 %")
        #expect(Format.duration(seconds: 30) == "< 1m" && Format.duration(seconds: 3_700) == "1h 1m" && Format.duration(seconds: 90_000) == "1d 1h")
        #expect(UTCTimestamp.text(nanos: E.t0 + E.hour + 5 * E.second) == "2026-01-01T01:00:05Z")
    }
}

extension String {
    /// Percent-encoded as a query value (what a browser's form sends).
    var addingQueryEscapes: String {
        var w = HTMLWriter()
        w.queryComponent(self)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
