import SLO

/// The identity of an alert: SLO instance × tier. Stable across reloads and restarts (it names
/// the SLO and the group values, not the engine's instance ids), so a changing value or window
/// never makes a new alert.
public struct AlertKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `service-name` (Sloth's `sloth_id`).
    public var slo: String
    public var groupValues: [String]
    public var tier: String

    public init(slo: String, groupValues: [String], tier: String) {
        self.slo = slo
        self.groupValues = groupValues
        self.tier = tier
    }

    public static func < (a: AlertKey, b: AlertKey) -> Bool {
        if a.slo != b.slo { return a.slo < b.slo }
        if a.groupValues != b.groupValues { return a.groupValues.lexicographicallyPrecedes(b.groupValues) }
        return a.tier < b.tier
    }

    public var description: String {
        groupValues.isEmpty ? "\(slo)/\(tier)" : "\(slo){\(groupValues.joined(separator: ","))}/\(tier)"
    }
}

/// A label or annotation.
public struct AlertLabel: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One alert as slod shows it (`/api/v1/alerts`) and sends it (notifiers): Prometheus'
/// alert model — labels identify it, annotations describe it, times bound it.
public struct Alert: Sendable, Equatable {
    public var key: AlertKey
    public var phase: AlertPhase
    /// Sorted by name: the instance's series labels (`sloth_id`, `sloth_service`, `sloth_slo`,
    /// the SLO's labels, the group labels), `sloth_severity` (the tier's name), the user's alert
    /// labels (`severity` when configured) and `alertname`, as `AlertPolicy.alertLabels` makes
    /// them for slod's alerts and the rules' alike.
    public var labels: [AlertLabel]
    /// `summary`, `description`, `runbook_url` (when configured) and the user's annotations
    /// (which replace generated ones of the same name), sorted by name.
    public var annotations: [AlertLabel]
    /// The burn rate over the long window of the condition that held last (for a budget alert:
    /// the remaining budget).
    public var value: Double
    /// Unix nanoseconds: start of the episode, firing, resolution (0 when not applicable).
    public var activeSince: Int64
    public var firingSince: Int64
    public var resolvedAt: Int64
    /// Where to look: slod's JSON for the SLO.
    public var generatorURL: String

    public init(key: AlertKey, phase: AlertPhase, labels: [AlertLabel], annotations: [AlertLabel], value: Double,
                activeSince: Int64, firingSince: Int64, resolvedAt: Int64, generatorURL: String) {
        self.key = key
        self.phase = phase
        self.labels = labels
        self.annotations = annotations
        self.value = value
        self.activeSince = activeSince
        self.firingSince = firingSince
        self.resolvedAt = resolvedAt
        self.generatorURL = generatorURL
    }

    /// The value of label `name`, if present.
    public func label(_ name: String) -> String? { labels.first { $0.name == name }?.value }

    /// The value of annotation `name`, if present.
    public func annotation(_ name: String) -> String? { annotations.first { $0.name == name }?.value }
}

/// A change notifiers act on: an alert began firing, or resolved.
public struct AlertNotice: Sendable, Equatable {
    public var alert: Alert
    /// `.firing` or `.resolved`.
    public var transition: AlertTransition

    public init(alert: Alert, transition: AlertTransition) {
        self.alert = alert
        self.transition = transition
    }
}

/// Human-readable numbers for annotations.
enum AlertText {
    /// `14.4`, `0.93`, `120` — at most two decimals, no trailing zeros.
    static func number(_ x: Double) -> String {
        guard x.isFinite else { return x > 0 ? "+Inf" : (x < 0 ? "-Inf" : "NaN") }
        let rounded = (x * 100).rounded() / 100
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int64(rounded)) }
        var text = String(rounded)
        if text.contains("e") { return text }
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// `62%` of a ratio (0.62); one decimal below 10 %.
    static func percent(_ ratio: Double) -> String {
        let p = ratio * 100
        return (abs(p) < 10 ? number((p * 10).rounded() / 10) : number(p.rounded())) + "%"
    }

    /// `3d4h`, `2h5m`, `45m`, `30s`: the largest unit and the next one when not zero.
    static func duration(seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 1e15 else { return "never" }
        let s = Int64(seconds.rounded())
        if s < 60 { return "\(s)s" }
        let parts: [(Int64, String)] = [(s / 86_400, "d"), (s % 86_400 / 3_600, "h"), (s % 3_600 / 60, "m")]
        let first = parts.firstIndex { $0.0 > 0 }!
        var out = "\(parts[first].0)\(parts[first].1)"
        if first + 1 < parts.count, parts[first + 1].0 > 0 { out += "\(parts[first + 1].0)\(parts[first + 1].1)" }
        return out
    }
}
