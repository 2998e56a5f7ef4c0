import CShims

/// Starts loading the cache line at `p` (a hint: no effect on results). For hash-table lookups
/// whose slots are known a few iterations ahead, so their cache misses overlap.
@inlinable @inline(__always)
public func prefetch(_ p: UnsafeRawPointer) {
    cshim_prefetch(p)
}
