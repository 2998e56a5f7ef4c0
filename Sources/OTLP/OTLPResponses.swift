/// Response bodies of the OTLP/HTTP receiver, in the request's encoding (OTLP/HTTP §5).
public enum OTLPResponses {
    /// `ExportMetricsServiceResponse`: empty on full success (0 bytes / `{}`), otherwise
    /// `partial_success { rejected_data_points, error_message }`.
    ///
    /// ```proto
    /// message ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; }
    /// message ExportMetricsPartialSuccess { int64 rejected_data_points = 1; string error_message = 2; }
    /// ```
    public static func export(encoding: RequestContext.Encoding, rejected: Int, message: String?) -> [UInt8] {
        let text = message.map { truncate($0) } ?? ""
        if rejected == 0 && text.isEmpty { return encoding == .json ? Array("{}".utf8) : [] }
        switch encoding {
        case .protobuf:
            var inner: [UInt8] = []
            if rejected != 0 {
                inner.append(0x08)
                appendVarint(&inner, UInt64(bitPattern: Int64(rejected)))
            }
            if !text.isEmpty {
                inner.append(0x12)
                appendVarint(&inner, UInt64(text.utf8.count))
                inner.append(contentsOf: text.utf8)
            }
            var out: [UInt8] = [0x0A]
            appendVarint(&out, UInt64(inner.count))
            out.append(contentsOf: inner)
            return out
        case .json:
            var out = Array("{\"partialSuccess\":{".utf8)
            var first = true
            if rejected != 0 {
                out.append(contentsOf: "\"rejectedDataPoints\":\"\(rejected)\"".utf8)
                first = false
            }
            if !text.isEmpty {
                if !first { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: "\"errorMessage\":".utf8)
                appendJSONString(&out, text)
            }
            out.append(contentsOf: "}}".utf8)
            return out
        }
    }

    /// `google.rpc.Status { int32 code = 1; string message = 2; }` for an error response.
    public static func status(encoding: RequestContext.Encoding, httpStatus: Int, message: String) -> [UInt8] {
        let code = grpcCode(httpStatus: httpStatus)
        let text = truncate(message)
        switch encoding {
        case .protobuf:
            var out: [UInt8] = [0x08]
            appendVarint(&out, UInt64(code))
            out.append(0x12)
            appendVarint(&out, UInt64(text.utf8.count))
            out.append(contentsOf: text.utf8)
            return out
        case .json:
            var out = Array("{\"code\":\(code),\"message\":".utf8)
            appendJSONString(&out, text)
            out.append(UInt8(ascii: "}"))
            return out
        }
    }

    /// The gRPC code put in `Status.code` (not acted on by OTLP/HTTP clients; the Collector's
    /// mapping): 400/413/415 → 3 INVALID_ARGUMENT, 429 → 8 RESOURCE_EXHAUSTED,
    /// 502/503/504 → 14 UNAVAILABLE, 500 → 13 INTERNAL, other → 2 UNKNOWN.
    public static func grpcCode(httpStatus: Int) -> Int32 {
        switch httpStatus {
        case 400, 413, 415: 3
        case 429: 8
        case 502, 503, 504: 14
        case 500: 13
        default: 2
        }
    }

    /// Bounds a message so a response stays small (OTLP/HTTP §4: limit the response size).
    static func truncate(_ s: String, limit: Int = 1024) -> String {
        if s.utf8.count <= limit { return s }
        var out = ""
        for ch in s {
            if out.utf8.count + ch.utf8.count > limit - 3 { break }
            out.append(ch)
        }
        return out + "..."
    }

    static func appendVarint(_ out: inout [UInt8], _ v: UInt64) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// Appends `s` as a JSON string literal (RFC 8259 escapes).
    static func appendJSONString(_ out: inout [UInt8], _ s: String) {
        out.append(UInt8(ascii: "\""))
        let hex = Array("0123456789abcdef".utf8)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
