/// WAL record type 1: one accepted OTLP/HTTP export request, as received, with what replay
/// needs to run it through the same decode path.
///
/// Payload layout (little-endian):
///
/// | bytes | field |
/// |---|---|
/// | 8 | receive time, Unix nanoseconds (signed) |
/// | 1 | message encoding: 1 protobuf, 2 JSON |
/// | 1 | content encoding of the body: 0 identity, 1 gzip, 2 deflate |
/// | 2 | tenant length t (≤ 1024) |
/// | t | tenant: the tenant header's raw bytes (empty: none) |
/// | rest | the request body exactly as received (still compressed when gzip or deflate) |
public struct IngestRecord: Sendable, Equatable {
    public static let type: UInt8 = 1
    public static let maxTenantBytes = 1_024

    public enum MessageEncoding: UInt8, Sendable { case protobuf = 1, json = 2 }
    public enum ContentEncoding: UInt8, Sendable { case identity = 0, gzip = 1, deflate = 2 }

    public var receivedNanos: Int64
    public var encoding: MessageEncoding
    public var contentEncoding: ContentEncoding
    public var tenant: [UInt8]
    public var body: [UInt8]

    public init(receivedNanos: Int64, encoding: MessageEncoding, contentEncoding: ContentEncoding, tenant: [UInt8] = [], body: [UInt8]) {
        self.receivedNanos = receivedNanos
        self.encoding = encoding
        self.contentEncoding = contentEncoding
        self.tenant = tenant
        self.body = body
    }

    static let fixedBytes = 12

    /// The payload (the header fields, then the body copied once).
    public func encoded() -> [UInt8] {
        var out = Self.prefix(receivedNanos: receivedNanos, encoding: encoding, contentEncoding: contentEncoding, tenant: tenant)
        out.append(contentsOf: body)
        return out
    }

    /// The payload's fields before the body (the WAL writes the body from where it lies, after
    /// this prefix).
    public static func prefix(receivedNanos: Int64, encoding: MessageEncoding, contentEncoding: ContentEncoding,
                              tenant: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        tenant.withUnsafeBytes { appendPrefix(receivedNanos: receivedNanos, encoding: encoding, contentEncoding: contentEncoding, tenant: $0, to: &out) }
        return out
    }

    /// Appends the prefix to `out` (the WAL's own buffer: nothing is allocated per request).
    public static func appendPrefix(receivedNanos: Int64, encoding: MessageEncoding, contentEncoding: ContentEncoding,
                                    tenant: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        precondition(tenant.count <= maxTenantBytes, "tenant of \(tenant.count) bytes")
        LittleEndian.append(UInt64(bitPattern: receivedNanos), width: 8, to: &out)
        out.append(encoding.rawValue)
        out.append(contentEncoding.rawValue)
        LittleEndian.append(UInt64(tenant.count), width: 2, to: &out)
        out.append(contentsOf: tenant)
    }

    /// A decoded payload that borrows the tenant and body from the payload bytes (replay reads
    /// records in place).
    public struct View {
        public var receivedNanos: Int64
        public var encoding: MessageEncoding
        public var contentEncoding: ContentEncoding
        public var tenant: UnsafeRawBufferPointer
        public var body: UnsafeRawBufferPointer
    }

    /// Reads a payload in place; the failure names why this version cannot read it.
    public static func view(_ p: UnsafeRawBufferPointer) -> Result<View, IngestRecordError> {
        guard p.count >= fixedBytes else { return .failure(IngestRecordError("ingest record of \(p.count) bytes is shorter than its header")) }
        let t = LittleEndian.load(p, at: 0, width: 8)
        guard let encoding = MessageEncoding(rawValue: p[8]) else { return .failure(IngestRecordError("unknown message encoding \(p[8])")) }
        guard let contentEncoding = ContentEncoding(rawValue: p[9]) else { return .failure(IngestRecordError("unknown content encoding \(p[9])")) }
        let tenantBytes = Int(LittleEndian.load(p, at: 10, width: 2))
        guard tenantBytes <= maxTenantBytes, fixedBytes + tenantBytes <= p.count else {
            return .failure(IngestRecordError("tenant length \(tenantBytes) does not fit the record"))
        }
        return .success(View(receivedNanos: Int64(bitPattern: t), encoding: encoding, contentEncoding: contentEncoding,
                             tenant: UnsafeRawBufferPointer(rebasing: p[fixedBytes..<(fixedBytes + tenantBytes)]),
                             body: UnsafeRawBufferPointer(rebasing: p[(fixedBytes + tenantBytes)...])))
    }

    /// Decodes a payload (copying tenant and body); the failure names why this version cannot read it.
    public static func decode(_ p: UnsafeRawBufferPointer) -> Result<IngestRecord, IngestRecordError> {
        view(p).map { v in
            IngestRecord(receivedNanos: v.receivedNanos, encoding: v.encoding, contentEncoding: v.contentEncoding,
                         tenant: Array(v.tenant), body: Array(v.body))
        }
    }
}

public struct IngestRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
