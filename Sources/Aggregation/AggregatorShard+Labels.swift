import Exposition
import OTLP
import Primitives

// Label storage. A series' labels are its context's labels (resource → job/instance, scope →
// otel_scope_*, tenant; rendered once per context) plus its own point labels, rendered once
// into `labelArena`. Identity (aliasing, the label index) is the *merged, name-sorted* label
// set, so two contexts that split the same final labels differently still meet in one series.
extension AggregatorShard {
    /// The series' own rendered labels (valid until the arena changes).
    @inline(__always)
    func pointLabels(_ e: Series) -> UnsafeRawBufferPointer {
        labelArena.bytes(at: Int(e.labelOffset), length: Int(e.labelLength))
    }

    /// The context part of a series' labels (empty for series without a context: target_info).
    func contextLabelBytes(_ e: Series) -> [UInt8] {
        e.ctx >= 0 ? contexts[Int(e.ctx)]!.labels.bytes : []
    }

    /// Appends the merged, name-sorted rendering of the series' full label set.
    func fullLabels(_ e: Series, into out: inout [UInt8]) {
        let prefix = contextLabelBytes(e)
        prefix.withUnsafeBytes { RenderedLabels.mergeSorted($0, pointLabels(e), into: &out) }
    }

    static func labelHash(family: Int32, _ full: [UInt8]) -> UInt64 {
        full.withUnsafeBytes { Hash64.hash($0, seed: UInt64(UInt32(bitPattern: family)) &+ Hash64.processSeed) }
    }

    /// Appends rendered point labels to the arena; returns (offset, length).
    func storeLabels(_ bytes: [UInt8]) -> (UInt32, UInt32) {
        let offset = labelArena.count
        precondition(offset + bytes.count <= Int(UInt32.max), "label arena over 4 GiB")
        bytes.withUnsafeBytes { labelArena.append(bytes: $0) }
        return (UInt32(offset), UInt32(bytes.count))
    }

    /// Copies the live series' labels into a fresh arena (offsets change).
    func compactLabels() {
        var fresh = FlatArray<UInt8>(capacity: max(labelArena.count - labelGarbage, 1 << 16))
        for s in 0..<series.count where series[s].family >= 0 {
            let e = series[s]
            let offset = fresh.count
            fresh.append(bytes: pointLabels(e))
            series[s].labelOffset = UInt32(offset)
        }
        labelArena = fresh
        labelGarbage = 0
    }
}
