import CFuzz
import CZlib
import OTLP
import Primitives

/// libFuzzer target for the request-body inflater (`Inflater`: caps, ratio guard, concatenated
/// gzip members, the gzip trailer check slod does itself) and the CRC-32 it checks with. The
/// first input byte picks the coding (gzip, deflate, identity) and the rest is the body:
/// - nothing traps, and a result never exceeds the output cap;
/// - a body accepted with its checksums verified is accepted without, with the same bytes; one
///   refused only when verified is refused for a check (data, length, trailer), nothing else;
/// - for a single gzip member, slod's verdict equals zlib's own (zlib checking its trailer);
/// - `CRC32.update` equals zlib's `crc32` over the body, whole and in two parts.
@main
struct FuzzInflate {
    nonisolated(unsafe) static let checked = Inflater(maxOutputBytes: 1 << 20, maxRatio: 1000)
    nonisolated(unsafe) static let unchecked = Inflater(maxOutputBytes: 1 << 20, maxRatio: 1000)

    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let rc = cfuzz_run(&argc, &argv) { data, size in
            guard size >= 1, let data else { return 0 }
            let all = UnsafeRawBufferPointer(start: data, count: size)
            let body = UnsafeRawBufferPointer(rebasing: all[1...])
            let coding: ContentCoding = [.gzip, .deflate, .identity][Int(all[0]) % 3]

            let split = body.count / 3
            let whole = CRC32.update(0, body)
            precondition(whole == CRC32.zlib(0, body), "CRC32 differs from zlib's")
            precondition(CRC32.update(CRC32.update(0, UnsafeRawBufferPointer(rebasing: body[..<split])),
                                      UnsafeRawBufferPointer(rebasing: body[split...])) == whole, "chained CRC32 differs")

            let a: Result<[UInt8], InflateError>, b: Result<[UInt8], InflateError>
            do throws(InflateError) { a = .success(Array(try FuzzInflate.checked.inflate(body, coding: coding))) } catch { a = .failure(error) }
            do throws(InflateError) { b = .success(Array(try FuzzInflate.unchecked.inflate(body, coding: coding, verifyChecksum: false))) } catch { b = .failure(error) }
            switch (a, b) {
            case (.success(let x), .success(let y)):
                precondition(x == y, "verified and unverified output differ")
                precondition(x.count <= 1 << 20, "output over the cap")
            case (.success, .failure(let e)):
                preconditionFailure("accepted when verified, refused unverified: \(e)")
            case (.failure(let e), .success):
                guard case .corrupt(let why) = e, why.contains("check") || why.contains("trailer") else {
                    preconditionFailure("refused only when verified, not for a checksum: \(e)")
                }
            case (.failure, .failure):
                break
            }
            // slod does not check the optional gzip header CRC (FHCRC, flag bit 1 of byte 3): the
            // member's data is checked by its trailer CRC; zlib refuses a wrong header CRC.
            let hasHeaderCRC = body.count > 3 && body[3] & 0x02 != 0
            if coding == .gzip, !hasHeaderCRC, let zlib = FuzzInflate.zlibSingleMember(body) {
                // zlib verdict on one member whose output fits: slod must agree.
                switch a {
                case .success(let x): precondition(zlib.ok && zlib.output == x, "zlib refused (or differs) what slod accepted")
                case .failure(let e):
                    if case .corrupt = e { precondition(!zlib.ok, "zlib accepted what slod refused: \(e)") }
                }
            }
            return 0
        }
        exit(rc)
    }

    /// zlib's own gzip decoding with its trailer check, for inputs that are exactly one member
    /// of at most 1 MiB of output (nil otherwise: several members, or a size the caps decide).
    static func zlibSingleMember(_ body: UnsafeRawBufferPointer) -> (ok: Bool, output: [UInt8])? {
        guard let base = body.baseAddress, body.count > 0 else { return nil }
        var s = z_stream()
        guard czlib_inflate_init2(&s, 16 + 15) == Z_OK else { return nil }
        defer { inflateEnd(&s) }
        var out = [UInt8](repeating: 0, count: (1 << 20) + 1)
        let rc = out.withUnsafeMutableBytes { o -> Int32 in
            s.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
            s.avail_in = uInt(body.count)
            s.next_out = o.baseAddress!.assumingMemoryBound(to: Bytef.self)
            s.avail_out = uInt(o.count)
            return CZlib.inflate(&s, Z_FINISH)
        }
        let produced = Int(s.total_out)
        if rc == Z_STREAM_END {
            // A second member, or output over the cap: the caps and member handling decide.
            guard s.avail_in == 0, produced <= 1 << 20, produced <= max(1 << 20, 1000 * body.count) else { return nil }
            return (true, Array(out[0..<produced]))
        }
        if rc == Z_DATA_ERROR { return (false, []) }
        return nil   // truncated, or out of room: not a verdict on the checksums
    }
}

#if canImport(Glibc)
import Glibc
#endif
