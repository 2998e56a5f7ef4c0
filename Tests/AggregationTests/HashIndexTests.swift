import Testing
@testable import Aggregation
import Primitives

@Suite struct HashIndexTests {
    /// A tiny deterministic PRNG so failures reproduce.
    typealias SplitMix = SeriesStateTests.SplitMix

    /// Random inserts, lookups and removals against a Dictionary model, keys kept outside the
    /// index (as the shard does). `hashBits` small forces many full-hash collisions, so the key
    /// predicate and backward shifting are exercised.
    @Test(arguments: [2, 6, 64])
    func matchesDictionaryModel(hashBits: Int) {
        var rng = SplitMix(state: UInt64(hashBits))
        var index = HashIndex(capacity: 4)
        var model: [[UInt8]: Int32] = [:]
        let universe: [[UInt8]] = (0..<300).map { i in
            let len = Int(rng.next() % 24)
            return (0..<len).map { _ in UInt8(truncatingIfNeeded: rng.next()) } + [UInt8(i & 0xFF), UInt8(i >> 8)]
        }
        // Handle → key, as an owner's key store.
        var keys: [Int32: [UInt8]] = [:]
        var nextHandle: Int32 = 0
        func h(_ k: [UInt8]) -> UInt64 {
            let full = k.withUnsafeBytes { Hash64.hash($0, seed: 7) }
            return hashBits >= 64 ? full : full & ((1 << UInt64(hashBits)) - 1)
        }
        for step in 0..<20_000 {
            let k = universe[Int(rng.next() % UInt64(universe.count))]
            let found = index.find(hash: h(k)) { keys[$0] == k }
            #expect(found == model[k])
            switch rng.next() % 3 {
            case 0:
                if found == nil {
                    index.insert(hash: h(k), value: nextHandle)
                    keys[nextHandle] = k
                    model[k] = nextHandle
                    nextHandle += 1
                }
            case 1:
                if let found {
                    let removed = index.remove(hash: h(k), value: found)
                    #expect(removed)
                    keys[found] = nil
                    model[k] = nil
                } else {
                    let removed = index.remove(hash: h(k), value: 12345)
                    #expect(!removed)
                }
            default:
                if let found, step % 7 == 0 {
                    // Move the key to a new handle.
                    index.replace(hash: h(k), old: found, new: nextHandle)
                    keys[found] = nil
                    keys[nextHandle] = k
                    model[k] = nextHandle
                    nextHandle += 1
                }
            }
            if step % 1000 == 0 {
                let count = index.count
                #expect(count == model.count)
                for (key, value) in model {
                    let got = index.find(hash: h(key)) { keys[$0] == key }
                    #expect(got == value)
                }
            }
        }
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

@Suite struct BytesEqualTests {
    /// Every length 0...70 and every position of a single differing byte, against `==` on arrays.
    @Test func matchesArrayEquality() {
        for n in 0...70 {
            let a = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            a.withUnsafeBytes { pa in
                let b = a
                b.withUnsafeBytes { pb in
                    #expect(n == 0 || bytesEqual(pa.baseAddress!, pb.baseAddress!, n))
                }
                for k in 0..<n {
                    var c = a
                    c[k] ^= 0x40
                    c.withUnsafeBytes { pc in #expect(!bytesEqual(pa.baseAddress!, pc.baseAddress!, n), "n=\(n) k=\(k)") }
                }
            }
        }
    }
}
