import CShims

/// Settings of the C allocator (glibc malloc) the process uses.
public enum MemoryAllocator {
    /// Makes every allocation of `bytes` or more its own `mmap`, unmapped (returned to the
    /// system) when freed.
    ///
    /// glibc starts with such a threshold (128 KiB) but raises it, up to 32 MiB, to the size of
    /// each mapped block that is freed. After the first multi-megabyte request body is freed,
    /// bodies of that size come from the heap arenas instead, and an arena keeps what is freed
    /// inside it: after a load of large requests the process stays at its peak size. Setting the
    /// threshold explicitly turns that adjustment off. Call before starting threads.
    public static func mapAllocations(ofAtLeast bytes: Int) {
        _ = cshim_set_mmap_threshold(Int32(clamping: bytes))
    }
}
