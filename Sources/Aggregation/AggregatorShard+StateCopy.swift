// The checkpoint copy of a shard's series (`SeriesStateCopy`), made on the shard's thread a
// bounded amount at a time so the shard keeps applying points meanwhile.
extension AggregatorShard {
    /// Starts a copy of the series as they are now (between slices). Cheap: copy-on-write
    /// arrays are taken, the flat arrays' copies are allocated (not yet filled); the pools copy
    /// a slot's chunk before they change it. `continueStateCopy` fills the rest.
    public func beginStateCopy() -> any ShardStateCopy {
        completeStateCopy()   // one copy at a time
        let copy = SeriesStateCopy(self)
        counters.checkpointCopy = copy.counters
        gauges.checkpointCopy = copy.gauges
        histograms.checkpointCopy = copy.histograms
        exponentials.checkpointCopy = copy.exponentials
        summaries.checkpointCopy = copy.summaries
        stateCopy = copy
        return copy
    }

    /// Copies about `bytes` more of the copy in progress; true when none is left unfinished.
    public func continueStateCopy(bytes: Int) -> Bool {
        guard let copy = stateCopy else { return true }
        var left = copy.raw.advance(bytes: bytes, from: rawArena.base)
        if left > 0 { left = copy.counters.advance(bytes: left, from: counters.items.base) }
        if left > 0 { left = copy.gauges.advance(bytes: left, from: gauges.items.base) }
        if left > 0 { left = copy.histograms.advance(bytes: left, from: histograms.items.base) }
        if left > 0 { left = copy.exponentials.advance(bytes: left, from: exponentials.items.base) }
        if left > 0 { left = copy.summaries.advance(bytes: left, from: summaries.items.base) }
        guard copy.isComplete else { return false }
        counters.checkpointCopy = nil
        gauges.checkpointCopy = nil
        histograms.checkpointCopy = nil
        exponentials.checkpointCopy = nil
        summaries.checkpointCopy = nil
        stateCopy = nil
        return true
    }

    /// Finishes the copy in progress at once: before the raw arena's existing records change
    /// (sweep, SLO relinking), which the copy does not guard slot by slot.
    func completeStateCopy() {
        _ = continueStateCopy(bytes: .max)
    }

    /// Appends this shard's series in the checkpoint form (`SeriesStateCopy.encode`). Call on
    /// the shard's thread, or while it is not running.
    public func encodeSeries(into out: inout [UInt8]) {
        let copy = beginStateCopy()
        completeStateCopy()
        copy.encode(into: &out)
    }
}
