import Exposition
import OTLP
import Primitives

// target_info: one info series per (tenant, resource) that has identifying attributes.
extension AggregatorShard {
    /// The target whose resource blob is `blob` (hash `hash`), if any.
    func findTarget(hash: UInt64, blob: ByteView) -> Int32? {
        targetIndex.find(hash: hash) { t in
            targets[Int(t)]!.key.withUnsafeBytes { k in
                k.count == blob.count && (k.count == 0 || memcmp(k.baseAddress!, blob.base!, k.count) == 0)
            }
        }
    }

    func targetInfo(hash: UInt64, blob: ByteView, now: UInt64) {
        if let found = findTarget(hash: hash, blob: blob) {
            let e = series[Int(targets[Int(found)]!.series)]
            _ = gauges.pointer(e.slot).pointee.apply(time: 0, value: 1, now: now)
            return
        }
        let b = ResourceBlob(blob)
        decodeAttributes(b.resourceAttributes, into: &attributeScratch)
        let resource = attributeScratch.withUnsafeBufferPointer { PrometheusResourceLabels(attributes: $0) }
        // Nothing to emit for a resource without identifying attributes: one translation per
        // request per such resource.
        guard let labels = resource.targetInfoLabels(extraLabels: extraLabels(tenant: b.tenant)) else { return }
        let family: Int32
        if let f = familyByName["target_info"] {
            guard families[Int(f)]!.kind == .info else { return }
            family = f
        } else {
            family = newFamily(Family(name: "target_info", kind: .info, help: "Target metadata", unit: "", seriesCount: 0))
        }
        let rendered = RenderedLabels(labels.map { ($0.name, $0.value) }).bytes
        let labelHash = Self.labelHash(family: family, rendered)
        let s: Int32
        if let existing = findSeries(family: family, full: rendered, hash: labelHash) {
            s = existing
            _ = gauges.pointer(series[Int(s)].slot).pointee.apply(time: 0, value: 1, now: now)
        } else {
            if seriesCount >= maxSeries { return }
            let slot = gauges.add(GaugeState())
            _ = gauges.pointer(slot).pointee.apply(time: 0, value: 1, now: now)
            let (offset, length) = storeLabels(rendered)
            s = addSeries(Series(family: family, ctx: -1, slot: slot, labelOffset: offset, labelLength: length,
                                 kind: .info, expired: false, labelHash: labelHash))
        }
        let t = Target(hash: hash, key: blob.array, series: s)
        let index: Int32
        if let i = freeTargets.popLast() { targets[Int(i)] = t; index = i } else {
            targets.append(t); index = Int32(targets.count - 1)
        }
        targetIndex.insert(hash: hash, value: index)
    }
}

#if canImport(Glibc)
import Glibc
#endif
