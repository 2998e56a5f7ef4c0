import Synchronization

/// A fixed-bucket histogram (Prometheus "classic" histogram) for self-metrics such as request
/// latency.
///
/// `observe` costs a binary search over the bounds, one relaxed atomic add on the bucket and a
/// compare-and-swap loop on the bit pattern of the sum (one iteration when uncontended). No lock,
/// no allocation.
///
/// Bucket `i` counts observations `v <= bounds[i]`; the last, implicit bucket (`+Inf`) counts the
/// rest, including NaN (which also turns the sum into NaN, as in the Go client).
///
/// Memory: the per-bucket counters live in one buffer of `Atomic<UInt64>` allocated in `init` and
/// freed in `deinit` (an `[Atomic]` is not expressible). That buffer is the only unsafe code here;
/// see the audit note on the `Sendable` conformance.
public final class Histogram: @unchecked Sendable {
    // Audit (@unchecked Sendable): `slots` is allocated and initialised once in `init`, never
    // reassigned, touched only through atomic operations while the object is alive, and
    // deinitialised/freed in `deinit`, when no other reference can exist. `bounds` is immutable.

    /// The Prometheus client defaults, in seconds: .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10.
    public static let defaultBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// Finite upper bounds, strictly increasing. `+Inf` is implicit.
    public let bounds: [Double]

    /// `bounds.count + 1` non-cumulative counters; the last one is the `+Inf` bucket.
    @usableFromInline let slots: UnsafeMutablePointer<Atomic<UInt64>>
    @usableFromInline let slotCount: Int
    /// Bit pattern of the `Double` sum of all observations.
    @usableFromInline let sumBits: Atomic<UInt64>

    /// Creates a histogram with the given upper bounds.
    ///
    /// Bounds must be strictly increasing and not NaN; a trailing `+Inf` is dropped (it is always
    /// present). Violations are programmer errors (precondition failure).
    public init(bounds: [Double]) {
        var b = bounds
        if let last = b.last, last == .infinity { b.removeLast() }
        for i in b.indices {
            precondition(b[i].isFinite, "Histogram bounds must be finite (got \(b[i]))")
            precondition(i == 0 || b[i - 1] < b[i], "Histogram bounds must be strictly increasing")
        }
        self.bounds = b
        self.slotCount = b.count + 1
        self.slots = .allocate(capacity: b.count + 1)
        for i in 0..<(b.count + 1) { (slots + i).initialize(to: Atomic(0)) }
        self.sumBits = Atomic(Double(0).bitPattern)
    }

    deinit {
        slots.deinitialize(count: slotCount)
        slots.deallocate()
    }

    /// Index of the first bucket whose bound is `>= v` (`bounds.count` for the `+Inf` bucket).
    @inlinable
    func bucketIndex(_ v: Double) -> Int {
        var lo = 0
        var hi = bounds.count
        while lo < hi {
            let mid = (lo &+ hi) &>> 1
            if v <= bounds[mid] { hi = mid } else { lo = mid &+ 1 }
        }
        return lo
    }

    /// Records one observation. Lock-free; safe from any thread.
    @inlinable
    public func observe(_ v: Double) {
        let i = bucketIndex(v)
        slots[i].wrappingAdd(1, ordering: .relaxed)
        var old = sumBits.load(ordering: .relaxed)
        while true {
            let new = (Double(bitPattern: old) + v).bitPattern
            let (done, seen) = sumBits.weakCompareExchange(
                expected: old, desired: new, successOrdering: .relaxed, failureOrdering: .relaxed)
            if done { return }
            old = seen
        }
    }

    /// Reads the current state. O(buckets); allocates the result arrays.
    ///
    /// Each bucket is read atomically but not all at once, so under concurrent `observe` the
    /// snapshot may include an observation in the counts but not yet in the sum (or vice versa).
    /// `count` always equals the `+Inf` cumulative count.
    public func snapshot() -> HistogramSnapshot {
        var cumulative = [UInt64]()
        cumulative.reserveCapacity(slotCount)
        var running: UInt64 = 0
        for i in 0..<slotCount {
            running &+= slots[i].load(ordering: .relaxed)
            cumulative.append(running)
        }
        return HistogramSnapshot(
            bounds: bounds, cumulativeCounts: cumulative, count: running,
            sum: Double(bitPattern: sumBits.load(ordering: .relaxed)))
    }
}

/// A point-in-time copy of a `Histogram`, in the shape the exposition format wants.
public struct HistogramSnapshot: Sendable, Equatable {
    /// Finite upper bounds, strictly increasing (`+Inf` implicit).
    public var bounds: [Double]
    /// Cumulative counts, `bounds.count + 1` entries; the last is the `+Inf` bucket and equals `count`.
    public var cumulativeCounts: [UInt64]
    /// Number of observations.
    public var count: UInt64
    /// Sum of observations.
    public var sum: Double

    public init(bounds: [Double], cumulativeCounts: [UInt64], count: UInt64, sum: Double) {
        precondition(cumulativeCounts.count == bounds.count + 1, "need one cumulative count per bound plus +Inf")
        self.bounds = bounds
        self.cumulativeCounts = cumulativeCounts
        self.count = count
        self.sum = sum
    }
}
