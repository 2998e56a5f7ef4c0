// libFuzzer target for the UI's query parsing (the SLO list's filters, an SLO page's group
// labels) and the pages rendered from what it parsed.
//
// Build and run (see README):
//   swift build -c release --product fuzz-ui --scratch-path .build-fuzz-ui -Xswiftc -sanitize=fuzzer,address
//   SWIFT_BACKTRACE=enable=no .build-fuzz-ui/release/fuzz-ui CORPUS_COPY -max_total_time=60
// Seeds live in Tests/Fuzz/corpus/ui; run on a copy so new inputs stay out of the repository.
import Alerting
import CFuzz
import SLO
import SLOEngine
import Selectors
import UI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A grouped SLO with a few instances (one with data, one firing) and an ungrouped one.
let fixture: (snapshot: SLOSnapshot, alerts: [Alert]) = {
    let selector = try! SeriesSelector.parse("http_requests_total")
    let bad = try! SeriesSelector.parse("http_requests_total{code=~\"5..\"}")
    let source = SLOSpec.Source(file: "fuzz.yaml", line: 1, column: 1)
    let specs = [
        try! SLOSpec(service: "checkout", name: "availability", objective: Objective(percent: "99.9"), period: .rolling(seconds: 30 * 86_400),
                     sli: .events(total: selector, good: nil, bad: bad), groupBy: ["route", "code"], labels: ["team": "<b>&"], source: source),
        try! SLOSpec(service: "search", name: "latency", objective: Objective(percent: "99"), period: .rolling(seconds: 7 * 86_400),
                     sli: .events(total: selector, good: nil, bad: bad), source: source),
    ]
    let engine = try! SLOEngine(specs: specs, registry: SLOInstanceRegistry(specs: specs))
    let now: Int64 = 1_767_225_600_000_000_000
    var deltas: [SLODelta] = []
    for (k, route) in ["/pay", "", "/a&b<c>", "/ü"].enumerated() {
        let id = engine.registry.instance(for: SLOInstanceKey(slo: 0, groupValues: [route, k % 2 == 0 ? "200" : ""]))!
        let width = engine.layouts[0].deltaBucketNanos
        if k != 1 { deltas.append(SLODelta(instance: id, time: now - now % width, good: SLOState.units(90)!, total: SLOState.units(100)!)) }
    }
    let alerts = [Alert(key: AlertKey(slo: "checkout-availability", groupValues: ["/pay", "200"], tier: "page"), phase: .firing, labels: [],
                        annotations: [], value: 100, activeSince: now, firingSince: now, resolvedAt: 0, generatorURL: "")]
    return (engine.evaluate(deltas: [deltas], now: now + 1_000_000_000), alerts)
}()

@main
struct FuzzUI {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = cfuzz_run(&argc, &argv) { data, size in
            let bytes = size == 0 || data == nil ? [] : [UInt8](UnsafeBufferPointer(start: data, count: size))
            // As the endpoint reads a query: the bytes after `?`, invalid UTF-8 replaced. Every
            // input must give a page or a `QueryError`; a trap, a sanitizer report or a timeout
            // is a finding.
            let query = Substring(String(decoding: bytes, as: UTF8.self))
            if let parsed = try? SLOListQuery(parsing: query) {
                _ = SLOListPage(snapshot: fixture.snapshot, alerts: fixture.alerts, query: parsed).render()
            }
            for (service, name) in [("checkout", "availability"), ("search", "latency")] {
                if case .instance(let page)? = try? SLOPage.locate(snapshot: fixture.snapshot, alerts: fixture.alerts, service: service,
                                                                   name: name, query: query) {
                    _ = page.render()
                }
            }
            return 0
        }
        exit(status)
    }
}
