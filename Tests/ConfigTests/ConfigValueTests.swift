import Testing
@testable import Config

@Suite struct ConfigValueTests {
    @Test(arguments: [
        ("123", 123), ("0", 0), ("123B", 123), ("8KiB", 8192), ("16MiB", 16 << 20), ("1GiB", 1 << 30),
        ("2KB", 2000), ("3MB", 3_000_000), ("1GB", 1_000_000_000), ("1 KiB", 1024),
    ])
    func sizesWithUnitsParse(_ text: String, _ bytes: Int) throws {
        #expect(try parseSize(text).get() == bytes)
    }

    @Test(arguments: [
        ("lots", "expected a size like 16MiB, got \"lots\""),
        ("16XB", "unknown size unit \"XB\" in \"16XB\" (expected one of B, KB, MB, GB, KiB, MiB, GiB)"),
        ("16mib", "unknown size unit \"mib\""),
        ("1.5MiB", "fractions are not supported"),
        ("-1", "expected a size like 16MiB, got \"-1\""),
        ("", "expected a size like 16MiB, got \"\""),
        ("99999999999999999999", "size \"99999999999999999999\" is too large"),
        ("20000000000GiB", "is too large"),
        ("16 MiB!", "expected a size like 16MiB"),
    ])
    func malformedSizesAreRejected(_ text: String, _ message: String) {
        guard case .failure(let problem) = parseSize(text) else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(problem.message.contains(message), "\(problem.message)")
    }

    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("10s", .seconds(10)), ("5m", .seconds(300)), ("1h", .seconds(3600)),
        ("1h30m", .seconds(5400)), ("1d", .seconds(86_400)), ("1w", .seconds(604_800)), ("1y", .seconds(31_536_000)),
        ("1m30s500ms", .milliseconds(90_500)), ("0s", .zero),
    ])
    func prometheusDurationsParse(_ text: String, _ duration: Duration) throws {
        #expect(try parseDuration(text).get() == duration)
    }

    @Test(arguments: [
        ("10", "expected a duration like 10s, 500ms or 1h30m, got the bare number 10 (add a unit"),
        ("0", "got the bare number 0"),
        ("1.5", "got the bare number 1.5"),
        ("1.5s", "fractions are not supported"),
        ("1m1h", "each unit at most once, largest first"),
        ("1s1s", "each unit at most once, largest first"),
        ("10x", "unknown duration unit \"x\" in \"10x\""),
        ("1h30", "the last number has no unit"),
        ("s", "expected a duration like 10s, 500ms or 1h30m, got \"s\""),
        ("", "got an empty string"),
        ("1 s", "unknown duration unit \" s\""),
        ("9999999999999999y", "is too large"),
    ])
    func malformedDurationsAreRejected(_ text: String, _ message: String) {
        guard case .failure(let problem) = parseDuration(text) else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(problem.message.contains(message), "\(problem.message)")
    }

    @Test func durationsAndSizesFormatInTheirShortestForm() {
        #expect(formatDuration(.seconds(5400)) == "1h30m")
        #expect(formatDuration(.milliseconds(1)) == "1ms")
        #expect(formatDuration(.zero) == "0s")
        #expect(formatDuration(.seconds(86_400)) == "1d")
        #expect(formatSize(1 << 20) == "1MiB")
        #expect(formatSize(1000) == "1000B")
        #expect(formatSize(64) == "64B")
    }

    @Test(arguments: [
        "127.0.0.1:4318", "0.0.0.0:0", "localhost:80", "255.255.255.255:65535", "[::1]:4318", "[::]:1",
        "[2001:db8::1]:443", "[::ffff:127.0.0.1]:1", "[1:2:3:4:5:6:7:8]:9", "[fe80::]:1", "[1:2:3:4:5:6:7::]:1",
    ])
    func validListenAddressesAreAccepted(_ text: String) {
        #expect(listenAddressProblem(text) == nil)
    }

    @Test(arguments: [
        ("127.0.0.1", "expected HOST:PORT"),
        ("::1:4318", "IPv6 addresses must be in brackets"),
        ("example.com:80", "host must be an IPv4 address, localhost or a bracketed IPv6 address"),
        ("256.0.0.1:1", "host must be"),
        ("1.2.3:4", "host must be"),
        ("01.2.3.4:1", "host must be"),
        ("127.0.0.1:65536", "port must be a number in 0...65535"),
        ("127.0.0.1:-1", "port must be a number in 0...65535"),
        ("127.0.0.1:", "missing port"),
        (":4318", "missing host"),
        ("[::1]", "expected :PORT after the bracketed IPv6 address"),
        ("[::1]4318", "expected :PORT"),
        ("[::1:4318", "missing ']'"),
        ("[1:2:3:4:5:6:7:8:9]:1", "is not an IPv6 address"),
        ("[1::2::3]:1", "is not an IPv6 address"),
        ("[::g]:1", "is not an IPv6 address"),
        ("[1:2:3:4:5:6:7]:1", "is not an IPv6 address"),
        ("[fe80::1%eth0]:1", "is not an IPv6 address"),
        ("[127.0.0.1]:1", "is not an IPv6 address"),
    ])
    func invalidListenAddressesAreRejected(_ text: String, _ message: String) {
        let problem = listenAddressProblem(text)
        #expect(problem?.contains(message) == true, "\(problem ?? "accepted")")
    }

    @Test func editDistanceCountsSingleEditsAndTranspositions() {
        #expect(editDistance(Array("listen".utf8), Array("lisen".utf8)) == 1)
        #expect(editDistance(Array("".utf8), Array("abc".utf8)) == 3)
        #expect(editDistance(Array("idle".utf8), Array("idel".utf8)) == 1)
        #expect(editDistance(Array("kitten".utf8), Array("sitting".utf8)) == 3)
    }
}
