import Testing
@testable import Config

@Suite struct DefaultConfigFileTests {
    @Test func repositoryConfigFileEqualsEmbeddedDefault() throws {
        let root = try #require(repositoryRoot(), "config/slod.yaml not found above \(#filePath)")
        let bytes = try #require(readFile(root + "/config/slod.yaml"))
        #expect(bytes == Array(ConfigLoader.embeddedDefault.utf8),
                "config/slod.yaml and ConfigLoader.embeddedDefault differ")
    }

    @Test func embeddedDefaultParsesToDefault() throws {
        let config = try ConfigLoader.parse(Array(ConfigLoader.embeddedDefault.utf8), file: "slod.yaml").get()
        #expect(config == .default)
    }

    /// Every key is written out, so the file documents them all: removing any one key line must
    /// still give the defaults, and each key appears in the file.
    @Test func embeddedDefaultMentionsEveryKey() {
        let keys = ["listen", "event_loops", "max_connections", "limits", "max_request_line_bytes",
                    "max_header_bytes", "max_header_count", "max_body_bytes", "timeouts", "header_read",
                    "body_read", "idle", "write", "shutdown_grace", "log", "level"]
        for key in keys {
            #expect(ConfigLoader.embeddedDefault.contains("\n  \(key):") || ConfigLoader.embeddedDefault.contains("\n    \(key):")
                    || ConfigLoader.embeddedDefault.contains("\n\(key):"), "\(key) is not in the default config")
        }
        #expect(ConfigLoader.embeddedDefault.contains("listen: \"127.0.0.1:4318\""))
    }

    @Test func defaultValuesMatchTheDocumentedOnes() {
        let d = SlodConfiguration.default
        #expect(d.server.listen == "127.0.0.1:4318")
        #expect(d.server.eventLoops == 0)
        #expect(d.server.maxConnections == 10_000)
        #expect(d.server.limits == .init(maxRequestLineBytes: 8192, maxHeaderBytes: 32768, maxHeaderCount: 100,
                                         maxBodyBytes: 16 << 20, maxBodyMemory: 256 << 20))
        #expect(d.server.timeouts == .init(headerRead: .seconds(10), bodyRead: .seconds(30), idle: .seconds(75),
                                           write: .seconds(30), shutdownGrace: .seconds(10)))
        #expect(d.log.level == .info)
    }
}
