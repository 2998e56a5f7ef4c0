import SLO
import Selectors

/// Decoding of an SLO's `sli:` mapping, which holds exactly one of:
///
/// ```yaml
/// events:                 # ratio of counts: counters (…_total), histogram counts (…_count)
///   total: SELECTOR       # or one bucket (…_bucket{le="0.4"}: observations <= 0.4); all events
///   bad: SELECTOR         # or good: SELECTOR (exactly one of them)
/// latency:                # fraction of observations <= threshold
///   histogram: SELECTOR   # the histogram family name, as in `# TYPE` (no _bucket/_count/_sum)
///   threshold: 0.3        # in the histogram's unit (seconds for OTel durations), > 0
///   interpolate: false    # true: interpolate inside a bucket instead of refusing a non-bound
/// ```
extension SLODecoding {
    /// The SLI, or nil when it has problems (all reported).
    mutating func decodeSLI(_ m: inout ConfigMapping, at item: YAMLNode) -> SLOSpec.SLI? {
        guard let (sliMapping, sliNode) = mapping(&m, "sli", required: true, at: item) else { return nil }
        var s = sliMapping
        let events = mapping(&s, "events", required: false, at: sliNode)
        let latency = mapping(&s, "latency", required: false, at: sliNode)
        finish(&s)
        switch (events, latency) {
        case (let (e, node)?, nil):
            var e = e
            defer { finish(&e) }
            return decodeEvents(&e, at: node)
        case (nil, let (l, node)?):
            var l = l
            defer { finish(&l) }
            return decodeLatency(&l, at: node)
        case (nil, nil):
            report(sliNode, s.path, "needs events: {total, good|bad} or latency: {histogram, threshold}")
            return nil
        case (_?, let (_, node)?):
            report(node, s.keyPath("latency"), "an SLI is either events or latency, not both")
            return nil
        }
    }

    private mutating func decodeEvents(_ e: inout ConfigMapping, at node: YAMLNode) -> SLOSpec.SLI? {
        let total = selector(&e, "total", required: true, at: node)
        let good = selector(&e, "good", required: false, at: node)
        let bad = selector(&e, "bad", required: false, at: node)
        if good.present && bad.present {
            if let badNode = bad.node {
                report(badNode, e.keyPath("bad"), "give exactly one of good and bad (good = total − bad)")
            }
            return nil
        }
        if !good.present && !bad.present {
            report(node, e.path, "needs good (the good events) or bad (the bad events) besides total")
            return nil
        }
        var countable = true
        for (key, entry) in [("total", total), ("good", good), ("bad", bad)] {
            guard let selector = entry.selector, let selectorNode = entry.node else { continue }
            let before = errors.count
            reportProblem(selectorNode, e.keyPath(key)) { () throws(SLOConfigurationError) in
                try SLOSpec.checkEventsSelector(selector, subject: key)
            }
            countable = countable && errors.count == before
        }
        guard countable, let total = total.selector, good.selector != nil || bad.selector != nil else { return nil }
        return .events(total: total, good: good.selector, bad: bad.selector)
    }

    private mutating func decodeLatency(_ l: inout ConfigMapping, at node: YAMLNode) -> SLOSpec.SLI? {
        let histogram = selector(&l, "histogram", required: true, at: node)
        if let selector = histogram.selector, let histogramNode = histogram.node {
            reportProblem(histogramNode, l.keyPath("histogram")) { () throws(SLOConfigurationError) in
                try SLOSpec.checkHistogramFamily(selector)
            }
        }
        var threshold: Double?
        if let (text, thresholdNode) = scalar(&l, "threshold", required: true, at: node) {
            threshold = parseThreshold(text, at: thresholdNode, l.keyPath("threshold"))
        }
        var interpolate = false
        if let (text, flagNode) = optionalScalar(&l, "interpolate") {
            switch text {
            case "true": interpolate = true
            case "false": interpolate = false
            default: report(flagNode, l.keyPath("interpolate"), "expected true or false, got \(quoted(text))")
            }
        }
        guard let selector = histogram.selector, let threshold else { return nil }
        return .latency(histogram: selector, threshold: threshold, interpolate: interpolate)
    }

    /// A positive finite decimal number, or nil (reported).
    mutating func parseThreshold(_ text: String, at node: YAMLNode, _ keyPath: String) -> Double? {
        guard let value = Double(text), text.utf8.allSatisfy({ isDigit($0) || $0 == .period || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") }) else {
            report(node, keyPath, "expected a number like 0.3, got \(quoted(text))")
            return nil
        }
        do throws(SLOConfigurationError) {
            try SLOSpec.checkThreshold(value)
            return value
        } catch {
            report(node, keyPath, error.message)
            return nil
        }
    }

    /// A selector at `key`: whether the key is present, its node, and the parsed selector (nil
    /// when missing or reported).
    private mutating func selector(_ m: inout ConfigMapping, _ key: String, required: Bool, at owner: YAMLNode)
        -> (present: Bool, node: YAMLNode?, selector: SeriesSelector?) {
        guard let (text, node) = scalar(&m, key, required: required, at: owner) else {
            guard case .mapping(let entries) = owner.kind else { return (false, nil, nil) }
            return (entries.contains { $0.key.scalar == key }, nil, nil)
        }
        return (true, node, selector(text, at: node, m.keyPath(key)))
    }
}
