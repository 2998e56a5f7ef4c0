import Aggregation
import Alerting
import Dispatch
import Exposition
import Platform
import SLO
import SLOEngine
import Synchronization

/// Runs SLO evaluation for the daemon: every `interval` it asks the shards for the SLO deltas
/// they collected (`ShardRuntime.sloReports`), lets the `SLOEngine` add them to the instances'
/// states and evaluate them on its own serial queue (never on an event loop or a shard thread),
/// and publishes the resulting `SLOSnapshot`, which `/metrics` and `/api/v1/slos` read. The
/// same tick runs the alert tiers over the snapshot (`AlertEvaluator`) and publishes the active
/// alerts (`/api/v1/alerts`, `slod_alerts`); alerts that begin firing or resolve are logged.
///
/// A tick starts only when the previous one has finished, so a slow tick delays the next
/// instead of piling up. Without SLOs nothing is evaluated. `reconfigure` switches to new SLOs
/// on reload, keeping the state of the unchanged ones. Ticks, checkpoints and reconfigurations
/// take turns on the engine (`engineTurn`): none of them runs while another does.
final class SLOService: Sendable {
    /// Everything that depends on the SLO list; replaced whole on reload.
    struct Setup: @unchecked Sendable {
        let specs: [SLOSpec]
        let registry: SLOInstanceRegistry
        let matcher: SLOMatcher
        let layouts: [SLOLayout]
        /// Used only by whoever holds the engine's turn (a tick, a checkpoint, a reconfiguration).
        let engine: SLOEngine
        /// Same discipline as `engine`.
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
    /// Alert transitions for the alerts page and reports, kept for the longest SLO period.
    private let history: Mutex<AlertHistory>
    /// slod's own URL, for alerts' `generatorURL` (set once the listener is bound).
    private let externalURLSlot: Mutex<String>
    var externalURL: String {
        get { externalURLSlot.withLock { $0 } }
        set { externalURLSlot.withLock { $0 = newValue } }
    }
    /// True while a tick, a checkpoint or a reconfiguration holds the engine: from a tick's
    /// request for the shards' deltas until they are evaluated, from a reconfiguration's
    /// request to the shards until the engine has switched too.
    private let engineTurn = ConditionLocked(false)
    let queue = DispatchQueue(label: "slod.slo")
    private let timer: Mutex<DispatchSourceTimer?> = Mutex(nil)
    let wallClock: @Sendable () -> Int64
    /// Where alert notices go (none configured: an empty service).
    let notifications: NotificationService?

    init(specs: [SLOSpec], externalURL: String = "http://127.0.0.1:4318", notifications: NotificationService? = nil,
         wallClock: @escaping @Sendable () -> Int64 = SLOService.wallNanos) throws {
        self.notifications = notifications
        setup = Mutex(try Setup(specs: specs, externalURL: externalURL))
        history = Mutex(AlertHistory(retentionNanos: Self.historyRetentionNanos(specs)))
        externalURLSlot = Mutex(externalURL)
        self.wallClock = wallClock
    }

    /// The longest SLO period (at its longest, e.g. 31 days for a month), and at least 7 days
    /// (the report counts pages per week).
    static func historyRetentionNanos(_ specs: [SLOSpec]) -> Int64 {
        max(7 * 86_400, specs.map(\.period.maxLengthSeconds).max() ?? 0) * 1_000_000_000
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
    func start(runtime: ShardRuntime<AggregatorShard>, interval: Duration = .seconds(1)) {
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

    /// One evaluation: gather, merge, publish. Skipped while the previous one (or a checkpoint,
    /// or a reconfiguration) holds the engine, and without SLOs.
    func tick(runtime: ShardRuntime<AggregatorShard>) {
        guard !isEmpty, engineTurn.withLock(Self.take) else { return }
        let now = wallClock()
        runtime.sloReports { [self] parts in
            queue.async { [self] in
                evaluate(parts, now: now)
                handBackEngine()
            }
        }
    }

    /// Adds the shards' deltas, evaluates SLOs and alerts, publishes, notifies. Runs with
    /// the engine's turn held (the queue's tick, or a checkpoint).
    private func evaluate(_ parts: [[SLODelta]], now: Int64) {
        let (engine, evaluator) = setup.withLock { ($0.engine, $0.alerts) }
        evaluator.externalURL = externalURL
        let snapshot = engine.evaluate(deltas: parts, now: now)
        let notices = evaluator.evaluate(snapshot)
        let alerts = evaluator.alerts
        latest.withLock { $0 = snapshot }
        activeAlerts.withLock { $0 = alerts }
        history.withLock { $0.record(notices, now: now) }
        for n in notices { Self.log(n) }
        notifications?.deliver(notices, firing: alerts, now: now, externalURL: evaluator.externalURL)
    }

    /// The SLO part of a checkpoint: waits for a running tick (ticks are held off meanwhile),
    /// runs `barrier` — which cuts the checkpoint and returns the shards' SLO deltas up to the
    /// cut (nil: the checkpoint is abandoned) — adds those deltas in one evaluation, and
    /// encodes the engine's instance states and the alert states, which then hold exactly what
    /// the barrier's WAL position covers.
    func checkpointState(barrier: () -> [[SLODelta]]?) -> (engine: [UInt8], alerts: [UInt8], history: [UInt8])? {
        guard engineTurn.wait(until: .after(.seconds(30)), Self.take) else { return nil }
        defer { handBackEngine() }
        guard let parts = barrier() else { return nil }
        var engineBytes: [UInt8] = [], alertBytes: [UInt8] = []
        if !isEmpty { evaluate(parts, now: wallClock()) }
        let (engine, evaluator) = setup.withLock { ($0.engine, $0.alerts) }
        engine.encodeCheckpoint(into: &engineBytes)
        evaluator.encodeCheckpoint(into: &alertBytes)
        var historyBytes: [UInt8] = []
        history.withLock { $0.encode(into: &historyBytes) }
        return (engineBytes, alertBytes, historyBytes)
    }

    /// Recovery: takes over the instance states and alert states of a checkpoint (before the
    /// first tick). States of SLOs whose definition changed are dropped (counted in the result).
    func restore(engine engineBytes: [UInt8]?, alerts alertBytes: [UInt8]?,
                 history historyBytes: [UInt8]? = nil) throws -> (restored: Int, dropped: Int, alerts: Int) {
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
        if let historyBytes, !historyBytes.isEmpty {
            let entries = try AlertHistory.decode(historyBytes)
            history.withLock { $0 = AlertHistory(retentionNanos: $0.retentionNanos, entries: entries) }
        }
        return result
    }

    /// Switches to `specs` (a reload). SLOs whose definition is unchanged keep their state: the
    /// new engine takes over the old one's states under the new instance ids, the shards move
    /// their pending deltas to those ids and re-match every series against the new selectors.
    /// Blocks the calling thread (the reload queue) until done.
    ///
    /// Never runs beside a tick or a checkpoint: it takes the engine's turn first, and throws
    /// `ReconfigurationError.engineBusy` — nothing changed — when it cannot within
    /// `turnWait`. Once the shards are asked to switch, the engine follows them whatever
    /// happens, and only then is the turn handed back; the call waits up to `switchWait` for that.
    func reconfigure(specs newSpecs: [SLOSpec], runtime: ShardRuntime<AggregatorShard>,
                     turnWait: Duration = .seconds(10), switchWait: Duration = .seconds(60)) throws {
        let next = try Setup(specs: newSpecs, externalURL: externalURL)
        guard engineTurn.wait(until: .after(turnWait), Self.take) else { throw ReconfigurationError.engineBusy(turnWait) }
        let previous = setup.withLock { $0 }
        var keep: [Int: Int] = [:]
        for (i, o) in previous.specs.enumerated() {
            if let j = newSpecs.firstIndex(where: { $0.sameDefinition(as: o) }) { keep[i] = j }
        }
        let switched = ConditionLocked(false)
        let matcher = next.matcher, registry = next.registry, layouts = next.layouts, kept = keep
        runtime.onEachShard({ shard in
            shard.reconfigureSLO(matcher: matcher, registry: registry, layouts: layouts, keep: kept)
        }, done: { [self] in
            queue.async { [self] in
                adopt(next, from: previous, keep: kept)
                handBackEngine()
                switched.withLock { $0 = true }
            }
        })
        guard switched.wait(until: .after(switchWait), { $0 }) else { throw ReconfigurationError.shardsSlow(switchWait) }
    }

    /// The engine's half of a reconfiguration, after the shards switched (turn held).
    private func adopt(_ next: Setup, from previous: Setup, keep: [Int: Int]) {
        for lost in next.engine.adoptStates(from: previous.engine, keep: keep) {
            Logger.shared.error("SLO state started over on reload", ["slo": lost.slo, "group": lost.groupValues.joined(separator: ","),
                                                                   "reason": lost.reason])
        }
        next.alerts.adopt(from: previous.alerts)
        setup.withLock { $0 = next }
        history.withLock { $0.retentionNanos = Self.historyRetentionNanos(next.specs) }
        latest.withLock { $0 = nil }
        Logger.shared.info("SLOs reconfigured", ["slos": String(next.specs.count), "kept": String(keep.count)])
    }

    /// Why a reconfiguration did not (yet) take effect.
    enum ReconfigurationError: Error, CustomStringConvertible {
        /// A tick or a checkpoint held the engine for the whole wait; nothing changed.
        case engineBusy(Duration)
        /// The shards did not answer within the wait; the switch completes when they do.
        case shardsSlow(Duration)

        var description: String {
            switch self {
            case .engineBusy(let d):
                "the SLO evaluation or a checkpoint held the SLO engine for \(d); the running SLOs are kept, reload again"
            case .shardsSlow(let d):
                "the aggregator shards did not switch to the new SLOs within \(d); the switch completes when they do"
            }
        }
    }

    private func handBackEngine() { engineTurn.withLock { $0 = false } }

    /// Takes the engine's turn if it is free (for `ConditionLocked<Bool>` calls).
    private static func take(_ inUse: inout Bool) -> Bool {
        if inUse { return false }
        inUse = true
        return true
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

    /// The alert transitions kept (oldest first).
    var alertHistory: [AlertHistoryEntry] { history.withLock { $0.entries } }

    /// The latest evaluation, nil before the first one.
    var snapshot: SLOSnapshot? { latest.withLock { $0 } }

    /// The SLO families for `/metrics` (empty before the first evaluation).
    func families() -> [MetricFamily] { (snapshot?.families() ?? []) + Alert.families(alerts) }
}
