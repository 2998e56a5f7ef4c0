import Wire

/// Decodes an OTLP/JSON `ExportMetricsServiceRequest` (otlp-http.md §7) by pulling tokens from
/// the borrowed payload and pushing borrowed views to a `MetricsSink` — no object tree, no
/// allocation per point. Same contract and sink call order as `OTLPProtobufDecoder`.
///
/// Order: `beginRequest`, per ResourceMetrics `resource` (always, with empty attributes if the
/// resource is absent), per ScopeMetrics `scope` (always), per Metric `metric` followed by its
/// valid points, then `endRequest(committed: true)`. On any error `endRequest(committed: false)`
/// is called and `OTLPDecodeError` ("invalid JSON: <what> at offset N") is thrown; the sink must
/// discard the request.
///
/// Keys may come in any order: each object whose header must reach the sink before its children
/// (request, ResourceMetrics, ScopeMetrics, Metric, the data message) is walked twice — a first
/// pass reads scalar members and records where `resource`, `scopeMetrics`, `metrics`, the data
/// member and `dataPoints` start (skipping them with `skipValueUnvalidated`), then the recorded
/// values are parsed (and validated) in the needed order. Points are read in one pass.
///
/// Accepted input (proto3 JSON mapping with OTLP deviations):
/// - lowerCamelCase and snake_case keys; unknown keys are skipped (their values validated);
///   duplicate keys: last wins (also across oneof members: `asDouble`/`asInt`, AnyValue members,
///   the Metric data members); `null` for any member = absent;
/// - 64-bit integers as numbers or decimal strings (exact, no Double round trip); 32-bit integer
///   fields likewise, range-checked; fractions, exponents, signs on unsigned fields, overflow are
///   errors;
/// - doubles as numbers or strings: `"NaN"`, `"Infinity"`, `"-Infinity"` (also `"inf"`, `"+Inf"`,
///   `"nan"`, any case) or a JSON number in a string; numbers beyond the Double range → ±infinity;
/// - `aggregationTemporality` as an integer (number or string) or an enum name
///   (`"AGGREGATION_TEMPORALITY_CUMULATIVE"`); unknown names are errors, unknown numbers make the
///   metric's points rejected (`invalidTemporality`);
/// - `bytesValue` in standard or URL-safe base64, with or without padding;
/// - exemplar `traceId`/`spanId` as hex (any case; must be hex, length not checked). Exemplars
///   are validated and counted (those with `asDouble`/`asInt`), not passed on;
/// - `arrayValue`/`kvlistValue` attributes rendered as compact JSON by the protobuf decoder's
///   renderer and rules (kvlist keys sorted bytewise, duplicates last-wins; NaN/±Inf as
///   `"NaN"`/`"Infinity"`/`"-Infinity"`; bytes as base64); nesting deeper than
///   `limits.maxAnyValueDepth` containers is an error;
/// - attributes with an empty key are dropped (their value is still validated).
/// Strict JSON (see `JSONTokenizer`): trailing commas, leading zeros, invalid UTF-8/escapes, lone
/// surrogates, `null` inside arrays of messages or numbers, and an empty body are errors;
/// `{}` is an empty request.
///
/// Lifetimes: strings in the views point into `payload` (valid until `decode` returns) or, when
/// they had escapes, into the decoder's arena; attribute arrays, bucket counts, bounds and
/// quantiles point into the decoder's scratch. All are valid only during the sink call.
///
/// Not thread-safe: one decoder per event loop; `decode` must not be re-entered from a sink.
/// Scratch memory is kept between requests (trimmed after unusually large ones).
public final class OTLPJSONDecoder {
    public let limits: OTLPDecodeLimits
    /// JSON nesting allowed: the OTLP envelope plus four levels per AnyValue container.
    let maxJSONDepth: Int

    var attributes = ScratchBuffer<Attribute>(capacity: 64)
    var bucketCounts = ScratchBuffer<UInt64>(capacity: 64)
    var negativeCounts = ScratchBuffer<UInt64>(capacity: 64)
    var bounds = ScratchBuffer<Double>(capacity: 64)
    var quantiles = ScratchBuffer<QuantileValue>(capacity: 16)
    var kvEntries = ScratchBuffer<JSONKVEntry>(capacity: 16)
    /// Rendered array/kvlist text (the protobuf decoder's renderer works on this type).
    var text = ScratchBuffer<UInt8>(capacity: 1024)
    var arena = JSONArena()
    /// Container ends learnt by the first pass over the request, reused by the nested passes.
    let skipIndex = JSONSkipIndex(maxLevel: 8)
    var summary = DecodeSummary()

    public init(limits: OTLPDecodeLimits = .default) {
        self.limits = limits
        maxJSONDepth = Swift.max(128, 24 + 4 * (limits.maxAnyValueDepth + 1))
    }

    deinit {
        attributes.free(); bucketCounts.free(); negativeCounts.free(); bounds.free(); quantiles.free()
        kvEntries.free(); text.free(); arena.free()
    }

    /// Decodes one request body (already decompressed) into `sink`.
    ///
    /// - Returns: counts of what was found and of rejected points (→ `partial_success`).
    /// - Throws: `OTLPDecodeError` for malformed input (→ 400), after `endRequest(committed: false)`;
    ///   an empty body is an error ("empty JSON body").
    /// Cost: O(payload bytes) (objects with ordering constraints are scanned twice); no allocation
    /// in steady state except for the first rejection message.
    public func decode(_ payload: UnsafeRawBufferPointer, context: RequestContext,
                       into sink: MetricsSink) throws(OTLPDecodeError) -> DecodeSummary {
        summary = DecodeSummary()
        sink.beginRequest(context)
        skipIndex.reset()
        defer { trimScratch() }
        do throws(JSONError) {
            if payload.count == 0 { throw JSONError("empty JSON body", offset: 0) }
            var t = JSONTokenizer(payload, maxDepth: maxJSONDepth)
            try decodeRequest(&t, sink)
            try t.finish()
        } catch {
            sink.endRequest(committed: false)
            throw OTLPDecodeError("invalid JSON: \(error.message)", offset: error.offset)
        }
        sink.endRequest(committed: true)
        return summary
    }

    func trimScratch() {
        attributes.shrink(ifAbove: 1 << 16, to: 64)
        bucketCounts.shrink(ifAbove: 1 << 16, to: 64)
        negativeCounts.shrink(ifAbove: 1 << 16, to: 64)
        bounds.shrink(ifAbove: 1 << 16, to: 64)
        quantiles.shrink(ifAbove: 1 << 16, to: 16)
        kvEntries.shrink(ifAbove: 1 << 12, to: 16)
        text.shrink(ifAbove: 1 << 20, to: 1024)
        arena.trim(keep: 4)
    }

    // message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
    func decodeRequest(_ t: inout JSONTokenizer, _ sink: MetricsSink) throws(JSONError) {
        guard try t.peekKind() == .object else { throw JSONError("expected an object (ExportMetricsServiceRequest)", offset: t.offset) }
        try t.beginObject()
        let inside = t.depth
        var resourceMetrics = JSONDeferred()
        var first = true
        while let k = try t.nextKey(&first) {
            if try t.skipNull() { continue }
            if key(k) == .resourceMetrics { try deferValue(&resourceMetrics, &t, inside) } else { try t.skipValue() }
        }
        let end = t.position
        if resourceMetrics.isSet {
            t.position = .init(offset: resourceMetrics.start, depth: inside)
            try beginArray(&t, "resourceMetrics")
            var f = true
            while try t.nextElement(&f) { try decodeResourceMetrics(&t, sink) }
            try resourceMetrics.checkEnd(t)
        }
        t.position = end
    }

    // message ResourceMetrics {
    //   Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; string schema_url = 3; }
    // message Resource {
    //   repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2;
    //   repeated EntityRef entity_refs = 3; }          // entity_refs: skipped
    func decodeResourceMetrics(_ t: inout JSONTokenizer, _ sink: MetricsSink) throws(JSONError) {
        try beginObject(&t, "ResourceMetrics")
        summary.resources += 1
        let mark = arena.mark
        let inside = t.depth
        var resource = JSONDeferred(), scopes = JSONDeferred()
        var schemaURL = ByteView.empty
        var first = true
        while let k = try t.nextKey(&first) {
            if try t.skipNull() { continue }
            switch key(k) {
            case .resource: try deferValue(&resource, &t, inside)
            case .scopeMetrics: try deferValue(&scopes, &t, inside)
            case .schemaUrl: schemaURL = try string(&t, "schemaUrl")
            default: try t.skipValue()
            }
        }
        let end = t.position

        attributes.count = 0
        var dropped: UInt32 = 0
        if resource.isSet {
            t.position = .init(offset: resource.start, depth: inside)
            try beginObject(&t, "resource")
            var f = true
            while let k = try t.nextKey(&f) {
                if try t.skipNull() { continue }
                switch key(k) {
                case .attributes: attributes.count = 0; try keyValues(&t, "resource.attributes")
                case .droppedAttributesCount: dropped = try u32(&t, "droppedAttributesCount")
                default: try t.skipValue()
                }
            }
            try resource.checkEnd(t)
        }
        sink.resource(ResourceView(attributes: attributes.buffer, droppedAttributesCount: dropped, schemaURL: schemaURL))
        arena.rewind(to: mark)

        if scopes.isSet {
            t.position = .init(offset: scopes.start, depth: inside)
            try beginArray(&t, "scopeMetrics")
            var f = true
            while try t.nextElement(&f) { try decodeScopeMetrics(&t, sink) }
            try scopes.checkEnd(t)
        }
        t.position = end
    }

    // message ScopeMetrics {
    //   InstrumentationScope scope = 1; repeated Metric metrics = 2; string schema_url = 3; }
    // message InstrumentationScope {
    //   string name = 1; string version = 2; repeated KeyValue attributes = 3;
    //   uint32 dropped_attributes_count = 4; }
    func decodeScopeMetrics(_ t: inout JSONTokenizer, _ sink: MetricsSink) throws(JSONError) {
        try beginObject(&t, "ScopeMetrics")
        summary.scopes += 1
        let mark = arena.mark
        let inside = t.depth
        var scope = JSONDeferred(), metrics = JSONDeferred()
        var schemaURL = ByteView.empty
        var first = true
        while let k = try t.nextKey(&first) {
            if try t.skipNull() { continue }
            switch key(k) {
            case .scope: try deferValue(&scope, &t, inside)
            case .metrics: try deferValue(&metrics, &t, inside)
            case .schemaUrl: schemaURL = try string(&t, "schemaUrl")
            default: try t.skipValue()
            }
        }
        let end = t.position

        attributes.count = 0
        var name = ByteView.empty, version = ByteView.empty
        var dropped: UInt32 = 0
        if scope.isSet {
            t.position = .init(offset: scope.start, depth: inside)
            try beginObject(&t, "scope")
            var f = true
            while let k = try t.nextKey(&f) {
                if try t.skipNull() { continue }
                switch key(k) {
                case .name: name = try string(&t, "scope.name")
                case .version: version = try string(&t, "scope.version")
                case .attributes: attributes.count = 0; try keyValues(&t, "scope.attributes")
                case .droppedAttributesCount: dropped = try u32(&t, "droppedAttributesCount")
                default: try t.skipValue()
                }
            }
            try scope.checkEnd(t)
        }
        sink.scope(ScopeView(name: name, version: version, attributes: attributes.buffer,
                             droppedAttributesCount: dropped, schemaURL: schemaURL))
        arena.rewind(to: mark)

        if metrics.isSet {
            t.position = .init(offset: metrics.start, depth: inside)
            try beginArray(&t, "metrics")
            var f = true
            while try t.nextElement(&f) { try decodeMetric(&t, sink) }
            try metrics.checkEnd(t)
        }
        t.position = end
    }
}

/// Where a member value whose parsing was put off starts and ends.
struct JSONDeferred {
    var start = -1
    var end = 0
    var isSet: Bool { start >= 0 }

    /// After parsing the value from `start`, the tokenizer must be where the first pass ended it
    /// (always true for valid JSON; a cheap guard for the unvalidated skip).
    @inline(__always)
    func checkEnd(_ t: JSONTokenizer) throws(JSONError) {
        if t.offset != end { throw JSONError("malformed value", offset: t.offset) }
    }
}

extension OTLPJSONDecoder {
    /// Records where the value under the tokenizer starts and skips it without validating it (it
    /// is parsed later from `d.start`). A value recorded earlier for the same key (a duplicate key:
    /// last wins) is validated now, since it will never be parsed. `inside` is the depth of the
    /// enclosing object.
    @inline(__always)
    func deferValue(_ d: inout JSONDeferred, _ t: inout JSONTokenizer, _ inside: Int) throws(JSONError) {
        if d.isSet {
            let save = t.position
            t.position = .init(offset: d.start, depth: inside)
            try t.skipValue()
            t.position = save
        }
        _ = t.peekNonWhitespace()
        d.start = t.offset
        try t.skipValueUnvalidated(index: skipIndex)
        d.end = t.offset
    }

    /// The key's identity (unescaping it first in the rare case it has escapes).
    @inline(__always)
    func key(_ k: JSONString) -> JSONKey {
        if !k.hasEscapes { return JSONKey.match(k.start, k.count) }
        return escapedKey(k)
    }

    @inline(never)
    func escapedKey(_ k: JSONString) -> JSONKey {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: k.count) { buf in
            let n = k.unescape(into: buf.baseAddress!)
            return JSONKey.match(buf.baseAddress!, n)
        }
    }

    /// Consumes `{` of a message value or throws naming the field.
    @inline(__always)
    func beginObject(_ t: inout JSONTokenizer, _ field: StaticString) throws(JSONError) {
        guard t.peekNonWhitespace() == UInt8(ascii: "{") else { throw expected(&t, "an object", field) }
        try t.beginObject()
    }

    /// Consumes `[` of a repeated value or throws naming the field.
    @inline(__always)
    func beginArray(_ t: inout JSONTokenizer, _ field: StaticString) throws(JSONError) {
        guard t.peekNonWhitespace() == UInt8(ascii: "[") else { throw expected(&t, "an array", field) }
        try t.beginArray()
    }

    /// "expected <what> for <field>, found <kind>" at the value's offset (cold).
    @inline(never)
    func expected(_ t: inout JSONTokenizer, _ what: StaticString, _ field: StaticString) -> JSONError {
        let found: String
        if let kind = try? t.peekKind() { found = kind.description } else { found = "no value" }
        if t.offset >= t.count { return JSONError("unexpected end of input", offset: t.count) }
        return JSONError("expected \(what) for \"\(field)\", found \(found)", offset: t.offset)
    }
}
