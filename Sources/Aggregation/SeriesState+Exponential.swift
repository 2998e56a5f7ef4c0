#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import OTLP

/// An exponential-histogram series, kept *in exponential form* with a bounded number of buckets
/// and rendered as classic buckets by `ExponentialToClassic` (prometheus-compat.md §4.5 option b).
///
/// Method (the Collector's native-histogram path and `deltatocumulative` do the same merging):
/// * Buckets are only ever **downscaled** (scale s → s−1 maps index k to `k >> 1`, adding counts),
///   which is exact: every boundary at scale s−1 is a boundary at scale s. So accumulation of
///   deltas with different scales and offsets is exact, and every classic `le` produced is an exact
///   bucket boundary of the data: the classic cumulative counts are exact, not interpolated.
/// * The scale is lowered until the positive and negative index spans (leading/trailing empty
///   buckets trimmed) fit in `maxBuckets` buckets together. So a series exposes at most
///   `maxBuckets + 2` `le` lines (+ the zero bucket and `+Inf`). Default 40: at scale 2 that spans
///   a factor 2^10 (e.g. 1 ms … 1 s) with ≤ 19 % bucket width; at scale 0 a factor 2^40 — ~3× a
///   typical 15-bucket classic histogram in exposition size, bounded whatever the SDK sends
///   (OTel SDKs default to 160 buckets per sign at scale 20, which as text would be ~320 lines).
/// * Stickiness: while a stream continues, the scale never goes up and the bucket span only
///   grows (the previous layout is part of the union), so the `le` set stays stable between
///   scrapes; it is recomputed from scratch on a reset.
/// * Delta streams: accumulated like sums (start kept, `time <= latest` dropped). A delta point
///   with a different `zero_threshold` resets the series (take newest, as for changed classic
///   bounds): a threshold change means a reconfigured SDK, and merging would have to move
///   buckets into the zero bucket, changing the `le` set anyway. Cumulative points simply
///   replace the state (the zero threshold is taken from the newest point).
/// * Applying a point whose (downscaled) range fits the current layout is allocation-free; a
///   layout change allocates one new buffer.
public struct ExponentialHistogramState: Sendable {
    public private(set) var startTimeUnixNano: UInt64 = 0
    public private(set) var timeUnixNano: UInt64 = 0
    public private(set) var lastUpdate: UInt64 = 0
    public private(set) var count: UInt64 = 0
    public private(set) var sum: Double = 0
    public private(set) var zeroCount: UInt64 = 0
    public private(set) var zeroThreshold: Double = 0
    public private(set) var scale: Int32 = 0
    /// Index of `negativeCounts[0]` / `positiveCounts[0]`.
    public private(set) var negativeOffset: Int32 = 0
    public private(set) var positiveOffset: Int32 = 0
    var negativeLength: Int32 = 0
    /// Negative buckets followed by positive buckets.
    var storage: ContiguousArray<UInt64> = []
    var status: UInt8 = 0

    public init() {}

    public var hasValue: Bool { status & statusHasValue != 0 }
    public var isStale: Bool { status & statusStale != 0 }
    public var hasSum: Bool { status & statusHasSum != 0 }
    public var negativeCounts: ArraySlice<UInt64> { ArraySlice(storage[0..<Int(negativeLength)]) }
    public var positiveCounts: ArraySlice<UInt64> { ArraySlice(storage[Int(negativeLength)...]) }

    public static let defaultMaxBuckets = 40

    struct Span: Equatable {
        var lo: Int, hi: Int
        init(lo: Int, hi: Int) { self.lo = lo; self.hi = hi }
        var length: Int { hi - lo + 1 }
        func shifted(_ d: Int) -> Span { Span(lo: lo >> d, hi: hi >> d) }
        static func union(_ a: Span?, _ b: Span?) -> Span? {
            guard let a else { return b }
            guard let b else { return a }
            return Span(lo: Swift.min(a.lo, b.lo), hi: Swift.max(a.hi, b.hi))
        }
    }

    /// Index span of the non-zero buckets.
    static func span(_ b: ExponentialBuckets) -> Span? {
        let c = b.counts
        var i0 = 0
        while i0 < c.count && c[i0] == 0 { i0 += 1 }
        if i0 == c.count { return nil }
        var i1 = c.count - 1
        while c[i1] == 0 { i1 -= 1 }
        return Span(lo: Int(b.offset) + i0, hi: Int(b.offset) + i1)
    }

    var negativeSpan: Span? {
        negativeLength == 0 ? nil : Span(lo: Int(negativeOffset), hi: Int(negativeOffset) + Int(negativeLength) - 1)
    }
    var positiveSpan: Span? {
        let n = storage.count - Int(negativeLength)
        return n == 0 ? nil : Span(lo: Int(positiveOffset), hi: Int(positiveOffset) + n - 1)
    }

    /// Adds `b` (at scale `from`) into storage at the current layout (scale `self.scale`).
    mutating func add(_ b: ExponentialBuckets, from: Int, negative: Bool) {
        let d = from - Int(scale)
        let base = negative ? 0 : Int(negativeLength)
        let lo = Int(negative ? negativeOffset : positiveOffset)
        let off = Int(b.offset)
        storage.withUnsafeMutableBufferPointer { dst in
            for i in 0..<b.counts.count {
                let c = b.counts[i]
                if c != 0 { dst[base + ((off + i) >> d) - lo] &+= c }
            }
        }
    }

    public mutating func apply(_ p: ExponentialHistogramPointView, temporality: Temporality,
                               maxBuckets: Int = defaultMaxBuckets, now: UInt64) -> ApplyResult {
        let isDelta: Bool
        switch temporality {
        case .cumulative: isDelta = false
        case .delta: isDelta = true
        case .unspecified: return .rejected(.invalidTemporality)
        }
        let time = p.common.timeUnixNano, start = p.common.startTimeUnixNano
        if status != 0 && (time < timeUnixNano || (isDelta && time == timeUnixNano)) { return .droppedOutOfOrder }
        if p.common.flags.contains(.noRecordedValue) {
            status = statusStale
            timeUnixNano = time
            lastUpdate = now
            startTimeUnixNano = 0
            count = 0; sum = 0; zeroCount = 0
            return .stale
        }
        let maxBuckets = Swift.max(maxBuckets, 4)
        var result = ApplyResult.applied
        var merge = false  // delta: keep existing counts
        var keepLayout = false  // include the current layout in the union (stickiness)
        if hasValue {
            if isDelta {
                if start < startTimeUnixNano { return .droppedOutOfOrder }
                if p.zeroThreshold == zeroThreshold { merge = true; keepLayout = true } else { result = .reset }
            } else {
                let startChanged = start != startTimeUnixNano && start != 0 && startTimeUnixNano != 0
                if startChanged || p.count < count { result = .reset } else { keepLayout = true }
            }
        }
        // Choose the layout.
        let ps = Int(p.scale)
        let pNeg = Self.span(p.negative), pPos = Self.span(p.positive)
        let ss = Int(scale)
        let sNeg = keepLayout ? negativeSpan : nil, sPos = keepLayout ? positiveSpan : nil
        var s = keepLayout ? Swift.min(ps, ss) : ps
        var neg: Span?, pos: Span?
        while true {
            neg = Span.union(pNeg?.shifted(ps - s), sNeg?.shifted(ss - s))
            pos = Span.union(pPos?.shifted(ps - s), sPos?.shifted(ss - s))
            if (neg?.length ?? 0) + (pos?.length ?? 0) <= maxBuckets { break }
            s -= 1
        }
        let n = (neg?.length ?? 0) + (pos?.length ?? 0)
        if keepLayout && s == ss && neg == negativeSpan && pos == positiveSpan {
            // Same layout: in place, no allocation.
            if !merge { storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        } else {
            var fresh = ContiguousArray<UInt64>(repeating: 0, count: n)
            if merge {
                let d = ss - s
                let nl = neg?.length ?? 0
                let oldNegLen = Int(negativeLength), oldNegOff = Int(negativeOffset), oldPosOff = Int(positiveOffset)
                storage.withUnsafeBufferPointer { old in
                    fresh.withUnsafeMutableBufferPointer { dst in
                        for i in 0..<old.count where old[i] != 0 {
                            if i < oldNegLen {
                                dst[((oldNegOff + i) >> d) - neg!.lo] &+= old[i]
                            } else {
                                dst[nl + ((oldPosOff + i - oldNegLen) >> d) - pos!.lo] &+= old[i]
                            }
                        }
                    }
                }
            }
            storage = fresh
            scale = Int32(s)
            negativeOffset = Int32(neg?.lo ?? 0)
            positiveOffset = Int32(pos?.lo ?? 0)
            negativeLength = Int32(neg?.length ?? 0)
        }
        add(p.negative, from: ps, negative: true)
        add(p.positive, from: ps, negative: false)
        if merge {
            count &+= p.count
            zeroCount &+= p.zeroCount
            if let ps = p.sum, hasSum { sum += ps } else { sum = 0; status &= ~statusHasSum }
        } else {
            if !(hasValue && result == .applied && start == 0) { startTimeUnixNano = start }
            count = p.count
            zeroCount = p.zeroCount
            zeroThreshold = p.zeroThreshold
            if let ps = p.sum { sum = ps; status = statusHasValue | statusHasSum } else { sum = 0; status = statusHasValue }
        }
        timeUnixNano = time
        lastUpdate = now
        return result
    }
}

/// Exponential → classic bucket conversion for the text formats (prometheus-compat.md §4.5).
public enum ExponentialToClassic {
    /// base^k with base = 2^(2^−scale). Exact for scale ≤ 0 (a power of two; 0/+Inf outside the
    /// Double range) and whenever `k` is a multiple of 2^scale; otherwise correctly rounded exp2.
    public static func power(_ k: Int, scale: Int) -> Double {
        if scale <= 0 {
            let e = k.multipliedReportingOverflow(by: 1 << Swift.min(-scale, 62))
            if e.overflow || e.partialValue > 2000 { return k > 0 ? .infinity : 0 }
            if e.partialValue < -2000 { return 0 }
            return Double(sign: .plus, exponent: e.partialValue, significand: 1)
        }
        let q = k >> scale, r = k - (q << scale)
        let frac = r == 0 ? 1.0 : exp2(Double(r) / Double(1 << scale))
        if q > 2000 { return .infinity }
        if q < -2000 { return 0 }
        return Double(sign: .plus, exponent: q, significand: frac)
    }

    /// Calls `body(le, cumulativeCount)` for the classic buckets in ascending `le` order:
    /// negative buckets (highest index first, le = −base^k), the zero bucket (le = zero
    /// threshold), positive buckets (le = base^(k+1)). The `+Inf` bucket (= `count`) is left to
    /// the caller. `le` values that would not be strictly increasing or are infinite (Double range
    /// exceeded at extreme indices) are skipped: their counts fold into the next bucket, so the
    /// cumulative counts stay exact. Emits at most `maxBuckets + 1` lines.
    ///
    /// Exactness: the classic count at `le` equals the number of observations ≤ le, except for
    /// observations exactly equal to a negative boundary −base^k (OTLP buckets are upper-inclusive
    /// in absolute value, i.e. lower-inclusive for negatives).
    public static func forEachBucket(_ h: ExponentialHistogramState, _ body: (Double, UInt64) -> Void) {
        let s = Int(h.scale)
        var cum: UInt64 = 0
        var last = -Double.infinity
        func emit(_ le: Double) {
            if le > last && le < .infinity { body(le, cum); last = le }
        }
        let negLen = Int(h.negativeLength)
        h.storage.withUnsafeBufferPointer { st in
            var i = negLen - 1
            while i >= 0 {
                cum &+= st[i]
                let le = -power(Int(h.negativeOffset) + i, scale: s)
                emit(le)
                i -= 1
            }
            cum &+= h.zeroCount
            let firstPositive = st.count > negLen ? power(Int(h.positiveOffset) + 1, scale: s) : .infinity
            let zle = h.zeroThreshold
            if zle < firstPositive { emit(zle) }
            for j in negLen..<st.count {
                cum &+= st[j]
                emit(power(Int(h.positiveOffset) + (j - negLen) + 1, scale: s))
            }
        }
    }
}

extension ExponentialHistogramState {
    /// Observations known to be ≤ `threshold` (for latency SLIs): every negative bucket, the zero
    /// bucket when its threshold is ≤ `threshold`, and the positive buckets whose upper bound
    /// `2^((i+1)·2^-scale)` is ≤ `threshold`. The bucket that straddles `threshold` is not
    /// counted (its observations lie within a factor `2^(2^-scale)` of it), so this is a lower
    /// bound, exact when `threshold` is a bucket boundary. `threshold` ≤ 0 counts the negative
    /// buckets only.
    public func observations(atOrBelow threshold: Double) -> UInt64 {
        var good: UInt64 = 0
        let n = Int(negativeLength)
        for i in 0..<n { good &+= storage[i] }
        guard threshold > 0 else { return good }
        if zeroThreshold <= threshold { good &+= zeroCount }
        // Largest index whose upper bound is ≤ threshold: (i + 1)·2^-scale ≤ log2(threshold),
        // with a relative tolerance so a boundary given in decimal (0.25, 1) counts as equal.
        let limit = log2(threshold) * exp2(Double(scale))
        let last = Int((limit + 1e-9 * max(1, abs(limit))).rounded(.down)) - 1
        var index = Int(positiveOffset)
        for i in n..<storage.count {
            if index > last { break }
            good &+= storage[i]
            index += 1
        }
        return good
    }
}

// Checkpoint restore (`AggregatorShard+Checkpoint.swift`): a state with every field given.
extension ExponentialHistogramState {
    init(start: UInt64, time: UInt64, lastUpdate: UInt64, count: UInt64, sum: Double, zeroCount: UInt64,
         zeroThreshold: Double, scale: Int32, negativeOffset: Int32, positiveOffset: Int32, negativeLength: Int32,
         storage: ContiguousArray<UInt64>, status: UInt8) {
        startTimeUnixNano = start; timeUnixNano = time; self.lastUpdate = lastUpdate
        self.count = count; self.sum = sum; self.zeroCount = zeroCount; self.zeroThreshold = zeroThreshold
        self.scale = scale; self.negativeOffset = negativeOffset; self.positiveOffset = positiveOffset
        self.negativeLength = negativeLength; self.storage = storage; self.status = status
    }
}
