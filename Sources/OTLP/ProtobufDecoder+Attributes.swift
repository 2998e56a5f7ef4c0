#if canImport(Glibc)
import Glibc
#endif
import Wire

extension OTLPProtobufDecoder {
    /// Starts a new attribute list (resource, scope or point); the previous one is dropped.
    @inline(__always)
    func beginAttributes() {
        attributes.removeAll()
        jsonFixups.removeAll()
        arena.removeAll()
    }

    /// Ends the current attribute list: points rendered-JSON values at the (now stable) arena and
    /// returns the list, valid until the next `beginAttributes` or arena write.
    @inline(__always)
    func finishAttributes() -> Attributes {
        if jsonFixups.count > 0 { applyJSONFixups() }
        return attributes.buffer
    }

    @inline(never)
    func applyJSONFixups() {
        let base = UnsafeRawPointer(arena.base)
        for i in 0..<jsonFixups.count {
            let f = jsonFixups[i]
            attributes[f.index].value = .json(ByteView(base: base + f.start, count: f.count))
        }
    }

    /// One `attributes` record of a data point (its key `k` read at `at`). With a sink cache,
    /// the first one starts a run of attribute records that is looked up by its raw bytes and
    /// skipped on a hit (see `RawAttributeCache`); a later, separate run makes the list
    /// uncacheable (and decodes a skipped first run after all).
    @inline(__always)
    func pointAttribute(_ r: inout ProtobufReader, _ k: ProtobufKey, at: UnsafeRawPointer, keyByte: UInt8,
                        _ run: inout PointAttributeRun, _ field: StaticString) throws(OTLPDecodeError) {
        if let cache = attributeCache {
            if let start = run.start {
                if at >= run.end! {
                    run.cacheable = false
                    if run.cached >= 0 {
                        run.cached = -1
                        var skipped = r.reader(from: start, to: run.end!)
                        while !skipped.isAtEnd {
                            let sk = try skipped.key(field)
                            try decodeAttribute(skipped.message(sk, field))
                        }
                    }
                }
            } else {
                let raw = r.lengthDelimitedRun(from: at, keyByte: keyByte)
                run.start = at
                run.end = at + raw.count
                if raw.count > 0 {
                    let entry = cache.lookup(raw)
                    if entry >= 0 {
                        run.cached = entry
                        r.move(to: at + raw.count)
                        return
                    }
                    run.cacheable = true
                }
            }
        }
        try decodeAttribute(r.message(k, field))
    }

    /// The common part of a decoded point, with its attribute list (decoded or cached).
    @inline(__always)
    func pointCommon(_ run: PointAttributeRun, start: UInt64, time: UInt64, flags: UInt32, exemplars: Int) -> PointCommon {
        var c = PointCommon(attributes: finishAttributes(), startTimeUnixNano: start, timeUnixNano: time,
                            flags: DataPointFlags(rawValue: flags), exemplarCount: exemplars)
        c.cachedAttributes = run.cached
        if run.cacheable, let s = run.start { c.rawAttributes = ByteView(base: s, count: run.end! - s) }
        return c
    }

    // message KeyValue { string key = 1; AnyValue value = 2; }
    /// Appends one attribute to the current list (dropped if its key is empty).
    @inline(__always)
    func decodeAttribute(_ message: ProtobufReader) throws(OTLPDecodeError) {
        let mark = arena.count
        var key = ByteView.empty
        var value = AttributeValue.empty
        var r = message
        while !r.isAtEnd {
            let k = try r.key("KeyValue")
            switch k.fieldNumber {
            case 1: key = try r.string(k, "KeyValue.key")
            case 2:
                arena.truncate(to: mark)         // a later value record replaces an earlier one
                value = try decodeAnyValue(r.message(k, "KeyValue.value"), depth: 1)
            default: try r.skip(k, "KeyValue")
            }
        }
        if key.isEmpty {
            arena.truncate(to: mark)
            return
        }
        if case .json(let text) = value {
            jsonFixups.append(ProtoJSONFixup(index: attributes.count, start: mark, count: text.count))
        }
        attributes.append(Attribute(key: key, value: value))
    }

    // message AnyValue {
    //   oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3;
    //     double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6;
    //     bytes bytes_value = 7; int32 string_value_strindex = 8; } }   // strindex: profiles only → empty
    /// Decodes an AnyValue whose containers (if it is one) sit at nesting `depth`. An array or
    /// kvlist is rendered as JSON at the end of the arena and returned as `.json` with a nil base
    /// (only the length is meaningful; the text starts where the arena ended on entry).
    @inline(__always)
    func decodeAnyValue(_ message: ProtobufReader, depth: Int) throws(OTLPDecodeError) -> AttributeValue {
        var value = AttributeValue.empty
        var container: UInt32 = 0            // 5 or 6 while the winner is an array/kvlist
        var first = true
        let start = arena.count
        let kvMark = kvEntries.count
        var r = message
        while !r.isAtEnd {
            let k = try r.key("AnyValue")
            switch k.fieldNumber {
            case 1: value = .string(try r.string(k, "AnyValue.string_value"))
            case 2: value = .bool(try r.varint(k, "AnyValue.bool_value") != 0)
            case 3: value = .int(Int64(bitPattern: try r.varint(k, "AnyValue.int_value")))
            case 4: value = .double(try r.double(k, "AnyValue.double_value"))
            case 5, 6:
                let isArray = k.fieldNumber == 5
                let content = try r.message(k, isArray ? "AnyValue.array_value" : "AnyValue.kvlist_value")
                if container != k.fieldNumber {      // a new run: discard what an earlier one left
                    if depth > limits.maxAnyValueDepth {
                        throw OTLPDecodeError("AnyValue nested deeper than \(limits.maxAnyValueDepth) arrays/kvlists",
                                              offset: content.offset)
                    }
                    arena.truncate(to: start)
                    kvEntries.truncate(to: kvMark)
                    if isArray { arena.append(UInt8(ascii: "[")) }
                    container = k.fieldNumber
                    first = true
                }
                if isArray {
                    try renderArrayElements(content, depth: depth, first: &first)
                } else {
                    try collectKeyValueListEntries(content)
                }
                continue
            case 7: value = .bytes(try r.bytes(k, "AnyValue.bytes_value"))
            case 8:
                _ = try r.varint(k, "AnyValue.string_value_strindex")
                value = .empty
            default:
                try r.skip(k, "AnyValue")
                continue
            }
            // A scalar member won (so far): drop a container rendered before it.
            if container != 0 {
                container = 0
                arena.truncate(to: start)
                kvEntries.truncate(to: kvMark)
            }
        }
        switch container {
        case 5:
            arena.append(UInt8(ascii: "]"))
        case 6:
            try renderKeyValueList(from: kvMark, depth: depth)
            kvEntries.truncate(to: kvMark)
        default:
            return value
        }
        return .json(ByteView(base: nil, count: arena.count - start))
    }

    // message ArrayValue { repeated AnyValue values = 1; }
    func renderArrayElements(_ message: ProtobufReader, depth: Int, first: inout Bool) throws(OTLPDecodeError) {
        var r = message
        while !r.isAtEnd {
            let k = try r.key("ArrayValue")
            guard k.fieldNumber == 1 else {
                try r.skip(k, "ArrayValue")
                continue
            }
            let element = try r.message(k, "ArrayValue.values")
            if !first { arena.append(UInt8(ascii: ",")) }
            first = false
            try renderNested(element, depth: depth + 1)
        }
    }

    // message KeyValueList { repeated KeyValue values = 1; }
    // message KeyValue { string key = 1; AnyValue value = 2; }
    /// Pushes the list's entries onto `kvEntries` (rendered later, sorted by key).
    func collectKeyValueListEntries(_ message: ProtobufReader) throws(OTLPDecodeError) {
        var r = message
        while !r.isAtEnd {
            let k = try r.key("KeyValueList")
            guard k.fieldNumber == 1 else {
                try r.skip(k, "KeyValueList")
                continue
            }
            var kv = try r.message(k, "KeyValueList.values")
            var entry = ProtoKVEntry(key: .empty, value: kv, hasValue: false, order: kvEntries.count)
            while !kv.isAtEnd {
                let kk = try kv.key("KeyValue")
                switch kk.fieldNumber {
                case 1: entry.key = try kv.string(kk, "KeyValue.key")
                case 2: entry.value = try kv.message(kk, "KeyValue.value"); entry.hasValue = true
                default: try kv.skip(kk, "KeyValue")
                }
            }
            kvEntries.append(entry)
        }
    }

    /// Renders `kvEntries[mark...]` as a JSON object: keys sorted bytewise, the last of equal
    /// keys wins (the others are still rendered — i.e. validated — and then dropped).
    func renderKeyValueList(from mark: Int, depth: Int) throws(OTLPDecodeError) {
        let n = kvEntries.count - mark
        var entries = UnsafeMutableBufferPointer(start: kvEntries.base + mark, count: n)
        entries.sort { a, b in
            let c = Self.compareBytes(a.key, b.key)
            return c < 0 || c == 0 && a.order < b.order
        }
        arena.append(UInt8(ascii: "{"))
        var first = true
        for i in 0..<n {
            // Index afresh every time: nested kvlists push onto (and may move) kvEntries.
            let entry = kvEntries[mark + i]
            let superseded = i + 1 < n && kvEntries[mark + i + 1].key == entry.key
            let before = arena.count
            if !first { arena.append(UInt8(ascii: ",")) }
            arena.appendJSONString(entry.key.buffer)
            arena.append(UInt8(ascii: ":"))
            if entry.hasValue {
                try renderNested(entry.value, depth: depth + 1)
            } else {
                arena.appendStatic("null")
            }
            if superseded { arena.truncate(to: before) } else { first = false }
        }
        arena.append(UInt8(ascii: "}"))
    }

    static func compareBytes(_ a: ByteView, _ b: ByteView) -> Int {
        let n = Swift.min(a.count, b.count)
        if n > 0, let pa = a.base, let pb = b.base {
            let c = memcmp(pa, pb, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }

    /// Renders an AnyValue nested in an array or kvlist as JSON text at the end of the arena.
    func renderNested(_ message: ProtobufReader, depth: Int) throws(OTLPDecodeError) {
        let value = try decodeAnyValue(message, depth: depth)
        switch value {
        case .json: break                                   // already rendered in place
        case .string(let s): arena.appendJSONString(s.buffer)
        case .bool(let b): arena.appendStatic(b ? "true" : "false")
        case .int(let i): arena.appendDecimal(i)
        case .double(let d): arena.appendJSONDouble(d)
        case .bytes(let b): arena.appendBase64String(b.buffer)
        case .empty: arena.appendStatic("null")
        }
    }
}

/// Where a data point's attribute list came from, while the point is decoded.
struct PointAttributeRun {
    /// The first attribute record's key and the end of the run of records that follows it.
    var start: UnsafeRawPointer? = nil
    var end: UnsafeRawPointer? = nil
    /// The cache entry when the run was found in the sink's cache (and skipped), else -1.
    var cached: Int32 = -1
    /// The run was looked up, missed and is the whole list: the sink may insert it.
    var cacheable = false
}
