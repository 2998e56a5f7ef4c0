/// A set of code points, kept as sorted, disjoint, non-adjacent closed ranges: the value of a
/// character class (`[a-z]`, `\d`, `.`, a case-folded literal) after parsing.
///
/// Values are `UInt32` code points in `0...0x10FFFF`. Surrogate values may appear (Go allows
/// `[\x{D800}-\x{DFFF}]`) but never match, because decoded input never yields one. The ASCII part
/// is mirrored in two 64-bit masks so the common membership test is a shift and an `and`.
struct ScalarSet: Sendable, Hashable {
    /// The largest Unicode code point.
    static let maxScalar: UInt32 = 0x10FFFF

    /// Flat range bounds: `[lo0, hi0, lo1, hi1, …]`, sorted, with `hi(i) + 1 < lo(i+1)`.
    private(set) var bounds: [UInt32]
    /// Membership of code points 0..<64.
    private(set) var asciiLow: UInt64
    /// Membership of code points 64..<128.
    private(set) var asciiHigh: UInt64

    /// The empty set.
    init() {
        bounds = []
        asciiLow = 0
        asciiHigh = 0
    }

    /// A set from range bounds in any order, possibly overlapping (`[lo, hi, lo, hi, …]`).
    /// Cost: O(n log n) in the number of ranges.
    init(unsortedBounds pairs: [UInt32]) {
        precondition(pairs.count % 2 == 0, "range bounds come in pairs")
        var ranges: [(UInt32, UInt32)] = []
        ranges.reserveCapacity(pairs.count / 2)
        var index = 0
        while index < pairs.count {
            let lo = pairs[index], hi = min(pairs[index + 1], Self.maxScalar)
            if lo <= hi { ranges.append((lo, hi)) }
            index += 2
        }
        ranges.sort { $0.0 < $1.0 }
        var merged: [UInt32] = []
        merged.reserveCapacity(ranges.count * 2)
        for (lo, hi) in ranges {
            if let last = merged.last, lo <= last &+ 1 {
                if hi > last { merged[merged.count - 1] = hi }
            } else {
                merged.append(lo)
                merged.append(hi)
            }
        }
        self.init(normalizedBounds: merged)
    }

    /// A set from bounds that are already sorted, disjoint and non-adjacent.
    private init(normalizedBounds: [UInt32]) {
        bounds = normalizedBounds
        var low: UInt64 = 0, high: UInt64 = 0
        var index = 0
        while index < bounds.count, bounds[index] < 128 {
            let lo = bounds[index], hi = min(bounds[index + 1], 127)
            for c in lo...hi {
                if c < 64 { low |= 1 << UInt64(c) } else { high |= 1 << UInt64(c - 64) }
            }
            index += 2
        }
        asciiLow = low
        asciiHigh = high
    }

    /// The set holding exactly `c`.
    static func single(_ c: UInt32) -> ScalarSet { ScalarSet(unsortedBounds: [c, c]) }

    /// The set holding `lo...hi`.
    static func range(_ lo: UInt32, _ hi: UInt32) -> ScalarSet { ScalarSet(unsortedBounds: [lo, hi]) }

    /// Every code point: `.` under `(?s)`.
    static let all = ScalarSet(normalizedBounds: [0, maxScalar])

    /// Every code point except `\n`: `.` without `(?s)`.
    static let allButNewline = ScalarSet(normalizedBounds: [0, 9, 11, maxScalar])

    var isEmpty: Bool { bounds.isEmpty }
    var isAll: Bool { bounds == [0, Self.maxScalar] }

    /// Number of ranges.
    var rangeCount: Int { bounds.count / 2 }

    /// The `index`th range.
    func range(at index: Int) -> (lo: UInt32, hi: UInt32) { (bounds[2 * index], bounds[2 * index + 1]) }

    /// The only member, when the set has exactly one.
    var singleMember: UInt32? {
        bounds.count == 2 && bounds[0] == bounds[1] ? bounds[0] : nil
    }

    /// True when every member is below 128.
    var isASCII: Bool { bounds.last.map { $0 < 128 } ?? true }

    /// Membership test: two mask operations for ASCII, a binary search over the ranges otherwise.
    @inline(__always)
    func contains(_ c: UInt32) -> Bool {
        if c < 64 { return asciiLow & (1 << UInt64(c)) != 0 }
        if c < 128 { return asciiHigh & (1 << UInt64(c - 64)) != 0 }
        return containsNonASCII(c)
    }

    private func containsNonASCII(_ c: UInt32) -> Bool {
        var lo = 0, hi = bounds.count / 2
        while lo < hi {
            let mid = (lo + hi) / 2
            if c < bounds[2 * mid] {
                hi = mid
            } else if c > bounds[2 * mid + 1] {
                lo = mid + 1
            } else {
                return true
            }
        }
        return false
    }

    /// The complement within `0...0x10FFFF`.
    func inverted() -> ScalarSet {
        var result: [UInt32] = []
        result.reserveCapacity(bounds.count + 2)
        var next: UInt32 = 0
        var index = 0
        while index < bounds.count {
            let lo = bounds[index], hi = bounds[index + 1]
            if lo > next {
                result.append(next)
                result.append(lo - 1)
            }
            next = hi &+ 1
            index += 2
        }
        if next <= Self.maxScalar && !(bounds.last == Self.maxScalar) {
            result.append(next)
            result.append(Self.maxScalar)
        }
        return ScalarSet(normalizedBounds: result)
    }

    /// The union of two sets.
    func union(_ other: ScalarSet) -> ScalarSet {
        if other.isEmpty { return self }
        if isEmpty { return other }
        return ScalarSet(unsortedBounds: bounds + other.bounds)
    }

    /// The intersection of two sets.
    func intersection(_ other: ScalarSet) -> ScalarSet {
        inverted().union(other.inverted()).inverted()
    }

    /// The members with `(?i)` applied: every member's simple case-folding orbit is added
    /// (see `CaseFolding`).
    func caseFolded() -> ScalarSet {
        CaseFolding.shared.fold(self)
    }
}
