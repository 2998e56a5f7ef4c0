import Wire

extension OTLPJSONDecoder {
    // message KeyValue { string key = 1; AnyValue value = 2; }
    /// Appends the attributes of a `repeated KeyValue` array to `attributes` (the caller decides
    /// where the list starts). Attributes with an empty key are dropped (value still validated).
    func keyValues(_ t: inout JSONTokenizer, _ field: StaticString) throws(JSONError) {
        try beginArray(&t, field)
        var f = true
        while try t.nextElement(&f) {
            try beginObject(&t, "KeyValue")
            var name = ByteView.empty
            var value = AttributeValue.empty
            var first = true
            while let k = try t.nextKey(&first) {
                if try t.skipNull() { continue }
                switch key(k) {
                case .key: name = try string(&t, "KeyValue.key")
                case .value: value = try anyValue(&t)
                default: try t.skipValue()
                }
            }
            if !name.isEmpty { attributes.append(Attribute(key: name, value: value)) }
        }
    }

    // message AnyValue {
    //   oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3;
    //     double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6;
    //     bytes bytes_value = 7; } }
    /// A top-level attribute value (depth 1). Members: last wins; none set → `.empty`.
    func anyValue(_ t: inout JSONTokenizer) throws(JSONError) -> AttributeValue {
        try beginObject(&t, "AnyValue")
        var value = AttributeValue.empty
        var first = true
        while let k = try t.nextKey(&first) {
            if try t.skipNull() { continue }
            switch key(k) {
            case .stringValue: value = .string(try string(&t, "stringValue"))
            case .boolValue: value = .bool(try bool(&t, "boolValue"))
            case .intValue: value = .int(try i64(&t, "intValue"))
            case .doubleValue: value = .double(try double(&t, "doubleValue"))
            case .bytesValue: value = .bytes(try base64(&t, "bytesValue"))
            case .arrayValue, .kvlistValue:
                text.removeAll()
                try renderContainer(&t, isArray: key(k) == .arrayValue, depth: 1)
                let p = arena.allocate(text.count)
                if text.count > 0 { p.copyMemory(from: text.base, byteCount: text.count) }
                value = .json(ByteView(base: p, count: text.count))
            default: try t.skipValue()
            }
        }
        return value
    }

    // message ArrayValue { repeated AnyValue values = 1; }
    // message KeyValueList { repeated KeyValue values = 1; }
    /// Renders an ArrayValue/KeyValueList object at nesting `depth` as JSON text at the end of
    /// `text`, with the protobuf decoder's rules and renderer (so both encodings give the same
    /// bytes): kvlist keys sorted bytewise, the last of equal keys wins (the others are still
    /// parsed, i.e. validated, then dropped). A duplicate `"values"` member replaces the earlier one.
    func renderContainer(_ t: inout JSONTokenizer, isArray: Bool, depth: Int) throws(JSONError) {
        if depth > limits.maxAnyValueDepth {
            throw JSONError("AnyValue nested deeper than \(limits.maxAnyValueDepth) arrays/kvlists", offset: t.offset)
        }
        try beginObject(&t, isArray ? "arrayValue" : "kvlistValue")
        let start = text.count
        let kvMark = kvEntries.count
        if isArray { text.append(UInt8(ascii: "[")) }
        var first = true
        while let k = try t.nextKey(&first) {
            if try t.skipNull() { continue }
            guard key(k) == .values else { try t.skipValue(); continue }
            try beginArray(&t, "values")
            var f = true
            if isArray {
                text.truncate(to: start + 1)
                var firstElement = true
                while try t.nextElement(&f) {
                    if !firstElement { text.append(UInt8(ascii: ",")) }
                    firstElement = false
                    try renderAnyValue(&t, depth: depth + 1)
                }
            } else {
                kvEntries.count = kvMark
                while try t.nextElement(&f) { try collectKeyValue(&t) }
            }
        }
        if isArray {
            text.append(UInt8(ascii: "]"))
        } else {
            try renderKeyValueList(&t, from: kvMark, depth: depth)
            kvEntries.count = kvMark
        }
    }

    /// Records one KeyValue of a kvlist (its key, and where its value is) on `kvEntries`.
    func collectKeyValue(_ t: inout JSONTokenizer) throws(JSONError) {
        try beginObject(&t, "KeyValue")
        let inside = t.depth
        var entry = JSONKVEntry(key: .empty, value: JSONDeferred(), depth: inside, order: kvEntries.count)
        var first = true
        while let k = try t.nextKey(&first) {
            if try t.skipNull() { continue }
            switch key(k) {
            case .key: entry.key = try string(&t, "KeyValue.key")
            case .value: try deferValue(&entry.value, &t, inside)
            default: try t.skipValue()
            }
        }
        kvEntries.append(entry)
    }

    /// Renders `kvEntries[mark...]` as a JSON object (sorted by key, last of equal keys wins).
    func renderKeyValueList(_ t: inout JSONTokenizer, from mark: Int, depth: Int) throws(JSONError) {
        let end = t.position
        let n = kvEntries.count - mark
        var entries = UnsafeMutableBufferPointer(start: kvEntries.base + mark, count: n)
        entries.sort { a, b in
            let c = OTLPProtobufDecoder.compareBytes(a.key, b.key)
            return c < 0 || c == 0 && a.order < b.order
        }
        text.append(UInt8(ascii: "{"))
        var first = true
        for i in 0..<n {
            // Index afresh every time: nested kvlists push onto (and may move) kvEntries.
            let entry = kvEntries.base[mark + i]
            let superseded = i + 1 < n && kvEntries.base[mark + i + 1].key == entry.key
            let before = text.count
            if !first { text.append(UInt8(ascii: ",")) }
            text.appendJSONString(entry.key.buffer)
            text.append(UInt8(ascii: ":"))
            if entry.value.isSet {
                t.position = .init(offset: entry.value.start, depth: entry.depth)
                try renderAnyValue(&t, depth: depth + 1)
                try entry.value.checkEnd(t)
            } else {
                text.appendStatic("null")
            }
            if superseded { text.truncate(to: before) } else { first = false }
        }
        text.append(UInt8(ascii: "}"))
        t.position = end
    }

    /// Renders an AnyValue nested in an array or kvlist (containers at `depth`). Members: last wins.
    func renderAnyValue(_ t: inout JSONTokenizer, depth: Int) throws(JSONError) {
        try beginObject(&t, "AnyValue")
        let start = text.count
        var any = false
        var first = true
        while let k = try t.nextKey(&first) {
            if try t.skipNull() { continue }
            let member = key(k)
            switch member {
            case .stringValue, .boolValue, .intValue, .doubleValue, .bytesValue, .arrayValue, .kvlistValue:
                text.truncate(to: start)
                any = true
            default: break
            }
            switch member {
            case .stringValue:
                guard t.peekNonWhitespace() == UInt8(ascii: "\"") else { throw expected(&t, "a string", "stringValue") }
                let s = try t.readString()
                withValue(s) { text.appendJSONString($0) }
            case .boolValue: text.appendStatic(try bool(&t, "boolValue") ? "true" : "false")
            case .intValue: text.appendDecimal(try i64(&t, "intValue"))
            case .doubleValue: text.appendJSONDouble(try double(&t, "doubleValue"))
            case .bytesValue:
                let mark = arena.mark
                let b = try base64(&t, "bytesValue")
                text.appendBase64String(b.buffer)
                arena.rewind(to: mark)
            case .arrayValue: try renderContainer(&t, isArray: true, depth: depth)
            case .kvlistValue: try renderContainer(&t, isArray: false, depth: depth)
            default: try t.skipValue()
            }
        }
        if !any { text.appendStatic("null") }
    }
}
