/// UTF-8 validation for protobuf `string` fields (RFC 3629: no overlongs, no surrogates,
/// nothing above U+10FFFF). ASCII is checked 8 bytes at a time.
public enum ProtobufUTF8 {
    /// True if `bytes` is valid UTF-8. O(n), no allocation.
    @inlinable @inline(__always)
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let n = bytes.count
        if n >= 8 {
            // Whole words, then the last 8 bytes (overlapping) instead of a byte loop.
            var i = 0
            while i + 8 <= n {
                if base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 {
                    return validateTail(base, from: i, count: n)
                }
                i += 8
            }
            if base.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 {
                return validateTail(base, from: i, count: n)
            }
            return true
        }
        if n >= 4 {
            let high = base.loadUnaligned(as: UInt32.self) | base.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
            return high & 0x8080_8080 == 0 || validateTail(base, from: 0, count: n)
        }
        var i = 0
        while i < n {
            if base.load(fromByteOffset: i, as: UInt8.self) >= 0x80 { return validateTail(base, from: i, count: n) }
            i += 1
        }
        return true
    }

    /// The general (non-ASCII) path, from `start` to `count`.
    @usableFromInline
    static func validateTail(_ base: UnsafeRawPointer, from start: Int, count n: Int) -> Bool {
        var i = start
        @inline(__always) func byte(_ j: Int) -> UInt8 { base.load(fromByteOffset: j, as: UInt8.self) }
        @inline(__always) func isCont(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }
        while i < n {
            let b0 = byte(i)
            if b0 < 0x80 { i += 1; continue }
            if b0 < 0xC2 { return false }                       // continuation or overlong 2-byte lead
            if b0 < 0xE0 {
                guard i + 1 < n, isCont(byte(i + 1)) else { return false }
                i += 2
                continue
            }
            if b0 < 0xF0 {
                guard i + 2 < n else { return false }
                let b1 = byte(i + 1)
                switch b0 {
                case 0xE0: guard b1 >= 0xA0 && b1 <= 0xBF else { return false }   // overlong
                case 0xED: guard b1 >= 0x80 && b1 <= 0x9F else { return false }   // surrogates
                default: guard isCont(b1) else { return false }
                }
                guard isCont(byte(i + 2)) else { return false }
                i += 3
                continue
            }
            if b0 > 0xF4 { return false }
            guard i + 3 < n else { return false }
            let b1 = byte(i + 1)
            switch b0 {
            case 0xF0: guard b1 >= 0x90 && b1 <= 0xBF else { return false }       // overlong
            case 0xF4: guard b1 >= 0x80 && b1 <= 0x8F else { return false }       // > U+10FFFF
            default: guard isCont(b1) else { return false }
            }
            guard isCont(byte(i + 2)), isCont(byte(i + 3)) else { return false }
            i += 4
        }
        return true
    }
}
