/// One window's numbers at an evaluation.
///
/// For occurrences `good` and `total` are events; for the timeslice methods they are slices
/// (timeslices: good slices and counted slices; ratio_timeslices: the sum of slice ratios and
/// counted slices), counting the slices that closed and whose start lies in the window.
public struct WindowStatus: Sendable, Equatable {
    /// The raw fixed-point sums.
    public var sums: WindowSums
    /// `sums.good / unitsPerCount`.
    public var good: Double
    /// `sums.total / unitsPerCount`.
    public var total: Double
    /// nil when the window has no data (total ≤ 0).
    public var errorRatio: Double?
    /// nil when the window has no data.
    public var burnRate: Double?

    public init(sums: WindowSums, good: Double, total: Double, errorRatio: Double?, burnRate: Double?) {
        self.sums = sums
        self.good = good
        self.total = total
        self.errorRatio = errorRatio
        self.burnRate = burnRate
    }

    public static let empty = WindowStatus(sums: .zero, good: 0, total: 0, errorRatio: nil, burnRate: nil)
}

/// The error budget over the period (see `BudgetMath` for the formulas and the nil cases).
public struct BudgetStatus: Sendable, Equatable {
    public var period: PeriodBounds
    /// Error ratio over the period; nil without data.
    public var errorRatio: Double?
    /// Period burn rate = consumed budget; nil without data.
    public var burnRate: Double?
    /// `1 − consumed`; negative once overspent; nil without data.
    public var remaining: Double?
    /// Fraction of the budget spent; above 1 once overspent; nil without data.
    public var consumed: Double?
    /// Seconds until the remaining budget is gone at the exhaustion window's burn rate; nil
    /// when not burning, without data, or already exhausted.
    public var exhaustionSeconds: Double?

    public init(period: PeriodBounds, errorRatio: Double?, burnRate: Double?, remaining: Double?,
                consumed: Double?, exhaustionSeconds: Double?) {
        self.period = period
        self.errorRatio = errorRatio
        self.burnRate = burnRate
        self.remaining = remaining
        self.consumed = consumed
        self.exhaustionSeconds = exhaustionSeconds
    }
}

/// An SLO instance's numbers at one instant: every window (in `SLOLayout.windows` order, the
/// period last) and the budget.
public struct SLOStatus: Sendable, Equatable {
    public var nowNanos: Int64
    public var windows: [WindowStatus]
    public var budget: BudgetStatus

    public init(nowNanos: Int64, windows: [WindowStatus], budget: BudgetStatus) {
        self.nowNanos = nowNanos
        self.windows = windows
        self.budget = budget
    }

    /// An empty status to be filled by `SLOState.evaluate(now:into:)` (reuses its array).
    public init() {
        self.init(nowNanos: 0, windows: [],
                  budget: BudgetStatus(period: PeriodBounds(startNanos: 0, endNanos: nil, lengthSeconds: 0),
                                       errorRatio: nil, burnRate: nil, remaining: nil, consumed: nil, exhaustionSeconds: nil))
    }

    /// The period window (the last one).
    public var period: WindowStatus { windows[windows.count - 1] }
}

extension SLOLayout {
    /// The status from window sums (e.g. several states' sums added window by window with
    /// `SLOState.accumulateWindowSums(into:)`). `sums` must have `windowCount`
    /// elements; `period` is `configuration.period.bounds(containing: now)` (compute it once
    /// per SLO and tick, not per instance).
    public func status(sums: [WindowSums], period: PeriodBounds, now: Int64) -> SLOStatus {
        precondition(sums.count == windowCount, "need one WindowSums per window")
        var status = SLOStatus()
        fill(&status, period: period, now: now) { sums[$0] }
        return status
    }

    /// Fills `status` in place, reusing its `windows` array (no allocation once it has the
    /// right capacity).
    @inline(__always)
    func fill(_ status: inout SLOStatus, period: PeriodBounds, now: Int64, sums: (Int) -> WindowSums) {
        let budget = configuration.objective.errorBudget
        let scale = 1 / unitsPerCount
        let count = windowCount
        if status.windows.count != count {
            status.windows = [WindowStatus](repeating: .empty, count: count)
        }
        status.windows.withUnsafeMutableBufferPointer { w in
            for j in 0..<count {
                let s = sums(j)
                let ratio = BudgetMath.errorRatio(good: s.good, total: s.total)
                w[j] = WindowStatus(sums: s, good: Double(s.good) * scale, total: Double(s.total) * scale,
                                    errorRatio: ratio, burnRate: BudgetMath.burnRate(errorRatio: ratio, errorBudget: budget))
            }
        }
        let p = status.windows[periodWindowIndex]
        let remaining = BudgetMath.remainingBudget(periodErrorRatio: p.errorRatio, errorBudget: budget)
        status.nowNanos = now
        status.budget = BudgetStatus(
            period: period, errorRatio: p.errorRatio, burnRate: p.burnRate, remaining: remaining, consumed: p.burnRate,
            exhaustionSeconds: BudgetMath.exhaustionSeconds(remaining: remaining, periodSeconds: period.lengthSeconds,
                                                            burnRate: status.windows[exhaustionWindowIndex].burnRate))
    }
}
