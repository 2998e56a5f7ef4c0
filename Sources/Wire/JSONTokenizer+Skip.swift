extension JSONTokenizer {
    /// Consumes the next value of any kind, validating all of it (used for unknown keys).
    /// Recursion is bounded by `maxDepth`.
    public mutating func skipValue() throws(JSONError) {
        switch try peekKind() {
        case .object:
            try beginObject()
            var first = true
            while try nextKey(&first) != nil { try skipValue() }
        case .array:
            try beginArray()
            var first = true
            while try nextElement(&first) { try skipValue() }
        case .string: _ = try scanString()
        case .number: _ = try scanNumber()
        case .bool: _ = try readBool()
        case .null: try readNull()
        }
    }

    /// Consumes the next value without validating the inside of objects and arrays: brackets are
    /// matched (ignoring their kind) and strings are jumped over. Scalars are read normally.
    ///
    /// Only for values that are parsed again later from a saved `position` (which validates
    /// them): for a valid value the end found here is the end a full parse finds. About one
    /// comparison per byte; no depth limit (nothing is recursive here).
    ///
    /// With an `index`, the ends of the containers passed over (up to `index.maxLevel` levels
    /// down) are remembered, and a container whose end is already known is jumped over in
    /// O(log n): a two-pass walk over nested objects then costs one scan, not one per level.
    public mutating func skipValueUnvalidated(index: JSONSkipIndex? = nil) throws(JSONError) {
        let b = peekNonWhitespace()
        guard b == UInt8(ascii: "{") || b == UInt8(ascii: "[") else { return try skipValue() }
        guard let index else { offset = try findEnd(from: offset, index: nil); return }
        if let end = index.end(ofContainerAt: offset) { offset = end; return }
        offset = try findEnd(from: offset, index: index.canRecord(from: offset) ? index : nil)
    }

    /// The offset after the container whose opening bracket is at `start`.
    @usableFromInline
    func findEnd(from start: Int, index: JSONSkipIndex?) throws(JSONError) -> Int {
        let p = bytes, n = count
        var i = start + 1
        var level = 1
        let maxLevel = index?.maxLevel ?? 0
        var slots: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        if let index { slots.0 = index.open(at: start) }
        return try withUnsafeMutableBytes(of: &slots) { raw throws(JSONError) -> Int in
            let slot = raw.baseAddress!.assumingMemoryBound(to: Int.self)
            while i < n {
                let c = p[i]
                i &+= 1
                if c == 0x22 {   // '"': find the closing quote, jumping over escaped bytes
                    while true {
                        // Eight bytes at a time while none is '"' or '\\'.
                        while i &+ 8 <= n {
                            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                            let q = w ^ 0x2222_2222_2222_2222, s = w ^ 0x5C5C_5C5C_5C5C_5C5C
                            let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
                            if (((q &- ones) & ~q) | ((s &- ones) & ~s)) & high != 0 { break }
                            i &+= 8
                        }
                        guard i < n else { break }
                        let d = p[i]
                        if d == 0x22 { break }
                        i &+= d == 0x5C ? 2 : 1
                    }
                    i &+= 1
                } else if c | 0x20 == 0x7B {   // '{' or '['
                    level &+= 1
                    if level <= maxLevel, let index { slot[level &- 1] = index.open(at: i &- 1) }
                } else if c | 0x20 == 0x7D {   // '}' or ']'
                    if level <= maxLevel, let index { index.close(slot[level &- 1], end: i) }
                    level &-= 1
                    if level == 0 { return i }
                }
            }
            throw JSONError("unexpected end of input (unclosed object or array)", offset: n)
        }
    }
}

/// Where containers end, learnt by `skipValueUnvalidated(index:)`: the first skip of a large
/// container records the ends of the containers nested in it (down to `maxLevel` levels), so
/// skipping one of them later is a binary search instead of a scan.
///
/// Entries are recorded in document order only (a skip that starts before the last recorded
/// container is not recorded). `reset()` before each document; storage is kept. One document
/// at a time; not thread-safe.
public final class JSONSkipIndex {
    /// Levels of nesting recorded below the skipped container (1…16).
    public let maxLevel: Int
    @usableFromInline var starts: [Int] = []
    @usableFromInline var ends: [Int] = []

    public init(maxLevel: Int = 8) {
        precondition(maxLevel >= 1 && maxLevel <= 16)
        self.maxLevel = maxLevel
    }

    /// Forgets all entries (keeps the storage, up to a bound).
    public func reset() {
        if starts.capacity > 1 << 16 {
            starts = []; ends = []
        } else {
            starts.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
        }
    }

    /// Number of containers recorded.
    public var count: Int { starts.count }

    func canRecord(from start: Int) -> Bool { starts.last.map { start > $0 } ?? true }

    @usableFromInline func open(at start: Int) -> Int {
        starts.append(start)
        ends.append(-1)
        return starts.count - 1
    }

    @usableFromInline func close(_ entry: Int, end: Int) { ends[entry] = end }

    /// The recorded end of the container opening at `start`, if known.
    func end(ofContainerAt start: Int) -> Int? {
        var lo = 0, hi = starts.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if starts[mid] < start { lo = mid + 1 } else { hi = mid }
        }
        guard lo < starts.count, starts[lo] == start, ends[lo] >= 0 else { return nil }
        return ends[lo]
    }
}
