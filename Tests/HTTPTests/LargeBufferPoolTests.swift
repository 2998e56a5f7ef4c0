import Testing
@testable import HTTP

@Suite struct LargeBufferPoolTests {
    static func buffer(_ n: Int) -> UnsafeMutableRawPointer { .allocate(byteCount: n, alignment: 16) }

    @Test func takesTheSmallestThatFitsAndStaysBounded() {
        var pool = LargeBufferPool(maxBytes: 10 << 20, idleNanos: 1_000)
        pool.put(Self.buffer(4 << 20), capacity: 4 << 20, now: 0)
        pool.put(Self.buffer(2 << 20), capacity: 2 << 20, now: 0)
        pool.put(Self.buffer(8 << 20), capacity: 8 << 20, now: 0)      // over the bound: freed
        #expect(pool.bytes == 6 << 20)
        #expect(pool.take(atLeast: 5 << 20) == nil)
        let b = pool.take(atLeast: 1_500_000)
        #expect(b?.capacity == 2 << 20)
        b?.base.deallocate()
        #expect(pool.bytes == 4 << 20)
        pool.freeAll()
        #expect(pool.bytes == 0 && pool.entries.isEmpty)
    }

    @Test func idleBuffersAreFreedBySweep() {
        var pool = LargeBufferPool(maxBytes: 32 << 20, idleNanos: 1_000)
        pool.put(Self.buffer(2 << 20), capacity: 2 << 20, now: 100)
        pool.put(Self.buffer(3 << 20), capacity: 3 << 20, now: 900)
        pool.trim(now: 1_500)
        #expect(pool.entries.map(\.capacity) == [3 << 20])
        pool.trim(now: 1_900)
        #expect(pool.entries.isEmpty && pool.bytes == 0)
    }
}
