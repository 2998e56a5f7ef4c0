/// Duration text for SLO windows and periods, in whole seconds.
///
/// Accepts Prometheus-style durations: one or more `NUMBER UNIT` terms with units `s`, `m`, `h`,
/// `d`, `w` in decreasing order, e.g. `5m`, `1h30m`, `28d`, `4w`. No `ms`, `y` (years vary), or
/// `M` (months vary: a month is the calendar period `month`, see `Period`).
public enum SLODuration {
    /// Parses `text` into seconds; nil when it is not a valid duration or is 0 or exceeds 10 years.
    public static func parseSeconds(_ text: String) -> Int64? {
        var total: Int64 = 0
        var number: Int64 = 0
        var digits = 0
        var lastUnitRank = Int.max
        for byte in text.utf8 {
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                number = number * 10 + Int64(byte - UInt8(ascii: "0"))
                digits += 1
                if number > 1_000_000_000 { return nil }
                continue
            }
            let unit: (rank: Int, seconds: Int64)
            switch byte {
            case UInt8(ascii: "w"): unit = (5, 604_800)
            case UInt8(ascii: "d"): unit = (4, 86_400)
            case UInt8(ascii: "h"): unit = (3, 3_600)
            case UInt8(ascii: "m"): unit = (2, 60)
            case UInt8(ascii: "s"): unit = (1, 1)
            default: return nil
            }
            guard digits > 0, unit.rank < lastUnitRank else { return nil }
            lastUnitRank = unit.rank
            total += number * unit.seconds
            if total > 10 * 366 * 86_400 { return nil }
            number = 0
            digits = 0
        }
        guard digits == 0, total > 0 else { return nil }
        return total
    }

    /// Renders seconds with `d`, `h`, `m`, `s` (largest first, zero terms left out), e.g.
    /// 2_592_000 → `30d`, 5_400 → `1h30m`, 0 → `0s`. Weeks are written as days (`28d`), as
    /// Sloth's window labels do.
    public static func render(seconds: Int64) -> String {
        if seconds == 0 { return "0s" }
        var rest = seconds.magnitude
        var text = seconds < 0 ? "-" : ""
        for (unit, size) in [("d", UInt64(86_400)), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
            text += String(rest / size) + unit
            rest %= size
        }
        return text
    }
}

extension Sequence<Int64> {
    /// The windows (in seconds) each once, ascending: how every list of windows is kept.
    var distinctAscending: [Int64] { Array(Set(self)).sorted() }
}
