import Foundation
import Testing

/// The built-in pages served by the real binary: the SLO list at `/` and `/ui/`, its headers
/// (Content-Security-Policy, nosniff), escaping of configured strings, refused queries, the
/// stylesheet.
extension Integration {
    @Suite struct UIPages {
        static let sloConfig = """
        slos:
          - service: shop
            name: availability
            objective: 99.5
            period: 30d
            labels: {team: "<script>alert(1)</script>"}
            sli:
              events:
                total: slod_ui_requests_total
                bad: 'slod_ui_requests_total{code="500"}'
          - service: shop
            name: routes
            objective: 99
            period: 7d
            group_by: [route]
            sli:
              events:
                total: slod_ui_requests_total
                bad: 'slod_ui_requests_total{code="500"}'

        """

        @Test func theSLOListIsServedSafely() throws {
            let slod = try SlodServer(config: testConfig() + Self.sloConfig)
            defer { slod.stop() }
            for path in ["/", "/ui/"] {
                let r = try slod.get(path)
                #expect(r.status == 200, "\(path): \(r)")
                #expect(r.header("Content-Type") == "text/html; charset=utf-8")
                let csp = r.header("Content-Security-Policy") ?? ""
                #expect(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'") && csp.contains("style-src 'self'"), "\(csp)")
                #expect(r.header("X-Content-Type-Options") == "nosniff")
                let html = r.text
                #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("</html>"))
                #expect(html.contains("team=&lt;script&gt;alert(1)&lt;/script&gt;"), "\(html.prefix(4000))")
                #expect(!html.contains("<script"), "a configured label reached the page as markup")
                #expect(html.contains("1 SLO instance of 2 SLOs"), "the grouped SLO has no instance before data")
                #expect(html.contains("99.5 %") && html.contains("no data"))
            }
            let refused = try slod.get("/?state=burning")
            #expect(refused.status == 400)
            #expect(refused.text.contains("state: expected one of any, firing, pending, no_data, got &quot;burning&quot;"), "\(refused.text)")
            #expect(refused.header("Content-Security-Policy") != nil)
            // One instance's page, linked from the list; unknown SLOs and instances are 404s,
            // a query naming no group label a 400.
            let list = try slod.get("/").text
            #expect(list.contains("href=\"/ui/slo/shop/availability\""))
            let page = try slod.get("/ui/slo/shop/availability")
            #expect(page.status == 200 && page.header("Content-Security-Policy") != nil)
            #expect(page.text.contains("<h2>shop / availability</h2>") && page.text.contains("team=&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!page.text.contains("<script"))
            #expect(page.text.contains("<dt>Bad events</dt><dd><code>slod_ui_requests_total{code=&quot;500&quot;}</code></dd>"))
            #expect(try slod.get("/ui/slo/shop/nope").status == 404)
            #expect(try slod.get("/ui/slo/shop/routes?route=%2Fpay").status == 404, "no series fed that instance")
            let unknown = try slod.get("/ui/slo/shop/availability?route=x")
            #expect(unknown.status == 400 && unknown.text.contains("unknown parameter &quot;route&quot;"), "\(unknown.text)")

            let alertsPage = try slod.get("/ui/alerts")
            #expect(alertsPage.status == 200 && alertsPage.header("Content-Security-Policy") != nil)
            #expect(alertsPage.text.contains("No alert is pending or firing."), "\(alertsPage.text)")

            let css = try slod.get("/ui/style.css")
            #expect(css.status == 200 && css.header("Content-Type") == "text/css; charset=utf-8")
            #expect(css.text.contains("prefers-color-scheme:dark"))
            #expect(try slod.get("/ui/nothing-here").status == 404)
        }
    }
}
