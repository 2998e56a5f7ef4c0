import SLO

/// slod's configuration: every key has a default, so `SlodConfiguration.default` is a complete,
/// valid configuration and a config file only states what differs.
///
/// Built by `ConfigLoader.parse` from YAML (keys in snake_case: `server.event_loops`, …);
/// `config/slod.yaml` documents every key. Immutable once the daemon has started (a reload
/// builds a new value).
public struct SlodConfiguration: Sendable, Equatable {
    public var server: Server
    public var ingest: Ingest
    public var aggregation: Aggregation
    public var log: Log
    /// WAL and checkpoints (`storage:`).
    public var storage: Storage = .default
    /// The SLOs (`slos:`), validated; after `ConfigLoader.load` also those imported from
    /// `sloFiles`. Default: none.
    public var slos: [SLOSpec]
    /// OpenSLO v1 and Sloth `prometheus/v1` files to import (`slo_files:`), as written (relative
    /// paths are relative to the config file's directory). Default: none.
    public var sloFiles: [String]
    /// Alert evaluation and notifiers (`alerting:`).
    public var alerting: Alerting = .default

    /// The configuration slod runs on when no file overrides anything.
    public static let `default` = SlodConfiguration(server: .default, ingest: .default, aggregation: .default, log: .default,
                                                    slos: [], sloFiles: [])

    /// The HTTP server (`server:`).
    public struct Server: Sendable, Equatable {
        /// `HOST:PORT` to listen on: an IPv4 dotted quad, `localhost` or `[IPv6]`; port 0...65535.
        public var listen: String
        /// Event loop threads, 0...256; 0 means one per core (decided by the daemon).
        public var eventLoops: Int
        /// Open connections at most, 1...1_000_000; further ones are refused.
        public var maxConnections: Int
        public var limits: Limits
        public var timeouts: Timeouts

        public static let `default` = Server(
            listen: "127.0.0.1:4318", eventLoops: 0, maxConnections: 10_000,
            limits: .default, timeouts: .default)
    }

    /// Request size limits (`server.limits:`), in bytes.
    public struct Limits: Sendable, Equatable {
        /// Longest request line; longer gets `414`. 64 B...1 MiB, default 8 KiB.
        public var maxRequestLineBytes: Int
        /// Largest header section (all header lines); larger gets `431`. 1 KiB...16 MiB, default 32 KiB.
        public var maxHeaderBytes: Int
        /// Most header fields; more gets `431`. 1...10_000, default 100.
        public var maxHeaderCount: Int
        /// Largest request body; larger gets `413`. 1 KiB...1 GiB, default 16 MiB.
        public var maxBodyBytes: Int
        /// Bytes of request bodies held in memory, all connections together; a request whose
        /// body does not fit gets `503` + `Retry-After` before its body is read. At least
        /// `maxBodyBytes`, at most 64 GiB, default 256 MiB.
        public var maxBodyMemory: Int

        public static let `default` = Limits(
            maxRequestLineBytes: 8 << 10, maxHeaderBytes: 32 << 10, maxHeaderCount: 100, maxBodyBytes: 16 << 20,
            maxBodyMemory: 256 << 20)
    }

    /// Connection timeouts (`server.timeouts:`). All but `shutdownGrace` are in 1ms...1d.
    public struct Timeouts: Sendable, Equatable {
        /// Time to receive the whole request head (defends against slowloris). Default 10s.
        public var headerRead: Duration
        /// Time to receive the body once the head is in. Default 30s.
        public var bodyRead: Duration
        /// How long an idle keep-alive connection stays open. Default 75s.
        public var idle: Duration
        /// Time to write a response (a client that never reads is dropped). Default 30s.
        public var write: Duration
        /// How long shutdown waits for in-flight requests, 0s...1h. Default 10s.
        public var shutdownGrace: Duration

        public static let `default` = Timeouts(
            headerRead: .seconds(10), bodyRead: .seconds(30), idle: .seconds(75),
            write: .seconds(30), shutdownGrace: .seconds(10))
    }

    /// OTLP/HTTP ingestion (`ingest:`).
    public struct Ingest: Sendable, Equatable {
        /// Largest request body after decompression; larger gets `413`. 1 KiB...4 GiB, default 64 MiB.
        public var maxDecompressedBytes: Int
        /// Largest decompressed/compressed size ratio tolerated once the output passes 1 MiB
        /// (gzip bombs); beyond it the request gets `413`. 2...100000, default 1000.
        public var maxCompressionRatio: Int
        /// Header naming the tenant, carried with every record; empty disables tenants.
        /// Default `X-Scope-OrgID` (the Cortex/Mimir/Loki convention).
        public var tenantHeader: String
        /// Data points accepted per second across all clients, 0 = unlimited (default). Over the
        /// limit a request gets `429` with `Retry-After` and nothing of it is kept.
        public var rateLimitPointsPerSecond: Int
        /// Points the rate limiter lets through in one burst; 0 = one second's worth.
        public var rateLimitBurstPoints: Int

        public static let `default` = Ingest(
            maxDecompressedBytes: 64 << 20, maxCompressionRatio: 1000, tenantHeader: "X-Scope-OrgID",
            rateLimitPointsPerSecond: 0, rateLimitBurstPoints: 0)
    }

    /// Aggregator shards and series (`aggregation:`).
    public struct Aggregation: Sendable, Equatable {
        /// Aggregator shard threads, 0...256; 0 means half the cores, at least one.
        public var shards: Int
        /// Batch slices in flight per (event loop, shard) before ingestion answers 503, 1...65536.
        public var ringCapacity: Int
        /// A series not updated for this long disappears from /metrics and is freed. Default 5m.
        public var seriesTTL: Duration
        /// Series held at most (all shards together); points of new series beyond it are
        /// rejected through partial success. Default 1000000.
        public var maxSeries: Int
        /// Series per metric name at most (all shards together). Default 100000.
        public var maxSeriesPerMetric: Int
        /// Series per tenant at most (all shards together); 0 = no limit (default).
        public var maxSeriesPerTenant: Int = 0

        public static let `default` = Aggregation(
            shards: 0, ringCapacity: 64, seriesTTL: .seconds(300), maxSeries: 1_000_000, maxSeriesPerMetric: 100_000,
            maxSeriesPerTenant: 0)
    }

    /// Durability (`storage:`): the WAL and checkpoints.
    public struct Storage: Sendable, Equatable {
        /// When an acknowledged request reaches the disk.
        public enum Fsync: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
            /// fsync before the `200` (group commit: one fsync covers every request waiting).
            case always
            /// fsync every `fsyncInterval`: a machine crash loses at most that much.
            case interval
            /// Left to the OS.
            case never
            public var description: String { rawValue }
        }
        /// False: nothing is written and state is lost at exit (ephemeral deployments, the
        /// benchmark's baseline). Default true.
        public var enabled: Bool
        /// Data directory (`wal/`, checkpoints, `lock`). Default `./data`.
        public var path: String
        public var fsync: Fsync
        public var fsyncInterval: Duration
        public var checkpointInterval: Duration
        /// A checkpoint is also cut once the WAL appended since the last one reaches this many
        /// bytes, so the replay at the next start stays bounded whatever the load. Default 2 GiB:
        /// ~20 s of replay at 100 MB/s, the speed measured for the body-per-record WAL (faster
        /// formats only shorten it), leaving room for the checkpoint load within ~30 s.
        public var checkpointWALBytes: Int
        public var segmentBytes: Int

        public static let `default` = Storage(enabled: true, path: "./data", fsync: .interval, fsyncInterval: .seconds(1),
                                              checkpointInterval: .seconds(300), checkpointWALBytes: 2 << 30,
                                              segmentBytes: 128 << 20)
    }

    /// Logging (`log:`).
    public struct Log: Sendable, Equatable {
        /// Least severe level written. Default `info`.
        public var level: LogLevel

        public static let `default` = Log(level: .info)
    }

    /// Log severity, least severe first.
    public enum LogLevel: String, Sendable, Equatable, CaseIterable, Comparable, CustomStringConvertible {
        case debug
        case info
        case warn
        case error

        /// The name used in the config file: `debug`, `info`, `warn`, `error`.
        public var description: String { rawValue }

        public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }
}
