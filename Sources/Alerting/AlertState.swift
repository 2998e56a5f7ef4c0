/// Where one alert (an SLO instance × tier) stands.
public enum AlertPhase: String, Sendable, Equatable {
    /// The condition does not hold (or never did).
    case inactive
    /// The condition holds, for less than the tier's `for`.
    case pending
    case firing
}

/// What one evaluation did to an alert (nil from `AlertState.step` when nothing changed).
public enum AlertTransition: String, Sendable, Equatable {
    /// inactive → pending (the condition began to hold; `for` > 0).
    case pending
    /// inactive or pending → firing.
    case firing
    /// firing → inactive (the condition stopped holding and `keep_firing_for` ran out).
    case resolved
    /// pending → inactive before `for` elapsed (nobody was notified, so nobody is told).
    case cancelled
}

/// The state machine of one alert, as Prometheus runs it for alerting rules: pure, driven by
/// the caller's clock (Unix nanoseconds), no I/O.
///
/// - inactive, condition holds: `for` = 0 → firing at once, else pending;
/// - pending: firing once the condition has held for `for` (measured from the evaluation that
///   first saw it hold), back to inactive as soon as it does not hold;
/// - firing: stays while the condition holds, and for `keep_firing_for` after it last held;
///   then resolved (→ inactive), and a later hold starts a new episode with a new start time.
///
/// The alert's identity is its key (SLO instance × tier), not its values: a changing burn rate
/// or a switch between the tier's conditions does not re-fire it.
public struct AlertState: Sendable, Equatable {
    public private(set) var phase: AlertPhase = .inactive
    /// When the current episode began (the condition first held); 0 while inactive.
    public private(set) var activeSince: Int64 = 0
    /// When it fired; 0 unless firing.
    public private(set) var firingSince: Int64 = 0
    /// The last evaluation at which the condition held (for `keep_firing_for`).
    public private(set) var lastHeld: Int64 = 0
    /// When the last episode resolved; 0 if none has.
    public private(set) var resolvedAt: Int64 = 0

    public init() {}

    /// A state as persisted (restart): the phase and its instants.
    public init(phase: AlertPhase, activeSince: Int64, firingSince: Int64, lastHeld: Int64, resolvedAt: Int64) {
        self.phase = phase
        self.activeSince = activeSince
        self.firingSince = firingSince
        self.lastHeld = lastHeld
        self.resolvedAt = resolvedAt
    }

    /// One evaluation at `now`: whether the condition holds, with the tier's `for` and
    /// `keep_firing_for` in nanoseconds. Returns the transition, if any.
    public mutating func step(holds: Bool, now: Int64, forNanos: Int64, keepFiringForNanos: Int64) -> AlertTransition? {
        switch phase {
        case .inactive:
            guard holds else { return nil }
            activeSince = now
            lastHeld = now
            if forNanos <= 0 {
                phase = .firing
                firingSince = now
                return .firing
            }
            phase = .pending
            return .pending
        case .pending:
            guard holds else {
                phase = .inactive
                activeSince = 0
                return .cancelled
            }
            lastHeld = now
            guard now &- activeSince >= forNanos else { return nil }
            phase = .firing
            firingSince = now
            return .firing
        case .firing:
            if holds {
                lastHeld = now
                return nil
            }
            if keepFiringForNanos > 0 && now &- lastHeld < keepFiringForNanos { return nil }
            phase = .inactive
            resolvedAt = now
            activeSince = 0
            firingSince = 0
            return .resolved
        }
    }
}
