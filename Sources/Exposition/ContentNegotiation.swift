/// Chooses the exposition format of a `GET /metrics` response from its `Accept` header
/// (prometheus-compat §8).
public enum ContentNegotiation {
    public static let textContentType = "text/plain; version=0.0.4; charset=utf-8"
    public static let openMetrics100ContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8"
    public static let openMetrics001ContentType = "application/openmetrics-text; version=0.0.1; charset=utf-8"

    /// Parses the comma-separated media ranges of `accept` (parameters split on `;`, trimmed;
    /// type, subtype and parameter names case-insensitive; `q` defaults to 1, `q` ≤ 0 or
    /// unparsable means not acceptable), orders them by `q` descending (stable) and answers the
    /// first supported one:
    /// - `application/openmetrics-text` with `version=1.0.0` ⇒ OpenMetrics, `version=1.0.0`;
    ///   with `version=0.0.1` or no version ⇒ OpenMetrics, `version=0.0.1` (same body);
    /// - `text/plain` without version or with `0.0.4` or `1.0.0`, `text/*`, `*/*` ⇒ text 0.0.4.
    /// Nothing supported, garbage, or no header ⇒ text 0.0.4. Allocates a little (per request).
    public static func negotiate(accept: String?) -> (format: ExpositionFormat, contentType: String) {
        let fallback = (ExpositionFormat.text004, textContentType)
        guard let accept else { return fallback }
        var candidates: [(q: Double, format: ExpositionFormat, contentType: String)] = []
        for range in accept.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = range.split(separator: ";", omittingEmptySubsequences: false)
            let mediaType = trim(parts[0]).lowercased()
            var q = 1.0
            var version: Substring?
            var valid = true
            for param in parts.dropFirst() {
                let p = trim(param)
                guard let eq = p.firstIndex(of: "=") else { continue }
                let key = trim(p[..<eq]).lowercased()
                var value = trim(p[p.index(after: eq)...])
                if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
                if key == "q" {
                    if let v = Double(value), v.isFinite, v >= 0, v <= 1 { q = v } else { valid = false }
                } else if key == "version" {
                    version = value
                }
            }
            guard valid, q > 0 else { continue }
            let chosen: (ExpositionFormat, String)?
            switch mediaType {
            case "application/openmetrics-text":
                switch version {
                case "1.0.0": chosen = (.openMetrics100, openMetrics100ContentType)
                case nil, "0.0.1": chosen = (.openMetrics100, openMetrics001ContentType)
                default: chosen = nil
                }
            case "text/plain":
                switch version {
                case nil, "0.0.4", "1.0.0": chosen = fallback
                default: chosen = nil
                }
            case "text/*", "*/*":
                chosen = fallback
            default:
                chosen = nil
            }
            if let chosen { candidates.append((q, chosen.0, chosen.1)) }
        }
        // Stable: the first candidate with the highest q.
        var best: (q: Double, format: ExpositionFormat, contentType: String)?
        for c in candidates where best == nil || c.q > best!.q { best = c }
        guard let best else { return fallback }
        return (best.format, best.contentType)
    }

    private static func trim(_ s: Substring) -> Substring {
        var s = s
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return s
    }
}
