import Testing
@testable import Daemon

@Suite struct CommandLineTests {
    @Test func noArgumentsRunsOnEmbeddedDefault() throws {
        #expect(try CommandLineParser.parse([]) == .run(RunOptions()))
    }

    @Test func flagsWithSeparateAndInlineValues() throws {
        let c = try CommandLineParser.parse(["--config", "/etc/slod.yaml", "--listen=127.0.0.1:0", "--log-level", "debug"])
        #expect(c == .run(RunOptions(configPath: "/etc/slod.yaml", listen: "127.0.0.1:0", logLevel: "debug")))
        let s = try CommandLineParser.parse(["--storage-path", "/var/lib/slod", "--listen=127.0.0.1:0"])
        #expect(s == .run(RunOptions(listen: "127.0.0.1:0", storagePath: "/var/lib/slod")))
        #expect(throws: UsageError.self) { try CommandLineParser.parse(["--storage-path="]) }
    }

    @Test func versionHelpAndCheckConfig() throws {
        #expect(try CommandLineParser.parse(["--version"]) == .version)
        #expect(try CommandLineParser.parse(["--help"]) == .help)
        #expect(try CommandLineParser.parse(["check", "config", "x.yaml"]) == .checkConfig(path: "x.yaml"))
    }

    @Test(arguments: [
        (["--bogus"], "unknown argument"),
        (["--config"], "needs a value"),
        (["--listen", "--config", "x"], "needs a value"),
        (["check"], "check config FILE"),
        (["check", "config"], "usage: slod check config FILE"),
        (["check", "rules", "x"], "did you mean"),
    ])
    func usageErrorsNameTheProblem(_ args: [String], _ fragment: String) {
        #expect(throws: UsageError.self) { try CommandLineParser.parse(args) }
        do {
            _ = try CommandLineParser.parse(args)
        } catch {
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }
}
