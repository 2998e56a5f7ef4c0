import Primitives
/// The alert states' checkpoint (version 1): every pending or firing alert's key and state, so
/// that after a restart a firing alert neither pages again nor is forgotten, and a pending one
/// keeps its `for` progress. Only ever add to this format; a new layout gets a new version
/// number, and old versions stay decodable. Integers are LEB128 varints (signed ones zigzag).
///
/// ```
/// magic        "SLOA"
/// version      u8 = 1
/// count        varint, then per alert (in key order):
///   SLO id       string (`service-name`)
///   group values varint count, then that many strings
///   tier         string
///   phase        u8: 0 inactive, 1 pending, 2 firing
///   activeSince, firingSince, lastHeld, resolvedAt: zigzag varints, Unix nanoseconds
///   content      u8: 0 none; 1 the alert as last shown and sent, then:
///     labels       varint count, then per label its name and value strings
///     annotations  varint count, then per annotation its name and value strings
///     value        u64 little-endian: the IEEE 754 bits of `Alert.value`
///     generatorURL string
/// string       varint byte length, then UTF-8 bytes
/// ```
///
/// The content lets a restart resolve a firing alert whose SLO instance does not come back (the
/// SLO was removed or changed, or its instance was dropped): `restoreCheckpoint` sends its
/// `resolved` notice at the first evaluation, as a reload does, instead of forgetting it.
/// Decoding is safe on arbitrary bytes: bounds-checked, counts bounded by the remaining bytes,
/// and malformed input throws `AlertCheckpointError` with the byte offset (never traps).
extension AlertEvaluator {
    static let checkpointMagic: [UInt8] = Array("SLOA".utf8)
    static let checkpointVersion: UInt8 = 1

    /// Appends the checkpoint of the pending and firing alerts (`persistentStates` with their
    /// content), in key order, so the same states always give the same bytes.
    public func encodeCheckpoint(into out: inout [UInt8]) {
        let entries = active.map { index, alert in (alert.key, states[index], Optional(alert)) }
        Self.encode(entries, into: &out)
    }

    /// Appends the checkpoint of `states` without alert content, in key order.
    public static func encodeCheckpoint(_ states: [AlertKey: AlertState], into out: inout [UInt8]) {
        encode(states.map { ($0.key, $0.value, nil) }, into: &out)
    }

    static func encode(_ entries: [(key: AlertKey, state: AlertState, alert: Alert?)], into out: inout [UInt8]) {
        out.append(contentsOf: checkpointMagic)
        out.append(checkpointVersion)
        VarInt.append(UInt64(entries.count), to: &out)
        for (key, state, alert) in entries.sorted(by: { $0.key < $1.key }) {
            VarInt.append(alertKey: key, to: &out)
            out.append(phaseCode(state.phase))
            for t in [state.activeSince, state.firingSince, state.lastHeld, state.resolvedAt] {
                VarInt.append(signed: t, to: &out)
            }
            guard let alert else {
                out.append(0)
                continue
            }
            out.append(1)
            for pairs in [alert.labels, alert.annotations] {
                VarInt.append(UInt64(pairs.count), to: &out)
                for p in pairs {
                    VarInt.append(string: p.name, to: &out)
                    VarInt.append(string: p.value, to: &out)
                }
            }
            VarInt.append(littleEndian: alert.value.bitPattern, to: &out)
            VarInt.append(string: alert.generatorURL, to: &out)
        }
    }

    /// Restores a checkpoint written by `encodeCheckpoint` into this evaluator, before its first
    /// `evaluate`: the states, as `restore` takes them (matched by key when the instance shows
    /// up), and the firing alerts' content, so that a firing alert whose instance does not show
    /// up in the first evaluation is resolved then (one `resolved` notice) rather than
    /// forgotten. Returns how many alerts were restored. All or nothing: malformed input throws
    /// and changes nothing.
    @discardableResult
    public func restoreCheckpoint(_ bytes: [UInt8]) throws(AlertCheckpointError) -> Int {
        let entries = try Self.decodeEntries(bytes)
        var states: [AlertKey: AlertState] = [:]
        for e in entries {
            states[e.key] = e.state
            guard e.state.phase == .firing, var alert = e.alert else { continue }
            alert.key = e.key
            alert.phase = .firing
            alert.activeSince = e.state.activeSince
            alert.firingSince = e.state.firingSince
            alert.resolvedAt = 0
            retired.append(alert)
        }
        retired.sort { $0.key < $1.key }
        restore(states)
        return entries.count
    }

    /// The states of a checkpoint written by `encodeCheckpoint`, for `restore`. Throws on any
    /// malformed input (truncated, corrupt, a key stored twice, an unknown phase).
    public static func decodeCheckpoint(_ bytes: [UInt8]) throws(AlertCheckpointError) -> [AlertKey: AlertState] {
        var out: [AlertKey: AlertState] = [:]
        for e in try decodeEntries(bytes) { out[e.key] = e.state }
        return out
    }

    static func decodeEntries(_ bytes: [UInt8]) throws(AlertCheckpointError) -> [(key: AlertKey, state: AlertState, alert: Alert?)] {
        var r = AlertCheckpointReader(bytes)
        for m in checkpointMagic {
            guard try r.byte() == m else { throw AlertCheckpointError(offset: 0, "not an alert checkpoint (magic \"SLOA\" missing)") }
        }
        let version = try r.byte()
        guard version == checkpointVersion else { throw AlertCheckpointError(offset: 4, "unsupported checkpoint version \(version)") }
        // An alert takes at least 9 bytes: two string lengths, a value count, the phase, four
        // instants, the content marker.
        let count = try r.count("alert count", bytesEach: 9)
        var out: [(key: AlertKey, state: AlertState, alert: Alert?)] = []
        out.reserveCapacity(count)
        var seen: Set<AlertKey> = []
        for _ in 0..<count {
            let keyOffset = r.position
            let key = try r.alertKey()
            let phaseOffset = r.position
            let phase: AlertPhase
            switch try r.byte() {
            case 0: phase = .inactive
            case 1: phase = .pending
            case 2: phase = .firing
            case let b: throw AlertCheckpointError(offset: phaseOffset, "unknown alert phase \(b)")
            }
            let state = AlertState(phase: phase, activeSince: try r.signed(), firingSince: try r.signed(),
                                   lastHeld: try r.signed(), resolvedAt: try r.signed())
            guard seen.insert(key).inserted else {
                throw AlertCheckpointError(offset: keyOffset, "alert \(key) stored twice")
            }
            let contentOffset = r.position
            var alert: Alert?
            switch try r.byte() {
            case 0: alert = nil
            case 1:
                var pairs: [[AlertLabel]] = []
                for what in ["label count", "annotation count"] {
                    let n = try r.count(what, bytesEach: 2)
                    var list: [AlertLabel] = []
                    list.reserveCapacity(n)
                    for _ in 0..<n { list.append(AlertLabel(try r.string(), try r.string())) }
                    pairs.append(list)
                }
                let value = Double(bitPattern: try r.uint64LE())
                alert = Alert(key: key, phase: phase, labels: pairs[0], annotations: pairs[1], value: value,
                              activeSince: state.activeSince, firingSince: state.firingSince, resolvedAt: 0,
                              generatorURL: try r.string())
            case let b: throw AlertCheckpointError(offset: contentOffset, "content marker must be 0 or 1, not \(b)")
            }
            out.append((key, state, alert))
        }
        guard r.atEnd else { throw AlertCheckpointError(offset: r.position, "\(bytes.count - r.position) unexpected trailing bytes") }
        return out
    }

    static func phaseCode(_ phase: AlertPhase) -> UInt8 {
        switch phase {
        case .inactive: return 0
        case .pending: return 1
        case .firing: return 2
        }
    }
}

/// The alert checkpoint format, as named in its errors.
public enum AlertCheckpointFormat: ByteFormat { public static let name = "alert checkpoint" }

/// An alert checkpoint that cannot be decoded (truncated, corrupt, or not an alert checkpoint).
public typealias AlertCheckpointError = ByteFormatError<AlertCheckpointFormat>

/// The alert checkpoint's reader: `VarIntReader` (Primitives) failing with `AlertCheckpointError`.
private typealias AlertCheckpointReader = VarIntReader<AlertCheckpointError>

// An alert's key as the alert states and the alert history store it: SLO id, group value count,
// the group values, tier (strings: varint length, UTF-8 bytes).
extension VarInt {
    static func append(alertKey key: AlertKey, to out: inout [UInt8]) {
        append(string: key.slo, to: &out)
        append(UInt64(key.groupValues.count), to: &out)
        for v in key.groupValues { append(string: v, to: &out) }
        append(string: key.tier, to: &out)
    }
}

extension VarIntReader where Failure == AlertCheckpointError {
    mutating func alertKey() throws(AlertCheckpointError) -> AlertKey {
        let slo = try string()
        let valueCount = try count("group value count", bytesEach: 1)
        var values: [String] = []
        values.reserveCapacity(valueCount)
        for _ in 0..<valueCount { values.append(try string()) }
        return AlertKey(slo: slo, groupValues: values, tier: try string())
    }
}
