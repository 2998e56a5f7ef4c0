/// The wire types a valid record can have (groups 3/4 and 6/7 are rejected by `readKey`).
@frozen
public enum ProtobufWireType: UInt8, Sendable, CustomStringConvertible {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5

    /// Only for 0, 1, 2, 5 (checked by the caller; anything else maps to `.fixed32`).
    @inlinable @inline(__always)
    init(unchecked raw: UInt8) {
        switch raw {
        case 0: self = .varint
        case 1: self = .fixed64
        case 2: self = .lengthDelimited
        default: self = .fixed32
        }
    }

    public var description: String { String(rawValue) }
}

/// A record key: field number (1 … 2^29−1) and wire type.
@frozen
public struct ProtobufKey: Equatable, Sendable {
    public var fieldNumber: UInt32
    public var wireType: ProtobufWireType

    public static let maxFieldNumber: UInt64 = (1 << 29) - 1

    @inlinable
    public init(fieldNumber: UInt32, wireType: ProtobufWireType) {
        self.fieldNumber = fieldNumber
        self.wireType = wireType
    }
}

/// Malformed protobuf wire data, with the byte offset (from the start of the outermost buffer)
/// of the record or value that could not be read.
public struct ProtobufError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The input ended inside a varint, a fixed-size value or a key.
        case truncated
        /// A varint longer than 10 bytes, or a 10th byte above 1.
        case varintTooLong
        /// A length prefix larger than the bytes left in the enclosing message.
        case lengthOutOfBounds
        case fieldNumberZero
        /// A field number above 2^29−1.
        case fieldNumberOutOfRange
        /// Wire type 3 (start group) or 4 (end group); OTLP never uses groups.
        case groupWireType(UInt8)
        /// Wire type 6 or 7.
        case invalidWireType(UInt8)
        /// A packed fixed-size chunk whose length is not a multiple of the element size.
        case packedLengthNotMultiple(Int)
    }

    public var kind: Kind
    public var offset: Int

    @inlinable
    public init(_ kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    /// A short description without the offset, e.g. `truncated varint or fixed value`.
    public var problem: String {
        switch kind {
        case .truncated: "truncated value (input ends mid-record)"
        case .varintTooLong: "varint longer than 10 bytes"
        case .lengthOutOfBounds: "length prefix past the end of the enclosing message"
        case .fieldNumberZero: "field number 0"
        case .fieldNumberOutOfRange: "field number above 2^29-1"
        case .groupWireType(let w): "group wire type \(w) (groups are not supported)"
        case .invalidWireType(let w): "invalid wire type \(w)"
        case .packedLengthNotMultiple(let n): "packed fixed64 chunk of \(n) bytes (not a multiple of 8)"
        }
    }

    public var description: String { "\(problem) at offset \(offset)" }
}
