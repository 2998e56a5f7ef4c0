import Platform
import Synchronization

/// A token bucket over data points: `ingest.rate_limit_points_per_second` with a burst. Shared
/// by all event loops; taken once per request (a mutex, never per point).
public final class PointRateLimiter: Sendable {
    public let pointsPerSecond: Double
    public let burst: Double
    struct State { var tokens: Double; var last: UInt64 }
    let state: Mutex<State>
    let now: @Sendable () -> UInt64

    /// `pointsPerSecond` 0 means unlimited. `now` returns monotonic nanoseconds (injectable).
    public init(pointsPerSecond: Int, burst: Int, now: @escaping @Sendable () -> UInt64 = { Clock.monotonicNanos() }) {
        self.pointsPerSecond = Double(pointsPerSecond)
        self.burst = Double(burst > 0 ? burst : pointsPerSecond)
        self.now = now
        state = Mutex(State(tokens: Double(burst > 0 ? burst : pointsPerSecond), last: now()))
    }

    public var isUnlimited: Bool { pointsPerSecond == 0 }

    /// Takes `points` tokens if available. Otherwise takes nothing and returns the seconds until
    /// enough will have accumulated (for `Retry-After`, at least 1). A request larger than the
    /// burst can never pass; it is told to retry after a second and counted as limited.
    public func admit(_ points: Int) -> Int? {
        if isUnlimited || points == 0 { return nil }
        let t = now()
        return state.withLock { s -> Int? in
            let elapsed = Double(t &- s.last) / 1e9
            s.last = t
            s.tokens = min(burst, s.tokens + elapsed * pointsPerSecond)
            let need = Double(points)
            if need <= s.tokens {
                s.tokens -= need
                return nil
            }
            let wait = need > burst ? 1 : (need - s.tokens) / pointsPerSecond
            return max(1, Int(wait.rounded(.up)))
        }
    }
}

/// Wraps the real sink for one request: forwards everything, and at the end asks the rate
/// limiter whether the request may be kept. If not, the target sink gets
/// `endRequest(committed: false)` (discarding the request) and `retryAfter` is set.
/// One per event loop; reused across requests.
final class AdmissionSink: MetricsSink {
    let target: MetricsSink
    let limiter: PointRateLimiter
    var points = 0
    /// Points handed on by type (index as `IngestMetrics.pointTypes`), for `slod_ingest_points_total`.
    var byType = [0, 0, 0, 0]
    var retryAfter: Int? = nil

    init(target: MetricsSink, limiter: PointRateLimiter) {
        self.target = target
        self.limiter = limiter
    }

    func beginRequest(_ context: RequestContext) {
        points = 0
        byType = [0, 0, 0, 0]
        retryAfter = nil
        target.beginRequest(context)
    }
    func resource(_ resource: ResourceView) { target.resource(resource) }
    func scope(_ scope: ScopeView) { target.scope(scope) }
    var rawAttributeCache: RawAttributeCache? { target.rawAttributeCache }
    func metric(_ metric: MetricView) { target.metric(metric) }
    func numberPoint(_ point: NumberPointView) { points += 1; byType[0] += 1; target.numberPoint(point) }
    func histogramPoint(_ point: HistogramPointView) { points += 1; byType[1] += 1; target.histogramPoint(point) }
    func exponentialHistogramPoint(_ point: ExponentialHistogramPointView) { points += 1; byType[2] += 1; target.exponentialHistogramPoint(point) }
    func summaryPoint(_ point: SummaryPointView) { points += 1; byType[3] += 1; target.summaryPoint(point) }
    func endRequest(committed: Bool) {
        if committed, let wait = limiter.admit(points) {
            retryAfter = wait
            target.endRequest(committed: false)
            return
        }
        target.endRequest(committed: committed)
    }
}
