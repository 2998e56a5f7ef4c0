import Dispatch
import SLO
import SLOEngine
import Synchronization
import Testing

/// `SLOInstanceRegistry`: dense ids, the ungrouped SLOs' instances, the per-SLO cap and its
/// refusal count, and concurrent use by several shard threads.
@Suite struct SLOInstanceRegistryTests {
    /// What the threads of `concurrentShardsAgreeOnIds` saw, one id list per thread.
    final class Results: Sendable {
        let ids = Mutex<[[Int32?]]>([])
    }

    @Test func ungroupedSLOsHaveTheirInstanceFromTheStart() throws {
        let specs = [try E.spec(name: "a", groupBy: ["route"]), try E.spec(name: "b"), try E.spec(name: "c")]
        let registry = SLOInstanceRegistry(specs: specs)
        let all = registry.instances()
        #expect(all.map { $0.id } == [0, 1])
        #expect(all.map { $0.key } == [SLOInstanceKey(slo: 1, groupValues: []), SLOInstanceKey(slo: 2, groupValues: [])])
        #expect(registry.instance(for: SLOInstanceKey(slo: 2, groupValues: [])) == 1)
        #expect(registry.count == 2)
    }

    @Test func newKeysGetDenseIdsAndKnownKeysKeepTheirs() throws {
        let registry = SLOInstanceRegistry(specs: [try E.spec(name: "a", groupBy: ["route"]),
                                                   try E.spec(name: "b", groupBy: ["route", "code"])])
        let keys = [SLOInstanceKey(slo: 0, groupValues: ["/pay"]), SLOInstanceKey(slo: 1, groupValues: ["/pay", "500"]),
                    SLOInstanceKey(slo: 0, groupValues: ["/cart"]), SLOInstanceKey(slo: 0, groupValues: [""])]
        #expect(keys.map { registry.instance(for: $0) } == [0, 1, 2, 3])
        #expect(keys.reversed().map { registry.instance(for: $0) } == [3, 2, 1, 0])
        #expect(registry.instances().map { $0.key } == keys)
        #expect(registry.instances(from: 2).map { $0.id } == [2, 3])
        #expect(registry.instances(from: 4).isEmpty)
    }

    @Test func instancesBeyondTheCapAreRefusedAndCountedPerSLO() throws {
        let registry = SLOInstanceRegistry(specs: [try E.spec(name: "a", groupBy: ["route"], maxInstances: 2),
                                                   try E.spec(name: "b", groupBy: ["route"], maxInstances: 3)])
        let a = (0..<4).map { SLOInstanceKey(slo: 0, groupValues: ["/r\($0)"]) }
        #expect(registry.instance(for: a[0]) == 0)
        #expect(registry.instance(for: a[1]) == 1)
        #expect(registry.instance(for: a[2]) == nil)
        #expect(registry.instance(for: a[3]) == nil)
        #expect(registry.instance(for: a[2]) == nil)
        // Existing instances still resolve; the other SLO has its own cap.
        #expect(registry.instance(for: a[1]) == 1)
        #expect(registry.instance(for: SLOInstanceKey(slo: 1, groupValues: ["/r0"])) == 2)
        #expect(registry.refusedInstances(slo: 0) == 3)
        #expect(registry.refusedInstances(slo: 1) == 0)
        #expect(registry.refusals().instances == [3, 0])
        registry.refuseSeries(slo: 1)
        #expect(registry.refusals().series == [0, 1])
        #expect(registry.count == 3)
    }

    @Test func concurrentShardsAgreeOnIds() throws {
        let registry = SLOInstanceRegistry(specs: [try E.spec(name: "a", groupBy: ["route"], maxInstances: 150),
                                                   try E.spec(name: "b", groupBy: ["route"], maxInstances: 1_000)])
        // Eight threads ask for overlapping keys in different orders: 200 keys of SLO a (cap
        // 150) and 200 of SLO b.
        let keys = (0..<200).flatMap { i in [SLOInstanceKey(slo: 0, groupValues: ["/r\(i)"]), SLOInstanceKey(slo: 1, groupValues: ["/r\(i)"])] }
        let seen = Results()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            let order = thread % 2 == 0 ? Array(keys.indices) : keys.indices.reversed()
            var ids = [Int32?](repeating: nil, count: keys.count)
            for k in order { ids[k] = registry.instance(for: keys[k]) }
            seen.ids.withLock { $0.append(ids) }
        }
        let results = seen.ids.withLock { $0 }
        #expect(results.count == 8)
        // Every thread got the same id for a key, and a key assigned in one was never refused in another.
        #expect(results.allSatisfy { $0 == results[0] })
        let assigned = results[0].compactMap { $0 }
        #expect(assigned.count == 350)
        #expect(Set(assigned) == Set((0..<350).map { Int32($0) }))
        #expect(registry.instances().count == 350)
        for (id, key) in registry.instances() {
            #expect(results[0][keys.firstIndex(of: key)!] == id)
        }
        // Each of the 8 threads was refused the 50 keys of SLO a over the cap.
        #expect(registry.refusedInstances(slo: 0) == 8 * 50)
        #expect(registry.refusedInstances(slo: 1) == 0)
    }
}
