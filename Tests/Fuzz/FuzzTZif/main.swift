// libFuzzer target for the SLO module's parsers of untrusted bytes, chosen by the input's magic:
//   "TZif…"  a TZif zone file (RFC 8536), then every query the periods make;
//   "SLOS…"  an SLO state checkpoint (the 6th byte picks the budgeting method's layout), then
//            ingest, advance and evaluate on the decoded state;
//   else     a POSIX TZ rule string (the TZif footer grammar).
//
// Build and run (see README):
//   swift build -c release --product fuzz-tzif --scratch-path .build-fuzz-tzif -Xswiftc -sanitize=fuzzer,address
//   SWIFT_BACKTRACE=enable=no .build-fuzz-tzif/release/fuzz-tzif CORPUS_COPY -max_total_time=60
// Seeds live in Tests/Fuzz/corpus/tzif (real zone files, TZ strings, checkpoints); run on a copy
// so new inputs stay out of the repository.
import CFuzz
import SLO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Layouts for checkpoints, by budgeting method byte (0 occurrences, 1 timeslices, 2 ratio).
let layouts: [SLOLayout] = {
    let objective = try! Objective(percent: "99.9")
    let slices = TimesliceOptions(sliceSeconds: 60, targetPartsPerBillion: 950_000_000, noData: .bad, graceSeconds: 60)
    return [
        try! SLOLayout(SLOConfiguration(objective: objective, period: .rolling(seconds: 30 * 86_400))),
        try! SLOLayout(SLOConfiguration(objective: objective, period: .calendar(.week, .utc), budgeting: .timeslices(slices))),
        try! SLOLayout(SLOConfiguration(objective: objective, period: .calendar(.month, .utc), budgeting: .ratioTimeslices(slices))),
    ]
}()

/// Exercises every query a calendar period makes, at a spread of instants.
func exercise(_ zone: TimeZoneRules) {
    for t: Int64 in [Int64.min, -1 << 40, -1, 0, 1_700_000_000, 4_102_444_800, 1 << 40, Int64.max] {
        _ = zone.offset(at: t)
        _ = zone.nextTransition(after: t)
        _ = zone.firstInstant(atOrAfterLocal: t)
    }
    for unit in [CalendarUnit.month, .week] {
        for ns: Int64 in [0, 1_700_000_000_000_000_000, 4_000_000_000_000_000_000] {
            _ = Period.calendar(unit, zone).bounds(containing: ns)
        }
    }
}

@main
struct FuzzTZif {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = cfuzz_run(&argc, &argv) { data, size in
            let bytes = size == 0 || data == nil ? [] : [UInt8](UnsafeBufferPointer(start: data, count: size))
            // Every input must give a value or an error; a trap, a sanitizer report or a
            // timeout is a finding.
            if bytes.starts(with: Array("TZif".utf8)) {
                if let zone = try? TZif.parse(bytes, name: "fuzz") { exercise(zone) }
            } else if bytes.starts(with: Array("SLOS".utf8)) {
                let layout = layouts[Int(bytes.count > 5 ? bytes[5] % 3 : 0)]
                if var state = try? SLOState(decoding: bytes, layout: layout) {
                    state.add(good: 1, total: 2, at: state.now)
                    state.add(good: 1, total: 1, at: state.now &- 3_600_000_000_000)
                    _ = state.evaluate(now: state.now &+ 90_000_000_000)
                    var out: [UInt8] = []
                    state.encode(into: &out)
                }
            } else if let zone = try? TZif.rules(posixTZ: bytes, name: "fuzz") {
                exercise(zone)
            }
            return 0
        }
        exit(status)
    }
}
