/// A fast, non-cryptographic 64-bit hash for series identities (wyhash-style: 64×64→128-bit
/// multiply-and-fold mixing, 16 bytes per round).
///
/// Not DoS-resistant by itself: callers seed it per process (`Hash64.processSeed`) and always
/// compare full keys on a hash hit, so a collision costs time, never correctness.
public enum Hash64 {
    @usableFromInline static let p0: UInt64 = 0xa076_1d64_78bd_642f
    @usableFromInline static let p1: UInt64 = 0xe703_7ed1_a0b4_28db
    @usableFromInline static let p2: UInt64 = 0x8ebc_6af0_9c88_c6e3

    /// A per-process seed (address-space randomization feeds it), so hash values — and the
    /// series a crafted input could force into one bucket — differ between runs.
    public static let processSeed: UInt64 = {
        var x: UInt8 = 0
        let addr = withUnsafePointer(to: &x) { UInt64(UInt(bitPattern: $0)) }
        return mix(addr ^ p0, UInt64(bitPattern: Int64(ContinuousClock.now.hashValue)) ^ p1)
    }()

    /// The 128-bit product of `a` and `b`, folded to 64 bits with xor.
    @inlinable @inline(__always)
    public static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let r = a.multipliedFullWidth(by: b)
        return r.high ^ r.low
    }

    @inlinable @inline(__always)
    static func load64(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inlinable @inline(__always)
    static func load32(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }

    /// Hashes `bytes` with `seed`. Chain calls by passing the previous result as the seed.
    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let n = bytes.count
        var s = seed ^ mix(seed ^ p0, p1) ^ UInt64(truncatingIfNeeded: n)
        guard let p = bytes.baseAddress, n > 0 else { return mix(s ^ p2, p1) }
        var a: UInt64 = 0, b: UInt64 = 0
        if n <= 16 {
            if n >= 4 {
                // Two overlapping 4-byte reads from each end cover 4...16 bytes.
                let q = (n >> 3) << 2
                a = (load32(p, 0) << 32) | load32(p, q)
                b = (load32(p, n - 4) << 32) | load32(p, n - 4 - q)
            } else {
                a = UInt64(bytes[0]) << 16 | UInt64(bytes[n >> 1]) << 8 | UInt64(bytes[n - 1])
            }
        } else {
            var i = 0
            var remaining = n
            while remaining > 16 {
                s = mix(load64(p, i) ^ p1, load64(p, i + 8) ^ s)
                i += 16
                remaining -= 16
            }
            a = load64(p, n - 16)
            b = load64(p, n - 8)
        }
        return mix(p1 ^ UInt64(truncatingIfNeeded: n), mix(a ^ p1, b ^ s))
    }

    /// Hashes one 64-bit value into a running hash.
    @inlinable @inline(__always)
    public static func combine(_ h: UInt64, _ v: UInt64) -> UInt64 {
        mix(h ^ p0, v ^ p2)
    }
}
