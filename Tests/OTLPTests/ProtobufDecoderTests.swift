import Foundation
import OTLP
import Testing

/// Decodes `input` into a fresh RecordingSink.
private func decode(_ input: PB, limits: OTLPDecodeLimits = .default) throws(OTLPDecodeError) -> (DecodeSummary, RecordingSink) {
    try decode(input.bytes, limits: limits)
}

private func decode(_ bytes: [UInt8], limits: OTLPDecodeLimits = .default) throws(OTLPDecodeError) -> (DecodeSummary, RecordingSink) {
    let sink = RecordingSink()
    let decoder = OTLPProtobufDecoder(limits: limits)
    let result: Result<DecodeSummary, OTLPDecodeError> = bytes.withUnsafeBytes { buffer in
        Result { () throws(OTLPDecodeError) in try decoder.decode(buffer, context: RequestContext(encoding: .protobuf), into: sink) }
    }
    switch result {
    case .success(let summary): return (summary, sink)
    case .failure(let error): throw error
    }
}

/// Decodes input that must fail; checks the sink saw an aborted request and returns the error.
private func decodeError(_ input: PB, limits: OTLPDecodeLimits = .default,
                         sourceLocation: SourceLocation = #_sourceLocation) -> OTLPDecodeError? {
    decodeError(input.bytes, limits: limits, sourceLocation: sourceLocation)
}

private func decodeError(_ bytes: [UInt8], limits: OTLPDecodeLimits = .default,
                         sourceLocation: SourceLocation = #_sourceLocation) -> OTLPDecodeError? {
    let sink = RecordingSink()
    let decoder = OTLPProtobufDecoder(limits: limits)
    let result: Result<DecodeSummary, OTLPDecodeError> = bytes.withUnsafeBytes { buffer in
        Result { () throws(OTLPDecodeError) in try decoder.decode(buffer, context: RequestContext(encoding: .protobuf), into: sink) }
    }
    guard case .failure(let error) = result else {
        Issue.record("decoded without error", sourceLocation: sourceLocation)
        return nil
    }
    #expect(sink.requests == 1 && sink.aborted == 1 && sink.committed.isEmpty, "sink must see an aborted request",
            sourceLocation: sourceLocation)
    return error
}

private func onlyPoint(_ sink: RecordingSink, sourceLocation: SourceLocation = #_sourceLocation) -> RecordingSink.Point? {
    let points = sink.allMetrics.flatMap(\.points)
    #expect(points.count == 1, "expected exactly one point, got \(points.count)", sourceLocation: sourceLocation)
    return points.first
}

@Suite struct ProtobufDecoderTests {
    // MARK: HTTP server fixtures (Tests/Fixtures/otlp/http-server)

    struct Expected: Sendable, CustomStringConvertible {
        var file: String
        var resources, scopes, metrics, points, attributeSets, series, resourceAttributes: Int
        var sumOfAsInt: Int64
        var sumOfHistogramCounts: UInt64
        var bucketTotals: [UInt64]
        var description: String { file }
    }

    // Computed with the official bindings (opentelemetry-proto 1.x, protobuf 6/7):
    //   python3 -m venv /tmp/v && /tmp/v/bin/pip install opentelemetry-proto
    //   for each file: req = ExportMetricsServiceRequest(); req.ParseFromString(data)
    //   resources = len(req.resource_metrics); scopes/metrics/points counted over the tree;
    //   attribute sets = distinct sorted (key, value.SerializeToString()) tuples of point attributes;
    //   series = distinct (metric name, attribute set); sumOfAsInt = Σ p.as_int over the Sum;
    //   sumOfHistogramCounts = Σ p.count; bucketTotals[i] = Σ p.bucket_counts[i] over the Histogram.
    static let fixtures: [Expected] = [
        Expected(file: "metrics_small.pb", resources: 1, scopes: 1, metrics: 2, points: 100, attributeSets: 50, series: 100,
                 resourceAttributes: 11, sumOfAsInt: 89212, sumOfHistogramCounts: 89212,
                 bucketTotals: [150, 814, 7145, 14657, 10972, 8112, 25787, 13960, 4235, 1634, 1603, 129, 11, 2, 1]),
        Expected(file: "metrics_medium.pb", resources: 1, scopes: 1, metrics: 2, points: 1000, attributeSets: 500, series: 1000,
                 resourceAttributes: 11, sumOfAsInt: 704787, sumOfHistogramCounts: 704787,
                 bucketTotals: [12614, 18195, 47467, 75927, 71136, 63099, 228942, 123215, 36377, 13783, 13041, 920, 62, 7, 2]),
    ]

    @Test(arguments: fixtures)
    func httpServerFixtureDecodesToTheCountsOfItsReadme(_ e: Expected) throws {
        let (summary, sink) = try decode(try Fixture.httpServer(e.file))
        #expect(summary.resources == e.resources && summary.scopes == e.scopes && summary.metrics == e.metrics)
        #expect(summary.acceptedPoints == e.points && summary.rejectedPoints == 0 && summary.firstRejection == nil)
        #expect(sink.pointCount == e.points && sink.committed.count == e.resources)
        #expect(sink.committed.first?.attributes.count == e.resourceAttributes)
        #expect(sink.committed.first?.attributes.first?.description == "service.name=\"checkout-api\"")
        #expect(sink.committed.first?.schemaURL == "https://opentelemetry.io/schemas/1.26.0")
        let scope = sink.committed.first?.scopes.first
        #expect(scope?.name == "io.opentelemetry.http-server" && scope?.version == "1.0.0")

        let metrics = sink.allMetrics
        #expect(metrics.map(\.name) == ["http.server.request.count", "http.server.request.duration"])
        guard metrics.count == 2 else { return }
        let sum = metrics[0], histogram = metrics[1]
        #expect(sum.kind == .sum && sum.temporality == .cumulative && sum.isMonotonic && sum.unit == "{request}")
        #expect(histogram.kind == .histogram && histogram.temporality == .cumulative && histogram.unit == "s")

        let sets = Set(metrics.flatMap { $0.points.map { $0.attributes.description } })
        let series = Set(metrics.flatMap { m in m.points.map { m.name + "|" + $0.attributes.description } })
        #expect(sets.count == e.attributeSets && series.count == e.series)

        var asInt: Int64 = 0
        var sumByAttributes: [String: Int64] = [:]
        for p in sum.points {
            guard case .int(let v) = p.number else { Issue.record("Sum point without as_int"); return }
            asInt += v
            sumByAttributes[p.attributes.description] = v
        }
        #expect(asInt == e.sumOfAsInt)

        var counts: UInt64 = 0
        var buckets = [UInt64](repeating: 0, count: e.bucketTotals.count)
        var mismatches = 0
        let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
        for p in histogram.points {
            counts += p.count
            if p.bucketCounts.count != buckets.count || p.explicitBounds != bounds || p.sum == nil || p.min == nil || p.max == nil
                || p.bucketCounts.reduce(0, +) != p.count || sumByAttributes[p.attributes.description] != Int64(p.count)
                || p.startTimeUnixNano != 1_735_689_600_000_000_000 || p.timeUnixNano != 1_735_690_200_000_000_000 {
                mismatches += 1
                continue
            }
            for i in buckets.indices { buckets[i] += p.bucketCounts[i] }
        }
        #expect(mismatches == 0, "histogram points with wrong buckets/bounds/sum/min/max, counts ≠ Σbuckets or ≠ the Sum point")
        #expect(counts == e.sumOfHistogramCounts)
        #expect(buckets == e.bucketTotals)
    }

    // MARK: Worked examples (wire reference A.8)

    @Test func workedExampleFromTheReferenceDecodes() throws {
        let bytes: [UInt8] = [
            0x0a, 0x43, 0x0a, 0x17, 0x0a, 0x15, 0x0a, 0x0c] + Array("service.name".utf8) + [
            0x12, 0x05, 0x0a, 0x03] + Array("svc".utf8) + [
            0x12, 0x28, 0x0a, 0x05, 0x0a, 0x03] + Array("lib".utf8) + [
            0x12, 0x1f, 0x0a, 0x03] + Array("req".utf8) + [
            0x3a, 0x18, 0x0a, 0x12,
            0x19, 0x00, 0x00, 0x2a, 0x36, 0xfe, 0x9c, 0x97, 0x17,
            0x31, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x10, 0x02, 0x18, 0x01,
        ]
        let (summary, sink) = try decode(bytes)
        #expect(summary.resources == 1 && summary.scopes == 1 && summary.metrics == 1 && summary.acceptedPoints == 1)
        #expect(sink.committed.first?.attributes.map(\.description) == ["service.name=\"svc\""])
        #expect(sink.committed.first?.scopes.first?.name == "lib")
        let m = sink.allMetrics.first
        #expect(m?.name == "req" && m?.kind == .sum && m?.temporality == .cumulative && m?.isMonotonic == true)
        #expect(m?.points.first?.number == .int(5) && m?.points.first?.timeUnixNano == 1_700_000_000_000_000_000)
    }

    @Test func packedAndUnpackedHistogramFieldsDecodeIdentically() throws {
        func request(_ point: PB) -> PB {
            OTLPB.request(OTLPB.resourceMetrics(scopes: [OTLPB.scopeMetrics(metrics: [
                OTLPB.metric("h", 9, OTLPB.histogram(points: [point]))])]))
        }
        let packed = PB {
            $0.fixed64(3, OTLPB.time); $0.fixed64(4, 3); $0.double(5, 1.75)
            $0.packedFixed64(6, [1, 2, 0]); $0.packedDoubles(7, [0.5, 1.0])
        }
        let unpacked = PB {
            $0.fixed64(3, OTLPB.time); $0.fixed64(4, 3); $0.double(5, 1.75)
            $0.fixed64(6, 1); $0.fixed64(6, 2); $0.fixed64(6, 0)
            $0.double(7, 0.5); $0.double(7, 1.0)
        }
        // Mixed: a packed chunk, an unpacked element, another packed chunk (concatenated in order).
        let mixed = PB {
            $0.fixed64(3, OTLPB.time); $0.fixed64(4, 3); $0.double(5, 1.75)
            $0.packedFixed64(6, [1]); $0.fixed64(6, 2); $0.packedFixed64(6, [0])
            $0.double(7, 0.5); $0.packedDoubles(7, [1.0])
        }
        var results: [RecordingSink.Point] = []
        for input in [packed, unpacked, mixed] {
            let (summary, sink) = try decode(request(input))
            #expect(summary.acceptedPoints == 1 && summary.rejectedPoints == 0)
            if let p = onlyPoint(sink) { results.append(p) }
        }
        #expect(results.count == 3 && results.allSatisfy { $0 == results[0] })
        #expect(results.first?.bucketCounts == [1, 2, 0] && results.first?.explicitBounds == [0.5, 1.0])
        #expect(results.first?.sum == 1.75 && results.first?.min == nil && results.first?.max == nil)
    }

    // MARK: Unknown fields and field order

    @Test func unknownFieldsOfEveryWireTypeAreSkippedAtEveryLevel() throws {
        func u(_ build: (inout PB) -> Void) -> PB { PB { $0.unknownFields(); build(&$0); $0.unknownFields() } }
        let attribute = u { $0.string(1, "k"); $0.message(2, u { $0.string(1, "v") }) }
        let arrayAttribute = u {
            $0.string(1, "arr")
            $0.message(2, u { $0.message(5, u { $0.message(1, u { $0.int64(3, 7) }) }) })
        }
        let kvlistAttribute = u {
            $0.string(1, "map")
            $0.message(2, u { $0.message(6, u { $0.message(1, u { $0.string(1, "x"); $0.message(2, u { $0.varint(2, 1) }) }) }) })
        }
        let exemplar = u { $0.fixed64(2, 5); $0.double(3, 0.5); $0.message(7, attribute) }
        let numberPoint = u { $0.message(7, attribute); $0.message(7, arrayAttribute); $0.message(7, kvlistAttribute)
                              $0.fixed64(3, OTLPB.time); $0.sfixed64(6, 9); $0.message(5, exemplar) }
        let histogramPoint = u { $0.fixed64(3, OTLPB.time); $0.fixed64(4, 1); $0.packedFixed64(6, [0, 1]); $0.packedDoubles(7, [1]) }
        let expPoint = u { $0.fixed64(3, OTLPB.time); $0.fixed64(4, 2); $0.sint32(6, 1)
                           $0.message(8, u { $0.sint32(1, -1); $0.packedVarints(2, [1, 1]) }) }
        let summaryPoint = u { $0.fixed64(3, OTLPB.time); $0.fixed64(4, 1); $0.message(6, u { $0.double(1, 0.5); $0.double(2, 3) }) }
        let metrics = [
            u { $0.string(1, "s"); $0.message(7, u { $0.message(1, numberPoint); $0.varint(2, 2); $0.varint(3, 1) }) },
            u { $0.string(1, "h"); $0.message(9, u { $0.message(1, histogramPoint); $0.varint(2, 1) }) },
            u { $0.string(1, "e"); $0.message(10, u { $0.message(1, expPoint); $0.varint(2, 1) }) },
            u { $0.string(1, "q"); $0.message(11, u { $0.message(1, summaryPoint) }) },
            u { $0.string(1, "g"); $0.message(5, u { $0.message(1, numberPoint) }); $0.message(12, attribute) },
        ]
        let scopeMetrics = u { $0.message(1, u { $0.string(1, "lib"); $0.message(3, attribute) }); for m in metrics { $0.message(2, m) } }
        let resourceMetrics = u { $0.message(1, u { $0.message(1, attribute); $0.varint(2, 3) }); $0.message(2, scopeMetrics) }
        let (summary, sink) = try decode(u { $0.message(1, resourceMetrics) })
        #expect(summary.acceptedPoints == 5 && summary.rejectedPoints == 0, "\(summary)")
        #expect(sink.committed.first?.attributes.map(\.description) == ["k=\"v\""])
        #expect(sink.committed.first?.scopes.first?.attributes.map(\.description) == ["k=\"v\""])
        let points = sink.allMetrics.flatMap(\.points)
        #expect(points.first?.attributes.map(\.description) == ["k=\"v\"", "arr=[7]", "map={\"x\":true}"])
        #expect(points.first?.exemplarCount == 1)
        #expect(points[2].positiveOffset == -1 && points[2].positiveCounts == [1, 1] && points[2].scale == 1)
        #expect(points[3].quantiles == [QuantileValue(quantile: 0.5, value: 3)])
    }

    @Test func fieldsOutOfOrderDecodeLikeInOrder() throws {
        // Resource after scope_metrics, scope after metrics, name/unit after data, temporality
        // before points, value before key, time after everything.
        let point = PB {
            $0.sfixed64(6, 42)
            $0.message(7, PB { $0.message(2, OTLPB.str("v")); $0.string(1, "k") })
            $0.fixed64(3, OTLPB.time)
        }
        let metric = PB {
            $0.message(7, PB { $0.varint(3, 1); $0.varint(2, 1); $0.message(1, point) })
            $0.string(3, "By")
            $0.string(1, "bytes")
        }
        let scopeMetrics = PB { $0.message(2, metric); $0.string(3, "https://scope"); $0.message(1, PB { $0.string(2, "1.0"); $0.string(1, "lib") }) }
        let resourceMetrics = PB { $0.string(3, "https://res"); $0.message(2, scopeMetrics); $0.message(1, PB { $0.message(1, OTLPB.kv("svc", OTLPB.str("a"))) }) }
        let (summary, sink) = try decode(PB { $0.message(1, resourceMetrics) })
        #expect(summary.acceptedPoints == 1)
        let r = sink.committed.first
        #expect(r?.schemaURL == "https://res" && r?.attributes.map(\.description) == ["svc=\"a\""])
        #expect(r?.scopes.first?.name == "lib" && r?.scopes.first?.version == "1.0" && r?.scopes.first?.schemaURL == "https://scope")
        let m = sink.allMetrics.first
        #expect(m?.name == "bytes" && m?.unit == "By" && m?.temporality == .delta && m?.isMonotonic == true)
        #expect(m?.points.first?.attributes.map(\.description) == ["k=\"v\""] && m?.points.first?.number == .int(42))
    }

    @Test func repeatedSingularMessagesMergeAndOneofsLastWins() throws {
        // Two `resource` records merge (attributes append, dropped count last wins); two `sum`
        // records merge (points of both, temporality from the later one); gauge-then-sum: the sum wins.
        let resourceMetrics = PB {
            $0.message(1, PB { $0.message(1, OTLPB.kv("a", OTLPB.int(1))); $0.varint(2, 1) })
            $0.message(2, OTLPB.scopeMetrics(metrics: [
                PB {
                    $0.string(1, "m")
                    $0.message(5, OTLPB.gauge(points: [OTLPB.numberPoint(int: 100)]))
                    $0.message(7, PB { $0.message(1, OTLPB.numberPoint(int: 1)); $0.varint(2, 1) })
                    $0.message(7, PB { $0.message(1, OTLPB.numberPoint(double: 2.5)); $0.varint(2, 2) })
                },
                // sum, then gauge, then sum again: only the last sum run counts.
                PB {
                    $0.string(1, "n")
                    $0.message(7, OTLPB.sum(points: [OTLPB.numberPoint(int: 7)]))
                    $0.message(5, OTLPB.gauge(points: [OTLPB.numberPoint(int: 8)]))
                    $0.message(7, OTLPB.sum(temporality: 1, monotonic: false, points: [OTLPB.numberPoint(int: 9)]))
                },
            ]))
            $0.message(1, PB { $0.message(1, OTLPB.kv("b", OTLPB.int(2))); $0.varint(2, 4) })
        }
        let (summary, sink) = try decode(PB { $0.message(1, resourceMetrics) })
        #expect(summary.acceptedPoints == 3 && summary.rejectedPoints == 0)
        #expect(sink.committed.first?.attributes.map(\.key) == ["a", "b"])
        let metrics = sink.allMetrics
        #expect(metrics.map(\.kind) == [.sum, .sum])
        #expect(metrics.first?.temporality == .cumulative && metrics.first?.points.map(\.number) == [.int(1), .double(2.5)])
        #expect(metrics.last?.temporality == .delta && metrics.last?.isMonotonic == false && metrics.last?.points.map(\.number) == [.int(9)])

        // NumberDataPoint.value and AnyValue.value: last member wins.
        let (_, s2) = try decode(OTLPB.gaugeRequest(points: [PB {
            $0.fixed64(3, OTLPB.time); $0.double(4, 1.5); $0.sfixed64(6, 3)
            $0.message(7, OTLPB.kv("k", PB { $0.string(1, "s"); $0.int64(3, -4) }))
            $0.message(7, OTLPB.kv("j", PB { $0.int64(3, 4); $0.message(5, PB { $0.message(1, OTLPB.int(1)) }) }))
            $0.message(7, OTLPB.kv("l", PB { $0.message(5, PB { $0.message(1, OTLPB.int(1)) }); $0.string(1, "won") }))
        }]))
        let p = onlyPoint(s2)
        #expect(p?.number == .int(3))
        #expect(p?.attributes.map(\.description) == ["k=-4", "j=[1]", "l=\"won\""])
    }

    // MARK: Malformed input

    @Test func emptyPayloadIsAValidEmptyRequest() throws {
        let (summary, sink) = try decode([UInt8]())
        #expect(summary == DecodeSummary())
        #expect(sink.requests == 1 && sink.aborted == 0 && sink.pointCount == 0)
    }

    @Test func truncatedVarintIsAnError() {
        // A key whose varint never ends, and a flags value cut short.
        #expect(decodeError([0x8A]) != nil)
        var input = OTLPB.gaugeRequest(points: [PB { $0.fixed64(3, OTLPB.time); $0.key(8, 0); $0.raw([0xFF]) }])
        let e = decodeError(input)
        #expect(e?.message.contains("NumberDataPoint.flags") == true && e?.message.contains("truncated") == true, "\(String(describing: e))")
        input = PB(raw: [0x0A, 0x80])     // a length that never ends
        #expect(decodeError(input)?.message.contains("truncated") == true)
    }

    @Test func lengthPastTheEndIsAnError() {
        let e = decodeError([0x0A, 0x05, 0x0A, 0x00])
        #expect(e?.message.contains("past the end") == true && e?.offset == 1, "\(String(describing: e))")
        // Inside a nested message: the inner length exceeds the enclosing message, not the payload.
        let inner = decodeError([0x0A, 0x02, 0x12, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00])
        #expect(inner?.message.contains("ResourceMetrics.scope_metrics") == true, "\(String(describing: inner))")
        // A fixed64 cut short.
        #expect(decodeError(OTLPB.gaugeRequest(points: [PB { $0.raw([0x19, 0x01, 0x02]) }]))?.message.contains("truncated") == true)
    }

    @Test func overlongVarintIsAnError() {
        // Field 2 of ExportMetricsServiceRequest is unknown: its varint is skipped, and checked.
        #expect(decodeError([0x10] + [UInt8](repeating: 0xFF, count: 10) + [0x01])?.message.contains("10 bytes") == true)
        // The 10th byte may only carry one bit.
        #expect(decodeError([0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x02])?.message.contains("10 bytes") == true)
        #expect(throws: Never.self) { try decode([0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x01]) }
        // Non-minimal but ≤ 10 bytes is legal: unknown field 1<<3|0 … as a varint 0 written `80 00`.
        #expect(throws: Never.self) { try decode([0x10, 0x80, 0x80, 0x00]) }
    }

    @Test func fieldNumberZeroIsAnError() {
        #expect(decodeError([0x00, 0x00])?.message.contains("field number 0") == true)
        #expect(decodeError(OTLPB.gaugeRequest(points: [PB { $0.raw([0x02, 0x00]) }]))?.message.contains("field number 0") == true)
    }

    @Test(arguments: [3, 4, 6, 7])
    func groupAndInvalidWireTypesAreErrors(_ wire: Int) {
        let e = decodeError(PB { $0.key(99, wire); $0.raw([0, 0, 0, 0, 0, 0, 0, 0]) })
        #expect(e?.message.contains(wire < 5 ? "group" : "invalid wire type") == true, "\(String(describing: e))")
        #expect(decodeError(OTLPB.attributeRequest(PB { $0.key(5, wire) })) != nil)
    }

    @Test func wrongWireTypeForAKnownFieldNamesTheField() {
        let input = OTLPB.request(OTLPB.resourceMetrics(scopes: [OTLPB.scopeMetrics(metrics: [PB {
            $0.string(1, "m"); $0.varint(3, 1)
        }])]))
        let e = decodeError(input)
        #expect(e?.message == "field 3 (Metric.unit) has wire type 0, expected 2", "\(String(describing: e))")
        let t = decodeError(OTLPB.gaugeRequest(points: [PB { $0.varint(3, 5) }]))
        #expect(t?.message == "field 3 (NumberDataPoint.time_unix_nano) has wire type 0, expected 1")
        let b = decodeError(OTLPB.request(OTLPB.resourceMetrics(scopes: [OTLPB.scopeMetrics(metrics: [
            OTLPB.metric("h", 9, OTLPB.histogram(points: [PB { $0.fixed64(3, 1); $0.fixed32(6, 1) }]))])])))
        #expect(b?.message == "field 6 (HistogramDataPoint.bucket_counts) has wire type 5, expected 1 or 2 (packed)")
        // A packed fixed64 chunk whose length is not a multiple of 8.
        let p = decodeError(OTLPB.request(OTLPB.resourceMetrics(scopes: [OTLPB.scopeMetrics(metrics: [
            OTLPB.metric("h", 9, OTLPB.histogram(points: [PB { $0.fixed64(3, 1); $0.bytes(7, [1, 2, 3]) }]))])])))
        #expect(p?.message.contains("HistogramDataPoint.explicit_bounds") == true && p?.message.contains("multiple of 8") == true)
    }

    @Test func invalidUTF8IsAnErrorNamingTheField() {
        let bad: [UInt8] = [0x61, 0xC3, 0x28]           // 'a' then a broken 2-byte sequence
        func check(_ input: PB, _ field: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let e = decodeError(input, sourceLocation: sourceLocation)
            #expect(e?.message == "invalid UTF-8 in \(field)", "\(String(describing: e))", sourceLocation: sourceLocation)
        }
        let point = OTLPB.numberPoint(int: 1)
        check(OTLPB.request(OTLPB.resourceMetrics(scopes: [OTLPB.scopeMetrics(metrics: [PB {
            $0.bytes(1, bad); $0.message(5, OTLPB.gauge(points: [point]))
        }])])), "Metric.name")
        check(OTLPB.request(OTLPB.resourceMetrics(scopes: [OTLPB.scopeMetrics(metrics: [PB {
            $0.string(1, "m"); $0.bytes(3, bad)
        }])])), "Metric.unit")
        check(OTLPB.attributeRequest(PB { $0.bytes(1, bad) }), "AnyValue.string_value")
        check(OTLPB.gaugeRequest(points: [PB { $0.message(7, PB { $0.bytes(1, bad) }) }]), "KeyValue.key")
        check(OTLPB.attributeRequest(OTLPB.array(PB { $0.bytes(1, [0xED, 0xA0, 0x80]) })), "AnyValue.string_value")   // surrogate
        check(OTLPB.request(PB { $0.message(2, PB { $0.message(1, PB { $0.bytes(1, [0xFF]) }) }) }), "InstrumentationScope.name")
        check(OTLPB.request(PB { $0.bytes(3, [0xC0, 0x80]) }), "ResourceMetrics.schema_url")      // overlong NUL
        // Bytes fields are not strings.
        #expect(throws: Never.self) { try decode(OTLPB.attributeRequest(OTLPB.bytes([0xFF, 0xC0]))) }
    }

    @Test func anyValueNestingIsLimited() throws {
        func nested(_ depth: Int) -> PB {
            var v = OTLPB.str("x")
            for _ in 0..<depth { v = OTLPB.array(v) }
            return v
        }
        var limits = OTLPDecodeLimits()
        limits.maxAnyValueDepth = 4
        let (_, sink) = try decode(OTLPB.attributeRequest(nested(4)), limits: limits)
        #expect(onlyPoint(sink)?.attributes.first?.value == .json("[[[[\"x\"]]]]"))
        #expect(decodeError(OTLPB.attributeRequest(nested(5)), limits: limits)?.message.contains("deeper than 4") == true)
        // The default (32), also through kvlists.
        #expect(throws: Never.self) { try decode(OTLPB.attributeRequest(nested(32))) }
        #expect(decodeError(OTLPB.attributeRequest(nested(33))) != nil)
        var mixed = OTLPB.int(1)
        for i in 0..<33 { mixed = i % 2 == 0 ? OTLPB.kvlist(OTLPB.kv("k", mixed)) : OTLPB.array(mixed) }
        #expect(decodeError(OTLPB.attributeRequest(mixed)) != nil)
        // Very deep garbage is rejected at the limit, not by running out of stack.
        #expect(decodeError(OTLPB.attributeRequest(nested(5000))) != nil)
    }

    // MARK: AnyValue rendering

    @Test func anyValueKindsAndJSONRendering() throws {
        let point = OTLPB.numberPoint(int: 1, attributes: [
            OTLPB.kv("s", OTLPB.str("text")),
            OTLPB.kv("b", OTLPB.bool(true)),
            OTLPB.kv("i", OTLPB.int(-42)),
            OTLPB.kv("d", OTLPB.double(2.5)),
            OTLPB.kv("y", OTLPB.bytes([0, 1, 0xFE])),
            OTLPB.kv("e", OTLPB.empty),
            PB { $0.string(1, "novalue") },
            OTLPB.kv("a", OTLPB.array(OTLPB.str("a"), OTLPB.int(1), OTLPB.bool(true), OTLPB.kvlist(OTLPB.kv("k", OTLPB.str("v"))))),
            OTLPB.kv("n", OTLPB.array(OTLPB.double(.nan), OTLPB.double(.infinity), OTLPB.double(-.infinity), OTLPB.double(1e21),
                                      OTLPB.double(1e-7), OTLPB.double(100), OTLPB.double(-0.5), OTLPB.double(0.1),
                                      OTLPB.double(-0.0), OTLPB.double(123456789012345678), OTLPB.double(1.5e-6))),
            OTLPB.kv("x", OTLPB.array(OTLPB.bytes(Array("hi".utf8) + [0, 0xFF]), OTLPB.empty, OTLPB.str("q\"\\\n\u{1}é"),
                                      OTLPB.int(.min), OTLPB.bool(false), OTLPB.array(), OTLPB.kvlist())),
            // kvlist keys sorted bytewise, duplicate keys last-wins, missing value → null.
            OTLPB.kv("m", OTLPB.kvlist(OTLPB.kv("zeta", OTLPB.int(1)), OTLPB.kv("alpha", OTLPB.str("first")),
                                       PB { $0.string(1, "none") }, OTLPB.kv("alpha", OTLPB.str("second")),
                                       OTLPB.kv("Beta", OTLPB.kvlist(OTLPB.kv("y", OTLPB.int(2)), OTLPB.kv("x", OTLPB.int(1)))))),
        ])
        let (_, sink) = try decode(OTLPB.gaugeRequest(points: [point]))
        let attributes = onlyPoint(sink)?.attributes ?? []
        let expected: [RecordingSink.OwnedValue] = [
            .string("text"), .bool(true), .int(-42), .double(2.5), .bytes([0, 1, 0xFE]), .empty, .empty,
            .json(#"["a",1,true,{"k":"v"}]"#),
            .json(#"["NaN","Infinity","-Infinity",1e+21,1e-7,100,-0.5,0.1,0,123456789012345680,0.0000015]"#),
            .json(#"["aGkA/w==",null,"q\"\\\n\u0001é",-9223372036854775808,false,[],{}]"#),
            .json(#"{"Beta":{"x":1,"y":2},"alpha":"second","none":null,"zeta":1}"#),
        ]
        #expect(attributes.map(\.key) == ["s", "b", "i", "d", "y", "e", "novalue", "a", "n", "x", "m"])
        #expect(attributes.count == expected.count)
        for (a, e) in zip(attributes, expected) { #expect(a.value == e, "\(a.key)") }
    }

    @Test func renderedJSONStaysValidWhenTheArenaGrows() throws {
        // Many large array attributes in one list force the scratch arena to reallocate while
        // the list is decoded; every earlier attribute must still read correctly.
        let big = String(repeating: "\u{1}", count: 3000)          // 6 output bytes per input byte
        var attributes: [PB] = []
        for i in 0..<20 { attributes.append(OTLPB.kv("k\(i)", OTLPB.array(OTLPB.str(big), OTLPB.int(Int64(i))))) }
        let (_, sink) = try decode(OTLPB.gaugeRequest(points: [OTLPB.numberPoint(int: 1, attributes: attributes)]))
        let expectedText = "\"" + String(repeating: "\\u0001", count: 3000) + "\""
        let got = onlyPoint(sink)?.attributes ?? []
        #expect(got.count == 20)
        for (i, a) in got.enumerated() { #expect(a.value == .json("[\(expectedText),\(i)]"), "k\(i)") }
    }

    @Test func attributesWithAnEmptyKeyAreDropped() throws {
        let (_, sink) = try decode(OTLPB.gaugeRequest(points: [OTLPB.numberPoint(int: 1, attributes: [
            OTLPB.kv("", OTLPB.array(OTLPB.int(1))), OTLPB.kv("a", OTLPB.array(OTLPB.int(2))), PB { $0.message(2, OTLPB.str("x")) },
        ])]))
        #expect(onlyPoint(sink)?.attributes.map(\.description) == ["a=[2]"])
    }

    // MARK: Validation and partial success

    @Test func everyRejectionReasonIsCountedWithAMessage() throws {
        func metric(_ name: String, _ field: Int, _ data: PB) -> PB { OTLPB.metric(name, field, data) }
        let metrics: [PB] = [
            metric("ok", 5, OTLPB.gauge(points: [OTLPB.numberPoint(int: 1)])),
            metric("novalue", 5, OTLPB.gauge(points: [OTLPB.numberPoint()])),                          // missing_value
            metric("notime", 5, OTLPB.gauge(points: [OTLPB.numberPoint(int: 1, time: 0)])),           // missing_timestamp
            metric("unspecified", 7, OTLPB.sum(temporality: 0, points: [OTLPB.numberPoint(int: 1), OTLPB.numberPoint(int: 2)])),
            metric("unknown", 9, OTLPB.histogram(temporality: 3, points: [OTLPB.histogramPoint(count: 0, counts: [], bounds: [])])),
            metric("buckets", 9, OTLPB.histogram(points: [OTLPB.histogramPoint(count: 3, counts: [1, 2], bounds: [])])),
            metric("sumcount", 9, OTLPB.histogram(points: [OTLPB.histogramPoint(count: 4, counts: [1, 2], bounds: [1])])),
            metric("order", 9, OTLPB.histogram(points: [OTLPB.histogramPoint(count: 3, counts: [1, 1, 1], bounds: [2, 1])])),
            metric("quantile", 11, PB { $0.message(1, PB { $0.fixed64(3, OTLPB.time); $0.message(6, PB { $0.double(1, 1.5) }) }) }),
            metric("", 5, OTLPB.gauge(points: [OTLPB.numberPoint(int: 1), OTLPB.numberPoint(int: 2), OTLPB.numberPoint(int: 3)])),
            metric("scale", 10, PB { $0.message(1, PB { $0.fixed64(3, OTLPB.time); $0.sint32(6, 21) }); $0.varint(2, 2) }),
            metric("scale.low", 10, PB { $0.message(1, PB { $0.fixed64(3, OTLPB.time); $0.sint32(6, -11) }); $0.varint(2, 2) }),
            metric("expcount", 10, PB {
                $0.message(1, PB { $0.fixed64(3, OTLPB.time); $0.fixed64(4, 5); $0.fixed64(7, 1)
                                   $0.message(8, PB { $0.packedVarints(2, [1, 1]) }); $0.message(9, PB { $0.varint(2, 1) }) })
                $0.varint(2, 1)
            }),
        ]
        let (summary, sink) = try decode(OTLPB.request(OTLPB.resourceMetrics(scopes: [OTLPB.scopeMetrics(metrics: metrics)])))
        #expect(summary.metrics == metrics.count)
        #expect(summary.acceptedPoints == 1 && sink.pointCount == 1)
        let expected: [RejectionReason: Int] = [
            .missingValue: 1, .missingTimestamp: 1, .invalidTemporality: 3, .invalidBuckets: 4,
            .invalidQuantile: 1, .missingMetricName: 3, .invalidScale: 2,
        ]
        #expect(summary.rejectedByReason == expected)
        #expect(summary.rejectedPoints == expected.values.reduce(0, +))
        #expect(summary.firstRejection == "number point of \"novalue\" has no value and no no_recorded_value flag; dropped")
        // Metrics with an invalid header are not reported to the sink at all.
        #expect(!sink.allMetrics.contains { ["unspecified", "unknown", ""].contains($0.name) })
        #expect(sink.allMetrics.first?.name == "ok")
    }

    @Test func noRecordedValueFlagMakesAPointValid() throws {
        let (summary, sink) = try decode(OTLPB.request(OTLPB.resourceMetrics(scopes: [OTLPB.scopeMetrics(metrics: [
            OTLPB.metric("stale", 5, OTLPB.gauge(points: [OTLPB.numberPoint(flags: 1)])),
            OTLPB.metric("stale.h", 9, OTLPB.histogram(points: [OTLPB.histogramPoint(count: 9, counts: [1], bounds: [1, 2], flags: 3)])),
            OTLPB.metric("flags.only.reserved", 5, OTLPB.gauge(points: [OTLPB.numberPoint(flags: 2)])),
        ])])))
        #expect(summary.acceptedPoints == 2 && summary.rejectedByReason == [.missingValue: 1])
        let points = sink.allMetrics.flatMap(\.points)
        #expect(points.map(\.flags) == [1, 3] && points.first?.number == NumberValue.none)
    }

    @Test func metricWithoutDataHasNoPointsAndNoRejection() throws {
        let (summary, sink) = try decode(OTLPB.request(OTLPB.resourceMetrics(scopes: [OTLPB.scopeMetrics(metrics: [
            PB { $0.string(1, "nodata"); $0.string(3, "s") },
        ])])))
        #expect(summary.metrics == 1 && summary.acceptedPoints == 0 && summary.rejectedPoints == 0)
        #expect(sink.allMetrics.isEmpty && sink.committed.first?.scopes.count == 1)
    }

    @Test func exemplarsAreCountedAndValidated() throws {
        let exemplar = PB {
            $0.fixed64(2, 1); $0.double(3, 0.25); $0.bytes(4, [1, 2, 3, 4, 5, 6, 7, 8]); $0.bytes(5, [UInt8](repeating: 9, count: 16))
            $0.message(7, OTLPB.kv("user", OTLPB.array(OTLPB.str("u"))))
        }
        let point = PB {
            $0.fixed64(3, OTLPB.time); $0.sfixed64(6, 1)
            $0.message(5, exemplar)
            $0.message(7, OTLPB.kv("a", OTLPB.array(OTLPB.int(1))))
            $0.message(5, PB { $0.sfixed64(6, 3) })
            $0.message(5, PB())                                 // no value: counted too
            $0.message(7, OTLPB.kv("b", OTLPB.str("x")))
        }
        let (_, sink) = try decode(OTLPB.gaugeRequest(points: [point]))
        let p = onlyPoint(sink)
        #expect(p?.exemplarCount == 3)
        // The exemplar's filtered attributes do not leak into the point's attributes.
        #expect(p?.attributes.map(\.description) == ["a=[1]", "b=\"x\""])
        // Garbage inside an exemplar is an error.
        let e = decodeError(OTLPB.gaugeRequest(points: [PB { $0.fixed64(3, OTLPB.time); $0.message(5, PB { $0.varint(3, 1) }) }]))
        #expect(e?.message == "field 3 (Exemplar.as_double) has wire type 0, expected 1")
        #expect(decodeError(OTLPB.gaugeRequest(points: [PB { $0.message(5, PB(raw: [0x3A, 0x09])) }])) != nil)
    }

    @Test func exponentialHistogramAndSummaryFields() throws {
        let exp = PB {
            $0.message(1, PB {
                $0.message(1, OTLPB.kv("k", OTLPB.str("v")))
                $0.fixed64(2, 10); $0.fixed64(3, OTLPB.time); $0.fixed64(4, 10); $0.double(5, 12.5)
                $0.sint32(6, -3); $0.fixed64(7, 2); $0.double(14, 0.001); $0.double(12, -1); $0.double(13, 9)
                $0.message(8, PB { $0.sint32(1, -2); $0.varint(2, 1); $0.packedVarints(2, [2, 300]) })
                $0.message(9, PB { $0.sint32(1, 5) })
                $0.message(9, PB { $0.packedVarints(2, [0]) })          // merges with the first
                $0.message(8, PB { $0.varint(2, 0) })
            })
            $0.varint(2, 2)
        }
        let summaryData = PB {
            $0.message(1, PB {
                $0.fixed64(3, OTLPB.time); $0.fixed64(4, 4); $0.double(5, 10)
                $0.message(6, PB { $0.double(1, 0); $0.double(2, 1) })
                $0.message(6, PB { $0.double(2, 7); $0.double(1, 1) })
            })
        }
        let (summary, sink) = try decode(OTLPB.request(OTLPB.resourceMetrics(scopes: [OTLPB.scopeMetrics(metrics: [
            OTLPB.metric("e", 10, exp), OTLPB.metric("q", 11, summaryData),
        ])])))
        // 2 + 1 + 2 + 300 + 0 + 0 = 305 ≠ 10: the exponential point is rejected; check its fields via a valid copy below.
        #expect(summary.rejectedByReason == [.invalidBuckets: 1] && summary.acceptedPoints == 1)
        let q = sink.allMetrics.last?.points.first
        #expect(q?.count == 4 && q?.sum == 10 && q?.quantiles == [QuantileValue(quantile: 0, value: 1), QuantileValue(quantile: 1, value: 7)])

        let valid = PB {
            $0.message(1, PB {
                $0.fixed64(3, OTLPB.time); $0.fixed64(4, 306); $0.sint32(6, -3); $0.fixed64(7, 1); $0.double(14, 0.001)
                $0.message(8, PB { $0.sint32(1, -2); $0.varint(2, 1); $0.packedVarints(2, [2, 300]) })
                $0.message(9, PB { $0.sint32(1, 5) }); $0.message(9, PB { $0.packedVarints(2, [0, 2]) })
            })
            $0.varint(2, 2)
        }
        let (s2, sink2) = try decode(OTLPB.request(OTLPB.resourceMetrics(scopes: [OTLPB.scopeMetrics(metrics: [OTLPB.metric("e", 10, valid)])])))
        #expect(s2.acceptedPoints == 1)
        let p = onlyPoint(sink2)
        #expect(p?.scale == -3 && p?.zeroCount == 1 && p?.zeroThreshold == 0.001 && p?.sum == nil)
        #expect(p?.positiveOffset == -2 && p?.positiveCounts == [1, 2, 300])
        #expect(p?.negativeOffset == 5 && p?.negativeCounts == [0, 2])
    }

    @Test func decoderIsReusableAfterAnError() throws {
        let decoder = OTLPProtobufDecoder()
        let good = OTLPB.attributeRequest(OTLPB.array(OTLPB.str("a"))).bytes
        let bad = OTLPB.attributeRequest(OTLPB.array(PB(raw: [0x0A, 0x09]))).bytes
        for input in [good, bad, good] {
            let sink = RecordingSink()
            let result: Result<DecodeSummary, OTLPDecodeError> = input.withUnsafeBytes { buffer in
                Result { () throws(OTLPDecodeError) in try decoder.decode(buffer, context: RequestContext(encoding: .protobuf), into: sink) }
            }
            if input == good {
                #expect((try? result.get())?.acceptedPoints == 1)
                #expect(sink.allMetrics.first?.points.first?.attributes.first?.value == .json("[\"a\"]"))
            } else {
                #expect((try? result.get()) == nil && sink.committed.isEmpty && sink.aborted == 1)
            }
        }
    }
}
