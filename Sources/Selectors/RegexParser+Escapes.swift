/// Backslash sequences outside classes (`\A \z \b \B \Q…\E`, `\pL`, `\d`) and single-character
/// escapes (`\n`, `\x41`, `\x{263a}`, `\101`, `\.`), following Go's `parseEscape`.
extension RegexParser {
    /// Everything that starts with `\` outside a class.
    mutating func parseBackslash() throws(RegexError) {
        let start = pos
        if let next = peek(1) {
            switch next {
            case UInt8(ascii: "A"): push(.assertion(.beginText)); pos += 2; return
            case UInt8(ascii: "z"): push(.assertion(.endText)); pos += 2; return
            case UInt8(ascii: "b"): push(.assertion(.wordBoundary)); pos += 2; return
            case UInt8(ascii: "B"): push(.assertion(.notWordBoundary)); pos += 2; return
            case UInt8(ascii: "C"):
                // "any byte": Go rejects it too.
                throw RegexError(.invalidEscape, offset: start, fragment: text(start, start + 2))
            case UInt8(ascii: "Q"):
                pos += 2
                var end = pattern.count
                var resume = pattern.count
                var i = pos
                while i + 1 < pattern.count {
                    if pattern[i] == UInt8(ascii: "\\") && pattern[i + 1] == UInt8(ascii: "E") {
                        end = i
                        resume = i + 2
                        break
                    }
                    i += 1
                }
                while pos < end {
                    let (c, width) = scalar(at: pos)
                    push(literal: c)
                    pos += width
                }
                pos = resume
                return
            default:
                break
            }
        }
        if let set = try parseUnicodeClass() {
            push(.set(set))
            return
        }
        if let set = parsePerlClass() {
            push(.set(set))
            return
        }
        push(literal: try parseEscape())
    }

    /// One escaped code point at the cursor (which is at `\`), as Go's `parseEscape`.
    mutating func parseEscape() throws(RegexError) -> UInt32 {
        let start = pos
        pos += 1
        guard pos < pattern.count else {
            throw RegexError(.trailingBackslash, offset: start, fragment: "")
        }
        let (c, width) = scalar(at: pos)
        pos += width
        func invalid() -> RegexError { RegexError(.invalidEscape, offset: start, fragment: text(start)) }
        switch c {
        case 0x31...0x37 where !(peek().map(Self.isOctal) ?? false):
            // \1–\7 alone would be a backreference: not supported.
            throw invalid()
        case 0x30...0x37:
            var value = c - 0x30
            for _ in 0..<2 {
                guard let d = peek(), Self.isOctal(d) else { break }
                value = value * 8 + UInt32(d - 0x30)
                pos += 1
            }
            return value
        case UInt32(UInt8(ascii: "x")):
            guard pos < pattern.count else { throw invalid() }
            let (first, firstWidth) = scalar(at: pos)
            pos += firstWidth
            if first == UInt32(UInt8(ascii: "{")) {
                // \x{h…}: one or more hex digits, at most 0x10FFFF.
                var value: UInt32 = 0
                var digits = 0
                while true {
                    guard pos < pattern.count else { throw invalid() }
                    let (d, width) = scalar(at: pos)
                    pos += width
                    if d == UInt32(UInt8(ascii: "}")) { break }
                    guard d < 0x80, let v = Self.hexValue(UInt8(d)) else { throw invalid() }
                    value = value * 16 + v
                    if value > ScalarSet.maxScalar { throw invalid() }
                    digits += 1
                }
                if digits == 0 { throw invalid() }
                return value
            }
            // \xhh: exactly two hex digits (Go reads both before checking either).
            var second: UInt32 = 0x110000
            if pos < pattern.count {
                let (c2, width) = scalar(at: pos)
                pos += width
                second = c2
            }
            guard first < 0x80, second < 0x80, let high = Self.hexValue(UInt8(first)), let low = Self.hexValue(UInt8(second)) else {
                throw invalid()
            }
            return high * 16 + low
        case UInt32(UInt8(ascii: "a")): return 7
        case UInt32(UInt8(ascii: "f")): return 12
        case UInt32(UInt8(ascii: "n")): return 10
        case UInt32(UInt8(ascii: "r")): return 13
        case UInt32(UInt8(ascii: "t")): return 9
        case UInt32(UInt8(ascii: "v")): return 11
        default:
            // Escaped ASCII punctuation is itself; escaped letters, digits and non-ASCII are errors.
            if c < 0x80 && !Self.isAlphanumeric(UInt8(c)) { return c }
            throw invalid()
        }
    }

    /// `[0-9A-Za-z]` (Go's `isalnum`: `\_` is a literal underscore).
    static func isAlphanumeric(_ b: UInt8) -> Bool { b != 0x5F && isWordByte(b) }

    static func isOctal(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x37 }

    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case 0x30...0x39: UInt32(b - 0x30)
        case 0x41...0x46: UInt32(b - 0x41 + 10)
        case 0x61...0x66: UInt32(b - 0x61 + 10)
        default: nil
        }
    }

    /// `\d \D \s \S \w \W` at the cursor, with `(?i)` applied; nil (cursor unchanged) otherwise.
    mutating func parsePerlClass() -> ScalarSet? {
        guard peek() == UInt8(ascii: "\\"), let letter = peek(1), let (set, negated) = NamedClasses.perl(letter) else {
            return nil
        }
        pos += 2
        return applyGroupFlags(set, negated: negated)
    }

    /// A named group's set under the current flags: folded first under `(?i)`, then negated, as
    /// Go's `appendGroup` (so `(?i)\W` excludes `K` U+212A, whose orbit meets `\w`).
    func applyGroupFlags(_ set: ScalarSet, negated: Bool) -> ScalarSet {
        let folded = flags.contains(.caseInsensitive) ? set.caseFolded() : set
        return negated ? folded.inverted() : folded
    }

    /// `\pL`, `\p{Lu}`, `\PL`, `\p{^Lu}` at the cursor; nil (cursor unchanged) when the cursor is
    /// not at `\p`/`\P`.
    mutating func parseUnicodeClass() throws(RegexError) -> ScalarSet? {
        guard peek() == UInt8(ascii: "\\"), let kind = peek(1), kind == UInt8(ascii: "p") || kind == UInt8(ascii: "P") else {
            return nil
        }
        let start = pos
        var negated = kind == UInt8(ascii: "P")
        var name: String
        if peek(2) == UInt8(ascii: "{") {
            guard let close = pattern[(pos + 3)...].firstIndex(of: UInt8(ascii: "}")) else {
                throw RegexError(.invalidCharRange, offset: start, fragment: text(start, pattern.count))
            }
            name = text(pos + 3, close)
            pos = close + 1
        } else if pos + 2 < pattern.count {
            let width = scalar(at: pos + 2).width
            name = text(pos + 2, pos + 2 + width)
            pos += 2 + width
        } else {
            name = ""
            pos += 2
        }
        if name.hasPrefix("^") {
            negated.toggle()
            name.removeFirst()
        }
        guard let set = NamedClasses.unicode(name) else {
            let known = name.isEmpty ? RegexError.Code.invalidCharRange : .unsupportedUnicodeClass
            throw RegexError(known, offset: start, fragment: text(start))
        }
        return applyGroupFlags(set, negated: negated)
    }
}
