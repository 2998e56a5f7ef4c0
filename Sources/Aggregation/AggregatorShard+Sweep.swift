import Exposition
import OTLP
import Primitives

// Staleness: series idle longer than `seriesTTL` are removed and their memory reused.
extension AggregatorShard {
    public func sweep(now: UInt64) {
        var expired: [Int32] = []
        for i in 0..<series.count where series[i].family >= 0 {
            let last = lastUpdate(series[i])
            if now > last && now - last > seriesTTL {
                expired.append(Int32(i))
                series[i].expired = true
            }
        }
        if expired.isEmpty { return }
        completeStateCopy()   // raw records change below
        // Tenant counts first: a series' context may be released below.
        for s in expired {
            let e = series[Int(s)]
            if e.ctx >= 0, let t = contexts[Int(e.ctx)]?.tenant, t >= 0 { tenantSeries[Int(t)] -= 1 }
            if e.sloLinks >= 0 { slo?.unlink(e.sloLinks) }
        }
        // Raw identities of expired series; contexts left without any are released.
        var dead: [(offset: Int, ctx: Int32, hash: UInt64, words: Int)] = []
        forEachRaw { w, h, key in
            guard series[Int(h.series)].expired else { return }
            let hash = pointHash(context: contexts[Int(h.ctx)]!.hash, attributes: attributeHash(key))
            dead.append((w, h.ctx, hash, Self.rawHeaderWords + (key.count + 7) / 8))
        }
        for d in dead {
            let removed = rawIndex.remove(hash: d.hash, value: Int32(d.offset))
            precondition(removed, "raw identity missing from its index")
            UnsafeMutableRawPointer(rawArena.pointer(at: d.offset)).storeBytes(of: Int32(-1), as: Int32.self)  // RawHeader.ctx
            rawGarbageWords += d.words
            let c = contexts[Int(d.ctx)]!
            c.rawEntries -= 1
            if c.rawEntries == 0 {
                contextIndex.remove(hash: c.hash, value: d.ctx)
                contexts[Int(d.ctx)] = nil
                freeContexts.append(d.ctx)
            }
        }
        for i in 0..<targets.count {
            guard let t = targets[i], series[Int(t.series)].expired else { continue }
            targetIndex.remove(hash: t.hash, value: Int32(i))
            targets[i] = nil
            freeTargets.append(Int32(i))
        }
        for s in expired {
            let e = series[Int(s)]
            labelIndex.remove(hash: e.labelHash, value: s)
            freeState(e.kind, e.slot)
            labelGarbage += Int(e.labelLength)
            series[Int(s)].family = -1
            series[Int(s)].expired = false
            freeSeries.append(s)
            seriesCount -= 1
            families[Int(e.family)]!.seriesCount -= 1
            stats.seriesExpired.add()
        }
        // Families with no series and no context left: drop their metadata (Collector behaviour).
        var referenced = [Bool](repeating: false, count: families.count)
        for c in contexts { if let c, c.family >= 0 { referenced[Int(c.family)] = true } }
        for f in 0..<families.count {
            if let fam = families[f], fam.seriesCount == 0, !referenced[f] {
                familyByName[fam.name] = nil
                families[f] = nil
                freeFamilies.append(Int32(f))
            }
        }
        if rawGarbageWords > 1 << 13 && rawGarbageWords * 2 > rawArena.count { compactRaw() }
        if labelGarbage > 1 << 16 && labelGarbage * 2 > labelArena.count { compactLabels() }
        stats.series.set(Int64(seriesCount))
    }

    /// Copies the live raw records into a fresh arena and rebuilds the index over their new
    /// offsets (hashes are recomputed from the key and the context's seed).
    func compactRaw() {
        var fresh = FlatArray<UInt64>(capacity: max(rawArena.count - rawGarbageWords, 1 << 13))
        var index = HashIndex(capacity: rawIndex.count)
        forEachRaw { w, h, key in
            let words = Self.rawHeaderWords + (key.count + 7) / 8
            let offset = fresh.count
            for k in 0..<words { fresh.append(rawArena[w + k]) }
            index.insert(hash: pointHash(context: contexts[Int(h.ctx)]!.hash, attributes: attributeHash(key)), value: Int32(offset))
        }
        rawArena = fresh
        rawIndex = index
        rawGarbageWords = 0
    }
}

// MARK: - Memory accounting

extension AggregatorShard {
    /// Bytes held by the shard's structures, by component (allocated capacity, not counting
    /// malloc's own overhead): what `slod-bench series` prints beside the RSS delta.
    public func memoryReport() -> [(component: String, bytes: Int)] {
        var histogramBuckets = 0
        for i in 0..<histograms.items.count { histogramBuckets += histograms.items[i].bucketCounts.capacity * 8 + 32 }
        return [
            ("raw identities (arena: headers + attribute bytes)", rawArena.memoryBytes),
            ("raw index slots", rawIndex.memoryBytes),
            ("series records", series.memoryBytes),
            ("rendered point labels (arena)", labelArena.memoryBytes),
            ("label index slots", labelIndex.memoryBytes),
            ("counter/gauge states", counters.memoryBytes + gauges.memoryBytes),
            ("histogram states", histograms.memoryBytes + histogramBuckets),
            ("contexts, families, targets", contexts.capacity * 8 + families.capacity * MemoryLayout<Family?>.stride
                + targets.capacity * MemoryLayout<Target?>.stride + contextIndex.memoryBytes + targetIndex.memoryBytes),
        ]
    }
}
