/// The SLO formulas, total over their inputs: no result is ever NaN or ±Inf; "no data" is nil.
///
/// | quantity | formula | nil when |
/// |---|---|---|
/// | error ratio `E(w)` | `(total − good) / total`, clamped to [0, 1] | total ≤ 0 (no events in w) |
/// | burn rate `BR(w)` | `E(w) / budget`, budget = 1 − objective > 0 | E(w) is nil |
/// | remaining budget | `1 − E(period) / budget` = `1 − BR(period)` | E(period) is nil |
/// | consumed budget | `E(period) / budget` = `BR(period)` | E(period) is nil |
/// | time to exhaustion | `remaining × periodSeconds / BR(w)` with w = the exhaustion window (1h) | remaining is nil or ≤ 0 (no data, or already exhausted), or BR(w) is nil or 0 (not burning) |
///
/// Remaining budget is reported as is and goes negative once more than the budget was spent
/// (−2 means three budgets' worth of errors); consumed goes above 1 accordingly. Good counts are
/// clamped into [0, total] first because the good and total series of an SLI can arrive with
/// different timestamps, so a window can briefly hold more good than total events.
public enum BudgetMath {
    /// Error ratio from fixed-point sums (the unit cancels).
    @inlinable
    public static func errorRatio(good: Int64, total: Int64) -> Double? {
        guard total > 0 else { return nil }
        let g = min(max(good, 0), total)
        return Double(total - g) / Double(total)
    }

    @inlinable
    public static func burnRate(errorRatio: Double?, errorBudget: Double) -> Double? {
        guard let e = errorRatio, errorBudget > 0 else { return nil }
        return e / errorBudget
    }

    @inlinable
    public static func remainingBudget(periodErrorRatio: Double?, errorBudget: Double) -> Double? {
        guard let e = periodErrorRatio, errorBudget > 0 else { return nil }
        return 1 - e / errorBudget
    }

    @inlinable
    public static func exhaustionSeconds(remaining: Double?, periodSeconds: Int64, burnRate: Double?) -> Double? {
        guard let r = remaining, r > 0, let br = burnRate, br > 0 else { return nil }
        return r * Double(periodSeconds) / br
    }
}
