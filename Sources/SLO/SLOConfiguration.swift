/// What an empty time slice counts as (OpenSLO has no such field; Nobl9 calls it `WhenDelayed`).
public enum NoDataPolicy: String, Sendable, Equatable {
    /// An empty slice is not counted at all: neither good nor bad.
    case ignore
    /// An empty slice counts as one good slice (ratio 1 for ratio_timeslices).
    case good
    /// An empty slice counts as one bad slice (ratio 0 for ratio_timeslices).
    case bad
}

/// Settings of the two timeslice budgeting methods.
public struct TimesliceOptions: Sendable, Equatable {
    /// Slice length in seconds, 10 s … 1 h; slices are aligned to multiples of it since the epoch.
    public var sliceSeconds: Int64
    /// `timeSliceTarget` in parts per billion, in (0, 10^9]: a slice is good when
    /// good/total ≥ target. Unused by ratio_timeslices.
    public var targetPartsPerBillion: Int64
    /// What a slice without events counts as.
    public var noData: NoDataPolicy
    /// How long after its end a slice stays open for late points before it is classified, in
    /// seconds (0 … 1 h). Points for a slice that was already classified are dropped and counted.
    public var graceSeconds: Int64

    public init(sliceSeconds: Int64 = 60, targetPartsPerBillion: Int64 = 950_000_000,
                noData: NoDataPolicy = .ignore, graceSeconds: Int64 = 60) {
        self.sliceSeconds = sliceSeconds
        self.targetPartsPerBillion = targetPartsPerBillion
        self.noData = noData
        self.graceSeconds = graceSeconds
    }

    /// Parses a slice target ratio such as `0.95` (at most 9 decimals, in (0, 1]).
    public static func parseTarget(_ text: String) throws(SLOConfigurationError) -> Int64 {
        guard let ppb = DecimalText.parseFixed(text, fractionDigits: 9), ppb > 0, ppb <= Objective.scale else {
            throw SLOConfigurationError("time_slice_target", "\"\(text)\" must be a ratio in (0, 1] like 0.95")
        }
        return ppb
    }

    func validate() throws(SLOConfigurationError) {
        guard sliceSeconds >= 10, sliceSeconds <= 3_600 else {
            throw SLOConfigurationError("time_slice_window", "\(SLODuration.render(seconds: sliceSeconds)) must be between 10s and 1h")
        }
        guard targetPartsPerBillion > 0, targetPartsPerBillion <= Objective.scale else {
            throw SLOConfigurationError("time_slice_target", "\(targetPartsPerBillion) parts per billion must be in (0, 10^9]")
        }
        guard graceSeconds >= 0, graceSeconds <= 3_600 else {
            throw SLOConfigurationError("time_slice_grace", "\(graceSeconds)s must be between 0s and 1h")
        }
    }
}

/// How the error budget is counted (OpenSLO `budgetingMethod`).
public enum BudgetingMethod: Sendable, Equatable {
    /// Good events ÷ total events.
    case occurrences
    /// Good slices ÷ counted slices, a slice being good when its good/total ≥ the slice target.
    case timeslices(TimesliceOptions)
    /// The mean of the per-slice ratios good/total.
    case ratioTimeslices(TimesliceOptions)

    public var label: String {
        switch self {
        case .occurrences: return "occurrences"
        case .timeslices: return "timeslices"
        case .ratioTimeslices: return "ratio_timeslices"
        }
    }

    /// True for the timeslice methods (slices are judged whole, see `SLOState`).
    public var usesTimeslices: Bool { timeslices != nil }

    var timeslices: TimesliceOptions? {
        switch self {
        case .occurrences: return nil
        case .timeslices(let o), .ratioTimeslices(let o): return o
        }
    }
}

/// Everything that shapes one SLO's state: objective, period, budgeting method, the alert
/// windows to keep (the standard ones and those of the SLO's alert policy, see
/// `SLOSpec.configuration`), and the ingest tolerances. Validated by `SLOLayout.init`.
public struct SLOConfiguration: Sendable, Equatable {
    /// The windows of the SRE workbook's multiwindow alerts: 5m, 30m, 1h, 2h, 6h, 1d, 3d.
    public static let standardWindowSeconds: [Int64] = [300, 1_800, 3_600, 7_200, 21_600, 86_400, 259_200]

    public var objective: Objective
    public var period: Period
    public var budgeting: BudgetingMethod
    /// Rolling windows to keep besides the period, in seconds (at most 15, 1 min … 35 d, each a
    /// multiple of its tier's resolution, see `SLOLayout`).
    public var windowSeconds: [Int64]
    /// Points stamped more than this far after the state's clock are dropped and counted
    /// (0 s … 1 h; default 5 min).
    public var futureToleranceSeconds: Int64
    /// The window whose burn rate drives the time-to-exhaustion estimate (must be one of
    /// `windowSeconds`; default 1h).
    public var exhaustionWindowSeconds: Int64

    public init(objective: Objective, period: Period, budgeting: BudgetingMethod = .occurrences,
                windowSeconds: [Int64] = SLOConfiguration.standardWindowSeconds,
                futureToleranceSeconds: Int64 = 300, exhaustionWindowSeconds: Int64 = 3_600) {
        self.objective = objective
        self.period = period
        self.budgeting = budgeting
        self.windowSeconds = windowSeconds
        self.futureToleranceSeconds = futureToleranceSeconds
        self.exhaustionWindowSeconds = exhaustionWindowSeconds
    }

    /// This configuration with `windows` kept too (ascending; a window already kept stays once).
    public func keeping(windows: [Int64]) -> SLOConfiguration {
        var c = self
        c.windowSeconds = (windowSeconds + windows).distinctAscending
        return c
    }
}
