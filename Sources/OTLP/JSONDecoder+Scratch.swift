

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
