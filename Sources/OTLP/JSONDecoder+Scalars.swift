import Wire

/// Scalar members (proto3 JSON mapping, otlp-http.md §7.2). Callers have already consumed a
/// `null` (= absent); every reader here throws naming the field when the value has the wrong
/// kind or does not fit.
extension OTLPJSONDecoder {
    /// Calls `body` with the decoded bytes of `s` (a stack copy when it has escapes).
    @inline(__always)
    func withValue<R>(_ s: JSONString, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if !s.hasEscapes { return body(s.raw) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: s.count) { buf in
            let n = s.unescape(into: buf.baseAddress!)
            return body(UnsafeRawBufferPointer(start: buf.baseAddress, count: n))
        }
    }

    @inline(never)
    func invalid(_ what: StaticString, _ field: StaticString, at offset: Int) -> JSONError {
        JSONError("expected \(what) for \"\(field)\"", offset: offset)
    }

    /// uint64/fixed64: a non-negative integer as a number or a decimal string.
    @inline(__always)
    func u64(_ t: inout JSONTokenizer, _ field: StaticString) throws(JSONError) -> UInt64 {
        let b = t.peekNonWhitespace()
        if b == UInt8(ascii: "\"") {
            let s = try t.readString()
            if let v = withValue(s, JSONNumberParsing.uint64) { return v }
            throw invalid("an unsigned 64-bit integer", field, at: s.offset)
        }
        if b == UInt8(ascii: "-") || b &- 48 < 10 {
            let n = try t.readNumber()
            if let v = n.uint64 { return v }
            throw invalid("an unsigned 64-bit integer", field, at: n.offset)
        }
        throw expected(&t, "an unsigned integer (number or decimal string)", field)
    }

    /// int64/sfixed64: an integer as a number or a decimal string.
    @inline(__always)
    func i64(_ t: inout JSONTokenizer, _ field: StaticString) throws(JSONError) -> Int64 {
        let b = t.peekNonWhitespace()
        if b == UInt8(ascii: "\"") {
            let s = try t.readString()
            if let v = withValue(s, JSONNumberParsing.int64) { return v }
            throw invalid("a signed 64-bit integer", field, at: s.offset)
        }
        if b == UInt8(ascii: "-") || b &- 48 < 10 {
            let n = try t.readNumber()
            if let v = n.int64 { return v }
            throw invalid("a signed 64-bit integer", field, at: n.offset)
        }
        throw expected(&t, "an integer (number or decimal string)", field)
    }

    func u32(_ t: inout JSONTokenizer, _ field: StaticString) throws(JSONError) -> UInt32 {
        let offset = t.peekNonWhitespace() == 0 ? t.count : t.offset
        let v = try u64(&t, field)
        guard let r = UInt32(exactly: v) else { throw invalid("an unsigned 32-bit integer", field, at: offset) }
        return r
    }

    func i32(_ t: inout JSONTokenizer, _ field: StaticString) throws(JSONError) -> Int32 {
        let offset = t.peekNonWhitespace() == 0 ? t.count : t.offset
        let v = try i64(&t, field)
        guard let r = Int32(exactly: v) else { throw invalid("a signed 32-bit integer", field, at: offset) }
        return r
    }

    /// double: a number, or a string holding "NaN", "Infinity", "-Infinity" (any case, also
    /// "inf", "+inf", "nan", "+Infinity") or a JSON number.
    @inline(__always)
    func double(_ t: inout JSONTokenizer, _ field: StaticString) throws(JSONError) -> Double {
        let b = t.peekNonWhitespace()
        if b == UInt8(ascii: "-") || b &- 48 < 10 {
            return try t.readNumber().double
        }
        if b == UInt8(ascii: "\"") {
            let s = try t.readString()
            if let v = withValue(s, OTLPJSONDecoder.doubleFromString) { return v }
            throw invalid("a double (number, numeric string, \"NaN\", \"Infinity\" or \"-Infinity\")", field, at: s.offset)
        }
        throw expected(&t, "a number", field)
    }

    static func doubleFromString(_ b: UnsafeRawBufferPointer) -> Double? {
        if let v = JSONNumberParsing.double(b) { return v }
        // Special values, case-insensitively, with an optional sign for the infinities.
        var rest = b[...]
        var negative = false
        if let c = rest.first, c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
            negative = c == UInt8(ascii: "-")
            rest = rest.dropFirst()
        }
        func equalsIgnoringCase(_ s: StaticString) -> Bool {
            guard rest.count == s.utf8CodeUnitCount else { return false }
            var i = 0
            for c in rest {
                if c | 0x20 != s.utf8Start[i] { return false }
                i += 1
            }
            return true
        }
        if equalsIgnoringCase("infinity") || equalsIgnoringCase("inf") { return negative ? -.infinity : .infinity }
        if rest.count == b.count && equalsIgnoringCase("nan") { return .nan }
        return nil
    }

    func bool(_ t: inout JSONTokenizer, _ field: StaticString) throws(JSONError) -> Bool {
        let b = t.peekNonWhitespace()
        guard b == UInt8(ascii: "t") || b == UInt8(ascii: "f") else { throw expected(&t, "true or false", field) }
        return try t.readBool()
    }

    /// A string member: borrowed from the payload, or unescaped into the arena.
    @inline(__always)
    func string(_ t: inout JSONTokenizer, _ field: StaticString) throws(JSONError) -> ByteView {
        guard t.peekNonWhitespace() == UInt8(ascii: "\"") else { throw expected(&t, "a string", field) }
        let s = try t.readString()
        if !s.hasEscapes { return ByteView(base: s.start, count: s.count) }
        return unescapeIntoArena(s)
    }

    @inline(never)
    func unescapeIntoArena(_ s: JSONString) -> ByteView {
        let p = arena.allocate(s.count)
        let n = s.unescape(into: p)
        return ByteView(base: p, count: n)
    }

    /// `repeated fixed64/uint64` (`bucketCounts`): appended to `out`.
    func u64List(_ t: inout JSONTokenizer, into out: inout ScratchBuffer<UInt64>, _ field: StaticString) throws(JSONError) {
        try beginArray(&t, field)
        var f = true
        while try t.nextElement(&f) { out.append(try u64(&t, field)) }
    }

    /// `repeated double` (`explicitBounds`): appended to `out`.
    func doubleList(_ t: inout JSONTokenizer, into out: inout ScratchBuffer<Double>, _ field: StaticString) throws(JSONError) {
        try beginArray(&t, field)
        var f = true
        while try t.nextElement(&f) { out.append(try double(&t, field)) }
    }

    /// `traceId`/`spanId`: hex, any case, even length (empty = absent). Validated, not kept.
    func hexID(_ t: inout JSONTokenizer, _ field: StaticString) throws(JSONError) {
        guard t.peekNonWhitespace() == UInt8(ascii: "\"") else { throw expected(&t, "a hex string", field) }
        let s = try t.readString()
        let ok = withValue(s) { b in
            guard b.count % 2 == 0 else { return false }
            for c in b {
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): continue
                default: return false
                }
            }
            return true
        }
        if !ok { throw invalid("a hex string", field, at: s.offset) }
    }

    /// `bytesValue`: standard or URL-safe base64, padding optional, decoded into the arena.
    func base64(_ t: inout JSONTokenizer, _ field: StaticString) throws(JSONError) -> ByteView {
        guard t.peekNonWhitespace() == UInt8(ascii: "\"") else { throw expected(&t, "a base64 string", field) }
        let s = try t.readString()
        let out = arena.allocate(s.count / 4 * 3 + 3)
        let n = withValue(s) { b in OTLPJSONDecoder.decodeBase64(b, into: out.assumingMemoryBound(to: UInt8.self)) }
        guard let n else { throw invalid("base64", field, at: s.offset) }
        return ByteView(base: out, count: n)
    }

    /// Decodes base64 (both alphabets, mixed allowed; '=' padding optional but, if present,
    /// only at the end and completing a 4-character group). Returns nil if malformed.
    static func decodeBase64(_ b: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        var n = b.count
        if n > 0 && b[n - 1] == UInt8(ascii: "=") {
            n -= 1
            if n > 0 && b[n - 1] == UInt8(ascii: "=") { n -= 1 }
            guard b.count % 4 == 0 else { return nil }
        }
        if n % 4 == 1 { return nil }
        var acc: UInt32 = 0, bits = 0, o = 0
        for i in 0..<n {
            let c = b[i]
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - 71)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c + 4)
            case UInt8(ascii: "+"), UInt8(ascii: "-"): v = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): v = 63
            default: return nil
            }
            acc = acc << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out[o] = UInt8(truncatingIfNeeded: acc >> UInt32(bits))
                o += 1
            }
        }
        return o
    }
}
