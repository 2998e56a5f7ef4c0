import Primitives

/// The state checkpoint's reader: `VarIntReader` (Primitives) failing with `SLOStateDecodingError`.
typealias CheckpointReader = VarIntReader<SLOStateDecodingError>

/// A checkpoint that cannot be decoded (truncated, corrupt, or for another kind of SLO).
public struct SLOStateDecodingError: ByteDecodingError, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var message: String

    public init(offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "SLO state checkpoint at byte \(offset): \(message)" }
}
