/// Resource limits shared by the protobuf and JSON OTLP decoders. Exceeding one makes the
/// request undecodable (`OTLPDecodeError`, → 400).
public struct OTLPDecodeLimits: Sendable, Equatable {
    /// Maximum nesting of `AnyValue.array_value` / `AnyValue.kvlist_value` inside an attribute
    /// value. A top-level scalar attribute has depth 0; `["a"]` has depth 1; `[[1]]` depth 2.
    /// The decoders recurse once per level, so keep this in the tens (event-loop stacks are finite).
    ///
    /// There is deliberately no limit on the number of attributes, points or buckets: the
    /// (decompressed) request size limit bounds them, and the decoders' scratch grows with them.
    public var maxAnyValueDepth: Int = 32
    public init() {}
    public static let `default` = OTLPDecodeLimits()
}
