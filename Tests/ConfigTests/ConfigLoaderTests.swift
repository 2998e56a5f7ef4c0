import Testing
@testable import Config

@Suite struct ConfigLoaderTests {
    @Test(arguments: ["", "# only a comment\n", "---\n", "server:\n", "server:\n  limits:\n  timeouts: ~\nlog:\n", "{}"])
    func emptyOrCommentOnlyFileGivesDefaults(_ text: String) throws {
        #expect(try loadConfig(text).get() == .default)
    }

    @Test func everyKeyIsDecoded() throws {
        let text = """
            server:
              listen: "[::1]:9000"
              event_loops: 4
              max_connections: 500
              limits:
                max_request_line_bytes: 4KiB
                max_header_bytes: 65536
                max_header_count: 50
                max_body_bytes: 2MB
                max_body_memory: 1GiB
              timeouts:
                header_read: 5s
                body_read: 1m
                idle: 1h30m
                write: 500ms
                shutdown_grace: 0s
            log:
              level: debug
            """
        var expected = SlodConfiguration.default
        expected.server.listen = "[::1]:9000"
        expected.server.eventLoops = 4
        expected.server.maxConnections = 500
        expected.server.limits = .init(maxRequestLineBytes: 4096, maxHeaderBytes: 65536, maxHeaderCount: 50,
                                       maxBodyBytes: 2_000_000, maxBodyMemory: 1 << 30)
        expected.server.timeouts = .init(headerRead: .seconds(5), bodyRead: .seconds(60), idle: .seconds(5400),
                                         write: .milliseconds(500), shutdownGrace: .zero)
        expected.log.level = .debug
        #expect(try loadConfig(text).get() == expected)
    }

    @Test func aggregationLimits() throws {
        let c = try loadConfig("aggregation:\n  max_series: 5000\n  max_series_per_metric: 100\n  max_series_per_tenant: 2000\n").get()
        #expect(c.aggregation.maxSeries == 5000 && c.aggregation.maxSeriesPerMetric == 100 && c.aggregation.maxSeriesPerTenant == 2000)
        #expect(SlodConfiguration.default.aggregation.maxSeriesPerTenant == 0)
        guard case .failure(let errors) = loadConfig("aggregation:\n  max_series_per_tenant: -1\n") else {
            Issue.record("negative limit accepted"); return
        }
        #expect(errors.description.contains("2:26"))
        #expect(errors.description.contains("max_series_per_tenant"))
    }

    @Test func missingKeysKeepTheirDefaults() throws {
        let config = try loadConfig("server:\n  timeouts:\n    idle: 5s\n").get()
        var expected = SlodConfiguration.default
        expected.server.timeouts.idle = .seconds(5)
        #expect(config == expected)
    }

    @Test func descriptionHasFilePositionKeyPathAndMessage() {
        let errors = configErrors("server:\n  limits:\n    max_body_bytes: lots\n")
        #expect(errors.map(\.description) == [
            "slod.yaml:3:21: server.limits.max_body_bytes: expected a size like 16MiB, got \"lots\"",
        ])
    }

    @Test func unknownKeyIsRejectedWithSuggestion() {
        let cases: [(String, String, String)] = [
            ("server:\n  lisen: x\n", "server.lisen", "unknown key \"lisen\"; did you mean \"listen\"?"),
            ("sever:\n  listen: x\n", "sever", "unknown key \"sever\"; did you mean \"server\"?"),
            ("server:\n  eventloops: 1\n", "server.eventloops", "did you mean \"event_loops\"?"),
            ("server:\n  Event-Loops: 1\n", "server.Event-Loops", "did you mean \"event_loops\"?"),
            ("server:\n  timeouts:\n    idel: 1s\n", "server.timeouts.idel", "did you mean \"idle\"?"),
            ("log:\n  levle: info\n", "log.levle", "did you mean \"level\"?"),
        ]
        for (text, keyPath, message) in cases {
            let errors = configErrors(text)
            #expect(errors.count == 1, "\(text)")
            #expect(errors.first?.keyPath == keyPath)
            #expect(errors.first?.message.contains(message) == true, "\(errors)")
        }
    }

    @Test func unknownKeyWithoutCloseMatchListsKnownKeys() {
        let errors = configErrors("log:\n  colour: red\n")
        #expect(errors.map(\.description) == ["slod.yaml:2:3: log.colour: unknown key \"colour\" (known keys: level)"])
        let top = configErrors("tracing:\n  x: 1\n")
        #expect(top.first?.message == "unknown key \"tracing\" (known keys: server, ingest, aggregation, storage, log, slos, slo_files, alerting)")
        #expect((top.first?.line, top.first?.column) == (1, 1))
    }

    @Test func allErrorsAreCollectedWithPositionsAndKeyPaths() {
        let text = """
            server:
              listen: nowhere
              event_loops: many
              limits:
                max_body_bytes: 2GiB
                max_header_count: "10"
              timeouts:
                idle: 75
                writ: 1s
            log:
              level: loud
            extra: 1
            """
        let errors = configErrors(text)
        let summary = errors.map { "\($0.line):\($0.column) \($0.keyPath)" }
        #expect(summary == [
            "2:11 server.listen",
            "3:16 server.event_loops",
            "5:21 server.limits.max_body_bytes",
            "6:23 server.limits.max_header_count",
            "8:11 server.timeouts.idle",
            "9:5 server.timeouts.writ",
            "11:10 log.level",
            "12:1 extra",
        ])
        let description = ConfigErrors(errors).description
        #expect(description.split(separator: "\n").count == 8)
        #expect(description.hasPrefix("slod.yaml:2:11: server.listen: invalid address \"nowhere\""))
    }

    @Test func wrongNodeKindsNameTheExpectedType() {
        let cases: [(String, String)] = [
            ("server: 5\n", "server: expected a mapping (a section of keys), got a plain scalar"),
            ("server: [a]\n", "server: expected a mapping (a section of keys), got a sequence"),
            ("server:\n  listen: [a]\n", "server.listen: expected an address like \"127.0.0.1:4318\", got a sequence"),
            ("server:\n  event_loops: {a: 1}\n", "server.event_loops: expected an integer in 0...256, got a mapping"),
            ("server:\n  limits:\n    max_body_bytes: [1]\n", "expected a size like 16MiB, got a sequence"),
            ("server:\n  timeouts:\n    idle: {}\n", "expected a duration like 10s, 500ms or 1h30m, got a mapping"),
            ("log:\n  level:\n", "log.level: expected one of debug, info, warn, error, got null (remove the key to use the default)"),
            ("log: info\n", "log: expected a mapping (a section of keys), got a plain scalar"),
            ("- a\n", "expected a mapping of configuration sections at the top level, got a sequence"),
            ("hello\n", "expected a mapping of configuration sections at the top level, got a plain scalar"),
        ]
        for (text, message) in cases {
            let errors = configErrors(text)
            #expect(errors.count == 1 && errors[0].description.contains(message), "\(errors)")
        }
    }

    @Test func nullValueIsReportedAtItsKey() {
        let errors = configErrors("server:\n  listen:\n")
        #expect(errors.map { "\($0.line):\($0.column)" } == ["2:3"])
    }

    @Test func rangeViolationsNameTheRange() {
        let cases: [(String, String)] = [
            ("server:\n  event_loops: 257\n", "257 is out of range: expected an integer in 0...256"),
            ("server:\n  event_loops: -1\n", "-1 is out of range: expected an integer in 0...256"),
            ("server:\n  max_connections: 0\n", "0 is out of range: expected an integer in 1...1000000"),
            ("server:\n  limits:\n    max_request_line_bytes: 2MiB\n", "size 2MiB is out of range: expected 64B...1MiB"),
            ("server:\n  limits:\n    max_header_bytes: 100\n", "size 100 is out of range: expected 1KiB...16MiB"),
            ("server:\n  limits:\n    max_header_count: 0\n", "0 is out of range: expected an integer in 1...10000"),
            ("server:\n  limits:\n    max_body_bytes: 2GiB\n", "size 2GiB is out of range: expected 1KiB...1GiB"),
            ("server:\n  timeouts:\n    header_read: 0s\n", "duration 0s is out of range: expected 1ms...1d"),
            ("server:\n  timeouts:\n    idle: 0ms\n", "duration 0ms is out of range: expected 1ms...1d"),
            ("server:\n  timeouts:\n    write: 2d\n", "duration 2d is out of range: expected 1ms...1d"),
            ("server:\n  timeouts:\n    shutdown_grace: 2h\n", "duration 2h is out of range: expected 0s...1h"),
        ]
        for (text, message) in cases {
            let errors = configErrors(text)
            #expect(errors.count == 1 && errors[0].message == message, "\(errors)")
        }
    }

    @Test func bodyMemoryBudgetMustHoldTheLargestBody() throws {
        // Reported where the value was written, whichever of the two keys it is.
        let smallBudget = configErrors("server:\n  limits:\n    max_body_memory: 8MiB\n")
        #expect(smallBudget.map { "\($0.line):\($0.column) \($0.keyPath)" } == ["3:22 server.limits.max_body_memory"])
        #expect(smallBudget.first?.message == "max_body_memory (8MiB) is smaller than max_body_bytes (16MiB): a body of max_body_bytes could never be admitted; raise max_body_memory or lower max_body_bytes")
        let largeBody = configErrors("server:\n  limits:\n    max_body_bytes: 512MiB\n")
        #expect(largeBody.map { "\($0.line):\($0.column) \($0.keyPath)" } == ["3:21 server.limits.max_body_bytes"])
        let both = try loadConfig("server:\n  limits:\n    max_body_bytes: 1MiB\n    max_body_memory: 1MiB\n").get()
        #expect(both.server.limits.maxBodyMemory == 1 << 20)
        #expect(SlodConfiguration.default.server.limits.maxBodyMemory == 256 << 20)
    }

    /// `storage.checkpoint_wal_bytes`: a size in 16MiB...1024GiB, errors at the value's position.
    @Test func checkpointWALBytesIsASizeInItsRange() throws {
        let config = try loadConfig("storage:\n  checkpoint_wal_bytes: 512MiB\n").get()
        #expect(config.storage.checkpointWALBytes == 512 << 20)
        let cases: [(String, String)] = [
            ("storage:\n  checkpoint_wal_bytes: 1MiB\n", "slod.yaml:2:25: storage.checkpoint_wal_bytes: size 1MiB is out of range: expected 16MiB...1024GiB"),
            ("storage:\n  checkpoint_wal_bytes: 1025GiB\n", "slod.yaml:2:25: storage.checkpoint_wal_bytes: size 1025GiB is out of range: expected 16MiB...1024GiB"),
            ("storage:\n  checkpoint_wal_bytes: lots\n", "slod.yaml:2:25: storage.checkpoint_wal_bytes: expected a size like 16MiB, got \"lots\""),
        ]
        for (text, message) in cases {
            #expect(configErrors(text).map(\.description) == [message])
        }
    }

    @Test func quotedIntegerIsRejectedWithHint() {
        let errors = configErrors("server:\n  event_loops: \"4\"\n")
        #expect(errors.first?.message == "expected an integer in 0...256, got the string \"4\" (remove the quotes)")
    }

    @Test func quotedSizesAndDurationsAreAccepted() throws {
        let config = try loadConfig("server:\n  limits:\n    max_body_bytes: '1 MiB'\n  timeouts:\n    idle: \"9s\"\n").get()
        #expect(config.server.limits.maxBodyBytes == 1 << 20)
        #expect(config.server.timeouts.idle == .seconds(9))
    }

    @Test func severalDocumentsAreAnError() {
        let errors = configErrors("log:\n  level: info\n---\nlog:\n  level: warn\n")
        #expect(errors.count == 1)
        #expect(errors.first?.message == "a config file must hold one YAML document, found 2")
        // At the second document's root node.
        #expect((errors.first?.line, errors.first?.column) == (4, 1))
    }

    @Test func syntaxErrorIsReportedWithPosition() {
        let errors = configErrors("server:\n  listen: &a x\n")
        #expect(errors.map(\.description) == ["slod.yaml:2:11: anchors (&name) are not supported"])
        let tab = configErrors("server:\n\tlisten: x\n")
        #expect(tab.map(\.description) == ["slod.yaml:2:1: tab character used for indentation (indent with spaces)"])
    }

    @Test func logLevelMustBeKnown() throws {
        #expect(configErrors("log:\n  level: warning\n").first?.message
            == "expected one of debug, info, warn, error, got \"warning\"")
        for level in SlodConfiguration.LogLevel.allCases {
            #expect(try loadConfig("log:\n  level: \(level)\n").get().log.level == level)
        }
    }

    @Test func logLevelsAreOrderedBySeverity() {
        #expect(SlodConfiguration.LogLevel.allCases.sorted() == [.debug, .info, .warn, .error])
        #expect(SlodConfiguration.LogLevel.warn > .info)
        #expect(SlodConfiguration.LogLevel.error.description == "error")
    }

    @Test func thousandsOfErrorsAreCutWithACount() {
        let text = (0..<1000).map { "k\($0): 1" }.joined(separator: "\n")
        let errors = configErrors(text)
        #expect(errors.count == ConfigLoader.maxReportedErrors + 1)
        #expect(errors.last?.description == "slod.yaml: 900 more errors not shown")
    }

    @Test func errorWithoutPositionOmitsIt() {
        let error = ConfigError(file: "f.yaml", line: 0, column: 0, keyPath: "", message: "m")
        #expect(error.description == "f.yaml: m")
    }
}

@Suite struct IngestConfigTests {
    func parse(_ text: String) -> Result<SlodConfiguration, ConfigErrors> {
        ConfigLoader.parse(Array(text.utf8), file: "slod.yaml")
    }

    @Test func ingestKeysDecode() throws {
        let c = try parse("""
        ingest:
          max_decompressed_bytes: 8MiB
          max_compression_ratio: 50
          tenant_header: X-Tenant
          rate_limit_points_per_second: 1000
          rate_limit_burst_points: 5000
        """).get()
        #expect(c.ingest.maxDecompressedBytes == 8 << 20)
        #expect(c.ingest.maxCompressionRatio == 50)
        #expect(c.ingest.tenantHeader == "X-Tenant")
        #expect(c.ingest.rateLimitPointsPerSecond == 1000)
        #expect(c.ingest.rateLimitBurstPoints == 5000)
        #expect(try parse("ingest:\n  tenant_header: \"\"\n").get().ingest.tenantHeader == "")
    }

    @Test func badIngestValuesAreReportedTogether() {
        guard case .failure(let e) = parse("ingest:\n  tenant_header: \"X Tenant\"\n  max_compression_ratio: 1\n") else {
            Issue.record("expected errors")
            return
        }
        #expect(e.errors.map(\.keyPath) == ["ingest.tenant_header", "ingest.max_compression_ratio"])
        #expect(e.errors[0].message.contains("invalid header name"))
    }
}
