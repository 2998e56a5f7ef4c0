import Platform
import Exposition
import SLOEngine

/// `GET /api/v1/alerts` and the alert series on `/metrics`.
extension Alert {
    /// The body of `GET /api/v1/alerts`, shaped like Prometheus' own (`status`, `data.alerts[]`
    /// with `labels`, `annotations`, `state`, `activeAt`, `value` as a string) plus slod's
    /// `firingAt` (null while pending) and `generatorURL`.
    public static func json(_ alerts: [Alert]) -> [UInt8] {
        var w = JSONWriter()
        w.reserve(alerts.count * 600 + 64)
        w.raw("{\"status\":\"success\",\"data\":{\"alerts\":[")
        for (k, a) in alerts.enumerated() {
            if k > 0 { w.raw(",") }
            w.raw("{")
            labelsAndAnnotations(a, into: &w)
            w.raw(",\"state\":")
            w.string(a.phase.rawValue)
            w.raw(",\"activeAt\":")
            w.string(Clock.rfc3339(unixNanos: a.activeSince))
            w.raw(",\"firingAt\":")
            if a.phase == .firing { w.string(Clock.rfc3339(unixNanos: a.firingSince)) } else { w.raw("null") }
            w.raw(",\"value\":")
            w.string(a.value.isFinite ? String(a.value) : "NaN")
            w.raw(",\"generatorURL\":")
            w.string(a.generatorURL)
            w.raw("}")
        }
        w.raw("]}}")
        return w.bytes
    }

    /// `"labels":{…},"annotations":{…}`.
    static func labelsAndAnnotations(_ a: Alert, into w: inout JSONWriter) {
        w.raw("\"labels\":")
        object(a.labels, into: &w)
        w.raw(",\"annotations\":")
        object(a.annotations, into: &w)
    }

    static func object(_ pairs: [AlertLabel], into w: inout JSONWriter) {
        w.raw("{")
        for (k, p) in pairs.enumerated() {
            if k > 0 { w.raw(",") }
            w.string(p.name)
            w.raw(":")
            w.string(p.value)
        }
        w.raw("}")
    }

    /// `slod_alerts{alertstate="pending"|"firing", <alert labels>} 1` per active alert, like
    /// Prometheus' `ALERTS`; nothing when no alert is active.
    public static func families(_ alerts: [Alert]) -> [MetricFamily] {
        guard !alerts.isEmpty else { return [] }
        var family = MetricFamily(name: "slod_alerts", kind: .gauge,
                                  help: "Active SLO alerts (value 1), labelled like the alerts slod sends, with alertstate pending or firing.")
        for a in alerts {
            // As Prometheus' ALERTS: alertstate over a label of that name (an SLO or group label).
            var pairs = a.labels.filter { $0.name != "alertstate" }.map { ($0.name, $0.value) }
            pairs.append(("alertstate", a.phase.rawValue))
            pairs.sort { $0.0 < $1.0 }
            family.series.append(MetricSeries(labels: RenderedLabels(pairs), value: .number(1)))
        }
        return [family]
    }
}
