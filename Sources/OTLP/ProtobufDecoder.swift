import Wire

/// Decodes a binary protobuf `ExportMetricsServiceRequest` by walking the wire bytes and pushing
/// borrowed views to a `MetricsSink` — no object tree, no allocation per point.
///
/// Order: `beginRequest`, then per ResourceMetrics `resource` (always, with empty attributes if
/// the resource is absent), per ScopeMetrics `scope`, per Metric `metric` followed by its valid
/// points, then `endRequest(committed: true)`. Fields may arrive in any order on the wire: each
/// message's header fields (resource, scope, name, temporality…) are found by a first scan over
/// its records before its children are walked. On any error `endRequest(committed: false)` is
/// called and `OTLPDecodeError` is thrown; the sink must discard the request.
///
/// Lifetimes: strings/bytes in the views point into `payload` (valid until `decode` returns);
/// attribute arrays, bucket counts, bounds, quantiles and rendered JSON point into the decoder's
/// scratch, valid only during the sink call that received them.
///
/// Wire rules (see docs/otlp-metrics-wire.md):
/// - unknown fields of every wire type are skipped; groups (3/4) and wire types 6/7 are errors;
/// - a known field with the wrong wire type is an error (Collector behaviour, not protobuf's
///   "treat as unknown"), naming the field;
/// - packed and unpacked repeated numeric fields are both accepted and concatenated;
/// - singular fields: last wins; `resource`, `scope`, `Buckets` occurrences merge; the
///   `Metric.data` and `AnyValue.value` oneofs: last member wins, consecutive occurrences of the
///   winning member merge. Exception: several `KeyValue.value` records — the last one wins
///   (every one is still validated);
/// - every `string` field must be valid UTF-8 (like Go's protobuf); otherwise an error names it;
/// - `Metric.metadata` and `Resource.entity_refs` are skipped without looking inside;
///   ResourceMetrics field 1000 (legacy `instrumentation_library_metrics`) is skipped;
/// - attributes with an empty key are dropped (their value is still validated): sinks only see
///   non-empty keys;
/// - `arrayValue`/`kvlistValue` attributes become compact JSON (`["a",1,true,{"k":"v"}]`), as the
///   OTel spec ("AnyValue representation for non-OTLP protocols") and the Collector render them:
///   kvlist keys sorted bytewise with duplicates resolved last-wins, strings escaped minimally
///   (`\"`, `\\`, control characters; non-ASCII kept as UTF-8), doubles in ECMAScript form
///   (`1e-7`, `1e+21`, `0.5`), NaN/±Inf as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`,
///   bytes as base64 strings, an unset value as `null`. Nesting deeper than
///   `limits.maxAnyValueDepth` containers is an error;
/// - exemplars are validated as messages and counted (`exemplarCount`); their content is not
///   passed on.
///
/// Validation (`OTLPValidation`) runs per point; rejected points are counted in the returned
/// `DecodeSummary` and not passed to the sink. A metric whose header is invalid (empty name,
/// unspecified or unknown temporality) is not passed to the sink and all its points are counted
/// as rejected; a metric without a data member is skipped silently.
///
/// Not thread-safe: use one decoder per event loop. `decode` must not be re-entered from a sink.
/// Scratch memory is kept between requests (trimmed after unusually large ones).
public final class OTLPProtobufDecoder {
    public let limits: OTLPDecodeLimits

    var attributes = ScratchBuffer<Attribute>(capacity: 64)
    var jsonFixups = ScratchBuffer<ProtoJSONFixup>(capacity: 16)
    var arena = ScratchBuffer<UInt8>(capacity: 1024)
    var bucketCounts = ScratchBuffer<UInt64>(capacity: 64)
    var negativeCounts = ScratchBuffer<UInt64>(capacity: 64)
    var bounds = ScratchBuffer<Double>(capacity: 64)
    var quantiles = ScratchBuffer<QuantileValue>(capacity: 16)
    /// Entries of the kvlists being rendered (a stack: nested kvlists push above their parent's).
    var kvEntries = ScratchBuffer<ProtoKVEntry>(capacity: 16)
    var summary = DecodeSummary()
    /// The sink's cache of raw point attribute lists, during `decode`.
    var attributeCache: RawAttributeCache? = nil

    public init(limits: OTLPDecodeLimits = .default) {
        self.limits = limits
    }

    deinit {
        attributes.free(); jsonFixups.free(); arena.free(); bucketCounts.free()
        negativeCounts.free(); bounds.free(); quantiles.free(); kvEntries.free()
    }

    /// Decodes one request body (already decompressed) into `sink`.
    ///
    /// - Returns: counts of what was found and of rejected points (→ `partial_success`).
    /// - Throws: `OTLPDecodeError` for malformed input (→ 400), after `endRequest(committed: false)`.
    /// Cost: O(payload bytes); no allocation in steady state except for the first rejection message.
    public func decode(_ payload: UnsafeRawBufferPointer, context: RequestContext,
                       into sink: MetricsSink) throws(OTLPDecodeError) -> DecodeSummary {
        summary = DecodeSummary()
        attributeCache = sink.rawAttributeCache
        defer { attributeCache = nil }
        sink.beginRequest(context)
        do {
            try decodeRequest(ProtobufReader(payload), sink)
        } catch {
            sink.endRequest(committed: false)
            trimScratch()
            throw error
        }
        sink.endRequest(committed: true)
        trimScratch()
        return summary
    }

    func trimScratch() {
        attributes.shrink(ifAbove: 1 << 16, to: 64)
        jsonFixups.shrink(ifAbove: 1 << 16, to: 16)
        arena.shrink(ifAbove: 1 << 20, to: 1024)
        bucketCounts.shrink(ifAbove: 1 << 16, to: 64)
        negativeCounts.shrink(ifAbove: 1 << 16, to: 64)
        bounds.shrink(ifAbove: 1 << 16, to: 64)
        quantiles.shrink(ifAbove: 1 << 16, to: 16)
        kvEntries.shrink(ifAbove: 1 << 16, to: 16)
    }

    // message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
    func decodeRequest(_ request: ProtobufReader, _ sink: MetricsSink) throws(OTLPDecodeError) {
        var r = request
        while !r.isAtEnd {
            let k = try r.key("ExportMetricsServiceRequest")
            if k.fieldNumber == 1 {
                try decodeResourceMetrics(r.message(k, "ExportMetricsServiceRequest.resource_metrics"), sink)
            } else {
                try r.skip(k, "ExportMetricsServiceRequest")
            }
        }
    }

    // message ResourceMetrics {
    //   Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; string schema_url = 3; }
    func decodeResourceMetrics(_ message: ProtobufReader, _ sink: MetricsSink) throws(OTLPDecodeError) {
        summary.resources += 1
        beginAttributes()
        var dropped: UInt32 = 0
        var schemaURL = ByteView.empty
        var r = message
        while !r.isAtEnd {
            let k = try r.key("ResourceMetrics")
            switch k.fieldNumber {
            case 1: try decodeResource(r.message(k, "ResourceMetrics.resource"), dropped: &dropped)
            case 2: _ = try r.message(k, "ResourceMetrics.scope_metrics")
            case 3: schemaURL = try r.string(k, "ResourceMetrics.schema_url")
            default: try r.skip(k, "ResourceMetrics")
            }
        }
        sink.resource(ResourceView(attributes: finishAttributes(), droppedAttributesCount: dropped, schemaURL: schemaURL))

        r = message
        while !r.isAtEnd {
            let k = try r.key("ResourceMetrics")
            if k.fieldNumber == 2 {
                try decodeScopeMetrics(r.message(k, "ResourceMetrics.scope_metrics"), sink)
            } else {
                try r.skip(k, "ResourceMetrics")
            }
        }
    }

    // message Resource {
    //   repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2;
    //   repeated EntityRef entity_refs = 3; }          // entity_refs: skipped
    func decodeResource(_ message: ProtobufReader, dropped: inout UInt32) throws(OTLPDecodeError) {
        var r = message
        while !r.isAtEnd {
            let k = try r.key("Resource")
            switch k.fieldNumber {
            case 1: try decodeAttribute(r.message(k, "Resource.attributes"))
            case 2: dropped = UInt32(truncatingIfNeeded: try r.varint(k, "Resource.dropped_attributes_count"))
            default: try r.skip(k, "Resource")
            }
        }
    }

    // message ScopeMetrics {
    //   InstrumentationScope scope = 1; repeated Metric metrics = 2; string schema_url = 3; }
    func decodeScopeMetrics(_ message: ProtobufReader, _ sink: MetricsSink) throws(OTLPDecodeError) {
        summary.scopes += 1
        beginAttributes()
        var name = ByteView.empty, version = ByteView.empty, schemaURL = ByteView.empty
        var dropped: UInt32 = 0
        var r = message
        while !r.isAtEnd {
            let k = try r.key("ScopeMetrics")
            switch k.fieldNumber {
            case 1: try decodeScope(r.message(k, "ScopeMetrics.scope"), name: &name, version: &version, dropped: &dropped)
            case 2: _ = try r.message(k, "ScopeMetrics.metrics")
            case 3: schemaURL = try r.string(k, "ScopeMetrics.schema_url")
            default: try r.skip(k, "ScopeMetrics")
            }
        }
        sink.scope(ScopeView(name: name, version: version, attributes: finishAttributes(),
                             droppedAttributesCount: dropped, schemaURL: schemaURL))

        r = message
        while !r.isAtEnd {
            let k = try r.key("ScopeMetrics")
            if k.fieldNumber == 2 {
                try decodeMetric(r.message(k, "ScopeMetrics.metrics"), sink)
            } else {
                try r.skip(k, "ScopeMetrics")
            }
        }
    }

    // message InstrumentationScope {
    //   string name = 1; string version = 2; repeated KeyValue attributes = 3;
    //   uint32 dropped_attributes_count = 4; }
    func decodeScope(_ message: ProtobufReader, name: inout ByteView, version: inout ByteView,
                     dropped: inout UInt32) throws(OTLPDecodeError) {
        var r = message
        while !r.isAtEnd {
            let k = try r.key("InstrumentationScope")
            switch k.fieldNumber {
            case 1: name = try r.string(k, "InstrumentationScope.name")
            case 2: version = try r.string(k, "InstrumentationScope.version")
            case 3: try decodeAttribute(r.message(k, "InstrumentationScope.attributes"))
            case 4: dropped = UInt32(truncatingIfNeeded: try r.varint(k, "InstrumentationScope.dropped_attributes_count"))
            default: try r.skip(k, "InstrumentationScope")
            }
        }
    }

    // message Metric {
    //   string name = 1; string description = 2; string unit = 3;
    //   oneof data { Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9;
    //                ExponentialHistogram exponential_histogram = 10; Summary summary = 11; }
    //   repeated KeyValue metadata = 12; }                 // metadata: skipped
    // message Gauge { repeated NumberDataPoint data_points = 1; }
    // message Sum { repeated NumberDataPoint data_points = 1;
    //               AggregationTemporality aggregation_temporality = 2; bool is_monotonic = 3; }
    // message Histogram { repeated HistogramDataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2; }
    // message ExponentialHistogram { repeated ExponentialHistogramDataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2; }
    // message Summary { repeated SummaryDataPoint data_points = 1; }
    func decodeMetric(_ message: ProtobufReader, _ sink: MetricsSink) throws(OTLPDecodeError) {
        summary.metrics += 1
        var name = ByteView.empty, description = ByteView.empty, unit = ByteView.empty
        // The oneof winner: the last data member seen, and where its final run of records starts
        // (consecutive records of the same member merge; another member in between clears them).
        var dataField: UInt32 = 0
        var run = message
        var r = message
        while !r.isAtEnd {
            let before = r
            let k = try r.key("Metric")
            switch k.fieldNumber {
            case 1: name = try r.string(k, "Metric.name")
            case 2: description = try r.string(k, "Metric.description")
            case 3: unit = try r.string(k, "Metric.unit")
            case 5, 7, 9, 10, 11:
                _ = try r.message(k, Self.dataFieldName(k.fieldNumber))
                if k.fieldNumber != dataField {
                    dataField = k.fieldNumber
                    run = before
                }
            default: try r.skip(k, "Metric")
            }
        }
        let kind: MetricKind
        switch dataField {
        case 5: kind = .gauge
        case 7: kind = .sum
        case 9: kind = .histogram
        case 10: kind = .exponentialHistogram
        case 11: kind = .summary
        default: return        // no data member: no points, nothing to reject
        }

        // Header fields of the data message(s): temporality and monotonicity (last wins).
        var temporality = Temporality.unspecified
        var monotonic = false
        if kind == .sum || kind == .histogram || kind == .exponentialHistogram {
            r = run
            while !r.isAtEnd {
                let k = try r.key("Metric")
                guard k.fieldNumber == dataField else {
                    try r.skip(k, "Metric")
                    continue
                }
                var d = try r.message(k, Self.dataFieldName(dataField))
                while !d.isAtEnd {
                    let dk = try d.key(Self.dataMessageName(kind))
                    switch dk.fieldNumber {
                    case 2:
                        let raw = Int32(truncatingIfNeeded: try d.varint(dk, Self.temporalityFieldName(kind)))
                        temporality = raw == 1 ? .delta : raw == 2 ? .cumulative : .unspecified
                    case 3 where kind == .sum:
                        monotonic = try d.varint(dk, "Sum.is_monotonic") != 0
                    case 1: _ = try d.message(dk, Self.dataPointsFieldName(kind))
                    default: try d.skip(dk, Self.dataMessageName(kind))
                    }
                }
            }
        }

        let metric = MetricView(name: name, description: description, unit: unit, kind: kind,
                                temporality: temporality, isMonotonic: monotonic)
        let metricRejection = OTLPValidation.check(metric: metric)
        if metricRejection == nil { sink.metric(metric) }

        // The points of every record in the winning run (after `run` no other member occurs).
        r = run
        while !r.isAtEnd {
            let k = try r.key("Metric")
            guard k.fieldNumber == dataField else {
                try r.skip(k, "Metric")
                continue
            }
            var d = try r.message(k, Self.dataFieldName(dataField))
            while !d.isAtEnd {
                let dk = try d.key(Self.dataMessageName(kind))
                guard dk.fieldNumber == 1 else {
                    try d.skip(dk, Self.dataMessageName(kind))
                    continue
                }
                let point = try d.message(dk, Self.dataPointsFieldName(kind))
                switch kind {
                case .gauge, .sum: try decodeNumberPoint(point, metric, metricRejection, sink)
                case .histogram: try decodeHistogramPoint(point, metric, metricRejection, sink)
                case .exponentialHistogram: try decodeExponentialHistogramPoint(point, metric, metricRejection, sink)
                case .summary: try decodeSummaryPoint(point, metric, metricRejection, sink)
                }
            }
        }
    }

    static func dataFieldName(_ field: UInt32) -> StaticString {
        switch field {
        case 5: "Metric.gauge"
        case 7: "Metric.sum"
        case 9: "Metric.histogram"
        case 10: "Metric.exponential_histogram"
        default: "Metric.summary"
        }
    }

    static func dataMessageName(_ kind: MetricKind) -> StaticString {
        switch kind {
        case .gauge: "Gauge"
        case .sum: "Sum"
        case .histogram: "Histogram"
        case .exponentialHistogram: "ExponentialHistogram"
        case .summary: "Summary"
        }
    }

    static func dataPointsFieldName(_ kind: MetricKind) -> StaticString {
        switch kind {
        case .gauge: "Gauge.data_points"
        case .sum: "Sum.data_points"
        case .histogram: "Histogram.data_points"
        case .exponentialHistogram: "ExponentialHistogram.data_points"
        case .summary: "Summary.data_points"
        }
    }

    static func temporalityFieldName(_ kind: MetricKind) -> StaticString {
        switch kind {
        case .histogram: "Histogram.aggregation_temporality"
        case .exponentialHistogram: "ExponentialHistogram.aggregation_temporality"
        default: "Sum.aggregation_temporality"
        }
    }
}
