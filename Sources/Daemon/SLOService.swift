import Aggregation
import Dispatch
import Exposition
import Platform
import SLO
import SLOEngine
import Synchronization

/// Runs SLO evaluation for the daemon: every `interval` it asks the shards for their partial
/// SLO states (`ShardRuntime.sloReports`), lets the `SLOEngine` merge and evaluate them on its
/// own serial queue (never on an event loop or a shard thread), and publishes the resulting
/// `SLOSnapshot`, which `/metrics` and `/api/v1/slos` read.
///
/// A tick starts only when the previous one has finished, so a slow tick delays the next
/// instead of piling up. Without SLOs nothing runs.
final class SLOService: Sendable {
    let specs: [SLOSpec]
    let registry: SLOInstanceRegistry
    let matcher: SLOMatcher
    let layouts: [SLOLayout]
    private let engine: Mutex<SLOEngine>
    private let latest: Mutex<SLOSnapshot?>
    private let inFlight = Atomic<Bool>(false)
    let queue = DispatchQueue(label: "slod.slo")
    private let timer: Mutex<DispatchSourceTimer?> = Mutex(nil)
    let wallClock: @Sendable () -> Int64

    init(specs: [SLOSpec], wallClock: @escaping @Sendable () -> Int64 = SLOService.wallNanos) throws {
        self.specs = specs
        registry = SLOInstanceRegistry(specs: specs)
        matcher = SLOMatcher(specs: specs)
        var layouts: [SLOLayout] = []
        for s in specs { layouts.append(try SLOLayout(s.configuration)) }
        self.layouts = layouts
        engine = Mutex(try SLOEngine(specs: specs, registry: registry))
        latest = Mutex(nil)
        self.wallClock = wallClock
    }

    static func wallNanos() -> Int64 {
        let t = Platform.Clock.wallTimespec()
        return Int64(t.seconds) * 1_000_000_000 + Int64(t.nanos)
    }

    var isEmpty: Bool { specs.isEmpty }

    /// A shard's SLO part (one per shard; nil without SLOs).
    func shardPart() -> ShardSLO? {
        isEmpty ? nil : ShardSLO(matcher: matcher, registry: registry, layouts: layouts,
                                 onRefusal: { Logger.shared.warn("series not counted for an SLO", ["reason": $0]) })
    }

    /// Starts the periodic evaluation against `runtime`.
    func start(runtime: ShardRuntime, interval: Duration = .seconds(1)) {
        guard !isEmpty else { return }
        let queue = self.queue
        timer.withLock { slot in
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.schedule(deadline: .now(), repeating: .nanoseconds(Int(interval.nanoseconds)), leeway: .milliseconds(50))
            t.setEventHandler { [self] in tick(runtime: runtime) }
            t.resume()
            slot = t
        }
    }

    func stop() {
        timer.withLock { t in
            t?.cancel()
            t = nil
        }
    }

    /// One evaluation: gather, merge, publish. Skipped while the previous one is running.
    func tick(runtime: ShardRuntime) {
        guard inFlight.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        let now = wallClock()
        runtime.sloReports(now: now) { [self] parts in
            queue.async { [self] in
                let snapshot = engine.withLock { $0.evaluate(reports: parts, now: now) }
                latest.withLock { $0 = snapshot }
                inFlight.store(false, ordering: .releasing)
            }
        }
    }

    /// The latest evaluation, nil before the first one.
    var snapshot: SLOSnapshot? { latest.withLock { $0 } }

    /// The SLO families for `/metrics` (empty before the first evaluation).
    func families() -> [MetricFamily] { snapshot?.families() ?? [] }
}
