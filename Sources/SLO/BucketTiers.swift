import Primitives

/// What happened to one increment offered to the tiers.
enum TierAddResult: Equatable {
    case accepted
    /// Before the start of every window (older than the period).
    case tooOld
    /// After `now + future tolerance`.
    case tooNew
}

/// Where the points of one finest-tier bucket go: the bucket cell of each tier and the windows
/// whose sums they join, valid for instants in `[start, end)` until the next advance, plus the
/// increments not yet written there (`pending`).
struct CachedTarget: Sendable, Equatable {
    var start: Int64 = 0
    var end: Int64 = 0
    var cells = TierCells()
    var mask: UInt32 = 0
    var pending = SIMD2<Int64>.zero

    @inline(__always)
    func contains(_ t: Int64) -> Bool { t >= start && t < end }
}

/// The cell indices of the bucket a cached point falls into, one per tier (−1: not kept).
struct TierCells: Sendable, Equatable {
    var c0: Int32 = -1, c1: Int32 = -1, c2: Int32 = -1, c3: Int32 = -1

    subscript(k: Int) -> Int32 {
        get { k == 0 ? c0 : k == 1 ? c1 : k == 2 ? c2 : c3 }
        set {
            switch k {
            case 0: c0 = newValue
            case 1: c1 = newValue
            case 2: c2 = newValue
            default: c3 = newValue
            }
        }
    }
}

/// Multi-resolution rings of (good, total) buckets by event time, with a running sum per
/// window: the heart of an SLO instance's state.
///
/// ## Definitions (the brute-force model in the tests uses exactly these)
///
/// Bucket index of an instant `t` in a tier of resolution `R`: `b(t) = floor(t / R)`.
/// The tier's head is `h = b(now)`, where `now` is the last `advance(to:)`.
/// - A rolling window of `n = W / R` buckets covers indices `h − n + 1 … h`: the bucket
///   containing `now` (partly in the future) and the `n − 1` before it. In time, that is
///   `[(h − n + 1)·R, (h + 1)·R)`, i.e. "the last W" with both edges snapped up to the tier's
///   resolution.
/// - The calendar period covers indices `b(periodStart) … h` of the 30-minute tier.
/// - A point is accepted when `t ≥ min over windows of (first index × R)` (it can count in
///   some window now or later) and `t ≤ now + futureTolerance`; otherwise it is dropped
///   (`tooOld` / `tooNew`), and the caller counts it.
/// - An accepted point is added to the bucket `b(t)` of every tier that keeps that bucket, and to
///   the running sum of every window whose index range contains `b(t)`. A bucket after the head
///   (a point stamped ahead of `now`) joins the windows when the head reaches it.
///
/// ## Cost
///
/// `add` is O(1). The two most recently used finest-tier buckets are cached with their cells and
/// window mask, and a point that hits one is only added to that entry's `pending` increment (one
/// two-lane add); pending increments reach the buckets and window sums when the entry is evicted
/// or at the next `advance(to:)`, and reads add them on the fly, so every read is exact at any
/// time. A miss costs one division by a constant (a multiplication) per tier and no other
/// division. `advance(to:)` is O(buckets passed × windows) for steps shorter than a window, and
/// O(future buckets) after longer gaps (a window is then recomputed from the few buckets that
/// survive); a calendar period reset recomputes the period sum from the buckets since the new
/// start. Reading a window is one header cell plus the two pending increments.
///
/// Measured (`slod-bench slo`, release, this 2-core machine): 5.5 ns per `add` in the current
/// bucket, 11 ns with 10 % late points; one evaluator tick over 10,000 instances × 8 windows
/// (advance 1 s and fill every status) about 3 ms.
///
/// All arithmetic on counts is wrapping `Int64`, so no input can trap and sums stay exact.
struct BucketTiers: Sendable {
    typealias Cell = SIMD2<Int64>

    let layout: SLOLayout
    /// `[tier heads (4): (head, head slot)] [window first indices (W): (first, 0)]
    /// [window sums (W): (good, total)]`: all the evaluator reads.
    var header: [Cell]
    /// The buckets of tiers 0…3, (good, total) each, at `TierLayout.bucketBase + slot`.
    var buckets: [Cell]
    /// The instant of the last `advance(to:)` (Unix nanoseconds).
    private(set) var now: Int64
    /// Points before this instant are too old for every window.
    private(set) var acceptFrom: Int64
    /// Points after this instant are too far in the future.
    private(set) var acceptUntil: Int64
    /// Copies of layout fields used on the hot paths (saves loads through the class).
    private let sumBase: Int
    private let windowCount: Int
    private let allWindowsMask: UInt32
    /// The finest used tier; a cached target spans one of its buckets.
    private let cacheTier: Int
    /// Two cached targets, the most recently used first: the current bucket stays cached while
    /// late points come and go.
    private var recent = CachedTarget()
    private var previous = CachedTarget()
    /// The first instant at which a tier head moves (the start of the finest used tier's next
    /// bucket): until then `advance(to:)` only moves the clock.
    private var nextHeadChange: Int64 = .min
    /// Calendar periods: the period start of the last `advance(to:)` (or of creation).
    private var periodStartSeen: Int64

    init(layout: SLOLayout, now: Int64, periodStart: Int64) {
        self.layout = layout
        self.now = now
        self.header = [Cell](repeating: .zero, count: layout.headerCount)
        self.buckets = [Cell](repeating: .zero, count: layout.bucketCellCount)
        self.sumBase = layout.sumBase
        self.windowCount = layout.windowCount
        self.allWindowsMask = layout.allWindowsMask
        self.cacheTier = layout.tiers.firstIndex { $0.capacity > 0 } ?? 3
        self.acceptFrom = now
        self.acceptUntil = now
        self.periodStartSeen = periodStart
        for k in 0..<4 where layout.tiers[k].capacity > 0 {
            let h = BucketTiers.bucketIndex(now, tier: k)
            header[SLOLayout.headBase + k] = Cell(h, TimeMath.floorMod(h, layout.tiers[k].capacity))
        }
        for j in 0..<layout.windowCount {
            let tier = layout.windowTier[j], length = layout.windowLengthBuckets[j]
            let head = header[SLOLayout.headBase + tier].x
            header[layout.loBase + j].x = length > 0 ? head - length + 1 : BucketTiers.bucketIndex(periodStart, tier: tier)
        }
        refreshAcceptance()
        nextHeadChange = headChange(after: now)
    }

    /// `floor(t / resolution of tier k)` (`SLOLayout.tierResolutions`, kept in step by a test);
    /// the resolutions are constants, so each division compiles to a multiplication.
    @inline(__always)
    static func bucketIndex(_ t: Int64, tier k: Int) -> Int64 {
        switch k {
        case 0: return TimeMath.floorDiv(t, 10_000_000_000)
        case 1: return TimeMath.floorDiv(t, 60_000_000_000)
        case 2: return TimeMath.floorDiv(t, 300_000_000_000)
        default: return TimeMath.floorDiv(t, 1_800_000_000_000)
        }
    }

    // MARK: Reading

    /// The running sums of window `j`, pending increments included (O(1)).
    @inline(__always)
    func sums(_ j: Int) -> WindowSums {
        var c = header[sumBase + j]
        let bit = UInt32(1) << UInt32(j)
        if recent.mask & bit != 0 { c &+= recent.pending }
        if previous.mask & bit != 0 { c &+= previous.pending }
        return WindowSums(good: c.x, total: c.y)
    }

    /// Head bucket index of tier `k`.
    func head(_ k: Int) -> Int64 { header[SLOLayout.headBase + k].x }

    /// First bucket index of window `j`.
    func firstIndex(_ j: Int) -> Int64 { header[layout.loBase + j].x }

    /// The bucket `index` of tier `k` (pending increments included), or nil when the tier does
    /// not keep it.
    func bucket(tier k: Int, index: Int64) -> WindowSums? {
        let tier = layout.tiers[k]
        let h = head(k)
        guard tier.capacity > 0, index > h - tier.keep, index <= h + tier.future else { return nil }
        let i = tier.bucketBase + Int(TimeMath.floorMod(index, tier.capacity))
        var c = buckets[i]
        if recent.cells[k] == Int32(i) { c &+= recent.pending }
        if previous.cells[k] == Int32(i) { c &+= previous.pending }
        return WindowSums(good: c.x, total: c.y)
    }

    // MARK: Adding

    /// Adds `good` and `total` units at event time `t` (Unix nanoseconds).
    @inline(__always)
    mutating func add(good: Int64, total: Int64, at t: Int64) -> TierAddResult {
        if recent.contains(t) {
            recent.pending &+= Cell(good, total)
            return .accepted
        }
        if previous.contains(t) {
            swap(&recent, &previous)
            recent.pending &+= Cell(good, total)
            return .accepted
        }
        return addUncached(Cell(good, total), at: t)
    }

    private mutating func addUncached(_ delta: Cell, at t: Int64) -> TierAddResult {
        if t < acceptFrom { return .tooOld }
        if t > acceptUntil { return .tooNew }
        var cellsFor = TierCells()
        var mask: UInt32 = 0
        var cacheBucket: Int64 = 0
        let layout = self.layout
        let cacheTier = self.cacheTier
        header.withUnsafeBufferPointer { p in
            for k in 0..<4 {
                let tier = layout.tiers[k]
                guard tier.capacity > 0 else { continue }
                let index = BucketTiers.bucketIndex(t, tier: k)
                if k == cacheTier { cacheBucket = index }
                let head = p[SLOLayout.headBase + k]
                let offset = index - head.x
                guard offset > -tier.keep, offset <= tier.future else { continue }
                var slot = head.y + offset
                if slot < 0 { slot += tier.capacity } else if slot >= tier.capacity { slot -= tier.capacity }
                cellsFor[k] = Int32(tier.bucketBase + Int(slot))
                if offset <= 0 {
                    for j in tier.windows where index >= p[layout.loBase + j].x {
                        mask |= 1 << UInt32(j)
                    }
                }
            }
        }
        let resolution = layout.tiers[cacheTier].resolutionNanos
        let start = cacheBucket &* resolution
        let end = acceptUntil == Int64.max ? start &+ resolution : min(start &+ resolution, acceptUntil &+ 1)
        flush(previous)
        previous = recent
        recent = CachedTarget(start: max(start, acceptFrom), end: end, cells: cellsFor, mask: mask, pending: delta)
        return .accepted
    }

    /// Writes a target's pending increment into its buckets and window sums.
    private mutating func flush(_ target: CachedTarget) {
        guard target.pending != .zero else { return }
        let delta = target.pending
        let cached = target.cells
        buckets.withUnsafeMutableBufferPointer { p in
            if cached.c0 >= 0 { p[Int(cached.c0)] &+= delta }
            if cached.c1 >= 0 { p[Int(cached.c1)] &+= delta }
            if cached.c2 >= 0 { p[Int(cached.c2)] &+= delta }
            if cached.c3 >= 0 { p[Int(cached.c3)] &+= delta }
        }
        var mask = target.mask
        let sumBase = self.sumBase
        let windowCount = self.windowCount
        let all = mask == allWindowsMask
        header.withUnsafeMutableBufferPointer { p in
            if all {
                for j in sumBase..<(sumBase + windowCount) { p[j] &+= delta }
            } else {
                while mask != 0 {
                    p[sumBase + mask.trailingZeroBitCount] &+= delta
                    mask &= mask &- 1
                }
            }
        }
    }

    // MARK: Advancing

    /// Moves the clock to `now` (ignored unless later than the current one): heads move,
    /// buckets that leave a window are subtracted from its sum, buckets that enter (points that
    /// were stamped ahead) are added, buckets out of every window are cleared for reuse. For a
    /// calendar period, `periodStart` is the current period's first instant; when it changed the
    /// period sum is recomputed from the buckets since then.
    mutating func advance(to now: Int64, periodStart: Int64) {
        guard now > self.now else { return }
        self.now = now
        if now < nextHeadChange && (periodStart == periodStartSeen || !layout.periodIsCalendar) {
            // No head moves, no window changes: only the future edge of acceptance moves. The
            // cached targets stay valid (their cells and masks depend on the heads only; their
            // ends were capped by the old edge, which is conservative).
            let (until, overflow) = now.addingReportingOverflow(layout.futureToleranceNanos)
            acceptUntil = overflow ? Int64.max : until
            return
        }
        periodStartSeen = periodStart
        nextHeadChange = headChange(after: now)
        flushCache()
        let layout = self.layout
        header.withUnsafeMutableBufferPointer { h in
            for k in 0..<4 where layout.tiers[k].capacity > 0 {
                let head = h[SLOLayout.headBase + k].x
                let head2 = BucketTiers.bucketIndex(now, tier: k)
                if head2 > head {
                    buckets.withUnsafeMutableBufferPointer { b in
                        BucketTiers.advanceTier(h, b, layout: layout, tier: k, from: head, to: head2)
                    }
                    let capacity = layout.tiers[k].capacity
                    var slot = h[SLOLayout.headBase + k].y &+ (head2 &- head)
                    if slot >= capacity { slot &-= capacity }
                    if slot >= capacity { slot = TimeMath.floorMod(head2, capacity) }
                    h[SLOLayout.headBase + k] = Cell(head2, slot)
                }
            }
            if layout.periodIsCalendar {
                let j = layout.periodWindowIndex
                let lo = BucketTiers.bucketIndex(periodStart, tier: layout.windowTier[j])
                if lo != h[layout.loBase + j].x {
                    h[layout.loBase + j].x = lo
                    buckets.withUnsafeBufferPointer { b in BucketTiers.recompute(h, b, layout: layout, window: j) }
                }
            }
        }
        refreshAcceptance()
    }

    /// Starts loading what `advance(to: now)` will touch, for an evaluator that advances many
    /// states in a row (a hint: no effect on results): nothing when no head moves; else the
    /// header, the cached targets' bucket cells and, per tier whose head moves by a bucket or
    /// two, the buckets leaving its windows and the ones it clears.
    mutating func prefetch(advancingTo now: Int64) {
        guard now > self.now, now >= nextHeadChange || layout.periodIsCalendar else { return }
        let layout = self.layout
        prefetchHeader()
        buckets.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return }
            for target in [recent, previous] where target.pending != .zero {
                for k in 0..<4 where target.cells[k] >= 0 { Primitives.prefetch(base + Int(target.cells[k])) }
            }
            for k in 0..<4 where layout.tiers[k].capacity > 0 {
                let tier = layout.tiers[k]
                let h = BucketTiers.bucketIndex(self.now, tier: k), h2 = BucketTiers.bucketIndex(now, tier: k)
                guard h2 > h else { break }      // coarser tiers move only when finer ones do
                guard h2 - h <= 2 else { continue }
                func cell(_ index: Int64) -> UnsafePointer<Cell> { base + tier.bucketBase + Int(TimeMath.floorMod(index, tier.capacity)) }
                for j in tier.windows where layout.windowLengthBuckets[j] > 0 {
                    Primitives.prefetch(cell(h - layout.windowLengthBuckets[j] + 1))
                }
                Primitives.prefetch(cell(h - tier.keep + 1))
            }
        }
    }

    /// Starts loading what `add(good:total:at: t)` will read when `t` misses the cached
    /// targets (the header). A hint, like `prefetch(advancingTo:)`.
    mutating func prefetch(adding t: Int64) {
        guard !recent.contains(t), !previous.contains(t) else { return }
        prefetchHeader()
    }

    private func prefetchHeader() {
        header.withUnsafeBufferPointer { h in
            guard let base = h.baseAddress else { return }
            let raw = UnsafeRawPointer(base)
            var offset = 0
            while offset < h.count * MemoryLayout<Cell>.stride {
                Primitives.prefetch(raw + offset)
                offset += 64
            }
        }
    }

    /// The start of the bucket after the one holding `t` in the finest used tier: the first
    /// instant after `t` at which some tier's head moves (coarser resolutions are multiples).
    private func headChange(after t: Int64) -> Int64 {
        let (next, overflow) = (BucketTiers.bucketIndex(t, tier: cacheTier) &+ 1)
            .multipliedReportingOverflow(by: layout.tiers[cacheTier].resolutionNanos)
        return overflow ? Int64.max : next
    }

    /// Moves tier `k`'s head from `h` to `h2 > h`, keeping its windows' sums exact.
    private static func advanceTier(_ header: UnsafeMutableBufferPointer<Cell>, _ buckets: UnsafeMutableBufferPointer<Cell>,
                                    layout: SLOLayout, tier k: Int, from h: Int64, to h2: Int64) {
        let tier = layout.tiers[k]
        let d = h2 - h
        // Buckets as they were before this advance: kept ones are read, others are empty.
        let oldLast = h + tier.future
        // Slots from the head's slot (no division: this runs for every state at every bucket
        // boundary); a jump longer than the ring falls back to the modulo.
        let headSlot = header[SLOLayout.headBase + k].y, capacity = tier.capacity
        func cell(_ index: Int64) -> Int {
            var slot = headSlot &+ (index &- h)
            if slot < 0 { slot &+= capacity } else if slot >= capacity { slot &-= capacity }
            if slot < 0 || slot >= capacity { slot = TimeMath.floorMod(index, capacity) }
            return tier.bucketBase + Int(slot)
        }
        for j in tier.windows {
            let length = layout.windowLengthBuckets[j]
            var sum = header[layout.sumBase + j]
            if length > 0 {
                let lo2 = h2 - length + 1
                if d >= length {
                    // Nothing of the old window remains: only buckets stamped ahead can.
                    sum = .zero
                    if lo2 <= oldLast {
                        for index in max(lo2, h + 1)...min(h2, oldLast) { sum &+= buckets[cell(index)] }
                    }
                } else {
                    if h + 1 <= min(h2, oldLast) {
                        for index in (h + 1)...min(h2, oldLast) { sum &+= buckets[cell(index)] }
                    }
                    for index in (h - length + 1)..<lo2 { sum &-= buckets[cell(index)] }
                }
                header[layout.loBase + j].x = lo2
            } else {
                // Calendar period: its start stays; buckets up to the new head join.
                let first = max(h + 1, header[layout.loBase + j].x)
                let last = min(h2, oldLast)
                if first <= last {
                    for index in first...last { sum &+= buckets[cell(index)] }
                }
            }
            header[layout.sumBase + j] = sum
        }
        // Buckets leaving the tier (h − keep + 1 …) share their slots with the new future
        // buckets (… h2 + future): clear them.
        for i in 0..<min(d, tier.capacity) {
            buckets[cell(h - tier.keep + 1 + i)] = .zero
        }
    }

    /// Recomputes window `j`'s sum from the buckets its tier keeps (O(window buckets)).
    private static func recompute(_ header: UnsafeMutableBufferPointer<Cell>, _ buckets: UnsafeBufferPointer<Cell>,
                                  layout: SLOLayout, window j: Int) {
        let k = layout.windowTier[j]
        let tier = layout.tiers[k]
        let h = header[SLOLayout.headBase + k].x
        let first = max(header[layout.loBase + j].x, h - tier.keep + 1)
        var sum = Cell.zero
        if first <= h {
            for index in first...h {
                sum &+= buckets[tier.bucketBase + Int(TimeMath.floorMod(index, tier.capacity))]
            }
        }
        header[layout.sumBase + j] = sum
    }

    /// Recomputes every window sum from the buckets (after decoding).
    mutating func recomputeAllSums() {
        flushCache()
        let layout = self.layout
        header.withUnsafeMutableBufferPointer { h in
            buckets.withUnsafeBufferPointer { b in
                for j in 0..<layout.windowCount { BucketTiers.recompute(h, b, layout: layout, window: j) }
            }
        }
    }

    /// Sets bucket `index` of tier `k` (decoding); false when the tier does not keep it.
    mutating func setBucket(tier k: Int, index: Int64, _ value: WindowSums) -> Bool {
        flushCache()
        let tier = layout.tiers[k]
        let h = head(k)
        guard tier.capacity > 0, index > h - tier.keep, index <= h + tier.future else { return false }
        buckets[tier.bucketBase + Int(TimeMath.floorMod(index, tier.capacity))] = Cell(value.good, value.total)
        return true
    }

    /// Bytes of the two buffers (their array headers included).
    var bufferBytes: Int {
        64 + (header.capacity + buckets.capacity) * MemoryLayout<Cell>.stride
    }

    private mutating func refreshAcceptance() {
        var from = Int64.max
        for j in 0..<windowCount {
            let (start, overflow) = header[layout.loBase + j].x.multipliedReportingOverflow(by: layout.windowResolutionNanos[j])
            from = min(from, overflow ? Int64.min : start)
        }
        acceptFrom = from
        let (until, overflow) = now.addingReportingOverflow(layout.futureToleranceNanos)
        acceptUntil = overflow ? Int64.max : until
        invalidateCache()
    }

    /// Writes both cached targets' pending increments and forgets the targets (their cells and
    /// masks are only valid until the heads move).
    private mutating func flushCache() {
        flush(recent)
        flush(previous)
        invalidateCache()
    }

    /// Forgets the cached targets; only after `flushCache()` or when nothing is pending.
    private mutating func invalidateCache() {
        recent = CachedTarget()
        previous = CachedTarget()
    }
}
