import SLO
import Selectors

/// The PromQL queries of imported SLO files (`RateQuery`, `BadEventsQuery`), decoded with their
/// problems placed inside the query text, and what their selectors become.
extension SLODecoding {
    /// A query of `RateQuery`'s shape at `key`, with problems placed inside the scalar.
    mutating func rateQuery(_ m: inout ConfigMapping, _ key: String, at owner: YAMLNode, range: RateQuery.RangeForm) -> (RateQuery, YAMLNode)? {
        countingQuery(&m, key, at: owner, terms: { [(query: $0, offset: nil)] }) { text throws(RateQuery.Problem) in
            try RateQuery.parse(text, range: range)
        }
    }

    /// A query of `BadEventsQuery`'s shape at `key`, with problems placed inside the scalar.
    mutating func badEventsQuery(_ m: inout ConfigMapping, _ key: String, at owner: YAMLNode, range: RateQuery.RangeForm) -> (BadEventsQuery, YAMLNode)? {
        countingQuery(&m, key, at: owner, terms: \.terms) { text throws(RateQuery.Problem) in
            try BadEventsQuery.parse(text, range: range)
        }
    }

    /// The query at `key` parsed by `parse`, its `terms` checked: grouping labels that may name
    /// output labels, selectors of what a rate counts.
    private mutating func countingQuery<Query>(_ m: inout ConfigMapping, _ key: String, at owner: YAMLNode,
                                               terms: (Query) -> [(query: RateQuery, offset: Int?)],
                                               parse: (String) throws(RateQuery.Problem) -> Query) -> (Query, YAMLNode)? {
        guard let (text, node) = scalar(&m, key, required: true, at: owner) else { return nil }
        let query: Query
        do throws(RateQuery.Problem) {
            query = try parse(text)
        } catch {
            report(node, byteOffset: error.offset, m.keyPath(key), error.message)
            return nil
        }
        let errorsBefore = errors.count
        for (term, offset) in terms(query) {
            for name in term.groupBy {
                do throws(SLOConfigurationError) { try SLOSpec.checkGroupByLabel(name, subject: "by") } catch {
                    report(node, byteOffset: offset, m.keyPath(key), "by (…): " + error.message)
                }
            }
            // What the query counts is an events selector: refused here, at the query, rather
            // than later at the SLO's entry under slod's own key names.
            do throws(SLOConfigurationError) { try SLOSpec.checkEventsSelector(term.selector, subject: key) } catch {
                report(node, byteOffset: offset, m.keyPath(key), error.message)
            }
        }
        return errors.count == errorsBefore ? (query, node) : nil
    }

    /// The events SLI that `query` (the bad events) and `total` count: bad = the query's
    /// selector, or for a count minus a bucket good = the bucket, the count having to be
    /// `total`'s selector. Every term must group by `total`'s labels. nil when reported.
    mutating func eventsSLI(bad query: BadEventsQuery, at node: YAMLNode, _ keyPath: String, name: String,
                            total: RateQuery, totalName: String) -> SLOSpec.SLI? {
        let errorsBefore = errors.count
        if case .totalMinusGood(let count, let countOffset, _, _) = query, count.selector != total.selector {
            report(node, byteOffset: countOffset, keyPath,
                   "slod reads \(name) as a count minus a bucket only when the count is \(totalName)'s selector: \(count.selector) is not \(total.selector); write the same selector in both")
        }
        guard groupsLikeTotal(query.terms, at: node, keyPath, total: total, totalName: totalName), errors.count == errorsBefore else { return nil }
        switch query {
        case .single(let bad): return .events(total: total.selector, good: nil, bad: bad.selector)
        case .totalMinusGood(_, _, let good, _): return .events(total: total.selector, good: good.selector, bad: nil)
        }
    }

    /// Whether every term groups by `total`'s labels (in any order); reported at each that does not.
    mutating func groupsLikeTotal(_ terms: [(query: RateQuery, offset: Int?)], at node: YAMLNode, _ keyPath: String,
                                  total: RateQuery, totalName: String) -> Bool {
        var same = true
        for (term, offset) in terms where Set(term.groupBy) != Set(total.groupBy) {
            report(node, byteOffset: offset, keyPath,
                   "groups by (\(term.groupBy.joined(separator: ", "))) but \(totalName) by (\(total.groupBy.joined(separator: ", "))); both must group by the same labels")
            same = false
        }
        return same
    }
}
