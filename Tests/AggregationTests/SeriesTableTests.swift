import Testing
@testable import Aggregation
import Primitives

@Suite struct SeriesTableTests {
    /// A tiny deterministic PRNG so failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Random inserts, lookups and removals against a Dictionary model. `hashBits` small forces
    /// many full-hash collisions, so the byte comparison and backward shifting are exercised.
    @Test(arguments: [2, 6, 64])
    func matchesDictionaryModel(hashBits: Int) {
        var rng = SplitMix(state: UInt64(hashBits))
        var table = SeriesTable<Int>(capacity: 4)
        var model: [[UInt8]: Int] = [:]
        let universe: [[UInt8]] = (0..<300).map { i in
            let len = Int(rng.next() % 24)
            return (0..<len).map { _ in UInt8(truncatingIfNeeded: rng.next()) } + [UInt8(i & 0xFF), UInt8(i >> 8)]
        }
        func h(_ k: [UInt8]) -> UInt64 {
            let full = k.withUnsafeBytes { Hash64.hash($0, seed: 7) }
            return hashBits >= 64 ? full : full & ((1 << UInt64(hashBits)) - 1)
        }
        for step in 0..<20_000 {
            let k = universe[Int(rng.next() % UInt64(universe.count))]
            switch rng.next() % 3 {
            case 0:
                let present = k.withUnsafeBytes { table.find(hash: h(k), key: $0) } != nil
                if present == false && model[k] == nil {
                    k.withUnsafeBytes { _ = table.insert(hash: h(k), key: $0, value: step) }
                    model[k] = step
                }
            case 1:
                let removed = k.withUnsafeBytes { table.remove(hash: h(k), key: $0) }
                #expect(removed == model.removeValue(forKey: k))
            default:
                let found = k.withUnsafeBytes { table.find(hash: h(k), key: $0) }
                #expect(found == model[k])
            }
            if step % 1000 == 0 {
                #expect(table.count == model.count)
                for (key, value) in model {
                    #expect(key.withUnsafeBytes { table.find(hash: h(key), key: $0) } == value)
                }
            }
        }
    }

    @Test func emptyKeyAndUpdateInPlace() {
        var table = SeriesTable<Int>()
        let empty: [UInt8] = []
        let i = empty.withUnsafeBytes { table.insert(hash: 1, key: $0, value: 10) }
        table[entry: i] += 5
        #expect(empty.withUnsafeBytes { table.find(hash: 1, key: $0) } == 15)
        #expect(empty.withUnsafeBytes { table.remove(hash: 1, key: $0) } == 15)
        #expect(table.count == 0)
    }

    @Test func hashSpreadsShortKeys() {
        // Distinct short keys (the 0...16-byte paths) give distinct hashes.
        var seen = Set<UInt64>()
        for len in 0...20 {
            for v in 0..<50 {
                let k = [UInt8](repeating: UInt8(v), count: len)
                seen.insert(k.withUnsafeBytes { Hash64.hash($0, seed: 1) })
            }
        }
        #expect(seen.count >= 21 * 50 - 49)  // all-zero keys of different lengths differ too
    }
}
