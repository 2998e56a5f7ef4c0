import Primitives

extension ExpositionText {
    /// Appends Unix nanoseconds as OpenMetrics seconds, exactly, in fixed notation with at least
    /// one fractional digit and no trailing zeros beyond it: `1767225600.0`, `1767225655.5`,
    /// `0.000000001`. No allocation.
    static func appendSeconds(nanos: UInt64, to out: inout [UInt8]) {
        PrometheusNumberText.appendUInt(nanos / 1_000_000_000, to: &out)
        out.append(UInt8(ascii: "."))
        var frac = nanos % 1_000_000_000
        guard frac != 0 else { out.append(UInt8(ascii: "0")); return }
        var digits = 9
        while frac % 10 == 0 { frac /= 10; digits -= 1 }
        let start = out.count
        for _ in 0..<digits {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: frac % 10))
            frac /= 10
        }
        out[start...].reverse()
    }
}
