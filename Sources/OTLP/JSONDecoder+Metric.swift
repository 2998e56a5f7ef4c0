import Wire

extension OTLPJSONDecoder {
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
    /// A metric without a data member is counted and skipped; one with an invalid header is not
    /// passed to the sink and all its points are counted as rejected (after being validated).
    func decodeMetric(_ t: inout JSONTokenizer, _ sink: MetricsSink) throws(JSONError) {
        try beginObject(&t, "Metric")
        summary.metrics += 1
        let mark = arena.mark
        defer { arena.rewind(to: mark) }
        let inside = t.depth
        var name = ByteView.empty, description = ByteView.empty, unit = ByteView.empty
        var data = JSONDeferred()
        var kind = MetricKind.gauge
        var first = true
        while let k = try t.nextKey(&first) {
            if try t.skipNull() { continue }
            switch key(k) {
            case .name: name = try string(&t, "Metric.name")
            case .description: description = try string(&t, "Metric.description")
            case .unit: unit = try string(&t, "Metric.unit")
            case .gauge: kind = .gauge; try deferValue(&data, &t, inside)
            case .sum: kind = .sum; try deferValue(&data, &t, inside)
            case .histogram: kind = .histogram; try deferValue(&data, &t, inside)
            case .exponentialHistogram: kind = .exponentialHistogram; try deferValue(&data, &t, inside)
            case .summary: kind = .summary; try deferValue(&data, &t, inside)
            default: try t.skipValue()
            }
        }
        guard data.isSet else { return }   // no data member: no points, nothing to reject
        let end = t.position

        // The data message: header members first, points later.
        t.position = .init(offset: data.start, depth: inside)
        try beginObject(&t, "Metric data")
        let dataInside = t.depth
        var points = JSONDeferred()
        var temporality = Temporality.unspecified
        var monotonic = false
        first = true
        while let k = try t.nextKey(&first) {
            if try t.skipNull() { continue }
            switch key(k) {
            case .dataPoints: try deferValue(&points, &t, dataInside)
            case .aggregationTemporality where kind == .sum || kind == .histogram || kind == .exponentialHistogram:
                temporality = try self.temporality(&t)
            case .isMonotonic where kind == .sum: monotonic = try bool(&t, "isMonotonic")
            default: try t.skipValue()
            }
        }
        try data.checkEnd(t)

        let metric = MetricView(name: name, description: description, unit: unit, kind: kind,
                                temporality: temporality, isMonotonic: monotonic)
        let metricRejection = OTLPValidation.check(metric: metric)
        if metricRejection == nil { sink.metric(metric) }

        if points.isSet {
            t.position = .init(offset: points.start, depth: dataInside)
            try beginArray(&t, "dataPoints")
            var f = true
            while try t.nextElement(&f) {
                switch kind {
                case .gauge, .sum: try decodeNumberPoint(&t, metric, metricRejection, sink)
                case .histogram: try decodeHistogramPoint(&t, metric, metricRejection, sink)
                case .exponentialHistogram: try decodeExponentialHistogramPoint(&t, metric, metricRejection, sink)
                case .summary: try decodeSummaryPoint(&t, metric, metricRejection, sink)
                }
            }
            try points.checkEnd(t)
        }
        t.position = end
    }

    /// `AggregationTemporality`: an integer (number or string) or an enum name. Unknown numbers
    /// become `.unspecified` (the metric's points are then rejected); unknown names are errors.
    func temporality(_ t: inout JSONTokenizer) throws(JSONError) -> Temporality {
        if t.peekNonWhitespace() == UInt8(ascii: "\"") {
            let s = try t.readString()
            if s.rawEquals("AGGREGATION_TEMPORALITY_CUMULATIVE") { return .cumulative }
            if s.rawEquals("AGGREGATION_TEMPORALITY_DELTA") { return .delta }
            if s.rawEquals("AGGREGATION_TEMPORALITY_UNSPECIFIED") { return .unspecified }
            if !s.hasEscapes, let v = JSONNumberParsing.int64(s.raw) {
                return v == 1 ? .delta : v == 2 ? .cumulative : .unspecified
            }
            throw JSONError("unknown aggregationTemporality value", offset: s.offset)
        }
        let v = try i64(&t, "aggregationTemporality")
        return v == 1 ? .delta : v == 2 ? .cumulative : .unspecified
    }
}
