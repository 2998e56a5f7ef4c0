import Testing
@testable import Primitives

/// The carry-less multiplication CRC equals zlib's for every length around the 16/64-byte
/// block edges, every alignment, chained updates and the check value.
@Suite struct CRC32Tests {
    @Test func matchesZlibAtEveryLengthAndAlignment() {
        var rng = SplitMix(seed: 42)
        let data = (0..<70_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        data.withUnsafeBytes { all in
            for offset in 0..<16 {
                for length in Array(0...300) + [1_000, 4_095, 4_096, 4_097, 65_536, 69_984 - offset] {
                    let part = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
                    for seed: UInt32 in [0, 0xFFFF_FFFF, 0x1234_5678] {
                        let got = CRC32.update(seed, part), want = CRC32.zlib(seed, part)
                        if got != want {
                            Issue.record("offset \(offset) length \(length) seed \(seed): \(got) != \(want)")
                            return
                        }
                    }
                }
            }
            // Chained over uneven parts = one call.
            var c: UInt32 = 0
            var at = 0
            for size in [1, 63, 64, 65, 17, 1_000, 3, 129] {
                c = CRC32.update(c, UnsafeRawBufferPointer(rebasing: all[at..<(at + size)]))
                at += size
            }
            #expect(c == CRC32.zlib(0, UnsafeRawBufferPointer(rebasing: all[0..<at])))
        }
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32.update(0, $0) } == 0xCBF4_3926)
        #expect(CRC32.update(7, UnsafeRawBufferPointer(start: nil, count: 0)) == 7)
        print("CRC32: carry-less multiplication path used: \(CRC32.accelerated)")
    }

    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
