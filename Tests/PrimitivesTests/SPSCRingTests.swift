import Glibc
import Synchronization
import Testing
@testable import Primitives

// MARK: - Sequential behaviour

@Suite("SPSCRing")
struct SPSCRingTests {
    @Test(arguments: [(1, 1), (2, 2), (3, 4), (4, 4), (5, 8), (1000, 1024), (1024, 1024)])
    func capacityIsRoundedUpToAPowerOfTwo(requested: Int, expected: Int) {
        let ring = SPSCRing<Int>(capacity: requested)
        #expect(ring.capacity == expected)
        #expect(ring.count == 0)
        #expect(ring.isEmpty)
    }

    /// Every start offset of the free-running indices, for small capacities: fill to full, refuse
    /// one more, pop in FIFO order, end empty.
    @Test(arguments: [1, 2, 4, 8])
    func fillAndEmptyFromEveryStartOffset(capacity: Int) {
        for offset in 0..<(2 * capacity) {
            let ring = SPSCRing<Int>(capacity: capacity)
            for k in 0..<offset {
                #expect(ring.tryPush(-k))
                #expect(ring.tryPop() == -k)
            }
            #expect(ring.isEmpty)
            for i in 0..<capacity {
                #expect(ring.count == i)
                #expect(ring.tryPush(i), "offset \(offset): push \(i) refused")
            }
            #expect(ring.count == capacity)
            #expect(!ring.isEmpty)
            #expect(!ring.tryPush(99), "offset \(offset): push into a full ring accepted")
            #expect(ring.tryPushOrReturn(77) == 77)
            #expect(ring.count == capacity)
            for i in 0..<capacity {
                #expect(ring.tryPop() == i, "offset \(offset): FIFO order broken at \(i)")
                #expect(ring.count == capacity - i - 1)
            }
            #expect(ring.tryPop() == nil)
            #expect(ring.isEmpty)
            // The freed room is usable again.
            #expect(ring.tryPush(5))
            #expect(ring.tryPop() == 5)
        }
    }

    /// `drain(max:)` from every start offset and for every `max`, including 0 and more than queued.
    @Test(arguments: [1, 2, 4, 8])
    func drainFromEveryStartOffsetAndMax(capacity: Int) {
        for offset in 0..<(2 * capacity) {
            for fill in 0...capacity {
                for maxCount in 0...(capacity + 1) {
                    let ring = SPSCRing<Int>(capacity: capacity)
                    for k in 0..<offset {
                        _ = ring.tryPush(k)
                        _ = ring.tryPop()
                    }
                    for i in 0..<fill { _ = ring.tryPush(i) }
                    var seen: [Int] = []
                    let n = ring.drain(max: maxCount) { seen.append($0) }
                    let expected = Swift.min(fill, maxCount)
                    #expect(n == expected)
                    #expect(seen == Array(0..<expected))
                    #expect(ring.count == fill - expected)
                    // The rest comes out in order, and the drained slots are reusable.
                    for i in expected..<fill { #expect(ring.tryPop() == i) }
                    #expect(ring.tryPop() == nil)
                    for i in 0..<capacity { #expect(ring.tryPush(i)) }
                    #expect(!ring.tryPush(-1))
                }
            }
        }
    }

    /// `drain(upTo:continuing:)` stops right after the element its body refuses; the rest stays
    /// queued in order, and a later drain resumes behind it.
    @Test(arguments: [1, 2, 4, 8])
    func drainStopsAfterTheRefusedElement(capacity: Int) {
        for fill in 0...capacity {
            for stopAt in 0...capacity {
                let ring = SPSCRing<Int>(capacity: capacity)
                for i in 0..<fill { _ = ring.tryPush(i) }
                var seen: [Int] = []
                let n = ring.drain(upTo: capacity + 1, continuing: { v in
                    seen.append(v)
                    return v != stopAt
                })
                let expected = stopAt < fill ? stopAt + 1 : fill
                #expect(n == expected)
                #expect(seen == Array(0..<expected))
                #expect(ring.count == fill - expected)
                var rest: [Int] = []
                ring.drain(max: capacity) { rest.append($0) }
                #expect(rest == Array(expected..<fill))
            }
        }
    }

    /// A long pseudo-random interleaving of pushes, pops and drains against an array model; the
    /// indices wrap the storage many thousands of times.
    @Test(arguments: [1, 2, 4, 8, 16])
    func randomInterleavingMatchesModel(capacity: Int) {
        let ring = SPSCRing<Int>(capacity: capacity)
        var model: [Int] = []
        var modelHead = 0
        var next = 0
        var rng = SplitMix64(seed: UInt64(capacity))
        var mismatches = 0
        for _ in 0..<50_000 {
            switch rng.next() % 5 {
            case 0, 1:
                let accepted = ring.tryPush(next)
                if accepted != (model.count - modelHead < capacity) { mismatches += 1 }
                if accepted { model.append(next) }
                next += 1
            case 2, 3:
                let got = ring.tryPop()
                let want: Int? = modelHead < model.count ? model[modelHead] : nil
                if want != nil { modelHead += 1 }
                if got != want { mismatches += 1 }
            default:
                let maxCount = Int(rng.next() % UInt64(capacity + 2))
                var got: [Int] = []
                let n = ring.drain(max: maxCount) { got.append($0) }
                let take = Swift.min(maxCount, model.count - modelHead)
                if n != take || got != Array(model[modelHead..<(modelHead + take)]) { mismatches += 1 }
                modelHead += take
            }
            if ring.count != model.count - modelHead { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(next > 10_000)  // sanity: the pushes ran
    }

    @Test func drainWithNonPositiveMaxTakesNothing() {
        let ring = SPSCRing<Int>(capacity: 4)
        _ = ring.tryPush(1)
        #expect(ring.drain(max: 0) { _ in Issue.record("body called") } == 0)
        #expect(ring.drain(max: -3) { _ in Issue.record("body called") } == 0)
        #expect(ring.tryPop() == 1)
        #expect(ring.drain(max: 4) { _ in Issue.record("body called") } == 0)
    }
}

// MARK: - Element lifetime

@Suite("SPSCRing element lifetime")
struct SPSCRingLifetimeTests {
    /// Every pushed element is released exactly once, whether popped, drained, or still queued
    /// when the ring is destroyed; refused elements are handed back, not destroyed.
    @Test(arguments: [1, 2, 8])
    func everyPushedElementIsReleasedExactlyOnce(capacity: Int) {
        let counter = DeinitCounter()
        var created = 0
        var taken = 0
        do {
            let ring = SPSCRing<Tracked>(capacity: capacity)
            for round in 0..<(3 * capacity + 1) {
                // Push until full; the refused element comes back intact and is the only one
                // the test itself drops.
                while true {
                    let t = Tracked(created, counter)
                    created += 1
                    if let back = ring.tryPushOrReturn(t) {
                        #expect(back === t)
                        break
                    }
                }
                switch round % 3 {
                case 0: if ring.tryPop() != nil { taken += 1 }
                case 1: taken += ring.drain(max: 2) { _ in }
                default: break  // leave it full; the next round's first push is refused
                }
                // Released so far: everything taken out, plus one refused element per round.
                #expect(counter.value == taken + round + 1)
            }
            #expect(created - counter.value == ring.count)
        }
        // The ring is gone: whatever it still held has been destroyed.
        #expect(counter.value == created)
    }

    @Test func tryPushRefusalDoesNotReleaseTheCallersReference() {
        let counter = DeinitCounter()
        let ring = SPSCRing<Tracked>(capacity: 1)
        let a = Tracked(1, counter)
        let b = Tracked(2, counter)
        #expect(ring.tryPush(a))
        #expect(!ring.tryPush(b))
        #expect(counter.value == 0)
        #expect(ring.tryPop() === a)
        withExtendedLifetime((a, b)) {}
    }

    @Test func destroyingARingReleasesQueuedElementsAcrossTheWrap() {
        let counter = DeinitCounter()
        do {
            let ring = SPSCRing<Tracked>(capacity: 4)
            for i in 0..<3 { _ = ring.tryPush(Tracked(i, counter)) }
            _ = ring.tryPop()
            _ = ring.tryPop()
            #expect(counter.value == 2)
            for i in 0..<3 { _ = ring.tryPush(Tracked(10 + i, counter)) }  // slots 3, 0, 1
            #expect(ring.count == 4)
            #expect(counter.value == 2)
        }
        #expect(counter.value == 6)
    }

    @Test func nonTrivialElementsSurviveTheRoundTrip() {
        let ring = SPSCRing<(String, [Int])>(capacity: 2)
        for i in 0..<100 {
            let s = String(repeating: "slo-\(i)-", count: 10)  // heap-allocated, not a small string
            #expect(ring.tryPush((s, Array(0..<i))))
            let e = ring.tryPop()
            #expect(e?.0 == s)
            #expect(e?.1 == Array(0..<i))
        }
        _ = ring.tryPush(("left", [1, 2, 3]))  // released by deinit; ASan/leak runs would see it
    }

    @Test func nonCopyableElementsAreMovedThrough() {
        let counter = DeinitCounter()
        do {
            let ring = SPSCRing<UniqueToken>(capacity: 2)
            let accepted1 = ring.tryPushOrReturn(UniqueToken(1, counter)) == nil
            let accepted2 = ring.tryPushOrReturn(UniqueToken(2, counter)) == nil
            #expect(accepted1 && accepted2)
            let back = ring.tryPushOrReturn(UniqueToken(3, counter))
            if let token = back {
                #expect(token.id == 3)  // handed back, still alive
                #expect(counter.value == 0)
            } else {
                Issue.record("push into a full ring accepted")
            }
            #expect(counter.value == 1)
            if let token = ring.tryPop() {
                #expect(token.id == 1)
            } else {
                Issue.record("pop from a non-empty ring failed")
            }
            #expect(counter.value == 2)
        }
        #expect(counter.value == 3)  // token 2 destroyed with the ring
    }
}

// MARK: - Layout and allocation

@Suite("SPSCRing layout")
struct SPSCRingLayoutTests {
    /// The producer's and consumer's hot fields are at least 128 bytes apart and away from the
    /// object header (which holds the reference count, written by retain/release from any thread).
    /// Pushing and popping never allocates: see the benchmark notes (a malloc counter needs a C
    /// target).
    @Test func producerAndConsumerFieldsDoNotShareACacheLine() {
        let ring = SPSCRing<Int>(capacity: 8)
        let base = Int(bitPattern: Unmanaged.passUnretained(ring).toOpaque())
        let producer = withUnsafeMutablePointer(to: &ring._producerCachedHead) { Int(bitPattern: $0) }
        let consumer = withUnsafeMutablePointer(to: &ring._consumerCachedTail) { Int(bitPattern: $0) }
        // Both addresses are inside the object (not a temporary copy), in declaration order.
        #expect(producer > base && producer < base + 1024)
        #expect(consumer > base && consumer < base + 1024)
        #expect(producer - base >= 128)
        #expect(consumer - producer >= 128)
        #expect(MemoryLayout<_CacheLinePad>.size == 128)
    }
}

// MARK: - Helpers

final class DeinitCounter: Sendable {
    let storage = Atomic<Int>(0)
    var value: Int { storage.load(ordering: .acquiring) }
    func bump() { storage.wrappingAdd(1, ordering: .releasing) }
}

final class Tracked: Sendable {
    let id: Int
    let counter: DeinitCounter
    init(_ id: Int, _ counter: DeinitCounter) {
        self.id = id
        self.counter = counter
    }
    deinit { counter.bump() }
}

struct UniqueToken: ~Copyable, Sendable {
    let id: Int
    let counter: DeinitCounter
    init(_ id: Int, _ counter: DeinitCounter) {
        self.id = id
        self.counter = counter
    }
    deinit { counter.bump() }
}
