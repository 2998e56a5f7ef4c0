import Testing
@testable import Primitives

/// Values are spelled as the Go client's `writeFloat` / `writeOpenMetricsFloat` spell them
/// (prometheus-compat.md §7).
@Suite struct PrometheusNumberTextTests {
    static let vectors: [(Double, String)] = [
        (0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (0.005, "0.005"), (2.5, "2.5"), (10, "10"),
        (123456, "123456"), (999999, "999999"), (1e6, "1e+06"), (1234567, "1.234567e+06"),
        (123456.789, "123456.789"), (0.0001, "0.0001"), (1e-5, "1e-05"), (0.1, "0.1"),
        (0.1 + 0.2, "0.30000000000000004"), (-2.5e-6, "-2.5e-06"), (1e21, "1e+21"),
        (.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        (1e100, "1e+100"), (1.5e-300, "1.5e-300"), (9007199254740992, "9.007199254740992e+15"),
        (12345678901234567168, "1.2345678901234567e+19"), (0.00012, "0.00012"), (100.25, "100.25"),
        (.infinity, "+Inf"), (-.infinity, "-Inf"), (.nan, "NaN"),
    ]

    @Test(arguments: vectors)
    func doubleIsSpelledLikeGo(_ value: Double, _ expected: String) {
        var out: [UInt8] = []
        PrometheusNumberText.appendDouble(value, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    @Test func spellingRoundTrips() {
        // Every spelling parses back to the same double (Swift's parser accepts Go's forms).
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let v = Double(bitPattern: rng.next())
            guard v.isFinite else { continue }
            var out: [UInt8] = []
            PrometheusNumberText.appendDouble(v, to: &out)
            let text = String(decoding: out, as: UTF8.self)
            if Double(text) != v { Issue.record("\(v) written as \(text)"); return }
        }
    }

    static let integers: [(UInt64, String)] = [
        (0, "0"), (7, "7"), (10, "10"), (1_000_000, "1000000"), (UInt64.max, "18446744073709551615"),
    ]

    @Test(arguments: integers)
    func bigIntegersAreExact(_ value: UInt64, _ expected: String) {
        var out: [UInt8] = []
        PrometheusNumberText.appendUInt(value, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    @Test func signedExtremesAreExact() {
        var out: [UInt8] = []
        PrometheusNumberText.appendInt(Int64.min, to: &out)
        out.append(UInt8(ascii: " "))
        PrometheusNumberText.appendInt(-42, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "-9223372036854775808 -42")
    }

    @Test(arguments: [
        (0.0, "0.0"), (1, "1.0"), (-1, "-1.0"), (0.005, "0.005"), (2.5, "2.5"), (10, "10.0"), (123456, "123456.0"),
        (1e6, "1e+06"), (1234567, "1.234567e+06"), (123456.789, "123456.789"), (0.0001, "0.0001"), (1e-5, "1e-05"),
        (0.1 + 0.2, "0.30000000000000004"), (-2.5e-6, "-2.5e-06"), (1e21, "1e+21"), (5e-324, "5e-324"),
        (.infinity, "+Inf"), (-.infinity, "-Inf"), (.nan, "NaN"),
    ] as [(Double, String)])
    func openMetricsFloat(_ v: Double, _ expected: String) {
        var out: [UInt8] = []
        PrometheusNumberText.appendOpenMetricsDouble(v, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }
}
