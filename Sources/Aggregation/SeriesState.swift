import OTLP

// Per-series aggregation state (issue 4): pure values owned by one aggregator shard.
// No threads, no I/O, no clocks: the shard passes `now` (its injectable clock, in ns) to `apply`.
//
// Rules shared by every state type (see DESIGN.md §2 and prometheus-compat.md §4):
//
// * Out of order. A point whose `time_unix_nano` is older than the series' latest accepted point
//   is dropped (`.droppedOutOfOrder`). Cumulative streams, gauges and summaries accept an *equal*
//   timestamp (last wins); delta streams drop it too, because a delta with the same timestamp is a
//   retry/duplicate and adding it would double-count (the Collector's `deltatocumulative` does the
//   same: `time <= state.time` ⇒ out of order). A delta point whose start is older than the
//   accumulated series' start also belongs to an older stream and is dropped the same way.
// * Cumulative resets. The series restarts (`.reset`) when the start time changes (both non-zero)
//   or, for monotonic sums and histograms, when the value/count goes down. The state then holds
//   the new point only and its created time is the point's start.
// * Delta → cumulative (what `deltatocumulative` does): the first point's start is kept as the
//   series' start/created time, later deltas are added; gaps (start > previous time) are accepted.
//   Non-monotonic delta sums are rejected (`.nonMonotonicDelta`): the running total of a
//   non-monotonic delta stream depends on having seen every point since the beginning, and
//   Prometheus has no type for it (the Collector drops them, Prometheus' OTLP receiver rejects).
// * `NO_RECORDED_VALUE` (not older than the latest point) makes the series stale: `isStale` is set,
//   the value is forgotten, and the result is `.stale` — the shard removes the series from the
//   exposition (prometheus-compat.md §4.8). A later point starts the series afresh.
// * `lastUpdate` is the shard clock at the last accepted point (applied/reset/stale); the shard
//   drops series with `now - lastUpdate > series_ttl`. Dropped/rejected points do not refresh it.
// * Values are Doubles. OTLP int values are converted with `Double(_:)`: integers above 2^53 lose
//   precision (rounded to the nearest representable double), which Prometheus' float samples
//   would impose anyway (§4.2). Histogram/summary counts stay UInt64 (exact; rendered as integers).

/// Why a point was not applied. Raw values are meant as `reason` labels of self-metrics.
public enum SeriesRejectReason: String, Sendable, Hashable, CaseIterable {
    /// Delta sum with `is_monotonic = false`.
    case nonMonotonicDelta = "non_monotonic_delta"
    /// Sum/histogram with temporality unspecified (decoders normally reject these first).
    case invalidTemporality = "invalid_temporality"
    /// A delta point whose value is NaN/±Inf: it cannot be accumulated.
    case nonFiniteDelta = "non_finite_delta"
    /// A monotonic delta sum point with a negative value.
    case negativeDelta = "negative_delta"
    /// A number point with no value and no `NO_RECORDED_VALUE` flag.
    case missingValue = "missing_value"

    /// Text for partial-success messages, naming the metric.
    public func message(metric: String) -> String {
        switch self {
        case .nonMonotonicDelta:
            "sum \"\(metric)\" is delta and non-monotonic; only monotonic delta sums can be converted to cumulative Prometheus series"
        case .invalidTemporality:
            "metric \"\(metric)\" has unspecified aggregation temporality"
        case .nonFiniteDelta:
            "delta point of \"\(metric)\" has a NaN or infinite value that cannot be accumulated"
        case .negativeDelta:
            "monotonic delta sum \"\(metric)\" has a negative point value"
        case .missingValue:
            "number point of \"\(metric)\" has no value"
        }
    }
}

/// What `apply` did with a point.
public enum ApplyResult: Equatable, Sendable {
    /// The point was applied to a continuing series (or started a new one).
    case applied
    /// The point was applied and the series restarted (start time changed, value went down,
    /// histogram bounds changed, or a delta stream could not be continued).
    case reset
    /// `NO_RECORDED_VALUE`: the series is stale now; remove it from the exposition.
    case stale
    /// Older than the series' latest point (or a duplicate delta); nothing changed.
    case droppedOutOfOrder
    /// Invalid for this series; nothing changed.
    case rejected(SeriesRejectReason)

    /// True when the state changed and `lastUpdate` was refreshed.
    public var isAccepted: Bool {
        switch self {
        case .applied, .reset, .stale: true
        case .droppedOutOfOrder, .rejected: false
        }
    }
}

let statusHasValue: UInt8 = 1
let statusStale: UInt8 = 2
let statusHasSum: UInt8 = 4

extension NumberValue {
    /// The value as a Double (`Double(int)` rounds above 2^53), nil for `.none`.
    public var doubleValue: Double? {
        switch self {
        case .double(let d): d
        case .int(let i): Double(i)
        case .none: nil
        }
    }
}

/// A `Sum` series (monotonic → Prometheus counter, non-monotonic cumulative → gauge).
///
/// 48 bytes, no heap storage: applying a point never allocates.
public struct CounterState: Sendable, BitwiseCopyable {
    /// Start time of the current (cumulative) stream: OpenMetrics `_created`. 0 = unknown.
    public private(set) var startTimeUnixNano: UInt64 = 0
    /// Timestamp of the latest accepted point (also kept after a stale marker).
    public private(set) var timeUnixNano: UInt64 = 0
    /// Shard clock at the last accepted point.
    public private(set) var lastUpdate: UInt64 = 0
    /// The exposed (cumulative) value.
    public private(set) var value: Double = 0
    /// How much the counter grew with the last accepted point (for SLO bucketing, DESIGN §2):
    /// cumulative: `value - previous` (0 for a series' first point, since its baseline is unknown;
    /// the new value after a reset; 0 when either value is not finite); delta: the delta.
    /// Non-monotonic sums: the plain difference (may be negative).
    public private(set) var lastIncrease: Double = 0
    var status: UInt8 = 0

    public init() {}

    /// True when there is a value to expose.
    public var hasValue: Bool { status & statusHasValue != 0 }
    /// True after `NO_RECORDED_VALUE` until the next point.
    public var isStale: Bool { status & statusStale != 0 }

    /// Applies one data point.
    /// - Parameters:
    ///   - value: the point's value (NaN allowed for cumulative streams: it is exposed as is and
    ///     never counts as a reset); ignored when `noRecordedValue`.
    ///   - now: the shard clock (ns), stored as `lastUpdate` if the point is accepted.
    public mutating func apply(start: UInt64, time: UInt64, value v: Double, temporality: Temporality,
                               isMonotonic: Bool, noRecordedValue: Bool = false, now: UInt64) -> ApplyResult {
        switch temporality {
        case .cumulative:
            if status != 0 && time < timeUnixNano { return .droppedOutOfOrder }
            if noRecordedValue { return markStale(time: time, now: now) }
            let result: ApplyResult
            if hasValue {
                let startChanged = start != startTimeUnixNano && start != 0 && startTimeUnixNano != 0
                if startChanged || (isMonotonic && v < value) {
                    lastIncrease = v.isFinite ? v : 0
                    result = .reset
                } else {
                    let d = v - value
                    lastIncrease = d.isFinite ? d : 0
                    result = .applied
                }
                if result == .reset || start != 0 { startTimeUnixNano = start }
            } else {
                startTimeUnixNano = start
                lastIncrease = 0
                result = .applied
            }
            value = v
            timeUnixNano = time
            lastUpdate = now
            status = statusHasValue
            return result
        case .delta:
            guard isMonotonic else { return .rejected(.nonMonotonicDelta) }
            if status != 0 && time <= timeUnixNano { return .droppedOutOfOrder }
            if noRecordedValue { return markStale(time: time, now: now) }
            guard v.isFinite else { return .rejected(.nonFiniteDelta) }
            guard v >= 0 else { return .rejected(.negativeDelta) }
            if hasValue {
                if start < startTimeUnixNano { return .droppedOutOfOrder }
                value += v
            } else {
                startTimeUnixNano = start
                value = v
            }
            lastIncrease = v
            timeUnixNano = time
            lastUpdate = now
            status = statusHasValue
            return .applied
        case .unspecified:
            return .rejected(.invalidTemporality)
        }
    }

    mutating func markStale(time: UInt64, now: UInt64) -> ApplyResult {
        status = statusStale
        value = 0
        lastIncrease = 0
        startTimeUnixNano = 0
        timeUnixNano = time
        lastUpdate = now
        return .stale
    }

    /// Applies a decoded OTLP point of a `Sum` metric.
    public mutating func apply(_ p: NumberPointView, temporality: Temporality, isMonotonic: Bool, now: UInt64) -> ApplyResult {
        let nrv = p.common.flags.contains(.noRecordedValue)
        guard let v = p.value.doubleValue ?? (nrv ? 0 : nil) else { return .rejected(.missingValue) }
        return apply(start: p.common.startTimeUnixNano, time: p.common.timeUnixNano, value: v,
                     temporality: temporality, isMonotonic: isMonotonic, noRecordedValue: nrv, now: now)
    }
}

/// A `Gauge` series: the newest point wins (older ones are dropped, equal timestamps replace).
///
/// 40 bytes, no heap storage.
public struct GaugeState: Sendable, BitwiseCopyable {
    /// The point's start time if it had one (gauges usually don't); not a reset signal.
    public private(set) var startTimeUnixNano: UInt64 = 0
    public private(set) var timeUnixNano: UInt64 = 0
    public private(set) var lastUpdate: UInt64 = 0
    public private(set) var value: Double = 0
    var status: UInt8 = 0

    public init() {}

    public var hasValue: Bool { status & statusHasValue != 0 }
    public var isStale: Bool { status & statusStale != 0 }

    public mutating func apply(start: UInt64 = 0, time: UInt64, value v: Double, noRecordedValue: Bool = false, now: UInt64) -> ApplyResult {
        if status != 0 && time < timeUnixNano { return .droppedOutOfOrder }
        timeUnixNano = time
        lastUpdate = now
        if noRecordedValue {
            status = statusStale
            value = 0
            startTimeUnixNano = 0
            return .stale
        }
        startTimeUnixNano = start
        value = v
        status = statusHasValue
        return .applied
    }

    public mutating func apply(_ p: NumberPointView, now: UInt64) -> ApplyResult {
        let nrv = p.common.flags.contains(.noRecordedValue)
        guard let v = p.value.doubleValue ?? (nrv ? 0 : nil) else { return .rejected(.missingValue) }
        return apply(start: p.common.startTimeUnixNano, time: p.common.timeUnixNano, value: v, noRecordedValue: nrv, now: now)
    }
}

// Checkpoint restore (`AggregatorShard+Checkpoint.swift`): states with every field given.
extension CounterState {
    init(start: UInt64, time: UInt64, lastUpdate: UInt64, value: Double, lastIncrease: Double, status: UInt8) {
        startTimeUnixNano = start; timeUnixNano = time; self.lastUpdate = lastUpdate
        self.value = value; self.lastIncrease = lastIncrease; self.status = status
    }
}

extension GaugeState {
    init(start: UInt64, time: UInt64, lastUpdate: UInt64, value: Double, status: UInt8) {
        startTimeUnixNano = start; timeUnixNano = time; self.lastUpdate = lastUpdate
        self.value = value; self.status = status
    }
}
