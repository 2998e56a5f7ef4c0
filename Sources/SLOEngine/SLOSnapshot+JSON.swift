import SLO

/// The snapshot as the JSON body of `GET /api/v1/slos` and `GET /api/v1/slos/{service}/{name}`.
///
/// ```json
/// {"time": 1767225600.5,
///  "slos": [{"service": "checkout", "name": "availability", "description": "…", "labels": {"http_route": "/pay", "team": "payments"},
///            "objective": 99.9, "period": "30d", "budgeting": "occurrences",
///            "period_start": 1764633600.5, "period_end": null,
///            "windows": {"5m": {"good": 29400, "total": 30000, "error_ratio": 0.02, "burn_rate": 20}, …,
///                        "30d": {…}},
///            "budget": {"remaining_ratio": 0.62, "consumed_ratio": 0.38, "exhaustion_seconds": 86400,
///                       "error_ratio": 0.00038},
///            "events": {"good": 1234, "total": 1240}, "dropped_points": 0}]}
/// ```
///
/// - One entry per instance, by SLO (configuration order), then group values. `labels` holds
///   the instance's group labels (empty values left out) and the SLO's labels.
/// - `windows` are keyed by window, the period last under its label (`30d`, `month`, `week`);
///   a rolling period of exactly `1d` or `3d` shares its key with that rolling window, which
///   is then the one shown (the period's numbers are in `budget`). For the timeslice methods
///   `good` and `total` count slices (good slices, or the sum of slice ratios) instead of events.
/// - `null` where there is no data (no events in the window); never NaN or infinities.
/// - Numbers are the shortest text that reads back as the same double; integral values
///   below 2^53 are written without a fraction (`29400`, not `29400.0`). Times are Unix seconds.
extension SLOSnapshot {
    /// The body for all SLOs (both arguments nil), for one service (`service` only), or for one
    /// SLO. An unknown SLO gives `{"slos":[]}`: ask `hasSLO(service:name:)` first to answer 404.
    public func json(service: String? = nil, name: String? = nil) -> [UInt8] {
        var w = JSONWriter()
        w.reserve((service == nil && name == nil ? instances.count : 1) * 1_280)   // ~1.2 KB per instance
        w.raw("{\"time\":")
        w.number(Double(nowNanos) / 1e9)
        w.raw(",\"slos\":[")
        var first = true
        for (slo, spec) in specs.enumerated() {
            if let service, spec.service != service { continue }
            if let name, spec.name != name { continue }
            for instance in instances(ofSLO: slo) {
                if !first { w.raw(",") }
                first = false
                write(instance, spec: spec, into: &w)
            }
        }
        w.raw("]}")
        return w.bytes
    }

    private func write(_ instance: Instance, spec: SLOSpec, into w: inout JSONWriter) {
        let output = outputs[instance.slo]
        let budget = instance.budget
        w.raw("{\"service\":")
        w.string(spec.service)
        w.raw(",\"name\":")
        w.string(spec.name)
        w.raw(",\"description\":")
        w.string(spec.description)
        w.raw(",\"labels\":{")
        for (k, (label, value)) in instance.labels.userPairs.enumerated() {
            if k > 0 { w.raw(",") }
            w.string(label)
            w.raw(":")
            w.string(value)
        }
        w.raw("},\"objective\":")
        w.number(Double(spec.objective.partsPerBillion) / 1e7)
        w.raw(",\"period\":")
        w.string(spec.period.label)
        w.raw(",\"budgeting\":")
        w.string(spec.budgeting.label)
        w.raw(",\"period_start\":")
        w.number(Double(budget.period.startNanos) / 1e9)
        w.raw(",\"period_end\":")
        w.number(budget.period.endNanos.map { Double($0) / 1e9 })
        w.raw(",\"windows\":{")
        let windows = output.layout.windows
        var firstWindow = true
        for (j, window) in windows.enumerated() {
            if window.isPeriod, windows.contains(where: { !$0.isPeriod && $0.label == window.label }) { continue }
            if !firstWindow { w.raw(",") }
            firstWindow = false
            let s = self.window(instance, j)
            w.string(window.label)
            w.raw(":{\"good\":")
            w.number(s.good)
            w.raw(",\"total\":")
            w.number(s.total)
            w.raw(",\"error_ratio\":")
            w.number(s.errorRatio)
            w.raw(",\"burn_rate\":")
            w.number(s.burnRate)
            w.raw("}")
        }
        w.raw("},\"budget\":{\"remaining_ratio\":")
        w.number(budget.remaining)
        w.raw(",\"consumed_ratio\":")
        w.number(budget.consumed)
        w.raw(",\"exhaustion_seconds\":")
        w.number(budget.exhaustionSeconds)
        w.raw(",\"error_ratio\":")
        w.number(budget.errorRatio)
        w.raw("},\"events\":{\"good\":")
        w.number(instance.goodEvents)
        w.raw(",\"total\":")
        w.number(instance.totalEvents)
        w.raw("},\"dropped_points\":")
        w.number(Double(instance.drops.total))
        w.raw("}")
    }
}

/// A minimal JSON text writer: the caller writes the structure (`raw`), the writer escapes
/// strings and formats numbers. Output is UTF-8.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Reserves room for `bytes` more bytes (a big body then grows without copying).
    public mutating func reserve(_ count: Int) {
        bytes.reserveCapacity(bytes.count + count)
    }

    /// Appends `text` as is (structure: braces, keys known to need no escaping, commas).
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends `text` as a JSON string: `"` and `\` escaped, control characters as `\n`, `\r`,
    /// `\t` or `\u00XX`, and U+2028/U+2029 as `\u2028`/`\u2029` (valid raw in JSON, but not in
    /// JavaScript string literals); everything else as UTF-8.
    public mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        // Fast path: printable ASCII without `"` or `\` (names, label values, window labels).
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
            bytes.append(contentsOf: text.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case 0x5C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20, 0x2028, 0x2029:
                bytes.append(contentsOf: "\\u".utf8)
                for shift in stride(from: 12, through: 0, by: -4) {
                    bytes.append(Self.hexDigits[Int((scalar.value >> UInt32(shift)) & 0xF)])
                }
            default:
                UTF8.encode(scalar) { bytes.append($0) }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends a number, or `null` for nil, NaN and ±Inf. Integral values of magnitude below
    /// 2^53 are written as integers; others as Swift's shortest round-trip text (`0.02`,
    /// `1e-05`, `1.5e+300`), which is valid JSON.
    public mutating func number(_ value: Double?) {
        guard let v = finite(value) else {
            bytes.append(contentsOf: "null".utf8)
            return
        }
        if v == v.rounded(.towardZero), v.magnitude < 9_007_199_254_740_992 {
            bytes.append(contentsOf: String(Int64(v)).utf8)
        } else {
            bytes.append(contentsOf: v.description.utf8)
        }
    }
}
