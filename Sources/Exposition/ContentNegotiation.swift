/// Chooses the exposition format of a `GET /metrics` response from its `Accept` header
/// (RFC 9110 §12.5.1; prometheus-compat §8).
///
/// slod offers three media types, in this order of preference when the client rates them equally:
/// 1. `text/plain; version=0.0.4` (what `*/*`, curl and browsers get),
/// 2. `application/openmetrics-text; version=0.0.1` (OpenMetrics body, for a client that asks for
///    OpenMetrics without a version, as client_golang does),
/// 3. `application/openmetrics-text; version=1.0.0`.
///
/// Each offer takes the `q` of the **most specific** media range that matches it
/// (`type/subtype;version=…` over `type/subtype` over `type/*` over `*/*`), so
/// `text/plain;q=0, */*` excludes text and `application/openmetrics-text;q=0, */*` excludes
/// OpenMetrics. The offer with the highest `q > 0` wins; ties go to the offer whose range came
/// first in the header, then to the more specific range, then to the order above. A `version`
/// parameter must name a version slod serves (`text/plain`: 0.0.4, or 1.0.0 which is answered
/// with 0.0.4 — the names are legacy-safe either way; OpenMetrics: 0.0.1 or 1.0.0); other
/// parameters (`charset`, `escaping`, …) are ignored.
///
/// Malformed input never fails: a range without `/` or with an invalid `q` (RFC grammar:
/// `0`…`1` with at most three decimals) is skipped, and when nothing acceptable remains — no
/// header, garbage, only unsupported types, everything at `q=0` — the answer is text 0.0.4 (what
/// Prometheus documents as the last resort; slod never answers 406).
///
/// Not supported: several `Accept` header lines (the caller passes the first). Commas and
/// semicolons inside quoted parameter values are handled.
public enum ContentNegotiation {
    public static let textContentType: StaticString = "text/plain; version=0.0.4; charset=utf-8"
    public static let openMetrics100ContentType: StaticString = "application/openmetrics-text; version=1.0.0; charset=utf-8"
    public static let openMetrics001ContentType: StaticString = "application/openmetrics-text; version=0.0.1; charset=utf-8"

    /// The negotiated body format and the `Content-Type` to answer with.
    public struct Choice: Sendable {
        public let format: ExpositionFormat
        public let contentType: StaticString
    }

    /// Negotiates `accept` (the `Accept` header value, nil when absent). O(header length); no
    /// allocation beyond making a non-contiguous string contiguous.
    public static func negotiate(accept: String?) -> Choice {
        guard var accept else { return choice(.text) }
        let offer = accept.withUTF8 { bytes in
            var parser = AcceptParser(bytes)
            return parser.bestOffer()
        }
        return choice(offer ?? .text)
    }

    /// The offers, in the order of preference used for full ties.
    enum Offer: Int, CaseIterable {
        case text = 0, openMetrics001 = 1, openMetrics100 = 2
    }

    static func choice(_ offer: Offer) -> Choice {
        switch offer {
        case .text: Choice(format: .text004, contentType: textContentType)
        case .openMetrics001: Choice(format: .openMetrics100, contentType: openMetrics001ContentType)
        case .openMetrics100: Choice(format: .openMetrics100, contentType: openMetrics100ContentType)
        }
    }
}

/// One pass over an `Accept` value: per offer, the most specific matching range seen so far.
struct AcceptParser {
    /// How an offer was matched: the range's `q` in thousandths, its specificity (0 `*/*`,
    /// 1 `type/*`, 2 `type/subtype`, 3 with a matching `version`) and its position.
    struct Match {
        var q: Int
        var specificity: Int
        var position: Int
    }

    let bytes: UnsafeBufferPointer<UInt8>
    /// One slot per `ContentNegotiation.Offer` (stored fields, not an array: no allocation).
    var text: Match?
    var openMetrics001: Match?
    var openMetrics100: Match?

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// The offer the client prefers, or nil when none is acceptable.
    mutating func bestOffer() -> ContentNegotiation.Offer? {
        var position = 0
        var start = 0
        while start <= bytes.count {
            let end = Self.find(UInt8(ascii: ","), in: bytes, from: start, to: bytes.count)
            range(start, end, position: position)
            position += 1
            start = end + 1
        }
        var best: (offer: ContentNegotiation.Offer, match: Match)?
        for offer in ContentNegotiation.Offer.allCases {
            guard let m = match(offer), m.q > 0 else { continue }
            guard let b = best else { best = (offer, m); continue }
            // Higher q, then earlier range, then more specific range; full ties keep the
            // earlier (preferred) offer.
            if (m.q, -m.position, m.specificity) > (b.match.q, -b.match.position, b.match.specificity) {
                best = (offer, m)
            }
        }
        return best?.offer
    }

    /// Parses the media range in `bytes[start..<end]` and records what it matches.
    private mutating func range(_ start: Int, _ end: Int, position: Int) {
        let typeEnd = Self.find(UInt8(ascii: ";"), in: bytes, from: start, to: end)
        let (ts, te) = trim(start, typeEnd)
        let slash = Self.find(UInt8(ascii: "/"), in: bytes, from: ts, to: te, skipQuoted: false)
        guard slash > ts, slash + 1 < te else { return }
        var q = 1000
        var version: (Int, Int)?
        var p = typeEnd
        while p < end {
            let paramEnd = Self.find(UInt8(ascii: ";"), in: bytes, from: p + 1, to: end)
            let (ps, pe) = trim(p + 1, paramEnd)
            p = paramEnd
            let eq = Self.find(UInt8(ascii: "="), in: bytes, from: ps, to: pe)
            guard eq < pe else { continue }
            let (ks, ke) = trim(ps, eq)
            var (vs, ve) = trim(eq + 1, pe)
            if ve - vs >= 2, bytes[vs] == UInt8(ascii: "\""), bytes[ve - 1] == UInt8(ascii: "\"") { vs += 1; ve -= 1 }
            if equalsIgnoringCase(ks, ke, "q") {
                guard let parsed = Self.qValue(bytes, vs, ve) else { return }  // invalid q: skip the range
                q = parsed
            } else if equalsIgnoringCase(ks, ke, "version") {
                version = (vs, ve)
            }
        }
        let typeIsAny = equalsIgnoringCase(ts, slash, "*")
        let subtypeIsAny = equalsIgnoringCase(slash + 1, te, "*")
        if typeIsAny {
            // `*/x` is not a valid range; only `*/*` matches everything.
            if subtypeIsAny { for o in ContentNegotiation.Offer.allCases { record(o, q, 0, position) } }
        } else if equalsIgnoringCase(ts, slash, "text") {
            if subtypeIsAny {
                record(.text, q, 1, position)
            } else if equalsIgnoringCase(slash + 1, te, "plain") {
                if let (vs, ve) = version {
                    if equals(vs, ve, "0.0.4") || equals(vs, ve, "1.0.0") { record(.text, q, 3, position) }
                } else {
                    record(.text, q, 2, position)
                }
            }
        } else if equalsIgnoringCase(ts, slash, "application") {
            if subtypeIsAny {
                record(.openMetrics001, q, 1, position)
                record(.openMetrics100, q, 1, position)
            } else if equalsIgnoringCase(slash + 1, te, "openmetrics-text") {
                if let (vs, ve) = version {
                    if equals(vs, ve, "1.0.0") { record(.openMetrics100, q, 3, position) }
                    if equals(vs, ve, "0.0.1") { record(.openMetrics001, q, 3, position) }
                } else {
                    record(.openMetrics001, q, 2, position)
                    record(.openMetrics100, q, 2, position)
                }
            }
        }
    }

    /// Keeps the most specific match per offer (the first one among equally specific ranges).
    private mutating func record(_ offer: ContentNegotiation.Offer, _ q: Int, _ specificity: Int, _ position: Int) {
        if let m = match(offer), m.specificity >= specificity { return }
        let new = Match(q: q, specificity: specificity, position: position)
        switch offer {
        case .text: text = new
        case .openMetrics001: openMetrics001 = new
        case .openMetrics100: openMetrics100 = new
        }
    }

    private func match(_ offer: ContentNegotiation.Offer) -> Match? {
        switch offer {
        case .text: text
        case .openMetrics001: openMetrics001
        case .openMetrics100: openMetrics100
        }
    }

    /// RFC 9110 qvalue in thousandths: `0[.ddd]` or `1[.000]`; nil when malformed.
    static func qValue(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        guard start < end, end - start <= 5 else { return nil }
        let lead = b[start]
        guard lead == UInt8(ascii: "0") || lead == UInt8(ascii: "1") else { return nil }
        var value = Int(lead - UInt8(ascii: "0")) * 1000
        guard end - start > 1 else { return value }
        guard b[start + 1] == UInt8(ascii: ".") else { return nil }
        var scale = 100
        for i in (start + 2)..<end {
            let d = b[i]
            guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else { return nil }
            value += Int(d - UInt8(ascii: "0")) * scale
            scale /= 10
        }
        return value <= 1000 ? value : nil
    }

    /// Index of the first `byte` in `b[from..<to]`, or `to`; with `skipQuoted`, bytes inside a
    /// quoted string (backslash escapes honoured) do not count.
    static func find(_ byte: UInt8, in b: UnsafeBufferPointer<UInt8>, from: Int, to: Int, skipQuoted: Bool = true) -> Int {
        var inQuotes = false
        var i = from
        while i < to {
            let c = b[i]
            if inQuotes {
                if c == UInt8(ascii: "\\") { i += 1 } else if c == UInt8(ascii: "\"") { inQuotes = false }
            } else if c == byte {
                return i
            } else if skipQuoted, c == UInt8(ascii: "\"") {
                inQuotes = true
            }
            i += 1
        }
        return to
    }

    /// `[start, end)` without leading and trailing spaces and tabs.
    private func trim(_ start: Int, _ end: Int) -> (Int, Int) {
        var s = start, e = min(end, bytes.count)
        while s < e, bytes[s] == 0x20 || bytes[s] == 0x09 { s += 1 }
        while e > s, bytes[e - 1] == 0x20 || bytes[e - 1] == 0x09 { e -= 1 }
        return (s, e)
    }

    private func equals(_ start: Int, _ end: Int, _ literal: StaticString) -> Bool {
        guard end - start == literal.utf8CodeUnitCount else { return false }
        let l = literal.utf8Start
        for i in 0..<(end - start) where bytes[start + i] != l[i] { return false }
        return true
    }

    /// ASCII case-insensitive comparison with a lowercase `literal`.
    private func equalsIgnoringCase(_ start: Int, _ end: Int, _ literal: StaticString) -> Bool {
        guard end - start == literal.utf8CodeUnitCount else { return false }
        let l = literal.utf8Start
        for i in 0..<(end - start) {
            var c = bytes[start + i]
            if c >= UInt8(ascii: "A"), c <= UInt8(ascii: "Z") { c |= 0x20 }
            if c != l[i] { return false }
        }
        return true
    }
}
