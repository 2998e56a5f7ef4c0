/// A copy of the first `count` elements of a shard's flat array as they were when the copy
/// began, made chunk by chunk on the shard's own thread while the shard goes on applying points:
/// the shard calls `ensure` before it writes an element (its chunk is copied first, so the copy
/// keeps the old value) and `advance` between slices (copies the next chunks, a bounded amount
/// at a time). Once `isComplete`, the copy is immutable and may be read on any thread (after a
/// happens-before edge from the shard, e.g. `ShardRuntime`'s request countdown).
///
/// Why chunks of 8 elements: a slice of points scattered over a million series makes the shard
/// copy one chunk per point it touches first; small chunks keep that extra work per slice small
/// (8 states, ~400 bytes for counters, per point at most), and a flag per chunk stays cheap
/// (one byte per 8 elements).
final class ChunkedCopy<Element>: @unchecked Sendable {
    static var chunkShift: Int { 3 }
    let count: Int
    let base: UnsafeMutablePointer<Element>
    private var copied: [Bool]
    /// Chunks below `cursor` are copied (by `advance`, or earlier by `ensure`).
    private var cursor = 0
    private(set) var remaining: Int

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: max(count, 1))
        let chunks = (count + (1 << Self.chunkShift) - 1) >> Self.chunkShift
        copied = [Bool](repeating: false, count: chunks)
        remaining = chunks
    }

    deinit {
        for c in 0..<copied.count where copied[c] {
            let (lo, n) = range(c)
            (base + lo).deinitialize(count: n)
        }
        base.deallocate()
    }

    var isComplete: Bool { remaining == 0 }

    private func range(_ chunk: Int) -> (lo: Int, count: Int) {
        let lo = chunk << Self.chunkShift
        return (lo, min(1 << Self.chunkShift, count - lo))
    }

    /// Shard thread, before element `i` of `source` changes.
    @inline(__always)
    func ensure(_ i: Int, from source: UnsafeMutablePointer<Element>) {
        guard i < count else { return }
        let c = i >> Self.chunkShift
        if !copied[c] { copy(c, from: source) }
    }

    private func copy(_ chunk: Int, from source: UnsafeMutablePointer<Element>) {
        let (lo, n) = range(chunk)
        (base + lo).initialize(from: source + lo, count: n)
        copied[chunk] = true
        remaining -= 1
    }

    /// Shard thread: copies the next chunks not copied yet, about `bytes` worth; returns the
    /// part of the budget left (0 when it ran out before the copy was complete).
    func advance(bytes: Int, from source: UnsafeMutablePointer<Element>) -> Int {
        let chunkBytes = MemoryLayout<Element>.stride << Self.chunkShift
        var left = bytes
        while remaining > 0 && left > 0 {
            if !copied[cursor] {
                copy(cursor, from: source)
                left -= chunkBytes
            }
            cursor += 1
        }
        return max(left, 0)
    }
}
