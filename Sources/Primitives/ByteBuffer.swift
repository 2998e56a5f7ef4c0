#if canImport(Glibc)
import Glibc
#endif

/// A growable, contiguous byte buffer with a read and a write index, used for connection input
/// and output. Owned by one thread.
///
/// Bytes `[readerIndex, writerIndex)` are readable; `[writerIndex, capacity)` is free space that
/// `withWritableSpace` exposes to `recv`. Pointers obtained from the buffer stay valid until the
/// next call that may grow or compact it (`reserve`, `append`, `compact`, `shrink`).
public final class ByteBuffer {
    public private(set) var base: UnsafeMutableRawPointer
    public private(set) var capacity: Int
    public var readerIndex: Int = 0
    public var writerIndex: Int = 0

    public init(capacity: Int = 4096) {
        self.capacity = max(capacity, 64)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    @inlinable public var readableBytes: Int { writerIndex - readerIndex }
    @inlinable public var writableBytes: Int { capacity - writerIndex }
    @inlinable public var isEmpty: Bool { readerIndex == writerIndex }

    /// The readable bytes, valid until the buffer is next mutated.
    @inlinable public var readable: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: base + readerIndex, count: writerIndex - readerIndex)
    }

    /// Ensures at least `n` writable bytes, compacting first and growing (doubling) if needed.
    /// The check is inlined into callers (it runs once per field written into batch records);
    /// the growth is not.
    @inlinable @inline(__always)
    public func reserve(_ n: Int) {
        if capacity &- writerIndex >= n { return }
        reserveSlow(n)
    }

    @usableFromInline
    func reserveSlow(_ n: Int) {
        if writableBytes >= n { return }
        if readerIndex > 0 { compact() }
        if writableBytes >= n { return }
        var newCapacity = capacity
        while newCapacity - writerIndex < n { newCapacity *= 2 }
        let nb = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        nb.copyMemory(from: base, byteCount: writerIndex)
        base.deallocate()
        base = nb
        capacity = newCapacity
    }

    /// Moves the readable bytes to the start of the buffer.
    public func compact() {
        if readerIndex == 0 { return }
        let n = readableBytes
        if n > 0 { memmove(base, base + readerIndex, n) }
        readerIndex = 0
        writerIndex = n
    }

    /// Releases memory beyond `limit` bytes when the buffer is empty (after a large request).
    public func shrink(ifLargerThan limit: Int, to newCapacity: Int) {
        guard capacity > limit, readableBytes == 0 else { return }
        base.deallocate()
        capacity = max(newCapacity, 64)
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        readerIndex = 0
        writerIndex = 0
    }

    /// Moves the readable bytes into `newBase` (`newCapacity` bytes, allocated with alignment 16,
    /// which the buffer now owns) and returns the old storage, which the caller now owns (to
    /// deallocate or reuse). Lets a large buffer move between a connection and a pool.
    public func exchangeStorage(_ newBase: UnsafeMutableRawPointer, capacity newCapacity: Int) -> (base: UnsafeMutableRawPointer, capacity: Int) {
        let n = readableBytes
        precondition(n <= newCapacity, "ByteBuffer.exchangeStorage: the readable bytes do not fit")
        if n > 0 { newBase.copyMemory(from: base + readerIndex, byteCount: n) }
        let old = (base, capacity)
        base = newBase
        capacity = newCapacity
        readerIndex = 0
        writerIndex = n
        return old
    }

    /// Empties the buffer, keeping its memory.
    @inlinable public func clear() { readerIndex = 0; writerIndex = 0 }

    /// Appends raw bytes.
    @inlinable public func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + writerIndex).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        writerIndex += bytes.count
    }

    @inlinable public func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

    @inlinable public func append(_ s: StaticString) {
        append(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    @inlinable public func append(_ s: String) {
        var s = s
        s.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    @inlinable public func append(byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: writerIndex, as: UInt8.self)
        writerIndex += 1
    }

    /// Appends the decimal representation of `v`.
    @inlinable public func append(decimal v: Int) {
        reserve(20)
        var n = v.magnitude
        if v < 0 { append(byte: UInt8(ascii: "-")) }
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let len = withUnsafeMutableBytes(of: &tmp) { t -> Int in
            var i = 24
            repeat { i -= 1; t[i] = UInt8(48 + n % 10); n /= 10 } while n > 0
            let len = 24 - i
            (base + writerIndex).copyMemory(from: t.baseAddress! + i, byteCount: len)
            return len
        }
        writerIndex += len
    }

    /// Copies the readable bytes into an array (tests, slow paths).
    public func readableArray() -> [UInt8] { Array(UnsafeRawBufferPointer(readable)) }
}
