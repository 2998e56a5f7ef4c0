/// Numbers as the Prometheus exposition formats spell them (the Go client's `writeFloat` /
/// `writeOpenMetricsFloat`). One definition for what `/metrics` writes and for what
/// `slod rules` must match: Prometheus stores a histogram's `le` label as the text it scraped,
/// so a rule selects a bucket only when it spells the bound exactly as the exposition did.
/// All writers append to a caller-owned buffer.
public enum PrometheusNumberText {
    /// Appends the decimal digits of `v`. No allocation.
    @inlinable
    public static func appendUInt(_ v: UInt64, to out: inout [UInt8]) {
        if v == 0 { out.append(UInt8(ascii: "0")); return }
        let start = out.count
        var x = v
        while x > 0 {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: x % 10))
            x /= 10
        }
        out[start...].reverse()
    }

    /// Appends `v` in decimal, with a leading `-` when negative. No allocation.
    @inlinable
    public static func appendInt(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 { out.append(UInt8(ascii: "-")) }
        appendUInt(v.magnitude, to: &out)
    }

    /// Appends `v` the way the Go client's `writeFloat` does (Go `strconv.FormatFloat(v, 'g', -1, 64)`):
    /// `NaN`, `+Inf`, `-Inf`; ±0 as `0`; shortest round-trip digits; exponent form iff the decimal
    /// exponent is < −4 or ≥ 6, written with a sign and at least two digits (`1e-05`, `1e+06`).
    ///
    /// Integral values below 10⁶ take a fast path with no allocation; other values go through
    /// `Double.description` (shortest round-trip digits), which allocates only when it is longer
    /// than 15 bytes.
    @inlinable
    public static func appendDouble(_ v: Double, to out: inout [UInt8]) {
        if v.isNaN { out.append(contentsOf: "NaN".utf8); return }
        if v.isInfinite { out.append(contentsOf: (v > 0 ? "+Inf" : "-Inf").utf8); return }
        if v == 0 { out.append(UInt8(ascii: "0")); return }
        if v.magnitude < 1e6, v == v.rounded(.towardZero) {
            appendInt(Int64(v), to: &out)
            return
        }
        if v < 0 { out.append(UInt8(ascii: "-")) }
        appendGoG(v.magnitude.description, to: &out)
    }

    /// Appends `v` the way the Go client's `writeOpenMetricsFloat` does: as `appendDouble`, plus
    /// `.0` when the result has neither `.` nor an exponent (`1` → `1.0`, `0` → `0.0`,
    /// `1e+06` unchanged, `+Inf`/`-Inf`/`NaN` unchanged). The canonical form OpenMetrics wants
    /// for `le` and `quantile` values, and the one Prometheus 3 normalizes them to. No allocation
    /// beyond `appendDouble`'s.
    public static func appendOpenMetricsDouble(_ v: Double, to out: inout [UInt8]) {
        let start = out.count
        appendDouble(v, to: &out)
        guard v.isFinite else { return }
        for i in start..<out.count where out[i] == UInt8(ascii: ".") || out[i] == UInt8(ascii: "e") { return }
        out.append(UInt8(ascii: "."))
        out.append(UInt8(ascii: "0"))
    }

    /// Re-spells Swift's shortest round-trip `description` of a finite, positive, non-zero
    /// double (`0.0001`, `1e-05`, `123456789.0`, `1.5e+300`) in Go's `'g', -1` style.
    @usableFromInline
    static func appendGoG(_ description: String, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { digits in
            // Collect mantissa digits; value = 0.d₁d₂… × 10^dp.
            var n = 0
            var intLen = 0
            var sawDot = false
            var exp10 = 0
            var expNegative = false
            var inExponent = false
            for b in description.utf8 {
                if inExponent {
                    switch b {
                    case UInt8(ascii: "-"): expNegative = true
                    case UInt8(ascii: "+"): break
                    default: exp10 = exp10 &* 10 &+ Int(b &- UInt8(ascii: "0"))
                    }
                    continue
                }
                switch b {
                case UInt8(ascii: "."): sawDot = true
                case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
                default:
                    guard n < digits.count else { continue }  // cannot happen: ≤ 17 significant digits
                    digits[n] = b
                    n &+= 1
                    if !sawDot { intLen &+= 1 }
                }
            }
            if expNegative { exp10 = -exp10 }
            // Strip leading zeros (each moves the decimal point left) and trailing zeros.
            var lead = 0
            while lead < n, digits[lead] == UInt8(ascii: "0") { lead &+= 1 }
            while n > lead, digits[n &- 1] == UInt8(ascii: "0") { n &-= 1 }
            guard lead < n else { out.append(UInt8(ascii: "0")); return }
            let dp = intLen + exp10 - lead
            let d = UnsafeMutableBufferPointer(rebasing: digits[lead..<n])
            let count = d.count
            let exp = dp - 1
            if exp < -4 || exp >= 6 {
                out.append(d[0])
                if count > 1 {
                    out.append(UInt8(ascii: "."))
                    out.append(contentsOf: d[1...])
                }
                out.append(UInt8(ascii: "e"))
                out.append(UInt8(ascii: exp < 0 ? "-" : "+"))
                let e = exp.magnitude
                if e < 10 { out.append(UInt8(ascii: "0")) }
                appendUInt(UInt64(e), to: &out)
            } else if dp <= 0 {
                out.append(contentsOf: "0.".utf8)
                for _ in 0..<(-dp) { out.append(UInt8(ascii: "0")) }
                out.append(contentsOf: d)
            } else if dp >= count {
                out.append(contentsOf: d)
                for _ in 0..<(dp - count) { out.append(UInt8(ascii: "0")) }
            } else {
                out.append(contentsOf: d[..<dp])
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: d[dp...])
            }
        }
    }
}

extension Double {
    /// This value as the text format writes it (`PrometheusNumberText.appendDouble`): a
    /// histogram bucket's `le` label as `/metrics` shows it (`0.4`, `5`, `1e-05`, `1e+06`, `+Inf`).
    public var prometheusText: String {
        var bytes: [UInt8] = []
        PrometheusNumberText.appendDouble(self, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// This value as OpenMetrics writes it, and Prometheus 3 stores a scraped `le` label
    /// (`PrometheusNumberText.appendOpenMetricsDouble`): `5.0`, `0.4`, `1e+06`, `+Inf`.
    public var openMetricsText: String {
        var bytes: [UInt8] = []
        PrometheusNumberText.appendOpenMetricsDouble(self, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
