import Aggregation
import Alerting
import Dispatch
import Exposition
import Platform
import SLO
import SLOEngine
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs SLO evaluation for the daemon: every `interval` it asks the shards for the SLO deltas
/// they collected (`ShardRuntime.sloReports`), lets the `SLOEngine` add them to the instances'
/// states and evaluate them on its own serial queue (never on an event loop or a shard thread),
/// and publishes the resulting `SLOSnapshot`, which `/metrics` and `/api/v1/slos` read. The
/// same tick runs the alert tiers over the snapshot (`AlertEvaluator`) and publishes the active
/// alerts (`/api/v1/alerts`, `slod_alerts`); alerts that begin firing or resolve are logged.
///
/// A tick starts only when the previous one has finished, so a slow tick delays the next
/// instead of piling up. Without SLOs nothing is evaluated. `reconfigure` switches to new SLOs
/// on reload, keeping the state of the unchanged ones.
final class SLOService: Sendable {
    /// Everything that depends on the SLO list; replaced whole on reload.
    struct Setup: @unchecked Sendable {
        let specs: [SLOSpec]
        let registry: SLOInstanceRegistry
        let matcher: SLOMatcher
        let layouts: [SLOLayout]
        /// Used by one thread at a time: the evaluation queue (or the reload, between ticks).
        let engine: SLOEngine
        /// Same thread discipline as `engine`.
        let alerts: AlertEvaluator

        init(specs: [SLOSpec], externalURL: String) throws {
            self.specs = specs
            registry = SLOInstanceRegistry(specs: specs)
            matcher = SLOMatcher(specs: specs)
            var layouts: [SLOLayout] = []
            for s in specs { layouts.append(try SLOLayout(s.configuration)) }
            self.layouts = layouts
            engine = try SLOEngine(specs: specs, registry: registry)
            alerts = AlertEvaluator(specs: specs, externalURL: externalURL)
        }
    }

    private let setup: Mutex<Setup>
    private let latest = Mutex<SLOSnapshot?>(nil)
    private let activeAlerts = Mutex<[Alert]>([])
    /// slod's own URL, for alerts' `generatorURL` (set once the listener is bound).
    private let externalURLSlot: Mutex<String>
    var externalURL: String {
        get { externalURLSlot.withLock { $0 } }
        set { externalURLSlot.withLock { $0 = newValue } }
    }
    /// True while a tick or a reconfiguration runs.
    private let busy = Atomic<Bool>(false)
    let queue = DispatchQueue(label: "slod.slo")
    private let timer: Mutex<DispatchSourceTimer?> = Mutex(nil)
    let wallClock: @Sendable () -> Int64
    /// Where alert notices go (none configured: an empty service).
    let notifications: NotificationService?

    init(specs: [SLOSpec], externalURL: String = "http://127.0.0.1:4318", notifications: NotificationService? = nil,
         wallClock: @escaping @Sendable () -> Int64 = SLOService.wallNanos) throws {
        self.notifications = notifications
        setup = Mutex(try Setup(specs: specs, externalURL: externalURL))
        externalURLSlot = Mutex(externalURL)
        self.wallClock = wallClock
    }

    static func wallNanos() -> Int64 {
        let t = Platform.Clock.wallTimespec()
        return Int64(t.seconds) * 1_000_000_000 + Int64(t.nanos)
    }

    var specs: [SLOSpec] { setup.withLock { $0.specs } }
    var isEmpty: Bool { specs.isEmpty }

    /// A shard's SLO part (one per shard; present even without SLOs, so a reload can add some).
    func shardPart() -> ShardSLO {
        let s = setup.withLock { $0 }
        return ShardSLO(matcher: s.matcher, registry: s.registry, layouts: s.layouts,
                        onRefusal: { Logger.shared.warn("series not counted for an SLO", ["reason": $0]) })
    }

    /// Starts the periodic evaluation against `runtime`.
    func start(runtime: ShardRuntime, interval: Duration = .seconds(1)) {
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

    /// One evaluation: gather, merge, publish. Skipped while the previous one (or a
    /// reconfiguration) is running, and without SLOs.
    func tick(runtime: ShardRuntime) {
        guard !isEmpty, busy.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        let now = wallClock()
        runtime.sloReports { [self] parts in
            queue.async { [self] in
                evaluate(parts, now: now)
                busy.store(false, ordering: .releasing)
            }
        }
    }

    /// Adds the shards' deltas, evaluates SLOs and alerts, publishes, notifies. Runs with
    /// `busy` held (the queue's tick, or a checkpoint).
    private func evaluate(_ parts: [[SLODelta]], now: Int64) {
        let (engine, evaluator) = setup.withLock { ($0.engine, $0.alerts) }
        evaluator.externalURL = externalURL
        let snapshot = engine.evaluate(deltas: parts, now: now)
        let notices = evaluator.evaluate(snapshot)
        let alerts = evaluator.alerts
        latest.withLock { $0 = snapshot }
        activeAlerts.withLock { $0 = alerts }
        for n in notices { Self.log(n) }
        notifications?.deliver(notices, firing: alerts, now: now, externalURL: evaluator.externalURL)
    }

    /// The SLO part of a checkpoint: waits for a running tick (ticks are held off meanwhile),
    /// runs `barrier` — which cuts the checkpoint and returns the shards' SLO deltas up to the
    /// cut (nil: the checkpoint is abandoned) — adds those deltas in one evaluation, and
    /// encodes the engine's instance states and the alert states, which then hold exactly what
    /// the barrier's WAL position covers.
    func checkpointState(barrier: () -> [[SLODelta]]?) -> (engine: [UInt8], alerts: [UInt8])? {
        var acquired = false
        Self.wait(seconds: 30) {
            acquired = busy.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
            return acquired
        }
        guard acquired else { return nil }
        defer { busy.store(false, ordering: .releasing) }
        guard let parts = barrier() else { return nil }
        var engineBytes: [UInt8] = [], alertBytes: [UInt8] = []
        if !isEmpty { evaluate(parts, now: wallClock()) }
        let (engine, evaluator) = setup.withLock { ($0.engine, $0.alerts) }
        engine.encodeCheckpoint(into: &engineBytes)
        evaluator.encodeCheckpoint(into: &alertBytes)
        return (engineBytes, alertBytes)
    }

    /// Recovery: takes over the instance states and alert states of a checkpoint (before the
    /// first tick). States of SLOs whose definition changed are dropped (counted in the result).
    func restore(engine engineBytes: [UInt8]?, alerts alertBytes: [UInt8]?) throws -> (restored: Int, dropped: Int, alerts: Int) {
        let (engine, evaluator) = setup.withLock { ($0.engine, $0.alerts) }
        var result = (restored: 0, dropped: 0, alerts: 0)
        if let engineBytes, !engineBytes.isEmpty {
            let r = try engine.restoreCheckpoint(engineBytes)
            result.restored = r.restored
            result.dropped = r.dropped
        }
        if let alertBytes, !alertBytes.isEmpty {
            // Alerts whose instance does not come back (its SLO changed) resolve once.
            result.alerts = try evaluator.restoreCheckpoint(alertBytes)
        }
        return result
    }

    /// Switches to `specs` (a reload). SLOs whose definition is unchanged keep their state: the
    /// new engine takes over the old one's states under the new instance ids, the shards move
    /// their pending deltas to those ids and re-match every series against the new selectors.
    /// Blocks the calling thread (the reload queue) until done.
    func reconfigure(specs newSpecs: [SLOSpec], runtime: ShardRuntime) throws {
        let next = try Setup(specs: newSpecs, externalURL: externalURL)
        // Wait (bounded: a stuck tick must not block reloads forever) for a running tick, then
        // hold ticks off.
        Self.wait(seconds: 10) { busy.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged }
        defer { busy.store(false, ordering: .releasing) }
        let previous = setup.withLock { $0 }
        let old = previous.specs
        var keep: [Int: Int] = [:]
        for (i, o) in old.enumerated() {
            if let j = newSpecs.firstIndex(where: { $0.sameDefinition(as: o) }) { keep[i] = j }
        }
        let finished = PThreadLocked(false)
        let matcher = next.matcher, registry = next.registry, layouts = next.layouts, kept = keep
        runtime.onEachShard({ worker in
            (worker as? AggregatorShard)?.reconfigureSLO(matcher: matcher, registry: registry, layouts: layouts, keep: kept)
        }, done: { finished.withLock { $0 = true } })
        Self.wait(seconds: 60) { finished.withLock { $0 } }
        for lost in next.engine.adoptStates(from: previous.engine, keep: kept) {
            Logger.shared.error("SLO state started over on reload", ["slo": lost.slo, "group": lost.groupValues.joined(separator: ","),
                                                                   "reason": lost.reason])
        }
        next.alerts.adopt(from: previous.alerts)
        setup.withLock { $0 = next }
        latest.withLock { $0 = nil }
        Logger.shared.info("SLOs reconfigured", ["slos": String(newSpecs.count), "kept": String(kept.count)])
    }

    /// Polls `done` every millisecond until it holds or `seconds` have passed.
    static func wait(seconds: Int, until done: () -> Bool) {
        var polls = 0
        while !done() && polls < seconds * 1_000 {
            usleep(1_000)
            polls += 1
        }
    }

    /// An alert that began firing or resolved (notifiers send them; the log keeps a trace).
    static func log(_ notice: AlertNotice) {
        let a = notice.alert
        Logger.shared.info(notice.transition == .firing ? "alert firing" : "alert resolved",
                           ["alert": a.key.description, "tier": a.label("sloth_severity") ?? "",
                            "severity": a.label("severity") ?? "", "summary": a.annotation("summary") ?? ""])
    }

    /// The pending and firing alerts of the latest evaluation, in key order.
    var alerts: [Alert] { activeAlerts.withLock { $0 } }

    /// The latest evaluation, nil before the first one.
    var snapshot: SLOSnapshot? { latest.withLock { $0 } }

    /// The SLO families for `/metrics` (empty before the first evaluation).
    func families() -> [MetricFamily] { (snapshot?.families() ?? []) + Alert.families(alerts) }
}
