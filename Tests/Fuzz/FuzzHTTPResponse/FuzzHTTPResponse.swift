import CFuzz
import HTTP

/// libFuzzer target for the HTTP/1.1 response parser used by `HTTPClient`.
///
/// Each input is parsed three ways that must agree: all at once, byte by byte, and in pieces of
/// a size derived from the input. The first byte also chooses whether the request was HEAD.
/// Small limits make every limit reachable. Any disagreement traps, so libFuzzer reports it like
/// a crash.
@main
struct FuzzHTTPResponse {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let rc = cfuzz_run(&argc, &argv) { data, size in
            let input = Array(UnsafeBufferPointer(start: data, count: size))
            let limits = HTTPResponseLimits(maxStatusLineBytes: 256, maxHeaderBytes: 512, maxHeaderCount: 8, maxBodyBytes: 4096)
            let bodyless = size > 0 && input[0] & 0x80 != 0
            let whole = HTTPResponseParseDriver.parseAll(input, limits: limits, bodyless: bodyless, split: nil)
            let bytewise = HTTPResponseParseDriver.parseAll(input, limits: limits, bodyless: bodyless, split: 1)
            precondition(whole == bytewise, "byte-by-byte parse differs from whole parse")
            if size > 2 {
                let cut = HTTPResponseParseDriver.parseAll(input, limits: limits, bodyless: bodyless, split: Int(input[0]) % (size - 1) + 1)
                precondition(whole == cut, "split parse differs from whole parse")
            }
            return 0
        }
        exit(rc)
    }
}

#if canImport(Glibc)
import Glibc
#endif
