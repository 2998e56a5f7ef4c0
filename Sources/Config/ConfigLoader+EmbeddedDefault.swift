extension ConfigLoader {
    /// The configuration slod runs on without `--config`: byte-identical to `config/slod.yaml`
    /// (a test checks), documenting every key with its default.
    public static let embeddedDefault: String = """
        # slod configuration.
        #
        # Every key is optional: a missing key takes the default shown here, and slod runs on exactly
        # this file when started without --config. Check a file with `slod check config FILE`.
        #
        # Sizes are bytes, or a number with a unit: B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB
        # (powers of 1024), e.g. 16MiB.
        # Durations are Prometheus-style: a number with a unit ms, s, m, h, d, w or y, several units
        # largest first, e.g. 500ms, 10s, 1h30m. A bare number is an error.

        server:
          # Address to listen on for OTLP/HTTP and the HTTP API: HOST:PORT, where HOST is an IPv4
          # address, localhost or an IPv6 address in brackets ([::1]:4318); port 0...65535.
          # Loopback by default; use 0.0.0.0:4318 or [::]:4318 to accept remote clients.
          listen: "127.0.0.1:4318"
          # Event loop threads, 0...256. 0 means one per CPU core.
          event_loops: 0
          # Open connections at most, 1...1000000. Further connections are refused.
          max_connections: 10000

          limits:
            # Longest request line (method, target, version), 64B...1MiB. Longer: 414 URI Too Long.
            max_request_line_bytes: 8KiB
            # Largest header section (all header lines together), 1KiB...16MiB.
            # Larger: 431 Request Header Fields Too Large.
            max_header_bytes: 32KiB
            # Most header fields in one request, 1...10000. More: 431 Request Header Fields Too Large.
            max_header_count: 100
            # Largest request body as sent (before decompression), 1KiB...1GiB.
            # Larger: 413 Content Too Large.
            max_body_bytes: 16MiB
            # Request bodies held in memory, all connections together, max_body_bytes...64GiB. Once
            # spent, a new request with a body gets 503 with Retry-After before its body is read (and
            # its connection closes once the client has sent it). 256MiB is 16 bodies of
            # max_body_bytes or ~85 exports of 3MB: about a second of work for the aggregator; more
            # would only wait in line. Watch slod_http_body_memory_bytes.
            max_body_memory: 256MiB

          timeouts:
            # Time to receive a request's line and headers, 1ms...1d (defends against slowloris).
            header_read: 10s
            # Time to receive a request body once the headers are in, 1ms...1d.
            body_read: 30s
            # How long an idle keep-alive connection stays open, 1ms...1d.
            idle: 75s
            # Time to write a response; a client that stops reading is disconnected, 1ms...1d.
            write: 30s
            # On SIGTERM, how long in-flight requests may take to finish, 0s...1h.
            shutdown_grace: 10s

        ingest:
          # OTLP/HTTP ingestion on POST /v1/metrics (protobuf or JSON, optionally gzip or deflate).
          # server.limits.max_body_bytes bounds the body as sent; this bounds it after decompression.
          # Larger gets 413. 1KiB...4GiB.
          max_decompressed_bytes: 64MiB
          # Gzip-bomb guard: once a body inflates past 1MiB, a decompressed/compressed ratio above this
          # gets 413. 2...100000.
          max_compression_ratio: 1000
          # Header carrying the tenant (multi-tenancy hook); empty ("") disables tenants.
          tenant_header: X-Scope-OrgID
          # Data points accepted per second across all clients; 0 means unlimited. A request over the
          # limit gets 429 with Retry-After, and nothing of it is kept.
          rate_limit_points_per_second: 0
          # Points accepted in one burst above the rate; 0 means one second's worth.
          rate_limit_burst_points: 0

        aggregation:
          # Aggregator shard threads, 0...256; 0 means half the CPU cores, at least one. Each series
          # belongs to one shard; event loops hand points to shards through lock-free rings.
          shards: 0
          # Batches in flight per (event loop, shard) before ingestion answers 503 + Retry-After.
          ring_capacity: 64
          # A series not updated for this long disappears from /metrics and its memory is freed.
          series_ttl: 5m
          # Series held at most, all shards together; points of new series past it are rejected
          # (OTLP partial success) and counted in slod_ingest_rejected_points_total{reason="series_limit"}.
          max_series: 1000000
          # Series per metric name at most, all shards together.
          max_series_per_metric: 100000
          # Series per tenant (the ingest.tenant_header value) at most, all shards together; 0 = no
          # limit. Requests without a tenant are not limited by it.
          max_series_per_tenant: 0

        storage:
          # false: no WAL, no checkpoints; all state is lost when slod stops (ephemeral use).
          enabled: true
          # Directory for the write-ahead log (wal/) and checkpoints; --storage-path overrides it. A
          # lock file keeps a second slod out. systemd's unit sets /var/lib/slod (StateDirectory).
          path: ./data
          # When an acknowledged request is on disk: always (fsync before the 200; concurrent requests
          # share one fsync), interval (default: fsync every fsync_interval, so a machine crash loses
          # at most that much acknowledged data; a slod crash alone loses nothing), never (the OS decides).
          fsync: interval
          fsync_interval: 1s                  # 10ms...1m
          # How often state (series, SLO buckets, alerts) is written to a checkpoint, after which the
          # WAL it covers is deleted; also at shutdown. 10s...24h.
          checkpoint_interval: 5m
          # A checkpoint is also written once the WAL grew this much since the last one, so a
          # restart's replay stays short whatever the load (2GiB: about 20 s of replay). 16MiB...1024GiB.
          checkpoint_wal_bytes: 2GiB
          # WAL segment size, 1MiB...1GiB.
          segment_bytes: 128MiB

        log:
          # Least severe level written to stderr: debug, info, warn or error.
          level: info

        # SLOs. Each entry (all keys but service, name, objective and sli are optional):
        #
        #   - service: checkout                 # required; letters, digits, _ . - (a label value and URL part)
        #     name: availability                # required, unique within the service
        #     description: Checkout requests succeed
        #     objective: 99.9                   # required: percent strictly between 0 and 100 (at most 7 decimals)
        #     period: 30d                       # default 30d. Rolling: 1d...35d in days or weeks (4w);
        #                                       # calendar: month, week (UTC) or {calendar: month, timezone: Europe/Berlin}
        #     budgeting: occurrences            # occurrences (default), timeslices or ratio_timeslices
        #     slice: 1m                         # timeslice methods only: slice length 10s...1h, default 1m
        #     slice_target: 0.95                # timeslices only, required there: ratio in (0, 1] that makes a slice good
        #     sli:                              # exactly one of events and latency
        #       events:                         # ratio of counts: counters (_total), histogram _count or _bucket{le="0.4"}
        #         total: http_server_request_count_total
        #         bad: 'http_server_request_count_total{http_response_status_code=~"5.."}'   # or good: SELECTOR
        #       # latency:                      # fraction of observations <= threshold of a histogram
        #       #   histogram: 'http_server_request_duration_seconds{http_route="/checkout"}'  # family name, no _bucket
        #       #   threshold: 0.3              # in the histogram's unit (seconds); > 0
        #       #   interpolate: false          # true: interpolate inside a bucket when threshold is not a bound
        #     group_by: [http_route]            # default []: one SLO instance per value set of these labels
        #     max_instances: 100                # 1...10000, default 100 (at most 64 KiB each for 30 days)
        #     labels: {team: payments}          # default {}: added to every output series (no sloth_ prefix)
        #     no_data: ignore                   # ignore (default), good or bad: what an empty time slice counts as
        #                                       # (good and bad need a timeslice budgeting method)
        #     alerting:                         # burn-rate alerts (default: the workbook's page and ticket tiers)
        #       labels: {team: payments}        # on alerts only, never on series; not sloth_*, alertname, alertstate, a group_by label or a {{ }} template
        #       annotations: {dashboard: https://grafana.example/d/slo}   # beside summary, description, runbook_url
        #       page: {severity: critical, windows: [{long: 30m, short: 2m, factor: 28.8}]}   # see README "Alerts"
        #       ticket: {disable: true}         # also per tier: labels, annotations, for, keep_firing_for
        #
        # Selectors use Prometheus series-selector syntax (=, !=, =~, !~; regexes fully anchored) over the
        # metric names and labels as slod exposes them on /metrics.
        slos: []

        # OpenSLO v1 (apiVersion: openslo/v1), Sloth (version: prometheus/v1) and Sloth Kubernetes
        # (apiVersion: sloth.slok.dev/v1: PrometheusServiceLevel, AlertWindows) files whose SLOs are
        # added to the ones above; a relative path is relative to this file's directory, e.g.
        # [slos/checkout.yaml, /etc/slod/openslo/payments.yaml]. SLO names must stay unique per service.
        slo_files: []

        # Alerting: how often SLOs and their alerts are evaluated, and where alerts go. Each SLO's own
        # burn-rate tiers are set by its `alerting:` key (default: the SRE workbook's page and ticket
        # tiers, see README "Alerts").
        alerting:
          evaluation_interval: 1s             # 100ms...1m
          # external_url: http://slod.example:4318   # alerts' generatorURL base; default: the listen address
          notifiers: []
          # - name: am                          # required, unique
          #   alertmanager: {urls: ["http://127.0.0.1:9093"], resend_interval: 1m}   # API v2; every URL gets every alert
          # - name: hook
          #   webhook: {url: "http://127.0.0.1:8080/hook"}        # Alertmanager webhook v4 JSON
          #   bearer_token_file: /etc/slod/hook.token             # or basic_auth: {username: u, password_file: F}
          # - name: pd
          #   pagerduty: {url: "http://127.0.0.1:8081/v2/enqueue", routing_key_file: /etc/slod/pd.key}
          #   timeout: 10s                      # per attempt; also retry_for: 1h, queue_capacity: 10000

        """
}
