import OTLP
import Primitives

// The record format of a `BatchSlice` (private to ShardingSink and AggregatorShard).
//
// Records follow each other in one ByteBuffer; every record starts 8-byte aligned with a one-byte
// tag. Scalars are stored unaligned (native endianness: the slice never leaves the process);
// arrays (bucket counts, bounds, quantiles) are 8-byte aligned so the shard can view them in place
// as typed buffers without copying.
//
//   context  (tag 1): u64 prefixHash, u32 blobLength, blob
//                     blob = tenant · resource · scope · metric header (see `ContextBlob`)
//                     Every point record refers to the latest context record before it.
//   resource (tag 2): u64 resourceHash, u32 blobLength, blob = tenant · resource (target_info)
//   number   (tag 3): common, u8 valueKind (0 none, 1 double, 2 int), 8-byte value
//   histogram(tag 4): common, u64 count, f64 sum, u8 hasSum, u32 nCounts, u32 nBounds, [u64], [f64]
//   exp      (tag 5): common, u64 count, f64 sum, u8 hasSum, i32 scale, u64 zeroCount,
//                     f64 zeroThreshold, i32 posOffset, u32 posN, i32 negOffset, u32 negN, [u64], [u64]
//   summary  (tag 6): common, u64 count, f64 sum, u32 n, [(f64, f64)]
//   common = u8 tag, 3 bytes padding, u32 recordLength (from the tag to the record's last byte),
//            u64 hash, u64 start, u64 time, u32 flags, u32 attrLength, attribute encoding
//            (all 8-byte aligned; the length lets the shard skip a point record in O(1)).
//
// Attribute encoding (canonical: sorted by key bytes, duplicate keys → the last one, so attribute
// reorderings produce identical bytes): u32 count, then per attribute u32 keyLength, key,
// u8 valueType (0 empty, 1 string, 2 bool, 3 int, 4 double, 5 bytes, 6 json), payload
// (string/bytes/json: u32 length + bytes; bool: 1 byte; int/double: 8 bytes).
//
// Blobs: strings are u32 length + bytes; the scope is name · version · schemaURL · attributes;
// the resource is schemaURL · attributes; the metric header is name · description · unit ·
// u8 kind · u8 temporality · u8 monotonic.

/// Byte offsets in a point record (number, histogram, exponential, summary), from its 8-byte
/// aligned first byte: the one definition `SliceWriter` writes and the shard and the WAL encoder read.
enum PointRecordLayout {
    static let tag = 0
    /// u32: the record's length, from the tag to its last byte (lets a reader skip it in O(1)).
    static let length = 4
    /// u64: the point hash (`pointHash`), picks the shard and keys its raw identity index.
    static let hash = 8
    static let start = 16
    static let time = 24
    /// u32: `DataPointFlags`.
    static let flags = 32
    /// u32: bytes of the attribute encoding that follows.
    static let attributeLength = 36
    /// The attribute encoding, then the kind's fields.
    static let attributes = 40
}

/// Byte offsets in a context or resource record: tag, hash, blob length, blob.
enum BlobRecordLayout {
    static let tag = 0
    /// u64: the context's prefix hash, or the resource hash.
    static let hash = 1
    /// u32: the blob's length.
    static let blobLength = 9
    static let blob = 13
}

enum RecordTag: UInt8 {
    case context = 1, resource = 2, number = 3, histogram = 4, exponential = 5, summary = 6
}

enum AttrType: UInt8 {
    case empty = 0, string = 1, bool = 2, int = 3, double = 4, bytes = 5, json = 6
}

// MARK: - Writing

extension ByteBuffer {
    @inline(__always) func put<T: BitwiseCopyable>(_ v: T) {
        reserve(MemoryLayout<T>.size)
        (base + writerIndex).storeBytes(of: v, as: T.self)
        writerIndex += MemoryLayout<T>.size
    }

    /// Pads with zeros to the next multiple of 8 (zeros: a slice's bytes depend only on its
    /// records, so a replayed slice is byte for byte the live one).
    @inline(__always) func align8() {
        let pad = (8 - writerIndex & 7) & 7
        if pad > 0 {
            reserve(8)
            (base + writerIndex).storeBytes(of: UInt64(0), as: UInt64.self)
            writerIndex += pad
        }
    }

    @inline(__always) func putBytes(_ v: ByteView) {
        put(UInt32(truncatingIfNeeded: v.count))
        append(v.buffer)
    }
}

/// Sorts attribute indices by key (stable), keeping the last of equal keys. Reuses `scratch`.
@inline(__always)
func canonicalOrder(_ attributes: Attributes, into scratch: inout [Int32]) {
    scratch.removeAll(keepingCapacity: true)
    for i in 0..<attributes.count {
        // Insertion sort: attribute lists are short. Equal keys: the later replaces the earlier.
        let key = attributes[i].key
        var j = scratch.count
        var replaced = false
        while j > 0 {
            let other = attributes[Int(scratch[j - 1])].key
            let c = compareBytes(other, key)
            if c == 0 { scratch[j - 1] = Int32(i); replaced = true; break }
            if c < 0 { break }
            j -= 1
        }
        if !replaced { scratch.insert(Int32(i), at: j) }
    }
}

@inline(__always)
func compareBytes(_ a: ByteView, _ b: ByteView) -> Int {
    let n = min(a.count, b.count)
    if n > 0 {
        let c = memcmp(a.base!, b.base!, n)
        if c != 0 { return Int(c) }
    }
    return a.count - b.count
}

/// Appends the canonical attribute encoding.
func encodeAttributes(_ attributes: Attributes, to out: ByteBuffer, scratch: inout [Int32]) {
    canonicalOrder(attributes, into: &scratch)
    out.put(UInt32(truncatingIfNeeded: scratch.count))
    for i in scratch {
        let a = attributes[Int(i)]
        out.putBytes(a.key)
        switch a.value {
        case .empty: out.put(AttrType.empty.rawValue)
        case .string(let v): out.put(AttrType.string.rawValue); out.putBytes(v)
        case .bool(let v): out.put(AttrType.bool.rawValue); out.put(UInt8(v ? 1 : 0))
        case .int(let v): out.put(AttrType.int.rawValue); out.put(v)
        case .double(let v): out.put(AttrType.double.rawValue); out.put(v)
        case .bytes(let v): out.put(AttrType.bytes.rawValue); out.putBytes(v)
        case .json(let v): out.put(AttrType.json.rawValue); out.putBytes(v)
        }
    }
}

/// Hash of a canonical attribute encoding (cached with it by `RawAttributeCache`).
@inline(__always)
func attributeHash(_ attributes: UnsafeRawBufferPointer) -> UInt64 {
    Hash64.hash(attributes, seed: Hash64.processSeed)
}

/// A resource's hash (a `target_info` record's key; picks its shard).
@inline(__always)
func resourceHash(_ resourcePart: UnsafeRawBufferPointer) -> UInt64 {
    Hash64.hash(resourcePart, seed: Hash64.processSeed)
}

/// A context's prefix hash, chained over its three parts (tenant · resource, scope, metric header).
@inline(__always)
func contextHash(resource: UnsafeRawBufferPointer, scope: UnsafeRawBufferPointer, metric: UnsafeRawBufferPointer) -> UInt64 {
    Hash64.hash(metric, seed: Hash64.hash(scope, seed: resourceHash(resource)))
}

/// A point record's hash: its context's (resource, scope, metric) with its attributes'. Picks
/// the shard and keys the shard's raw identity index.
@inline(__always)
func pointHash(context: UInt64, attributes: UInt64) -> UInt64 {
    Hash64.combine(context, attributes)
}

/// The shard (0..<shards) that owns the series or resource with `hash`: the hash scaled to the
/// shard count (the high word of hash × shards), uniform like `hash % shards` for a well-mixed
/// hash but a multiplication instead of a 64-bit division (~40 cycles) per point. Everything
/// that routes by hash (the sink, replay, checkpoint restore) goes through this.
@inline(__always)
func shardIndex(_ hash: UInt64, shards: Int) -> Int {
    Int(truncatingIfNeeded: hash.multipliedFullWidth(by: UInt64(shards)).high)
}

// MARK: - Reading

/// A cursor over record bytes. Views it returns point into the slice and are valid while the
/// slice is (during `apply`).
struct RecordReader {
    let base: UnsafeRawPointer
    var offset: Int
    let end: Int

    init(_ buffer: UnsafeRawBufferPointer) {
        base = buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!
        offset = 0
        end = buffer.count
    }

    /// A reader over `base[offset..<end]` (`base` 8-byte aligned relative to the slice).
    init(base: UnsafeRawPointer, offset: Int, end: Int) {
        self.base = base
        self.offset = offset
        self.end = end
    }

    var atEnd: Bool { offset >= end }

    @inline(__always) mutating func get<T: BitwiseCopyable>(_: T.Type = T.self) -> T {
        let v = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset &+= MemoryLayout<T>.size
        return v
    }

    @inline(__always) mutating func align8() { offset = (offset &+ 7) & ~7 }

    @inline(__always) mutating func bytes(_ n: Int) -> ByteView {
        let v = ByteView(base: base + offset, count: n)
        offset &+= n
        return v
    }

    @inline(__always) mutating func lengthPrefixed() -> ByteView {
        let n = Int(get(UInt32.self))
        return bytes(n)
    }

    /// An aligned typed array of `n` elements (the writer aligned it).
    @inline(__always) mutating func array<T>(_: T.Type, _ n: Int) -> UnsafeBufferPointer<T> {
        align8()
        let p = (base + offset).assumingMemoryBound(to: T.self)
        offset &+= n &* MemoryLayout<T>.stride
        return UnsafeBufferPointer(start: n == 0 ? nil : p, count: n)
    }

    /// Decodes an attribute encoding into `out` (views into the record bytes).
    mutating func attributes(into out: inout [Attribute]) {
        out.removeAll(keepingCapacity: true)
        let n = Int(get(UInt32.self))
        for _ in 0..<n {
            let key = lengthPrefixed()
            let type = AttrType(rawValue: get(UInt8.self)) ?? .empty
            let value: AttributeValue
            switch type {
            case .empty: value = .empty
            case .string: value = .string(lengthPrefixed())
            case .bool: value = .bool(get(UInt8.self) != 0)
            case .int: value = .int(get(Int64.self))
            case .double: value = .double(get(Double.self))
            case .bytes: value = .bytes(lengthPrefixed())
            case .json: value = .json(lengthPrefixed())
            }
            out.append(Attribute(key: key, value: value))
        }
    }

    /// Skips an attribute encoding, returning its bytes.
    mutating func skipAttributes() -> ByteView {
        let start = offset
        let n = Int(get(UInt32.self))
        for _ in 0..<n {
            _ = lengthPrefixed()
            switch AttrType(rawValue: get(UInt8.self)) ?? .empty {
            case .empty: break
            case .string, .bytes, .json: _ = lengthPrefixed()
            case .bool: offset += 1
            case .int, .double: offset += 8
            }
        }
        return ByteView(base: base + start, count: offset - start)
    }
}

/// A parsed context blob (views into the slice).
struct ContextBlob {
    var tenant: ByteView
    var resourceSchemaURL: ByteView
    var resourceAttributes: ByteView   // attribute encoding
    var scopeName: ByteView
    var scopeVersion: ByteView
    var scopeSchemaURL: ByteView
    var scopeAttributes: ByteView      // attribute encoding
    var name: ByteView
    var description: ByteView
    var unit: ByteView
    var kind: MetricKind
    var temporality: Temporality
    var isMonotonic: Bool

    init(_ blob: ByteView) {
        var r = RecordReader(blob.buffer)
        tenant = r.lengthPrefixed()
        resourceSchemaURL = r.lengthPrefixed()
        resourceAttributes = r.skipAttributes()
        scopeName = r.lengthPrefixed()
        scopeVersion = r.lengthPrefixed()
        scopeSchemaURL = r.lengthPrefixed()
        scopeAttributes = r.skipAttributes()
        name = r.lengthPrefixed()
        description = r.lengthPrefixed()
        unit = r.lengthPrefixed()
        kind = MetricKind(rawValue: r.get(UInt8.self)) ?? .gauge
        temporality = Temporality(rawValue: r.get(UInt8.self)) ?? .unspecified
        isMonotonic = r.get(UInt8.self) != 0
    }
}

/// A parsed resource blob (target_info).
struct ResourceBlob {
    var tenant: ByteView
    var resourceSchemaURL: ByteView
    var resourceAttributes: ByteView

    init(_ blob: ByteView) {
        var r = RecordReader(blob.buffer)
        tenant = r.lengthPrefixed()
        resourceSchemaURL = r.lengthPrefixed()
        resourceAttributes = r.skipAttributes()
    }
}

/// Decodes an attribute encoding (a view from a blob) into `out`.
func decodeAttributes(_ encoding: ByteView, into out: inout [Attribute]) {
    if encoding.count == 0 { out.removeAll(keepingCapacity: true); return }
    var r = RecordReader(encoding.buffer)
    r.attributes(into: &out)
}

#if canImport(Glibc)
import Glibc
#endif
