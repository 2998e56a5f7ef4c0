import Foundation
import Testing

/// The real OpenTelemetry Python SDK exporting to slod's `POST /v1/metrics`: a Counter, a
/// Histogram and an UpDownCounter through `OTLPMetricExporter` (protobuf, with and without gzip,
/// and the OTLP/JSON exporter when installed). The SDK must report success and slod's ingest
/// self-metrics must count exactly the points the SDK sent.
///
/// Peers: `/usr/bin/python3` with `opentelemetry-sdk` and `opentelemetry-exporter-otlp-proto-http`
/// (`.ci/run` installs them). The JSON exporter (`opentelemetry-exporter-otlp-json-http`, a beta
/// whose shared dependencies are pinned to other versions than the protobuf exporter's) is looked
/// for in `$SLOD_OTEL_JSON_PYTHON` (e.g. a venv made with `--system-site-packages`), else in
/// `/usr/bin/python3`.
extension Integration {
    @Suite struct OTelSDK {
        /// argv: protobuf|json PORT gzip|none. Prints one JSON line: export results, points sent by
        /// type, warnings/errors the SDK logged. Exits 1 unless every export succeeded and nothing
        /// was logged as "Failed to export".
        static let script = #"""
        import json, logging, math, sys

        mode, port, compression = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        logs = []

        class Capture(logging.Handler):
            def emit(self, record):
                logs.append(f"{record.levelname} {record.name}: {record.getMessage()}")

        logging.getLogger().addHandler(Capture())
        logging.getLogger().setLevel(logging.WARNING)

        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import (
            ExponentialHistogram, Gauge, Histogram, MetricExportResult, PeriodicExportingMetricReader, Sum)
        from opentelemetry.sdk.resources import Resource

        if mode == "protobuf":
            from opentelemetry.exporter.otlp.proto.http import Compression
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
            comp = {"gzip": Compression.Gzip, "none": Compression.NoCompression}[compression]
        else:
            from opentelemetry.exporter.otlp.common.http import Compression
            from opentelemetry.exporter.otlp.json.http.metric_exporter import OTLPMetricExporter
            comp = {"gzip": Compression.GZIP, "none": Compression.NONE}[compression]

        exporter = OTLPMetricExporter(endpoint=f"http://127.0.0.1:{port}/v1/metrics", compression=comp, timeout=10)
        results = []
        sent = {"number": 0, "histogram": 0, "exponential_histogram": 0, "summary": 0}
        names = []
        inner_export = exporter.export

        def export(metrics_data, timeout_millis=10_000, **kwargs):
            for rm in metrics_data.resource_metrics:
                for sm in rm.scope_metrics:
                    for metric in sm.metrics:
                        names.append(metric.name)
                        data = metric.data
                        kind = ("number" if isinstance(data, (Sum, Gauge)) else
                                "histogram" if isinstance(data, Histogram) else
                                "exponential_histogram" if isinstance(data, ExponentialHistogram) else "summary")
                        sent[kind] += len(data.data_points)
            result = inner_export(metrics_data, timeout_millis=timeout_millis, **kwargs)
            results.append(result.name)
            return result

        exporter.export = export
        # No timer thread (infinite interval): exports happen only in force_flush.
        reader = PeriodicExportingMetricReader(exporter, export_interval_millis=math.inf)
        provider = MeterProvider(resource=Resource.create({"service.name": "slod-otel-sdk-test"}),
                                 metric_readers=[reader])
        meter = provider.get_meter("slod.integration", "1.0.0")

        counter = meter.create_counter("slod.test.requests", unit="{request}", description="requests")
        for i in range(5):  # 2 attribute sets: /a gets 1+3+5, /b gets 2+4
            counter.add(i + 1, {"route": "/a", "method": "GET"} if i % 2 == 0 else {"route": "/b"})
        histogram = meter.create_histogram("slod.test.duration", unit="s", description="durations")
        for v in [0.003, 0.02, 0.2, 0.2, 1.5, 12.0]:
            histogram.record(v, {"route": "/a"})
        updown = meter.create_up_down_counter("slod.test.inflight", unit="{request}")
        updown.add(5, {"pool": "main"})
        updown.add(-2, {"pool": "main"})
        updown.add(-1, {"pool": "aux"})

        flushed = provider.force_flush(timeout_millis=15_000)
        provider.shutdown()

        failed = [l for l in logs if "Failed to export" in l]
        ok = (flushed and results and all(r == MetricExportResult.SUCCESS.name for r in results) and not failed
              and {"slod.test.requests", "slod.test.duration", "slod.test.inflight"} <= set(names))
        print(json.dumps({"ok": bool(ok), "flushed": flushed, "results": results, "sent": sent,
                          "metrics": names, "logs": logs}))
        sys.exit(0 if ok else 1)
        """#

        struct Export {
            var results: [String]
            var sent: [String: Int]
            var raw: String
        }

        /// Whether `python` can import `module`; otherwise skip (or fail under SLOD_REQUIRE_PEERS=1).
        static func peer(_ python: String, imports module: String, install: String,
                         sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
            guard Paths.peer(python, sourceLocation: sourceLocation) else { return false }
            let ok = (try? runTool(python, ["-c", "import \(module)"], timeout: 30))?.exitCode == 0
            if ok { return true }
            let reason = "\(python) cannot import \(module) (\(install))"
            if ProcessInfo.processInfo.environment["SLOD_REQUIRE_PEERS"] == "1" {
                Issue.record("\(reason), but SLOD_REQUIRE_PEERS=1", sourceLocation: sourceLocation)
            } else {
                print("SKIP: \(reason); skipping this test")
            }
            return false
        }

        static let protobufPeer = "opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http.metric_exporter"
        static let protobufInstall = "pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http"
        static let jsonPeer = "opentelemetry.sdk, opentelemetry.exporter.otlp.json.http.metric_exporter"
        static let jsonInstall = "python3 -m venv --system-site-packages V && V/bin/pip install opentelemetry-exporter-otlp-json-http; SLOD_OTEL_JSON_PYTHON=V/bin/python"

        static var jsonPython: String {
            let env = ProcessInfo.processInfo.environment["SLOD_OTEL_JSON_PYTHON"] ?? ""
            return env.isEmpty ? Paths.python3 : env
        }

        /// Runs the SDK script against `server`.
        static func export(_ python: String, _ mode: String, _ compression: String, to server: SlodServer) throws -> (ToolResult, Export?) {
            let dir = try TempDir()
            let script = try dir.write("otel_export.py", Self.script)
            let r = try runTool(python, [script, mode, String(server.port), compression], timeout: 60)
            guard let line = r.stdout.split(separator: "\n").last,
                  let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return (r, nil) }
            let sent = (obj["sent"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue }
            return (r, Export(results: obj["results"] as? [String] ?? [], sent: sent, raw: String(line)))
        }

        /// Every sample of a family, summed (0 when absent).
        static func total(_ text: String, _ family: String) -> Double {
            text.split(separator: "\n").filter { $0.hasPrefix(family + "{") || $0.hasPrefix(family + " ") }
                .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
        }

        /// Exports once with `mode`/`compression` and checks slod counted exactly what was sent.
        func exportAndCount(python: String, mode: String, compression: String) throws {
            let server = try SlodServer(config: testConfig())
            defer { server.stop() }
            let before = try server.metrics()
            let (r, export) = try Self.export(python, mode, compression, to: server)
            let context = "\(r)\n--- slod ---\n\(server.log.suffix(3000))"
            guard r.exitCode == 0 else {
                Issue.record("the SDK did not report success (\(mode), \(compression)):\n\(context)")
                return
            }
            guard let export else {
                Issue.record("no result line from the SDK script:\n\(context)")
                return
            }
            #expect(export.results == ["SUCCESS"], "one successful export expected: \(export.raw)")
            #expect(export.sent["number"] == 4 && export.sent["histogram"] == 1,
                    "the script should send 4 number points (2 counter + 2 up-down) and 1 histogram point: \(export.raw)")

            let after = try server.metrics()
            for type in ["number", "histogram", "exponential_histogram", "summary"] {
                let label = "type=\"\(type)\""
                let delta = (Metrics.value(after, "slod_ingest_points_total", label) ?? 0)
                    - (Metrics.value(before, "slod_ingest_points_total", label) ?? 0)
                #expect(delta == Double(export.sent[type] ?? 0),
                        "slod_ingest_points_total{\(label)} grew by \(delta), the SDK sent \(export.sent[type] ?? 0) (\(mode), \(compression))\n\(after)")
            }
            let requests = (Metrics.value(after, "slod_ingest_requests_total", "encoding=\"\(mode)\",code=\"200\"") ?? 0)
                - (Metrics.value(before, "slod_ingest_requests_total", "encoding=\"\(mode)\",code=\"200\"") ?? 0)
            #expect(requests == Double(export.results.count), "slod_ingest_requests_total{encoding=\"\(mode)\",code=\"200\"} grew by \(requests)\n\(after)")
            let rejected = Self.total(after, "slod_ingest_rejected_points_total") - Self.total(before, "slod_ingest_rejected_points_total")
            #expect(rejected == 0, "slod rejected \(rejected) of the SDK's points\n\(after)")

            // The body really was (not) compressed.
            let received = Metrics.value(after, "slod_ingest_received_bytes_total", "encoding=\"\(mode)\"") ?? 0
            let inflated = Metrics.value(after, "slod_ingest_decompressed_bytes_total", "encoding=\"\(mode)\"") ?? 0
            #expect(received > 0, "no received bytes counted for \(mode)\n\(after)")
            if compression == "gzip" {
                #expect(received != inflated, "gzip export: received \(received) bytes = decompressed \(inflated)")
            } else {
                #expect(received == inflated, "uncompressed export: received \(received) bytes, decompressed \(inflated)")
            }
            server.expectHealthy("after the SDK export")
        }

        @Test func protobufExportIsAcceptedAndCounted() throws {
            guard Self.peer(Paths.python3, imports: Self.protobufPeer, install: Self.protobufInstall) else { return }
            try exportAndCount(python: Paths.python3, mode: "protobuf", compression: "none")
        }

        @Test func gzipProtobufExportIsAcceptedAndCounted() throws {
            guard Self.peer(Paths.python3, imports: Self.protobufPeer, install: Self.protobufInstall) else { return }
            try exportAndCount(python: Paths.python3, mode: "protobuf", compression: "gzip")
        }

        @Test func jsonExportIsAcceptedAndCounted() throws {
            guard Self.peer(Self.jsonPython, imports: Self.jsonPeer, install: Self.jsonInstall) else { return }
            try exportAndCount(python: Self.jsonPython, mode: "json", compression: "none")
        }

        @Test func gzipJSONExportIsAcceptedAndCounted() throws {
            guard Self.peer(Self.jsonPython, imports: Self.jsonPeer, install: Self.jsonInstall) else { return }
            try exportAndCount(python: Self.jsonPython, mode: "json", compression: "gzip")
        }
    }
}
