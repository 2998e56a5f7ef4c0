import Primitives
/// The checkpoint form of an SLO state (version 1). Only ever add to this format; a new layout
/// gets a new version number, and old versions stay decodable.
///
/// ```
/// magic        "SLOS"
/// version      u8 = 1
/// method       u8: 0 occurrences, 1 timeslices, 2 ratio_timeslices
/// now          zigzag varint, Unix nanoseconds
/// drops        4 × varint: too old, too far in the future, invalid value, slice closed
/// tier count   varint (≤ 4), then per tier:
///   resolution   varint, seconds
///   first index  zigzag varint: bucket index of the first bucket below
///   count        varint (≤ 2^20): buckets that follow, oldest first, as runs:
///     repeat: zero run (varint: that many empty buckets), then, unless `count` buckets are
///     done, one non-empty bucket: good, total as zigzag varints (fixed-point units)
/// slices       u8 0 = none; 1 = present, then slice seconds (varint), first open slice index
///              (zigzag), count (≤ 2^16) and runs as above (raw units of 2^-12 events)
/// ```
///
/// Window sums are not stored: decoding recomputes them from the buckets, so a checkpoint can
/// never carry sums that disagree with its buckets. Decoding takes the *current* layout and
/// keeps each stored tier's buckets in the layout's tier of the same resolution, as far as that
/// tier keeps them: a checkpoint survives a change of windows or period (a window that grew
/// lacks the older data until it fills). A different budgeting method is refused; open slices of
/// a different slice length are dropped.
extension SLOState {
    static let magic: [UInt8] = Array("SLOS".utf8)
    static let codecVersion: UInt8 = 1
    static let maxEncodedBuckets: UInt64 = 1 << 20
    static let maxEncodedSlices: UInt64 = 1 << 16

    /// Appends the checkpoint form (typically 10–70 KB; less when buckets are empty).
    public func encode(into out: inout [UInt8]) {
        out.append(contentsOf: SLOState.magic)
        out.append(SLOState.codecVersion)
        out.append(SLOState.methodCode(layout.configuration.budgeting))
        VarInt.append(signed: now, to: &out)
        for counter in [drops.tooOld, drops.tooFarInFuture, drops.invalidValue, drops.sliceClosed] {
            VarInt.append(counter, to: &out)
        }
        let used = layout.tiers.indices.filter { layout.tiers[$0].capacity > 0 }
        VarInt.append(UInt64(used.count), to: &out)
        for k in used {
            let tier = layout.tiers[k]
            VarInt.append(UInt64(tier.resolutionSeconds), to: &out)
            let first = tiers.head(k) - tier.keep + 1
            VarInt.append(signed: first, to: &out)
            VarInt.append(UInt64(tier.capacity), to: &out)
            SLOState.appendRuns(count: Int(tier.capacity), to: &out) { i in tiers.bucket(tier: k, index: first + Int64(i)) ?? .zero }
        }
        if let slices {
            out.append(1)
            VarInt.append(UInt64(slices.sliceNanos / TimeMath.nanosPerSecond), to: &out)
            VarInt.append(signed: slices.first, to: &out)
            VarInt.append(UInt64(slices.capacity), to: &out)
            SLOState.appendRuns(count: Int(slices.capacity), to: &out) { i in
                let c = 2 * Int(TimeMath.floorMod(slices.first + Int64(i), slices.capacity))
                return WindowSums(good: slices.ring[c], total: slices.ring[c + 1])
            }
        } else {
            out.append(0)
        }
    }

    /// Decodes a checkpoint into a state of `layout`. Untrusted input: every count is bounded,
    /// and any malformed input throws (never traps).
    public init(decoding bytes: [UInt8], layout: SLOLayout) throws(SLOStateDecodingError) {
        var r = CheckpointReader(bytes)
        for m in SLOState.magic {
            guard try r.byte() == m else {
                throw SLOStateDecodingError(offset: 0, "not an SLO state checkpoint (magic \"SLOS\" missing)")
            }
        }
        let version = try r.byte()
        guard version == SLOState.codecVersion else {
            throw SLOStateDecodingError(offset: 4, "unsupported checkpoint version \(version)")
        }
        let method = try r.byte()
        guard method == SLOState.methodCode(layout.configuration.budgeting) else {
            throw SLOStateDecodingError(offset: 5, "checkpoint budgeting method \(method) differs from the configured \(layout.configuration.budgeting.label)")
        }
        let nowOffset = r.position
        let now = try r.signed()
        guard now >= 0, now < 1 << 62 else { throw SLOStateDecodingError(offset: nowOffset, "clock \(now) ns out of range") }
        self.init(layout: layout, now: now)
        drops.tooOld = try r.unsigned()
        drops.tooFarInFuture = try r.unsigned()
        drops.invalidValue = try r.unsigned()
        drops.sliceClosed = try r.unsigned()

        let tierCount = try r.count("tier count", max: 4)
        for _ in 0..<tierCount {
            let resolution = try r.unsigned()
            let first = try r.signed()
            let count = try r.count("bucket count", max: SLOState.maxEncodedBuckets)
            let k = layout.tiers.firstIndex { $0.capacity > 0 && UInt64($0.resolutionSeconds) == resolution }
            try SLOState.readRuns(&r, count: count) { i, value in
                if let k { _ = tiers.setBucket(tier: k, index: first &+ Int64(i), value) }
            }
        }
        tiers.recomputeAllSums()

        let hasSlices = try r.byte()
        guard hasSlices <= 1 else { throw r.fail("slice marker must be 0 or 1") }
        if hasSlices == 1 {
            let seconds = try r.unsigned()
            let firstOffset = r.position
            let first = try r.signed()
            let count = try r.count("slice count", max: SLOState.maxEncodedSlices)
            let keep = slices.map { UInt64($0.sliceNanos / TimeMath.nanosPerSecond) == seconds } ?? false
            if keep, let open = slices, first < open.first &- open.capacity || first > open.first &+ open.capacity {
                // A fresh state at the checkpoint's clock opens its slices within one ring of
                // the stored first one; anything else is corrupt.
                throw SLOStateDecodingError(offset: firstOffset, "first open slice \(first) does not fit the clock \(now)")
            }
            if keep { slices!.reset(first: first) }
            try SLOState.readRuns(&r, count: count) { i, value in
                if keep { _ = slices!.set(index: first &+ Int64(i), good: value.good, total: value.total) }
            }
        }
        guard r.atEnd else { throw r.fail("\(bytes.count - r.position) unexpected trailing bytes") }
    }

    /// This state in `layout` (a reload that keeps the SLO but changes its windows, see
    /// `SLOSpec.configuration`): the state itself when `layout` has the same configuration,
    /// else its checkpoint decoded into `layout` by the rules above, so every window of the new
    /// layout reads only buckets it covers (a window longer than its tier kept before lacks the
    /// older data until it fills). Throws only if decoding fails, which a state's own encoding
    /// does not: the caller then starts the instance over, and says so, rather than keep a
    /// state it cannot read.
    public func relaid(in layout: SLOLayout) throws(SLOStateDecodingError) -> SLOState {
        guard layout.configuration != self.layout.configuration else { return self }
        var bytes: [UInt8] = []
        encode(into: &bytes)
        return try SLOState(decoding: bytes, layout: layout)
    }

    static func methodCode(_ method: BudgetingMethod) -> UInt8 {
        switch method {
        case .occurrences: return 0
        case .timeslices: return 1
        case .ratioTimeslices: return 2
        }
    }

    private static func appendRuns(count: Int, to out: inout [UInt8], _ value: (Int) -> WindowSums) {
        var zeros: UInt64 = 0
        for i in 0..<count {
            let v = value(i)
            if v == .zero {
                zeros += 1
                continue
            }
            VarInt.append(zeros, to: &out)
            zeros = 0
            VarInt.append(signed: v.good, to: &out)
            VarInt.append(signed: v.total, to: &out)
        }
        if zeros > 0 { VarInt.append(zeros, to: &out) }
    }

    private static func readRuns(_ r: inout CheckpointReader, count: Int,
                                 _ store: (Int, WindowSums) -> Void) throws(SLOStateDecodingError) {
        var i = 0
        while i < count {
            let run = try r.count("run of empty buckets", max: UInt64(count - i))
            i += run
            if i == count { break }
            let value = WindowSums(good: try r.signed(), total: try r.signed())
            store(i, value)
            i += 1
        }
    }
}
