import Testing
@testable import OTLP

/// `Deflater` output is valid gzip that `Inflater` (zlib) reads back, including edge sizes and reuse.
@Suite struct DeflaterTests {
    static func roundTrip(_ input: [UInt8], deflater: Deflater) throws -> [UInt8] {
        var gz: [UInt8] = []
        deflater.gzip(input, into: &gz)
        #expect(gz.count >= 18)
        #expect(gz[0] == 0x1f && gz[1] == 0x8b)  // gzip magic
        let inflater = Inflater(maxOutputBytes: 64 << 20, maxRatio: 1 << 30)
        return try gz.withUnsafeBytes { try Array(inflater.inflate($0, coding: .gzip)) }
    }

    @Test func roundTripsEmptySmallLargeAndIncompressible() throws {
        let d = Deflater()
        var rng = SystemRandomNumberGenerator()
        let inputs: [[UInt8]] = [
            [],
            Array("# TYPE g gauge\ng 1\n".utf8),
            Array(repeating: UInt8(ascii: "a"), count: 5 << 20),
            (0..<300_000).map { _ in UInt8.random(in: 0...255, using: &rng) },
        ]
        for input in inputs {
            #expect(try Self.roundTrip(input, deflater: d) == input)  // same Deflater reused
        }
    }

    @Test func appendsAfterExistingBytesAndStaticHelperWorks() throws {
        var out: [UInt8] = [1, 2, 3]
        Deflater(level: 9).gzip(Array("hello".utf8), into: &out)
        #expect(Array(out[..<3]) == [1, 2, 3])
        let gz = Deflater.gzip(Array("hello".utf8))
        let inflater = Inflater()
        let back = try gz.withUnsafeBytes { try Array(inflater.inflate($0, coding: .gzip)) }
        #expect(back == Array("hello".utf8))
    }
}
