import CZlib
import Foundation
import Testing
@testable import OTLP

/// Compresses with zlib: windowBits 16+15 gzip, 15 zlib, -15 raw deflate.
func compress(_ input: [UInt8], windowBits: Int32 = 16 + 15, level: Int32 = 6) -> [UInt8] {
    var s = z_stream()
    precondition(czlib_deflate_init2(&s, level, windowBits) == Z_OK)
    defer { deflateEnd(&s) }
    var out = [UInt8](repeating: 0, count: Int(deflateBound(&s, uLong(input.count))) + 64)
    var input = input
    let produced = input.withUnsafeMutableBytes { inp in
        out.withUnsafeMutableBytes { o -> Int in
            s.next_in = inp.baseAddress?.assumingMemoryBound(to: Bytef.self)
            s.avail_in = uInt(inp.count)
            s.next_out = o.baseAddress!.assumingMemoryBound(to: Bytef.self)
            s.avail_out = uInt(o.count)
            precondition(deflate(&s, Z_FINISH) == Z_STREAM_END)
            return o.count - Int(s.avail_out)
        }
    }
    return Array(out[0..<produced])
}

@Suite struct InflaterTests {
    let text = Array(String(repeating: "slod inflates OTLP bodies. ", count: 2000).utf8)

    func inflate(_ data: [UInt8], _ coding: ContentCoding, max: Int = 1 << 20, ratio: Int = 1000,
                 verify: Bool = true, with inflater: Inflater? = nil) throws(InflateError) -> [UInt8] {
        let inflater = inflater ?? Inflater(maxOutputBytes: max, maxRatio: ratio)
        let result: Result<[UInt8], InflateError> = data.withUnsafeBytes { b in
            do throws(InflateError) { return .success(Array(try inflater.inflate(b, coding: coding, verifyChecksum: verify))) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// A wrong gzip CRC-32 or zlib Adler-32 trailer is an error unless the checksum is not
    /// verified (WAL replay: the record has its own CRC); the setting holds per body on a
    /// reused inflater.
    @Test func checksumIsVerifiedUnlessSkipped() throws {
        for (coding, bits) in [(ContentCoding.gzip, Int32(16 + 15)), (.deflate, 15)] {
            var z = compress(text, windowBits: bits)
            let trailer = bits > 16 ? z.count - 8 : z.count - 4   // gzip: CRC-32 then ISIZE; zlib: Adler-32
            z[trailer] ^= 0xFF
            let inflater = Inflater()
            #expect(throws: InflateError.self) { try inflate(z, coding, with: inflater) }
            #expect(try inflate(z, coding, verify: false, with: inflater) == text)
            #expect(throws: InflateError.self) { try inflate(z, coding, with: inflater) }
            #expect(try inflate(compress(text, windowBits: bits), coding, with: inflater) == text)
        }
    }

    @Test func gzipZlibAndRawDeflateRoundTrip() throws {
        #expect(try inflate(compress(text), .gzip) == text)
        #expect(try inflate(compress(text, windowBits: 15), .deflate) == text)
        #expect(try inflate(compress(text, windowBits: -15), .deflate) == text)
        #expect(try inflate(text, .identity) == text)
    }

    /// gzip trailers (checked by slod, not zlib): a wrong CRC-32 or length in any member is
    /// named; the right ones pass, member by member.
    @Test func gzipTrailersAreCheckedPerMember() throws {
        let a = compress(Array("first member;".utf8)), b = compress(text)
        #expect(try inflate(a + b, .gzip) == Array("first member;".utf8) + text)
        for (at, why) in [(a.count + b.count - 8, "incorrect data check"), (a.count + b.count - 1, "incorrect length check"),
                          (a.count - 8, "incorrect data check"), (a.count - 3, "incorrect length check")] {
            var z = a + b
            z[at] ^= 0x01
            do {
                _ = try inflate(z, .gzip)
                Issue.record("byte \(at) flipped: accepted")
            } catch {
                #expect(error == .corrupt("invalid gzip body: \(why)"), "byte \(at): \(error)")
            }
            #expect(try inflate(z, .gzip, verify: false) == Array("first member;".utf8) + text)
        }
    }

    @Test func concatenatedGzipMembersAreOneBody() throws {
        let a = Array("first member;".utf8), b = Array("second member".utf8)
        #expect(try inflate(compress(a) + compress(b), .gzip) == a + b)
    }

    @Test func truncatedGzipIsCorrupt() {
        let z = compress(text)
        for cut in [1, 10, z.count / 2, z.count - 1] {
            #expect(throws: InflateError.self) { try inflate(Array(z[0..<cut]), .gzip) }
            do { _ = try inflate(Array(z[0..<cut]), .gzip) } catch {
                if case .corrupt = error {} else { Issue.record("cut \(cut): \(error)") }
            }
        }
    }

    @Test func garbageAndEmptyBodiesAreCorrupt() {
        #expect(throws: InflateError.self) { try inflate(Array("not gzip at all".utf8), .gzip) }
        #expect(throws: InflateError.self) { try inflate([], .gzip) }
        #expect(throws: InflateError.self) { try inflate(compress(text) + [1, 2, 3], .gzip) }
    }

    @Test func outputAtLimitPassesAndOneByteOverIs413() throws {
        let body = [UInt8](repeating: 7, count: 100_000)
        let z = compress(body)
        #expect(try inflate(z, .gzip, max: 100_000, ratio: 100_000).count == 100_000)
        #expect(throws: InflateError.tooLarge(limit: 99_999)) { try inflate(z, .gzip, max: 99_999, ratio: 100_000) }
    }

    @Test func gzipBombCostsBoundedMemoryAndIsRejected() {
        // 1 GiB of zeros compresses to about 1 MB; the default guards stop it early.
        let zeros = [UInt8](repeating: 0, count: 64 << 20)
        let bomb = compress(zeros, level: 9)
        #expect(bomb.count < 200_000)
        #expect(throws: InflateError.ratioExceeded(limit: 1000)) { try inflate(bomb, .gzip, max: 1 << 30, ratio: 1000) }
        #expect(throws: InflateError.tooLarge(limit: 8 << 20)) { try inflate(bomb, .gzip, max: 8 << 20, ratio: 100_000) }
    }

    @Test func contentCodingParsing() {
        func parse(_ s: String?) -> ContentCoding? {
            guard let s else { return ContentCoding.parse(nil) }
            return Array(s.utf8).withUnsafeBytes { ContentCoding.parse($0) }
        }
        #expect(parse(nil) == .identity)
        #expect(parse("") == .identity)
        #expect(parse(" GZIP ") == .gzip)
        #expect(parse("x-gzip") == .gzip)
        #expect(parse("Deflate") == .deflate)
        #expect(parse("identity") == .identity)
        #expect(parse("br") == nil)
        #expect(parse("zstd") == nil)
        #expect(parse("gzip, br") == nil)
    }
}

@Suite struct OTLPResponsesTests {
    @Test func fullSuccessIsEmptyMessage() {
        #expect(OTLPResponses.export(encoding: .protobuf, rejected: 0, message: nil) == [])
        #expect(OTLPResponses.export(encoding: .json, rejected: 0, message: nil) == Array("{}".utf8))
    }

    @Test func partialSuccessEncodings() {
        let pb = OTLPResponses.export(encoding: .protobuf, rejected: 3, message: "bad")
        // field 1 (LEN) { field 1 varint 3, field 2 LEN "bad" }
        #expect(pb == [0x0A, 0x07, 0x08, 0x03, 0x12, 0x03, 0x62, 0x61, 0x64])
        let json = String(decoding: OTLPResponses.export(encoding: .json, rejected: 1, message: "a \"q\"\n"), as: UTF8.self)
        #expect(json == #"{"partialSuccess":{"rejectedDataPoints":"1","errorMessage":"a \"q\"\n"}}"#)
    }

    @Test func statusEncodings() {
        #expect(OTLPResponses.status(encoding: .protobuf, httpStatus: 400, message: "x") == [0x08, 0x03, 0x12, 0x01, 0x78])
        let json = String(decoding: OTLPResponses.status(encoding: .json, httpStatus: 429, message: "slow down"), as: UTF8.self)
        #expect(json == #"{"code":8,"message":"slow down"}"#)
    }

    @Test func longMessagesAreTruncated() {
        let long = String(repeating: "é", count: 5000)
        let body = OTLPResponses.status(encoding: .json, httpStatus: 400, message: long)
        #expect(body.count < 1100)
    }
}

@Suite struct PointRateLimiterTests {
    final class FakeClock: @unchecked Sendable { var nanos: UInt64 = 1_000_000_000 }

    @Test func burstThenRefillAtRate() {
        let clock = FakeClock()
        let limiter = PointRateLimiter(pointsPerSecond: 100, burst: 200, now: { clock.nanos })
        #expect(limiter.admit(150) == nil)
        #expect(limiter.admit(100) == 1)       // 50 left, 50 more need 0.5 s → 1 s
        clock.nanos += 500_000_000             // +50 tokens
        #expect(limiter.admit(100) == nil)
        #expect(limiter.admit(1) == 1)
        clock.nanos += 10_000_000_000          // refill capped at the burst
        #expect(limiter.admit(200) == nil)
        #expect(limiter.admit(300) == 1)       // larger than the burst: never fits
    }

    @Test func zeroRateIsUnlimited() {
        let limiter = PointRateLimiter(pointsPerSecond: 0, burst: 0)
        #expect(limiter.admit(1_000_000_000) == nil)
    }
}

@Suite struct HTTPServerGzipFixtureTests {
    /// Every `.pb.gz` of the HTTP server fixtures inflates to exactly its `.pb`, which decodes to
    /// the same records (the `.pb` files themselves are checked in ProtobufDecoderTests).
    @Test(arguments: ["small", "medium"])
    func gzipFixtureInflatesToItsProtobuf(_ size: String) throws {
        let gz = try Fixture.httpServer("metrics_\(size).pb.gz")
        let pb = try Fixture.httpServer("metrics_\(size).pb")
        let inflater = Inflater()
        let out: [UInt8] = try gz.withUnsafeBytes { b in Array(try inflater.inflate(b, coding: .gzip)) }
        #expect(out == pb)
        let viaGzip = RecordingSink(), direct = RecordingSink()
        let decoder = OTLPProtobufDecoder()
        let s1 = try gz.withUnsafeBytes { b in
            try decoder.decode(try inflater.inflate(b, coding: .gzip), context: RequestContext(encoding: .protobuf), into: viaGzip)
        }
        let s2 = try pb.withUnsafeBytes { b in try decoder.decode(b, context: RequestContext(encoding: .protobuf), into: direct) }
        #expect(s1 == s2)
        #expect(viaGzip.committed == direct.committed)
        #expect(s1.acceptedPoints == ["small": 100, "medium": 1000][size])
    }
}
