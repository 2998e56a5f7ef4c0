/// Single-type OTLP bodies cut from a mixed fixture, for measuring a cost per point type.
///
/// The shared fixtures carry one Sum and one Histogram metric with a point per attribute set
/// each. `OTLPMetricFilter` rewrites an `ExportMetricsServiceRequest` keeping only the metrics of
/// one data kind — resource, scope, the kept metrics and their points byte for byte as they were,
/// only the enclosing lengths re-encoded — so the kept points have the series, values and
/// timestamps they have in the fixture.
enum OTLPMetricFilter {
    /// `Metric.data` fields (opentelemetry/proto/metrics/v1/metrics.proto).
    enum Kind: Int {
        case sum = 7
        case histogram = 9
    }

    /// `body` with only the metrics of `kind`, and how many data points they hold. Nil if the
    /// body is not a well-formed protobuf request.
    static func keeping(_ kind: Kind, of body: [UInt8]) -> (body: [UInt8], points: Int)? {
        var points = 0
        // ExportMetricsServiceRequest.resource_metrics = 1 → ResourceMetrics.scope_metrics = 2
        // → ScopeMetrics.metrics = 2 → Metric.
        func scope(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
            rewrite(bytes, field: 2) { metric in
                guard let fields = ProtoField.all(in: metric) else { return nil }
                guard let data = fields.first(where: { $0.number == kind.rawValue }) else { return [] }
                // Sum.data_points / Histogram.data_points = 1.
                guard let inner = ProtoField.all(in: metric[data.payload]) else { return nil }
                points += inner.count { $0.number == 1 }
                return Array(metric)
            }
        }
        let kept = rewrite(body[...], field: 1) { resource in
            rewrite(resource, field: 2) { scope($0) }
        }
        return kept.map { ($0, points) }
    }

    /// `message` with each length-delimited `field` replaced by `transform` of its payload
    /// (an empty result drops the field); nil if `message` or a transform is malformed.
    private static func rewrite(_ message: ArraySlice<UInt8>, field: Int, _ transform: (ArraySlice<UInt8>) -> [UInt8]?) -> [UInt8]? {
        guard let fields = ProtoField.all(in: message) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(message.count)
        for f in fields {
            guard f.number == field, f.wireType == 2 else {
                out += message[f.whole]
                continue
            }
            guard let payload = transform(message[f.payload]) else { return nil }
            if payload.isEmpty { continue }
            appendVarint(UInt64(field << 3 | 2), to: &out)
            appendVarint(UInt64(payload.count), to: &out)
            out += payload
        }
        return out
    }

    private static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}

/// One field of a protobuf message: its number, wire type, and where it and its payload lie
/// (indices of the message's slice).
struct ProtoField {
    var number: Int
    var wireType: Int
    var whole: Range<Int>
    var payload: Range<Int>

    /// The fields of `message` in order, or nil if it is malformed.
    static func all(in message: ArraySlice<UInt8>) -> [ProtoField]? {
        var fields: [ProtoField] = []
        var i = message.startIndex
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while i < message.endIndex, shift < 64 {
                let b = message[i]
                i += 1
                value |= UInt64(b & 0x7f) << shift
                if b < 0x80 { return value }
                shift += 7
            }
            return nil
        }
        while i < message.endIndex {
            let start = i
            guard let tag = varint() else { return nil }
            let wireType = Int(tag & 7)
            let payloadStart: Int
            switch wireType {
            case 0:
                payloadStart = i
                guard varint() != nil else { return nil }
            case 1, 5:
                payloadStart = i
                i += wireType == 1 ? 8 : 4
            case 2:
                guard let length = varint(), length <= UInt64(message.endIndex - i) else { return nil }
                payloadStart = i
                i += Int(length)
            default:
                return nil
            }
            guard i <= message.endIndex else { return nil }
            fields.append(ProtoField(number: Int(tag >> 3), wireType: wireType, whole: start..<i, payload: payloadStart..<i))
        }
        return fields
    }
}
