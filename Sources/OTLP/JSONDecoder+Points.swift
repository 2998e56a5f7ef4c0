import Wire

extension OTLPJSONDecoder {
    // message NumberDataPoint {
    //   repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
    //   oneof value { double as_double = 4; sfixed64 as_int = 6; }
    //   repeated Exemplar exemplars = 5; uint32 flags = 8; }
    func decodeNumberPoint(_ t: inout JSONTokenizer, _ metric: MetricView, _ metricRejection: RejectionReason?,
                           _ sink: MetricsSink) throws(JSONError) {
        try beginObject(&t, "NumberDataPoint")
        let mark = arena.mark
        defer { arena.rewind(to: mark) }
        attributes.count = 0
        var start: UInt64 = 0, time: UInt64 = 0, flags: UInt32 = 0, exemplars = 0
        var value = NumberValue.none
        var first = true
        while let k = try t.nextKey(&first) {
            if try t.skipNull() { continue }
            switch key(k) {
            case .attributes: attributes.count = 0; try keyValues(&t, "NumberDataPoint.attributes")
            case .startTimeUnixNano: start = try u64(&t, "startTimeUnixNano")
            case .timeUnixNano: time = try u64(&t, "timeUnixNano")
            case .asDouble: value = .double(try double(&t, "asDouble"))
            case .asInt: value = .int(try i64(&t, "asInt"))
            case .exemplars: exemplars = try exemplarList(&t)
            case .flags: flags = try u32(&t, "flags")
            default: try t.skipValue()
            }
        }
        let point = NumberPointView(
            common: PointCommon(attributes: attributes.buffer, startTimeUnixNano: start, timeUnixNano: time,
                                flags: DataPointFlags(rawValue: flags), exemplarCount: exemplars),
            value: value)
        summary.deliver(point, metricRejection: metricRejection, metric: metric, to: sink)
    }

    // message HistogramDataPoint {
    //   repeated KeyValue attributes = 9; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
    //   fixed64 count = 4; optional double sum = 5; repeated fixed64 bucket_counts = 6;
    //   repeated double explicit_bounds = 7; repeated Exemplar exemplars = 8; uint32 flags = 10;
    //   optional double min = 11; optional double max = 12; }
    func decodeHistogramPoint(_ t: inout JSONTokenizer, _ metric: MetricView, _ metricRejection: RejectionReason?,
                              _ sink: MetricsSink) throws(JSONError) {
        try beginObject(&t, "HistogramDataPoint")
        let mark = arena.mark
        defer { arena.rewind(to: mark) }
        attributes.count = 0
        bucketCounts.count = 0
        bounds.count = 0
        var start: UInt64 = 0, time: UInt64 = 0, count: UInt64 = 0, flags: UInt32 = 0, exemplars = 0
        var sum: Double? = nil, min: Double? = nil, max: Double? = nil
        var first = true
        while let k = try t.nextKey(&first) {
            if try t.skipNull() { continue }
            switch key(k) {
            case .attributes: attributes.count = 0; try keyValues(&t, "HistogramDataPoint.attributes")
            case .startTimeUnixNano: start = try u64(&t, "startTimeUnixNano")
            case .timeUnixNano: time = try u64(&t, "timeUnixNano")
            case .count: count = try u64(&t, "count")
            case .sum: sum = try double(&t, "sum")
            case .bucketCounts: bucketCounts.count = 0; try u64List(&t, into: &bucketCounts, "bucketCounts")
            case .explicitBounds: bounds.count = 0; try doubleList(&t, into: &bounds, "explicitBounds")
            case .exemplars: exemplars = try exemplarList(&t)
            case .flags: flags = try u32(&t, "flags")
            case .min: min = try double(&t, "min")
            case .max: max = try double(&t, "max")
            default: try t.skipValue()
            }
        }
        let point = HistogramPointView(
            common: PointCommon(attributes: attributes.buffer, startTimeUnixNano: start, timeUnixNano: time,
                                flags: DataPointFlags(rawValue: flags), exemplarCount: exemplars),
            count: count, sum: sum, min: min, max: max,
            bucketCounts: bucketCounts.buffer, explicitBounds: bounds.buffer)
        summary.deliver(point, metricRejection: metricRejection, metric: metric, to: sink)
    }

    // message ExponentialHistogramDataPoint {
    //   repeated KeyValue attributes = 1; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
    //   fixed64 count = 4; optional double sum = 5; sint32 scale = 6; fixed64 zero_count = 7;
    //   Buckets positive = 8; Buckets negative = 9; uint32 flags = 10; repeated Exemplar exemplars = 11;
    //   optional double min = 12; optional double max = 13; double zero_threshold = 14; }
    func decodeExponentialHistogramPoint(_ t: inout JSONTokenizer, _ metric: MetricView, _ metricRejection: RejectionReason?,
                                         _ sink: MetricsSink) throws(JSONError) {
        try beginObject(&t, "ExponentialHistogramDataPoint")
        let mark = arena.mark
        defer { arena.rewind(to: mark) }
        attributes.count = 0
        bucketCounts.count = 0
        negativeCounts.count = 0
        var start: UInt64 = 0, time: UInt64 = 0, count: UInt64 = 0, zeroCount: UInt64 = 0
        var flags: UInt32 = 0, exemplars = 0, scale: Int32 = 0, zeroThreshold = 0.0
        var positiveOffset: Int32 = 0, negativeOffset: Int32 = 0
        var sum: Double? = nil, min: Double? = nil, max: Double? = nil
        var first = true
        while let k = try t.nextKey(&first) {
            if try t.skipNull() { continue }
            switch key(k) {
            case .attributes: attributes.count = 0; try keyValues(&t, "ExponentialHistogramDataPoint.attributes")
            case .startTimeUnixNano: start = try u64(&t, "startTimeUnixNano")
            case .timeUnixNano: time = try u64(&t, "timeUnixNano")
            case .count: count = try u64(&t, "count")
            case .sum: sum = try double(&t, "sum")
            case .scale: scale = try i32(&t, "scale")
            case .zeroCount: zeroCount = try u64(&t, "zeroCount")
            case .positive: bucketCounts.count = 0; positiveOffset = try buckets(&t, into: &bucketCounts, "positive")
            case .negative: negativeCounts.count = 0; negativeOffset = try buckets(&t, into: &negativeCounts, "negative")
            case .flags: flags = try u32(&t, "flags")
            case .exemplars: exemplars = try exemplarList(&t)
            case .min: min = try double(&t, "min")
            case .max: max = try double(&t, "max")
            case .zeroThreshold: zeroThreshold = try double(&t, "zeroThreshold")
            default: try t.skipValue()
            }
        }
        let point = ExponentialHistogramPointView(
            common: PointCommon(attributes: attributes.buffer, startTimeUnixNano: start, timeUnixNano: time,
                                flags: DataPointFlags(rawValue: flags), exemplarCount: exemplars),
            count: count, sum: sum, min: min, max: max, scale: scale, zeroCount: zeroCount, zeroThreshold: zeroThreshold,
            positive: ExponentialBuckets(offset: positiveOffset, counts: bucketCounts.buffer),
            negative: ExponentialBuckets(offset: negativeOffset, counts: negativeCounts.buffer))
        summary.deliver(point, metricRejection: metricRejection, metric: metric, to: sink)
    }

    // message ExponentialHistogramDataPoint.Buckets { sint32 offset = 1; repeated uint64 bucket_counts = 2; }
    /// Reads a Buckets object (counts appended to `counts`, which the caller emptied); returns the offset.
    func buckets(_ t: inout JSONTokenizer, into counts: inout ScratchBuffer<UInt64>, _ field: StaticString) throws(JSONError) -> Int32 {
        try beginObject(&t, field)
        var offset: Int32 = 0
        var first = true
        while let k = try t.nextKey(&first) {
            if try t.skipNull() { continue }
            switch key(k) {
            case .offset: offset = try i32(&t, "offset")
            case .bucketCounts: counts.count = 0; try u64List(&t, into: &counts, "bucketCounts")
            default: try t.skipValue()
            }
        }
        return offset
    }

    // message SummaryDataPoint {
    //   repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
    //   fixed64 count = 4; double sum = 5; repeated ValueAtQuantile quantile_values = 6; uint32 flags = 8; }
    // message ValueAtQuantile { double quantile = 1; double value = 2; }
    func decodeSummaryPoint(_ t: inout JSONTokenizer, _ metric: MetricView, _ metricRejection: RejectionReason?,
                            _ sink: MetricsSink) throws(JSONError) {
        try beginObject(&t, "SummaryDataPoint")
        let mark = arena.mark
        defer { arena.rewind(to: mark) }
        attributes.count = 0
        quantiles.count = 0
        var start: UInt64 = 0, time: UInt64 = 0, count: UInt64 = 0, flags: UInt32 = 0, sum = 0.0
        var first = true
        while let k = try t.nextKey(&first) {
            if try t.skipNull() { continue }
            switch key(k) {
            case .attributes: attributes.count = 0; try keyValues(&t, "SummaryDataPoint.attributes")
            case .startTimeUnixNano: start = try u64(&t, "startTimeUnixNano")
            case .timeUnixNano: time = try u64(&t, "timeUnixNano")
            case .count: count = try u64(&t, "count")
            case .sum: sum = try double(&t, "sum")
            case .quantileValues:
                quantiles.count = 0
                try beginArray(&t, "quantileValues")
                var f = true
                while try t.nextElement(&f) {
                    try beginObject(&t, "ValueAtQuantile")
                    var quantile = 0.0, value = 0.0
                    var qf = true
                    while let qk = try t.nextKey(&qf) {
                        if try t.skipNull() { continue }
                        switch key(qk) {
                        case .quantile: quantile = try double(&t, "quantile")
                        case .value: value = try double(&t, "value")
                        default: try t.skipValue()
                        }
                    }
                    quantiles.append(QuantileValue(quantile: quantile, value: value))
                }
            case .flags: flags = try u32(&t, "flags")
            default: try t.skipValue()
            }
        }
        let point = SummaryPointView(
            common: PointCommon(attributes: attributes.buffer, startTimeUnixNano: start, timeUnixNano: time,
                                flags: DataPointFlags(rawValue: flags), exemplarCount: 0),
            count: count, sum: sum, quantiles: quantiles.buffer)
        summary.deliver(point, metricRejection: metricRejection, metric: metric, to: sink)
    }

    // message Exemplar {
    //   repeated KeyValue filtered_attributes = 7; fixed64 time_unix_nano = 2;
    //   oneof value { double as_double = 3; sfixed64 as_int = 6; } bytes span_id = 4; bytes trace_id = 5; }
    /// Validates a list of exemplars (attributes decoded then discarded, ids must be hex) and
    /// returns how many carry a value.
    func exemplarList(_ t: inout JSONTokenizer) throws(JSONError) -> Int {
        let attributeMark = attributes.count
        defer { attributes.count = attributeMark }
        try beginArray(&t, "exemplars")
        var n = 0
        var f = true
        while try t.nextElement(&f) {
            try beginObject(&t, "Exemplar")
            var hasValue = false
            var first = true
            while let k = try t.nextKey(&first) {
                if try t.skipNull() { continue }
                switch key(k) {
                case .filteredAttributes: try keyValues(&t, "Exemplar.filteredAttributes")
                case .timeUnixNano: _ = try u64(&t, "timeUnixNano")
                case .asDouble: _ = try double(&t, "asDouble"); hasValue = true
                case .asInt: _ = try i64(&t, "asInt"); hasValue = true
                case .spanId: try hexID(&t, "spanId")
                case .traceId: try hexID(&t, "traceId")
                default: try t.skipValue()
                }
            }
            if hasValue { n += 1 }
        }
        return n
    }
}
