import Aggregation
import Exposition
import Foundation
import OTLP
import Platform

/// `slod-bench series [--series N] [--rounds N]`: memory per series and `/metrics` render time
/// with N series (default 1,000,000) in one aggregator shard, once with counter series and once
/// with 15-bucket histogram series.
///
/// Series are fed through the real path (`ShardingSink` records → `AggregatorShard.apply`) in
/// requests of 10,000 points. Attributes look like HTTP server metrics (method, route, status
/// code, server address) plus a `series.id` that makes each set distinct.
///
/// Memory: RSS after the series exist minus RSS before, per series. "Beyond the label strings"
/// (the wording) subtracts the bytes of the series' label names and values once (what
/// any representation must keep); the report gives both.
/// Render: `snapshot` + `FamilyRenderer` (text 0.0.4 and OpenMetrics) on one core, best of the
/// rounds, buffer reused between rounds as the daemon does.
func benchSeries(_ o: Options, series n: Int, only: String? = nil) {
    // Each kind runs in its own process: an RSS delta is only meaningful in a process whose
    // allocator has not been filled (and emptied) by the other kind first.
    guard let only else {
        for kind in ["counter", "histogram"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
            p.arguments = ["series", "--series", String(n), "--rounds", String(o.rounds), "--kind", kind]
            do { try p.run() } catch { fail("cannot start \(CommandLine.arguments[0]): \(error)") }
            p.waitUntilExit()
            if p.terminationStatus != 0 { fail("series --kind \(kind) failed") }
        }
        return
    }
    for kind in [only == "counter" ? MetricKind.sum : .histogram] {
        let shard = AggregatorShard(maxSeries: n + 1, maxSeriesPerMetric: n + 1, seriesTTL: UInt64.max)
        let sink = ShardingSink(shards: 1)
        let feeder = SeriesFeeder(kind: kind, sink: sink)
        let before = residentBytes()
        var labelBytes = 0
        var created = 0
        var start = 0
        while start < n {
            let count = min(10_000, n - start)
            labelBytes += feeder.request(from: start, count: count)
            guard let slice = sink.takeSlices()[0] else { fail("no slice") }
            let outcome = shard.apply(slice, now: 1)
            created += outcome.applied
            start += count
        }
        guard created == n, shard.seriesCount == n else { fail("created \(created) series, shard holds \(shard.seriesCount), expected \(n)") }
        let after = residentBytes()
        let perSeries = Double(Int(after) - Int(before)) / Double(n)
        let labelsPerSeries = Double(labelBytes) / Double(n)
        let name = kind == .sum ? "counter" : "15-bucket histogram"
        print(String(format: "%@: %d series, RSS +%.0f MiB = %.0f bytes/series; label strings %.0f bytes/series; beyond the label strings %.0f bytes/series",
                     name, n, Double(Int(after) - Int(before)) / 1_048_576, perSeries, labelsPerSeries, perSeries - labelsPerSeries))

        for (component, bytes) in shard.memoryReport() where bytes > 0 {
            print(String(format: "    %-52@ %6.1f bytes/series", component as NSString, Double(bytes) / Double(n)))
        }
        var out: [UInt8] = []
        for format in [ExpositionFormat.text004, .openMetrics100] {
            var bytes = 0
            let t = timeBest(rounds: o.rounds, minSeconds: 0) {
                var families: [MetricFamily] = []
                shard.snapshot(into: &families)
                out.removeAll(keepingCapacity: true)
                FamilyRenderer.render(families, format: format, into: &out)
                bytes = out.count
            }
            print(String(format: "  render %@: %.3f s for %d series (%.0f ns/series), %.0f MiB of exposition",
                         format == .text004 ? "text 0.0.4" : "OpenMetrics", t, n, t / Double(n) * 1e9, Double(bytes) / 1_048_576))
        }
    }
}

func residentBytes() -> UInt64 {
    ProcessStats.current().residentMemoryBytes ?? 0
}

/// Builds requests of synthetic series into a reused sink.
final class SeriesFeeder {
    let kind: MetricKind
    let sink: MetricsSink
    private var strings: [[UInt8]] = []
    private let methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    private let routes = (0..<20).map { "/api/v1/resource\($0)/{id}" }
    private let codes: [Int64] = [200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 429, 500, 502, 503]
    private let hosts = (0..<4).map { "api-\($0).shop.example.com" }
    private let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
    private let counts: [UInt64] = Array(repeating: 1, count: 15)

    init(kind: MetricKind, sink: MetricsSink) {
        self.kind = kind
        self.sink = sink
    }

    /// Feeds points for series `from..<from+count`; returns the label bytes of those series
    /// (names and values, as exposed: sanitized names, `job`/`instance` included).
    func request(from: Int, count: Int) -> Int {
        var labelBytes = 0
        withBytes("service.name", "checkout-api", "service.instance.id", "instance-0001", "io.opentelemetry.http-server",
                  "1.0.0", kind == .sum ? "http.server.request.count" : "http.server.request.duration",
                  kind == .sum ? "{request}" : "s", "Requests") { v in
            let resourceAttrs = [Attribute(key: v[0], value: .string(v[1])), Attribute(key: v[2], value: .string(v[3]))]
            resourceAttrs.withUnsafeBufferPointer { ra in
                sink.beginRequest(RequestContext(encoding: .protobuf))
                sink.resource(ResourceView(attributes: ra))
                sink.scope(ScopeView(name: v[4], version: v[5], attributes: UnsafeBufferPointer(start: nil, count: 0)))
                sink.metric(MetricView(name: v[6], description: v[8], unit: v[7], kind: kind, temporality: .cumulative, isMonotonic: true))
                for i in from..<(from + count) {
                    let method = methods[i % 5], route = routes[(i / 5) % 20], host = hosts[(i / 100) % 4]
                    let code = codes[(i / 400) % 14]
                    let id = String(i)
                    // job, instance, otel_scope_name/version, and the five point labels.
                    labelBytes += "job".utf8.count + "checkout-api".utf8.count + "instance".utf8.count + "instance-0001".utf8.count
                        + "otel_scope_name".utf8.count + "io.opentelemetry.http-server".utf8.count
                        + "otel_scope_version".utf8.count + "1.0.0".utf8.count
                        + "http_request_method".utf8.count + method.utf8.count + "http_route".utf8.count + route.utf8.count
                        + "http_response_status_code".utf8.count + String(code).utf8.count
                        + "server_address".utf8.count + host.utf8.count + "series_id".utf8.count + id.utf8.count
                    withBytes("http.request.method", method, "http.route", route, "http.response.status_code",
                              "server.address", host, "series.id", id) { a in
                        let attrs = [Attribute(key: a[0], value: .string(a[1])), Attribute(key: a[2], value: .string(a[3])),
                                     Attribute(key: a[4], value: .int(code)), Attribute(key: a[5], value: .string(a[6])),
                                     Attribute(key: a[7], value: .string(a[8]))]
                        attrs.withUnsafeBufferPointer { ap in
                            let common = PointCommon(attributes: ap, startTimeUnixNano: 1_735_689_600_000_000_000,
                                                     timeUnixNano: 1_735_690_200_000_000_000)
                            if kind == .sum {
                                sink.numberPoint(NumberPointView(common: common, value: .int(Int64(i % 1000))))
                            } else {
                                counts.withUnsafeBufferPointer { c in
                                    bounds.withUnsafeBufferPointer { b in
                                        sink.histogramPoint(HistogramPointView(common: common, count: 15, sum: 1.5, min: nil, max: nil,
                                                                               bucketCounts: c, explicitBounds: b))
                                    }
                                }
                            }
                        }
                    }
                }
                sink.endRequest(committed: true)
            }
        }
        return labelBytes
    }

    /// Calls `body` with `ByteView`s of the strings' UTF-8 bytes (valid inside `body`).
    private func withBytes(_ strings: String..., body: ([ByteView]) -> Void) {
        let arrays = strings.map { Array($0.utf8) }
        var views: [ByteView] = []
        func nest(_ i: Int) {
            if i == arrays.count { body(views); return }
            arrays[i].withUnsafeBytes { b in
                views.append(ByteView(base: b.baseAddress, count: b.count))
                nest(i + 1)
            }
        }
        nest(0)
    }
}
