import Alerting
import Testing

/// `AlertHistory`: which notices it keeps, its bounds (time and count), and its checkpoint
/// section's round trip and errors.
@Suite struct AlertHistoryTests {
    static let second: Int64 = 1_000_000_000
    static let t0: Int64 = 1_767_225_600 * second

    static func notice(_ transition: AlertTransition, tier: String = "page", group: [String] = ["/pay"], firingSince: Int64,
                       resolvedAt: Int64 = 0, value: Double = 14.4) -> AlertNotice {
        AlertNotice(alert: Alert(key: AlertKey(slo: "checkout-availability", groupValues: group, tier: tier), phase: transition == .firing ? .firing : .inactive,
                                 labels: [], annotations: [], value: value, activeSince: firingSince, firingSince: firingSince,
                                 resolvedAt: resolvedAt, generatorURL: ""),
                    transition: transition)
    }

    @Test func keepsFiredAndResolvedTransitionsWithTheirTimes() {
        var h = AlertHistory(retentionNanos: 7 * 86_400 * Self.second)
        h.record([Self.notice(.firing, firingSince: Self.t0)], now: Self.t0)
        h.record([Self.notice(.pending, firingSince: 0)], now: Self.t0 + Self.second)
        h.record([Self.notice(.resolved, firingSince: Self.t0, resolvedAt: Self.t0 + 600 * Self.second, value: 0.5)], now: Self.t0 + 600 * Self.second)
        #expect(h.entries.map(\.transition) == [.firing, .resolved], "a pending notice is not a transition the history keeps")
        #expect(h.entries[0].time == Self.t0 && h.entries[1].time == Self.t0 + 600 * Self.second)
        #expect(h.entries[1].firingSince == Self.t0 && h.entries[1].value == 0.5)
    }

    @Test func isBoundedByTimeAndCount() {
        var h = AlertHistory(retentionNanos: 3_600 * Self.second)
        h.record([Self.notice(.firing, firingSince: Self.t0)], now: Self.t0)
        h.record([Self.notice(.firing, tier: "ticket", firingSince: Self.t0 + 1_800 * Self.second)], now: Self.t0 + 1_800 * Self.second)
        h.prune(now: Self.t0 + 3_601 * Self.second)
        #expect(h.entries.map(\.key.tier) == ["ticket"], "the entry older than the retention is gone")
        var many = AlertHistory(retentionNanos: Int64.max / 2)
        let notices = (0..<(AlertHistory.maxEntries + 5)).map { Self.notice(.firing, group: ["/r\($0)"], firingSince: Self.t0 + Int64($0)) }
        many.record(notices, now: Self.t0 + 1_000_000)
        #expect(many.entries.count == AlertHistory.maxEntries)
        #expect(many.entries.first?.key.groupValues == ["/r5"], "the oldest go first")
    }

    @Test func theCheckpointSectionRoundTrips() throws {
        var h = AlertHistory(retentionNanos: 86_400 * Self.second)
        h.record([Self.notice(.firing, group: ["é", ""], firingSince: Self.t0),
                  Self.notice(.resolved, tier: "budget", firingSince: Self.t0, resolvedAt: Self.t0 + Self.second, value: -0.25)],
                 now: Self.t0 + Self.second)
        var bytes: [UInt8] = []
        h.encode(into: &bytes)
        #expect(try AlertHistory.decode(bytes) == h.entries)
        var empty: [UInt8] = []
        AlertHistory(retentionNanos: 1).encode(into: &empty)
        #expect(try AlertHistory.decode(empty).isEmpty)
    }

    @Test func damagedSectionsAreRefusedWithTheOffset() {
        var h = AlertHistory(retentionNanos: 86_400 * Self.second)
        h.record([Self.notice(.firing, firingSince: Self.t0)], now: Self.t0)
        var bytes: [UInt8] = []
        h.encode(into: &bytes)
        func error(_ b: [UInt8]) -> String? {
            do { _ = try AlertHistory.decode(b); return nil } catch { return error.description }
        }
        #expect(error(Array("SLOA".utf8) + bytes.dropFirst(4))?.contains("magic \"SLOH\" missing") == true)
        var v = bytes; v[4] = 9
        #expect(error(v)?.contains("unsupported alert history version 9") == true)
        #expect(error(bytes + [0])?.contains("1 unexpected trailing bytes") == true)
        #expect(error(Array(bytes.dropLast(3))) != nil, "a cut section")
        // The transition byte sits before the 8-byte value and the firingSince varint.
        let transitionAt = bytes.count - 1 - 8 - 9
        var t = bytes; t[transitionAt] = 7
        #expect(error(t)?.contains("unknown alert transition 7") == true, "\(String(describing: error(t)))")
    }
}
