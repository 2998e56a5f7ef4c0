/// A growable buffer of trivial values owned by `OTLPJSONDecoder`, reused across points and
/// requests (attribute lists, bucket counts, bounds, quantiles, rendered JSON text).
///
/// Storage may move on `append`/`reserve`: pointers from `buffer` are handed to the sink only
/// after the list is complete, and nothing else keeps them. The owner calls `free()` once.
struct JSONScratch<Element> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        precondition(_isPOD(Element.self), "JSONScratch holds trivial types only")
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

    /// Ensures room for `n` more elements (the storage may move).
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

    /// Releases oversized storage after a huge request.
    mutating func shrink(ifAbove limit: Int, to small: Int) {
        count = 0
        guard capacity > limit else { return }
        base.deallocate()
        capacity = small
        base = .allocate(capacity: small)
    }

    @inline(__always) var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }
}

extension JSONScratch where Element == UInt8 {
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

/// Bytes that must stay put while the sink can see them: unescaped strings, decoded base64,
/// rendered array/kvlist values. Memory comes in chunks that never move; `mark`/`rewind` free
/// everything allocated after a mark (the decoder rewinds after each point), `reset` frees all.
/// Chunks are kept for the next request (oversized ones are released by `trim`).
struct JSONArena {
    static let chunkSize = 64 * 1024
    private var chunks: [UnsafeMutableRawPointer] = []
    private var sizes: [Int] = []
    /// Index of the chunk being filled (-1 before the first allocation).
    private var current = -1
    private var used = 0

    struct Mark { var chunk: Int; var used: Int }

    var mark: Mark { Mark(chunk: current, used: used) }

    mutating func rewind(to m: Mark) { current = m.chunk; used = m.used }

    mutating func reset() { current = -1; used = 0 }

    /// `n` bytes, valid until a rewind to a mark taken before this call (or `reset`).
    mutating func allocate(_ n: Int) -> UnsafeMutableRawPointer {
        if current >= 0 && sizes[current] - used >= n {
            let p = chunks[current] + used
            used += n
            return p
        }
        return allocateSlow(n)
    }

    @inline(never)
    private mutating func allocateSlow(_ n: Int) -> UnsafeMutableRawPointer {
        let next = current + 1
        if next < chunks.count && sizes[next] >= n {
            current = next
        } else {
            // Insert a chunk big enough here; later (unused) chunks stay for later.
            let size = Swift.max(JSONArena.chunkSize, n)
            chunks.insert(.allocate(byteCount: size, alignment: 16), at: next)
            sizes.insert(size, at: next)
            current = next
        }
        used = n
        return chunks[current]
    }

    /// Releases all chunks beyond the first `keep` (call between requests).
    mutating func trim(keep: Int) {
        reset()
        while chunks.count > keep {
            chunks.removeLast().deallocate()
            sizes.removeLast()
        }
    }

    func free() { for c in chunks { c.deallocate() } }
}

/// One entry of a kvlist being rendered: collected first, then sorted by key (document order
/// breaks ties) so duplicates resolve last-wins, like the protobuf decoder.
struct JSONKVEntry {
    var key: ByteView
    /// Where the `AnyValue` object is (unset: render `null`).
    var value: JSONDeferred
    /// Tokenizer depth inside the KeyValue object.
    var depth: Int
    var order: Int
}
