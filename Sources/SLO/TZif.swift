/// A malformed TZif file or footer: `offset` is the byte position where the problem was found.
public struct TZifError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var message: String

    public init(offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "at byte \(offset): \(message)" }
}

/// Parser of the Time Zone Information Format (RFC 8536), the compiled zone files under
/// `/usr/share/zoneinfo`.
///
/// Reads version 1 files (32-bit data block) and version 2, 3 and later files (the 64-bit second
/// data block and the POSIX TZ footer; the version 1 block is only skipped, as the RFC asks).
/// Input is untrusted: every count is checked against the remaining bytes and against fixed
/// limits before anything is allocated, and the parser never traps. Files with leap-second
/// records (the `right/` zones) are refused: slod works in POSIX time, where those records
/// would shift every transition.
public enum TZif {
    /// Largest file accepted (real files are below 4 KiB).
    public static let maxInputBytes = 1 << 20
    /// Most transitions accepted in one data block (real files have fewer than 2,000).
    public static let maxTransitions = 1 << 16

    /// Parses a TZif file into the zone's offsets; `name` is only kept for display.
    public static func parse(_ bytes: [UInt8], name: String) throws(TZifError) -> TimeZoneRules {
        guard bytes.count <= maxInputBytes else {
            throw TZifError(offset: 0, "file of \(bytes.count) bytes exceeds the \(maxInputBytes)-byte limit")
        }
        var reader = TZifReader(bytes: bytes)
        let first = try reader.header()
        if first.version == 0 {
            return try reader.dataBlock(first, timeSize: 4, name: name, footer: false)
        }
        // Version 2+: skip the version 1 block, then read the second header and 64-bit block.
        try reader.skip(first.blockSize(timeSize: 4), what: "version 1 data block")
        let second = try reader.header()
        return try reader.dataBlock(second, timeSize: 8, name: name, footer: true)
    }
}

extension TZif {
    /// A zone from a POSIX TZ rule string alone (what a TZif footer holds), e.g.
    /// `CET-1CEST,M3.5.0,M10.5.0/3`: for tests, fuzzing, and zones given as rules.
    public static func rules(posixTZ text: [UInt8], name: String) throws(TZifError) -> TimeZoneRules {
        guard let rule = try POSIXTimeZone.parse(text[...]) else {
            throw TZifError(offset: 0, "empty TZ string")
        }
        return TimeZoneRules(name: name, transitions: [], offsets: [], initialOffset: rule.standardOffset, footer: rule)
    }
}

/// The six counts of a TZif header.
struct TZifHeader {
    var version: UInt8
    var isutcnt: Int, isstdcnt: Int, leapcnt: Int, timecnt: Int, typecnt: Int, charcnt: Int

    func blockSize(timeSize: Int) -> Int {
        timecnt * timeSize + timecnt + typecnt * 6 + charcnt + leapcnt * (timeSize + 4) + isstdcnt + isutcnt
    }
}

/// A bounds-checked big-endian cursor over the file bytes.
struct TZifReader {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    func fail(_ message: String) -> TZifError { TZifError(offset: position, message) }

    mutating func skip(_ n: Int, what: String) throws(TZifError) {
        guard n >= 0, n <= remaining else { throw fail("truncated \(what): need \(n) bytes, have \(remaining)") }
        position += n
    }

    mutating func u8() throws(TZifError) -> UInt8 {
        guard remaining >= 1 else { throw fail("unexpected end of file") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u32() throws(TZifError) -> UInt32 {
        guard remaining >= 4 else { throw fail("unexpected end of file") }
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(bytes[position + i]) }
        position += 4
        return v
    }

    mutating func i64() throws(TZifError) -> Int64 {
        guard remaining >= 8 else { throw fail("unexpected end of file") }
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[position + i]) }
        position += 8
        return Int64(bitPattern: v)
    }

    /// The 44-byte header: magic `TZif`, version, 15 reserved bytes, six 32-bit counts.
    mutating func header() throws(TZifError) -> TZifHeader {
        let start = position
        guard remaining >= 44 else { throw fail("truncated header: need 44 bytes, have \(remaining)") }
        guard bytes[start] == 0x54, bytes[start + 1] == 0x5A, bytes[start + 2] == 0x69, bytes[start + 3] == 0x66 else {
            throw fail("missing \"TZif\" magic")
        }
        position += 4
        let version = try u8()
        guard version == 0 || version >= UInt8(ascii: "2") else {
            throw TZifError(offset: start + 4, "unknown version byte \(version)")
        }
        position += 15
        var counts: [Int] = []
        for _ in 0..<6 { counts.append(Int(try u32())) }
        let h = TZifHeader(version: version, isutcnt: counts[0], isstdcnt: counts[1], leapcnt: counts[2],
                           timecnt: counts[3], typecnt: counts[4], charcnt: counts[5])
        guard h.timecnt <= TZif.maxTransitions else { throw TZifError(offset: start, "timecnt \(h.timecnt) exceeds \(TZif.maxTransitions)") }
        guard h.typecnt <= 256 else { throw TZifError(offset: start, "typecnt \(h.typecnt) exceeds 256") }
        guard h.charcnt <= 65_536, h.leapcnt <= 65_536, h.isutcnt <= 256, h.isstdcnt <= 256 else {
            throw TZifError(offset: start, "header counts out of range")
        }
        return h
    }

    /// Reads one data block (and the footer after the 64-bit one) into zone rules.
    mutating func dataBlock(_ h: TZifHeader, timeSize: Int, name: String, footer: Bool) throws(TZifError) -> TimeZoneRules {
        guard h.typecnt >= 1 else { throw fail("typecnt must not be zero") }
        guard h.charcnt >= 1 else { throw fail("charcnt must not be zero") }
        guard h.isutcnt == 0 || h.isutcnt == h.typecnt else { throw fail("isutcnt \(h.isutcnt) is neither 0 nor typecnt \(h.typecnt)") }
        guard h.isstdcnt == 0 || h.isstdcnt == h.typecnt else { throw fail("isstdcnt \(h.isstdcnt) is neither 0 nor typecnt \(h.typecnt)") }
        guard h.leapcnt == 0 else { throw fail("leap-second records are not supported (use a zone outside right/)") }
        guard h.blockSize(timeSize: timeSize) <= remaining else {
            throw fail("truncated data block: need \(h.blockSize(timeSize: timeSize)) bytes, have \(remaining)")
        }
        var times: [Int64] = []
        times.reserveCapacity(h.timecnt)
        for _ in 0..<h.timecnt {
            let raw = timeSize == 4 ? Int64(Int32(bitPattern: try u32())) : try i64()
            let t = TimeMath.clampSeconds(raw)
            if let previous = times.last, t < previous {
                throw fail("transition times are not in ascending order")
            }
            times.append(t)
        }
        var typeIndices: [Int] = []
        typeIndices.reserveCapacity(h.timecnt)
        for _ in 0..<h.timecnt {
            let i = Int(try u8())
            guard i < h.typecnt else { throw fail("transition type index \(i) is not below typecnt \(h.typecnt)") }
            typeIndices.append(i)
        }
        var typeOffsets: [Int32] = []
        for _ in 0..<h.typecnt {
            let utoff = Int32(bitPattern: try u32())
            let isdst = try u8()
            let desigidx = Int(try u8())
            guard utoff != Int32.min, abs(utoff) <= TimeZoneRules.maxOffsetSeconds else {
                throw fail("UTC offset \(utoff) s is out of range")
            }
            guard isdst <= 1 else { throw fail("isdst must be 0 or 1, got \(isdst)") }
            guard desigidx < h.charcnt else { throw fail("designation index \(desigidx) is not below charcnt \(h.charcnt)") }
            typeOffsets.append(utoff)
        }
        try skip(h.charcnt, what: "time zone designations")
        for _ in 0..<(h.isstdcnt + h.isutcnt) {
            guard try u8() <= 1 else { throw fail("standard/wall and UT/local indicators must be 0 or 1") }
        }
        var rule: POSIXTimeZone? = nil
        if footer {
            guard try u8() == 0x0A else { throw TZifError(offset: position - 1, "footer must start with a newline") }
            let start = position
            var end = start
            while end < bytes.count, bytes[end] != 0x0A {
                end += 1
                guard end - start <= POSIXTimeZone.maxLength else {
                    throw TZifError(offset: start, "footer longer than \(POSIXTimeZone.maxLength) bytes")
                }
            }
            guard end < bytes.count else { throw TZifError(offset: start, "footer must end with a newline") }
            do {
                rule = try POSIXTimeZone.parse(bytes[start..<end])
            } catch {
                throw TZifError(offset: start + error.offset, error.message)
            }
            position = end + 1
        }
        return TimeZoneRules(name: name, transitions: times, offsets: typeIndices.map { typeOffsets[$0] },
                             initialOffset: typeOffsets[0], footer: rule)
    }
}
