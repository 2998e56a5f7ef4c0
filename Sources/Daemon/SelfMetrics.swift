import Aggregation
import Exposition
import HTTP
import OTLP
import Primitives

/// Registers the daemon's own metrics: build info, process metrics and the HTTP server's.
func registerSelfMetrics(_ registry: MetricsRegistry, server: HTTPServer) {
    registry.gauge("slod_build_info", help: "A metric with constant value 1, labelled with the version of slod.",
                   labels: [("version", SlodVersion.version)]).set(1)
    registerProcessMetrics(registry)
    let m = server.metrics
    let bodyMemory = server.bodyMemory
    registry.register(families: [
        "slod_http_requests_total",
        "slod_http_request_duration_seconds",
        "slod_http_connections_open",
        "slod_http_connections_accepted_total",
        "slod_http_connections_refused_total",
        "slod_http_limit_rejections_total",
        "slod_http_body_memory_bytes",
        "slod_http_body_memory_limit_bytes",
    ]) { w in
        w.family("slod_http_requests_total", type: .counter, help: "HTTP requests answered, by handler and status code.")
        for (h, handler) in m.handlers.enumerated() {
            for (slot, counter) in m.requests[h].enumerated() {
                let v = counter.value
                if v == 0 { continue }
                w.sample("slod_http_requests_total", labels: [("handler", handler), ("code", HTTPServerMetrics.codeLabel(slot: slot))], value: v)
            }
        }
        w.family("slod_http_request_duration_seconds", type: .histogram, help: "Time from the first byte of a request to its response being queued, by handler.")
        for (h, handler) in m.handlers.enumerated() {
            let snap = m.durations[h].snapshot()
            if snap.count == 0 { continue }
            w.histogram("slod_http_request_duration_seconds", labels: [("handler", handler)], snapshot: snap)
        }
        w.single("slod_http_connections_open", type: .gauge, help: "HTTP connections currently open.",
                 value: m.connectionsOpen.value)
        w.single("slod_http_connections_accepted_total", type: .counter, help: "HTTP connections accepted (including refused ones).",
                 value: m.connectionsAccepted.value)
        w.single("slod_http_connections_refused_total", type: .counter, help: "HTTP connections refused because max_connections was reached.",
                 value: m.connectionsRefused.value)
        w.family("slod_http_limit_rejections_total", type: .counter, help: "Requests or connections rejected by a server limit or timeout, by reason.")
        for (i, reason) in HTTPServerMetrics.limitReasons.enumerated() {
            w.sample("slod_http_limit_rejections_total", labels: [("reason", reason)], value: m.limitRejections[i].value)
        }
        // Refusals for memory are counted above as reason="body_memory".
        w.single("slod_http_body_memory_bytes", type: .gauge, help: "Bytes of request bodies held in memory (server.limits.max_body_memory budget in use).",
                 value: Int64(bodyMemory.heldBytes))
        w.single("slod_http_body_memory_limit_bytes", type: .gauge, help: "The server.limits.max_body_memory budget, in bytes.",
                 value: Int64(bodyMemory.limitBytes))
    }
}

/// Registers the OTLP ingestion metrics.
func registerIngestMetrics(_ registry: MetricsRegistry, metrics m: IngestMetrics) {
    registry.register(families: [
        "slod_ingest_requests_total",
        "slod_ingest_points_total",
        "slod_ingest_rejected_points_total",
        "slod_ingest_received_bytes_total",
        "slod_ingest_decompressed_bytes_total",
        "slod_ingest_decode_duration_seconds",
    ]) { w in
        w.family("slod_ingest_requests_total", type: .counter, help: "OTLP/HTTP export requests answered, by encoding and status code.")
        for (e, encoding) in IngestMetrics.encodings.enumerated() {
            for (slot, counter) in m.requests[e].enumerated() {
                let v = counter.value
                if v == 0 { continue }
                w.sample("slod_ingest_requests_total", labels: [("encoding", encoding), ("code", IngestMetrics.codeLabel(slot: slot))], value: v)
            }
        }
        w.family("slod_ingest_points_total", type: .counter, help: "Data points accepted from OTLP requests, by point type.")
        for (i, type) in IngestMetrics.pointTypes.enumerated() {
            w.sample("slod_ingest_points_total", labels: [("type", type)], value: m.points[i].value)
        }
        w.family("slod_ingest_rejected_points_total", type: .counter, help: "Data points rejected as invalid (partial success), by reason.")
        for (i, reason) in RejectionReason.allCases.enumerated() {
            w.sample("slod_ingest_rejected_points_total", labels: [("reason", reason.rawValue)], value: m.rejected[i].value)
        }
        // Rejections by the aggregation backend (series limits, out-of-order points, …).
        for (reason, n) in m.backendRejections.sorted(by: { $0.key < $1.key }) where RejectionReason(rawValue: reason) == nil {
            w.sample("slod_ingest_rejected_points_total", labels: [("reason", reason)], value: n)
        }
        w.family("slod_ingest_received_bytes_total", type: .counter, help: "OTLP request body bytes as received (compressed or not), by encoding.")
        for (e, encoding) in IngestMetrics.encodings.enumerated() {
            w.sample("slod_ingest_received_bytes_total", labels: [("encoding", encoding)], value: m.receivedBytes[e].value)
        }
        w.family("slod_ingest_decompressed_bytes_total", type: .counter, help: "OTLP request body bytes after decompression, by encoding.")
        for (e, encoding) in IngestMetrics.encodings.enumerated() {
            w.sample("slod_ingest_decompressed_bytes_total", labels: [("encoding", encoding)], value: m.decompressedBytes[e].value)
        }
        w.family("slod_ingest_decode_duration_seconds", type: .histogram, help: "Time to inflate and decode an OTLP request body, by encoding.")
        for (e, encoding) in IngestMetrics.encodings.enumerated() {
            let snap = m.decodeSeconds[e].snapshot()
            if snap.count == 0 { continue }
            w.histogram("slod_ingest_decode_duration_seconds", labels: [("encoding", encoding)], snapshot: snap)
        }
    }
}

/// Registers the aggregator shards' metrics. `stats[i]` belongs to shard `i`: per-shard state
/// (series held, batches applied, ring occupancy) is labelled `shard="i"`; the point and series
/// counters are summed over shards (their per-shard split only mirrors the hash).
func registerShardMetrics(_ registry: MetricsRegistry, stats: [ShardStats], runtime: ShardRuntime<AggregatorShard>) {
    let shardLabels = stats.indices.map { [("shard", String($0))] }
    @Sendable func sum(_ counter: (ShardStats) -> Counter?) -> UInt64 {
        stats.reduce(0) { $0 &+ (counter($1)?.value ?? 0) }
    }
    registry.register(families: [
        "slod_series",
        "slod_series_created_total",
        "slod_series_expired_total",
        "slod_points_applied_total",
        "slod_shard_batches_applied_total",
        "slod_shard_rejected_points_total",
        "slod_series_limit_rejections_total",
        "slod_shard_ring_occupancy",
    ]) { w in
        w.family("slod_series", type: .gauge, help: "Series held, by aggregator shard.")
        for (i, s) in stats.enumerated() {
            w.sample("slod_series", labels: shardLabels[i], value: s.series.value)
        }
        w.single("slod_series_created_total", type: .counter, help: "Series created by the aggregator shards.",
                 value: sum { $0.seriesCreated })
        w.single("slod_series_expired_total", type: .counter, help: "Series removed after aggregation.series_ttl without updates.",
                 value: sum { $0.seriesExpired })
        w.single("slod_points_applied_total", type: .counter, help: "Data points applied to series by the aggregator shards.",
                 value: sum { $0.pointsApplied })
        w.family("slod_shard_batches_applied_total", type: .counter, help: "Batch slices (one per ingest request and shard) applied, by aggregator shard.")
        for (i, s) in stats.enumerated() {
            w.sample("slod_shard_batches_applied_total", labels: shardLabels[i], value: s.batchesApplied.value)
        }
        w.family("slod_shard_rejected_points_total", type: .counter, help: "Data points the shards did not apply, by reason.")
        for reason in ShardStats.rejectionReasons {
            w.sample("slod_shard_rejected_points_total", labels: [("reason", reason)], value: sum { $0.rejected[reason] })
        }
        w.single("slod_series_limit_rejections_total", type: .counter, help: "Points of new series rejected because a series limit (aggregation.max_series, max_series_per_metric) was reached.",
                 value: sum { $0.rejected["series_limit"] })
        w.family("slod_shard_ring_occupancy", type: .gauge, help: "Batch slices queued, by aggregator shard (all event loops' rings together).")
        for (i, n) in runtime.ringOccupancy.enumerated() {
            w.sample("slod_shard_ring_occupancy", labels: i < shardLabels.count ? shardLabels[i] : [("shard", String(i))], value: n)
        }
    }
}

/// Registers the configuration reload counters.
func registerReloadMetrics(_ registry: MetricsRegistry, reloader: Reloader) {
    registry.register(families: ["slod_config_reloads_total"]) { w in
        w.family("slod_config_reloads_total", type: .counter,
                 help: "Configuration reloads (SIGHUP, POST /-/reload) by result; a failed one kept the running configuration.")
        w.sample("slod_config_reloads_total", labels: [("result", "success")], value: reloader.succeeded.value)
        w.sample("slod_config_reloads_total", labels: [("result", "failure")], value: reloader.failed.value)
    }
}
