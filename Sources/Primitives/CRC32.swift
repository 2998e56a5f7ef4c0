import CCRC
import CZlib

/// CRC-32 as gzip, zlib and the WAL use it (reflected polynomial 0xEDB88320, zlib's `crc32`):
/// by carry-less multiplication where the CPU has it (`CCRC`, ~10x Debian zlib 1.2.13's table
/// code), else zlib's. Both give the same values (`CRC32Tests`).
public enum CRC32 {
    /// True when the carry-less multiplication path is used on this CPU.
    public static let accelerated: Bool = ccrc_clmul_available() != 0

    /// The CRC of `bytes`, continuing from `crc` (0 to start; chain calls over parts).
    @inlinable
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return update(crc, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    @usableFromInline
    static func update(_ crc: UInt32, _ p: UnsafePointer<UInt8>, _ count: Int) -> UInt32 {
        if accelerated { return ccrc_crc32(crc, p, count) }
        var c = UInt(crc)
        var p = p, left = count
        while left > 0 {
            let n = min(left, Int(UInt32.max))   // zlib's length is 32-bit
            c = CZlib.crc32(c, p, UInt32(n))
            p += n
            left -= n
        }
        return UInt32(truncatingIfNeeded: c)
    }

    /// zlib's table code, for comparison (tests and benchmarks).
    public static func zlib(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return UInt32(truncatingIfNeeded: CZlib.crc32(UInt(crc), base.assumingMemoryBound(to: UInt8.self), UInt32(bytes.count)))
    }
}
