import Wire

extension OTLPProtobufDecoder {
    // message NumberDataPoint {
    //   repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
    //   oneof value { double as_double = 4; sfixed64 as_int = 6; }
    //   repeated Exemplar exemplars = 5; uint32 flags = 8; }
    func decodeNumberPoint(_ message: ProtobufReader, _ metric: MetricView, _ metricRejection: RejectionReason?,
                           _ sink: MetricsSink) throws(OTLPDecodeError) {
        beginAttributes()
        var start: UInt64 = 0, time: UInt64 = 0, flags: UInt32 = 0, exemplars = 0
        var value = NumberValue.none
        var r = message
        var run = PointAttributeRun()
        while !r.isAtEnd {
            let at = r.position
            let k = try r.key("NumberDataPoint")
            switch k.fieldNumber {
            case 7: try pointAttribute(&r, k, at: at, keyByte: 0x3a, &run, "NumberDataPoint.attributes")
            case 2: start = try r.fixed64(k, "NumberDataPoint.start_time_unix_nano")
            case 3: time = try r.fixed64(k, "NumberDataPoint.time_unix_nano")
            case 4: value = .double(try r.double(k, "NumberDataPoint.as_double"))
            case 6: value = .int(Int64(bitPattern: try r.fixed64(k, "NumberDataPoint.as_int")))
            case 5: exemplars += try decodeExemplar(r.message(k, "NumberDataPoint.exemplars"))
            case 8: flags = UInt32(truncatingIfNeeded: try r.varint(k, "NumberDataPoint.flags"))
            default: try r.skip(k, "NumberDataPoint")
            }
        }
        let point = NumberPointView(
            common: pointCommon(run, start: start, time: time, flags: flags, exemplars: exemplars),
            value: value)
        summary.deliver(point, metricRejection: metricRejection, metric: metric, to: sink)
    }

    // message HistogramDataPoint {
    //   repeated KeyValue attributes = 9; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
    //   fixed64 count = 4; optional double sum = 5; repeated fixed64 bucket_counts = 6;
    //   repeated double explicit_bounds = 7; repeated Exemplar exemplars = 8; uint32 flags = 10;
    //   optional double min = 11; optional double max = 12; }
    func decodeHistogramPoint(_ message: ProtobufReader, _ metric: MetricView, _ metricRejection: RejectionReason?,
                              _ sink: MetricsSink) throws(OTLPDecodeError) {
        beginAttributes()
        bucketCounts.removeAll()
        bounds.removeAll()
        var start: UInt64 = 0, time: UInt64 = 0, count: UInt64 = 0, flags: UInt32 = 0, exemplars = 0
        var sum: Double? = nil, min: Double? = nil, max: Double? = nil
        var r = message
        var run = PointAttributeRun()
        while !r.isAtEnd {
            let at = r.position
            let k = try r.key("HistogramDataPoint")
            switch k.fieldNumber {
            case 9: try pointAttribute(&r, k, at: at, keyByte: 0x4a, &run, "HistogramDataPoint.attributes")
            case 2: start = try r.fixed64(k, "HistogramDataPoint.start_time_unix_nano")
            case 3: time = try r.fixed64(k, "HistogramDataPoint.time_unix_nano")
            case 4: count = try r.fixed64(k, "HistogramDataPoint.count")
            case 5: sum = try r.double(k, "HistogramDataPoint.sum")
            case 6: try r.appendFixed64s(k, "HistogramDataPoint.bucket_counts", into: &bucketCounts)
            case 7: try r.appendDoubles(k, "HistogramDataPoint.explicit_bounds", into: &bounds)
            case 8: exemplars += try decodeExemplar(r.message(k, "HistogramDataPoint.exemplars"))
            case 10: flags = UInt32(truncatingIfNeeded: try r.varint(k, "HistogramDataPoint.flags"))
            case 11: min = try r.double(k, "HistogramDataPoint.min")
            case 12: max = try r.double(k, "HistogramDataPoint.max")
            default: try r.skip(k, "HistogramDataPoint")
            }
        }
        let point = HistogramPointView(
            common: pointCommon(run, start: start, time: time, flags: flags, exemplars: exemplars),
            count: count, sum: sum, min: min, max: max,
            bucketCounts: bucketCounts.buffer, explicitBounds: bounds.buffer)
        summary.deliver(point, metricRejection: metricRejection, metric: metric, to: sink)
    }

    // message ExponentialHistogramDataPoint {
    //   repeated KeyValue attributes = 1; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
    //   fixed64 count = 4; optional double sum = 5; sint32 scale = 6; fixed64 zero_count = 7;
    //   Buckets positive = 8; Buckets negative = 9; uint32 flags = 10; repeated Exemplar exemplars = 11;
    //   optional double min = 12; optional double max = 13; double zero_threshold = 14; }
    func decodeExponentialHistogramPoint(_ message: ProtobufReader, _ metric: MetricView,
                                         _ metricRejection: RejectionReason?, _ sink: MetricsSink) throws(OTLPDecodeError) {
        beginAttributes()
        bucketCounts.removeAll()
        negativeCounts.removeAll()
        var start: UInt64 = 0, time: UInt64 = 0, count: UInt64 = 0, zeroCount: UInt64 = 0
        var flags: UInt32 = 0, exemplars = 0, scale: Int32 = 0, zeroThreshold = 0.0
        var positiveOffset: Int32 = 0, negativeOffset: Int32 = 0
        var sum: Double? = nil, min: Double? = nil, max: Double? = nil
        var r = message
        var run = PointAttributeRun()
        while !r.isAtEnd {
            let at = r.position
            let k = try r.key("ExponentialHistogramDataPoint")
            switch k.fieldNumber {
            case 1: try pointAttribute(&r, k, at: at, keyByte: 0xa, &run, "ExponentialHistogramDataPoint.attributes")
            case 2: start = try r.fixed64(k, "ExponentialHistogramDataPoint.start_time_unix_nano")
            case 3: time = try r.fixed64(k, "ExponentialHistogramDataPoint.time_unix_nano")
            case 4: count = try r.fixed64(k, "ExponentialHistogramDataPoint.count")
            case 5: sum = try r.double(k, "ExponentialHistogramDataPoint.sum")
            case 6: scale = ProtobufReader.zigZag32(try r.varint(k, "ExponentialHistogramDataPoint.scale"))
            case 7: zeroCount = try r.fixed64(k, "ExponentialHistogramDataPoint.zero_count")
            case 8: try Self.decodeBuckets(r.message(k, "ExponentialHistogramDataPoint.positive"),
                                           offset: &positiveOffset, counts: &bucketCounts)
            case 9: try Self.decodeBuckets(r.message(k, "ExponentialHistogramDataPoint.negative"),
                                           offset: &negativeOffset, counts: &negativeCounts)
            case 10: flags = UInt32(truncatingIfNeeded: try r.varint(k, "ExponentialHistogramDataPoint.flags"))
            case 11: exemplars += try decodeExemplar(r.message(k, "ExponentialHistogramDataPoint.exemplars"))
            case 12: min = try r.double(k, "ExponentialHistogramDataPoint.min")
            case 13: max = try r.double(k, "ExponentialHistogramDataPoint.max")
            case 14: zeroThreshold = try r.double(k, "ExponentialHistogramDataPoint.zero_threshold")
            default: try r.skip(k, "ExponentialHistogramDataPoint")
            }
        }
        let point = ExponentialHistogramPointView(
            common: pointCommon(run, start: start, time: time, flags: flags, exemplars: exemplars),
            count: count, sum: sum, min: min, max: max, scale: scale, zeroCount: zeroCount, zeroThreshold: zeroThreshold,
            positive: ExponentialBuckets(offset: positiveOffset, counts: bucketCounts.buffer),
            negative: ExponentialBuckets(offset: negativeOffset, counts: negativeCounts.buffer))
        summary.deliver(point, metricRejection: metricRejection, metric: metric, to: sink)
    }

    // message ExponentialHistogramDataPoint.Buckets { sint32 offset = 1; repeated uint64 bucket_counts = 2; }
    // Several occurrences of the same Buckets field merge: offset last wins, counts append.
    static func decodeBuckets(_ message: ProtobufReader, offset: inout Int32,
                              counts: inout ScratchBuffer<UInt64>) throws(OTLPDecodeError) {
        var r = message
        while !r.isAtEnd {
            let k = try r.key("Buckets")
            switch k.fieldNumber {
            case 1: offset = ProtobufReader.zigZag32(try r.varint(k, "Buckets.offset"))
            case 2: try r.appendVarints(k, "Buckets.bucket_counts", into: &counts)
            default: try r.skip(k, "Buckets")
            }
        }
    }

    // message SummaryDataPoint {
    //   repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
    //   fixed64 count = 4; double sum = 5; repeated ValueAtQuantile quantile_values = 6; uint32 flags = 8; }
    // message ValueAtQuantile { double quantile = 1; double value = 2; }
    func decodeSummaryPoint(_ message: ProtobufReader, _ metric: MetricView, _ metricRejection: RejectionReason?,
                            _ sink: MetricsSink) throws(OTLPDecodeError) {
        beginAttributes()
        quantiles.removeAll()
        var start: UInt64 = 0, time: UInt64 = 0, count: UInt64 = 0, flags: UInt32 = 0, sum = 0.0
        var r = message
        var run = PointAttributeRun()
        while !r.isAtEnd {
            let at = r.position
            let k = try r.key("SummaryDataPoint")
            switch k.fieldNumber {
            case 7: try pointAttribute(&r, k, at: at, keyByte: 0x3a, &run, "SummaryDataPoint.attributes")
            case 2: start = try r.fixed64(k, "SummaryDataPoint.start_time_unix_nano")
            case 3: time = try r.fixed64(k, "SummaryDataPoint.time_unix_nano")
            case 4: count = try r.fixed64(k, "SummaryDataPoint.count")
            case 5: sum = try r.double(k, "SummaryDataPoint.sum")
            case 6:
                var q = try r.message(k, "SummaryDataPoint.quantile_values")
                var quantile = 0.0, value = 0.0
                while !q.isAtEnd {
                    let qk = try q.key("ValueAtQuantile")
                    switch qk.fieldNumber {
                    case 1: quantile = try q.double(qk, "ValueAtQuantile.quantile")
                    case 2: value = try q.double(qk, "ValueAtQuantile.value")
                    default: try q.skip(qk, "ValueAtQuantile")
                    }
                }
                quantiles.append(QuantileValue(quantile: quantile, value: value))
            case 8: flags = UInt32(truncatingIfNeeded: try r.varint(k, "SummaryDataPoint.flags"))
            default: try r.skip(k, "SummaryDataPoint")
            }
        }
        let point = SummaryPointView(
            common: pointCommon(run, start: start, time: time, flags: flags, exemplars: 0),
            count: count, sum: sum, quantiles: quantiles.buffer)
        summary.deliver(point, metricRejection: metricRejection, metric: metric, to: sink)
    }

    // message Exemplar {
    //   repeated KeyValue filtered_attributes = 7; fixed64 time_unix_nano = 2;
    //   oneof value { double as_double = 3; sfixed64 as_int = 6; } bytes span_id = 4; bytes trace_id = 5; }
    /// Validates one exemplar (its attributes are decoded, then discarded) and returns 1 (the
    /// point's `exemplarCount` counts every exemplar, with or without a value).
    func decodeExemplar(_ message: ProtobufReader) throws(OTLPDecodeError) -> Int {
        let attributeMark = attributes.count, fixupMark = jsonFixups.count, arenaMark = arena.count
        defer {
            attributes.truncate(to: attributeMark)
            jsonFixups.truncate(to: fixupMark)
            arena.truncate(to: arenaMark)
        }
        var r = message
        while !r.isAtEnd {
            let k = try r.key("Exemplar")
            switch k.fieldNumber {
            case 7: try decodeAttribute(r.message(k, "Exemplar.filtered_attributes"))
            case 2: _ = try r.fixed64(k, "Exemplar.time_unix_nano")
            case 3: _ = try r.fixed64(k, "Exemplar.as_double")
            case 6: _ = try r.fixed64(k, "Exemplar.as_int")
            case 4: _ = try r.bytes(k, "Exemplar.span_id")
            case 5: _ = try r.bytes(k, "Exemplar.trace_id")
            default: try r.skip(k, "Exemplar")
            }
        }
        return 1
    }
}
