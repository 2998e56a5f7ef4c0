#if canImport(Glibc)
import Glibc
#endif
import Primitives

/// Remembers point attribute lists by their raw protobuf bytes, so a list seen before is neither
/// decoded nor re-encoded.
///
/// Exporters send the same series with the same attribute bytes every interval, and decoding
/// attributes (UTF-8 checks, `AnyValue` parsing) plus building a canonical encoding costs more
/// than everything else about a point. A sink that wants this offers a cache
/// (`MetricsSink.rawAttributeCache`); the protobuf decoder then, at a point's first attribute,
/// looks up the contiguous run of `KeyValue` records that follows. On a hit it skips those bytes
/// and hands the sink the entry (`PointCommon.cachedAttributes`) instead of decoded attributes;
/// on a miss it decodes as usual and hands over the raw bytes too (`PointCommon.rawAttributes`),
/// which the sink may `insert` together with its own encoding (`payload`) and a 64-bit value.
///
/// Only bytes the decoder has already decoded successfully are ever inserted, so a hit stands
/// for a list that is known to be valid (byte-identical input decodes identically).
///
/// Bounded: entries live in one arena of at most `maxBytes`; when it is full the cache is
/// emptied and starts over (`generation` counts that), so memory never grows past the bound and
/// the cost of a workload with more distinct lists than fit is one lookup and one insert per
/// point. Not thread-safe: one per event loop (with its sink and decoder).
public final class RawAttributeCache {
    /// Entry layout in the arena (8-byte aligned): u32 rawLength, u32 payloadLength, u64 value,
    /// u32 next (offset + 1 of the entry looked up after this one last time; 0 = none), u32 pad,
    /// raw bytes, payload bytes.
    static let headerBytes = 24

    /// An index slot: the raw bytes' hash and the entry's arena offset + 1 (0 = empty), in one
    /// 16-byte slot so a probe touches one cache line.
    struct Slot {
        var hash: UInt64
        var entry: UInt32
        var pad: UInt32
    }

    public let maxBytes: Int
    private var arena: UnsafeMutableRawPointer
    private var arenaCapacity: Int
    private var used = 0
    private var slots: UnsafeMutablePointer<Slot>
    private var mask: Int
    public private(set) var count = 0
    /// Times the cache was emptied because it was full.
    public private(set) var generation = 0
    /// The entry the last lookup or insert ended on (offset + 1; 0 = none): exporters send their
    /// series in the same order every time, so the entry after it is tried first, with no hash
    /// and no index probe.
    private var previous: UInt32 = 0
    /// Set by a missing `lookup` for the following `insert` of the same bytes.
    private var lastHash: UInt64 = 0
    private var lastSlot = 0
    private let seed = Hash64.processSeed &+ 0x51ed

    /// - Parameter maxBytes: arena bound (raw bytes + payloads + 24 bytes per entry), < 2 GiB.
    public init(maxBytes: Int = 8 << 20) {
        precondition(maxBytes >= 1024 && maxBytes < Int(Int32.max))
        self.maxBytes = maxBytes
        arenaCapacity = min(maxBytes, 64 << 10)
        arena = .allocate(byteCount: arenaCapacity, alignment: 8)
        let n = 1024
        slots = .allocate(capacity: n)
        slots.initialize(repeating: Slot(hash: 0, entry: 0, pad: 0), count: n)
        mask = n - 1
    }

    deinit {
        arena.deallocate()
        slots.deallocate()
    }

    @inline(__always)
    private func matches(_ entry: UInt32, _ raw: UnsafeRawBufferPointer) -> Bool {
        let e = UnsafeRawPointer(arena + Int(entry - 1))
        let n = Int(e.load(as: UInt32.self))
        return n == raw.count && (n == 0 || bytesEqual(e + Self.headerBytes, raw.baseAddress!, n))
    }

    @inline(__always)
    private func setNext(of entry: UInt32, _ next: UInt32) {
        (arena + Int(entry - 1)).storeBytes(of: next, toByteOffset: 16, as: UInt32.self)
    }

    /// The entry holding exactly `raw`, or -1. Remembers the probe for `insert`.
    @inline(__always)
    public func lookup(_ raw: UnsafeRawBufferPointer) -> Int32 {
        if previous != 0 {
            let predicted = (arena + Int(previous - 1)).load(fromByteOffset: 16, as: UInt32.self)
            if predicted != 0 && matches(predicted, raw) {
                previous = predicted
                return Int32(bitPattern: predicted - 1)
            }
        }
        return lookupIndexed(raw)
    }

    private func lookupIndexed(_ raw: UnsafeRawBufferPointer) -> Int32 {
        let h = Hash64.hash(raw, seed: seed)
        lastHash = h
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[i]
            if s.entry == 0 { lastSlot = i; return -1 }
            if s.hash == h && matches(s.entry, raw) {
                if previous != 0 { setNext(of: previous, s.entry) }
                previous = s.entry
                return Int32(bitPattern: s.entry - 1)
            }
            i = (i + 1) & mask
        }
    }

    /// The sink's bytes and value stored with `entry` (valid until the next `insert`).
    @inline(__always)
    public func payload(_ entry: Int32) -> (bytes: UnsafeRawBufferPointer, value: UInt64) {
        let e = UnsafeRawPointer(arena + Int(entry))
        let rawLength = Int(e.load(as: UInt32.self))
        let n = Int(e.load(fromByteOffset: 4, as: UInt32.self))
        return (UnsafeRawBufferPointer(start: e + Self.headerBytes + rawLength, count: n),
                e.load(fromByteOffset: 8, as: UInt64.self))
    }

    /// Adds `raw` (which the last `lookup` did not find) with the sink's `payload` and `value`;
    /// returns its entry (as `lookup` would), or -1 for a list too large for the arena (not kept).
    @discardableResult
    public func insert(_ raw: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, value: UInt64) -> Int32 {
        let size = (Self.headerBytes + raw.count + payload.count + 7) & ~7
        guard size <= maxBytes / 4 else { previous = 0; return -1 }
        var slot = lastSlot
        if used + size > arenaCapacity {
            if used + size <= maxBytes {
                growArena(to: used + size)
            } else {
                clear()
                generation += 1
                slot = probe(lastHash)
            }
        }
        if (count + 1) * 2 > mask + 1 {
            growIndex()
            slot = probe(lastHash)
        } else if slots[slot].entry != 0 {
            slot = probe(lastHash)            // no `lookup` of these bytes came just before
        }
        let e = arena + used
        e.storeBytes(of: UInt32(raw.count), as: UInt32.self)
        e.storeBytes(of: UInt32(payload.count), toByteOffset: 4, as: UInt32.self)
        e.storeBytes(of: value, toByteOffset: 8, as: UInt64.self)
        e.storeBytes(of: UInt64(0), toByteOffset: 16, as: UInt64.self)
        if raw.count > 0 { (e + Self.headerBytes).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
        if payload.count > 0 { (e + Self.headerBytes + raw.count).copyMemory(from: payload.baseAddress!, byteCount: payload.count) }
        let entry = UInt32(used + 1)
        slots[slot] = Slot(hash: lastHash, entry: entry, pad: 0)
        if previous != 0 { setNext(of: previous, entry) }
        previous = entry
        used += size
        count += 1
        return Int32(bitPattern: entry - 1)
    }

    /// Forgets every entry (keeps the memory).
    public func clear() {
        slots.update(repeating: Slot(hash: 0, entry: 0, pad: 0), count: mask + 1)
        used = 0
        count = 0
        previous = 0
    }

    /// Bytes held (arena and index), for self-metrics.
    public var memoryBytes: Int { arenaCapacity + (mask + 1) * MemoryLayout<Slot>.stride }

    private func probe(_ h: UInt64) -> Int {
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i].entry != 0 { i = (i + 1) & mask }
        return i
    }

    private func growArena(to needed: Int) {
        var c = arenaCapacity
        while c < needed { c *= 2 }
        c = min(c, maxBytes)
        let a = UnsafeMutableRawPointer.allocate(byteCount: c, alignment: 8)
        a.copyMemory(from: arena, byteCount: used)
        arena.deallocate()
        arena = a
        arenaCapacity = c
    }

    private func growIndex() {
        let old = slots, oldCount = mask + 1
        let n = oldCount * 2
        slots = .allocate(capacity: n)
        slots.initialize(repeating: Slot(hash: 0, entry: 0, pad: 0), count: n)
        mask = n - 1
        for i in 0..<oldCount where old[i].entry != 0 {
            slots[probe(old[i].hash)] = old[i]
        }
        old.deallocate()
    }
}
