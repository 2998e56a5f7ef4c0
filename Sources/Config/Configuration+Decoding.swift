/// Decoding of each section from YAML: the key names, value kinds and ranges live here.
extension SlodConfiguration: ConfigSection {
    mutating func decode(from mapping: inout ConfigMapping) {
        mapping.section("server", &server)
        mapping.section("ingest", &ingest)
        mapping.section("aggregation", &aggregation)
        mapping.section("storage", &storage)
        mapping.section("log", &log)
    }
}

extension SlodConfiguration.Storage: ConfigSection {
    mutating func decode(from mapping: inout ConfigMapping) {
        mapping.decode("enabled", &enabled, as: .bool)
        mapping.decode("path", &path, as: .path)
        mapping.decode("fsync", &fsync, as: .oneOf)
        mapping.decode("fsync_interval", &fsyncInterval, as: .duration(in: .milliseconds(10)...(.seconds(60))))
        mapping.decode("checkpoint_interval", &checkpointInterval, as: .duration(in: .seconds(10)...(.seconds(86_400))))
        mapping.decode("checkpoint_wal_bytes", &checkpointWALBytes, as: .size(in: (16 << 20)...(1 << 40)))
        mapping.decode("segment_bytes", &segmentBytes, as: .size(in: (1 << 20)...(1 << 30)))
    }
}

extension SlodConfiguration.Server: ConfigSection {
    mutating func decode(from mapping: inout ConfigMapping) {
        mapping.decode("listen", &listen, as: .listenAddress)
        mapping.decode("event_loops", &eventLoops, as: .integer(in: 0...256))
        mapping.decode("max_connections", &maxConnections, as: .integer(in: 1...1_000_000))
        mapping.section("limits", &limits)
        mapping.section("timeouts", &timeouts)
    }
}

extension SlodConfiguration.Limits: ConfigSection {
    mutating func decode(from mapping: inout ConfigMapping) {
        mapping.decode("max_request_line_bytes", &maxRequestLineBytes, as: .size(in: 64...(1 << 20)))
        mapping.decode("max_header_bytes", &maxHeaderBytes, as: .size(in: (1 << 10)...(16 << 20)))
        mapping.decode("max_header_count", &maxHeaderCount, as: .integer(in: 1...10_000))
        mapping.decode("max_body_bytes", &maxBodyBytes, as: .size(in: (1 << 10)...(1 << 30)))
        mapping.decode("max_body_memory", &maxBodyMemory, as: .size(in: (1 << 10)...(64 << 30)))
        if maxBodyMemory < maxBodyBytes {
            // Reported where the user wrote a value (one of the two may be the default).
            let key = mapping.valueNode("max_body_memory") != nil ? "max_body_memory" : "max_body_bytes"
            if let node = mapping.valueNode(key) {
                mapping.report(node, key: key, "max_body_memory (\(formatSize(maxBodyMemory))) is smaller than max_body_bytes (\(formatSize(maxBodyBytes))): a body of max_body_bytes could never be admitted; raise max_body_memory or lower max_body_bytes")
            }
        }
    }
}

extension SlodConfiguration.Timeouts: ConfigSection {
    mutating func decode(from mapping: inout ConfigMapping) {
        let positive: ClosedRange<Duration> = .milliseconds(1)...(.seconds(86_400))
        mapping.decode("header_read", &headerRead, as: .duration(in: positive))
        mapping.decode("body_read", &bodyRead, as: .duration(in: positive))
        mapping.decode("idle", &idle, as: .duration(in: positive))
        mapping.decode("write", &write, as: .duration(in: positive))
        mapping.decode("shutdown_grace", &shutdownGrace, as: .duration(in: .zero...(.seconds(3600))))
    }
}

extension SlodConfiguration.Ingest: ConfigSection {
    mutating func decode(from mapping: inout ConfigMapping) {
        mapping.decode("max_decompressed_bytes", &maxDecompressedBytes, as: .size(in: (1 << 10)...(4 << 30)))
        mapping.decode("max_compression_ratio", &maxCompressionRatio, as: .integer(in: 2...100_000))
        mapping.decode("tenant_header", &tenantHeader, as: .headerName)
        mapping.decode("rate_limit_points_per_second", &rateLimitPointsPerSecond, as: .integer(in: 0...1_000_000_000))
        mapping.decode("rate_limit_burst_points", &rateLimitBurstPoints, as: .integer(in: 0...1_000_000_000))
    }
}

extension SlodConfiguration.Aggregation: ConfigSection {
    mutating func decode(from mapping: inout ConfigMapping) {
        mapping.decode("shards", &shards, as: .integer(in: 0...256))
        mapping.decode("ring_capacity", &ringCapacity, as: .integer(in: 1...65_536))
        mapping.decode("series_ttl", &seriesTTL, as: .duration(in: .seconds(1)...(.seconds(86_400 * 7))))
        mapping.decode("max_series", &maxSeries, as: .integer(in: 1...100_000_000))
        mapping.decode("max_series_per_metric", &maxSeriesPerMetric, as: .integer(in: 1...100_000_000))
        mapping.decode("max_series_per_tenant", &maxSeriesPerTenant, as: .integer(in: 0...100_000_000))
    }
}

extension SlodConfiguration.Log: ConfigSection {
    mutating func decode(from mapping: inout ConfigMapping) {
        mapping.decode("level", &level, as: .oneOf)
    }
}
