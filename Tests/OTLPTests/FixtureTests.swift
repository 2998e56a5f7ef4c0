// Decodes every fixture in Tests/Fixtures/otlp (written by gen_fixtures.py with the official
// opentelemetry-proto bindings) with both decoders and checks the result against
// expected.json, which the generator computed from the message itself (Part C of the wire
// reference, as implemented by OTLPValidation). Also checks that the protobuf and the JSON form
// of each fixture give the same sink contents.
import Foundation
import OTLP
import Testing

@Suite struct FixtureTests {
    /// Every fixture (NAME.pb + NAME.json) in Tests/Fixtures/otlp.
    static let names = [
        "gauge_double_int", "sum_delta_nonmonotonic", "exponential_histogram", "summary",
        "attributes_nested", "exemplars_flags", "invalid_points", "multi_resource",
    ]

    @Test func fixtureFolderMatchesTheList() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixture.directory.path)
        let stems = Set(files.filter { $0.hasSuffix(".pb") || $0.hasSuffix(".json") && $0 != "expected.json" }
            .map { String($0[..<$0.lastIndex(of: ".")!]) })
        #expect(stems == Set(Self.names), "fixtures on disk: \(stems.sorted())")
        for name in Self.names {
            #expect(files.contains(name + ".pb"), "\(name).pb missing")
            #expect(files.contains(name + ".json"), "\(name).json missing")
        }
        guard case .object(let fixtures)? = try Fixture.expected()["fixtures"] else {
            Issue.record("expected.json has no \"fixtures\" object")
            return
        }
        #expect(Set(fixtures.keys) == Set(Self.names))
    }

    @Test(arguments: FixtureTests.names)
    func protobufMatchesExpected(_ name: String) throws {
        try Fixture.check(name, .protobuf)
    }

    @Test(arguments: FixtureTests.names)
    func jsonMatchesExpected(_ name: String) throws {
        try Fixture.check(name, .json)
    }

    @Test(arguments: FixtureTests.names)
    func protobufAndJSONGiveEqualSinkContents(_ name: String) throws {
        let (pbSummary, pb) = try Fixture.decode(name, .protobuf)
        let (jsSummary, js) = try Fixture.decode(name, .json)
        #expect(pb.committed.count > 0, "\(name): nothing committed")
        let same = NaNAware.normalized(pb.committed) == NaNAware.normalized(js.committed)
        if !same {
            // Point at the first differences (the J form covers every field the sink records).
            var out: [String] = []
            J.diff(Fixture.tree(pb.committed, dropEmptyMetrics: false), Fixture.tree(js.committed, dropEmptyMetrics: false),
                   "\(name)", &out, names: ("protobuf", "json"))
            let detail = out.isEmpty ? "(no difference in the J form: compare the raw structs)" : out.prefix(30).joined(separator: "\n")
            Issue.record("\(name): protobuf and JSON sink contents differ:\n\(detail)")
        }
        #expect(pbSummary == jsSummary, "\(name): summaries differ\nprotobuf: \(pbSummary)\njson: \(jsSummary)")
    }

    /// Decoders keep scratch memory between requests: decoding every fixture twice in a row with
    /// one instance must give what a fresh instance gives.
    @Test(arguments: [RequestContext.Encoding.protobuf, .json])
    func reusedDecoderGivesTheSameResults(_ encoding: RequestContext.Encoding) throws {
        let pb = OTLPProtobufDecoder(), js = OTLPJSONDecoder()
        for round in 0..<2 {
            for name in Self.names {
                let (freshSummary, fresh) = try Fixture.decode(name, encoding)
                let (summary, reused) = try Fixture.decode(name, encoding, protobuf: pb, json: js)
                #expect(NaNAware.normalized(reused.committed) == NaNAware.normalized(fresh.committed),
                        "\(name) (\(encoding), round \(round)): a reused decoder gave other sink contents")
                #expect(summary == freshSummary, "\(name) (\(encoding), round \(round)): \(summary) vs \(freshSummary)")
            }
        }
    }

    @Test func nanAwareComparisonSeesNaNAsEqualAndOtherValuesAsDifferent() {
        func sink(_ v: Double) -> [RecordingSink.Resource] {
            let s = RecordingSink()
            s.beginRequest(RequestContext(encoding: .protobuf))
            s.resource(ResourceView(attributes: UnsafeBufferPointer(start: nil, count: 0)))
            s.scope(ScopeView(name: .empty, version: .empty, attributes: UnsafeBufferPointer(start: nil, count: 0)))
            s.metric(MetricView(name: .empty, description: .empty, unit: .empty, kind: .gauge, temporality: .unspecified, isMonotonic: false))
            s.numberPoint(NumberPointView(common: PointCommon(attributes: UnsafeBufferPointer(start: nil, count: 0),
                                                              startTimeUnixNano: 0, timeUnixNano: 1), value: .double(v)))
            s.endRequest(committed: true)
            return s.committed
        }
        #expect(sink(.nan) != sink(.nan))   // why the helper exists
        #expect(NaNAware.normalized(sink(.nan)) == NaNAware.normalized(sink(.nan)))
        #expect(NaNAware.normalized(sink(.nan)) != NaNAware.normalized(sink(1)))
        #expect(NaNAware.normalized(sink(0.5)) != NaNAware.normalized(sink(1)))
    }
}

// MARK: - Loading and decoding

enum Fixture {
    /// Tests/Fixtures/otlp (this file is Tests/OTLPTests/FixtureTests.swift).
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/otlp")
    }

    /// The bytes of an HTTP server payload (`metrics_small.pb`, `metrics_medium.json`, …) from
    /// `Tests/Fixtures/otlp/http-server`, written by `Scripts/gen_otlp_payloads.py`.
    static func httpServer(_ file: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent("http-server").appendingPathComponent(file)))
    }

    static func expected() throws -> [String: J] {
        let data = try Data(contentsOf: directory.appendingPathComponent("expected.json"))
        guard case .object(let o) = try JSONDecoder().decode(J.self, from: data) else {
            throw FixtureError("expected.json is not an object")
        }
        return o
    }

    static func expected(_ name: String) throws -> [String: J] {
        guard case .object(let fixtures)? = try expected()["fixtures"], case .object(let e)? = fixtures[name] else {
            throw FixtureError("expected.json has no entry for \(name)")
        }
        return e
    }

    /// Decodes NAME.pb or NAME.json into a fresh RecordingSink.
    static func decode(_ name: String, _ encoding: RequestContext.Encoding,
                       protobuf: OTLPProtobufDecoder = OTLPProtobufDecoder(),
                       json: OTLPJSONDecoder = OTLPJSONDecoder()) throws -> (DecodeSummary, RecordingSink) {
        let file = name + (encoding == .protobuf ? ".pb" : ".json")
        let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(file)))
        let sink = RecordingSink()
        let context = RequestContext(encoding: encoding)
        let summary: DecodeSummary
        do {
            summary = try bytes.withUnsafeBytes { buffer in
                switch encoding {
                case .protobuf: return try protobuf.decode(buffer, context: context, into: sink)
                case .json: return try json.decode(buffer, context: context, into: sink)
                }
            }
        } catch {
            throw FixtureError("\(file): decode failed: \(error)")
        }
        return (summary, sink)
    }

    /// Decodes one encoding of a fixture and compares everything with expected.json.
    static func check(_ name: String, _ encoding: RequestContext.Encoding,
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        let label = "\(name).\(encoding == .protobuf ? "pb" : "json")"
        let e = try expected(name)
        let (summary, sink) = try decode(name, encoding)

        // The sink protocol: one request, committed, with the right encoding.
        #expect(sink.requests == 1 && sink.aborted == 0 && sink.contexts == [encoding],
                "\(label): requests \(sink.requests), aborted \(sink.aborted), contexts \(sink.contexts)", sourceLocation: sourceLocation)

        // DecodeSummary.
        #expect(summary.resources == e["resources"]?.int, "\(label): resources \(summary.resources), expected \(e["resources"]!)", sourceLocation: sourceLocation)
        #expect(summary.scopes == e["scopes"]?.int, "\(label): scopes \(summary.scopes), expected \(e["scopes"]!)", sourceLocation: sourceLocation)
        // `metrics` counts every Metric message, also those without data or with an invalid
        // header (what both decoders do; DecodeSummary's comment does not say).
        #expect(summary.metrics == e["metrics"]?.int, "\(label): metrics \(summary.metrics), expected \(e["metrics"]!) (all Metric messages; \(e["metrics_valid_header"]!) with a valid header)", sourceLocation: sourceLocation)
        #expect(summary.acceptedPoints == e["accepted_points"]?.int, "\(label): acceptedPoints \(summary.acceptedPoints), expected \(e["accepted_points"]!)", sourceLocation: sourceLocation)
        #expect(summary.acceptedPoints == sink.pointCount, "\(label): acceptedPoints \(summary.acceptedPoints) but the sink got \(sink.pointCount) points", sourceLocation: sourceLocation)
        #expect(summary.rejectedPoints == e["rejected_points"]?.int, "\(label): rejectedPoints \(summary.rejectedPoints), expected \(e["rejected_points"]!)", sourceLocation: sourceLocation)
        var gotReasons: [String: J] = [:]
        for (reason, n) in summary.rejectedByReason { gotReasons[reason.rawValue] = .int(Int64(n)) }
        var reasonDiffs: [String] = []
        J.diff(e["rejected_by_reason"] ?? .object([:]), .object(gotReasons), "\(label) rejected_by_reason", &reasonDiffs)
        #expect(reasonDiffs.isEmpty, "\(reasonDiffs.joined(separator: "\n"))", sourceLocation: sourceLocation)
        let first = e["first_rejection"]
        #expect(summary.firstRejection == first?.string, "\(label): firstRejection \(summary.firstRejection.debugDescription), expected \(first?.string.debugDescription ?? "nil")", sourceLocation: sourceLocation)

        // What the sink received: resources → scopes → metrics (with per-metric aggregates) → points.
        // Metrics without accepted points are left out on both sides: the sink contract does not say
        // whether a metric header is reported when none of its points survive validation.
        var expectedResources = e["resource_list"] ?? .array([])
        expectedResources = expectedResources.droppingEmptyMetrics()
        var out: [String] = []
        J.diff(expectedResources, tree(sink.committed, dropEmptyMetrics: true), label, &out,
               ignoring: ["data_points", "rejected_by_reason"])
        let detail = out.prefix(40).joined(separator: "\n")
        #expect(out.isEmpty, "\(label): \(out.count) difference(s) from expected.json:\n\(detail)",
                sourceLocation: sourceLocation)
    }

    // MARK: RecordingSink → J (the schema of expected.json)

    static func tree(_ resources: [RecordingSink.Resource], dropEmptyMetrics: Bool) -> J {
        .array(resources.map { r in
            .object([
                "schema_url": .string(r.schemaURL),
                "attributes": attributes(r.attributes),
                "scopes": .array(r.scopes.map { s in
                    .object([
                        "name": .string(s.name), "version": .string(s.version), "schema_url": .string(s.schemaURL),
                        "attributes": attributes(s.attributes),
                        "metrics": .array(s.metrics.filter { !dropEmptyMetrics || !$0.points.isEmpty }.map(metric)),
                    ])
                }),
            ])
        })
    }

    static func attributes(_ list: [RecordingSink.OwnedAttribute]) -> J {
        .array(list.map { a in
            let type: String, value: J
            switch a.value {
            case .string(let s): (type, value) = ("string", .string(s))
            case .bool(let b): (type, value) = ("bool", .bool(b))
            case .int(let i): (type, value) = ("int", .int(i))
            case .double(let d): (type, value) = ("double", .number(d))
            case .bytes(let b): (type, value) = ("bytes", .string(Data(b).base64EncodedString()))
            case .json(let j): (type, value) = ("json", .string(j))
            case .empty: (type, value) = ("empty", .null)
            }
            return .object(["key": .string(a.key), "type": .string(type), "value": value])
        })
    }

    static func metric(_ m: RecordingSink.Metric) -> J {
        .object([
            "name": .string(m.name), "description": .string(m.description), "unit": .string(m.unit),
            "kind": .string(m.kind.description), "temporality": .int(Int64(m.temporality.rawValue)),
            "is_monotonic": .bool(m.isMonotonic),
            "stats": stats(m),
            "points": .array(m.points.map { point($0, m.kind) }),
        ])
    }

    static func optional(_ d: Double?) -> J { d.map(J.number) ?? .null }
    static func counts(_ c: [UInt64]) -> J { .array(c.map { .int(Int64(bitPattern: $0)) }) }

    static func point(_ p: RecordingSink.Point, _ kind: MetricKind) -> J {
        var o: [String: J] = [
            "attributes": attributes(p.attributes),
            "start_time_unix_nano": .int(Int64(bitPattern: p.startTimeUnixNano)),
            "time_unix_nano": .int(Int64(bitPattern: p.timeUnixNano)),
            "flags": .int(Int64(p.flags)),
            "exemplar_count": .int(Int64(p.exemplarCount)),
        ]
        switch kind {
        case .gauge, .sum:
            switch p.number {
            case .int(let i): o["value"] = .object(["int": .int(i)])
            case .double(let d): o["value"] = .object(["double": .number(d)])
            case .none: o["value"] = .null
            }
        case .histogram:
            o["count"] = .int(Int64(bitPattern: p.count))
            o["sum"] = optional(p.sum); o["min"] = optional(p.min); o["max"] = optional(p.max)
            o["bucket_counts"] = counts(p.bucketCounts)
            o["explicit_bounds"] = .array(p.explicitBounds.map(J.number))
        case .exponentialHistogram:
            o["count"] = .int(Int64(bitPattern: p.count))
            o["sum"] = optional(p.sum); o["min"] = optional(p.min); o["max"] = optional(p.max)
            o["scale"] = .int(Int64(p.scale))
            o["zero_count"] = .int(Int64(bitPattern: p.zeroCount))
            o["zero_threshold"] = .number(p.zeroThreshold)
            o["positive_offset"] = .int(Int64(p.positiveOffset)); o["positive_counts"] = counts(p.positiveCounts)
            o["negative_offset"] = .int(Int64(p.negativeOffset)); o["negative_counts"] = counts(p.negativeCounts)
        case .summary:
            o["count"] = .int(Int64(bitPattern: p.count))
            o["sum"] = .number(p.sum ?? .nan)
            o["quantiles"] = .array(p.quantiles.map { .array([.number($0.quantile), .number($0.value)]) })
        }
        return .object(o)
    }

    /// The per-metric aggregates of expected.json, over the points in document order.
    static func stats(_ m: RecordingSink.Metric) -> J {
        var o: [String: J] = ["points": .int(Int64(m.points.count))]
        switch m.kind {
        case .gauge, .sum:
            var intSum: Int64 = 0, doubleSum = 0.0
            var ints = 0, doubles = 0, nans = 0, posInf = 0, negInf = 0, none = 0
            for p in m.points {
                switch p.number {
                case .int(let i): intSum &+= i; ints += 1
                case .double(let d):
                    doubles += 1
                    if d.isNaN { nans += 1 } else if d == .infinity { posInf += 1 } else if d == -.infinity { negInf += 1 } else { doubleSum += d }
                case .none: none += 1
                }
            }
            o["as_int_sum"] = .int(intSum); o["as_int_count"] = .int(Int64(ints))
            o["as_double_sum"] = .number(doubleSum); o["as_double_count"] = .int(Int64(doubles))
            o["nan_count"] = .int(Int64(nans)); o["pos_inf_count"] = .int(Int64(posInf)); o["neg_inf_count"] = .int(Int64(negInf))
            o["no_value_count"] = .int(Int64(none))
        case .histogram:
            o["count_sum"] = .int(Int64(m.points.reduce(0) { $0 + $1.count }))
            o["bucket_count_total"] = .int(Int64(m.points.reduce(0) { $0 + $1.bucketCounts.reduce(0, +) }))
        case .exponentialHistogram:
            o["count_sum"] = .int(Int64(m.points.reduce(0) { $0 + $1.count }))
            o["bucket_count_total"] = .int(Int64(m.points.reduce(0) {
                $0 + $1.zeroCount + $1.positiveCounts.reduce(0, +) + $1.negativeCounts.reduce(0, +)
            }))
        case .summary:
            o["count_sum"] = .int(Int64(m.points.reduce(0) { $0 + $1.count }))
            o["quantile_count"] = .int(Int64(m.points.reduce(0) { $0 + $1.quantiles.count }))
        }
        return .object(o)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

// MARK: - NaN-aware equality of sink contents

enum NaNAware {
    /// A finite value no fixture uses, standing in for every NaN so that `==` compares the rest.
    static let sentinel = Double(bitPattern: 0x7FEF_FFFF_DEAD_BEEF)

    static func fix(_ d: Double) -> Double { d.isNaN ? sentinel : d }
    static func fix(_ d: Double?) -> Double? { d.map { fix($0) } }

    static func fix(_ attributes: [RecordingSink.OwnedAttribute]) -> [RecordingSink.OwnedAttribute] {
        attributes.map { a in
            var a = a
            if case .double(let d) = a.value { a.value = .double(fix(d)) }
            return a
        }
    }

    /// A copy with every NaN (attribute values, point values, sums, bounds, quantiles…) replaced.
    static func normalized(_ resources: [RecordingSink.Resource]) -> [RecordingSink.Resource] {
        resources.map { r in
            var r = r
            r.attributes = fix(r.attributes)
            r.scopes = r.scopes.map { s in
                var s = s
                s.attributes = fix(s.attributes)
                s.metrics = s.metrics.map { m in
                    var m = m
                    m.points = m.points.map { p in
                        var p = p
                        p.attributes = fix(p.attributes)
                        if case .double(let d) = p.number { p.number = .double(fix(d)) }
                        p.sum = fix(p.sum); p.min = fix(p.min); p.max = fix(p.max)
                        p.explicitBounds = p.explicitBounds.map { fix($0) }
                        p.zeroThreshold = fix(p.zeroThreshold)
                        p.quantiles = p.quantiles.map { QuantileValue(quantile: fix($0.quantile), value: fix($0.value)) }
                        return p
                    }
                    return m
                }
                return s
            }
            return r
        }
    }
}

// MARK: - A JSON value for expected.json

/// JSON as read from expected.json. Non-finite doubles are the strings "NaN", "+Inf", "-Inf".
indirect enum J: Decodable, Sendable, CustomStringConvertible {
    case null, bool(Bool), int(Int64), double(Double), string(String), array([J]), object([String: J])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([J].self) { self = .array(a) }
        else { self = .object(try c.decode([String: J].self)) }
    }

    /// A double in expected.json's convention.
    static func number(_ d: Double) -> J {
        if d.isNaN { return .string("NaN") }
        if d.isInfinite { return .string(d > 0 ? "+Inf" : "-Inf") }
        return .double(d)
    }

    var int: Int? {
        switch self {
        case .int(let i): return Int(i)
        case .double(let d) where d == d.rounded(): return Int(exactly: d)
        default: return nil
        }
    }

    var string: String? { if case .string(let s) = self { return s } else { return nil } }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .int(let i): return "\(i)"
        case .double(let d): return "\(d)"
        case .string(let s): return s.debugDescription
        case .array(let a): return "[" + a.map(\.description).joined(separator: ",") + "]"
        case .object(let o): return "{" + o.keys.sorted().map { "\($0.debugDescription):\(o[$0]!)" }.joined(separator: ",") + "}"
        }
    }

    /// A resource list without the metrics that have no accepted points.
    func droppingEmptyMetrics() -> J {
        guard case .array(let resources) = self else { return self }
        return .array(resources.map { r in
            guard case .object(var ro) = r, case .array(let scopes)? = ro["scopes"] else { return r }
            ro["scopes"] = .array(scopes.map { s in
                guard case .object(var so) = s, case .array(let metrics)? = so["metrics"] else { return s }
                so["metrics"] = .array(metrics.filter { m in
                    guard case .object(let mo) = m, case .array(let points)? = mo["points"] else { return true }
                    return !points.isEmpty
                })
                return .object(so)
            })
            return .object(ro)
        })
    }

    /// Appends a line per difference ("path: expected X, got Y", with `names`). Integers and
    /// doubles compare by value; keys in `ignoring` that are missing on the right are skipped.
    static func diff(_ expected: J, _ got: J, _ path: String, _ out: inout [String], ignoring: Set<String> = [],
                     names: (String, String) = ("expected", "got")) {
        let (l, r) = names
        switch (expected, got) {
        case (.object(let e), .object(let g)):
            for key in Set(e.keys).union(g.keys).sorted() {
                switch (e[key], g[key]) {
                case (let ev?, let gv?): diff(ev, gv, path + "." + key, &out, ignoring: ignoring, names: names)
                case (let ev?, nil): if !ignoring.contains(key) { out.append("\(path).\(key): \(l) \(ev), missing in \(r)") }
                case (nil, let gv?): out.append("\(path).\(key): only in \(r): \(gv)")
                case (nil, nil): break
                }
            }
        case (.array(let e), .array(let g)):
            if e.count != g.count { out.append("\(path): \(l) \(e.count) elements, \(r) \(g.count)") }
            for i in 0..<min(e.count, g.count) { diff(e[i], g[i], "\(path)[\(i)]", &out, ignoring: ignoring, names: names) }
        case (.int(let a), .int(let b)):
            if a != b { out.append("\(path): \(l) \(a), \(r) \(b)") }
        case (.int, .double), (.double, .int), (.double, .double):
            if !(expected.asDouble! == got.asDouble!) { out.append("\(path): \(l) \(expected), \(r) \(got)") }
        case (.bool(let a), .bool(let b)):
            if a != b { out.append("\(path): \(l) \(a), \(r) \(b)") }
        case (.string(let a), .string(let b)):
            if a != b { out.append("\(path): \(l) \(a.debugDescription), \(r) \(b.debugDescription)") }
        case (.null, .null):
            break
        default:
            out.append("\(path): \(l) \(expected), \(r) \(got)")
        }
    }

    var asDouble: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}
