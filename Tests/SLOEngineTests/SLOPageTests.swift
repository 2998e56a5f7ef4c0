import Alerting
import SLO
@testable import SLOEngine
import Testing
@testable import UI

/// One SLO instance's page (`UI.SLOPage`): which instance a URL names, the headline figures and
/// the counts behind them, the windows, the alert tiers' state, the definition.
@Suite struct SLOPageTests {
    static func page(_ snapshot: SLOSnapshot, alerts: [Alert] = [], _ service: String, _ name: String, query: String = "") throws -> String? {
        guard case .instance(let page) = try SLOPage.locate(snapshot: snapshot, alerts: alerts, service: service, name: name,
                                                             query: Substring(query)) else { return nil }
        return String(decoding: page.render(), as: UTF8.self)
    }

    @Test func theURLNamesTheInstanceByItsGroupLabels() throws {
        let snapshot = try Scenario.snapshot()
        let pay = try #require(try Self.page(snapshot, "checkout", "availability", query: "http_route=%2Fpay"))
        #expect(pay.contains("<h2>checkout / availability {http_route=/pay}</h2>"))
        // An absent group label is the empty value: the instance without a route.
        let noRoute = try #require(try Self.page(snapshot, "checkout", "availability"))
        #expect(noRoute.contains("{http_route=}"))
        guard case .noInstance(_, _, let values) = try SLOPage.locate(snapshot: snapshot, alerts: [], service: "checkout",
                                                                      name: "availability", query: "http_route=/cart") else {
            Issue.record("a refused route has no instance")
            return
        }
        #expect(values == ["/cart"])
        guard case .noSLO = try SLOPage.locate(snapshot: snapshot, alerts: [], service: "checkout", name: "latency", query: "") else {
            Issue.record("no such SLO")
            return
        }
        #expect(throws: QueryError("unknown parameter \"route\" (expected its group_by labels: http_route)")) {
            _ = try SLOPage.locate(snapshot: snapshot, alerts: [], service: "checkout", name: "availability", query: "route=%2Fpay")
        }
        #expect(throws: QueryError("unknown parameter \"x\" (this SLO has no group_by labels)")) {
            _ = try SLOPage.locate(snapshot: snapshot, alerts: [], service: "search", name: "latency", query: "x=1")
        }
    }

    @Test func headlineFiguresShowTheCountsBehindThem() throws {
        let snapshot = try Scenario.snapshot()
        let pay = try #require(try Self.page(snapshot, "checkout", "availability", query: "http_route=%2Fpay"))
        // 980 of 1,000 good; 20 bad where 0.1 % of 1,000 = 1 is allowed: −1,900 % left.
        #expect(pay.contains("98.000 %") && pay.contains("980 good of 1,000 events"))
        #expect(pay.contains("-1900.0 %") && pay.contains("20 bad of 1 allowed so far"))
        #expect(pay.contains("20.0×") && pay.contains("exhausted"))
        let search = try #require(try Self.page(snapshot, "search", "latency"))
        #expect(search.contains("99.950 %") && search.contains("9,995 good of 10,000 events"))
        #expect(search.contains("95.0 %") && search.contains("5 bad of 100 allowed so far") && search.contains("in 133d 0h"))
        #expect(search.contains("7d from 2025-12-25T01:00:00Z (rolling)"))
        let empty = try #require(try Self.page(snapshot, "checkout", "availability"))
        #expect(empty.contains("no events in the period yet") && !empty.contains("NaN"))
    }

    @Test func everyWindowIsListedWithItsCounts() throws {
        let pay = try #require(try Self.page(Scenario.snapshot(), "checkout", "availability", query: "http_route=%2Fpay"))
        for label in ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d (period)"] {
            let row = pay.split(separator: "<tr>").first { $0.hasPrefix("<th scope=\"row\">\(label)</th>") }
            #expect(row?.contains("<td class=\"num\">980</td><td class=\"num\">20</td><td class=\"num\">1,000</td>") == true, "\(label)")
            #expect(row?.contains("2.0000 %") == true && row?.contains("20.0×") == true, "\(label)")
        }
    }

    @Test func alertTiersShowTheirConditionsAndState() throws {
        let firing = Alert(key: AlertKey(slo: "checkout-availability", groupValues: ["/pay"], tier: "page"), phase: .firing, labels: [],
                           annotations: [], value: 20, activeSince: Scenario.now - E.minute, firingSince: Scenario.now, resolvedAt: 0,
                           generatorURL: "")
        let pay = try #require(try Self.page(Scenario.snapshot(), alerts: [firing], "checkout", "availability", query: "http_route=%2Fpay"))
        let page = try #require(pay.split(separator: "<tr>").first { $0.hasPrefix("<th scope=\"row\">page</th>") })
        #expect(page.contains("burn rate ≥ 14.4× over 1h and 5m") && page.contains("firing") && page.contains("2026-01-01T01:00:00Z"))
        let ticket = try #require(pay.split(separator: "<tr>").first { $0.hasPrefix("<th scope=\"row\">ticket</th>") })
        #expect(ticket.contains("inactive"))
        // Another instance of the same SLO does not show this instance's alert.
        let other = try #require(try Self.page(Scenario.snapshot(), alerts: [firing], "checkout", "availability"))
        #expect(!other.contains("firing"))
    }

    @Test func theDefinitionIsShownAsConfigured() throws {
        let pay = try #require(try Self.page(Scenario.snapshot(), "checkout", "availability", query: "http_route=%2Fpay"))
        #expect(pay.contains("<dt>Total events</dt><dd><code>http_requests_total</code></dd>"))
        #expect(pay.contains("<dt>Bad events</dt><dd><code>http_requests_total{code=~&quot;5..&quot;}</code></dd>"))
        #expect(pay.contains("<dt>Grouped by</dt><dd><code>http_route</code></dd>"))
        #expect(pay.contains("<dt>Labels</dt><dd><code>team=payments</code></dd>"))
        #expect(pay.contains("<dt>Defined at</dt><dd><code>slod.yaml:3:5</code></dd>"))
    }

    @Test func theListLinksToEachInstancesPage() throws {
        let list = String(decoding: SLOListPage(snapshot: try Scenario.snapshot(), alerts: [], query: SLOListQuery()).render(), as: UTF8.self)
        #expect(list.contains("href=\"/ui/slo/checkout/availability?http_route=%2Fpay\""))
        #expect(list.contains("href=\"/ui/slo/checkout/availability\""))
        #expect(list.contains("href=\"/ui/slo/search/latency\""))
        #expect(Format.count(1_234_567) == "1,234,567" && Format.count(-1_000) == "-1,000" && Format.count(12.5) == "12.50")
    }
}
