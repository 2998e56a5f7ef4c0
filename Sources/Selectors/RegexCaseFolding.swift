/// Simple case-folding orbits for `(?i)`: the sets of code points that compare equal when case
/// is ignored (`k`, `K` and the Kelvin sign U+212A; `s`, `S` and long s U+017F; `σ`, `ς`, `Σ`).
///
/// Go derives its orbits from Unicode's `CaseFolding.txt` (statuses C and S). The stdlib does not
/// expose that file, so the orbits are derived from the stdlib's case mappings: two code points
/// are in one orbit when they have the same key, `lower(upper(c))`, where a mapping that is not a
/// single code point (`ß` → `SS`) is skipped. U+0131 (dotless ı), whose only folding is the Turkic
/// one, is left alone as Go does. This reproduces Go's orbits for the cased scripts in use; rare
/// code points whose simple folding differs from their mappings (e.g. U+FB05 `ﬅ`/U+FB06 `ﬆ`,
/// Unicode 15) may differ, and the Unicode version is the stdlib's. Only code points below
/// U+20000 are examined: no cased letters exist above.
///
/// Built once, on first use (a global `let`, thread-safe), in a few milliseconds.
struct CaseFolding: Sendable {
    /// The table shared by every regex.
    static let shared = CaseFolding()

    /// Code points that have at least one other member in their orbit, ascending.
    let members: [UInt32]
    /// For `members[i]`, the index in `members` of the next larger member of its orbit, wrapping
    /// around to the smallest.
    let nextIndex: [Int32]

    /// The smallest and largest code point in any orbit.
    var minFold: UInt32 { members.first ?? 0 }
    var maxFold: UInt32 { members.last ?? 0 }

    private init() {
        var groups: [UInt32: [UInt32]] = [:]
        for value in UInt32(0)..<0x20000 where value != 0x131 {
            guard let scalar = Unicode.Scalar(value), scalar.properties.changesWhenCaseMapped else { continue }
            groups[Self.key(scalar), default: []].append(value)
        }
        var pairs: [(UInt32, UInt32)] = []   // (member, next member of its orbit)
        for (_, orbit) in groups where orbit.count > 1 {
            let sorted = orbit.sorted()
            for (i, c) in sorted.enumerated() { pairs.append((c, sorted[(i + 1) % sorted.count])) }
        }
        pairs.sort { $0.0 < $1.0 }
        let members = pairs.map(\.0)
        var indexOf: [UInt32: Int32] = [:]
        for (i, c) in members.enumerated() { indexOf[c] = Int32(i) }
        self.members = members
        self.nextIndex = pairs.map { indexOf[$0.1]! }
    }

    /// The orbit key: `lower(upper(c))`, skipping mappings that are not one code point.
    private static func key(_ scalar: Unicode.Scalar) -> UInt32 {
        func single(_ mapping: String) -> Unicode.Scalar? {
            var iterator = mapping.unicodeScalars.makeIterator()
            guard let first = iterator.next(), iterator.next() == nil else { return nil }
            return first
        }
        let upper = single(scalar.properties.uppercaseMapping) ?? scalar
        if let lower = single(upper.properties.lowercaseMapping) { return lower.value }
        return (single(scalar.properties.lowercaseMapping) ?? scalar).value
    }

    /// Index of the first member `>= c`.
    private func lowerBound(_ c: UInt32) -> Int {
        var lo = 0, hi = members.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if members[mid] < c { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Every code point equal to `c` when case is ignored, `c` included, ascending.
    func orbit(of c: UInt32) -> [UInt32] {
        let start = lowerBound(c)
        guard start < members.count, members[start] == c else { return [c] }
        var result = [c]
        var index = Int(nextIndex[start])
        while index != start {
            result.append(members[index])
            index = Int(nextIndex[index])
        }
        return result.sorted()
    }

    /// `set` plus the orbit of every member. A range covering every orbit member is kept as is
    /// (folding cannot add to it); otherwise only the table entries inside the range are visited.
    func fold(_ set: ScalarSet) -> ScalarSet {
        var bounds = set.bounds
        for r in 0..<set.rangeCount {
            let (lo, hi) = set.range(at: r)
            if lo <= minFold && hi >= maxFold { continue }
            var index = lowerBound(lo)
            while index < members.count, members[index] <= hi {
                var next = Int(nextIndex[index])
                while next != index {
                    bounds.append(members[next])
                    bounds.append(members[next])
                    next = Int(nextIndex[next])
                }
                index += 1
            }
        }
        return bounds.count == set.bounds.count ? set : ScalarSet(unsortedBounds: bounds)
    }
}
