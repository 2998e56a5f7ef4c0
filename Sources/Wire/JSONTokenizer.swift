/// A streaming, allocation-free JSON (RFC 8259) pull tokenizer over borrowed bytes.
///
/// The caller drives it: `peekKind()` tells what value comes next; `beginObject()` /
/// `nextKey(_:)`, `beginArray()` / `nextElement(_:)` walk containers; `readString()`,
/// `readNumber()`, `readBool()`, `readNull()` consume scalars; `skipValue()` consumes any value,
/// validating it; `skipValueUnvalidated()` finds the end of a value quickly for values that are
/// parsed again later (two-pass walks: see `position`). `finish()` checks that only whitespace
/// follows the top-level value.
///
/// Strictness: no trailing commas, no leading zeros, no control characters or invalid escapes in
/// strings, no invalid UTF-8 in strings, no lone surrogates in `\u` escapes (an error, not U+FFFD),
/// nesting deeper than `maxDepth` objects/arrays is an error. Every error is a `JSONError` naming
/// what was expected and the byte offset.
///
/// Memory: the tokenizer borrows the buffer; `JSONString` and `JSONNumber` tokens point into it
/// and are valid as long as the buffer is. Nothing is allocated per token. Not thread-safe (a
/// value type used by one caller).
public struct JSONTokenizer {
    @usableFromInline let bytes: UnsafePointer<UInt8>
    /// Length of the document in bytes.
    public let count: Int
    /// Offset of the next unread byte.
    public var offset: Int = 0
    /// Current nesting depth (open objects plus open arrays).
    public var depth: Int = 0
    /// Deepest nesting allowed; one more is an error ("nesting too deep").
    public let maxDepth: Int

    /// A place in the document to come back to (offset and nesting depth).
    public struct Position: Sendable, Equatable {
        public var offset: Int
        public var depth: Int
        @inlinable public init(offset: Int, depth: Int) { self.offset = offset; self.depth = depth }
    }

    /// Starts at the beginning of `buffer`, which must outlive the tokenizer and its tokens.
    public init(_ buffer: UnsafeRawBufferPointer, maxDepth: Int = 128) {
        if let base = buffer.baseAddress, buffer.count > 0 {
            bytes = base.assumingMemoryBound(to: UInt8.self)
            count = buffer.count
        } else {
            bytes = JSONTokenizer.emptyByte
            count = 0
        }
        self.maxDepth = maxDepth
    }

    nonisolated(unsafe) static let emptyByte: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    /// Where the tokenizer is; assign a saved value to go back (or forward) to it. Positions must
    /// come from this tokenizer and point at a value boundary it produced.
    @inlinable public var position: Position {
        get { Position(offset: offset, depth: depth) }
        set { offset = newValue.offset; depth = newValue.depth }
    }

    /// The whole document.
    @inlinable public var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: bytes, count: count) }

    // MARK: - Errors

    @usableFromInline func error(_ message: String, at offset: Int) -> JSONError {
        if offset >= count { return JSONError("unexpected end of input", offset: count) }
        return JSONError(message, offset: offset)
    }

    // MARK: - Whitespace and lookahead

    /// Skips whitespace and returns the next byte without consuming it, or 0 at the end.
    @inlinable @inline(__always)
    public mutating func peekNonWhitespace() -> UInt8 {
        var i = offset
        while i < count {
            let b = bytes[i]
            if b > 0x20 { offset = i; return b }
            if b != 0x20 && b != 0x0A && b != 0x0D && b != 0x09 { offset = i; return b }
            i += 1
        }
        offset = i
        return 0
    }

    /// The kind of the next value (after whitespace), without consuming it.
    @inlinable
    public mutating func peekKind() throws(JSONError) -> JSONValueKind {
        switch peekNonWhitespace() {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        default: throw error("expected a value", at: offset)
        }
    }

    /// Checks that only whitespace remains after the top-level value.
    public mutating func finish() throws(JSONError) {
        if peekNonWhitespace() != 0 || offset < count {
            throw JSONError("expected end of input", offset: offset)
        }
    }

    // MARK: - Containers

    /// Consumes `{` (after whitespace). Follow with `nextKey` until it returns nil.
    @inlinable
    public mutating func beginObject() throws(JSONError) {
        guard peekNonWhitespace() == UInt8(ascii: "{") else { throw error("expected '{'", at: offset) }
        try enter()
    }

    /// Consumes `[` (after whitespace). Follow with `nextElement` until it returns false.
    @inlinable
    public mutating func beginArray() throws(JSONError) {
        guard peekNonWhitespace() == UInt8(ascii: "[") else { throw error("expected '['", at: offset) }
        try enter()
    }

    @inlinable @inline(__always)
    mutating func enter() throws(JSONError) {
        depth += 1
        if depth > maxDepth { throw JSONError("nesting too deep", offset: offset) }
        offset += 1
    }

    /// Reads the next member key of the open object and the `:` after it, or consumes the closing
    /// `}` and returns nil. `first` must start as true for each object (the function clears it).
    /// After a non-nil key the caller must consume exactly one value.
    @inlinable
    public mutating func nextKey(_ first: inout Bool) throws(JSONError) -> JSONString? {
        var b = peekNonWhitespace()
        let wasFirst = first
        if first {
            first = false
            if b == UInt8(ascii: "}") { offset += 1; depth -= 1; return nil }
        } else if b == UInt8(ascii: ",") {
            offset += 1
            b = peekNonWhitespace()
            if b == UInt8(ascii: "}") { throw error("trailing comma before '}'", at: offset) }
        } else if b == UInt8(ascii: "}") {
            offset += 1; depth -= 1; return nil
        } else {
            throw error("expected ',' or '}'", at: offset)
        }
        guard b == UInt8(ascii: "\"") else { throw error(wasFirst ? "expected '\"' or '}'" : "expected '\"' (a key)", at: offset) }
        let key = try scanString()
        guard peekNonWhitespace() == UInt8(ascii: ":") else { throw error("expected ':'", at: offset) }
        offset += 1
        return key
    }

    /// Advances to the next element of the open array (returns true; the caller must consume
    /// exactly one value), or consumes the closing `]` and returns false. `first` must start as
    /// true for each array.
    @inlinable
    public mutating func nextElement(_ first: inout Bool) throws(JSONError) -> Bool {
        let b = peekNonWhitespace()
        if first {
            first = false
            if b == UInt8(ascii: "]") { offset += 1; depth -= 1; return false }
            return true
        }
        if b == UInt8(ascii: ",") {
            offset += 1
            if peekNonWhitespace() == UInt8(ascii: "]") { throw error("trailing comma before ']'", at: offset) }
            return true
        }
        if b == UInt8(ascii: "]") { offset += 1; depth -= 1; return false }
        throw error("expected ',' or ']'", at: offset)
    }

    // MARK: - Scalars

    /// Reads a string (after whitespace). The token borrows the document.
    @inlinable
    public mutating func readString() throws(JSONError) -> JSONString {
        guard peekNonWhitespace() == UInt8(ascii: "\"") else { throw error("expected a string", at: offset) }
        return try scanString()
    }

    /// Reads a number (after whitespace), checking the RFC 8259 grammar.
    @inlinable
    public mutating func readNumber() throws(JSONError) -> JSONNumber {
        _ = peekNonWhitespace()
        return try scanNumber()
    }

    /// Reads `true` or `false` (after whitespace).
    @inlinable
    public mutating func readBool() throws(JSONError) -> Bool {
        let b = peekNonWhitespace()
        if b == UInt8(ascii: "t") { try literal(0x7472_7565, length: 4); return true }   // "true"
        if b == UInt8(ascii: "f") {
            if offset + 5 <= count && bytes[offset + 4] == UInt8(ascii: "e") {
                try literal(0x6661_6C73, length: 4)   // "fals"
                offset += 1
                return false
            }
            throw error("invalid literal (expected false)", at: offset)
        }
        throw error("expected true or false", at: offset)
    }

    /// Reads `null` (after whitespace).
    @inlinable
    public mutating func readNull() throws(JSONError) {
        guard peekNonWhitespace() == UInt8(ascii: "n") else { throw error("expected null", at: offset) }
        try literal(0x6E75_6C6C, length: 4)   // "null"
    }

    /// If the next value is `null`, consumes it and returns true.
    @inlinable
    public mutating func skipNull() throws(JSONError) -> Bool {
        guard peekNonWhitespace() == UInt8(ascii: "n") else { return false }
        try literal(0x6E75_6C6C, length: 4)
        return true
    }

    @inlinable
    mutating func literal(_ bigEndian4: UInt32, length: Int) throws(JSONError) {
        guard offset + 4 <= count else { throw error("invalid literal", at: count) }
        let v = UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
        guard v == bigEndian4 else { throw error("invalid literal", at: offset) }
        offset += 4
    }
}

/// What kind of value comes next.
public enum JSONValueKind: UInt8, Sendable, CustomStringConvertible {
    case object, array, string, number, bool, null
    public var description: String {
        switch self {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .number: "number"
        case .bool: "boolean"
        case .null: "null"
        }
    }
}
