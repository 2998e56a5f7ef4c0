import Exposition
import Testing
@testable import Aggregation

/// The checkpoint copy of a shard's series (`beginStateCopy` / `continueStateCopy`): filled a
/// few bytes at a time while the shard goes on applying points, it still encodes the state as it
/// was when the copy began.
@Suite struct SeriesStateCopyTests {
    @Test func aCopyFilledWhileThePointsGoOnHoldsTheStateAtItsStart() throws {
        let live = ShardPipeline(shards: 2)
        let reference = ShardPipeline(shards: 2)
        try SeriesCheckpointTests.ingest(live, SeriesCheckpointTests.workload(step: 1, aliases: true))
        try SeriesCheckpointTests.ingest(reference, SeriesCheckpointTests.workload(step: 1, aliases: true))
        let copies = live.shards.map { $0.beginStateCopy() }
        // Every kind of state changes while the copy is filled in small steps (most chunks are
        // copied by the shard right before it writes them).
        for step in 2...4 {
            for shard in live.shards { _ = shard.continueStateCopy(bytes: 64) }
            try SeriesCheckpointTests.ingest(live, SeriesCheckpointTests.workload(step: step, aliases: true))
        }
        for shard in live.shards {
            var steps = 0
            while !shard.continueStateCopy(bytes: 64) { steps += 1 }
            #expect(steps > 0, "the copy was complete before the points changed the state")
        }
        let parts = copies.map { copy in
            var out: [UInt8] = []
            copy.encode(into: &out)
            return out
        }
        let (fromCopy, _) = try SeriesCheckpointTests.restored(parts, shards: 2)
        let (fromReference, _) = try SeriesCheckpointTests.restored(SeriesCheckpointTests.encode(reference.shards), shards: 2)
        SeriesCheckpointTests.expectSameExposition(fromReference, fromCopy, "copy begun at step 1")
        // The live shards did move on.
        #expect(live.render(.text004) != reference.render(.text004))
    }
}
