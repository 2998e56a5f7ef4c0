import Foundation
import SLO
@testable import SLOEngine
import Testing

/// `SLOSnapshot.json`: the issue's shape, read back with `JSONSerialization`; `null` for no
/// data; filtering; string escaping; number formatting.
@Suite struct SLOSnapshotJSONTests {
    static func parse(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    static func slos(_ bytes: [UInt8]) throws -> [[String: Any]] {
        try #require(try parse(bytes)["slos"] as? [[String: Any]])
    }

    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    @Test func instancesInTheIssuesShape() throws {
        let snapshot = try Scenario.snapshot()
        let top = try Self.parse(snapshot.json())
        #expect(Self.number(top["time"]) == Double(Scenario.now / E.second))
        let slos = try Self.slos(snapshot.json())
        // By SLO, then group values: "" (no route) before "/pay"; then search.
        #expect(slos.map { "\($0["service"]!)/\($0["name"]!)" } == ["checkout/availability", "checkout/availability", "search/latency"])
        let pay = slos[1]
        #expect(pay["labels"] as? [String: String] == ["http_route": "/pay", "team": "payments"])
        #expect(Self.number(pay["objective"]) == 99.9)
        #expect(pay["period"] as? String == "30d")
        #expect(pay["budgeting"] as? String == "occurrences")
        #expect(Self.number(pay["period_start"]) == Double((Scenario.now - 30 * E.day) / E.second))
        #expect(pay["period_end"] is NSNull)
        let windows = try #require(pay["windows"] as? [String: [String: Any]])
        #expect(Set(windows.keys) == ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"])
        for (key, w) in windows {
            #expect(Self.number(w["good"]) == 980 && Self.number(w["total"]) == 1_000, "\(key)")
            #expect(Self.number(w["error_ratio"]) == 0.02, "\(key)")
            #expect(E.close(Self.number(w["burn_rate"]), 20), "\(key)")
        }
        let budget = try #require(pay["budget"] as? [String: Any])
        #expect(E.close(Self.number(budget["remaining_ratio"]), -19))
        #expect(E.close(Self.number(budget["consumed_ratio"]), 20))
        #expect(budget["exhaustion_seconds"] is NSNull)
        let events = try #require(pay["events"] as? [String: Any])
        #expect(Self.number(events["good"]) == 980 && Self.number(events["total"]) == 1_000)
        #expect(Self.number(pay["dropped_points"]) == 0)

        let search = try #require(slos[2]["budget"] as? [String: Any])
        #expect(E.close(Self.number(search["exhaustion_seconds"]), 11_491_200, tolerance: 1e-9))
        #expect(slos[2]["labels"] as? [String: String] == [:])
        #expect(Self.number(slos[2]["objective"]) == 99)
    }

    @Test func windowsWithoutDataAreNull() throws {
        let noRoute = try Self.slos(Scenario.snapshot().json())[0]
        #expect(noRoute["labels"] as? [String: String] == ["team": "payments"])
        let windows = try #require(noRoute["windows"] as? [String: [String: Any]])
        #expect(windows.count == 8)
        for w in windows.values {
            #expect(Self.number(w["good"]) == 0 && Self.number(w["total"]) == 0)
            #expect(w["error_ratio"] is NSNull && w["burn_rate"] is NSNull)
        }
        let budget = try #require(noRoute["budget"] as? [String: Any])
        #expect(budget.values.allSatisfy { $0 is NSNull })
    }

    @Test func filtersByServiceAndName() throws {
        let snapshot = try Scenario.snapshot()
        #expect(try Self.slos(snapshot.json(service: "checkout", name: "availability")).count == 2)
        #expect(try Self.slos(snapshot.json(service: "search", name: "latency")).count == 1)
        #expect(try Self.slos(snapshot.json(service: "search")).count == 1)
        #expect(try Self.slos(snapshot.json(service: "checkout", name: "latency")).isEmpty)
        #expect(snapshot.hasSLO(service: "search", name: "latency"))
        #expect(!snapshot.hasSLO(service: "checkout", name: "latency"))
        #expect(try Self.slos(SLOSnapshot.empty.json()).isEmpty)
    }

    @Test func labelValuesAreEscapedAndReadBackUnchanged() throws {
        let engine = try E.engine([try E.spec(groupBy: ["route"])])
        let odd = "a\"b\\c\nd\te\u{1}f\u{7F}é€😀\u{2028}"
        _ = engine.registry.instance(for: SLOInstanceKey(slo: 0, groupValues: [odd]))
        let bytes = engine.evaluate(deltas: [], now: E.t0).json()
        #expect(!bytes.contains { $0 < 0x20 })
        #expect(String(decoding: bytes, as: UTF8.self).contains(#"a\"b\\c\nd\te\u0001f"#))
        let slo = try #require(try Self.slos(bytes).first)
        #expect(slo["labels"] as? [String: String] == ["route": odd])
    }

    /// The period of a calendar SLO is its key in `windows`; a rolling period equal to a window
    /// (3d) is not listed twice.
    @Test func periodKeys() throws {
        let month = try E.engine([try E.spec(period: .calendar(.month, .utc))]).evaluate(deltas: [], now: E.t0 + E.day)
        let m = try #require(try Self.slos(month.json()).first)
        #expect(m["period"] as? String == "month")
        #expect((m["windows"] as? [String: Any])?["month"] != nil)
        #expect(Self.number(m["period_start"]) == Double(E.t0 / E.second))
        #expect(Self.number(m["period_end"]) == Double((E.t0 + 31 * E.day) / E.second))
        let threeDays = try E.engine([try E.spec(period: .rolling(seconds: 3 * 86_400))]).evaluate(deltas: [], now: E.t0)
        let t = try #require(try Self.slos(threeDays.json()).first)
        #expect((t["windows"] as? [String: Any])?.count == 7)
    }

    @Test(arguments: [(Double?.some(29_400), "29400"), (0.02, "0.02"), (1e-05, "1e-05"), (-0.5, "-0.5"), (-3, "-3"),
                      (9_007_199_254_740_992, "9007199254740992.0"), (1e16, "1e+16"), (1.5e300, "1.5e+300"), (0, "0"),
                      (nil, "null"), (.nan, "null"), (.infinity, "null"), (-.infinity, "null")])
    func numbersRoundTripAndNeverNaN(_ value: Double?, _ text: String) throws {
        var w = JSONWriter()
        w.number(value)
        #expect(String(decoding: w.bytes, as: UTF8.self) == text)
        if let value, value.isFinite {
            let back = try JSONSerialization.jsonObject(with: Data(w.bytes), options: .fragmentsAllowed) as? NSNumber
            #expect(back?.doubleValue == value)
        }
    }
}
