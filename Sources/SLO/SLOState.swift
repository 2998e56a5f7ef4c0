/// What happened to one data point offered to an SLO state.
public enum IngestOutcome: Sendable, Equatable {
    case accepted
    /// Stamped before the start of every window (older than the period): dropped.
    case tooOld
    /// Stamped after the state's clock plus the future tolerance: dropped.
    case tooFarInFuture
    /// NaN, ±Inf, or a magnitude of 2^40 events or more: dropped.
    case invalidValue
    /// Timeslice methods: its slice was already classified (the grace period is over): dropped.
    case sliceClosed
}

/// Points an SLO state dropped, by reason (for self-metrics).
public struct DropCounters: Sendable, Equatable {
    public var tooOld: UInt64 = 0
    public var tooFarInFuture: UInt64 = 0
    public var invalidValue: UInt64 = 0
    public var sliceClosed: UInt64 = 0

    public init() {}

    public var total: UInt64 { tooOld &+ tooFarInFuture &+ invalidValue &+ sliceClosed }
}

/// The state of one SLO instance: good and total counts by event time in multi-resolution
/// buckets, with O(1) running sums for every window.
///
/// Owned by one thread (the evaluator); not synchronized. The ingest path is
/// `add(good:total:at:)`: O(1), no allocation, no lock. A copy shares the buffers until either
/// side writes them, which then copies about 50 KB: readers should take window sums
/// (`windowSums(_:)`) or a status, not keep copies of live states. The evaluator's timer calls
/// `advance(to:)` (or `evaluate(now:)`, which advances first) once a tick and reads windows in
/// O(1) each. See `BucketTiers` for the exact window definitions and `SLOLayout` for
/// resolutions and memory.
///
/// One state per instance, owned by the `SLOEngine`: aggregator shards only sum their points per
/// `SLOLayout.deltaBucketNanos` bucket between evaluation ticks and hand the sums over, which
/// the engine adds with `add(goodUnits:totalUnits:at:)` (so timeslices are judged on the whole
/// instance, and memory is one state per instance however many shards feed it).
public struct SLOState: Sendable {
    public let layout: SLOLayout
    var tiers: BucketTiers
    var slices: OpenSlices?
    /// The current period (rolling: `now − length … now`; calendar: the current month/week).
    public private(set) var period: PeriodBounds
    public internal(set) var drops = DropCounters()

    /// Units of 2^-12 events: how `add` stores event counts.
    public static let eventUnits: Double = 4_096
    /// Largest magnitude of one increment in units (2^52: exact in a Double).
    @usableFromInline static let maxIncrementUnits: Double = 4_503_599_627_370_496

    /// A fresh, empty state whose clock starts at `now` (Unix nanoseconds).
    public init(layout: SLOLayout, now: Int64) {
        self.layout = layout
        let period = layout.configuration.period.bounds(containing: now)
        self.period = period
        self.tiers = BucketTiers(layout: layout, now: now, periodStart: period.startNanos)
        if layout.sliceNanos > 0 {
            self.slices = OpenSlices(sliceNanos: layout.sliceNanos, graceNanos: layout.graceNanos,
                                     toleranceNanos: layout.futureToleranceNanos, now: now)
        }
    }

    /// The state's clock: the instant of the last `advance(to:)` (or of creation).
    public var now: Int64 { tiers.now }

    // MARK: Ingest

    /// Adds a point's increments of good and total events at its event time.
    ///
    /// Counts may be fractional and negative (a "bad" SLI is fed as good −= bad, total += 0
    /// for the bad series and good += n, total += n for the total series); they are stored in
    /// units of 2^-12 events. The point lands in the buckets of its event time if some window
    /// can still count it (late points included), else it is dropped and counted in `drops`.
    @discardableResult
    @inline(__always)
    public mutating func add(good: Double, total: Double, at eventTimeNanos: Int64) -> IngestOutcome {
        guard let g = SLOState.units(good), let t = SLOState.units(total) else {
            drops.invalidValue &+= 1
            return .invalidValue
        }
        return add(goodUnits: g, totalUnits: t, at: eventTimeNanos)
    }

    /// Adds increments already in units of 2^-12 events (`units(_:)`), e.g. the sum of the
    /// points an aggregator shard collected for one `SLOLayout.deltaBucketNanos` bucket,
    /// stamped with the bucket's start: every window, tier bucket and slice boundary is a
    /// multiple of that width, so this lands exactly where the single points would have
    /// (only the future tolerance is judged on the bucket's start instead of each point's time).
    @discardableResult
    @inline(__always)
    public mutating func add(goodUnits g: Int64, totalUnits t: Int64, at eventTimeNanos: Int64) -> IngestOutcome {
        guard slices == nil else { return addToSlice(good: g, total: t, at: eventTimeNanos) }
        switch tiers.add(good: g, total: t, at: eventTimeNanos) {
        case .accepted:
            return .accepted
        case .tooOld:
            drops.tooOld &+= 1
            return .tooOld
        case .tooNew:
            drops.tooFarInFuture &+= 1
            return .tooFarInFuture
        }
    }

    /// Event count → units of 2^-12 events, rounding half away from zero; nil for NaN, ±Inf or
    /// a magnitude of 2^40 events or more.
    @inlinable @inline(__always)
    public static func units(_ value: Double) -> Int64? {
        let scaled = value * eventUnits
        guard scaled.magnitude < maxIncrementUnits else { return nil }
        return Int64(scaled + (scaled < 0 ? -0.5 : 0.5))
    }

    private mutating func addToSlice(good: Int64, total: Int64, at t: Int64) -> IngestOutcome {
        if t > tiers.acceptUntil {
            drops.tooFarInFuture &+= 1
            return .tooFarInFuture
        }
        switch slices!.add(good: good, total: total, at: t) {
        case .accepted:
            return .accepted
        case .closed:
            drops.sliceClosed &+= 1
            return .sliceClosed
        case .tooNew:
            drops.tooFarInFuture &+= 1
            return .tooFarInFuture
        }
    }

    // MARK: Time

    /// Moves the clock to `now` (a no-op unless later than `self.now`): windows slide, a
    /// calendar period resets at its boundary, and timeslice methods classify the slices whose
    /// grace period ended. Cost: see `BucketTiers.advance(to:periodStart:)`; with slices, one
    /// tier add per closed slice.
    public mutating func advance(to now: Int64) {
        guard now > tiers.now else { return }
        switch layout.configuration.period {
        case .rolling(let seconds):
            period.startNanos = now &- TimeMath.nanos(ofSeconds: seconds)
        case .calendar:
            if let end = period.endNanos, now >= end {
                period = layout.configuration.period.bounds(containing: now)
            }
        }
        tiers.advance(to: now, periodStart: period.startNanos)
        guard slices != nil else { return }
        let method = layout.configuration.budgeting
        while let slice = slices?.nextClosed(upTo: now, skipEmptyBefore: tiers.acceptFrom) {
            if let inc = SliceClassifier.increment(slice, method: method) {
                _ = tiers.add(good: inc.good, total: inc.total, at: slice.startNanos)
            }
        }
    }

    /// Starts loading the memory `advance(to: now)` will touch (a hint for an evaluator that
    /// advances many states in a row: call it a few states ahead; no effect on results;
    /// `mutating` only so that a call on an array element does not copy the state).
    @inline(__always)
    public mutating func prefetch(advancingTo now: Int64) { tiers.prefetch(advancingTo: now) }

    /// Starts loading the memory `add(…, at: t)` will touch; a hint like `prefetch(advancingTo:)`.
    @inline(__always)
    public mutating func prefetch(adding t: Int64) { tiers.prefetch(adding: t) }

    // MARK: Reading

    /// The running sums of window `index` (`layout.windows` order, period last). O(1).
    @inline(__always)
    public func windowSums(_ index: Int) -> WindowSums { tiers.sums(index) }

    /// Adds this state's window sums to `accumulator` (one element per window).
    public func accumulateWindowSums(into accumulator: inout [WindowSums]) {
        let count = layout.windowCount
        precondition(accumulator.count == count, "need one WindowSums per window")
        accumulator.withUnsafeMutableBufferPointer { a in
            for j in 0..<count { a[j] += tiers.sums(j) }
        }
    }

    /// Advances to `now` and returns the status of every window and the budget.
    public mutating func evaluate(now: Int64) -> SLOStatus {
        var status = SLOStatus()
        evaluate(now: now, into: &status)
        return status
    }

    /// Advances to `now` and fills `status`, reusing its storage (no allocation once sized).
    public mutating func evaluate(now: Int64, into status: inout SLOStatus) {
        advance(to: now)
        layout.fill(&status, period: period, now: self.now) { self.tiers.sums($0) }
    }

    /// Bytes this state occupies: the struct plus its buffers' capacities (array headers
    /// included). The layout is shared by every instance of the SLO and not counted.
    public var memoryFootprint: Int {
        var bytes = MemoryLayout<SLOState>.size + tiers.bufferBytes
        if let slices { bytes += 32 + slices.ring.capacity * MemoryLayout<Int64>.size }
        return bytes
    }
}
