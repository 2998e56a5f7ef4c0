#if canImport(Glibc)
import Glibc
#endif

/// Resource usage of the current process, read from `/proc` (Linux) for the standard
/// `process_*` self-metrics.
///
/// Every field is optional: a source that cannot be read (no `/proc`, a parse failure) leaves its
/// fields `nil` and the caller omits those metrics rather than failing the scrape.
/// `current()` opens and reads `/proc/self/stat` and lists `/proc/self/fd` (O(open fds)); call it
/// at scrape time, not on a hot path. Safe to call from any thread.
package struct ProcessStats: Sendable, Equatable {
    /// User + system CPU time in seconds (`utime + stime` ÷ `sysconf(_SC_CLK_TCK)`).
    package var cpuSeconds: Double?
    /// Resident set size in bytes (rss pages × page size).
    package var residentMemoryBytes: UInt64?
    /// Virtual memory size in bytes (`vsize`).
    package var virtualMemoryBytes: UInt64?
    /// Start time, seconds since the Unix epoch (`btime` from `/proc/stat` + `starttime` ÷ CLK_TCK).
    package var startTimeSeconds: Double?
    /// Number of entries in `/proc/self/fd` (including the descriptor used to list it).
    package var openFDs: Int?
    /// Soft `RLIMIT_NOFILE` (`getrlimit`); `UInt64.max` when unlimited.
    package var maxFDs: UInt64?

    package init(
        cpuSeconds: Double? = nil, residentMemoryBytes: UInt64? = nil, virtualMemoryBytes: UInt64? = nil,
        startTimeSeconds: Double? = nil, openFDs: Int? = nil, maxFDs: UInt64? = nil
    ) {
        self.cpuSeconds = cpuSeconds
        self.residentMemoryBytes = residentMemoryBytes
        self.virtualMemoryBytes = virtualMemoryBytes
        self.startTimeSeconds = startTimeSeconds
        self.openFDs = openFDs
        self.maxFDs = maxFDs
    }

    /// Reads the current values. Never throws; unreadable sources give `nil` fields.
    package static func current() -> ProcessStats {
        var stats = ProcessStats()
        let tick = Double(ProcessStatsConstants.clockTicksPerSecond)
        if let bytes = ProcessStatsIO.readFile("/proc/self/stat", limit: 4096),
           let stat = SelfStat.parse(bytes) {
            stats.cpuSeconds = Double(stat.utimeTicks + stat.stimeTicks) / tick
            stats.residentMemoryBytes = stat.rssPages &* ProcessStatsConstants.pageSize
            stats.virtualMemoryBytes = stat.vsizeBytes
            if let btime = ProcessStatsConstants.bootTime {
                stats.startTimeSeconds = Double(btime) + Double(stat.startTimeTicks) / tick
            }
        }
        stats.openFDs = ProcessStatsIO.countDirectoryEntries("/proc/self/fd")
        var rl = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &rl) == 0 {
            // RLIM_INFINITY (which does not import) is rlim_t.max, i.e. UInt64.max.
            stats.maxFDs = UInt64(rl.rlim_cur)
        }
        return stats
    }
}

/// The fields of `/proc/[pid]/stat` the process metrics need (see proc(5)).
package struct SelfStat: Sendable, Equatable {
    package var utimeTicks: UInt64      // field 14
    package var stimeTicks: UInt64      // field 15
    package var startTimeTicks: UInt64  // field 22, ticks after boot
    package var vsizeBytes: UInt64      // field 23
    package var rssPages: UInt64        // field 24

    /// Parses the contents of `/proc/[pid]/stat`. Field 2 (`comm`) is in parentheses and may
    /// itself contain spaces and parentheses, so fields are counted from after the **last** `)`.
    /// Returns nil when the text is malformed or truncated.
    package static func parse(_ bytes: [UInt8]) -> SelfStat? {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // Fields after comm, numbered from 3 (state).
        var fields: [UInt64] = []  // fields 4… as numbers (state, field 3, is skipped)
        fields.reserveCapacity(24)
        var i = close + 1
        var fieldNumber = 2
        while i < bytes.count, fieldNumber < 24 {
            while i < bytes.count, bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\n") { i += 1 }
            guard i < bytes.count else { break }
            fieldNumber += 1
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: " "), bytes[i] != UInt8(ascii: "\n") { i += 1 }
            if fieldNumber == 3 { continue }  // state: a letter
            // Some fields are signed (priority, nice); the ones we read are not. Parse loosely.
            var v: UInt64 = 0
            var negative = false
            for j in start..<i {
                let b = bytes[j]
                if j == start, b == UInt8(ascii: "-") { negative = true; continue }
                guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(UInt64(b - UInt8(ascii: "0")))
                guard !o1, !o2 else { return nil }
                v = a
            }
            fields.append(negative ? 0 : v)
        }
        guard fieldNumber >= 24 else { return nil }
        // fields[k] is field number k + 4.
        return SelfStat(
            utimeTicks: fields[14 - 4], stimeTicks: fields[15 - 4], startTimeTicks: fields[22 - 4],
            vsizeBytes: fields[23 - 4], rssPages: fields[24 - 4])
    }
}

/// Parses the `btime <seconds>` line of `/proc/stat` (boot time, seconds since the epoch).
package func parseBootTime(_ bytes: [UInt8]) -> UInt64? {
    let key = Array("btime ".utf8)
    var lineStart = 0
    while lineStart < bytes.count {
        var lineEnd = lineStart
        while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        if lineEnd - lineStart > key.count, bytes[lineStart..<(lineStart + key.count)].elementsEqual(key) {
            var v: UInt64 = 0
            var any = false
            for b in bytes[(lineStart + key.count)..<lineEnd] where b != UInt8(ascii: " ") {
                guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9"), v < UInt64.max / 10 else { return nil }
                v = v * 10 + UInt64(b - UInt8(ascii: "0"))
                any = true
            }
            return any ? v : nil
        }
        lineStart = lineEnd + 1
    }
    return nil
}

/// Values that do not change while the process runs, read once.
enum ProcessStatsConstants {
    /// `sysconf(_SC_CLK_TCK)`, 100 if unavailable.
    static let clockTicksPerSecond: Int = {
        let t = sysconf(Int32(_SC_CLK_TCK))
        return t > 0 ? t : 100
    }()

    /// `sysconf(_SC_PAGESIZE)`, 4096 if unavailable.
    static let pageSize: UInt64 = {
        let p = sysconf(Int32(_SC_PAGESIZE))
        return p > 0 ? UInt64(p) : 4096
    }()

    /// `btime` from `/proc/stat`.
    static let bootTime: UInt64? = {
        guard let bytes = ProcessStatsIO.readFile("/proc/stat", limit: 1 << 20) else { return nil }
        return parseBootTime(bytes)
    }()
}

/// The file-system reads `ProcessStats` makes; any failure gives nil.
enum ProcessStatsIO {
    /// Reads up to `limit` bytes of a procfs file; nil when it cannot be read.
    static func readFile(_ path: String, limit: Int) -> [UInt8]? {
        try? FD.readFile(path, limit: limit, truncating: true)
    }

    /// Counts the entries of a directory other than `.` and `..` (`opendir(3)`/`readdir(3)`).
    static func countDirectoryEntries(_ path: String) -> Int? {
        guard let dir = opendir(path) else { return nil }
        defer { _ = closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".")
                    && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDot { count += 1 }
        }
        return count
    }
}
