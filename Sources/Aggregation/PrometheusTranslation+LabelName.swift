import OTLP

// MARK: - Label names (§2.1)

extension PrometheusNaming {
    /// The Prometheus label name for an OTLP attribute key, or nil if the attribute cannot be a
    /// label (drop it). Reference `prometheus-compat.md` §2.1, in this order:
    ///
    /// 1. an empty key ⇒ nil;
    /// 2. a key that starts **and** ends with `__` and has ≥ 4 bytes (`__meta__`) keeps its `__`
    ///    wrapper; only the inside is sanitized;
    /// 3. otherwise the whole key is sanitized: every byte not `[A-Za-z0-9]` becomes `_` and runs
    ///    of `_` (original ones included) collapse to one (`http.method` → `http_method`,
    ///    `a..b` → `a_b`, `a__b` → `a_b`, `__x` → `_x`, `café` → `caf_`);
    /// 4. a leading digit gets the prefix `key_` (`123abc` → `key_123abc`);
    /// 5. a result made only of `_` ⇒ nil.
    ///
    /// A single leading `_` is kept (`_private`): the current translator's behaviour; older
    /// Collector versions produced `key_private`. Byte-wise sanitizing equals the reference's
    /// per-character rule because every byte of a multi-byte character is replaced and the run
    /// collapses to one `_`.
    ///
    /// Cost: O(key) and one or two allocations.
    static func labelName(_ key: String) -> String? {
        labelName(utf8: Array(key.utf8))
    }

    /// `labelName(_:)` for a borrowed key (copied; the view need only be valid during the call).
    static func labelName(_ key: ByteView) -> String? {
        labelName(utf8: key.array)
    }

    /// `labelName(_:)` over UTF-8 bytes.
    static func labelName(utf8 key: [UInt8]) -> String? {
        if key.isEmpty { return nil }
        let underscore = UInt8(ascii: "_")
        var out: [UInt8] = []
        out.reserveCapacity(key.count + 4)
        let n = key.count
        if n >= 4, key[0] == underscore, key[1] == underscore, key[n - 2] == underscore, key[n - 1] == underscore {
            out.append(underscore); out.append(underscore)
            appendSanitizedLabel(key[2..<(n - 2)], to: &out)
            out.append(underscore); out.append(underscore)
        } else {
            appendSanitizedLabel(key[...], to: &out)
            if let first = out.first, isDigit(first) { out.insert(contentsOf: "key_".utf8, at: 0) }
        }
        if out.allSatisfy({ $0 == underscore }) { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `bytes` with every byte not `[A-Za-z0-9]` replaced by `_` and runs of `_`
    /// collapsed (runs are only collapsed within what this call appends).
    static func appendSanitizedLabel(_ bytes: ArraySlice<UInt8>, to out: inout [UInt8]) {
        let underscore = UInt8(ascii: "_")
        var lastWasUnderscore = false
        for b in bytes {
            if isAlphanumeric(b) {
                out.append(b)
                lastWasUnderscore = false
            } else if !lastWasUnderscore {
                out.append(underscore)
                lastWasUnderscore = true
            }
        }
    }
}
