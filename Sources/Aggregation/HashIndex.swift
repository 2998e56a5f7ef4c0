import Primitives

/// An open-addressing index from a 64-bit hash to an `Int32` handle, owned by one shard.
///
/// The index stores no keys: the owner keeps them (in an arena, in its series records, …) and
/// passes a `matches` predicate that compares the full key for a candidate handle. So a key is
/// stored once however many indexes point at it, and the hash alone is never trusted: `find`
/// calls `matches` only for slots whose stored hash equals the probe hash.
///
/// Linear probing over a power-of-two slot array at most 7/8 full; a slot is 16 bytes (hash and
/// handle on one cache line, so a probe usually costs one miss). Removal shifts later entries of
/// the cluster back (no tombstones), so an index that churns series (staleness) never degrades.
/// Not thread-safe: one owner.
struct HashIndex: ~Copyable {
    struct Slot {
        var hash: UInt64
        /// The handle, or -1 for an empty slot.
        var value: Int32
    }

    private var slots: FlatArray<Slot>
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 16) {
        var n = 16
        while n < capacity * 8 / 7 + 1 { n <<= 1 }
        slots = FlatArray(repeating: Slot(hash: 0, value: -1), count: n)
        mask = n - 1
    }

    /// Bytes held by the slot array.
    var memoryBytes: Int { slots.memoryBytes }

    /// The handle whose key `matches` accepts among those stored under `hash`, if any.
    /// Allocates nothing; `matches` runs only on full-hash equality.
    @inline(__always)
    func find(hash: UInt64, where matches: (Int32) -> Bool) -> Int32? {
        let s = slots.base
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = s[i]
            if slot.value < 0 { return nil }
            if slot.hash == hash && matches(slot.value) { return slot.value }
            i = (i + 1) & mask
        }
    }

    /// Starts loading the slot where a lookup of `hash` begins (see `Primitives.prefetch`).
    @inline(__always)
    func prefetch(hash: UInt64) {
        Primitives.prefetch(slots.base + (Int(truncatingIfNeeded: hash) & mask))
    }

    /// Adds `value` under `hash`. The caller has checked that no equal key is present.
    mutating func insert(hash: UInt64, value: Int32) {
        precondition(value >= 0, "HashIndex: negative handle")
        if (count + 1) * 8 > slots.count * 7 { grow() }
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i].value >= 0 { i = (i + 1) & mask }
        slots[i] = Slot(hash: hash, value: value)
        count += 1
    }

    /// Removes the slot holding exactly (`hash`, `value`); false if there is none.
    /// Backward-shift deletion keeps every probe chain intact.
    @discardableResult
    mutating func remove(hash: UInt64, value: Int32) -> Bool {
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[i]
            if slot.value < 0 { return false }
            if slot.hash == hash && slot.value == value { break }
            i = (i + 1) & mask
        }
        var hole = i
        var j = (i + 1) & mask
        while slots[j].value >= 0 {
            let home = Int(truncatingIfNeeded: slots[j].hash) & mask
            // Move j into the hole unless its home lies cyclically in (hole, j].
            if (j - home) & mask >= (j - hole) & mask {
                slots[hole] = slots[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        slots[hole] = Slot(hash: 0, value: -1)
        count -= 1
        return true
    }

    /// Replaces the handle stored for (`hash`, `old`) by `new` (the owner moved the key).
    mutating func replace(hash: UInt64, old: Int32, new: Int32) {
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            precondition(slots[i].value >= 0, "HashIndex.replace: handle not present")
            if slots[i].hash == hash && slots[i].value == old { slots[i].value = new; return }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let n = slots.count * 2
        let new = FlatArray(repeating: Slot(hash: 0, value: -1), count: n)
        mask = n - 1
        for k in 0..<slots.count where slots[k].value >= 0 {
            let slot = slots[k]
            var i = Int(truncatingIfNeeded: slot.hash) & mask
            while new[i].value >= 0 { i = (i + 1) & mask }
            new[i] = slot
        }
        slots = new
    }
}
