import Primitives
import SLO
import Selectors

/// The engine's checkpoint (version 1): every instance's state and event counters, with what
/// is needed to give them back to the same SLO after a restart, even with an edited config.
/// Only ever add to this format; a new layout gets a new version number, and old versions stay
/// decodable. Integers are LEB128 varints (signed ones zigzag) unless said otherwise.
///
/// ```
/// magic          "SLOE"
/// version        u8 = 1
/// saved at       zigzag varint: the engine's last tick, Unix nanoseconds (Int64.min if none;
///                informational: a restored engine's clock is the next tick's `now`)
/// SLO count      varint, then per SLO (index 0, 1, …):
///   id           string: `service-name`
///   fingerprint  u64 little-endian: `SLOSpec.definitionFingerprint`
/// instance count varint, then per instance:
///   SLO          varint: index into the SLO table above
///   group values varint count, then that many strings (the `groupBy` values, in order)
///   counters     good, total: zigzag varints (units of 2^-12 events, wrapping); invalid: varint
///   state        varint length, then the `SLOState.encode(into:)` bytes (own magic "SLOS")
/// string         varint byte length, then UTF-8 bytes
/// ```
///
/// Restoring matches each stored SLO to a configured one by id and fingerprint: instances of an
/// SLO whose definition changed (`sameDefinition`) or that is gone are dropped (their state
/// bytes are skipped, not decoded). Decoding is safe on arbitrary bytes: every read is bounds
/// checked, every count is bounded by the bytes that remain, and any malformed input throws
/// `SLOEngineCheckpointError` naming the byte offset; nothing is registered unless the whole
/// checkpoint decodes.
extension SLOEngine {
    static let checkpointMagic: [UInt8] = Array("SLOE".utf8)
    static let checkpointVersion: UInt8 = 1

    /// Appends the checkpoint of every instance the engine has taken in, and of those whose
    /// restored or adopted state waits for the next tick (instances registered since the last
    /// tick without such a state have an empty state and are left out). Cost: O(instances ×
    /// encoded state), a few hundred bytes to ~70 KB per 30-day instance.
    public func encodeCheckpoint(into out: inout [UInt8]) {
        out.append(contentsOf: Self.checkpointMagic)
        out.append(Self.checkpointVersion)
        VarInt.append(signed: lastNow, to: &out)
        VarInt.append(UInt64(specs.count), to: &out)
        for spec in specs {
            VarInt.append(string: spec.id, to: &out)
            VarInt.append(littleEndian: spec.definitionFingerprint, to: &out)
        }
        // Instances not taken in yet whose state waits in `adopted` (restored or reloaded,
        // no tick since) are saved too, so a checkpoint right after a restart loses nothing.
        let waiting = adopted.isEmpty ? [] : registry.instances(from: states.count).filter { adopted[$0.id] != nil }
        VarInt.append(UInt64(states.count + waiting.count), to: &out)
        var buffer: [UInt8] = []
        func append(slo: Int, groupValues: [String], state: SLOState, counters: InstanceCounters) {
            VarInt.append(UInt64(slo), to: &out)
            VarInt.append(UInt64(groupValues.count), to: &out)
            for v in groupValues { VarInt.append(string: v, to: &out) }
            VarInt.append(signed: counters.good, to: &out)
            VarInt.append(signed: counters.total, to: &out)
            VarInt.append(counters.invalid, to: &out)
            buffer.removeAll(keepingCapacity: true)
            state.encode(into: &buffer)
            VarInt.append(UInt64(buffer.count), to: &out)
            out.append(contentsOf: buffer)
        }
        for id in 0..<states.count {
            append(slo: instanceSLO[id], groupValues: labels[id].groupValues, state: states[id], counters: counters[id])
        }
        for (id, key) in waiting {
            let a = adopted[id]!
            append(slo: key.slo, groupValues: key.groupValues, state: a.state, counters: a.counters)
        }
    }

    /// Restores a checkpoint written by `encodeCheckpoint` into this engine, which must not
    /// have evaluated yet (a new engine after a restart; traps otherwise). Each stored instance
    /// whose SLO is configured here with the same definition (id and fingerprint) is registered
    /// in this engine's registry and its state and counters are taken by the first `evaluate`,
    /// as `adoptStates` does on reload; the states keep their own clocks, and the first tick
    /// advances them to its `now` (the engine's `lastNow` is not restored: were the wall clock
    /// behind the checkpoint's, a state stays at its own clock, its windows never slide back,
    /// and the snapshot is stamped with the tick's `now`). Instances whose SLO changed or is gone, and those the
    /// registry refuses (`maxInstances`, counted there as refusals), are dropped.
    ///
    /// All or nothing: malformed bytes throw before anything is registered. Cost: decoding
    /// every kept state, O(checkpoint size).
    @discardableResult
    public func restoreCheckpoint(_ bytes: [UInt8]) throws(SLOEngineCheckpointError) -> (restored: Int, dropped: Int) {
        precondition(instanceSLO.isEmpty, "restoreCheckpoint must be called before the engine's first evaluate")
        var r = EngineCheckpointReader(bytes)
        for m in Self.checkpointMagic {
            guard try r.byte() == m else { throw SLOEngineCheckpointError(offset: 0, "not an SLO engine checkpoint (magic \"SLOE\" missing)") }
        }
        let version = try r.byte()
        guard version == Self.checkpointVersion else {
            throw SLOEngineCheckpointError(offset: 4, "unsupported checkpoint version \(version)")
        }
        _ = try r.signed()  // saved at

        // The stored SLOs, each mapped to this engine's SLO of the same definition (or nil).
        let sloCount = try r.count("SLO count", bytesEach: 9)
        var mapping: [Int?] = []
        mapping.reserveCapacity(sloCount)
        var fingerprints: [Int: UInt64] = [:]
        for _ in 0..<sloCount {
            let id = try r.string()
            let stored = try r.uint64LE()
            let match = specs.indices.first { specs[$0].id == id && fingerprint(of: $0, cache: &fingerprints) == stored }
            mapping.append(match)
        }

        struct Pending {
            var key: SLOInstanceKey
            var adopted: Adopted
        }
        var pending: [Pending] = []
        var seen: Set<SLOInstanceKey> = []
        var dropped = 0
        // An instance takes at least 6 bytes: SLO, value count, three counters, state length.
        let instanceCount = try r.count("instance count", bytesEach: 6)
        for _ in 0..<instanceCount {
            let sloOffset = r.position
            let stored = try r.count("SLO index", max: UInt64(max(sloCount, 1) - 1))
            guard stored < sloCount else { throw SLOEngineCheckpointError(offset: sloOffset, "SLO index \(stored) with no SLO stored") }
            let valuesOffset = r.position
            let valueCount = try r.count("group value count", bytesEach: 1)
            var values: [String] = []
            values.reserveCapacity(valueCount)
            for _ in 0..<valueCount { values.append(try r.string()) }
            let counters = InstanceCounters(good: try r.signed(), total: try r.signed(), invalid: try r.unsigned())
            let stateLength = try r.count("state length", bytesEach: 1)
            let stateStart = r.position
            r.position += stateLength
            guard let slo = mapping[stored] else {
                dropped += 1
                continue
            }
            guard values.count == specs[slo].groupBy.count else {
                throw SLOEngineCheckpointError(offset: valuesOffset, "\(values.count) group values for SLO \(specs[slo].id), which groups by \(specs[slo].groupBy.count) labels")
            }
            let key = SLOInstanceKey(slo: slo, groupValues: values)
            guard seen.insert(key).inserted else {
                throw SLOEngineCheckpointError(offset: valuesOffset, "instance \(specs[slo].id) \(values) stored twice")
            }
            let state: SLOState
            do {
                state = try SLOState(decoding: Array(bytes[stateStart..<stateStart + stateLength]), layout: layouts[slo])
            } catch {
                throw SLOEngineCheckpointError(offset: stateStart + error.offset, "state of \(specs[slo].id) \(values): \(error.reason)")
            }
            pending.append(Pending(key: key, adopted: Adopted(state: state, counters: counters)))
        }
        guard r.atEnd else { throw r.fail("\(bytes.count - r.position) unexpected trailing bytes") }

        var restored = 0
        for p in pending {
            guard let id = registry.instance(for: p.key) else {
                dropped += 1
                continue
            }
            adopted[id] = p.adopted
            restored += 1
        }
        return (restored, dropped)
    }

    private func fingerprint(of slo: Int, cache: inout [Int: UInt64]) -> UInt64 {
        if let f = cache[slo] { return f }
        let f = specs[slo].definitionFingerprint
        cache[slo] = f
        return f
    }
}

extension SLOSpec {
    /// A deterministic 64-bit fingerprint (FNV-1a) of everything `sameDefinition` compares,
    /// stable across processes and builds (unlike `hashValue`): a checkpoint restores an SLO's
    /// state only into an SLO with the same id and fingerprint.
    ///
    /// It hashes a canonical byte text: each field as a tag byte and a length-prefixed value,
    /// selectors in their canonical PromQL text, the threshold's IEEE bits. A calendar period's time zone counts by its name only (not its transition table),
    /// so a tzdata update does not discard the states at a restart.
    public var definitionFingerprint: UInt64 {
        var text: [UInt8] = []
        func field(_ tag: UInt8, _ value: String) {
            text.append(tag)
            VarInt.append(string: value, to: &text)
        }
        func field(_ tag: UInt8, _ value: Int64) {
            text.append(tag)
            VarInt.append(signed: value, to: &text)
        }
        // Tags are never reused: 3 (description), 23 (max instances), 24–26 (labels) and 27
        // (no-data policy) are retired, not renumbered.
        field(1, service)
        field(2, name)
        field(4, objective.partsPerBillion)
        switch period {
        case .rolling(let seconds):
            field(5, "rolling")
            field(6, seconds)
        case .calendar(let unit, let zone):
            field(5, "calendar")
            field(7, unit.rawValue)
            field(8, zone.name)
        }
        field(9, budgeting.label)
        switch budgeting {
        case .occurrences: break
        case .timeslices(let o), .ratioTimeslices(let o):
            field(10, o.sliceSeconds)
            field(11, o.targetPartsPerBillion)
            field(12, o.noData.rawValue)
            field(13, o.graceSeconds)
        }
        switch sli {
        case .events(let total, let good, let bad):
            field(14, "events")
            field(15, total.description)
            if let good { field(16, good.description) }
            if let bad { field(17, bad.description) }
        case .latency(let histogram, let threshold, let interpolate):
            field(14, "latency")
            field(18, histogram.description)
            field(19, Int64(bitPattern: threshold.bitPattern))
            field(20, interpolate ? 1 : 0)
        }
        field(21, Int64(groupBy.count))
        for g in groupBy { field(22, g) }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }
}

/// The SLO engine checkpoint format, as named in its errors.
public enum SLOEngineCheckpointFormat: ByteFormat { public static let name = "SLO engine checkpoint" }

/// A checkpoint that cannot be restored (truncated, corrupt, or not an engine checkpoint).
public typealias SLOEngineCheckpointError = ByteFormatError<SLOEngineCheckpointFormat>

/// The engine checkpoint's reader: `VarIntReader` (Primitives) failing with `SLOEngineCheckpointError`.
typealias EngineCheckpointReader = VarIntReader<SLOEngineCheckpointError>
