import SLO
import SLOEngine

/// Evaluates every SLO instance's alert tiers against each `SLOSnapshot` (once per evaluation
/// tick) and runs one `AlertState` per instance × tier.
///
/// A burn-rate condition holds when the error ratio over both of its windows is above
/// `factor × error budget` (the comparison `slod rules` writes, so slod and Prometheus agree)
/// and each window holds at least the policy's `minEvents` events; a tier holds when any of
/// its conditions does. A budget-exhaustion tier (`AlertPolicy.exhaustion`, tier name
/// `budget`) holds while the remaining budget is below its threshold. A window without data
/// never holds.
///
/// Not thread-safe: one thread at a time calls `evaluate` (the daemon's evaluation queue). Cost
/// per tick: O(instances × tiers) comparisons on the snapshot's window sums; alert content
/// (labels, annotations) is built only for alerts that are active or change.
public final class AlertEvaluator: @unchecked Sendable {
    public let specs: [SLOSpec]
    /// slod's own URL (e.g. `http://127.0.0.1:4318`), for each alert's `generatorURL`.
    public var externalURL: String

    /// A tier ready for evaluation: window indices resolved against the SLO's layout.
    struct Tier {
        var name: String
        /// What the tier's alerts carry over the instance's series labels
        /// (`AlertPolicy.ruleLabels`: `sloth_severity`, the user's labels).
        var ruleLabels: [String: String]
        /// The user's annotations of the tier (over the policy's; both over the generated ones).
        var annotations: [String: String]
        var forNanos: Int64
        var keepFiringForNanos: Int64
        /// (long window index, short window index, error-ratio threshold, factor, long, short seconds)
        var conditions: [(long: Int, short: Int, threshold: Double, factor: Double, longSeconds: Int64, shortSeconds: Int64)]
        /// Budget alert: fires while the remaining budget is below this.
        var remainingBelow: Double?
    }
    let policies: [AlertPolicy]
    let tiers: [[Tier]]

    /// Per instance id seen: where its tiers' states start in `states` (-1 until seen).
    var stateBase: [Int] = []
    var states: [AlertState] = []
    /// Content of the alerts that are pending or firing, by state index.
    var active: [Int: Alert] = [:]
    /// States handed over from the evaluator this one replaces (reload, restart), by key; taken
    /// when the instance first shows up.
    var adopted: [AlertKey: AlertState] = [:]
    /// Adopted states taken over by an instance (the others resolve).
    var taken: Set<AlertKey> = []
    /// The instant of the last evaluation.
    public private(set) var lastNow: Int64 = .min

    /// An evaluator for `specs` (the SLO engine's, same order). Policies are valid by
    /// construction (`SLOSpec` validates a configured one); window lookups cannot fail for them.
    public init(specs: [SLOSpec], externalURL: String) {
        self.specs = specs
        self.externalURL = externalURL
        policies = specs.map(\.alertPolicy)
        tiers = zip(specs, policies).map { spec, policy in
            let layout = try? SLOLayout(spec.configuration)
            let budget = spec.objective.errorBudget
            var out: [Tier] = policy.tiers.filter(\.enabled).map { t in
                Tier(name: t.name, ruleLabels: policy.ruleLabels(tier: t.name, tierLabels: t.labels), annotations: t.annotations,
                     forNanos: t.forSeconds * 1_000_000_000,
                     keepFiringForNanos: t.keepFiringForSeconds * 1_000_000_000,
                     conditions: t.conditions.compactMap { c in
                         guard let long = layout?.windowIndex(seconds: c.longSeconds),
                               let short = layout?.windowIndex(seconds: c.shortSeconds) else { return nil }
                         return (long, short, c.factor * budget, c.factor, c.longSeconds, c.shortSeconds)
                     },
                     remainingBelow: nil)
            }
            if let e = policy.exhaustion {
                out.append(Tier(name: AlertPolicy.budgetTierName, ruleLabels: policy.ruleLabels(tier: AlertPolicy.budgetTierName, tierLabels: e.labels),
                                annotations: e.annotations, forNanos: e.forSeconds * 1_000_000_000,
                                keepFiringForNanos: 0, conditions: [], remainingBelow: e.remainingBelow))
            }
            return out
        }
    }

    /// Takes over the alert states of `old` (reload; or states restored after a restart
    /// through `restore`), matched by key, so a firing alert neither re-fires nor is forgotten.
    /// Call before the first `evaluate`. Alerts whose tier or instance no longer exists resolve
    /// at the first evaluation (`retiredNotices`).
    public func adopt(from old: AlertEvaluator) {
        for (index, alert) in old.active { adopted[alert.key] = old.states[index] }
        retired = old.active.values.sorted { $0.key < $1.key }
    }

    /// States restored from a checkpoint (restart), by key.
    public func restore(_ states: [AlertKey: AlertState]) {
        for (key, state) in states where state.phase != .inactive { adopted[key] = state }
    }

    /// Alerts of the previous evaluator, resolved at the first evaluation unless their key
    /// shows up again.
    var retired: [Alert] = []

    /// Evaluates every instance of `snapshot` at the snapshot's instant and returns what
    /// notifiers must send: alerts that began firing and alerts that resolved, in key order.
    public func evaluate(_ snapshot: SLOSnapshot) -> [AlertNotice] {
        let now = max(snapshot.nowNanos, lastNow)
        lastNow = now
        var notices: [AlertNotice] = []
        for position in snapshot.instances.indices {
            let (id, slo) = snapshot.idAndSLO(at: position)
            guard slo < tiers.count, !tiers[slo].isEmpty else { continue }
            // The whole instance (labels, budget) is assembled only when needed.
            var assembled: SLOSnapshot.Instance?
            func instance() -> SLOSnapshot.Instance {
                if let assembled { return assembled }
                let i = snapshot.instances[position]
                assembled = i
                return i
            }
            let base = Int(id) < stateBase.count && stateBase[Int(id)] >= 0 ? stateBase[Int(id)] : self.base(of: instance())
            let windows = snapshot.windows(at: position)
            let minEvents = policies[slo].minEvents
            for (t, tier) in tiers[slo].enumerated() {
                var matched = -1
                var value = 0.0
                if let below = tier.remainingBelow {
                    if let remaining = instance().budget.remaining, remaining < below {
                        matched = 0
                        value = remaining
                    }
                } else {
                    for (ci, c) in tier.conditions.enumerated() {
                        let long = windows[c.long], short = windows[c.short]
                        guard let l = long.errorRatio, let s = short.errorRatio, l > c.threshold, s > c.threshold,
                              long.total >= minEvents, short.total >= minEvents else { continue }
                        matched = ci
                        value = long.burnRate ?? 0
                        break
                    }
                }
                let index = base + t
                let transition = states[index].step(holds: matched >= 0, now: now, forNanos: tier.forNanos,
                                                    keepFiringForNanos: tier.keepFiringForNanos)
                let state = states[index]
                if state.phase == .inactive {
                    if transition == .resolved, var alert = active.removeValue(forKey: index) {
                        alert.phase = .inactive
                        alert.resolvedAt = state.resolvedAt
                        notices.append(AlertNotice(alert: alert, transition: .resolved))
                    } else {
                        active.removeValue(forKey: index)
                    }
                    continue
                }
                // Pending or firing: refresh the content while the condition holds (values
                // change; identity does not); keep the last content while `keep_firing_for` runs.
                if matched >= 0 || active[index] == nil {
                    active[index] = alert(instance: instance(), slo: slo, tier: tier, condition: matched, value: value,
                                          windows: windows, state: state)
                } else {
                    active[index]!.phase = state.phase
                    active[index]!.firingSince = state.firingSince
                }
                if transition == .firing { notices.append(AlertNotice(alert: active[index]!, transition: .firing)) }
            }
        }
        if !retired.isEmpty || !adopted.isEmpty {
            // The first evaluation after `adopt`/`restore`: what was not taken over is gone.
            for var alert in retired where alert.phase == .firing && !taken.contains(alert.key) {
                alert.phase = .inactive
                alert.resolvedAt = now
                notices.append(AlertNotice(alert: alert, transition: .resolved))
            }
            retired = []
            adopted = [:]
            taken = []
        }
        return notices.sorted { $0.alert.key < $1.alert.key }
    }

    /// The alerts that are pending or firing, in key order.
    public var alerts: [Alert] { active.values.sorted { $0.key < $1.key } }

    /// Every non-inactive state by key (for checkpoints).
    public var persistentStates: [AlertKey: AlertState] {
        var out: [AlertKey: AlertState] = [:]
        for (index, alert) in active { out[alert.key] = states[index] }
        return out
    }

    /// Where `instance`'s tier states start, allocating them (and taking adopted states) the
    /// first time the instance is seen.
    func base(of instance: SLOSnapshot.Instance) -> Int {
        let id = Int(instance.id)
        if id < stateBase.count, stateBase[id] >= 0 { return stateBase[id] }
        if id >= stateBase.count { stateBase.append(contentsOf: repeatElement(-1, count: id + 1 - stateBase.count)) }
        let base = states.count
        stateBase[id] = base
        for tier in tiers[instance.slo] {
            let key = AlertKey(slo: specs[instance.slo].id, groupValues: instance.groupValues, tier: tier.name)
            if let state = adopted.removeValue(forKey: key) {
                taken.insert(key)
                states.append(state)
            } else {
                states.append(AlertState())
            }
        }
        return base
    }

    // MARK: Content

    /// The alert of one instance and tier: labels (`AlertPolicy.alertLabels`, the same as the
    /// rules' alerts: the instance's series labels, `sloth_severity`, the user's labels,
    /// `alertname`), annotations with the numbers that matter to whoever is paged (the user's
    /// over them, verbatim: no template expansion), and times from its state.
    func alert(instance: SLOSnapshot.Instance, slo: Int, tier: Tier, condition: Int, value: Double,
               windows: SLOSnapshot.Windows, state: AlertState) -> Alert {
        let spec = specs[slo]
        let policy = policies[slo]
        var series = spec.slothLabels
        for pair in instance.labelPairs { series[pair.name] = pair.value }
        let labels = AlertPolicy.alertLabels(series: series, rule: tier.ruleLabels, alertName: policy.alertName)
        let budget = instance.budget
        let remaining = budget.remaining.map { "\(AlertText.percent($0)) of the error budget left" } ?? "no budget figure yet"
        let exhaustion = budget.exhaustionSeconds.map { ", exhausted in \(AlertText.duration(seconds: $0)) at the 1h burn rate" } ?? ""
        let summary: String
        var description: String
        if tier.remainingBelow != nil {
            summary = "\(spec.service) \(spec.name): \(remaining)"
            description = "SLO \(spec.name) of service \(spec.service) (objective \(spec.objective.percentText)% over \(spec.period.label)): "
                + "\(remaining)\(exhaustion)."
        } else {
            let shown = condition >= 0 ? condition : 0
            let c = tier.conditions.isEmpty ? nil : tier.conditions[shown]
            if let c {
                let long = windows[c.long].burnRate.map(AlertText.number) ?? "no data"
                let short = windows[c.short].burnRate.map(AlertText.number) ?? "no data"
                summary = "\(spec.service) \(spec.name): error budget burning \(long)× too fast (\(tier.name))"
                description = "SLO \(spec.name) of service \(spec.service) (objective \(spec.objective.percentText)% over \(spec.period.label)): "
                    + "burn rate \(long)× over \(SLODuration.render(seconds: c.longSeconds)) and \(short)× over "
                    + "\(SLODuration.render(seconds: c.shortSeconds)) (threshold \(AlertText.number(c.factor))×); \(remaining)\(exhaustion)."
            } else {
                summary = "\(spec.service) \(spec.name) (\(tier.name))"
                description = "SLO \(spec.name) of service \(spec.service): \(remaining)\(exhaustion)."
            }
        }
        var generated = ["description": description, "summary": summary]
        if let url = policy.runbookURL { generated["runbook_url"] = url }
        let annotations = policy.alertAnnotations(generated: generated, tierAnnotations: tier.annotations)
        let key = AlertKey(slo: spec.id, groupValues: instance.groupValues, tier: tier.name)
        return Alert(key: key, phase: state.phase, labels: labels.map { AlertLabel($0.name, $0.value) },
                     annotations: annotations.keys.sorted().map { AlertLabel($0, annotations[$0]!) }, value: value,
                     activeSince: state.activeSince, firingSince: state.firingSince,
                     resolvedAt: 0, generatorURL: "\(externalURL)/api/v1/slos/\(spec.service)/\(spec.name)")
    }
}
