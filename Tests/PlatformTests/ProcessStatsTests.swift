#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Platform

@Suite struct ProcessStatsTests {
    @Test func currentValuesArePlausible() throws {
        let s = ProcessStats.current()
        let rss = try #require(s.residentMemoryBytes)
        let vsize = try #require(s.virtualMemoryBytes)
        #expect(rss > 0)
        #expect(vsize >= rss)
        #expect(try #require(s.openFDs) >= 3)
        #expect(try #require(s.maxFDs) >= UInt64(try #require(s.openFDs)))
        #expect(try #require(s.cpuSeconds) >= 0)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let start = try #require(s.startTimeSeconds)
        #expect(start <= Double(now.tv_sec) + 1)
        #expect(start > Double(now.tv_sec) - 86_400)
    }

    @Test func directoryCountSkipsDotEntries() throws {
        var template = Array("/tmp/slod-fdcount-XXXXXX".utf8CString)
        let dir = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        #expect(ProcessStatsIO.countDirectoryEntries(dir) == 0)
        for name in ["a", "..b", ".c"] {
            let fd = open(dir + "/" + name, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
            try #require(fd >= 0)
            close(fd)
        }
        #expect(ProcessStatsIO.countDirectoryEntries(dir) == 3)
        for name in ["a", "..b", ".c"] { unlink(dir + "/" + name) }
        rmdir(dir)
        #expect(ProcessStatsIO.countDirectoryEntries(dir) == nil)
    }

    @Test func readFileReadsPastOneChunkAndStopsAtLimit() throws {
        // /proc/self/maps of a Swift test binary is well over 4 KiB.
        let all = try #require(ProcessStatsIO.readFile("/proc/self/maps", limit: 1 << 20))
        #expect(all.count > 4096)
        #expect(ProcessStatsIO.readFile("/proc/self/maps", limit: 5000)?.count == 5000)
        #expect(ProcessStatsIO.readFile("/nonexistent/slod", limit: 10) == nil)
    }

    /// Fields 3…24 of a stat line, after the comm field.
    static let tail = "S 1 2 3 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 12345 987654321 2048 18446744073709551615 1 1"

    static let comms: [String] = ["slod", "a b", "x) y", "((", "))) (S 9 9", ""]

    @Test(arguments: comms)
    func commWithSpacesAndParensIsSkipped(_ comm: String) throws {
        let line = "4242 (\(comm)) \(Self.tail)\n"
        let stat = try #require(SelfStat.parse(Array(line.utf8)))
        #expect(stat == SelfStat(utimeTicks: 250, stimeTicks: 50, startTimeTicks: 12345, vsizeBytes: 987654321, rssPages: 2048))
    }

    static let malformed: [String] = [
        "", "4242 slod S 1", "4242 (slod) S 1 2 3", "4242 (slod) S 1 2 3 0 -1 4194560 100 0 0 0 2x0 50",
        "4242 (slod) S 1 2 3 0 -1 4194560 100 0 0 0 99999999999999999999 50 0 0 20 0 1 0 1 2 3",
    ]

    @Test(arguments: malformed)
    func truncatedOrGarbledStatIsRejected(_ text: String) {
        #expect(SelfStat.parse(Array(text.utf8)) == nil)
    }

    static let bootTimes: [(String, UInt64?)] = [
        ("cpu  1 2 3\nbtime 1700000000\nprocesses 5\n", 1_700_000_000),
        ("btime 42", 42),
        ("cpu 1\nprocesses 5\n", nil),
        ("xbtime 5\n", nil),
        ("btime \n", nil),
        ("btime 12a\n", nil),
    ]

    @Test(arguments: bootTimes)
    func bootTimeLineIsFound(_ text: String, _ expected: UInt64?) {
        #expect(parseBootTime(Array(text.utf8)) == expected)
    }
}
