/// A time slice whose grace period is over, with its raw event counts (units of 2^-12 events),
/// about to be classified (good or bad, or its ratio) by `SliceClassifier`.
public struct ClosedSlice: Sendable, Equatable {
    /// The slice's first instant (a multiple of the slice length), Unix nanoseconds.
    public var startNanos: Int64
    /// Good events in units of 2^-12.
    public var good: Int64
    /// Total events in units of 2^-12.
    public var total: Int64

    public init(startNanos: Int64, good: Int64, total: Int64) {
        self.startNanos = startNanos
        self.good = good
        self.total = total
    }
}

/// The slices that may still receive points: from the oldest slice whose grace period has not
/// ended up to the slice of `now + future tolerance`, in a small ring of raw (good, total).
///
/// Slice `i` covers `[i·S, (i+1)·S)` and closes once `now ≥ (i+1)·S + grace`; a point for a
/// closed slice is refused (`sliceClosed`). Slices are closed in order by `nextClosed(upTo:)`,
/// including slices that never saw a point (the no-data rule decides what those count as).
struct OpenSlices: Sendable {
    let sliceNanos: Int64
    let graceNanos: Int64
    let capacity: Int64
    /// Index of the oldest open slice.
    private(set) var first: Int64
    /// `2 × capacity` cells: (good, total) of slice `i` at `2·(i mod capacity)`.
    private(set) var ring: [Int64]
    private var cacheStart: Int64 = 0
    private var cacheEnd: Int64 = 0
    private var cacheCell = 0
    /// The highest slice index that received a point (slices after it are empty).
    private var lastWritten = Int64.min

    init(sliceNanos: Int64, graceNanos: Int64, toleranceNanos: Int64, now: Int64) {
        self.sliceNanos = sliceNanos
        self.graceNanos = graceNanos
        self.capacity = (graceNanos + toleranceNanos + sliceNanos - 1) / sliceNanos + 2
        self.first = TimeMath.floorDiv(now &- graceNanos, sliceNanos)
        self.ring = [Int64](repeating: 0, count: Int(2 * capacity))
    }

    enum AddResult { case accepted, closed, tooNew }

    /// Adds raw units to the slice of `t`.
    @inline(__always)
    mutating func add(good: Int64, total: Int64, at t: Int64) -> AddResult {
        if !(t >= cacheStart && t < cacheEnd) {
            let index = TimeMath.floorDiv(t, sliceNanos)
            if index < first { return .closed }
            if index >= first + capacity { return .tooNew }
            cacheStart = index &* sliceNanos
            cacheEnd = cacheStart &+ sliceNanos
            cacheCell = 2 * Int(TimeMath.floorMod(index, capacity))
            lastWritten = max(lastWritten, index)
        }
        let c = cacheCell
        ring.withUnsafeMutableBufferPointer { p in
            p[c] &+= good
            p[c + 1] &+= total
        }
        return .accepted
    }

    /// Closes and returns the oldest open slice if its grace period has ended by `now`.
    /// Empty slices that start before `skipEmptyBefore` are closed without being returned (no
    /// window could count them any more); after a long gap the empty stretch is skipped in one
    /// step, so the cost is bounded by the slices that are returned.
    mutating func nextClosed(upTo now: Int64, skipEmptyBefore: Int64) -> ClosedSlice? {
        // Slice i may close when (i + 1)·S + grace ≤ now.
        let lastClosable = TimeMath.floorDiv(now &- graceNanos, sliceNanos) &- 1
        let firstCounted = TimeMath.floorDiv(skipEmptyBefore &- 1, sliceNanos) &+ 1
        while first <= lastClosable {
            if first > lastWritten {
                // Every slice from `first` on is empty: jump over those nobody can count.
                let skipTo = min(firstCounted, lastClosable &+ 1)
                if skipTo > first {
                    first = skipTo
                    continue
                }
            }
            let c = 2 * Int(TimeMath.floorMod(first, capacity))
            let slice = ClosedSlice(startNanos: first &* sliceNanos, good: ring[c], total: ring[c + 1])
            ring[c] = 0
            ring[c + 1] = 0
            first += 1
            cacheEnd = 0
            if slice.good == 0, slice.total == 0, first - 1 < firstCounted { continue }
            return slice
        }
        return nil
    }

    /// Sets the raw counts of slice `index` (decoding); false when it is not open.
    mutating func set(index: Int64, good: Int64, total: Int64) -> Bool {
        guard index >= first, index < first + capacity else { return false }
        let c = 2 * Int(TimeMath.floorMod(index, capacity))
        ring[c] = good
        ring[c + 1] = total
        cacheEnd = 0
        lastWritten = max(lastWritten, index)
        return true
    }

    /// Sets the oldest open slice index (decoding) and clears the ring.
    mutating func reset(first: Int64) {
        self.first = first
        for i in ring.indices { ring[i] = 0 }
        cacheEnd = 0
    }
}

/// Classification of closed slices into tier increments (units of 2^-32 slices).
enum SliceClassifier {
    static let oneSlice: Int64 = 1 << 32

    /// The (good, total) increment for a closed slice, or nil when it is not counted (empty
    /// slice under `no_data: ignore`).
    ///
    /// - Empty means total ≤ 0 (no events, or increments that cancelled).
    /// - timeslices: good slice ⇔ good/total ≥ target, evaluated exactly in 128-bit integers;
    ///   good < 0 counts as 0 and good > total as total.
    /// - ratio_timeslices: the slice adds its ratio good/total (clamped to [0, 1]), truncated to
    ///   a multiple of 2^-32, and one slice to the total.
    static func increment(_ slice: ClosedSlice, method: BudgetingMethod) -> (good: Int64, total: Int64)? {
        guard let options = method.timeslices else { return nil }
        if slice.total <= 0 {
            switch options.noData {
            case .ignore: return nil
            case .good: return (oneSlice, oneSlice)
            case .bad: return (0, oneSlice)
            }
        }
        let good = UInt64(min(max(slice.good, 0), slice.total))
        let total = UInt64(slice.total)
        switch method {
        case .timeslices(let o):
            let lhs = good.multipliedFullWidth(by: UInt64(Objective.scale))
            let rhs = UInt64(o.targetPartsPerBillion).multipliedFullWidth(by: total)
            let isGood = lhs.high > rhs.high || (lhs.high == rhs.high && lhs.low >= rhs.low)
            return (isGood ? oneSlice : 0, oneSlice)
        default:
            // good · 2^32 / total, with good ≤ total so the quotient fits.
            let numerator = (high: good >> 32, low: good << 32)
            let ratio = total.dividingFullWidth(numerator).quotient
            return (Int64(ratio), oneSlice)
        }
    }
}
