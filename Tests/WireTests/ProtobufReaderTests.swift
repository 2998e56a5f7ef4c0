import Testing
import Wire

/// Runs `body` with a reader over `bytes` and returns its result or error.
private func read<T>(_ bytes: [UInt8], _ body: (inout ProtobufReader) throws(ProtobufError) -> T) -> Result<T, ProtobufError> {
    bytes.withUnsafeBytes { buffer in
        var r = ProtobufReader(buffer)
        return Result { () throws(ProtobufError) in try body(&r) }
    }
}

private func errorKind<T>(_ result: Result<T, ProtobufError>) -> ProtobufError.Kind? {
    if case .failure(let e) = result { return e.kind }
    return nil
}

@Suite struct ProtobufReaderTests {
    // MARK: Varints

    @Test(arguments: [
        ([0x00], 0), ([0x01], 1), ([0x96, 0x01], 150), ([0xAC, 0x02], 300),
        ([0x80, 0x00], 0),                                                    // non-minimal is legal
        ([0xFF, 0xFF, 0xFF, 0xFF, 0x0F], 0xFFFF_FFFF),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], UInt64.max),
        ([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 1 << 63),
    ] as [([UInt8], UInt64)])
    func varintDecodes(_ bytes: [UInt8], _ value: UInt64) throws {
        let result = read(bytes) { r throws(ProtobufError) in (try r.readVarint(), r.isAtEnd) }
        let (v, atEnd) = try result.get()
        #expect(v == value && atEnd)
    }

    @Test func int64NegativeIsATenByteVarint() throws {
        let v = try read([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) { r throws(ProtobufError) in try r.readVarint() }.get()
        #expect(Int64(bitPattern: v) == -1)
    }

    @Test func overlongVarintIsRejected() {
        // 11 bytes.
        #expect(errorKind(read([UInt8](repeating: 0x80, count: 10) + [0x00]) { r throws(ProtobufError) in try r.readVarint() }) == .varintTooLong)
        // 10 bytes, but the 10th carries more than the top bit.
        #expect(errorKind(read([UInt8](repeating: 0xFF, count: 9) + [0x02]) { r throws(ProtobufError) in try r.readVarint() }) == .varintTooLong)
    }

    @Test func truncatedVarintIsRejectedWithItsOffset() {
        let result = read([0x08, 0x96]) { r throws(ProtobufError) in
            _ = try r.readKey()
            return try r.readVarint()
        }
        guard case .failure(let e) = result else { Issue.record("no error"); return }
        #expect(e.kind == .truncated && e.offset == 1)
        #expect(errorKind(read([]) { r throws(ProtobufError) in try r.readVarint() }) == .truncated)
    }

    @Test func zigZag() {
        let cases: [(UInt64, Int32)] = [(0, 0), (1, -1), (2, 1), (3, -2), (4, 2), (5, -3), (6, 3),
                                        (0xFFFF_FFFE, .max), (0xFFFF_FFFF, .min)]
        for (raw, value) in cases { #expect(ProtobufReader.zigZag32(raw) == value, "\(raw)") }
        #expect(ProtobufReader.zigZag64(UInt64.max) == .min && ProtobufReader.zigZag64(UInt64.max - 1) == .max)
        #expect(ProtobufReader.zigZag64(3) == -2)
    }

    // MARK: Fixed-size

    @Test func fixedValuesAreLittleEndianAndBoundsChecked() throws {
        let bytes: [UInt8] = [0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x3F]
        let (a, b) = try read(bytes) { r throws(ProtobufError) in (try r.readFixed32(), try r.readDouble()) }.get()
        #expect(a == 0x0403_0201 && b == 1.5)
        #expect(errorKind(read([1, 2, 3]) { r throws(ProtobufError) in try r.readFixed32() }) == .truncated)
        #expect(errorKind(read([1, 2, 3, 4, 5, 6, 7]) { r throws(ProtobufError) in try r.readFixed64() }) == .truncated)
    }

    // MARK: Keys

    @Test func keysSplitFieldNumberAndWireType() throws {
        let keys = try read([0x08, 0x11, 0x1A, 0x25, 0xF8, 0xFF, 0xFF, 0xFF, 0x0F]) { r throws(ProtobufError) in
            [try r.readKey(), try r.readKey(), try r.readKey(), try r.readKey(), try r.readKey()]
        }.get()
        #expect(keys == [
            ProtobufKey(fieldNumber: 1, wireType: .varint), ProtobufKey(fieldNumber: 2, wireType: .fixed64),
            ProtobufKey(fieldNumber: 3, wireType: .lengthDelimited), ProtobufKey(fieldNumber: 4, wireType: .fixed32),
            ProtobufKey(fieldNumber: (1 << 29) - 1, wireType: .varint),
        ])
    }

    @Test(arguments: [
        ([0x00], ProtobufError.Kind.fieldNumberZero), ([0x02], .fieldNumberZero),
        ([0x0B], .groupWireType(3)), ([0x0C], .groupWireType(4)),
        ([0x0E], .invalidWireType(6)), ([0x0F], .invalidWireType(7)),
        ([0x80, 0x80, 0x80, 0x80, 0x10], .fieldNumberOutOfRange),                 // field 2^29
    ] as [([UInt8], ProtobufError.Kind)])
    func invalidKeysAreRejected(_ bytes: [UInt8], _ kind: ProtobufError.Kind) {
        #expect(errorKind(read(bytes) { r throws(ProtobufError) in try r.readKey() }) == kind)
    }

    // MARK: Length-delimited and skipping

    @Test func lengthDelimitedValuesAreBoundedByTheEnclosingBuffer() throws {
        let ok = try read([0x03, 0x61, 0x62, 0x63, 0x09]) { r throws(ProtobufError) in (Array(try r.readLengthDelimited()), r.offset) }.get()
        #expect(ok.0 == [0x61, 0x62, 0x63] && ok.1 == 4)
        #expect(errorKind(read([0x04, 0x61, 0x62, 0x63]) { r throws(ProtobufError) in try r.readLengthDelimited() }) == .lengthOutOfBounds)
        // A huge length must not overflow the bounds check.
        #expect(errorKind(read([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) { r throws(ProtobufError) in
            try r.readLengthDelimited()
        }) == .lengthOutOfBounds)
        // A sub-reader is bounded by its message and reports offsets from the outer buffer.
        let result = read([0x0A, 0x02, 0x12, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00]) { r throws(ProtobufError) in
            _ = try r.readKey()
            var sub = try r.readSubmessage()
            _ = try sub.readKey()
            return try sub.readLengthDelimited()
        }
        guard case .failure(let e) = result else { Issue.record("no error"); return }
        #expect(e.kind == .lengthOutOfBounds && e.offset == 3)
    }

    @Test func skipHandlesEveryWireType() throws {
        var bytes: [UInt8] = [0x08, 0x96, 0x01]                          // 1: varint
        bytes += [0x11] + [UInt8](repeating: 7, count: 8)                 // 2: fixed64
        bytes += [0x1A, 0x02, 0xFF, 0xFF]                                 // 3: len
        bytes += [0x25, 1, 2, 3, 4]                                       // 4: fixed32
        bytes += [0x28, 0x05]                                             // 5: varint 5
        let last = try read(bytes) { r throws(ProtobufError) in
            for _ in 0..<4 { try r.skip(r.readKey().wireType) }
            let k = try r.readKey()
            return (k.fieldNumber, try r.readVarint(), r.isAtEnd)
        }.get()
        #expect(last == (5, 5, true))
        #expect(errorKind(read([0x11, 1, 2]) { r throws(ProtobufError) in try r.skip(r.readKey().wireType) }) == .truncated)
        #expect(errorKind(read([0x25, 1]) { r throws(ProtobufError) in try r.skip(r.readKey().wireType) }) == .truncated)
        #expect(errorKind(read([0x1A, 0x09]) { r throws(ProtobufError) in try r.skip(r.readKey().wireType) }) == .lengthOutOfBounds)
    }

    @Test func emptyBufferIsAtEnd() {
        let atEnd = read([]) { r throws(ProtobufError) in r.isAtEnd }
        #expect((try? atEnd.get()) == true)
        let empty = ProtobufReader(UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(empty.isAtEnd && empty.remaining == 0)
    }

    // MARK: Packed repeated

    @Test func packedFixed64IteratesUnalignedElements() throws {
        // A leading byte makes the elements unaligned.
        var bytes: [UInt8] = [0x18]
        for v: UInt64 in [1, 0x0102_0304_0506_0708, .max] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        let values = try read(bytes) { r throws(ProtobufError) in
            let packed = try r.readPackedFixed64()
            return (packed.count, Array(packed))
        }.get()
        #expect(values.0 == 3 && values.1 == [1, 0x0102_0304_0506_0708, .max])
        #expect(errorKind(read([0x03, 1, 2, 3]) { r throws(ProtobufError) in try r.readPackedFixed64() }) == .packedLengthNotMultiple(3))
        let empty = try read([0x00]) { r throws(ProtobufError) in Array(try r.readPackedFixed64()) }.get()
        #expect(empty.isEmpty)
    }

    @Test func packedVarintsIterateUntilTheChunkEnds() throws {
        let values = try read([0x05, 0x01, 0x96, 0x01, 0x00, 0x7F, 0x2A]) { r throws(ProtobufError) in
            var packed = try r.readPackedVarints()
            var out: [UInt64] = []
            while !packed.isAtEnd { out.append(try packed.readVarint()) }
            return (out, try r.readVarint())
        }.get()
        #expect(values.0 == [1, 150, 0, 127] && values.1 == 42)
        // A varint cut by the end of its chunk is truncated even if the outer buffer continues.
        #expect(errorKind(read([0x01, 0x96, 0x01]) { r throws(ProtobufError) in
            var packed = try r.readPackedVarints()
            return try packed.readVarint()
        }) == .truncated)
    }

    // MARK: UTF-8

    @Test(arguments: [
        ("", true), ("plain ascii longer than eight bytes", true), ("ünïcødé 日本語 🚀", true),
    ] as [(String, Bool)])
    func validUTF8IsAccepted(_ s: String, _ valid: Bool) {
        var s = s
        s.withUTF8 { #expect(ProtobufUTF8.isValid(UnsafeRawBufferPointer($0)) == valid) }
    }

    @Test(arguments: [
        [0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xC3], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82],
        [0xF0, 0x80, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF],
        Array("12345678".utf8) + [0xE2, 0x28, 0xA1],
    ] as [[UInt8]])
    func invalidUTF8IsRejected(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { #expect(!ProtobufUTF8.isValid($0)) }
    }

    @Test func utf8BoundaryCodePointsAreAccepted() {
        let bytes: [UInt8] = [0x7F, 0xC2, 0x80, 0xDF, 0xBF, 0xE0, 0xA0, 0x80, 0xED, 0x9F, 0xBF, 0xEE, 0x80, 0x80,
                              0xF0, 0x90, 0x80, 0x80, 0xF4, 0x8F, 0xBF, 0xBF]
        bytes.withUnsafeBytes { #expect(ProtobufUTF8.isValid($0)) }
    }
}
