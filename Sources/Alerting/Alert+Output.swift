import Exposition
import SLOEngine

/// `GET /api/v1/alerts` and the alert series on `/metrics`.
extension Alert {
    /// RFC 3339 UTC with millisecond precision (`2026-01-01T00:00:52.000Z`), as Prometheus and
    /// Alertmanager write times.
    static func rfc3339(_ nanos: Int64) -> String {
        let millis = nanos / 1_000_000
        let seconds = millis / 1_000 - (millis % 1_000 < 0 ? 1 : 0)
        let ms = millis - seconds * 1_000
        var days = seconds / 86_400, rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(rest / 3_600, 2)):\(pad(rest % 3_600 / 60, 2)):\(pad(rest % 60, 2)).\(pad(ms, 3))Z"
    }

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
            w.string(rfc3339(a.activeSince))
            w.raw(",\"firingAt\":")
            if a.phase == .firing { w.string(rfc3339(a.firingSince)) } else { w.raw("null") }
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
            var pairs = a.labels.map { ($0.name, $0.value) }
            pairs.append(("alertstate", a.phase.rawValue))
            pairs.sort { $0.0 < $1.0 }
            family.series.append(MetricSeries(labels: RenderedLabels(pairs), value: .number(1)))
        }
        return [family]
    }
}
