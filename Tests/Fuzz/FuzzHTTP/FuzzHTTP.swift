import CFuzz
import HTTP

/// libFuzzer target for the HTTP/1.1 request parser.
///
/// Each input is parsed three ways that must agree: all at once, byte by byte, and split at a
/// point derived from the input. Pipelined requests are parsed until the input is used up.
/// Any disagreement traps, so libFuzzer reports it like a crash.
@main
struct FuzzHTTP {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let rc = cfuzz_run(&argc, &argv) { data, size in
            let input = Array(UnsafeBufferPointer(start: data, count: size))
            let limits = HTTPLimits(maxRequestLineBytes: 256, maxHeaderBytes: 512, maxHeaderCount: 8, maxBodyBytes: 4096)
            let whole = HTTPParseDriver.parseAll(input, limits: limits, split: nil)
            let bytewise = HTTPParseDriver.parseAll(input, limits: limits, split: 1)
            precondition(whole == bytewise, "byte-by-byte parse differs from whole parse")
            if size > 2 {
                let cut = HTTPParseDriver.parseAll(input, limits: limits, split: Int(input[0]) % (size - 1) + 1)
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
