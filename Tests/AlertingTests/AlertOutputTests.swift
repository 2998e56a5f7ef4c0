@testable import Alerting
import Exposition
import Platform
import Testing

/// `/api/v1/alerts` JSON and the `slod_alerts` series.
@Suite struct AlertOutputTests {
    static let alert = Alert(key: AlertKey(slo: "checkout-availability", groupValues: ["/pay"], tier: "page"), phase: .firing,
                             labels: [AlertLabel("alertname", "SLOBurnRate"), AlertLabel("route", "/pay"), AlertLabel("severity", "page")],
                             annotations: [AlertLabel("summary", "checkout \"availability\": burning\n20× too fast")],
                             value: 20, activeSince: 1_767_225_652_000_000_000, firingSince: 1_767_225_652_000_000_000, resolvedAt: 0,
                             generatorURL: "http://127.0.0.1:4318/api/v1/slos/checkout/availability")

    @Test func timesAreRFC3339InUTC() {
        #expect(Clock.rfc3339(unixNanos: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Clock.rfc3339(unixNanos: 1_767_225_652_123_000_000) == "2026-01-01T00:00:52.123Z")
        #expect(Clock.rfc3339(unixNanos: 951_782_400_000_000_000) == "2000-02-29T00:00:00.000Z")
        #expect(Clock.rfc3339(unixNanos: -1_000_000) == "1969-12-31T23:59:59.999Z")
    }

    @Test func jsonIsShapedLikePrometheusAlerts() {
        let text = String(decoding: Alert.json([Self.alert]), as: UTF8.self)
        #expect(text == #"{"status":"success","data":{"alerts":[{"labels":{"alertname":"SLOBurnRate","route":"/pay","severity":"page"},"annotations":{"summary":"checkout \"availability\": burning\n20× too fast"},"state":"firing","activeAt":"2026-01-01T00:00:52.000Z","firingAt":"2026-01-01T00:00:52.000Z","value":"20.0","generatorURL":"http://127.0.0.1:4318/api/v1/slos/checkout/availability"}]}}"#)
        #expect(String(decoding: Alert.json([]), as: UTF8.self) == #"{"status":"success","data":{"alerts":[]}}"#)
    }

    @Test func seriesCarryTheAlertLabelsAndState() {
        var pending = Self.alert
        pending.phase = .pending
        let families = Alert.families([Self.alert, pending])
        var out: [UInt8] = []
        FamilyRenderer.render(families, format: .text004, into: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.contains(#"slod_alerts{alertname="SLOBurnRate",alertstate="firing",route="/pay",severity="page"} 1"#), "\(text)")
        #expect(text.contains(#"alertstate="pending""#))
        #expect(Alert.families([]).isEmpty)
        // An SLO label named alertstate yields to the state, as in Prometheus' ALERTS.
        var labelled = Self.alert
        labelled.labels.insert(AlertLabel("alertstate", "mine"), at: 1)
        out = []
        FamilyRenderer.render(Alert.families([labelled]), format: .text004, into: &out)
        #expect(String(decoding: out, as: UTF8.self).contains(#"slod_alerts{alertname="SLOBurnRate",alertstate="firing",route="/pay",severity="page"} 1"#))
    }

    @Test func annotationNumbersAreShort() {
        #expect(AlertText.number(14.4) == "14.4" && AlertText.number(20) == "20" && AlertText.number(0.93333) == "0.93")
        #expect(AlertText.percent(0.62) == "62%" && AlertText.percent(0.051) == "5.1%" && AlertText.percent(-1.5) == "-150%")
        #expect(AlertText.duration(seconds: 30) == "30s" && AlertText.duration(seconds: 3_660) == "1h1m")
        #expect(AlertText.duration(seconds: 86_400 * 3 + 7_200 + 59) == "3d2h" && AlertText.duration(seconds: 7_200) == "2h")
    }
}
