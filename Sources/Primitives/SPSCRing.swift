import Synchronization

/// A bounded single-producer/single-consumer FIFO ring.
///
/// One thread (the producer) calls `tryPush`/`tryPushOrReturn`; one thread (the consumer) calls
/// `tryPop`/`drain`. The two may be different threads and may change over time only through a
/// happens-before edge (a thread join, a lock, a release/acquire handoff). `count`, `isEmpty`
/// and `capacity` may be read from any thread. No operation locks, allocates or makes a syscall;
/// a full ring refuses (the caller decides: `503`, retry, or count a drop), an empty ring returns
/// `nil`. Waking a sleeping consumer is the caller's business (e.g. an eventfd).
///
/// Elements are moved in and out: `tryPush` initializes a slot, `tryPop`/`drain` move it out, and
/// `deinit` destroys whatever is still queued. Every pushed element is therefore released exactly
/// once. Non-copyable elements are supported.
///
/// Implementation: one `UnsafeMutablePointer<Element>` of `capacity` slots (a power of two),
/// allocated once, and two free-running `Int` indices, `tail` (written only by the producer) and
/// `head` (written only by the consumer); `tail - head` is the number of queued elements and
/// `index & mask` the slot. Each side keeps its own index, a private copy of the other side's
/// index, and its own copy of the storage pointer and mask on a separate 128-byte region, so a push
/// that does not look full (or a pop that does not look empty) reads and writes only its own
/// cache line plus the slot; the other side's index is reloaded (acquire) only then.
///
/// The ring is `Sendable` when `Element` is: elements cross threads, so they must be safe to.
/// Why `@unchecked Sendable` is sound: the non-atomic state is partitioned by role.
/// `_producerCachedHead` is touched only by the producer and `_consumerCachedTail` only by the
/// consumer; the pointers and masks are immutable after `init`. A slot is handed between
/// threads only through the indices: the producer initializes slot `t` *before* its release
/// store of `tail = t + 1`, and the consumer reads `tail` with acquire before moving the slot
/// out; symmetrically, the consumer finishes moving slot `h` out *before* its release store of
/// `head = h + 1`, and the producer reads `head` with acquire before reusing that slot. So no slot
/// is ever accessed by both threads without a happens-before edge. Calling a producer method from
/// two threads at once (or a consumer method) is a data race and is not checked.
public final class SPSCRing<Element: ~Copyable> {
    // Layout: the object header (with the reference count, written by retain/release from any
    // thread) and then three separately padded regions. Stored properties of a non-resilient
    // final class are laid out in declaration order; `SPSCRingTests` checks the distances.

    @usableFromInline let _pad0 = _CacheLinePad()

    // ---- Producer line: written only by the producer (`_tail`), read by the consumer.
    @usableFromInline let _producerStorage: UnsafeMutablePointer<Element>
    @usableFromInline let _producerMask: Int
    /// Next slot to fill. Producer: relaxed load, release store. Others: acquire load.
    @usableFromInline let _tail: Atomic<Int>
    /// The producer's last observed `head`; never ahead of the real `head`.
    @usableFromInline var _producerCachedHead: Int

    @usableFromInline let _pad1 = _CacheLinePad()

    // ---- Consumer line: written only by the consumer (`_head`), read by the producer.
    @usableFromInline let _consumerStorage: UnsafeMutablePointer<Element>
    @usableFromInline let _consumerMask: Int
    /// Next slot to take. Consumer: relaxed load, release store. Others: acquire load.
    @usableFromInline let _head: Atomic<Int>
    /// The consumer's last observed `tail`; never ahead of the real `tail`.
    @usableFromInline var _consumerCachedTail: Int

    @usableFromInline let _pad2 = _CacheLinePad()

    /// Creates an empty ring with room for at least `capacity` elements (rounded up to a power of
    /// two; `capacity` must be ≥ 1). Allocates `capacity * MemoryLayout<Element>.stride` bytes once.
    public init(capacity requested: Int) {
        precondition(requested >= 1, "SPSCRing capacity must be at least 1")
        precondition(requested <= 1 << (Int.bitWidth - 2), "SPSCRing capacity too large")
        let capacity = requested <= 1 ? 1 : 1 << (Int.bitWidth - (requested - 1).leadingZeroBitCount)
        let storage = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
        _producerStorage = storage
        _producerMask = capacity - 1
        _tail = Atomic(0)
        _producerCachedHead = 0
        _consumerStorage = storage
        _consumerMask = capacity - 1
        _head = Atomic(0)
        _consumerCachedTail = 0
    }

    deinit {
        // The last release of the ring happens-after every use by either thread (Swift's
        // reference counting orders it), so plain reads would do; acquire costs nothing here.
        var h = _head.load(ordering: .acquiring)
        let t = _tail.load(ordering: .acquiring)
        while h != t {
            (_consumerStorage + (h & _consumerMask)).deinitialize(count: 1)
            h &+= 1
        }
        _consumerStorage.deallocate()
    }

    /// The number of slots (a power of two, ≥ the requested capacity). Any thread.
    @inlinable
    public var capacity: Int { _producerMask &+ 1 }

    /// The number of queued elements, clamped to `0...capacity`. Any thread. Exact when called by
    /// the producer or the consumer while the other side is idle; otherwise a recent value.
    @inlinable
    public var count: Int {
        // Acquire on `head` first: the consumer published `head = h` only after it had seen
        // `tail >= h`, so the `tail` we load next is at least `h` and the difference is ≥ 0.
        // It can exceed the capacity if both sides moved in between; clamp.
        let h = _head.load(ordering: .acquiring)
        let t = _tail.load(ordering: .acquiring)
        return min(max(t &- h, 0), capacity)
    }

    /// `count == 0`. Any thread; exact for the consumer (a `false` stays `false` until it pops).
    @inlinable
    public var isEmpty: Bool { count == 0 }

    // MARK: Producer

    /// Producer only. Enqueues `element` and returns `nil`, or returns `element` unchanged when the
    /// ring is full. Use this when the caller passes `consume x` and needs the value back on
    /// refusal (e.g. a non-copyable batch, or to avoid a retain/release pair).
    ///
    /// Cost: one relaxed load and one release store of `tail`, plus an acquire load of `head` only
    /// when the ring looked full from the cached `head`.
    @inlinable
    public func tryPushOrReturn(_ element: consuming Element) -> Element? {
        // Relaxed: only this thread writes `tail`.
        let t = _tail.load(ordering: .relaxed)
        if t &- _producerCachedHead == _producerMask &+ 1 {
            // Looks full. Acquire pairs with the consumer's release store of `head`: the
            // consumer's move out of every slot below the loaded `head` happens-before we
            // overwrite any of them.
            _producerCachedHead = _head.load(ordering: .acquiring)
            if t &- _producerCachedHead == _producerMask &+ 1 {
                return element
            }
        }
        (_producerStorage + (t & _producerMask)).initialize(to: element)
        // Release: the slot's initialization happens-before the consumer's acquire load that
        // sees `tail > t`.
        _tail.store(t &+ 1, ordering: .releasing)
        return nil
    }

    // MARK: Consumer

    /// Consumer only. Dequeues the oldest element, or returns `nil` when the ring is empty.
    ///
    /// Cost: one relaxed load and one release store of `head`, plus an acquire load of `tail` only
    /// when the ring looked empty from the cached `tail`.
    @inlinable
    public func tryPop() -> Element? {
        // Relaxed: only this thread writes `head`.
        let h = _head.load(ordering: .relaxed)
        if h == _consumerCachedTail {
            // Looks empty. Acquire pairs with the producer's release store of `tail`: the
            // initialization of every slot below the loaded `tail` is visible to us.
            _consumerCachedTail = _tail.load(ordering: .acquiring)
            if h == _consumerCachedTail { return nil }
        }
        let element = (_consumerStorage + (h & _consumerMask)).move()
        // Release: our move out of slot `h` happens-before the producer's acquire load that sees
        // `head > h`, so it cannot overwrite the slot while we still read it.
        _head.store(h &+ 1, ordering: .releasing)
        return element
    }

    /// Consumer only. Moves up to `max` of the oldest elements into `body`, in FIFO order, and
    /// returns how many. Loads `tail` (acquire) at most once and stores `head` (release) once at
    /// the end, so the slots are handed back to the producer together after the last `body` call:
    /// keep `max` small when `body` is slow and the producer may be waiting for room.
    ///
    /// `body` must not call `tryPop` or `drain` on this ring. `max` ≤ 0 returns 0.
    @inlinable
    @discardableResult
    public func drain(max: Int, _ body: (consuming Element) -> Void) -> Int {
        drain(upTo: max, continuing: { element in
            body(element)
            return true
        })
    }

    /// Consumer only. As `drain(max:_:)`, but stops right after the first element for which
    /// `body` returns false (that element is taken; the ones behind it stay queued): a consumer
    /// that meets a marker in the stream can stop there without taking what follows it.
    @inlinable
    @discardableResult
    public func drain(upTo max: Int, continuing body: (consuming Element) -> Bool) -> Int {
        guard max > 0 else { return 0 }
        let h = _head.load(ordering: .relaxed)  // relaxed: only this thread writes `head`
        var available = _consumerCachedTail &- h
        if available < max {
            // Acquire pairs with the producer's release store of `tail` (see `tryPop`).
            _consumerCachedTail = _tail.load(ordering: .acquiring)
            available = _consumerCachedTail &- h
        }
        let n = min(available, max)
        guard n > 0 else { return 0 }
        var i = h
        let end = h &+ n
        while i != end {
            let more = body((_consumerStorage + (i & _consumerMask)).move())
            i &+= 1
            if !more { break }
        }
        // Release: every move above happens-before the producer reuses those slots.
        _head.store(i, ordering: .releasing)
        return i &- h
    }
}

extension SPSCRing: @unchecked Sendable where Element: Sendable & ~Copyable {}

extension SPSCRing {
    /// Producer only. Enqueues `element` and returns `true`, or returns `false` when the ring is
    /// full. On `false` the ring keeps nothing: the caller still has its own copy unless it wrote
    /// `consume`; then use `tryPushOrReturn(_:)` to get the element back.
    @inlinable
    public func tryPush(_ element: consuming Element) -> Bool {
        tryPushOrReturn(element) == nil
    }
}

/// 128 bytes of padding: two 64-byte cache lines, so that the adjacent-line prefetcher on x86
/// (and 128-byte lines elsewhere) does not couple the fields on either side.
@usableFromInline @frozen
struct _CacheLinePad {
    @usableFromInline let bytes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                                  UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    @inlinable init() { bytes = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) }
}
