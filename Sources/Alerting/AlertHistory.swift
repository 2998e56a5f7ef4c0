import Primitives

/// One alert transition as the history keeps it: when, which alert (SLO instance × tier),
/// fired or resolved, the value it carried, and for a resolution when it had begun firing.
public struct AlertHistoryEntry: Sendable, Equatable {
    /// Unix nanoseconds: when it began firing, or when it resolved.
    public var time: Int64
    public var key: AlertKey
    /// `.firing` or `.resolved`.
    public var transition: AlertTransition
    public var value: Double
    /// Unix nanoseconds: the episode's firing start (equal to `time` for `.firing`; 0 for a
    /// resolution of an alert that never fired).
    public var firingSince: Int64

    public init(time: Int64, key: AlertKey, transition: AlertTransition, value: Double, firingSince: Int64) {
        self.time = time
        self.key = key
        self.transition = transition
        self.value = value
        self.firingSince = firingSince
    }
}

/// The alert transitions of the last `retentionNanos` (at least the longest SLO period), at most
/// `maxEntries` of them, oldest first: what the alerts page and the report's alert noise read.
/// Bounded in memory whatever the alerts do; kept in checkpoints (`encode`, `decode`).
///
/// Checkpoint section (version 1), integers LEB128 varints (signed ones zigzag):
///
/// ```
/// magic        "SLOH"
/// version      u8 = 1
/// count        varint, then per entry (oldest first):
///   time         zigzag varint, Unix nanoseconds
///   SLO id       string (`service-name`)
///   group values varint count, then that many strings
///   tier         string
///   transition   u8: 1 firing, 2 resolved
///   value        u64 little-endian: the IEEE 754 bits
///   firingSince  zigzag varint, Unix nanoseconds
/// string       varint byte length, then UTF-8 bytes
/// ```
public struct AlertHistory: Sendable, Equatable {
    public static let maxEntries = 10_000
    /// Entries, oldest first.
    public private(set) var entries: [AlertHistoryEntry] = []
    public var retentionNanos: Int64

    public init(retentionNanos: Int64, entries: [AlertHistoryEntry] = []) {
        self.retentionNanos = retentionNanos
        self.entries = entries
    }

    /// Adds the firing and resolved notices of one evaluation at `now`, then drops what is older
    /// than the retention and, past `maxEntries`, the oldest.
    public mutating func record(_ notices: [AlertNotice], now: Int64) {
        for notice in notices {
            switch notice.transition {
            case .firing:
                entries.append(AlertHistoryEntry(time: notice.alert.firingSince, key: notice.alert.key, transition: .firing,
                                                 value: notice.alert.value, firingSince: notice.alert.firingSince))
            case .resolved:
                let at = notice.alert.resolvedAt != 0 ? notice.alert.resolvedAt : now
                entries.append(AlertHistoryEntry(time: at, key: notice.alert.key, transition: .resolved, value: notice.alert.value,
                                                 firingSince: notice.alert.firingSince))
            default:
                continue
            }
        }
        prune(now: now)
    }

    /// Drops entries older than the retention, then the oldest past `maxEntries`.
    public mutating func prune(now: Int64) {
        let oldest = now &- retentionNanos
        if let keep = entries.firstIndex(where: { $0.time >= oldest }) {
            if keep > 0 { entries.removeFirst(keep) }
        } else {
            entries.removeAll()
        }
        if entries.count > Self.maxEntries { entries.removeFirst(entries.count - Self.maxEntries) }
    }

    static let magic: [UInt8] = Array("SLOH".utf8)
    static let version: UInt8 = 1

    /// Appends the checkpoint section.
    public func encode(into out: inout [UInt8]) {
        out.append(contentsOf: Self.magic)
        out.append(Self.version)
        VarInt.append(UInt64(entries.count), to: &out)
        for e in entries {
            VarInt.append(signed: e.time, to: &out)
            VarInt.append(alertKey: e.key, to: &out)
            out.append(e.transition == .firing ? 1 : 2)
            VarInt.append(littleEndian: e.value.bitPattern, to: &out)
            VarInt.append(signed: e.firingSince, to: &out)
        }
    }

    /// The entries of a checkpoint section. Safe on arbitrary bytes: bounds-checked, counts
    /// bounded by the remaining bytes, failures name the byte offset.
    public static func decode(_ bytes: [UInt8]) throws(AlertCheckpointError) -> [AlertHistoryEntry] {
        var r = VarIntReader<AlertCheckpointError>(bytes)
        for m in magic {
            guard try r.byte() == m else { throw AlertCheckpointError(offset: 0, "not an alert history (magic \"SLOH\" missing)") }
        }
        let v = try r.byte()
        guard v == version else { throw AlertCheckpointError(offset: 4, "unsupported alert history version \(v)") }
        // An entry takes at least 14 bytes: the time, two string lengths, a value count, the
        // transition, the value, firingSince.
        let count = try r.count("history entry count", bytesEach: 14)
        var out: [AlertHistoryEntry] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            let time = try r.signed()
            let key = try r.alertKey()
            let transitionOffset = r.position
            let transition: AlertTransition
            switch try r.byte() {
            case 1: transition = .firing
            case 2: transition = .resolved
            case let b: throw AlertCheckpointError(offset: transitionOffset, "unknown alert transition \(b) (1 firing, 2 resolved)")
            }
            let value = Double(bitPattern: try r.uint64LE())
            out.append(AlertHistoryEntry(time: time, key: key, transition: transition,
                                         value: value, firingSince: try r.signed()))
        }
        guard r.atEnd else { throw AlertCheckpointError(offset: r.position, "\(bytes.count - r.position) unexpected trailing bytes") }
        return out
    }
}
