import Platform
import Primitives
import SLO
import SLOEngine

/// One aggregator shard's part of SLO accounting (DESIGN §2, issue 5).
///
/// When the shard creates a series, `link` asks the `SLOMatcher` which SLO instances the series
/// feeds, gets the instance ids from the shared `SLOInstanceRegistry` (a lock taken once per new
/// series, never per point), and records a *link list*: per instance this shard's partial
/// `SLOState` and how a point's increase turns into (good, total) events. Roles of one series for
/// one instance are folded together (a series that is both `total` and `bad` adds (0, inc)), so
/// a point costs one `SLOState.add` per instance it feeds.
///
/// Per point (`add*`) the shard adds the increments at the point's event time to its partial
/// states. At each evaluation tick `report(now:)` advances every partial state and returns its
/// window sums (or, for the timeslice methods, the raw slices it closed) for the `SLOEngine`,
/// which merges the shards' partial states.
///
/// Owned by one shard thread. Memory: one partial state per instance this shard feeds
/// (≤ 64 KiB for a 30-day period, see `slod-bench slo`).
public final class ShardSLO {
    /// Replaced on reload (`reconfigure`), on the shard thread.
    private(set) var matcher: SLOMatcher
    private(set) var registry: SLOInstanceRegistry
    /// One layout per SLO (the matcher's spec order), shared with the engine.
    private(set) var layouts: [SLOLayout]
    /// Wall clock, Unix ns (injectable for tests): partial states start at the current instant.
    let wallClock: () -> Int64

    /// How one point of a linked series feeds one partial state.
    struct Link {
        var partial: Int32
        /// Latency links on explicit buckets: buckets counted whole, and the fraction of the next
        /// one; `Link.events` for events links, `Link.exponential` for exponential latency.
        var fullBuckets: Int32
        /// Events links: good and total events per unit of increase. Explicit latency links:
        /// `good` is the fraction of bucket `fullBuckets` counted as good. Exponential latency
        /// links: `good` is the threshold.
        var good: Double
        var total: Double
        /// Latency links: the histogram's bucket count at link time; points with another layout
        /// (bounds changed) are not counted, since the threshold index would be wrong.
        var buckets: Int32

        static let events: Int32 = -1
        static let exponential: Int32 = -2
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

    struct Partial {
        var instance: Int32
        var state: SLOState
        var goodEvents: Double = 0
        var totalEvents: Double = 0
        var closed: [ClosedSlice] = []
    }
    /// Flat storage: the per-point path reaches a partial state through a pointer (no
    /// uniqueness check, no retain).
    var partials = FlatArray<Partial>(capacity: 16)
    var partialByInstance: [Int32: Int32] = [:]
    /// Series a selector picked that cannot feed their SLO, and series over an SLO's instance cap.
    var refusedLinks = 0
    /// Told about refused series (cold path): the first 10 refusals, then every 1,000th.
    let onRefusal: (String) -> Void

    public init(matcher: SLOMatcher, registry: SLOInstanceRegistry, layouts: [SLOLayout],
                wallClock: @escaping () -> Int64 = { let t = Platform.Clock.wallTimespec(); return Int64(t.seconds) * 1_000_000_000 + Int64(t.nanos) },
                onRefusal: @escaping (String) -> Void = { _ in }) {
        precondition(layouts.count == matcher.specs.count, "one layout per SLO")
        self.matcher = matcher
        self.registry = registry
        self.layouts = layouts
        self.wallClock = wallClock
        self.onRefusal = onRefusal
    }

    func refuse(_ message: String) {
        refusedLinks += 1
        if refusedLinks <= 10 || refusedLinks % 1_000 == 0 { onRefusal(message + " (refusal \(refusedLinks) on this shard)") }
    }

    // MARK: Linking (once per new series)

    /// The link list of a new series, or -1 when it feeds no SLO.
    func link(name: String, labels: [(name: String, value: String)], kind: SLOSeriesKind, bounds: [Double]) -> Int32 {
        let (found, refusals) = matcher.links(name: name, labels: labels, kind: kind, bounds: bounds)
        for r in refusals { refuse(r.message) }
        if found.isEmpty { return -1 }
        var folded: [Link] = []
        for l in found {
            guard let instance = registry.instance(for: SLOInstanceKey(slo: l.slo, groupValues: l.groupValues)) else {
                refuse("SLO \(matcher.specs[l.slo].id): more than \(matcher.specs[l.slo].maxInstances) instances (max_instances); series \(name) not counted")
                continue
            }
            let partial = partialIndex(instance, slo: l.slo)
            switch l.role {
            case .latency(let full, let fraction):
                folded.append(Link(partial: partial, fullBuckets: Int32(full), good: fraction, total: 1, buckets: Int32(bounds.count + 1)))
            case .latencyExponential(let threshold):
                folded.append(Link(partial: partial, fullBuckets: Link.exponential, good: threshold, total: 1, buckets: 0))
            case .total, .good, .bad:
                let hasGood: Bool
                if case .events(_, let good, _) = matcher.specs[l.slo].sli { hasGood = good != nil } else { hasGood = false }
                let inc = l.role.increments(1, sliHasGood: hasGood)
                if let i = folded.firstIndex(where: { $0.partial == partial && $0.fullBuckets == Link.events }) {
                    folded[i].good += inc.good
                    folded[i].total += inc.total
                } else {
                    folded.append(Link(partial: partial, fullBuckets: Link.events, good: inc.good, total: inc.total, buckets: 0))
                }
            }
        }
        if folded.isEmpty { return -1 }
        let range = ListRange(start: Int32(links.count), count: Int32(folded.count))
        for l in folded { links.append(l) }
        if let id = freeLists.popLast() {
            lists.pointer(at: Int(id)).pointee = range
            return id
        }
        lists.append(range)
        return Int32(lists.count - 1)
    }

    /// Forgets the link list of a removed series (its partial states stay: the instance's
    /// windows still hold its events).
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

    /// Switches to new SLOs (reload), on the shard thread. The partial states of instances whose
    /// SLO is unchanged (`keep[old index] = new index`) move over under their new instance ids,
    /// so their windows and budgets continue; the others are dropped. Every link is forgotten:
    /// the shard then re-links each series (`AggregatorShard.reconfigureSLO`).
    func reconfigure(matcher: SLOMatcher, registry: SLOInstanceRegistry, layouts: [SLOLayout], keep: [Int: Int]) {
        precondition(layouts.count == matcher.specs.count, "one layout per SLO")
        var oldKeys: [Int32: SLOInstanceKey] = [:]
        for (id, key) in self.registry.instances() { oldKeys[id] = key }
        var moved = FlatArray<Partial>(capacity: 16)
        var byInstance: [Int32: Int32] = [:]
        for i in 0..<partials.count {
            var p = partials.pointer(at: i).pointee
            guard let key = oldKeys[p.instance], let newSLO = keep[key.slo],
                  let id = registry.instance(for: SLOInstanceKey(slo: newSLO, groupValues: key.groupValues)) else { continue }
            p.instance = id
            byInstance[id] = Int32(moved.count)
            moved.append(p)
        }
        partials = moved
        partialByInstance = byInstance
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
        let layout = layouts[slo]
        partials.append(Partial(instance: instance, state: SLOState(layout: layout, now: wallClock())))
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
            guard l.fullBuckets == Link.events else { continue }
            add(l.partial, good: l.good * increase, total: l.total * increase, time: time)
        }
    }

    /// A histogram point (explicit or exponential) was applied: events links (an SLI over the
    /// histogram's `_count`) add `countIncrease`; latency links add the good observations
    /// `goodIncrease` finds for them (nil: the link cannot read this point) out of `countIncrease`.
    func addHistogram(list: Int32, countIncrease: Double, time: UInt64, goodIncrease: (Link) -> Double?) {
        let r = lists.pointer(at: Int(list)).pointee
        for i in Int(r.start)..<Int(r.start + r.count) {
            let l = links.pointer(at: i).pointee
            if l.fullBuckets == Link.events {
                if countIncrease != 0 { add(l.partial, good: l.good * countIncrease, total: l.total * countIncrease, time: time) }
                continue
            }
            guard let good = goodIncrease(l) else { continue }
            if good != 0 || countIncrease != 0 { add(l.partial, good: good, total: countIncrease, time: time) }
        }
    }

    /// An explicit-bucket latency link's good observations between bucket counts `before` and
    /// `after` (`before` empty: no baseline, all of `after`); nil for other links, or when the
    /// bucket layout is not the one the link was made for.
    static func explicitGood(_ l: Link, before: UnsafeBufferPointer<UInt64>, after: UnsafeBufferPointer<UInt64>) -> Double? {
        guard l.fullBuckets >= 0, after.count == Int(l.buckets), before.isEmpty || before.count == after.count else { return nil }
        var good = 0.0
        for b in 0..<Int(l.fullBuckets) { good += delta(before, after, b) }
        if l.good > 0, Int(l.fullBuckets) < after.count { good += l.good * delta(before, after, Int(l.fullBuckets)) }
        return good
    }

    @inline(__always)
    static func delta(_ before: UnsafeBufferPointer<UInt64>, _ after: UnsafeBufferPointer<UInt64>, _ i: Int) -> Double {
        before.isEmpty ? Double(after[i]) : Double(after[i]) - Double(before[i])
    }

    @inline(__always)
    func add(_ partial: Int32, good: Double, total: Double, time: UInt64) {
        let p = partials.pointer(at: Int(partial))
        if p.pointee.state.add(good: good, total: total, at: Int64(truncatingIfNeeded: time)) == .accepted {
            p.pointee.goodEvents += good
            p.pointee.totalEvents += total
        }
    }

    // MARK: Ticks

    /// Advances every partial state to `now` (Unix ns) and reports it.
    func report(now: Int64) -> [SLOPartialReport] {
        var out: [SLOPartialReport] = []
        out.reserveCapacity(partials.count)
        for i in 0..<partials.count {
            let p = partials.pointer(at: i)
            var closed: [ClosedSlice] = []
            if p.pointee.state.layout.configuration.budgeting.usesTimeslices {
                p.pointee.state.advance(to: now) { closed.append($0) }
            } else {
                p.pointee.state.advance(to: now)
            }
            let windows = p.pointee.state.layout.windowCount
            out.append(SLOPartialReport(instance: p.pointee.instance, sums: (0..<windows).map { p.pointee.state.windowSums($0) },
                                        closedSlices: closed, goodEvents: p.pointee.goodEvents,
                                        totalEvents: p.pointee.totalEvents, drops: p.pointee.state.drops))
        }
        return out
    }
}
