/// A growable buffer of trivial values owned by a decoder (`OTLPProtobufDecoder`,
/// `OTLPJSONDecoder`) and reused across points and requests: attributes, bucket counts, bounds,
/// quantiles, rendered JSON text.
///
/// Pointers handed out (`buffer`, `base`) stay valid until the next `append`/`reserve` (which may
/// move the storage). The owner must call `free()` exactly once. Elements are never deinitialised,
/// so `Element` must be trivial (checked in `init`).
struct ScratchBuffer<Element> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var capacity: Int
    /// Number of elements in use.
    var count = 0

    init(capacity: Int) {
        precondition(_isPOD(Element.self), "ScratchBuffer holds trivial types only")
        self.capacity = Swift.max(capacity, 4)
        base = .allocate(capacity: self.capacity)
    }

    func free() { base.deallocate() }

    @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { grow(minimum: count + 1) }
        (base + count).initialize(to: element)
        count += 1
    }

    /// Ensures room for `n` more elements without moving the storage.
    @inline(__always)
    mutating func reserve(_ n: Int) {
        if capacity - count < n { grow(minimum: count + n) }
    }

    @inline(never)
    mutating func grow(minimum: Int) {
        var newCapacity = capacity * 2
        while newCapacity < minimum { newCapacity *= 2 }
        let nb = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        nb.moveInitialize(from: base, count: count)
        base.deallocate()
        base = nb
        capacity = newCapacity
    }

    /// Empties the buffer (between requests) and releases oversized storage after a huge one.
    mutating func shrink(ifAbove limit: Int, to small: Int) {
        count = 0
        guard capacity > limit else { return }
        base.deallocate()
        capacity = small
        base = .allocate(capacity: small)
    }

    /// Appends `n` elements copied bytewise from `bytes` (possibly unaligned) — for packed
    /// little-endian fixed64/double chunks on a little-endian host.
    @inline(__always)
    mutating func appendRaw(_ bytes: UnsafeRawBufferPointer, elements n: Int) {
        precondition(bytes.count == n * MemoryLayout<Element>.stride)
        guard n > 0, let source = bytes.baseAddress else { return }
        reserve(n)
        UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: bytes.count)
        count += n
    }

    @inline(__always) mutating func removeAll() { count = 0 }

    /// Drops the elements after the first `n` (a mark taken earlier from `count`).
    @inline(__always) mutating func truncate(to n: Int) {
        assert(n >= 0 && n <= count)
        count = n
    }

    @inline(__always) var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }

    @inline(__always) subscript(i: Int) -> Element {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

extension ScratchBuffer where Element == UInt8 {
    @inline(__always) mutating func append(_ s: StaticString) {
        let n = s.utf8CodeUnitCount
        reserve(n)
        (base + count).update(from: s.utf8Start, count: n)
        count += n
    }

    @inline(__always) mutating func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        if n > 0 { (base + count).update(from: p, count: n) }
        count += n
    }
}
