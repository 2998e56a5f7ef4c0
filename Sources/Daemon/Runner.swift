import Aggregation
import Config
import Exposition
import HTTP
import OTLP
import Platform
import Primitives
import Storage
import Synchronization

/// Runs the daemon: start order, readiness, signals, sd_notify, graceful drain.
struct Runner {
    let options: RunOptions
    let logger = Logger.shared

    func run() -> Int32 {
        // Block termination signals before any thread exists so every thread inherits the mask
        // and only the main thread (in sigwait) receives them.
        let signals = Signals.block([Signals.terminate, Signals.interrupt, Signals.hangup])
        Signals.ignoreSIGPIPE()
        Signals.ignoreSIGXFSZ()
        // Large request bodies get their own mappings, so that their memory goes back to the
        // system once a load has passed.
        MemoryAllocator.mapAllocations(ofAtLeast: HTTPServer.largeBufferThreshold)

        let config: SlodConfiguration
        switch Daemon.loadConfig(path: options.configPath) {
        case .success(let c): config = c
        case .failure(let text):
            Daemon.printError(text.description)
            return 2
        }
        let levelName = options.logLevel ?? config.log.level.description
        guard let level = Platform.LogLevel(name: levelName) else {
            Daemon.printError("slod: invalid log level \"\(levelName)\" (debug, info, warn, error)")
            return 2
        }
        logger.setLevel(level)

        let listenText = options.listen ?? config.server.listen
        guard let address = SocketAddress.parse(listenText) else {
            Daemon.printError("slod: invalid listen address \"\(listenText)\" (expected HOST:PORT)")
            return 2
        }

        let loops = config.server.eventLoops > 0 ? config.server.eventLoops : OSThread.availableCores
        let limits = HTTPLimits(maxRequestLineBytes: config.server.limits.maxRequestLineBytes,
                                maxHeaderBytes: config.server.limits.maxHeaderBytes,
                                maxHeaderCount: config.server.limits.maxHeaderCount,
                                maxBodyBytes: config.server.limits.maxBodyBytes)
        let t = config.server.timeouts
        let serverConfig = HTTPServerConfiguration(
            address: address, eventLoops: loops, maxConnections: config.server.maxConnections, limits: limits,
            maxBodyMemory: config.server.limits.maxBodyMemory,
            headerReadTimeout: t.headerRead, bodyReadTimeout: t.bodyRead, idleTimeout: t.idle,
            writeTimeout: t.write, shutdownGrace: t.shutdownGrace)

        // The storage directory and its lock first: a second slod on one directory stops here.
        var storage: StorageService? = nil
        if config.storage.enabled {
            do {
                storage = try StorageService(config: config.storage, path: options.storagePath ?? config.storage.path, lanes: loops)
            } catch {
                Daemon.printError("slod: \(error.description)")
                return 1
            }
        }

        let registry = MetricsRegistry()
        let reloader = Reloader(configPath: options.configPath, logLevelOverride: options.logLevel, initial: config, logger: logger)
        let ready = ReadyFlag()
        let ingestMetrics = IngestMetrics()
        var receiverConfig = OTLPReceiverConfiguration()
        receiverConfig.maxDecompressedBytes = config.ingest.maxDecompressedBytes
        receiverConfig.maxCompressionRatio = config.ingest.maxCompressionRatio
        receiverConfig.tenantHeader = config.ingest.tenantHeader
        receiverConfig.rateLimitPointsPerSecond = config.ingest.rateLimitPointsPerSecond
        receiverConfig.rateLimitBurstPoints = config.ingest.rateLimitBurstPoints
        // SLO evaluation: shards link series to SLO instances and sum their points per instance
        // and 10 s bucket; every second the service hands the sums to the engine, which owns
        // the instances' states.
        // Alert notifications: one outbox (queue + thread) per destination.
        let notifications: NotificationService
        do {
            notifications = try NotificationService(config: config.alerting, registry: registry)
        } catch {
            logger.error("cannot set up the alert notifiers", ["error": error.description])
            return 2
        }
        let sloService: SLOService
        do {
            sloService = try SLOService(specs: config.slos, notifications: notifications)
        } catch {
            logger.error("cannot set up the SLOs", ["error": "\(error)"])
            return 2
        }
        // Aggregator shards: each owns a disjoint set of series; loops reach them through rings.
        let agg = config.aggregation
        let shardCount = agg.shards > 0 ? agg.shards : max(1, OSThread.availableCores / 2)
        // One ShardStats per shard: each shard sets its own series gauge.
        let shardStats = (0..<shardCount).map { _ in ShardStats() }
        let workers = shardStats.map { stats in
            // The limits are for the whole daemon: each shard holds its share (series are spread
            // over shards by hash, so a shard reaches its share about when the daemon does).
            AggregatorShard(maxSeries: max(1, agg.maxSeries / shardCount), maxSeriesPerMetric: max(1, agg.maxSeriesPerMetric / shardCount),
                            maxSeriesPerTenant: agg.maxSeriesPerTenant > 0 ? max(1, agg.maxSeriesPerTenant / shardCount) : 0,
                            seriesTTL: agg.seriesTTL.nanoseconds, stats: stats, slo: sloService.shardPart())
        }
        // Recovery, part 1: the newest checkpoint into the shards (before they run), the SLO
        // engine and the alert states.
        var recovered = StorageService.Recovered()
        var replayFrom: WALPosition? = nil
        do {
            replayFrom = try storage?.loadCheckpoint(shards: workers, slo: sloService, into: &recovered)
        } catch {
            logger.error("cannot recover from the storage directory", ["error": error.description])
            return 1
        }
        let runtime: ShardRuntime<AggregatorShard>
        do throws(Errno) {
            runtime = try ShardRuntime(loops: loops, workers: workers, ringCapacity: agg.ringCapacity)
            try runtime.start()
        } catch {
            logger.error("cannot start aggregator shards", ["error": error.description])
            return 1
        }
        // The one ingest path (live and replay): the WAL as its journal, or none with storage disabled.
        let backend = IngestPipeline(runtime: runtime, journal: storage?.wal ?? NoJournal())
        let receiver = OTLPReceiver(configuration: receiverConfig, loops: loops, metrics: ingestMetrics,
                                    backend: backend, isReady: { ready.isReady })
        let endpoints = Endpoints(registry: registry, ready: ready, reloader: reloader, receiver: receiver, runtime: runtime,
                                  slo: sloService)
        registerShardMetrics(registry, stats: shardStats, runtime: runtime)
        let server = HTTPServer(configuration: serverConfig, router: endpoints.router(), logger: logger)
        registerSelfMetrics(registry, server: server)
        registerIngestMetrics(registry, metrics: ingestMetrics)
        registerReloadMetrics(registry, reloader: reloader)
        if let storage { registerStorageMetrics(registry, storage: storage) }

        // The server answers /-/healthy and /metrics during recovery; /-/ready and ingestion
        // answer 503 until the WAL has been replayed.
        let bound: SocketAddress
        do throws(Errno) {
            bound = try server.start()
        } catch {
            logger.error("cannot listen", ["address": address.description, "error": error.description])
            return 1
        }
        let notifier = SystemdNotifier()
        notifier.send("STATUS=recovering from \(storage?.directory ?? "nothing (storage disabled)")")
        logger.info("recovering", ["address": bound.description, "storage": storage?.directory ?? "disabled"])
        // Recovery, part 2: the WAL after the checkpoint, its points records decoded back into
        // the shards' slices and taken by the ingest pipeline as live requests are (one replay
        // thread per event loop: the loops take no data until ready).
        do {
            // Every segment replayed extends systemd's start timeout: a long replay that makes
            // progress is not killed, one that stalls still is (TimeoutStartSec, or 90 s after
            // the last segment).
            try storage?.replay(after: replayFrom, into: backend, into: &recovered) { status in
                _ = notifier.send("EXTEND_TIMEOUT_USEC=90000000\nSTATUS=\(status)")
            }
        } catch {
            logger.error("cannot recover from the storage directory", ["error": error.description])
            server.shutdown()
            server.wait()
            runtime.stop()
            return 1
        }
        logger.info("recovered", [
            "storage": storage?.directory ?? "disabled", "checkpoint": recovered.checkpoint ?? "none", "series": String(recovered.series), "series_dropped": String(recovered.seriesDropped),
            "slo_instances": String(recovered.sloInstances), "slo_instances_dropped": String(recovered.sloDropped),
            "alerts": String(recovered.alerts), "wal_records": String(recovered.records), "wal_points": String(recovered.points), "wal_bytes": String(recovered.bytes),
            "skipped_records": String(recovered.skipped), "damaged_segments": String(recovered.damagedSegments),
            "checkpoint_seconds": format3(recovered.checkpointSeconds), "replay_seconds": format3(recovered.seconds), "fsync": config.storage.fsync.rawValue,
        ])
        if let storage, recovered.damagedSegments > 0 {
            // What was replayed from a segment set aside exists nowhere else: cover it now.
            storage.checkpoint(runtime: runtime, slo: sloService, reason: "recovery")
        }
        do throws(Errno) {
            try storage?.start(runtime: runtime, slo: sloService)
            try notifications.start()
        } catch {
            logger.error("cannot start the storage or notifier threads", ["error": error.description])
            return 1
        }
        sloService.start(runtime: runtime, interval: config.alerting.evaluationInterval)
        reloader.setSLOHandler { specs in try sloService.reconfigure(specs: specs, runtime: runtime) }
        sloService.externalURL = config.alerting.externalURL ?? "http://\(bound.description)"
        endpoints.ready.set(true)
        logger.info("listening", [
            "address": bound.description, "event_loops": String(loops), "shards": String(shardCount), "version": SlodVersion.version,
            "config": options.configPath ?? "<embedded default>", "storage": storage?.directory ?? "disabled",
        ])

        notifier.send("READY=1\nSTATUS=listening on \(bound.description)\nMAINPID=\(CurrentProcess.id)")
        let watchdog = startWatchdog(notifier: notifier, server: server)

        while true {
            let sig = Signals.wait(signals)
            if sig == Signals.hangup {
                logger.info("SIGHUP received; reloading configuration")
                _ = reloader.reload()
                continue
            }
            logger.info("shutting down", ["signal": sig == Signals.terminate ? "SIGTERM" : "SIGINT",
                                          "grace_seconds": "\(t.shutdownGrace.seconds)"])
            break
        }
        endpoints.ready.set(false)
        notifier.send("STOPPING=1")
        server.shutdown()
        server.wait()
        sloService.stop()
        // The shutdown checkpoint: everything acknowledged, so the next start replays nothing.
        storage?.stop(runtime: runtime, slo: sloService)
        notifications.stop()
        runtime.stop()
        watchdog?.stop()
        logger.info("stopped")
        return 0
    }

    /// Pings the systemd watchdog at half the interval while the event loops are responsive.
    func startWatchdog(notifier: SystemdNotifier, server: HTTPServer) -> WatchdogThread? {
        guard notifier.isEnabled, let interval = SystemdNotifier.watchdogInterval() else { return nil }
        let w = WatchdogThread()
        let period = interval.nanoseconds / 2
        do {
            _ = try OSThread.spawn(name: "slod-watchdog") {
                repeat {
                    if server.isResponsive(withinNanos: interval.nanoseconds) {
                        notifier.send("WATCHDOG=1")
                    }
                } while !w.stopped.wait(until: .after(.nanoseconds(Int64(period))), { $0 })
            }
        } catch {
            logger.warn("cannot start watchdog thread", ["error": error.description])
            return nil
        }
        return w
    }
}

final class WatchdogThread: Sendable {
    /// Set once; wakes the thread from its wait between pings.
    let stopped = ConditionLocked(false)
    func stop() { stopped.withLock { $0 = true } }
}

/// Readiness: false until start-up is complete, false again while draining.
final class ReadyFlag: Sendable {
    private let value = Atomic<Bool>(false)
    /// Release/acquire: the replay's use of loop 0's decoder happens before the loop's own.
    func set(_ v: Bool) { value.store(v, ordering: .releasing) }
    var isReady: Bool { value.load(ordering: .acquiring) }
}
