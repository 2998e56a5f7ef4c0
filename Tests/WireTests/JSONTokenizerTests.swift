import Testing
@testable import Wire

/// Validates a whole document with the tokenizer (skipValue + finish); nil if it is valid.
private func validate(_ text: String, maxDepth: Int = 128) -> JSONError? {
    var bytes = Array(text.utf8)
    return validate(bytes: &bytes, maxDepth: maxDepth)
}

private func validate(bytes: inout [UInt8], maxDepth: Int = 128) -> JSONError? {
    bytes.withUnsafeBytes { buf in
        var t = JSONTokenizer(buf, maxDepth: maxDepth)
        do throws(JSONError) {
            try t.skipValue()
            try t.finish()
            return nil
        } catch {
            return error
        }
    }
}

/// Runs `body` with a tokenizer over `text`.
private func withTokenizer<R>(_ text: String, _ body: (inout JSONTokenizer) throws(JSONError) -> R) throws(JSONError) -> R {
    let bytes = Array(text.utf8)
    let result: Result<R, JSONError> = bytes.withUnsafeBytes { buf in
        var t = JSONTokenizer(buf)
        do throws(JSONError) { return .success(try body(&t)) } catch { return .failure(error) }
    }
    return try result.get()
}

/// The decoded value of the single string in `json` (e.g. `"\"a\\n\""`).
private func stringValue(_ json: String) throws(JSONError) -> [UInt8] {
    try withTokenizer(json) { t throws(JSONError) in
        let s = try t.readString()
        var out = [UInt8](repeating: 0, count: s.count)
        let n = out.withUnsafeMutableBytes { s.unescape(into: $0.baseAddress!) }
        return Array(out[0..<n])
    }
}

private func number(_ text: String) throws(JSONError) -> (uint64: UInt64?, int64: Int64?, double: Double, isInteger: Bool) {
    try withTokenizer(text) { t throws(JSONError) in
        let n = try t.readNumber()
        try t.finish()
        return (n.uint64, n.int64, n.double, n.isInteger)
    }
}

@Suite struct JSONTokenizerTests {
    @Test(arguments: [
        "{}", "[]", "0", "-0", "1.5e-3", "\"\"", "true", "false", "null", " \t\r\n{ \"a\" : [ 1 , 2 ] } \n",
        #"{"a":{"b":[{"c":null},[],{}]},"d":"\u00e9\ud83d\ude00","e":-12.5E+7}"#,
        "[\"caf\u{e9}\", \"\u{1F600}\", \"\u{7F}\"]",
    ])
    func validDocumentsPass(_ doc: String) {
        #expect(validate(doc) == nil, "\(doc)")
    }

    struct Invalid: CustomTestStringConvertible, Sendable {
        var doc: String
        var message: String
        var offset: Int
        var testDescription: String { doc }
    }

    @Test(arguments: [
        Invalid(doc: "", message: "unexpected end of input", offset: 0),
        Invalid(doc: "   ", message: "unexpected end of input", offset: 3),
        Invalid(doc: "{", message: "unexpected end of input", offset: 1),
        Invalid(doc: #"{"a":1,}"#, message: "trailing comma before '}'", offset: 7),
        Invalid(doc: "[1,2,]", message: "trailing comma before ']'", offset: 5),
        Invalid(doc: "[1 2]", message: "expected ',' or ']'", offset: 3),
        Invalid(doc: #"{"a":1 "b":2}"#, message: "expected ',' or '}'", offset: 7),
        Invalid(doc: #"{"a" 1}"#, message: "expected ':'", offset: 5),
        Invalid(doc: "{a:1}", message: "expected '\"' or '}'", offset: 1),
        Invalid(doc: #"{"a":1,2:3}"#, message: "expected '\"' (a key)", offset: 7),
        Invalid(doc: "[01]", message: "leading zeros are not allowed in numbers", offset: 2),
        Invalid(doc: "[-]", message: "expected a digit", offset: 2),
        Invalid(doc: "[1.]", message: "expected a digit after '.'", offset: 3),
        Invalid(doc: "[1e+]", message: "expected a digit in the exponent", offset: 4),
        Invalid(doc: "[+1]", message: "expected a value", offset: 1),
        Invalid(doc: "[.5]", message: "expected a value", offset: 1),
        Invalid(doc: "[tru]", message: "invalid literal", offset: 1),
        Invalid(doc: "[nul", message: "unexpected end of input", offset: 4),
        Invalid(doc: "{} x", message: "expected end of input", offset: 3),
        Invalid(doc: "\"abc", message: "unexpected end of input (unterminated string)", offset: 4),
        Invalid(doc: "\"a\nb\"", message: "control character in string (must be escaped)", offset: 2),
        Invalid(doc: #""a\xb""#, message: "invalid escape in string", offset: 2),
        Invalid(doc: #""\u12G4""#, message: #"invalid \u escape (expected 4 hex digits)"#, offset: 1),
        Invalid(doc: #""\ud83d""#, message: #"lone high surrogate in \u escape (expected a \uDC00-\uDFFF escape next)"#, offset: 1),
        Invalid(doc: #""\ud83d\u0041""#, message: #"lone high surrogate in \u escape (expected a \uDC00-\uDFFF escape next)"#, offset: 1),
        Invalid(doc: #""x\ude00""#, message: #"lone low surrogate in \u escape"#, offset: 2),
    ])
    func invalidDocumentsNameWhatAndWhere(_ c: Invalid) {
        let e = validate(c.doc)
        #expect(e == JSONError(c.message, offset: c.offset), "\(c.doc)")
    }

    @Test(arguments: [
        [0x22, 0xC0, 0x80, 0x22],                 // overlong NUL
        [0x22, 0xED, 0xA0, 0x80, 0x22],           // UTF-8 encoded surrogate
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],     // above U+10FFFF
        [0x22, 0xE2, 0x82, 0x22],                 // truncated sequence
        [0x22, 0x80, 0x22],                       // stray continuation byte
        [0x22, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xFF, 0x22],   // after an 8-byte run
    ] as [[UInt8]])
    func invalidUTF8InStringsIsRejected(_ bytes: [UInt8]) {
        var b = bytes
        let e = validate(bytes: &b)
        #expect(e?.message == "invalid UTF-8 in string")
        #expect(e?.offset == bytes.firstIndex { $0 >= 0x80 })
    }

    @Test func controlCharacterAfterLongRunIsFound() {
        #expect(validate("\"abcdefghijklmnop\u{1F}q\"") == JSONError("control character in string (must be escaped)", offset: 17))
    }

    @Test func nestingDepthIsLimited() {
        #expect(validate("[[[[1]]]]", maxDepth: 4) == nil)
        #expect(validate("[[[[[1]]]]]", maxDepth: 4) == JSONError("nesting too deep", offset: 4))
        #expect(validate(#"{"a":{"b":{"c":{"d":{}}}}}"#, maxDepth: 4) == JSONError("nesting too deep", offset: 20))
        let deep = String(repeating: "[", count: 100_000)
        #expect(validate(deep)?.message == "nesting too deep")   // no stack overflow
    }

    @Test func stringsWithoutEscapesAreBorrowed() throws {
        try withTokenizer(#"  "héllo"  "#) { t throws(JSONError) in
            let s = try t.readString()
            #expect(!s.hasEscapes)
            #expect(s.offset == 2)
            #expect(Array(s.raw) == Array("héllo".utf8))
            #expect(s.rawEquals("héllo"))
        }
    }

    @Test func escapesAreDecoded() throws {
        #expect(try stringValue(#""a\"b\\c\/d\be\ff\ng\rh\ti""#) == Array("a\"b\\c/d\u{8}e\u{C}f\ng\rh\ti".utf8))
        #expect(try stringValue(#""\u0041\u00e9\u20AC""#) == Array("Aé€".utf8))
        #expect(try stringValue(#""\ud83d\ude00!""#) == [0xF0, 0x9F, 0x98, 0x80, 0x21])
        #expect(try stringValue(#""\uDBFF\uDFFF""#) == [0xF4, 0x8F, 0xBF, 0xBF])
        #expect(try stringValue(#""\u0000""#) == [0])
        #expect(try stringValue(#""plain""#) == Array("plain".utf8))
    }

    @Test func integersAreExact() throws {
        #expect(try number("18446744073709551615").uint64 == UInt64.max)
        #expect(try number("18446744073709551616").uint64 == nil)
        #expect(try number("99999999999999999999").uint64 == nil)
        #expect(try number("100000000000000000000").uint64 == nil)
        #expect(try number("9223372036854775807").int64 == Int64.max)
        #expect(try number("-9223372036854775808").int64 == Int64.min)
        #expect(try number("-9223372036854775809").int64 == nil)
        #expect(try number("9223372036854775808").int64 == nil)
        #expect(try number("9007199254740993").uint64 == 9_007_199_254_740_993)   // 2^53 + 1
        #expect(try number("1767225600000000000").uint64 == 1_767_225_600_000_000_000)
        #expect(try number("0").uint64 == 0)
        #expect(try number("-0").uint64 == nil)        // a sign on an unsigned field
        #expect(try number("-0").int64 == 0)
        #expect(try number("-5").uint64 == nil)
        #expect(try number("1.0").uint64 == nil)       // fractions and exponents are not integers
        #expect(try number("1e3").int64 == nil)
        #expect(try number("1e3").isInteger == false)
    }

    @Test func integerStringsParse() {
        func u(_ s: String) -> UInt64? { Array(s.utf8).withUnsafeBytes { JSONNumberParsing.uint64($0) } }
        func i(_ s: String) -> Int64? { Array(s.utf8).withUnsafeBytes { JSONNumberParsing.int64($0) } }
        #expect(u("00018446744073709551615") == UInt64.max)   // leading zeros allowed in strings
        #expect(u("") == nil)
        #expect(u("+1") == nil)
        #expect(u("1 ") == nil)
        #expect(u("0x10") == nil)
        #expect(i("-") == nil)
        #expect(i("-9223372036854775808") == Int64.min)
    }

    @Test(arguments: [
        "0", "-0", "1", "0.1", "0.005", "1.85", "2.5e-3", "1E22", "1e23", "9007199254740993", "9007199254740992.5",
        "2.2250738585072014E-308", "2.2250738585072011e-308", "4.9e-324", "2.4703282292062328e-324", "1.7976931348623157e308",
        "1.7976931348623158e308", "1e400", "-1e400", "1e-400", "123456789012345678901234567890", "0.30000000000000004",
        "3.141592653589793238462643383279", "1735689600000000000", "100000000000000000000000.5", "0.000001", "7.5",
        "12345678901234567890e-10", "0.0000000000000000000000000000001e31",
    ])
    func doublesAreCorrectlyRounded(_ text: String) throws {
        let d = try number(text).double
        let expected = Double(text)!
        #expect(d.bitPattern == expected.bitPattern, "\(text): \(d) vs \(expected)")
    }

    @Test func randomDoublesRoundTrip() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let v = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)
            for text in [v.description, String(format17(v))] {
                let d = try number(text).double
                #expect(d.bitPattern == Double(text)!.bitPattern, "\(text)")
            }
        }
    }

    /// A decimal rendering with a short mantissa and an exponent (exercises the fast path).
    private func format17(_ v: Double) -> String {
        let m = Int64(v.significandBitPattern % 1_000_000_007)
        let e = Int(v.exponentBitPattern % 40) - 20
        return "\(m)e\(e)"
    }

    @Test func skipValueValidatesWhatItSkips() throws {
        #expect(validate(#"{"a":[1,2,{"b":"\q"}]}"#)?.message == "invalid escape in string")
        let end = try withTokenizer(#"[{"a":[1,"]"]},2] 7"#) { t throws(JSONError) in
            try t.skipValue()
            return t.offset
        }
        #expect(end == 17)
    }

    @Test func unvalidatedSkipFindsTheEnd() throws {
        let doc = #"{"a":[1,"]}\"[",{"b":{}}],"c":"}"}  "#
        let (plain, indexed, entries) = try withTokenizer(doc) { t throws(JSONError) in
            let start = t.position
            try t.skipValueUnvalidated()
            let plain = t.offset
            t.position = start
            let index = JSONSkipIndex(maxLevel: 2)
            try t.skipValueUnvalidated(index: index)
            return (plain, t.offset, index.count)
        }
        #expect(plain == 34)
        #expect(indexed == 34)
        #expect(entries == 2)   // the object and the array in it (level 3 is not recorded)
        #expect(throws: JSONError("unexpected end of input (unclosed object or array)", offset: 7)) {
            try withTokenizer(#"{"a":[1"#) { t throws(JSONError) in try t.skipValueUnvalidated() }
        }
    }

    @Test func skipIndexJumpsNestedContainers() throws {
        let doc = #"{"x":{"y":[1,2,3],"z":{"w":"}"}},"v":[]}"#
        try withTokenizer(doc) { t throws(JSONError) in
            let index = JSONSkipIndex(maxLevel: 4)
            try t.skipValueUnvalidated(index: index)
            #expect(t.offset == doc.utf8.count)
            // Jump into the document: the inner containers are known now.
            for (start, end) in [(5, 32), (10, 17), (22, 31), (37, 39)] {
                t.position = .init(offset: start, depth: 0)
                let before = index.count
                try t.skipValueUnvalidated(index: index)
                #expect(t.offset == end, "container at \(start)")
                #expect(index.count == before)
            }
            index.reset()
            #expect(index.count == 0)
        }
    }

    @Test func objectWalkReturnsKeysInOrder() throws {
        let keys = try withTokenizer(#"{"a":1,"b\u0063":[true,false,null],"d":{}}"#) { t throws(JSONError) -> [String] in
            var keys: [String] = []
            try t.beginObject()
            var first = true
            while let k = try t.nextKey(&first) {
                var out = [UInt8](repeating: 0, count: k.count)
                let n = out.withUnsafeMutableBytes { k.unescape(into: $0.baseAddress!) }
                keys.append(String(decoding: out[0..<n], as: UTF8.self))
                try t.skipValue()
            }
            try t.finish()
            #expect(t.depth == 0)
            return keys
        }
        #expect(keys == ["a", "bc", "d"])
    }

    @Test func peekKindAndLiterals() throws {
        try withTokenizer(#"[{},[],"s",-1,true,false,null]"#) { t throws(JSONError) in
            try t.beginArray()
            var first = true
            var kinds: [JSONValueKind] = []
            while try t.nextElement(&first) {
                let kind = try t.peekKind()
                kinds.append(kind)
                switch kind {
                case .bool: _ = try t.readBool()
                case .null: #expect(try t.skipNull())
                default: try t.skipValue()
                }
            }
            #expect(kinds == [.object, .array, .string, .number, .bool, .bool, .null])
        }
        #expect(throws: JSONError("invalid literal (expected false)", offset: 0)) {
            try withTokenizer("fals") { t throws(JSONError) in _ = try t.readBool() }
        }
    }

    @Test func tokensAreSmall() {
        #expect(MemoryLayout<JSONString>.size <= 32)
        #expect(MemoryLayout<JSONNumber>.size <= 32)
        #expect(MemoryLayout<JSONTokenizer>.size <= 40)
    }
}
