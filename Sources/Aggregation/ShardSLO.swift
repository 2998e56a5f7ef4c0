import Platform
import Primitives
import SLO
import SLOEngine

/// One aggregator shard's part of SLO accounting (DESIGN §2, issue 5).
///
/// When the shard creates a series, `link` asks the `SLOMatcher` which SLO instances the series
/// feeds, gets the instance ids from the shared `SLOInstanceRegistry` (a lock taken once per new
/// series, never per point), and records a *link list*: per instance this shard's pending sum
/// and how a point's increase turns into (good, total) events. Roles of one series for one
/// instance are folded together (a series that is both `total` and `bad` adds (0, inc)), so a
/// point costs one pending add per instance it feeds.
///
/// A linked histogram whose bounds change is matched again (`relink`, from
/// `AggregatorShard.applyLinked`): its bucket links are made for its bounds of the moment.
///
/// Per point (`add*`) the increments, in units of 2^-12 events, join the instance's pending sum
/// when the point's event time falls in the pending bucket (`SLOLayout.deltaBucketNanos`, 10 s
/// for occurrences): two compares and two adds. A point of another bucket (the next bucket, or
/// a late point) first moves the pending sum onto `deltas`. At each evaluation tick `report()`
/// moves every pending sum there and hands the list to the `SLOEngine`, which owns the
/// instances' `SLOState`s; a tick costs the shard O(instances touched since the last one).
///
/// Owned by one shard thread. Memory: 48 bytes per instance this shard feeds, plus the deltas
/// of one tick (32 bytes each; when a burst of late points makes the list long, equal
/// (instance, bucket) entries are merged, so it stays bounded by instances × buckets).
public final class ShardSLO {
    /// Replaced on reload (`reconfigure`), on the shard thread.
    private(set) var matcher: SLOMatcher
    private(set) var registry: SLOInstanceRegistry
    /// One layout per SLO (the matcher's spec order), shared with the engine.
    private(set) var layouts: [SLOLayout]

    /// How one point of a linked series feeds one instance's pending sum.
    struct Link {
        /// What the link reads from a point.
        enum Reading: UInt8 {
            /// A counter's increase or a histogram's count increase, times (`good`, `total`).
            case count
            /// The increase of an explicit histogram's buckets `0..<fullBuckets` (a bucket's
            /// cumulative count, `_bucket{le}`), times (`good`, `total`).
            case cumulativeBuckets
            /// Explicit latency: good observations are buckets `0..<fullBuckets` plus the
            /// fraction `good` of bucket `fullBuckets`, out of the count increase.
            case explicitLatency
            /// Exponential latency: good observations are those at or below `good` (the
            /// threshold), out of the count increase.
            case exponentialLatency
        }
        var partial: Int32
        /// Explicit-bucket links: the buckets counted whole.
        var fullBuckets: Int32
        /// `.count` and `.cumulativeBuckets`: good and total events per unit of increase.
        /// `.explicitLatency`: the fraction of bucket `fullBuckets` counted as good.
        /// `.exponentialLatency`: the threshold.
        var good: Double
        var total: Double
        /// Explicit-bucket links: the histogram's bucket count the link was made for. The shard
        /// re-links a series whose bounds change (`relink`), so a point always has it; checked
        /// anyway, as the guard of the unchecked bucket reads.
        var buckets: Int32
        var reading: Reading
    }
    /// Link lists, flat: `lists[i]` is a range of `links` (count -1: a free list id). Flat
    /// storage, reached through pointers: the per-point path retains nothing.
    struct ListRange {
        var start: Int32
        var count: Int32
    }
    var links = FlatArray<Link>(capacity: 64)
    var lists = FlatArray<ListRange>(capacity: 64)
    var freeLists: [Int32] = []
    /// Links of freed lists still in `links` (reclaimed by `compact` when they dominate).
    var garbageLinks = 0

    /// The pending sum of one instance: events of points stamped in `[start, end)` (an empty
    /// range when nothing is pending).
    struct Partial {
        var instance: Int32
        /// Points whose increment could not be converted to units since the last tick.
        var invalid: UInt32 = 0
        var start: Int64 = .max
        var end: Int64 = .min
        var good: Int64 = 0
        var total: Int64 = 0
        /// `SLOLayout.deltaBucketNanos` of the instance's SLO.
        let width: Int64
        /// In `touched` since the last tick.
        var listed = false
    }
    /// Flat storage: the per-point path reaches a pending sum through a pointer (no uniqueness
    /// check, no retain).
    var partials = FlatArray<Partial>(capacity: 16)
    var partialByInstance: [Int32: Int32] = [:]
    /// Partials with something pending, to flush at the next tick.
    var touched: [Int32] = []
    /// Sums of finished buckets since the last tick.
    var deltas: [SLODelta] = []
    /// `deltas.count` at which equal (instance, bucket) entries are merged.
    var mergeAt = ShardSLO.minimumMergeAt
    static let minimumMergeAt = 65_536
    /// Series a selector picked that cannot feed their SLO, and series over an SLO's instance cap.
    var refusedLinks = 0
    /// Told about refused series (cold path): the first 10 refusals, then every 1,000th.
    let onRefusal: (String) -> Void

    public init(matcher: SLOMatcher, registry: SLOInstanceRegistry, layouts: [SLOLayout],
                onRefusal: @escaping (String) -> Void = { _ in }) {
        precondition(layouts.count == matcher.specs.count, "one layout per SLO")
        self.matcher = matcher
        self.registry = registry
        self.layouts = layouts
        self.onRefusal = onRefusal
    }

    func refuse(_ message: String) {
        refusedLinks += 1
        if refusedLinks <= 10 || refusedLinks % 1_000 == 0 { onRefusal(message + " (refusal \(refusedLinks) on this shard)") }
    }

    // MARK: Linking (once per new series)

    /// The link list of a new series, or -1 when it feeds no SLO.
    func link(name: String, labels: [(name: String, value: String)], kind: SLOSeriesKind, bounds: [Double]) -> Int32 {
        let found = matchedLinks(name: name, labels: labels, kind: kind, bounds: bounds)
        if found.isEmpty { return -1 }
        let range = ListRange(start: Int32(links.count), count: Int32(found.count))
        for l in found { links.append(l) }
        if let id = freeLists.popLast() {
            lists.pointer(at: Int(id)).pointee = range
            return id
        }
        lists.append(range)
        return Int32(lists.count - 1)
    }

    /// Makes `list` the links of its series matched again with new `bounds` (the histogram's
    /// bounds changed): the buckets a link reads are found anew, and an SLO whose threshold or
    /// `le` is no longer a bound is refused (told and counted, as for a new series) and fed
    /// nothing. The list id stays (series and raw identity headers hold it); it may become empty.
    func relink(_ list: Int32, name: String, labels: [(name: String, value: String)], kind: SLOSeriesKind, bounds: [Double]) {
        let found = matchedLinks(name: name, labels: labels, kind: kind, bounds: bounds)
        let r = lists.pointer(at: Int(list))
        garbageLinks += Int(r.pointee.count)
        r.pointee = ListRange(start: Int32(links.count), count: Int32(found.count))
        for l in found { links.append(l) }
        if garbageLinks > 1024 && garbageLinks * 2 > links.count { compact() }
    }

    /// The links of a series, roles folded per instance; refusals are told and counted.
    private func matchedLinks(name: String, labels: [(name: String, value: String)], kind: SLOSeriesKind, bounds: [Double]) -> [Link] {
        let (found, refusals) = matcher.links(name: name, labels: labels, kind: kind, bounds: bounds)
        // Every reason is told; the series counts once per SLO it was refused by.
        for r in refusals { refuse(r.message) }
        for slo in Set(refusals.map(\.slo)) { registry.refuseSeries(slo: slo) }
        var folded: [Link] = []
        for l in found {
            guard let instance = registry.instance(for: SLOInstanceKey(slo: l.slo, groupValues: l.groupValues)) else {
                refuse("SLO \(matcher.specs[l.slo].id): more than \(matcher.specs[l.slo].maxInstances) instances (max_instances); series \(name) not counted")
                continue
            }
            let partial = partialIndex(instance, slo: l.slo)
            let hasGood: Bool
            if case .events(_, let good, _) = matcher.specs[l.slo].sli { hasGood = good != nil } else { hasGood = false }
            switch l.role {
            case .latency(let full, let fraction):
                folded.append(Link(partial: partial, fullBuckets: Int32(full), good: fraction, total: 1, buckets: Int32(bounds.count + 1), reading: .explicitLatency))
            case .latencyExponential(let threshold):
                folded.append(Link(partial: partial, fullBuckets: 0, good: threshold, total: 1, buckets: 0, reading: .exponentialLatency))
            case .events(let role):
                let inc = role.increments(1, sliHasGood: hasGood)
                fold(&folded, Link(partial: partial, fullBuckets: 0, good: inc.good, total: inc.total, buckets: 0, reading: .count))
            case .bucketEvents(let role, let cumulativeBuckets):
                let inc = role.increments(1, sliHasGood: hasGood)
                fold(&folded, Link(partial: partial, fullBuckets: Int32(cumulativeBuckets), good: inc.good, total: inc.total,
                                   buckets: Int32(bounds.count + 1), reading: .cumulativeBuckets))
            }
        }
        return folded
    }

    /// Adds an events link to the list, or its increments to the link that reads the same
    /// quantity for the same instance (a series that is both `total` and `bad` adds (0, inc)).
    private func fold(_ folded: inout [Link], _ link: Link) {
        if let i = folded.firstIndex(where: { $0.partial == link.partial && $0.reading == link.reading && $0.fullBuckets == link.fullBuckets }) {
            folded[i].good += link.good
            folded[i].total += link.total
        } else {
            folded.append(link)
        }
    }

    /// Forgets the link list of a removed series (what it added stays: the instance's windows
    /// in the engine still hold its events).
    func unlink(_ list: Int32) {
        let r = lists.pointer(at: Int(list)).pointee
        guard r.count >= 0 else { return }
        garbageLinks += Int(r.count)
        lists.pointer(at: Int(list)).pointee = ListRange(start: 0, count: -1)
        freeLists.append(list)
        if garbageLinks > 1024 && garbageLinks * 2 > links.count { compact() }
    }

    /// Rewrites `links` without the freed lists' entries (list ids stay).
    func compact() {
        var kept = FlatArray<Link>(capacity: max(64, links.count - garbageLinks))
        for i in 0..<lists.count {
            let r = lists.pointer(at: i)
            guard r.pointee.count >= 0 else { continue }
            let start = Int32(kept.count)
            for j in Int(r.pointee.start)..<Int(r.pointee.start + r.pointee.count) { kept.append(links.pointer(at: j).pointee) }
            r.pointee.start = start
        }
        links = kept
        garbageLinks = 0
    }

    /// Switches to new SLOs (reload), on the shard thread. What is pending for instances whose
    /// SLO is unchanged (`keep[old index] = new index`) stays in `deltas` under the new instance
    /// ids, for the new engine (which takes over the old engine's states of those instances);
    /// the rest is dropped. Every link is forgotten: the shard then re-links each series
    /// (`AggregatorShard.reconfigureSLO`).
    func reconfigure(matcher: SLOMatcher, registry: SLOInstanceRegistry, layouts: [SLOLayout], keep: [Int: Int]) {
        precondition(layouts.count == matcher.specs.count, "one layout per SLO")
        flushPending()
        var oldKeys: [Int32: SLOInstanceKey] = [:]
        for (id, key) in self.registry.instances() { oldKeys[id] = key }
        var newIDs: [Int32: Int32] = [:]
        for (id, key) in oldKeys {
            if let slo = keep[key.slo], let n = registry.instance(for: SLOInstanceKey(slo: slo, groupValues: key.groupValues)) { newIDs[id] = n }
        }
        deltas = deltas.compactMap { d in
            guard let id = newIDs[d.instance] else { return nil }
            var moved = d
            moved.instance = id
            return moved
        }
        partials = FlatArray<Partial>(capacity: 16)
        partialByInstance = [:]
        links = FlatArray<Link>(capacity: 64)
        lists = FlatArray<ListRange>(capacity: 64)
        freeLists = []
        garbageLinks = 0
        self.matcher = matcher
        self.registry = registry
        self.layouts = layouts
    }

    func partialIndex(_ instance: Int32, slo: Int) -> Int32 {
        if let p = partialByInstance[instance] { return p }
        partials.append(Partial(instance: instance, width: layouts[slo].deltaBucketNanos))
        let p = Int32(partials.count - 1)
        partialByInstance[instance] = p
        return p
    }

    // MARK: Points

    /// A counter (or histogram `_count`) grew by `increase` with a point at `time` (Unix ns).
    @inline(__always)
    func addIncrease(list: Int32, _ increase: Double, time: UInt64) {
        guard increase != 0, increase.isFinite else { return }
        let r = lists.pointer(at: Int(list)).pointee
        for i in Int(r.start)..<Int(r.start + r.count) {
            let l = links.pointer(at: i).pointee
            guard l.reading == .count else { continue }
            add(l.partial, good: l.good * increase, total: l.total * increase, time: time)
        }
    }

    /// A histogram point (explicit or exponential) was applied: `.count` links (an events SLI
    /// over the histogram's `_count`) add `countIncrease`; the others add what
    /// `observationsIncrease` finds for them (nil: the link cannot read this point) — bucket
    /// links as events, latency links as good observations out of `countIncrease`. A bucket
    /// link that cannot read the point (a layout it was not made for) holds back its instance's
    /// `.count` links too, as a latency link holds back its total: counting the total without
    /// the good events would make them all bad.
    func addHistogram(list: Int32, countIncrease: Double, time: UInt64, observationsIncrease: (Link) -> Double?) {
        let r = lists.pointer(at: Int(list)).pointee
        let range = Int(r.start)..<Int(r.start + r.count)
        var heldBack: [Int32] = []
        for i in range {
            let l = links.pointer(at: i).pointee
            switch l.reading {
            case .count:
                continue
            case .cumulativeBuckets:
                guard let increase = observationsIncrease(l) else {
                    heldBack.append(l.partial)
                    continue
                }
                if increase != 0 { add(l.partial, good: l.good * increase, total: l.total * increase, time: time) }
            case .explicitLatency, .exponentialLatency:
                guard let good = observationsIncrease(l) else { continue }
                if good != 0 || countIncrease != 0 { add(l.partial, good: good, total: countIncrease, time: time) }
            }
        }
        guard countIncrease != 0 else { return }
        for i in range {
            let l = links.pointer(at: i).pointee
            guard l.reading == .count, !heldBack.contains(l.partial) else { continue }
            add(l.partial, good: l.good * countIncrease, total: l.total * countIncrease, time: time)
        }
    }

    /// An explicit-bucket link's observations between bucket counts `before` and `after`
    /// (`before` empty: no baseline, all of `after`): buckets `0..<fullBuckets`, plus the
    /// fraction of the next for latency links. Nil for exponential links, or when the bucket
    /// layout is not the one the link was made for.
    static func explicitObservations(_ l: Link, before: UnsafeBufferPointer<UInt64>, after: UnsafeBufferPointer<UInt64>) -> Double? {
        guard l.reading == .explicitLatency || l.reading == .cumulativeBuckets, after.count == Int(l.buckets),
              before.isEmpty || before.count == after.count else { return nil }
        var observations = 0.0
        for b in 0..<Int(l.fullBuckets) { observations += delta(before, after, b) }
        if l.reading == .explicitLatency, l.good > 0, Int(l.fullBuckets) < after.count {
            observations += l.good * delta(before, after, Int(l.fullBuckets))
        }
        return observations
    }

    @inline(__always)
    static func delta(_ before: UnsafeBufferPointer<UInt64>, _ after: UnsafeBufferPointer<UInt64>, _ i: Int) -> Double {
        before.isEmpty ? Double(after[i]) : Double(after[i]) - Double(before[i])
    }

    @inline(__always)
    func add(_ partial: Int32, good: Double, total: Double, time: UInt64) {
        let p = partials.pointer(at: Int(partial))
        let t = Int64(truncatingIfNeeded: time)
        guard let g = SLOState.units(good), let u = SLOState.units(total) else { return addInvalid(partial) }
        if t >= p.pointee.start && t < p.pointee.end {
            p.pointee.good &+= g
            p.pointee.total &+= u
            return
        }
        addToOtherBucket(partial, good: g, total: u, time: t)
    }

    /// A point outside the pending bucket: the pending sum becomes a delta and the point's bucket
    /// pending.
    @inline(never)
    func addToOtherBucket(_ partial: Int32, good: Int64, total: Int64, time t: Int64) {
        let p = partials.pointer(at: Int(partial))
        if p.pointee.start <= p.pointee.end {
            emit(p.pointee)
        } else if !p.pointee.listed {
            p.pointee.listed = true
            touched.append(partial)
        }
        let w = p.pointee.width
        let start = t - ((t % w) + w) % w   // floor to a multiple of w (t may be negative)
        p.pointee.start = start
        p.pointee.end = start &+ p.pointee.width
        p.pointee.good = good
        p.pointee.total = total
    }

    @inline(never)
    func addInvalid(_ partial: Int32) {
        let p = partials.pointer(at: Int(partial))
        p.pointee.invalid &+= 1
        if !p.pointee.listed {
            p.pointee.listed = true
            touched.append(partial)
        }
    }

    /// Appends the pending sum of `p` to `deltas`, merging the list when it grew long.
    func emit(_ p: Partial) {
        deltas.append(SLODelta(instance: p.instance, time: p.start, good: p.good, total: p.total))
        if deltas.count >= mergeAt { mergeDeltas() }
    }

    /// Merges entries of one (instance, bucket); afterwards the list may grow to twice its
    /// merged length before the next merge (amortized O(log n) per delta).
    func mergeDeltas() {
        deltas.sort { $0.instance != $1.instance ? $0.instance < $1.instance : $0.time < $1.time }
        var out = 0
        for d in deltas {
            if out > 0, deltas[out - 1].instance == d.instance, deltas[out - 1].time == d.time {
                deltas[out - 1].good &+= d.good
                deltas[out - 1].total &+= d.total
                deltas[out - 1].invalid &+= d.invalid
            } else {
                deltas[out] = d
                out += 1
            }
        }
        deltas.removeLast(deltas.count - out)
        mergeAt = max(ShardSLO.minimumMergeAt, 2 * out)
    }

    // MARK: Ticks

    /// Moves every pending sum (and invalid-point count) to `deltas`.
    func flushPending() {
        for partial in touched {
            let p = partials.pointer(at: Int(partial))
            if p.pointee.start <= p.pointee.end || p.pointee.invalid != 0 {
                var d = SLODelta(instance: p.pointee.instance, invalid: p.pointee.invalid, time: 0, good: 0, total: 0)
                if p.pointee.start <= p.pointee.end {
                    d.time = p.pointee.start
                    d.good = p.pointee.good
                    d.total = p.pointee.total
                }
                deltas.append(d)
            }
            p.pointee.start = .max
            p.pointee.end = .min
            p.pointee.invalid = 0
            p.pointee.listed = false
        }
        touched.removeAll(keepingCapacity: true)
    }

    /// What this shard collected since the last tick, for the engine. O(instances touched).
    func report() -> [SLODelta] {
        flushPending()
        mergeAt = ShardSLO.minimumMergeAt
        let out = deltas
        deltas = []
        if !out.isEmpty { deltas.reserveCapacity(out.count) }
        return out
    }
}
