import SLO
import SLOEngine
import Selectors
import Testing

/// Which series feed which SLOs, with which role: selectors over the exposed name and labels,
/// group values, histogram `_count` for events SLIs, and latency thresholds against bucket bounds.
@Suite struct SLOMatcherTests {
    static let source = SLOSpec.Source(file: "slod.yaml", line: 7, column: 5)

    static func spec(_ name: String, _ sli: SLOSpec.SLI, groupBy: [String] = []) throws -> SLOSpec {
        try SLOSpec(service: "checkout", name: name, objective: Objective(percent: "99.9"), period: .rolling(seconds: 30 * 86_400),
                    sli: sli, groupBy: groupBy, source: source)
    }

    static func events(_ total: String, good: String? = nil, bad: String? = nil) throws -> SLOSpec.SLI {
        .events(total: try SeriesSelector.parse(total), good: try good.map { try SeriesSelector.parse($0) },
                bad: try bad.map { try SeriesSelector.parse($0) })
    }

    static func latency(_ selector: String, _ threshold: Double, interpolate: Bool = false) throws -> SLOSpec.SLI {
        .latency(histogram: try SeriesSelector.parse(selector), threshold: threshold, interpolate: interpolate)
    }

    static let labels5xx: [(name: String, value: String)] = [("job", "shop/api"), ("code", "503"), ("route", "/pay")]
    static let labels200: [(name: String, value: String)] = [("job", "shop/api"), ("code", "200"), ("route", "/pay")]

    @Test func eventsRolesFollowTheSelectors() throws {
        let m = SLOMatcher(specs: [
            try Self.spec("errors", Self.events("http_requests_total", bad: #"http_requests_total{code=~"5.."}"#), groupBy: ["route", "region"]),
            try Self.spec("successes", Self.events(#"http_requests_total{job="shop/api"}"#, good: #"http_requests_total{code="200"}"#)),
        ])
        let bad = m.links(name: "http_requests_total", labels: Self.labels5xx, kind: .counter)
        #expect(bad.refusals.isEmpty)
        #expect(bad.links == [
            SLOLink(slo: 0, groupValues: ["/pay", ""], role: .total),
            SLOLink(slo: 0, groupValues: ["/pay", ""], role: .bad),
            SLOLink(slo: 1, groupValues: [], role: .total),
        ])
        let ok = m.links(name: "http_requests_total", labels: Self.labels200, kind: .counter)
        #expect(ok.links == [
            SLOLink(slo: 0, groupValues: ["/pay", ""], role: .total),
            SLOLink(slo: 1, groupValues: [], role: .total),
            SLOLink(slo: 1, groupValues: [], role: .good),
        ])
        // Another name, or a gauge of the same name: nothing.
        #expect(m.links(name: "http_requests_created", labels: Self.labels200, kind: .counter).links.isEmpty)
        #expect(m.links(name: "http_requests_total", labels: Self.labels200, kind: .other).links.isEmpty)
    }

    @Test func eventsSLIsReadAHistogramsCount() throws {
        let m = SLOMatcher(specs: [try Self.spec("errors", Self.events("rpc_duration_seconds_count", bad: #"rpc_duration_seconds_count{code="503"}"#))])
        let links = m.links(name: "rpc_duration_seconds", labels: Self.labels5xx, kind: .histogram, bounds: [0.1, 1])
        #expect(links.links.map(\.role) == [.total, .bad])
    }

    @Test func roleIncrementsImplementGoodEqualsTotalMinusBad() {
        #expect(SLORole.total.increments(3, sliHasGood: false) == (3, 3))
        #expect(SLORole.bad.increments(3, sliHasGood: false) == (-3, 0))
        #expect(SLORole.total.increments(3, sliHasGood: true) == (0, 3))
        #expect(SLORole.good.increments(3, sliHasGood: true) == (3, 0))
    }

    @Test func latencyThresholdAtABoundIsExact() throws {
        let m = SLOMatcher(specs: [try Self.spec("latency", Self.latency(#"http_duration_seconds{route="/pay"}"#, 0.25))])
        let r = m.links(name: "http_duration_seconds", labels: Self.labels200, kind: .histogram, bounds: [0.1, 0.25, 0.5, 1])
        #expect(r.links == [SLOLink(slo: 0, groupValues: [], role: .latency(fullBuckets: 2, fraction: 0))])
        // Counters are not histograms; exponential histograms are read at each point's scale.
        #expect(m.links(name: "http_duration_seconds", labels: Self.labels200, kind: .counter).links.isEmpty)
        #expect(m.links(name: "http_duration_seconds", labels: Self.labels200, kind: .exponentialHistogram).links
                == [SLOLink(slo: 0, groupValues: [], role: .latencyExponential(threshold: 0.25))])
    }

    @Test func latencyThresholdBetweenBoundsIsRefusedOrInterpolated() throws {
        let refuse = SLOMatcher(specs: [try Self.spec("latency", Self.latency("http_duration_seconds", 0.3))])
        let r = refuse.links(name: "http_duration_seconds", labels: Self.labels200, kind: .histogram, bounds: [0.1, 0.25, 0.5, 1])
        #expect(r.links.isEmpty)
        #expect(r.refusals.count == 1)
        #expect(r.refusals.first?.message.contains("nearest bounds: 0.25 and 0.5") == true, "\(r.refusals)")
        #expect(r.refusals.first?.message.contains("slod.yaml:7:5") == true)

        let interpolate = SLOMatcher(specs: [try Self.spec("latency", Self.latency("http_duration_seconds", 0.3, interpolate: true))])
        let i = interpolate.links(name: "http_duration_seconds", labels: Self.labels200, kind: .histogram, bounds: [0.1, 0.25, 0.5, 1])
        guard case .latency(let full, let fraction)? = i.links.first?.role else {
            Issue.record("no latency link: \(i)")
            return
        }
        #expect(full == 2)
        #expect(abs(fraction - 0.2) < 1e-12)      // (0.3 − 0.25) / (0.5 − 0.25)

        // Below the first bound: the first bucket's lower edge is 0.
        let low = SLOMatcher(specs: [try Self.spec("latency", Self.latency("http_duration_seconds", 0.05, interpolate: true))])
        #expect(low.links(name: "http_duration_seconds", labels: [], kind: .histogram, bounds: [0.1, 1]).links.first?.role
                == .latency(fullBuckets: 0, fraction: 0.5))
        // Above the last bound: the +Inf bucket has no upper edge.
        let high = SLOMatcher(specs: [try Self.spec("latency", Self.latency("http_duration_seconds", 2, interpolate: true))])
        let h = high.links(name: "http_duration_seconds", labels: [], kind: .histogram, bounds: [0.1, 1])
        #expect(h.links.isEmpty)
        #expect(h.refusals.first?.message.contains("above the largest bucket bound (1)") == true, "\(h.refusals)")
    }
}
