import CZlib

/// Gzip-compresses response bodies (e.g. `GET /metrics` with `Accept-Encoding: gzip`).
///
/// One per thread (not thread-safe). The `z_stream` is allocated once and reset per body, so
/// repeated use allocates only what the output buffer needs to grow. Cost: linear in the input;
/// at the default level 1 (zlib's fastest) roughly 100–300 MB/s per core.
public final class Deflater {
    public let level: Int32
    var stream: UnsafeMutablePointer<z_stream>
    var initialized = false

    /// `level` is zlib's 1 (fastest) … 9 (smallest); the default favours scrape latency.
    public init(level: Int32 = 1) {
        precondition((1...9).contains(level), "zlib level must be 1…9")
        self.level = level
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
    }

    deinit {
        if initialized { deflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Appends the gzip (RFC 1952, one member) compression of `input` to `out`. Keep `out`
    /// between calls and `removeAll(keepingCapacity: true)` it to avoid regrowing.
    public func gzip(_ input: [UInt8], into out: inout [UInt8]) {
        if initialized {
            precondition(deflateReset(stream) == Z_OK, "zlib deflateReset failed")
        } else {
            stream.pointee = z_stream()
            // 16 + MAX_WBITS: gzip wrapper.
            precondition(czlib_deflate_init2(stream, level, 16 + MAX_WBITS) == Z_OK, "zlib deflateInit2 failed")
            initialized = true
        }
        let s = stream
        // deflateBound is an upper bound for one Z_FINISH call, so one pass always completes.
        let bound = Int(deflateBound(s, uLong(input.count)))
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: bound))
        let produced: Int = input.withUnsafeBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                s.pointee.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                s.pointee.avail_in = uInt(inBuf.count)
                s.pointee.next_out = outBuf.baseAddress! + start
                s.pointee.avail_out = uInt(bound)
                let rc = deflate(s, Z_FINISH)
                precondition(rc == Z_STREAM_END, "zlib deflate did not finish within deflateBound (\(rc))")
                return bound - Int(s.pointee.avail_out)
            }
        }
        out.removeLast(bound - produced)
    }

    /// One-shot convenience: the gzip compression of `bytes` (allocates a stream and a buffer).
    public static func gzip(_ bytes: [UInt8], level: Int32 = 1) -> [UInt8] {
        var out: [UInt8] = []
        Deflater(level: level).gzip(bytes, into: &out)
        return out
    }
}
