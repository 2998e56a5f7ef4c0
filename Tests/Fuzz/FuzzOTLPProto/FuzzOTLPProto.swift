// libFuzzer target for the OTLP protobuf decoder (and the Wire protobuf reader under it).
//
// Build and run (see README):
//   swift build -c release --product fuzz-otlp-proto --scratch-path .build-fuzz-p -Xswiftc -sanitize=fuzzer,address
//   SWIFT_BACKTRACE=enable=no .build-fuzz-p/release/fuzz-otlp-proto CORPUS_COPY -max_total_time=60 -timeout=10
// Seeds live in Tests/Fuzz/corpus/otlp-proto; run on a copy so new inputs stay out of the repository.
//
// Each input is decoded twice — by a long-lived decoder into a checking sink, and by a fresh
// decoder into a RecordingSink — and the two runs must agree. Invariants (a trap = a finding):
// both succeed or both fail with the same error; on success the summary matches what the sinks
// received; on failure nothing is committed; every view handed to a sink obeys the sink
// contract (valid UTF-8 strings, non-empty keys, callbacks in order, validated points only).
import CFuzz
import OTLP
#if canImport(Glibc)
import Glibc
#endif

/// Checks the MetricsSink contract on every callback without copying anything.
final class CheckingSink: MetricsSink {
    var state = 0            // 0 idle, 1 in request, 2 resource seen, 3 scope seen, 4 metric seen
    var points = 0, resources = 0, scopes = 0, metrics = 0
    var kind = MetricKind.gauge

    static func utf8(_ v: ByteView, _ what: StaticString) {
        precondition(String(validating: v.buffer, as: UTF8.self) != nil, "invalid UTF-8 in \(what)")
    }

    static func check(_ attributes: Attributes) {
        for a in attributes {
            precondition(!a.key.isEmpty, "empty attribute key")
            utf8(a.key, "key")
            switch a.value {
            case .string(let s): utf8(s, "string value")
            case .json(let j):
                utf8(j, "json value")
                let first = j.buffer.first, last = j.buffer.last
                precondition(first == UInt8(ascii: "[") && last == UInt8(ascii: "]") || first == UInt8(ascii: "{") && last == UInt8(ascii: "}"),
                             "json value is not an array or object")
            default: break
            }
        }
    }

    func beginRequest(_ context: RequestContext) {
        precondition(state == 0, "beginRequest twice")
        state = 1; points = 0; resources = 0; scopes = 0; metrics = 0
    }
    func resource(_ r: ResourceView) {
        precondition(state >= 1); state = 2; resources += 1
        Self.check(r.attributes); Self.utf8(r.schemaURL, "schema_url")
    }
    func scope(_ s: ScopeView) {
        precondition(state >= 2, "scope before resource"); state = 3; scopes += 1
        Self.check(s.attributes); Self.utf8(s.name, "scope name"); Self.utf8(s.version, "scope version")
    }
    func metric(_ m: MetricView) {
        precondition(state >= 3, "metric before scope"); state = 4; metrics += 1
        precondition(OTLPValidation.check(metric: m) == nil, "invalid metric header reached the sink")
        Self.utf8(m.name, "name"); Self.utf8(m.unit, "unit"); Self.utf8(m.description, "description")
        kind = m.kind
    }
    func numberPoint(_ p: NumberPointView) {
        precondition(state == 4 && (kind == .gauge || kind == .sum), "number point without its metric")
        precondition(OTLPValidation.check(number: p) == nil); Self.check(p.common.attributes); points += 1
    }
    func histogramPoint(_ p: HistogramPointView) {
        precondition(state == 4 && kind == .histogram)
        precondition(OTLPValidation.check(histogram: p) == nil); Self.check(p.common.attributes); points += 1
    }
    func exponentialHistogramPoint(_ p: ExponentialHistogramPointView) {
        precondition(state == 4 && kind == .exponentialHistogram)
        precondition(OTLPValidation.check(exponentialHistogram: p) == nil); Self.check(p.common.attributes); points += 1
    }
    func summaryPoint(_ p: SummaryPointView) {
        precondition(state == 4 && kind == .summary)
        precondition(OTLPValidation.check(summary: p) == nil); Self.check(p.common.attributes); points += 1
    }
    func endRequest(committed: Bool) {
        precondition(state >= 1, "endRequest without beginRequest"); state = 0
    }
}

nonisolated(unsafe) let reusedDecoder = OTLPProtobufDecoder()
nonisolated(unsafe) let checkingSink = CheckingSink()

func run(_ decoder: OTLPProtobufDecoder, _ bytes: UnsafeRawBufferPointer, _ sink: MetricsSink) -> Result<DecodeSummary, OTLPDecodeError> {
    Result { () throws(OTLPDecodeError) in try decoder.decode(bytes, context: RequestContext(encoding: .protobuf), into: sink) }
}

@main
struct FuzzOTLPProto {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let rc = cfuzz_run(&argc, &argv) { data, size in
            // Copy into an exactly-sized allocation so ASan sees any read past the payload.
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
            defer { copy.deallocate() }
            if size > 0, let data { copy.copyMemory(from: UnsafeRawBufferPointer(start: data, count: size)) }
            let bytes = UnsafeRawBufferPointer(copy)

            let first = run(reusedDecoder, bytes, checkingSink)
            let recording = RecordingSink()
            let second = run(OTLPProtobufDecoder(), bytes, recording)
            precondition(recording.requests == 1, "beginRequest not called once")
            switch (first, second) {
            case (.success(let a), .success(let b)):
                precondition(a == b, "summaries differ between a reused and a fresh decoder")
                precondition(a.acceptedPoints == checkingSink.points && a.acceptedPoints == recording.pointCount,
                             "acceptedPoints \(a.acceptedPoints) but sinks got \(checkingSink.points) / \(recording.pointCount)")
                precondition(a.resources == checkingSink.resources && a.resources == recording.committed.count)
                precondition(a.scopes == checkingSink.scopes)
                precondition(a.rejectedPoints == a.rejectedByReason.values.reduce(0, +))
                precondition((a.rejectedPoints == 0) == (a.firstRejection == nil))
                precondition(recording.aborted == 0)
            case (.failure(let a), .failure(let b)):
                precondition(a == b, "errors differ: \(a) / \(b)")
                precondition(a.offset >= 0 && a.offset <= size, "error offset \(a.offset) outside the payload")
                precondition(recording.committed.isEmpty && recording.aborted == 1, "a failed request was committed")
            default:
                preconditionFailure("one decode succeeded and the other failed: \(first) / \(second)")
            }
            return 0
        }
        exit(rc)
    }
}
