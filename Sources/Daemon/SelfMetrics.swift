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
    registry.register { w in
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
        w.family("slod_http_connections_open", type: .gauge, help: "HTTP connections currently open.")
        w.sample("slod_http_connections_open", value: m.connectionsOpen.value)
        w.family("slod_http_connections_accepted_total", type: .counter, help: "HTTP connections accepted (including refused ones).")
        w.sample("slod_http_connections_accepted_total", value: m.connectionsAccepted.value)
        w.family("slod_http_connections_refused_total", type: .counter, help: "HTTP connections refused because max_connections was reached.")
        w.sample("slod_http_connections_refused_total", value: m.connectionsRefused.value)
        w.family("slod_http_limit_rejections_total", type: .counter, help: "Requests or connections rejected by a server limit or timeout, by reason.")
        for (i, reason) in HTTPServerMetrics.limitReasons.enumerated() {
            w.sample("slod_http_limit_rejections_total", labels: [("reason", reason)], value: m.limitRejections[i].value)
        }
    }
}

/// Registers the OTLP ingestion metrics.
func registerIngestMetrics(_ registry: MetricsRegistry, metrics m: IngestMetrics) {
    registry.register { w in
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

/// Registers the aggregator shards' metrics.
func registerShardMetrics(_ registry: MetricsRegistry, stats: ShardStats, runtime: ShardRuntime) {
    registry.register { w in
        w.family("slod_series", type: .gauge, help: "Series held by the aggregator shards.")
        w.sample("slod_series", value: stats.series.value)
        w.family("slod_series_created_total", type: .counter, help: "Series created by the aggregator shards.")
        w.sample("slod_series_created_total", value: stats.seriesCreated.value)
        w.family("slod_series_expired_total", type: .counter, help: "Series removed after aggregation.series_ttl without updates.")
        w.sample("slod_series_expired_total", value: stats.seriesExpired.value)
        w.family("slod_points_applied_total", type: .counter, help: "Data points applied to series by the aggregator shards.")
        w.sample("slod_points_applied_total", value: stats.pointsApplied.value)
        w.family("slod_shard_rejected_points_total", type: .counter, help: "Data points the shards did not apply, by reason.")
        for reason in ShardStats.rejectionReasons {
            w.sample("slod_shard_rejected_points_total", labels: [("reason", reason)], value: stats.rejected[reason]?.value ?? 0)
        }
        w.family("slod_series_limit_rejections_total", type: .counter, help: "Points of new series rejected because a series limit (aggregation.max_series, max_series_per_metric) was reached.")
        w.sample("slod_series_limit_rejections_total", value: stats.rejected["series_limit"]?.value ?? 0)
        w.family("slod_shard_ring_occupancy", type: .gauge, help: "Batch slices queued for each shard, all event loops together.")
        for (i, n) in runtime.ringOccupancy.enumerated() {
            w.sample("slod_shard_ring_occupancy", labels: [("shard", String(i))], value: n)
        }
    }
}
