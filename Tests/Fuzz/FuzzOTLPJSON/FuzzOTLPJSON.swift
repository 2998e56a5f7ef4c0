// libFuzzer target for the OTLP/JSON decoder and the JSON tokenizer under it.
//
// Build and run (see README):
//   swift build -c release --product fuzz-otlp-json --scratch-path .build-fuzz-j -Xswiftc -sanitize=fuzzer,address
//   SWIFT_BACKTRACE=enable=no .build-fuzz-j/release/fuzz-otlp-json CORPUS_COPY -max_total_time=60 -timeout=10
// Seeds live in Tests/Fuzz/corpus/otlp-json; run on a copy so new inputs stay out of the repository.
import CFuzz
import OTLP
import Wire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks every view it receives (valid UTF-8, non-empty attribute keys, sane buffers) and
/// records the request.
final class CheckingSink: MetricsSink {
    let recording = RecordingSink()
    var metricsSeen = 0

    func check(_ v: ByteView) {
        precondition(v.count >= 0 && (v.count == 0 || v.base != nil), "bad view")
        precondition(String(validating: v.buffer, as: UTF8.self) != nil, "invalid UTF-8 reached the sink")
    }

    func check(_ attributes: Attributes) {
        for a in attributes {
            precondition(!a.key.isEmpty, "empty attribute key reached the sink")
            check(a.key)
            switch a.value {
            case .string(let s): check(s)
            case .json(let j): check(j); precondition(j.count >= 2, "short JSON rendering")
            case .bytes(let b): precondition(b.count == 0 || b.base != nil)
            default: break
            }
        }
    }

    func beginRequest(_ context: RequestContext) { recording.beginRequest(context) }
    func resource(_ r: ResourceView) { check(r.attributes); check(r.schemaURL); recording.resource(r) }
    func scope(_ s: ScopeView) { check(s.name); check(s.version); check(s.attributes); check(s.schemaURL); recording.scope(s) }
    func metric(_ m: MetricView) {
        check(m.name); check(m.description); check(m.unit)
        precondition(OTLPValidation.check(metric: m) == nil, "invalid metric reached the sink")
        metricsSeen += 1
        recording.metric(m)
    }
    func numberPoint(_ p: NumberPointView) {
        check(p.common.attributes)
        precondition(OTLPValidation.check(number: p) == nil, "invalid point reached the sink")
        recording.numberPoint(p)
    }
    func histogramPoint(_ p: HistogramPointView) {
        check(p.common.attributes)
        precondition(OTLPValidation.check(histogram: p) == nil, "invalid point reached the sink")
        recording.histogramPoint(p)
    }
    func exponentialHistogramPoint(_ p: ExponentialHistogramPointView) {
        check(p.common.attributes)
        precondition(OTLPValidation.check(exponentialHistogram: p) == nil, "invalid point reached the sink")
        recording.exponentialHistogramPoint(p)
    }
    func summaryPoint(_ p: SummaryPointView) {
        check(p.common.attributes)
        precondition(OTLPValidation.check(summary: p) == nil, "invalid point reached the sink")
        recording.summaryPoint(p)
    }
    func endRequest(committed: Bool) { recording.endRequest(committed: committed) }
}

nonisolated(unsafe) let decoder = OTLPJSONDecoder(limits: {
    var l = OTLPDecodeLimits()
    l.maxAnyValueDepth = 8
    return l
}())

/// Decodes `input`; returns the summary (nil on error) and the sink.
func decode(_ input: UnsafeRawBufferPointer) -> (DecodeSummary?, CheckingSink) {
    let sink = CheckingSink()
    do {
        let s = try decoder.decode(input, context: RequestContext(encoding: .json), into: sink)
        return (s, sink)
    } catch {
        precondition(error.offset >= 0 && error.offset <= input.count, "error offset outside the input")
        return (nil, sink)
    }
}

@main
struct FuzzOTLPJSON {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = cfuzz_run(&argc, &argv) { data, size in
            // A private copy, so reads past the end are ASan findings.
            let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
            defer { bytes.deallocate() }
            if size > 0, let data { bytes.copyMemory(from: UnsafeRawBufferPointer(start: data, count: size)) }
            let input = UnsafeRawBufferPointer(bytes)

            let (summary, sink) = decode(input)
            let r = sink.recording
            precondition(r.requests == 1, "beginRequest not called exactly once")
            if let summary {
                precondition(r.aborted == 0, "aborted a successful request")
                precondition(summary.acceptedPoints == r.pointCount, "accepted count differs from points handed over")
                precondition(summary.rejectedPoints == summary.rejectedByReason.values.reduce(0, +), "rejections by reason do not add up")
                precondition((summary.rejectedPoints == 0) == (summary.firstRejection == nil), "first rejection message mismatch")
                precondition(summary.resources == r.committed.count, "resource count mismatch")
                precondition(summary.scopes == r.committed.reduce(0) { $0 + $1.scopes.count }, "scope count mismatch")
                precondition(sink.metricsSeen <= summary.metrics, "more metrics handed over than counted")
            } else {
                precondition(r.aborted == 1 && r.committed.isEmpty, "failed request not aborted")
            }

            // The decoder accepts only well-formed JSON: compare with the tokenizer alone.
            var t = JSONTokenizer(input, maxDepth: 200)   // above the decoder's limit (128 here)
            var wellFormed = true
            var end = 0
            do throws(JSONError) { try t.skipValue(); end = t.offset; try t.finish() } catch { wellFormed = false }
            if summary != nil { precondition(wellFormed, "decoder accepted malformed JSON") }
            if wellFormed {
                // The unvalidated skip (with and without an index) ends where the full one does.
                var u = JSONTokenizer(input, maxDepth: 200)
                try! u.skipValueUnvalidated()
                var w = JSONTokenizer(input, maxDepth: 200)
                try! w.skipValueUnvalidated(index: JSONSkipIndex())
                precondition(u.offset == end && w.offset == end, "unvalidated skip ends elsewhere")
            }

            // Same input, same decoder (reused scratch): same result.
            let (again, sink2) = decode(input)
            // (Compared as text: NaN values are not equal to themselves.)
            precondition(again == summary && "\(sink2.recording.committed)" == "\(r.committed)", "decoding is not repeatable")
            return 0
        }
        exit(status)
    }
}
