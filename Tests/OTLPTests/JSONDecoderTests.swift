import Foundation
@testable import OTLP
import Testing

private func decode(_ json: String, limits: OTLPDecodeLimits = .default,
                    decoder: OTLPJSONDecoder? = nil) throws(OTLPDecodeError) -> (DecodeSummary, RecordingSink) {
    try decode(bytes: Array(json.utf8), limits: limits, decoder: decoder)
}

private func decode(bytes: [UInt8], limits: OTLPDecodeLimits = .default,
                    decoder: OTLPJSONDecoder? = nil) throws(OTLPDecodeError) -> (DecodeSummary, RecordingSink) {
    let sink = RecordingSink()
    let d = decoder ?? OTLPJSONDecoder(limits: limits)
    let result: Result<DecodeSummary, OTLPDecodeError> = bytes.withUnsafeBytes { buf in
        do throws(OTLPDecodeError) {
            return .success(try d.decode(buf, context: RequestContext(encoding: .json), into: sink))
        } catch {
            return .failure(error)
        }
    }
    return (try result.get(), sink)
}

/// The error for `json`, checking that the sink saw an aborted request.
private func decodeError(_ json: String, limits: OTLPDecodeLimits = .default,
                         sourceLocation: SourceLocation = #_sourceLocation) -> OTLPDecodeError? {
    decodeError(bytes: Array(json.utf8), limits: limits, sourceLocation: sourceLocation)
}

private func decodeError(bytes: [UInt8], limits: OTLPDecodeLimits = .default,
                         sourceLocation: SourceLocation = #_sourceLocation) -> OTLPDecodeError? {
    let sink = RecordingSink()
    let d = OTLPJSONDecoder(limits: limits)
    let error: OTLPDecodeError? = bytes.withUnsafeBytes { buf in
        do throws(OTLPDecodeError) {
            _ = try d.decode(buf, context: RequestContext(encoding: .json), into: sink)
            return nil
        } catch {
            return error
        }
    }
    if error != nil {
        #expect(sink.requests == 1 && sink.aborted == 1 && sink.committed.isEmpty,
                "a failed decode must end with endRequest(committed: false)", sourceLocation: sourceLocation)
    }
    return error
}

/// A request with one gauge whose single point is `point` (JSON object text).
private func gauge(_ point: String) -> String {
    #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":["# + point + "]}}]}]}]}"
}

private func onlyPoint(_ sink: RecordingSink, sourceLocation: SourceLocation = #_sourceLocation) -> RecordingSink.Point? {
    let points = sink.allMetrics.flatMap(\.points)
    #expect(points.count == 1, "expected one point, got \(points.count)", sourceLocation: sourceLocation)
    return points.first
}

private func attr(_ key: String, _ value: RecordingSink.OwnedValue) -> RecordingSink.OwnedAttribute {
    RecordingSink.OwnedAttribute(key: key, value: value)
}

/// The §7.4 example of otlp-http.md.
private let example = #"""
{
  "resourceMetrics": [
    {
      "resource": {
        "attributes": [
          { "key": "service.name",        "value": { "stringValue": "checkout" } },
          { "key": "service.namespace",   "value": { "stringValue": "shop" } },
          { "key": "service.instance.id", "value": { "stringValue": "pod-7f9c" } },
          { "key": "host.cpu.count",      "value": { "intValue": "8" } }
        ]
      },
      "scopeMetrics": [
        {
          "scope": { "name": "checkout.instrumentation", "version": "2.3.1" },
          "metrics": [
            {
              "name": "http.server.requests",
              "description": "Handled HTTP requests.",
              "unit": "{request}",
              "sum": {
                "aggregationTemporality": 2,
                "isMonotonic": true,
                "dataPoints": [
                  {
                    "attributes": [
                      { "key": "http.route", "value": { "stringValue": "/cart" } },
                      { "key": "http.response.status_code", "value": { "intValue": "200" } }
                    ],
                    "startTimeUnixNano": "1767225600000000000",
                    "timeUnixNano": "1767225660000000000",
                    "asInt": "1342"
                  }
                ]
              }
            },
            {
              "name": "http.server.request.duration",
              "description": "Request latency.",
              "unit": "s",
              "histogram": {
                "aggregationTemporality": 2,
                "dataPoints": [
                  {
                    "attributes": [
                      { "key": "http.route", "value": { "stringValue": "/cart" } }
                    ],
                    "startTimeUnixNano": "1767225600000000000",
                    "timeUnixNano": "1767225660000000000",
                    "count": "10",
                    "sum": 1.85,
                    "bucketCounts": ["2", "5", "2", "1"],
                    "explicitBounds": [0.05, 0.1, 0.5],
                    "min": 0.012,
                    "max": 0.74,
                    "exemplars": [
                      {
                        "timeUnixNano": "1767225655500000000",
                        "asDouble": 0.74,
                        "traceId": "5b8efff798038103d269b633813fc60c",
                        "spanId": "eee19b7ec3c1b174"
                      }
                    ]
                  }
                ]
              }
            }
          ]
        }
      ]
    }
  ]
}
"""#

@Suite struct JSONDecoderTests {
    @Test func referenceExampleDecodes() throws {
        let (summary, sink) = try decode(example)
        #expect(summary == {
            var s = DecodeSummary()
            s.resources = 1; s.scopes = 1; s.metrics = 2; s.acceptedPoints = 2
            return s
        }())
        #expect(sink.requests == 1 && sink.aborted == 0 && sink.contexts == [.json])
        let r = try #require(sink.committed.first)
        #expect(r.attributes == [attr("service.name", .string("checkout")), attr("service.namespace", .string("shop")),
                                 attr("service.instance.id", .string("pod-7f9c")), attr("host.cpu.count", .int(8))])
        let scope = try #require(r.scopes.first)
        #expect(scope.name == "checkout.instrumentation" && scope.version == "2.3.1" && scope.attributes.isEmpty)
        #expect(scope.metrics.count == 2)

        let sum = scope.metrics[0]
        #expect(sum.name == "http.server.requests" && sum.description == "Handled HTTP requests." && sum.unit == "{request}")
        #expect(sum.kind == .sum && sum.temporality == .cumulative && sum.isMonotonic)
        let p = try #require(sum.points.first)
        #expect(p.attributes == [attr("http.route", .string("/cart")), attr("http.response.status_code", .int(200))])
        #expect(p.startTimeUnixNano == 1_767_225_600_000_000_000 && p.timeUnixNano == 1_767_225_660_000_000_000)
        #expect(p.number == .int(1342) && p.flags == 0 && p.exemplarCount == 0)

        let hist = scope.metrics[1]
        #expect(hist.name == "http.server.request.duration" && hist.unit == "s")
        #expect(hist.kind == .histogram && hist.temporality == .cumulative && !hist.isMonotonic)
        let h = try #require(hist.points.first)
        #expect(h.attributes == [attr("http.route", .string("/cart"))])
        #expect(h.count == 10 && h.sum == 1.85 && h.min == 0.012 && h.max == 0.74)
        #expect(h.bucketCounts == [2, 5, 2, 1] && h.explicitBounds == [0.05, 0.1, 0.5])
        #expect(h.exemplarCount == 1)
    }

    @Test func lenientSpellingsDecodeLikeTheCanonicalOnes() throws {
        let (_, canonical) = try decode(example)
        var lenient = example
        for (a, b) in [(#""asInt": "1342""#, #""asInt": 1342"#), (#""count": "10""#, #""count": 10"#),
                       (#"["2", "5", "2", "1"]"#, "[2,5,2,1]"), (#""intValue": "8""#, #""int_value": 8"#),
                       (#""timeUnixNano""#, #""time_unix_nano""#), (#""startTimeUnixNano""#, #""start_time_unix_nano""#),
                       (#""aggregationTemporality": 2"#, #""aggregation_temporality": "AGGREGATION_TEMPORALITY_CUMULATIVE""#),
                       (#""isMonotonic""#, #""is_monotonic""#), (#""dataPoints""#, #""data_points""#),
                       (#""resourceMetrics""#, #""resource_metrics""#), (#""scopeMetrics""#, #""scope_metrics""#),
                       (#""bucketCounts""#, #""bucket_counts""#), (#""explicitBounds""#, #""explicit_bounds""#),
                       (#""stringValue""#, #""string_value""#), (#""sum": 1.85"#, #""sum": "1.85""#),
                       (#""traceId""#, #""trace_id""#), (#""asDouble": 0.74"#, #""as_double": "7.4e-1""#)] {
            #expect(lenient.contains(a), "\(a)")
            lenient = lenient.replacingOccurrences(of: a, with: b)
        }
        let (_, sink) = try decode(lenient)
        #expect(sink.committed == canonical.committed)
    }

    @Test func keysOutOfOrderDecodeLikeInOrder() throws {
        let inOrder = #"""
        {"resourceMetrics":[{"resource":{"attributes":[{"key":"r","value":{"intValue":"7"}}]},"scopeMetrics":[{"scope":{"name":"n","version":"v"},"metrics":[{"name":"x","description":"d","unit":"s","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[{"attributes":[{"key":"k","value":{"stringValue":"v"}}],"timeUnixNano":"9","asInt":"3"}]}}],"schemaUrl":"su"}],"schemaUrl":"ru"}]}
        """#
        let shuffled = #"""
        {"resourceMetrics":[{"schemaUrl":"ru","scopeMetrics":[{"schemaUrl":"su","metrics":[{"sum":{"dataPoints":[{"asInt":"3","timeUnixNano":"9","attributes":[{"value":{"stringValue":"v"},"key":"k"}]}],"isMonotonic":true,"aggregationTemporality":2},"unit":"s","description":"d","name":"x"}],"scope":{"version":"v","name":"n"}}],"resource":{"attributes":[{"value":{"intValue":"7"},"key":"r"}]}}]}
        """#
        let (s1, a) = try decode(inOrder)
        let (s2, b) = try decode(shuffled)
        #expect(s1 == s2 && s1.acceptedPoints == 1)
        #expect(a.committed == b.committed)
        #expect(b.committed.first?.schemaURL == "ru" && b.committed.first?.scopes.first?.schemaURL == "su")
        #expect(b.allMetrics.first?.temporality == .cumulative && b.allMetrics.first?.isMonotonic == true)
    }

    @Test func nullsUnknownKeysAndDuplicates() throws {
        let json = #"""
        {"resourceMetrics":null,"x-unknown":{"a":[1,{"b":null},"c",true,-0.5e-3,[[[]]]]},"resourceMetrics":[{"resource":null,
         "scopeMetrics":[{"scope":{"name":"first","name":"second","extra":[[{}]]},"metrics":[{"name":"m","description":null,
          "sum":{"dataPoints":[{"timeUnixNano":"1","asInt":"1"}],"aggregationTemporality":2},
          "gauge":{"dataPoints":[{"timeUnixNano":"1","asInt":"1","asDouble":2.5,"flags":null,
           "attributes":[{"key":"a","value":{"stringValue":"1"}}],
           "attributes":[{"key":"b","value":{"intValue":"2","stringValue":"s"}},{"key":"c","value":null},{"key":"d","value":{"stringValue":null}}],
           "exemplars":[{"asDouble":1,"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"","filteredAttributes":[{"key":"f","value":{"boolValue":true}}]},{"timeUnixNano":"3"}]}]},
          "metadata":[{"key":"prometheus.type","value":{"stringValue":"unknown"}}]}]}]}]}
        """#
        let (summary, sink) = try decode(json)
        #expect(summary.acceptedPoints == 1 && summary.metrics == 1)
        let r = try #require(sink.committed.first)
        #expect(r.attributes.isEmpty)
        #expect(r.scopes.first?.name == "second")
        let m = try #require(sink.allMetrics.first)
        #expect(m.kind == .gauge && m.temporality == .unspecified)   // the later data member wins
        #expect(m.description == "")
        let p = try #require(onlyPoint(sink))
        #expect(p.number == .double(2.5))      // oneof: the last member wins
        #expect(p.exemplarCount == 1)           // the exemplar without a value is not counted
        #expect(p.attributes == [attr("b", .string("s")), attr("c", .empty), attr("d", .empty)])

        let (_, g) = try decode(gauge(#"{"timeUnixNano":"1","asInt":"1","asDouble":2.5,"exemplars":[{"asDouble":1,"traceId":"5B8EFFF798038103D269B633813FC60C","filteredAttributes":[{"key":"f","value":{"boolValue":true}}]},{"timeUnixNano":"3"}],"attributes":[{"key":"a","value":{"boolValue":false}}]}"#))
        let gp = try #require(onlyPoint(g))
        #expect(gp.number == .double(2.5))      // oneof: the last member wins
        #expect(gp.exemplarCount == 1)           // the exemplar without a value is not counted
        #expect(gp.attributes == [attr("a", .bool(false))])
    }

    @Test func specialDoublesAndNumberForms() throws {
        let json = #"""
        {"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[
         {"timeUnixNano":"18446744073709551615","startTimeUnixNano":18446744073709551615,"asInt":-9223372036854775808},
         {"timeUnixNano":9007199254740993,"asInt":"9223372036854775807"},
         {"timeUnixNano":"00001","asDouble":"NaN"},
         {"timeUnixNano":1,"asDouble":"Infinity"},
         {"timeUnixNano":1,"asDouble":"-Infinity"},
         {"timeUnixNano":1,"asDouble":"-inf"},
         {"timeUnixNano":1,"asDouble":"1e400"},
         {"timeUnixNano":1,"asDouble":-0},
         {"timeUnixNano":1,"asDouble":2.2250738585072014E-308},
         {"timeUnixNano":1,"asDouble":123456789012345678901234567890}
        ]}}]}]}]}
        """#
        let (_, sink) = try decode(json)
        let points = sink.allMetrics.flatMap(\.points)
        try #require(points.count == 10)
        #expect(points[0].timeUnixNano == UInt64.max && points[0].startTimeUnixNano == UInt64.max && points[0].number == .int(Int64.min))
        #expect(points[1].timeUnixNano == 9_007_199_254_740_993 && points[1].number == .int(Int64.max))
        #expect(points[2].timeUnixNano == 1)
        guard case .double(let nan) = points[2].number else { Issue.record("NaN"); return }
        #expect(nan.isNaN)
        #expect(points[3].number == .double(.infinity))
        #expect(points[4].number == .double(-.infinity))
        #expect(points[5].number == .double(-.infinity))
        #expect(points[6].number == .double(.infinity))
        guard case .double(let negZero) = points[7].number else { Issue.record("-0"); return }
        #expect(negZero == 0 && negZero.sign == .minus)
        #expect(points[8].number == .double(2.2250738585072014E-308))
        #expect(points[9].number == .double(123456789012345678901234567890.0))
    }

    @Test func attributeValuesOfEveryKind() throws {
        let json = #"""
        {"resourceMetrics":[{"resource":{"attributes":[
         {"key":"s","value":{"stringValue":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t \u0001"}},
         {"key":"b","value":{"boolValue":false}},
         {"key":"i","value":{"intValue":"-9223372036854775808"}},
         {"key":"d","value":{"doubleValue":"-0"}},
         {"key":"by","value":{"bytesValue":"aGk_-w"}},
         {"key":"by2","value":{"bytesValue":"aGk\/+w=="}},
         {"key":"a","value":{"arrayValue":{"values":[{"intValue":1},{"stringValue":"x\n"},{"doubleValue":"NaN"},{"doubleValue":1e21},{"doubleValue":1e-7},{},{"boolValue":true},{"bytesValue":"aGk="},{"arrayValue":{"values":[]}},{"doubleValue":"-Infinity"},{"doubleValue":0.5}]}}},
         {"key":"kv","value":{"kvlistValue":{"values":[{"value":{"intValue":"2"},"key":"later"},{"key":"n","value":{"kvlistValue":{"values":[{"key":"deep"}]}}},{"key":"later","value":{"stringValue":"wins"}},{"key":"\u00e9","value":{"kvlistValue":{}}}]}}},
         {"key":"","value":{"stringValue":"dropped"}},
         {"key":"e","value":{}},
         {"key":"\u0065\u0073c","value":{"stringValue":"key with escapes"}}
        ]}}]}
        """#
        let (_, sink) = try decode(json)
        let attributes = try #require(sink.committed.first).attributes
        #expect(attributes == [
            attr("s", .string("café 😀 \"q\" \\ / \u{8}\u{C}\n\r\t \u{1}")),
            attr("b", .bool(false)),
            attr("i", .int(Int64.min)),
            attr("d", .double(-0.0)),
            attr("by", .bytes([104, 105, 63, 251])),
            attr("by2", .bytes([104, 105, 63, 251])),
            attr("a", .json(#"[1,"x\n","NaN",1e+21,1e-7,null,true,"aGk=",[],"-Infinity",0.5]"#)),
            attr("kv", .json(#"{"later":"wins","n":{"deep":null},"é":{}}"#)),
            attr("e", .empty),
            attr("esc", .string("key with escapes")),
        ])
    }

    @Test func everyRejectionReasonIsCounted() throws {
        let json = #"""
        {"resourceMetrics":[{"scopeMetrics":[{"metrics":[
         {"name":"","gauge":{"dataPoints":[{"timeUnixNano":"1","asInt":"1"}]}},
         {"name":"t0","sum":{"aggregationTemporality":0,"dataPoints":[{"timeUnixNano":"1","asInt":"1"}]}},
         {"name":"t3","histogram":{"aggregationTemporality":3,"dataPoints":[{"timeUnixNano":"1"}]}},
         {"name":"ts","gauge":{"dataPoints":[{"asInt":"1"},{"timeUnixNano":"1"},{"timeUnixNano":"1","flags":1}]}},
         {"name":"hb","histogram":{"aggregationTemporality":2,"dataPoints":[
           {"timeUnixNano":"1","count":"3","bucketCounts":["1","2"],"explicitBounds":[1,2]},
           {"timeUnixNano":"1","count":"3","bucketCounts":["1","2"],"explicitBounds":["NaN"]},
           {"timeUnixNano":"1","count":"4","bucketCounts":["1","2"],"explicitBounds":[1]},
           {"timeUnixNano":"1","count":"3","bucketCounts":["1","2"],"explicitBounds":[1]}]}},
         {"name":"q","summary":{"dataPoints":[{"timeUnixNano":"1","quantileValues":[{"quantile":1.5,"value":1}]},{"timeUnixNano":"1","quantileValues":[{"quantile":"NaN"}]}]}},
         {"name":"sc","exponentialHistogram":{"aggregationTemporality":2,"dataPoints":[{"timeUnixNano":"1","scale":21},{"timeUnixNano":"1","scale":-10,"count":"1","zeroCount":"1"}]}},
         {"name":"nodata"}
        ]}]}]}
        """#
        let (summary, sink) = try decode(json)
        #expect(summary.rejectedByReason == [.missingMetricName: 1, .invalidTemporality: 2, .missingTimestamp: 1,
                                            .missingValue: 1, .invalidBuckets: 3, .invalidQuantile: 2, .invalidScale: 1])
        #expect(Set(summary.rejectedByReason.keys) == Set(RejectionReason.allCases))
        #expect(summary.rejectedPoints == 11 && summary.acceptedPoints == 3)
        #expect(summary.metrics == 8)
        #expect(summary.firstRejection == "metric with an empty name; its points were dropped")
        // Metrics with an invalid header are not passed on; the others are.
        #expect(sink.allMetrics.map(\.name) == ["ts", "hb", "q", "sc"])
        #expect(sink.pointCount == 3)
    }

    @Test func emptyObjectIsAnEmptyRequestAndEmptyBodyIsAnError() throws {
        let (summary, sink) = try decode(" {} ")
        #expect(summary == DecodeSummary())
        #expect(sink.requests == 1 && sink.aborted == 0 && sink.committed.isEmpty)
        #expect(decodeError("") == OTLPDecodeError("invalid JSON: empty JSON body", offset: 0))
    }

    struct Malformed: CustomTestStringConvertible, Sendable {
        var json: String
        var message: String
        var offset: Int
        var testDescription: String { json.count > 60 ? String(json.prefix(60)) + "…" : json }
    }

    @Test(arguments: [
        Malformed(json: "   ", message: "invalid JSON: unexpected end of input", offset: 3),
        Malformed(json: "{", message: "invalid JSON: unexpected end of input", offset: 1),
        Malformed(json: "[]", message: "invalid JSON: expected an object (ExportMetricsServiceRequest)", offset: 0),
        Malformed(json: "{} {}", message: "invalid JSON: expected end of input", offset: 3),
        Malformed(json: #"{"resourceMetrics":[{"scopeMetrics":[],}]}"#, message: "invalid JSON: trailing comma before '}'", offset: 39),
        Malformed(json: #"{"resourceMetrics":{}}"#, message: #"invalid JSON: expected an array for "resourceMetrics", found object"#, offset: 19),
        Malformed(json: #"{"resourceMetrics":[null]}"#, message: #"invalid JSON: expected an object for "ResourceMetrics", found null"#, offset: 20),
        Malformed(json: #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":1}]}]}]}"#,
                  message: #"invalid JSON: expected a string for "Metric.name", found number"#, offset: 57),
        Malformed(json: #"{"resourceMetrics":[{"resource":{"attributes":[{"key":"a","value":{"intValue":"1.5"}}]}}]}"#,
                  message: #"invalid JSON: expected a signed 64-bit integer for "intValue""#, offset: 78),
        Malformed(json: #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":-1}]}}]}]}]}"#,
                  message: #"invalid JSON: expected an unsigned 64-bit integer for "timeUnixNano""#, offset: 100),
        Malformed(json: #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"18446744073709551616"}]}}]}]}]}"#,
                  message: #"invalid JSON: expected an unsigned 64-bit integer for "timeUnixNano""#, offset: 100),
        Malformed(json: #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"flags":4294967296}]}}]}]}]}"#,
                  message: #"invalid JSON: expected an unsigned 32-bit integer for "flags""#, offset: 93),
        Malformed(json: #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","sum":{"aggregationTemporality":"CUMULATIVE"}}]}]}]}"#,
                  message: "invalid JSON: unknown aggregationTemporality value", offset: 93),
        Malformed(json: #"{"resourceMetrics":[{"resource":{"attributes":[{"key":"a","value":{"bytesValue":"a=b="}}]}}]}"#,
                  message: #"invalid JSON: expected base64 for "bytesValue""#, offset: 80),
        Malformed(json: #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"exemplars":[{"traceId":"xyz0"}]}]}}]}]}]}"#,
                  message: #"invalid JSON: expected a hex string for "traceId""#, offset: 109),
        Malformed(json: #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"asDouble":"fast"}]}}]}]}]}"#,
                  message: #"invalid JSON: expected a double (number, numeric string, "NaN", "Infinity" or "-Infinity") for "asDouble""#, offset: 96),
        Malformed(json: #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"1",}]}}]}]}]}"#,
                  message: "invalid JSON: trailing comma before '}'", offset: 104),
        Malformed(json: #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"1"}]}}]}]}"#,
                  message: "invalid JSON: unexpected end of input (unclosed object or array)", offset: 111),
        Malformed(json: #"{"unknown":[1,2,{"x":01}],"resourceMetrics":[]}"#,
                  message: "invalid JSON: leading zeros are not allowed in numbers", offset: 22),
        Malformed(json: #"{"resourceMetrics":[],"resourceMetrics":[{"x":[1,]}]}"#,
                  message: "invalid JSON: trailing comma before ']'", offset: 49),
        Malformed(json: #"{"resourceMetrics":[{"scopeMetrics":[{"x":tru}],"scopeMetrics":[]}]}"#,
                  message: "invalid JSON: invalid literal", offset: 42),
    ])
    func malformedDocumentsNameTheOffset(_ m: Malformed) {
        let e = decodeError(m.json)
        #expect(e == OTLPDecodeError(m.message, offset: m.offset))
    }

    @Test func invalidUTF8IsAnError() {
        var bytes = Array(#"{"resourceMetrics":[{"resource":{"attributes":[{"key":"a","value":{"stringValue":"ok?"}}]}}]}"#.utf8)
        let i = bytes.firstIndex(of: UInt8(ascii: "?"))!
        bytes[i] = 0xFF
        #expect(decodeError(bytes: bytes) == OTLPDecodeError("invalid JSON: invalid UTF-8 in string", offset: i))
    }

    @Test func anyValueNestingIsLimited() throws {
        func nested(_ depth: Int) -> String {
            var v = #"{"intValue":1}"#
            for i in 0..<depth { v = i % 2 == 0 ? #"{"arrayValue":{"values":["# + v + "]}}" : #"{"kvlistValue":{"values":[{"key":"k","value":"# + v + "}]}}" }
            return #"{"resourceMetrics":[{"resource":{"attributes":[{"key":"a","value":"# + v + "}]}}]}"
        }
        var limits = OTLPDecodeLimits()
        limits.maxAnyValueDepth = 5
        let (_, sink) = try decode(nested(5), limits: limits)
        #expect(sink.committed.first?.attributes.first?.value == .json(#"[{"k":[{"k":[1]}]}]"#))
        #expect(decodeError(nested(6), limits: limits)?.message == "invalid JSON: AnyValue nested deeper than 5 arrays/kvlists")
        // The default limit (32) fits in the JSON nesting the decoder allows.
        _ = try decode(nested(32))
        #expect(decodeError(nested(33))?.message == "invalid JSON: AnyValue nested deeper than 32 arrays/kvlists")
        // Plain JSON nesting beyond the tokenizer's limit is an error too.
        let deep = #"{"x":"# + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}"
        #expect(decodeError(deep)?.message == "invalid JSON: nesting too deep")
    }

    @Test func largeEscapedStringsStayValidWhileTheArenaGrows() throws {
        // Many escaped values, together larger than an arena chunk, in one attribute list.
        var attributes: [String] = []
        var expected: [RecordingSink.OwnedAttribute] = []
        for i in 0..<40 {
            let body = String(repeating: "ab\\u00e9", count: 1000 + i)
            attributes.append(#"{"key":"k\#(i)\u0021","value":{"stringValue":"\#(body)"}}"#)
            expected.append(attr("k\(i)!", .string(String(repeating: "abé", count: 1000 + i))))
        }
        let json = #"{"resourceMetrics":[{"resource":{"attributes":["# + attributes.joined(separator: ",") + "]}}]}"
        let decoder = OTLPJSONDecoder()
        for _ in 0..<2 {
            let (_, sink) = try decode(json, decoder: decoder)
            #expect(sink.committed.first?.attributes == expected)
        }
    }

    @Test func reusedDecoderGivesTheSameResults() throws {
        let decoder = OTLPJSONDecoder()
        let (s1, a) = try decode(example, decoder: decoder)
        _ = decodeError("{\"resourceMetrics\":[{]}")
        let (s2, b) = try decode(example, decoder: decoder)
        #expect(s1 == s2 && a.committed == b.committed)
    }

    /// metrics_medium.json and metrics_medium.pb are the same request (fixtures README): both
    /// decoders must hand the sink exactly the same content.
    @Test func mediumFixtureMatchesTheProtobufDecoding() throws {
        let json = try Fixture.httpServer("metrics_medium.json")
        let pb = try Fixture.httpServer("metrics_medium.pb")
        let (jsonSummary, jsonSink) = try decode(bytes: json)
        let pbSink = RecordingSink()
        let pbSummary = try pb.withUnsafeBytes { buf in
            try OTLPProtobufDecoder().decode(buf, context: RequestContext(encoding: .protobuf), into: pbSink)
        }
        #expect(jsonSummary == pbSummary)
        #expect(jsonSummary.acceptedPoints == 1000 && jsonSummary.rejectedPoints == 0)
        #expect(jsonSink.pointCount == 1000)
        #expect(jsonSink.committed == pbSink.committed)
    }
}
