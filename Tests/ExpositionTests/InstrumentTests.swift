#if canImport(Glibc)
import Glibc
#endif
import Primitives
import Testing
@testable import Exposition

/// Runs `body(i)` for `i` in `0..<count` on `count` new pthreads (not the cooperative pool) and
/// joins them all.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    final class Box { let run: () -> Void; init(_ run: @escaping () -> Void) { self.run = run } }
    var threads: [pthread_t] = []
    for i in 0..<count {
        let ctx = Unmanaged.passRetained(Box { body(i) }).toOpaque()
        var t = pthread_t()
        let rc = pthread_create(&t, nil, { p in
            Unmanaged<Box>.fromOpaque(p!).takeRetainedValue().run()
            return nil
        }, ctx)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        threads.append(t)
    }
    for t in threads { pthread_join(t, nil) }
}

@Suite(.serialized) struct InstrumentTests {
    static let placements: [(Double, Int)] = [
        (-.infinity, 0), (-1, 0), (0, 0), (1, 0), (1.0000001, 1), (2, 1), (4.99, 2), (5, 2),
        (5.0000001, 3), (1e300, 3), (.infinity, 3), (.nan, 3),
    ]

    @Test(arguments: placements)
    func observationLandsInFirstBucketWhoseBoundIsNotBelowIt(_ value: Double, _ bucket: Int) {
        let h = Histogram(bounds: [1, 2, 5])
        h.observe(value)
        let s = h.snapshot()
        let expected = (0...3).map { $0 >= bucket ? UInt64(1) : 0 }
        #expect(s.cumulativeCounts == expected)
        #expect(s.count == 1)
    }

    @Test func nanObservationMakesSumNaNLikeGoClient() {
        let h = Histogram(bounds: [1])
        h.observe(1)
        h.observe(.nan)
        #expect(h.snapshot().sum.isNaN)
    }

    @Test func trailingInfinityBoundIsDropped() {
        #expect(Histogram(bounds: [1, .infinity]).bounds == [1])
        #expect(Histogram(bounds: []).snapshot().cumulativeCounts == [0])
    }

    @Test func unsortedBoundsTrap() async {
        await #expect(processExitsWith: .failure) { _ = Histogram(bounds: [2, 1]) }
    }

    @Test func duplicateBoundsTrap() async {
        await #expect(processExitsWith: .failure) { _ = Histogram(bounds: [1, 1]) }
    }

    @Test func defaultBoundsAreThePrometheusClientDefaults() {
        #expect(Histogram.defaultBounds == [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
    }

    @Test func concurrentObservationsAreNotLost() {
        let h = Histogram(bounds: [1, 2])
        let threads = 4, perThread = 60_000  // a multiple of 3: each value observed equally often
        let values: [Double] = [0.5, 1.5, 3]  // binary fractions: the sum is exact in any order
        runOnThreads(threads) { _ in
            for i in 0..<perThread { h.observe(values[i % 3]) }
        }
        let s = h.snapshot()
        let n = UInt64(threads * perThread)
        let perValue = n / 3
        #expect(s.cumulativeCounts == [perValue, 2 * perValue, n])
        #expect(s.count == n)
        var expectedSum = 0.0
        for i in 0..<perThread { expectedSum += values[i % 3] }
        #expect(s.sum == expectedSum * Double(threads))
    }

    @Test func concurrentCounterAndGaugeUpdatesAreNotLost() {
        let c = Counter()
        let g = Gauge()
        runOnThreads(4) { t in
            for _ in 0..<100_000 {
                c.add()
                g.add(t.isMultiple(of: 2) ? 1 : -1)
            }
        }
        #expect(c.value == 400_000)
        #expect(g.value == 0)
    }

    @Test func renderingDuringObservationSeesInfBucketEqualToCount() {
        let r = MetricsRegistry()
        let h = r.histogram("lat_seconds", help: "l", bounds: [0.5])
        let c = r.counter("ops_total", help: "o")
        let mismatches = Counter()
        runOnThreads(3) { t in
            if t == 0 {
                var out: [UInt8] = []
                for _ in 0..<200 {
                    out.removeAll(keepingCapacity: true)
                    r.render(into: &out)
                    let lines = String(decoding: out, as: UTF8.self).split(separator: "\n")
                    let inf = lines.first { $0.hasPrefix("lat_seconds_bucket{le=\"+Inf\"}") }?.split(separator: " ").last
                    let count = lines.first { $0.hasPrefix("lat_seconds_count") }?.split(separator: " ").last
                    if inf == nil || inf != count { mismatches.add() }
                }
            } else {
                for i in 0..<50_000 { h.observe(Double(i % 2)); c.add() }
            }
        }
        #expect(mismatches.value == 0)
        #expect(c.value == 100_000)
        #expect(h.snapshot().count == 100_000)
    }
}
