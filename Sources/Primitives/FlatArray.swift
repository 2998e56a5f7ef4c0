import CShims
#if canImport(Glibc)
import Glibc
#endif

/// A growable array in memory it owns, for per-point hot paths.
///
/// Why not `Array`: an `Array` stored in a class is reached through a reference-counted buffer,
/// and reading it from a method typically costs a retain/release pair, plus a uniqueness check
/// on every in-place mutation. `FlatArray` is a non-copyable struct holding a raw allocation:
/// reading or writing an element is a pointer access. Indexes are checked by `assert` (debug
/// builds) only, because callers index with handles they issued themselves.
///
/// Elements may hold references (e.g. a histogram state owning its buckets): they are moved when
/// the storage grows and deinitialized when removed or when the array is destroyed. One owner;
/// not thread-safe.
///
/// Large arrays (≥ 1 MiB) live in their own anonymous mapping and grow with `mremap`: no copy,
/// no freed old block left behind in the heap, and capacity not yet written costs no resident
/// memory — so a shard's memory is its contents, not its growth slack (measured by
/// `slod-bench series`).
@frozen
public struct FlatArray<Element>: ~Copyable {
    @usableFromInline var _base: UnsafeMutablePointer<Element>
    @usableFromInline var _count: Int = 0
    @usableFromInline var _capacity: Int
    /// Bytes of the mapping when the storage is mmapped; 0 when it came from `allocate`.
    @usableFromInline var _mappedBytes: Int = 0

    @inlinable
    public init(capacity: Int = 16) {
        _capacity = max(capacity, 1)
        _base = UnsafeMutablePointer<Element>.allocate(capacity: _capacity)
    }

    /// `count` copies of `value`.
    @inlinable
    public init(repeating value: Element, count: Int) {
        self.init(capacity: count)
        _base.initialize(repeating: value, count: count)
        _count = count
    }

    @inlinable
    deinit {
        _base.deinitialize(count: _count)
        if _mappedBytes > 0 {
            FlatArrayStorage.unmap(UnsafeMutableRawPointer(_base), _mappedBytes)
        } else {
            _base.deallocate()
        }
    }

    /// Start of the elements; valid until the next append or reserve.
    @inlinable public var base: UnsafeMutablePointer<Element> { _base }
    @inlinable public var count: Int { _count }
    @inlinable public var capacity: Int { _capacity }
    @inlinable public var isEmpty: Bool { _count == 0 }
    /// Bytes allocated for elements (not counting what elements own).
    @inlinable public var memoryBytes: Int { _capacity * MemoryLayout<Element>.stride }

    @inlinable @inline(__always)
    public subscript(i: Int) -> Element {
        get {
            assert(i >= 0 && i < _count, "FlatArray index out of range")
            return _base[i]
        }
        nonmutating _modify {
            assert(i >= 0 && i < _count, "FlatArray index out of range")
            yield &_base[i]
        }
        nonmutating set {
            assert(i >= 0 && i < _count, "FlatArray index out of range")
            _base[i] = newValue
        }
    }

    /// Mutable access to an element in place (valid until the next append or reserve).
    @inlinable @inline(__always)
    public func pointer(at i: Int) -> UnsafeMutablePointer<Element> {
        assert(i >= 0 && i < _count, "FlatArray index out of range")
        return _base + i
    }

    @inlinable @inline(__always)
    public mutating func append(_ value: consuming Element) {
        if _count == _capacity { grow(to: _count + 1) }
        (_base + _count).initialize(to: value)
        _count += 1
    }

    @inlinable
    public mutating func removeLast() {
        precondition(_count > 0, "FlatArray.removeLast on empty array")
        _count -= 1
        (_base + _count).deinitialize(count: 1)
    }

    @inlinable
    public mutating func removeAll() {
        _base.deinitialize(count: _count)
        _count = 0
    }

    /// Makes room for at least `n` elements.
    @inlinable
    public mutating func reserveCapacity(_ n: Int) {
        if n > _capacity { grow(to: n) }
    }

    @usableFromInline
    mutating func grow(to minimum: Int) {
        let stride = MemoryLayout<Element>.stride
        var n = _capacity
        while n < minimum { n = n < 1024 ? n * 2 : n + n / 2 }
        let bytes = n * stride
        if bytes >= FlatArrayStorage.mapThreshold, MemoryLayout<Element>.alignment <= FlatArrayStorage.pageSize {
            let mapped = (bytes + FlatArrayStorage.pageSize - 1) / FlatArrayStorage.pageSize * FlatArrayStorage.pageSize
            let raw: UnsafeMutableRawPointer
            if _mappedBytes > 0 {
                raw = FlatArrayStorage.remap(UnsafeMutableRawPointer(_base), _mappedBytes, mapped)
            } else {
                raw = FlatArrayStorage.map(mapped)
                let new = raw.bindMemory(to: Element.self, capacity: mapped / stride)
                new.moveInitialize(from: _base, count: _count)
                _base.deallocate()
            }
            _base = raw.bindMemory(to: Element.self, capacity: mapped / stride)
            _mappedBytes = mapped
            _capacity = mapped / stride
            return
        }
        let new = UnsafeMutablePointer<Element>.allocate(capacity: n)
        new.moveInitialize(from: _base, count: _count)
        _base.deallocate()
        _base = new
        _capacity = n
    }
}

extension FlatArray where Element: BitwiseCopyable {
    /// Replaces the contents with `n` elements that `fill` writes through the storage's base
    /// (all `n` of them): a decoding loop keeps its write position in a register instead of
    /// storing and reloading the count after every element.
    @inlinable @inline(__always)
    public mutating func replaceAll(count n: Int, fill: (UnsafeMutablePointer<Element>) -> Void) {
        _count = 0
        if n > _capacity { grow(to: n) }
        fill(_base)
        _count = n
    }
}

extension FlatArray where Element == UInt8 {
    /// Appends raw bytes (an arena of keys).
    @inlinable @inline(__always)
    public mutating func append(bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        if _count + bytes.count > _capacity { grow(to: _count + bytes.count) }
        UnsafeMutableRawPointer(_base + _count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        _count += bytes.count
    }

    /// A view of `length` bytes at `offset`, valid until the next append.
    @inlinable @inline(__always)
    public func bytes(at offset: Int, length: Int) -> UnsafeRawBufferPointer {
        assert(offset >= 0 && offset + length <= _count, "FlatArray byte range out of bounds")
        return UnsafeRawBufferPointer(start: _base + offset, count: length)
    }
}

/// The mmap side of `FlatArray` (not generic, so not inlined into every specialization).
@usableFromInline
enum FlatArrayStorage {
    @usableFromInline static let mapThreshold = 1 << 20
    @usableFromInline static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    @usableFromInline
    static func map(_ bytes: Int) -> UnsafeMutableRawPointer {
        guard let p = cshim_map_anonymous(bytes) else { fatalError("FlatArray: mmap of \(bytes) bytes failed (out of memory)") }
        return p
    }

    @usableFromInline
    static func remap(_ p: UnsafeMutableRawPointer, _ old: Int, _ new: Int) -> UnsafeMutableRawPointer {
        guard let q = cshim_remap(p, old, new) else { fatalError("FlatArray: mremap to \(new) bytes failed (out of memory)") }
        return q
    }

    @usableFromInline
    static func unmap(_ p: UnsafeMutableRawPointer, _ bytes: Int) {
        cshim_unmap(p, bytes)
    }
}
