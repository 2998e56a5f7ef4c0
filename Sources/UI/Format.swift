import SLO

/// How the pages write numbers: fixed decimals (no locale, no exponent), durations in the two
/// largest units.
enum Format {
    /// `ratio` as a percentage with `decimals` decimals (`0.6234` → `62.3 %`).
    static func percent(_ ratio: Double, decimals: Int = 1) -> String {
        fixed(ratio * 100, decimals: decimals) + " %"
    }

    /// An objective exactly as configured (`99.9 %`, `99.95 %`), from its parts per billion.
    static func objective(_ objective: Objective) -> String {
        let ppb = objective.partsPerBillion
        let whole = ppb / 10_000_000
        var fraction = String(ppb % 10_000_000)
        fraction = String(repeating: "0", count: 7 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole) %" : "\(whole).\(fraction) %"
    }

    /// A burn rate: two decimals below 10, one below 100, none above (`0.05×`, `20.0×`, `350×`).
    static func burnRate(_ rate: Double) -> String {
        fixed(rate, decimals: rate < 10 ? 2 : rate < 100 ? 1 : 0) + "×"
    }

    /// An event count: whole numbers with thousands separators (`12,345`), fractions (events
    /// counted in 2^-12 units, sums of slice ratios) with two decimals.
    static func count(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        let text = value == value.rounded() ? fixed(value, decimals: 0) : fixed(value, decimals: 2)
        let dot = text.firstIndex(of: ".") ?? text.endIndex
        var whole = String(text[..<dot])
        let negative = whole.hasPrefix("-")
        if negative { whole.removeFirst() }
        var grouped = ""
        for (k, c) in whole.reversed().enumerated() {
            if k > 0 && k % 3 == 0 { grouped.append(",") }
            grouped.append(c)
        }
        return (negative ? "-" : "") + String(grouped.reversed()) + text[dot...]
    }

    /// An alert's value: the budget left for the budget tier, the burn rate for the others.
    static func alertValue(_ value: Double, tier: String) -> String {
        tier == AlertPolicy.budgetTierName ? percent(value) + " left" : burnRate(value)
    }

    /// A duration in its two largest units (`133d 4h`, `5h 12m`, `42m`, `< 1m`).
    static func duration(seconds: Double) -> String {
        guard seconds.isFinite else { return "—" }
        if seconds < 60 { return "< 1m" }
        let total = Int64(min(seconds, 1e15))
        let days = total / 86_400, hours = total / 3_600 % 24, minutes = total / 60 % 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        return "\(minutes)m"
    }

    /// `value` with exactly `decimals` decimals, rounded half away from zero; `—` when not finite.
    static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite, value.magnitude < 1e15 else { return value.isNaN ? "—" : value < 0 ? "−∞" : "∞" }
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int64((value.magnitude * Double(scale)).rounded())
        let sign = value < 0 && scaled != 0 ? "-" : ""
        if decimals == 0 { return sign + String(scaled) }
        var fraction = String(scaled % scale)
        fraction = String(repeating: "0", count: decimals - fraction.count) + fraction
        return sign + String(scaled / scale) + "." + fraction
    }
}
