/// The metric names of slod's own families, against which `/metrics` checks every ingested family:
/// an ingested family that would clash with one of them is left out of the exposition (and counted
/// in `slod_exposition_conflicts_total`).
///
/// Why at render time, and why slod wins: a pushed OTLP metric that translates to, say,
/// `slod_series` or `process_open_fds` would otherwise produce a second `# TYPE` for one name (an
/// invalid exposition that Prometheus rejects whole) or mix foreign samples into slod's own
/// series. slod's families describe the daemon being scraped, so they stay; the ingested points
/// are still stored (ingest does not know what the registry will hold at scrape time).
///
/// What clashes: two names clash when their *roots* are equal, the root of a name being the name
/// without one trailing sample suffix (`_total`, `_created`, `_bucket`, `_sum`, `_count`, `_info`,
/// `_gsum`, `_gcount`), or the name itself when it has none. This covers every way two families
/// can collide in either format — same name; a sample name of one being the family name of the
/// other (`x_count` gauge vs histogram `x`); OpenMetrics family names (`x` gauge vs counter
/// `x_total`, whose OpenMetrics family is `x`) — at the price of also reserving a few harmless
/// neighbours (`slod_series_count` next to gauge `slod_series`). Only exact names slod uses are
/// reserved, not the whole `slod_` namespace: a user's `slod.test.requests` counter is exposed.
///
/// Immutable; built at registration, read at every scrape.
public struct ReservedFamilyNames: Sendable {
    /// Roots of the reserved names, as bytes.
    let roots: [[UInt8]]
    /// Distinct leading `…_` of the roots (`slod_`, `process_`): a name without one of these
    /// cannot clash, which keeps the check for unrelated names to a couple of byte comparisons.
    let namespaces: [[UInt8]]

    /// Reserves `names` (family names as text 0.0.4 writes them: counters with `_total`).
    public init(names: some Sequence<String>) {
        var roots: [[UInt8]] = []
        var namespaces: [[UInt8]] = []
        for name in names where !name.isEmpty {
            let bytes = Array(name.utf8)
            let root = Array(bytes[..<Self.rootLength(bytes[...])])
            if !roots.contains(root) { roots.append(root) }
            let ns = Array(root[...(root.firstIndex(of: UInt8(ascii: "_")) ?? root.count - 1)])
            if !ns.isEmpty, !namespaces.contains(ns) { namespaces.append(ns) }
        }
        self.roots = roots
        self.namespaces = namespaces
    }

    /// Nothing reserved.
    public static let none = ReservedFamilyNames(names: [])

    public var isEmpty: Bool { roots.isEmpty }

    static let sampleSuffixes: [[UInt8]] =
        ["_total", "_created", "_bucket", "_sum", "_count", "_info", "_gsum", "_gcount"].map { Array($0.utf8) }

    /// Length of the root of `name`: without its first matching sample suffix (never empty).
    static func rootLength<C: Collection<UInt8>>(_ name: C) -> Int {
        let n = name.count
        for suffix in sampleSuffixes where n > suffix.count && name.reversed().starts(with: suffix.reversed()) {
            return n - suffix.count
        }
        return n
    }

    /// Whether an ingested family named `name` clashes with a reserved one. No allocation; a
    /// name outside the reserved namespaces costs one or two short byte comparisons.
    public func reserves(_ name: String) -> Bool {
        let n = name.utf8
        guard namespaces.contains(where: { n.starts(with: $0) }) else { return false }
        let length = Self.rootLength(n)
        return roots.contains { $0.count == length && n.starts(with: $0) }
    }
}
