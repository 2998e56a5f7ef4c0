import CZlib
import Primitives

/// `Content-Encoding` values the receiver understands.
public enum ContentCoding: Sendable, Equatable {
    case identity
    case gzip
    /// HTTP `deflate`: zlib-wrapped (RFC 1950); raw deflate (RFC 1951) is accepted too, as
    /// browsers and some clients send it.
    case deflate

    /// Parses a `Content-Encoding` header value (trimmed, case-insensitive). Nil for anything
    /// else (→ 415). A missing header is `.identity`.
    public static func parse(_ value: UnsafeRawBufferPointer?) -> ContentCoding? {
        guard let value else { return .identity }
        var start = 0, end = value.count
        while start < end && (value[start] == 0x20 || value[start] == 0x09) { start += 1 }
        while end > start && (value[end - 1] == 0x20 || value[end - 1] == 0x09) { end -= 1 }
        let v = UnsafeRawBufferPointer(rebasing: value[start..<end])
        func equals(_ s: StaticString) -> Bool {
            guard v.count == s.utf8CodeUnitCount else { return false }
            for i in 0..<v.count where asciiLower(v[i]) != asciiLower(s.utf8Start[i]) { return false }
            return true
        }
        if v.count == 0 || equals("identity") { return .identity }
        if equals("gzip") || equals("x-gzip") { return .gzip }
        if equals("deflate") { return .deflate }
        return nil
    }
}

/// Why inflating failed.
public enum InflateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The output would exceed `maxOutputBytes` (→ 413).
    case tooLarge(limit: Int)
    /// The output/input ratio exceeded the bomb guard (→ 413).
    case ratioExceeded(limit: Int)
    /// Not a valid stream, or it ended early (→ 400).
    case corrupt(String)

    public var description: String {
        switch self {
        case .tooLarge(let limit): "decompressed body exceeds \(limit) bytes"
        case .ratioExceeded(let limit): "decompressed body exceeds \(limit) times its compressed size"
        case .corrupt(let why): why
        }
    }
}

/// Decompresses request bodies with zlib into a reused output buffer, with hard caps.
///
/// One per event loop (not thread-safe). The `z_stream` is allocated once and reset per body;
/// the output buffer keeps its capacity between requests (shrunk after an unusually large one),
/// so steady-state inflating allocates nothing. Memory per body is bounded by `maxOutputBytes`
/// and CPU by the same bound (zlib's work is linear in its output).
public final class Inflater {
    public let maxOutputBytes: Int
    public let maxRatio: Int
    /// Once the output passes this size the ratio guard applies (small, very compressible
    /// bodies — e.g. a 1 KB request of zeros — are legitimate).
    public static let ratioGuardThreshold = 1 << 20
    let output = ByteBuffer(capacity: 64 << 10)
    var stream: UnsafeMutablePointer<z_stream>
    var mode: Int32 = 0  // windowBits the stream was initialized with; 0 = not initialized

    public init(maxOutputBytes: Int = 64 << 20, maxRatio: Int = 1000) {
        self.maxOutputBytes = maxOutputBytes
        self.maxRatio = maxRatio
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
    }

    deinit {
        if mode != 0 { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates `input` and returns a view of the result, valid until the next call.
    /// `verifyChecksum: false` skips computing and checking the gzip CRC-32 / zlib Adler-32 of
    /// the output (zlib's `inflateValidate`), for bodies whose integrity is already known: a
    /// WAL replay inflates bodies that were checked when received and whose log record has its
    /// own CRC. A gzip member's CRC-32 and length are checked here, not by zlib: `CRC32` is
    /// several times faster than Debian zlib 1.2.13's, whose CRC cost a third of inflating.
    public func inflate(_ input: UnsafeRawBufferPointer, coding: ContentCoding,
                        verifyChecksum: Bool = true) throws(InflateError) -> UnsafeRawBufferPointer {
        switch coding {
        case .identity:
            return input
        case .gzip:
            // 16 + MAX_WBITS: gzip only. Concatenated members are handled in `run`.
            return try run(input, windowBits: 16 + MAX_WBITS, verify: verifyChecksum)
        case .deflate:
            // zlib-wrapped first; if the header is not zlib, raw deflate.
            if input.count >= 2, (UInt16(input[0]) << 8 | UInt16(input[1])) % 31 == 0, input[0] & 0x0F == 8 {
                return try run(input, windowBits: MAX_WBITS, verify: verifyChecksum)
            }
            return try run(input, windowBits: -MAX_WBITS, verify: verifyChecksum)
        }
    }

    func reset(windowBits: Int32, verify: Bool) throws(InflateError) {
        if mode == windowBits {
            if inflateReset(stream) != Z_OK { throw .corrupt("zlib reset failed") }
        } else {
            if mode != 0 { inflateEnd(stream) }
            stream.pointee = z_stream()
            guard czlib_inflate_init2(stream, windowBits) == Z_OK else {
                mode = 0
                throw .corrupt("zlib initialization failed")
            }
            mode = windowBits
        }
        // inflateReset keeps the setting; set it for every body. gzip trailers are checked in
        // `run` (`checkGzipTrailer`).
        let zlibChecks = verify && windowBits <= 16
        if inflateValidate(stream, zlibChecks ? 1 : 0) != Z_OK { throw .corrupt("zlib validate setting failed") }
    }

    func run(_ input: UnsafeRawBufferPointer, windowBits: Int32, verify: Bool) throws(InflateError) -> UnsafeRawBufferPointer {
        output.clear()
        output.shrink(ifLargerThan: 8 << 20, to: 64 << 10)
        guard let inBase = input.baseAddress, input.count > 0 else {
            throw .corrupt(windowBits > 16 ? "empty gzip body" : "empty deflate body")
        }
        try reset(windowBits: windowBits, verify: verify)
        let s = stream
        s.pointee.next_in = UnsafeMutablePointer(mutating: inBase.assumingMemoryBound(to: Bytef.self))
        s.pointee.avail_in = uInt(input.count)
        var memberStart = 0   // where the current gzip member's output starts
        while true {
            if output.writableBytes < 16 << 10 {
                // Grow geometrically, but never past the cap (+1 byte to detect overflow).
                let want = min(max(output.capacity, 64 << 10), maxOutputBytes + 1 - output.writerIndex)
                if want <= 0 { throw .tooLarge(limit: maxOutputBytes) }
                output.reserve(want)
            }
            let room = min(output.writableBytes, maxOutputBytes + 1 - output.writerIndex)
            s.pointee.next_out = (output.base + output.writerIndex).assumingMemoryBound(to: Bytef.self)
            s.pointee.avail_out = uInt(room)
            let rc = CZlib.inflate(s, Z_NO_FLUSH)
            let produced = room - Int(s.pointee.avail_out)
            output.writerIndex += produced
            if output.writerIndex > maxOutputBytes { throw .tooLarge(limit: maxOutputBytes) }
            if output.writerIndex > Self.ratioGuardThreshold {
                let consumed = input.count - Int(s.pointee.avail_in)
                if output.writerIndex / max(consumed, 1) > maxRatio { throw .ratioExceeded(limit: maxRatio) }
            }
            switch rc {
            case Z_OK:
                continue
            case Z_STREAM_END:
                let rest = Int(s.pointee.avail_in)
                if verify && windowBits > 16 {
                    try checkGzipTrailer(input, consumed: input.count - rest, member: memberStart..<output.writerIndex)
                    memberStart = output.writerIndex
                }
                if rest == 0 { return UnsafeRawBufferPointer(start: output.base, count: output.writerIndex) }
                // Another gzip member follows (RFC 1952 allows concatenation).
                if windowBits > 16 {
                    if inflateReset(s) != Z_OK { throw .corrupt("zlib reset failed") }
                    continue
                }
                throw .corrupt("\(rest) bytes of trailing data after the deflate stream")
            case Z_BUF_ERROR:
                if s.pointee.avail_in == 0 { throw .corrupt(windowBits > 16 ? "truncated gzip body" : "truncated deflate body") }
                continue  // output space was full; loop grows it
            case Z_DATA_ERROR:
                let why = s.pointee.msg.map { String(cString: $0) } ?? "invalid data"
                throw .corrupt(windowBits > 16 ? "invalid gzip body: \(why)" : "invalid deflate body: \(why)")
            case Z_MEM_ERROR:
                throw .corrupt("zlib out of memory")
            default:
                throw .corrupt("zlib error \(rc)")
            }
        }
    }
}

extension Inflater {
    /// A gzip member's trailer (the 8 bytes zlib consumed last: CRC-32 and length mod 2^32 of
    /// the member's output, little-endian) against the output it produced.
    func checkGzipTrailer(_ input: UnsafeRawBufferPointer, consumed: Int, member: Range<Int>) throws(InflateError) {
        guard consumed >= 8 else { throw .corrupt("invalid gzip body: trailer missing") }
        var crc: UInt32 = 0, size: UInt32 = 0
        for k in 0..<4 {
            crc |= UInt32(input[consumed - 8 + k]) << (8 * k)
            size |= UInt32(input[consumed - 4 + k]) << (8 * k)
        }
        let produced = UnsafeRawBufferPointer(start: output.base + member.lowerBound, count: member.count)
        guard CRC32.update(0, produced) == crc else { throw .corrupt("invalid gzip body: incorrect data check") }
        guard UInt32(truncatingIfNeeded: member.count) == size else { throw .corrupt("invalid gzip body: incorrect length check") }
    }
}

@inline(__always) func asciiLower(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b }
