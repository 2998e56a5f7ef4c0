import Primitives

/// The state checkpoint's reader: `VarIntReader` (Primitives) failing with `SLOStateDecodingError`.
typealias CheckpointReader = VarIntReader<SLOStateDecodingError>

/// The SLO state checkpoint format (`SLOState+Codec.swift`), as named in its errors.
public enum SLOStateFormat: ByteFormat { public static let name = "SLO state checkpoint" }

/// A checkpoint that cannot be decoded (truncated, corrupt, or for another kind of SLO).
public typealias SLOStateDecodingError = ByteFormatError<SLOStateFormat>
