import Platform
import Primitives
import SLOEngine

/// The request bodies slod's notifiers send, each in the format its receiver documents.
/// Pure functions of the alerts and the instant; the outboxes (`NotifierOutbox`) deliver them.
public enum NotifierPayload {
    /// Alertmanager API v2, `POST /api/v2/alerts`: a JSON array of
    /// `{labels, annotations, startsAt, endsAt, generatorURL}`. As Prometheus does, a firing
    /// alert's `endsAt` lies `validFor` in the future (Prometheus: 4 × max(evaluation interval,
    /// resend delay)), so Alertmanager resolves it by itself if slod stops re-sending it; a
    /// resolved alert's `endsAt` is its resolution time.
    public static func alertmanager(_ alerts: [Alert], now: Int64, validForNanos: Int64) -> [UInt8] {
        var w = JSONWriter()
        w.reserve(alerts.count * 700 + 2)
        w.raw("[")
        for (k, a) in alerts.enumerated() {
            if k > 0 { w.raw(",") }
            w.raw("{")
            Alert.labelsAndAnnotations(a, into: &w)
            w.raw(",\"startsAt\":")
            w.string(Clock.rfc3339(unixNanos: a.activeSince))
            w.raw(",\"endsAt\":")
            w.string(Clock.rfc3339(unixNanos: a.phase == .firing ? now &+ validForNanos : a.resolvedAt))
            w.raw(",\"generatorURL\":")
            w.string(a.generatorURL)
            w.raw("}")
        }
        w.raw("]")
        return w.bytes
    }

    /// The Alertmanager webhook payload, version 4 (what Alertmanager POSTs to a
    /// `webhook_configs` receiver), so receivers written for Alertmanager work unchanged: one
    /// notification per alert group; slod groups by alert (`groupKey` = the alert's key), so
    /// `groupLabels`/`commonLabels` are the alert's labels.
    public static func webhook(_ alert: Alert, status: AlertTransition, receiver: String, externalURL: String, now: Int64) -> [UInt8] {
        let firing = status == .firing
        var w = JSONWriter()
        w.reserve(1_600)
        w.raw("{\"version\":\"4\",\"groupKey\":")
        w.string("{}:{alertname=\"\(alert.label("alertname") ?? "")\", slo=\"\(alert.key)\"}")
        w.raw(",\"truncatedAlerts\":0,\"status\":")
        w.string(firing ? "firing" : "resolved")
        w.raw(",\"receiver\":")
        w.string(receiver)
        w.raw(",\"groupLabels\":")
        Alert.object(alert.labels, into: &w)
        w.raw(",\"commonLabels\":")
        Alert.object(alert.labels, into: &w)
        w.raw(",\"commonAnnotations\":")
        Alert.object(alert.annotations, into: &w)
        w.raw(",\"externalURL\":")
        w.string(externalURL)
        w.raw(",\"alerts\":[{\"status\":")
        w.string(firing ? "firing" : "resolved")
        w.raw(",")
        Alert.labelsAndAnnotations(alert, into: &w)
        w.raw(",\"startsAt\":")
        w.string(Clock.rfc3339(unixNanos: alert.activeSince))
        w.raw(",\"endsAt\":")
        // Alertmanager writes the zero time for alerts that have not ended.
        w.string(firing ? "0001-01-01T00:00:00Z" : Clock.rfc3339(unixNanos: alert.resolvedAt))
        w.raw(",\"generatorURL\":")
        w.string(alert.generatorURL)
        w.raw(",\"fingerprint\":")
        w.string(fingerprint(alert))
        w.raw("}]}")
        return w.bytes
    }

    /// PagerDuty Events API v2 (`POST /v2/enqueue`): `trigger` with a summary, source,
    /// severity (`pagerDutySeverity`), the SLO's service as `component`, its name as `group`,
    /// the tier (`sloth_severity`) as `class`, and the alert's labels (`sloth_*` among them),
    /// annotations and numbers as `custom_details`, or
    /// `resolve`; both with the same `dedup_key` (the alert's key, at most 255 characters),
    /// so PagerDuty opens one incident per alert and closes it on resolution.
    public static func pagerDuty(_ alert: Alert, status: AlertTransition, routingKey: String, source: String) -> [UInt8] {
        var w = JSONWriter()
        w.reserve(1_200)
        w.raw("{\"routing_key\":")
        w.string(routingKey)
        w.raw(",\"event_action\":")
        w.string(status == .firing ? "trigger" : "resolve")
        w.raw(",\"dedup_key\":")
        w.string(dedupKey(alert))
        if status == .firing {
            w.raw(",\"payload\":{\"summary\":")
            w.string(String((alert.annotation("summary") ?? alert.key.description).prefix(1_024)))
            w.raw(",\"source\":")
            w.string(source)
            w.raw(",\"severity\":")
            w.string(pagerDutySeverity(alert))
            w.raw(",\"timestamp\":")
            w.string(Clock.rfc3339(unixNanos: alert.firingSince))
            w.raw(",\"component\":")
            w.string(alert.label("sloth_service") ?? "")
            w.raw(",\"group\":")
            w.string(alert.label("sloth_slo") ?? "")
            w.raw(",\"class\":")
            w.string(alert.label("sloth_severity") ?? "")
            w.raw(",\"custom_details\":{")
            Alert.labelsAndAnnotations(alert, into: &w)
            w.raw(",\"value\":")
            w.number(alert.value)
            w.raw("}}")
            w.raw(",\"links\":[{\"href\":")
            w.string(alert.generatorURL)
            w.raw(",\"text\":\"SLO status\"}]")
        }
        w.raw("}")
        return w.bytes
    }

    /// One of PagerDuty's four severities: from the `severity` label when configured and one
    /// of them (or `page`/`ticket`), else from the tier (`sloth_severity`): `page` → critical,
    /// `ticket` → warning, a tier named like a PagerDuty severity → that, any other → info.
    static func pagerDutySeverity(_ alert: Alert) -> String {
        for label in ["severity", "sloth_severity"] {
            switch alert.label(label) {
            case let value? where ["critical", "error", "warning", "info"].contains(value): return value
            case "page": return "critical"
            case "ticket": return "warning"
            default: continue
            }
        }
        return "info"
    }

    /// `slod/<slo>/<group values>/<tier>`, cut to PagerDuty's 255 characters (with a hash of
    /// the whole when cut, so long keys stay distinct).
    static func dedupKey(_ alert: Alert) -> String {
        let full = "slod/\(alert.key.slo)/\(alert.key.groupValues.joined(separator: ","))/\(alert.key.tier)"
        guard full.utf8.count > 255 else { return full }
        return String(decoding: full.utf8.prefix(230), as: UTF8.self) + "#" + fingerprint(alert)
    }

    /// 16 hex digits identifying the alert by its labels (like Alertmanager's fingerprint).
    static func fingerprint(_ alert: Alert) -> String {
        var h: UInt64 = 0x736c_6f64
        for l in alert.labels {
            let bytes = Array(l.name.utf8) + [0xFF] + Array(l.value.utf8) + [0xFE]
            h = Hash64.combine(h, bytes.withUnsafeBytes { Hash64.hash($0) })
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
