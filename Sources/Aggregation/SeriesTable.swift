/// An open-addressing hash table from a series key (bytes) to a value, owned by one shard.
///
/// Lookups compare the 64-bit hash first and then the full key bytes: the hash alone is never
/// trusted. Linear probing over a power-of-two slot array at most 7/8 full; removal shifts later
/// entries back (no tombstones), so a table that churns series (staleness) never degrades.
///
/// Keys are copied into storage the table owns when inserted (once per series); `find` takes a
/// borrowed key and allocates nothing. Not thread-safe: one owner.
struct SeriesTable<Value> {
    struct Entry {
        var hash: UInt64
        var key: [UInt8]
        var value: Value
    }

    /// Slot `i` holds `entries[slots[i] - 1]`, or 0 when empty. Entries are dense; removal moves
    /// the last entry into the hole.
    private(set) var slots: [Int32]
    private(set) var entries: [Entry] = []
    private var mask: Int

    init(capacity: Int = 16) {
        var n = 16
        while n < capacity * 8 / 7 + 1 { n <<= 1 }
        slots = [Int32](repeating: 0, count: n)
        mask = n - 1
    }

    var count: Int { entries.count }

    /// The slot index where `hash`/`key` lives, or the empty slot where it would go.
    @inline(__always)
    private func probe(_ hash: UInt64, _ key: UnsafeRawBufferPointer) -> (slot: Int, found: Bool) {
        var i = Int(truncatingIfNeeded: hash) & mask
        // Pointer access: reading `entries[e]` by value would copy the entry (retaining its key
        // array and value) on every probe step.
        return slots.withUnsafeBufferPointer { s in
            entries.withUnsafeBufferPointer { es in
                while true {
                    let e = Int(s[i])
                    if e == 0 { return (i, false) }
                    let entry = es.baseAddress! + (e - 1)
                    if entry.pointee.hash == hash {
                        let same = entry.pointee.key.withUnsafeBytes { stored in
                            stored.count == key.count && (key.count == 0 || memcmp(stored.baseAddress!, key.baseAddress!, key.count) == 0)
                        }
                        if same { return (i, true) }
                    }
                    i = (i + 1) & mask
                }
            }
        }
    }

    /// The value stored for `key`, if any. No allocation.
    func find(hash: UInt64, key: UnsafeRawBufferPointer) -> Value? {
        let (slot, found) = probe(hash, key)
        return found ? entries[Int(slots[slot]) - 1].value : nil
    }

    /// Index of the entry for `key` in `entries` (stable until the next removal), if present.
    func index(hash: UInt64, key: UnsafeRawBufferPointer) -> Int? {
        let (slot, found) = probe(hash, key)
        return found ? Int(slots[slot]) - 1 : nil
    }

    /// Mutable access to the value at an entry index returned by `index` or `insert`.
    subscript(entry i: Int) -> Value {
        get { entries[i].value }
        _modify { yield &entries[i].value }
    }

    /// Inserts `key` (copied) with `value`; precondition: not present. Returns the entry index.
    @discardableResult
    mutating func insert(hash: UInt64, key: UnsafeRawBufferPointer, value: Value) -> Int {
        if (entries.count + 1) * 8 > slots.count * 7 { grow() }
        let (slot, found) = probe(hash, key)
        precondition(!found, "SeriesTable.insert: key already present")
        entries.append(Entry(hash: hash, key: Array(key), value: value))
        slots[slot] = Int32(entries.count)
        return entries.count - 1
    }

    /// Removes `key`; returns its value. Backward-shift deletion keeps probe chains intact.
    @discardableResult
    mutating func remove(hash: UInt64, key: UnsafeRawBufferPointer) -> Value? {
        let (slot, found) = probe(hash, key)
        guard found else { return nil }
        let index = Int(slots[slot]) - 1
        let value = entries[index].value
        // Shift following entries of the cluster back into the hole.
        var hole = slot
        var j = (slot + 1) & mask
        while slots[j] != 0 {
            let home = Int(truncatingIfNeeded: entries[Int(slots[j]) - 1].hash) & mask
            // Move j into the hole unless its home lies cyclically in (hole, j].
            let distanceToJ = (j - home) & mask
            let distanceHoleToJ = (j - hole) & mask
            if distanceToJ >= distanceHoleToJ {
                slots[hole] = slots[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        slots[hole] = 0
        // Keep entries dense: move the last entry into `index` and repoint its slot.
        let last = entries.count - 1
        if index != last {
            let moved = entries[last]
            let (movedSlot, ok) = moved.key.withUnsafeBytes { probe(moved.hash, $0) }
            precondition(ok)
            entries[index] = moved
            slots[movedSlot] = Int32(index + 1)
        }
        entries.removeLast()
        return value
    }

    private mutating func grow() {
        let n = slots.count * 2
        slots = [Int32](repeating: 0, count: n)
        mask = n - 1
        for (i, e) in entries.enumerated() {
            var s = Int(truncatingIfNeeded: e.hash) & mask
            while slots[s] != 0 { s = (s + 1) & mask }
            slots[s] = Int32(i + 1)
        }
    }

    /// Every entry, in insertion order modulo removals.
    var allEntries: [Entry] { entries }
}

#if canImport(Glibc)
import Glibc
#endif
