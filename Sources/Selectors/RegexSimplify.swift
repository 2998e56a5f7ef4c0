/// Rewrites a parsed tree into an equivalent one that compiles smaller and exposes the shapes
/// the fast paths look for: counted repetitions are expanded (as Go's `Simplify`), nested
/// concatenations and alternations are flattened, adjacent literals merge, single-character
/// branches merge into one set, `noMatch` propagates, and anchors that the whole-match already
/// implies (`^…$`) are dropped.
extension RegexNode {
    /// Estimated instruction count after expansion, saturating at `limit + 1`; used to reject
    /// `expression too large` before anything is expanded.
    func estimatedSize(limit: Int) -> Int {
        func clamp(_ x: Int) -> Int { Swift.min(x, limit + 1) }
        switch self {
        case .empty, .assertion, .set, .noMatch: return 1
        case .literal(let scalars): return Swift.max(scalars.count, 1)
        case .concat(let parts):
            var total = 0
            for part in parts { total = clamp(total + part.estimatedSize(limit: limit)) }
            return total
        case .alternate(let branches):
            var total = 0
            for branch in branches { total = clamp(total + branch.estimatedSize(limit: limit) + 2) }
            return total
        case .repetition(let sub, let min, let max):
            let copies = Swift.max(max ?? (min + 1), 1)
            return clamp(sub.estimatedSize(limit: limit) * copies + 2 * copies)
        }
    }

    /// The simplified tree for whole-string matching (leading `^`/`\A` and trailing `$`/`\z`
    /// are implied by the whole match and removed).
    func simplifiedForWholeMatch() -> RegexNode {
        simplified().strippingImpliedAnchors()
    }

    /// The simplified tree (see the type's extension comment).
    func simplified() -> RegexNode {
        switch self {
        case .empty, .noMatch, .assertion:
            return self
        case .literal(let scalars):
            if scalars.isEmpty { return .empty }
            // A surrogate value can never be decoded from input.
            if scalars.contains(where: { $0 >= 0xD800 && $0 <= 0xDFFF }) { return .noMatch }
            return self
        case .set(let set):
            if set.isEmpty { return .noMatch }
            if let c = set.singleMember { return RegexNode.literal([c]).simplified() }
            return self
        case .concat(let parts):
            return Self.makeConcat(parts.map { $0.simplified() })
        case .alternate(let branches):
            return Self.makeAlternate(branches.map { $0.simplified() })
        case .repetition(let sub, let min, let max):
            return Self.makeRepetition(sub.simplified(), min: min, max: max)
        }
    }

    /// A concatenation of simplified parts: flattened, literals merged, empties dropped.
    static func makeConcat(_ parts: [RegexNode]) -> RegexNode {
        var result: [RegexNode] = []
        func append(_ node: RegexNode) {
            switch node {
            case .empty: return
            case .concat(let inner): inner.forEach(append)
            case .literal(let scalars):
                if case .literal(let previous)? = result.last {
                    result[result.count - 1] = .literal(previous + scalars)
                } else {
                    result.append(node)
                }
            default: result.append(node)
            }
        }
        for part in parts {
            if case .noMatch = part { return .noMatch }
            append(part)
        }
        switch result.count {
        case 0: return .empty
        case 1: return result[0]
        default: return .concat(result)
        }
    }

    /// An alternation of simplified branches: flattened, impossible branches dropped, duplicates
    /// removed, one-character branches merged into one set (order is irrelevant to a yes/no
    /// whole-match answer).
    static func makeAlternate(_ branches: [RegexNode]) -> RegexNode {
        var result: [RegexNode] = []
        var seen: Set<RegexNode> = []
        var merged: ScalarSet? = nil
        func append(_ node: RegexNode) {
            switch node {
            case .noMatch: return
            case .alternate(let inner): inner.forEach(append)
            case .set(let set): merged = merged?.union(set) ?? set
            case .literal(let scalars) where scalars.count == 1: merged = merged?.union(.single(scalars[0])) ?? .single(scalars[0])
            default: if seen.insert(node).inserted { result.append(node) }
            }
        }
        branches.forEach(append)
        if let merged { result.insert(RegexNode.set(merged).simplified(), at: 0) }
        switch result.count {
        case 0: return .noMatch
        case 1: return result[0]
        default: return .alternate(result)
        }
    }

    /// A repetition of a simplified node, with counted forms expanded into `*`, `+`, `?`:
    /// `x{2,4}` → `xx(x(x)?)?`, `x{3,}` → `xxx+`.
    static func makeRepetition(_ sub: RegexNode, min: Int, max: Int?) -> RegexNode {
        if max == 0 { return .empty }
        switch sub {
        case .noMatch: return min == 0 ? .empty : .noMatch
        case .empty: return .empty
        default: break
        }
        // An empty-width sub-expression matches the same once as many times.
        if sub.isEmptyWidth { return min == 0 ? .empty : sub }
        if min == 1 && max == 1 { return sub }
        // Stacked simple operators: (x*)+, (x+)?, (x?)* … collapse to one.
        if case .repetition(let inner, let innerMin, let innerMax) = sub,
           min <= 1, innerMin <= 1, max == nil || max == 1, innerMax == nil || innerMax == 1 {
            let unbounded = max == nil || innerMax == nil
            return .repetition(inner, min: min * innerMin, max: unbounded ? nil : 1)
        }
        switch (min, max) {
        case (0, nil), (1, nil), (0, 1):
            return .repetition(sub, min: min, max: max)
        case (_, nil):
            // x{n,} → n-1 copies then x+.
            return makeConcat(Array(repeating: sub, count: min - 1) + [.repetition(sub, min: 1, max: nil)])
        case (_, let max?):
            // x{n,m} → n copies, then (x(x(x)?)?)? nested m-n deep.
            var optional: RegexNode? = nil
            for _ in 0..<(max - min) {
                optional = .repetition(optional.map { makeConcat([sub, $0]) } ?? sub, min: 0, max: 1)
            }
            return makeConcat(Array(repeating: sub, count: min) + (optional.map { [$0] } ?? []))
        }
    }

    /// Drops assertions that always hold at the edges of a whole match: `^`/`\A` (either
    /// flavour) at the very start and `$`/`\z` at the very end, looking into alternations.
    func strippingImpliedAnchors() -> RegexNode {
        stripping(leading: true, trailing: true)
    }

    private func stripping(leading: Bool, trailing: Bool) -> RegexNode {
        switch self {
        case .assertion(let a):
            if leading && (a == .beginText || a == .beginLine) { return .empty }
            if trailing && (a == .endText || a == .endLine) { return .empty }
            return self
        case .alternate(let branches):
            return Self.makeAlternate(branches.map { $0.stripping(leading: leading, trailing: trailing) })
        case .concat(var parts):
            // Everything before the first consuming part is at the start; likewise at the end.
            var index = 0
            while leading, index < parts.count, parts[index].isEmptyWidth {
                parts[index] = parts[index].stripping(leading: true, trailing: false)
                index += 1
            }
            if leading, index < parts.count {
                parts[index] = parts[index].stripping(leading: true, trailing: false)
            }
            index = parts.count - 1
            while trailing, index >= 0, parts[index].isEmptyWidth {
                parts[index] = parts[index].stripping(leading: false, trailing: true)
                index -= 1
            }
            if trailing, index >= 0 {
                parts[index] = parts[index].stripping(leading: false, trailing: true)
            }
            return Self.makeConcat(parts)
        default:
            return self
        }
    }
}
