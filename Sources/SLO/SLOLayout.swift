/// One window of an SLO as the state keeps it.
public struct WindowDescriptor: Sendable, Equatable {
    /// Length in seconds; for a calendar period its longest possible length.
    public let seconds: Int64
    /// Bucket width of the tier that serves it: the window is exact at this resolution.
    public let resolutionSeconds: Int64
    /// True for the budgeting period (always the last window).
    public let isPeriod: Bool
    /// `5m`, `1h`, `30d`, `month`, … (Sloth's `sloth_window` spelling for rolling windows).
    public let label: String
    /// Index of the tier in `SLOLayout.tiers`.
    let tier: Int
    /// Buckets covered by a rolling window; 0 for a calendar period (its start is tracked).
    let lengthBuckets: Int64
}

/// One ring of buckets of a fixed width.
struct TierLayout: Sendable, Equatable {
    let resolutionSeconds: Int64
    let resolutionNanos: Int64
    /// Buckets kept at or before the head bucket (the longest window of the tier).
    let keep: Int64
    /// Buckets kept after the head bucket, for points stamped ahead of the state's clock.
    let future: Int64
    /// `keep + future` (0 when no window uses the tier).
    let capacity: Int64
    /// Index in the bucket buffer of the tier's first bucket.
    let bucketBase: Int
    /// The windows served by this tier (windows are sorted by length, so a tier's are adjacent).
    let windows: Range<Int>
}

/// The layout of an SLO's state, derived once from its configuration and shared (immutable) by
/// every instance of that SLO: which tiers exist, how many buckets each keeps, which window
/// reads which tier, and where everything lives in the state's single `[Int64]` buffer.
///
/// ## Tiers and the resolution of each window
///
/// Each window is served by the finest tier that can hold it, and is exact at that tier's
/// resolution (its edges snap to bucket boundaries, see `BucketTiers`):
///
/// | tier | bucket | serves rolling windows | standard windows (buckets) | kept (30d period) |
/// |---|---|---|---|---|
/// | 0 | 10 s | up to 1 h | 5m (30), 30m (180), 1h (360) | 360 + 31 future |
/// | 1 | 1 min | up to 6 h | 2h (120), 6h (360) | 360 + 6 future |
/// | 2 | 5 min | up to 3 d | 1d (288), 3d (864) | 864 + 2 future |
/// | 3 | 30 min | longer, and the period | 30d (1440), month (≤ 1536), week (≤ 384) | 1440 + 2 future |
///
/// Why these: the short windows are the fast-burn alert windows, where a 10 s edge (3 % of 5m,
/// about one OTLP export interval) is the finest that pays off; each coarser tier keeps its
/// edge error near 1 % of its shortest window or better (1 min of 2h, 5 min of 1d, 30 min of a
/// 7d period, under 0.1 % of 30d). 30 minutes also divides the UTC offset of every zone in use
/// except the :45 ones (Asia/Kathmandu, Pacific/Chatham, Australia/Eucla), so calendar periods
/// start exactly on a bucket edge; for those three the period's first bucket starts 15 minutes
/// before local midnight (the period window includes those 15 minutes of the previous period).
///
/// Every point is added to every tier that keeps its bucket (independent tiers, no cascading),
/// so each window's running sum is maintained in its own tier at O(1) per point.
///
/// ## Memory
///
/// Buckets hold two `Int64` (good, total): 16 bytes. With the standard windows and the default
/// 5 min future tolerance, per instance (`SLOState.memoryFootprint`: struct, header cells,
/// bucket cells, array headers; the shared layout not counted):
///
/// | period | buckets (tiers 0+1+2+3) | bytes |
/// |---|---|---|
/// | 30d rolling | 391 + 366 + 866 + 1,442 = 3,065 | 49,784 (48.6 KiB ≤ 64 KiB) |
/// | 28d rolling | 391 + 366 + 866 + 1,346 = 2,969 | 48,248 (47.1 KiB) |
/// | 35d rolling (the longest) | 391 + 366 + 866 + 1,682 = 3,305 | 53,624 (52.4 KiB) |
/// | calendar month | 391 + 366 + 866 + 1,539 = 3,162 | 51,336 (50.1 KiB) |
/// | calendar week | 391 + 366 + 866 + 387 = 2,010 | 32,904 (32.1 KiB) |
///
/// Timeslice methods add a ring of open slices (a few hundred bytes).
///
/// ## Units
///
/// Counts are fixed point in `Int64`: occurrences in units of 2^-12 events (fractional OTLP
/// deltas are rounded to the nearest 1/4096 event; exact sums up to 2.2 × 10^15 events),
/// timeslice methods in units of 2^-32 slices (ratio_timeslices adds a slice's ratio, exact to
/// 2^-32). Integer arithmetic makes every running sum exact: what is added and later subtracted
/// cancels to the bit, so an emptied window reads 0, never a float residue.
public final class SLOLayout: Sendable {
    public let configuration: SLOConfiguration
    /// The rolling windows in ascending length, then the period (last).
    public let windows: [WindowDescriptor]
    /// `windows.count - 1`.
    public let periodWindowIndex: Int
    /// The window whose burn rate gives the time to exhaustion.
    public let exhaustionWindowIndex: Int
    /// Always four tiers (10 s, 1 min, 5 min, 30 min); unused ones have capacity 0.
    let tiers: [TierLayout]
    /// Fraction bits of the fixed-point counts (12 occurrences, 32 timeslices).
    let unitBits: Int
    /// `2^unitBits`: units per event (occurrences) or per slice (timeslice methods).
    public let unitsPerCount: Double
    /// Header cells (each a `SIMD2<Int64>`): `[tier heads (4): (head, head slot)]
    /// [window first indices (W): (first, 0)] [window sums (W): (good, total)]`. The buckets of
    /// all tiers live in a second buffer, so the evaluator, which reads only headers, walks
    /// small allocations that sit close together instead of one page per instance.
    static let headBase = 0
    let loBase: Int
    let sumBase: Int
    let headerCount: Int
    let bucketCellCount: Int
    /// Bit mask with one bit per window.
    let allWindowsMask: UInt32
    /// Per window, copied out of `windows` for the hot paths (a `WindowDescriptor` holds a
    /// `String`, and copying one costs reference counting): its tier, its length in buckets
    /// (0 for a calendar period) and its tier's resolution in nanoseconds.
    let windowTier: [Int]
    let windowLengthBuckets: [Int64]
    let windowResolutionNanos: [Int64]
    /// True when the period is a calendar month or week (its start is tracked, not derived).
    let periodIsCalendar: Bool
    let futureToleranceNanos: Int64
    /// Slice length in nanoseconds for the timeslice methods, else 0.
    let sliceNanos: Int64
    let graceNanos: Int64
    /// Width of the buckets in which aggregator shards sum an instance's points between two
    /// evaluation ticks (`SLOState.add(goodUnits:totalUnits:at:)` takes each sum at its
    /// bucket's start): the finest tier's 10 s, or for the timeslice methods the greatest common
    /// divisor of 10 s and the slice length, so that every tier bucket and every slice is a
    /// whole number of these buckets.
    public let deltaBucketNanos: Int64

    public static let tierResolutions: [Int64] = [10, 60, 300, 1_800]
    /// The longest rolling window each tier serves.
    public static let tierLimits: [Int64] = [3_600, 21_600, 259_200, Period.maxRollingSeconds]
    public static let maxWindows = 15

    public init(_ configuration: SLOConfiguration) throws(SLOConfigurationError) {
        self.configuration = configuration
        let tolerance = configuration.futureToleranceSeconds
        guard tolerance >= 0, tolerance <= 3_600 else {
            throw SLOConfigurationError("future_tolerance", "\(tolerance)s must be between 0s and 1h")
        }
        if let slices = configuration.budgeting.timeslices { try slices.validate() }

        // Rolling windows: sorted, unique, each assigned to its tier.
        let sorted = configuration.windowSeconds.sorted()
        guard sorted.count <= SLOLayout.maxWindows else {
            throw SLOConfigurationError("windows", "at most \(SLOLayout.maxWindows) rolling windows, got \(sorted.count) ("
                + sorted.map { SLODuration.render(seconds: $0) }.joined(separator: ", ") + ")")
        }
        var descriptors: [WindowDescriptor] = []
        for (i, s) in sorted.enumerated() {
            let text = SLODuration.render(seconds: s)
            guard i == 0 || sorted[i - 1] != s else { throw SLOConfigurationError("windows", "window \(text) is listed twice") }
            try SLOLayout.checkWindow(seconds: s)
            let tier = SLOLayout.tier(ofWindowSeconds: s)
            let resolution = SLOLayout.tierResolutions[tier]
            descriptors.append(WindowDescriptor(seconds: s, resolutionSeconds: resolution, isPeriod: false, label: text,
                                                tier: tier, lengthBuckets: s / resolution))
        }
        guard let exhaustion = descriptors.firstIndex(where: { $0.seconds == configuration.exhaustionWindowSeconds }) else {
            throw SLOConfigurationError("exhaustion_window", "\(SLODuration.render(seconds: configuration.exhaustionWindowSeconds)) is not one of the windows")
        }
        let periodResolution = SLOLayout.tierResolutions[3]
        switch configuration.period {
        case .rolling(let s):
            guard s >= Period.minRollingSeconds, s <= Period.maxRollingSeconds, s % Period.rollingStepSeconds == 0 else {
                throw SLOConfigurationError("period", "rolling period \(SLODuration.render(seconds: s)) must be a whole number of 30m steps between 1d and 35d")
            }
            descriptors.append(WindowDescriptor(seconds: s, resolutionSeconds: periodResolution, isPeriod: true,
                                                label: configuration.period.label, tier: 3, lengthBuckets: s / periodResolution))
        case .calendar:
            descriptors.append(WindowDescriptor(seconds: configuration.period.maxLengthSeconds, resolutionSeconds: periodResolution,
                                                isPeriod: true, label: configuration.period.label, tier: 3, lengthBuckets: 0))
        }
        windows = descriptors
        windowTier = descriptors.map(\.tier)
        windowLengthBuckets = descriptors.map(\.lengthBuckets)
        windowResolutionNanos = descriptors.map { $0.resolutionSeconds * TimeMath.nanosPerSecond }
        periodIsCalendar = descriptors[descriptors.count - 1].lengthBuckets == 0
        periodWindowIndex = descriptors.count - 1
        exhaustionWindowIndex = exhaustion

        // Tiers: keep the longest window (a calendar period: its longest length, plus the
        // bucket its start may fall into), plus enough future buckets for the tolerance.
        loBase = 4
        sumBase = loBase + descriptors.count
        allWindowsMask = UInt32((1 << descriptors.count) - 1)
        headerCount = sumBase + descriptors.count
        var base = 0
        var tiers: [TierLayout] = []
        for k in 0..<4 {
            let resolution = SLOLayout.tierResolutions[k]
            let members = descriptors.indices.filter { descriptors[$0].tier == k }
            precondition(members.isEmpty || members.last! - members.first! + 1 == members.count, "windows of a tier are adjacent")
            var keep: Int64 = 0
            for j in members {
                let w = descriptors[j]
                keep = max(keep, w.lengthBuckets > 0 ? w.lengthBuckets : w.seconds / resolution + 1)
            }
            let future = members.isEmpty ? 0 : (tolerance + resolution - 1) / resolution + 1
            tiers.append(TierLayout(resolutionSeconds: resolution, resolutionNanos: resolution * TimeMath.nanosPerSecond,
                                    keep: keep, future: future, capacity: keep + future, bucketBase: base,
                                    windows: (members.first ?? 0)..<(members.last.map { $0 + 1 } ?? 0)))
            base += Int(keep + future)
        }
        self.tiers = tiers
        bucketCellCount = base
        futureToleranceNanos = tolerance * TimeMath.nanosPerSecond
        if let slices = configuration.budgeting.timeslices {
            unitBits = 32
            sliceNanos = slices.sliceSeconds * TimeMath.nanosPerSecond
            graceNanos = slices.graceSeconds * TimeMath.nanosPerSecond
            var a = SLOLayout.tierResolutions[0], b = slices.sliceSeconds
            while b != 0 { (a, b) = (b, a % b) }
            deltaBucketNanos = a * TimeMath.nanosPerSecond
        } else {
            unitBits = 12
            sliceNanos = 0
            graceNanos = 0
            deltaBucketNanos = SLOLayout.tierResolutions[0] * TimeMath.nanosPerSecond
        }
        unitsPerCount = Double(Int64(1) << unitBits)
    }

    /// A rolling window the state can keep exactly: 1m … 35d and a whole number of buckets of
    /// the tier that serves windows of its length (10 s up to 1h, 1 min up to 6h, 5 min up to
    /// 3d, 30 min beyond), e.g. 2m, 15m, 3h, 12h, 36h; not 65s or 6h1m.
    public static func checkWindow(seconds: Int64) throws(SLOConfigurationError) {
        let text = SLODuration.render(seconds: seconds)
        guard seconds >= 60, seconds <= Period.maxRollingSeconds else {
            throw SLOConfigurationError("windows", "window \(text) must be between 1m and 35d")
        }
        let resolution = tierResolutions[tier(ofWindowSeconds: seconds)]
        guard seconds % resolution == 0 else {
            throw SLOConfigurationError("windows", "window \(text) must be a multiple of \(SLODuration.render(seconds: resolution)), the resolution of windows of its length")
        }
    }

    /// The tier serving a rolling window of `seconds` (at most `Period.maxRollingSeconds`): the
    /// finest one whose limit holds it.
    static func tier(ofWindowSeconds seconds: Int64) -> Int { tierLimits.firstIndex { seconds <= $0 }! }

    /// Number of windows (rolling ones plus the period).
    public var windowCount: Int { windows.count }

    /// Index of the rolling window of `seconds`, if configured.
    public func windowIndex(seconds: Int64) -> Int? {
        windows.firstIndex { !$0.isPeriod && $0.seconds == seconds }
    }

    /// Total buckets over all tiers.
    public var bucketCount: Int { tiers.reduce(0) { $0 + Int($1.capacity) } }
}
