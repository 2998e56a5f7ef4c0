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
            SLOLink(slo: 0, groupValues: ["/pay", ""], role: .events(.total)),
            SLOLink(slo: 0, groupValues: ["/pay", ""], role: .events(.bad)),
            SLOLink(slo: 1, groupValues: [], role: .events(.total)),
        ])
        let ok = m.links(name: "http_requests_total", labels: Self.labels200, kind: .counter)
        #expect(ok.links == [
            SLOLink(slo: 0, groupValues: ["/pay", ""], role: .events(.total)),
            SLOLink(slo: 1, groupValues: [], role: .events(.total)),
            SLOLink(slo: 1, groupValues: [], role: .events(.good)),
        ])
        // Another name: nothing. A gauge of the same name: no link, and a refusal per selector
        // that picks it (it would count nothing, so it must not be silent).
        #expect(m.links(name: "http_requests_created", labels: Self.labels200, kind: .counter) == ([], []))
        let gauge = m.links(name: "http_requests_total", labels: Self.labels200, kind: .gauge)
        #expect(gauge.links.isEmpty)
        #expect(gauge.refusals.map(\.slo) == [0, 1, 1])
        #expect(gauge.refusals.allSatisfy { $0.message.contains("http_requests_total, a gauge") })
    }

    @Test func eventsSLIsReadAHistogramsCount() throws {
        let m = SLOMatcher(specs: [try Self.spec("errors", Self.events("rpc_duration_seconds_count", bad: #"rpc_duration_seconds_count{code="503"}"#))])
        let links = m.links(name: "rpc_duration_seconds", labels: Self.labels5xx, kind: .histogram, bounds: [0.1, 1])
        #expect(links.links.map(\.role) == [.events(.total), .events(.bad)])
    }

    /// The Sloth/OpenSLO latency SLI as events: good = one bucket's cumulative count (the
    /// observations ≤ its bound), total = the count.
    @Test func eventsSLIsReadOneBucketsCumulativeCount() throws {
        func roles(_ good: String, kind: SLOSeriesKind = .histogram, bounds: [Double] = [0.1, 0.4, 1]) throws -> (links: [SLORole], refusals: [String]) {
            let m = SLOMatcher(specs: [try Self.spec("fast", Self.events("rpc_duration_seconds_count", good: good))])
            let r = m.links(name: "rpc_duration_seconds", labels: Self.labels200, kind: kind, bounds: bounds)
            return (r.links.map(\.role), r.refusals.map(\.message))
        }
        let fast = try roles(#"rpc_duration_seconds_bucket{le="0.4"}"#)
        #expect(fast.links == [.events(.total), .bucketEvents(.good, cumulativeBuckets: 2)])
        #expect(fast.refusals.isEmpty)
        // Compared as numbers (the rules spell the bound as slod exposes it).
        #expect(try roles(#"rpc_duration_seconds_bucket{le="0.40"}"#).links == fast.links)
        #expect(try roles(#"rpc_duration_seconds_bucket{le="1"}"#).links == [.events(.total), .bucketEvents(.good, cumulativeBuckets: 3)])
        // +Inf is the count, for explicit and exponential histograms alike.
        #expect(try roles(#"rpc_duration_seconds_bucket{le="+Inf"}"#).links == [.events(.total), .events(.good)])
        #expect(try roles(#"rpc_duration_seconds_bucket{le="+Inf"}"#, kind: .exponentialHistogram, bounds: []).links == [.events(.total), .events(.good)])
        // Other labels still select.
        #expect(try roles(#"rpc_duration_seconds_bucket{le="0.4", code="503"}"#).links == [.events(.total)])

        // A bound the histogram lacks: refused, with the bounds it has; the series feeds none of
        // the SLO's roles (its count alone would make every event bad).
        let missing = try roles(#"rpc_duration_seconds_bucket{le="0.4"}"#, bounds: [0.1, 0.5, 1])
        #expect(missing.links == [])
        #expect(missing.refusals.count == 1)
        #expect(missing.refusals.first?.contains(#"has no bucket le="0.4" (its bounds: 0.1, 0.5, 1)"#) == true, "\(missing.refusals)")
        #expect(missing.refusals.first?.contains("slod.yaml:7:5") == true)
        // An exponential histogram's finite bounds follow its scale: refused, pointing at latency.
        let exponential = try roles(#"rpc_duration_seconds_bucket{le="0.4"}"#, kind: .exponentialHistogram, bounds: [])
        #expect(exponential.links == [])
        #expect(exponential.refusals.first?.contains("use a latency SLI (histogram: rpc_duration_seconds, threshold: 0.4)") == true, "\(exponential.refusals)")
    }

    /// What a regex on `__name__` picks that no rate counts is refused, not ignored.
    @Test func uncountableSeriesAreRefused() throws {
        let m = SLOMatcher(specs: [try Self.spec("any", Self.events(#"{__name__=~"rpc_duration_seconds_.*"}"#, bad: #"{__name__=~"rpc_.*", code="503"}"#))])
        let histogram = m.links(name: "rpc_duration_seconds", labels: Self.labels200, kind: .histogram, bounds: [0.1, 1])
        // _sum and the buckets (no exact le) are refused, so its _count is not counted either.
        #expect(histogram.links.isEmpty)
        #expect(histogram.refusals.count == 2)
        #expect(histogram.refusals.first?.message.contains("rpc_duration_seconds_sum, the sum of the values") == true, "\(histogram.refusals)")
        #expect(histogram.refusals.last?.message.contains("selects buckets of histogram rpc_duration_seconds without an exact le") == true, "\(histogram.refusals)")
        let summary = m.links(name: "rpc_duration_seconds", labels: Self.labels5xx, kind: .summary)
        #expect(summary.links.isEmpty)
        #expect(summary.refusals.count == 2)
        #expect(summary.refusals.allSatisfy { $0.message.contains("rpc_duration_seconds_count, a series of the summary rpc_duration_seconds") }, "\(summary.refusals)")
        // A latency SLI over a gauge is refused too.
        let latency = SLOMatcher(specs: [try Self.spec("latency", Self.latency("queue_depth", 0.5))])
        #expect(latency.links(name: "queue_depth", labels: [], kind: .gauge).refusals.map(\.message)
                == [#"SLO checkout-latency (slod.yaml:7:5): queue_depth selects queue_depth, a gauge (or non-monotonic sum), not a histogram; a latency SLI reads a histogram's buckets"#])
    }

    @Test func roleIncrementsImplementGoodEqualsTotalMinusBad() {
        #expect(SLOEventRole.total.increments(3, sliHasGood: false) == (3, 3))
        #expect(SLOEventRole.bad.increments(3, sliHasGood: false) == (-3, 0))
        #expect(SLOEventRole.total.increments(3, sliHasGood: true) == (0, 3))
        #expect(SLOEventRole.good.increments(3, sliHasGood: true) == (3, 0))
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
