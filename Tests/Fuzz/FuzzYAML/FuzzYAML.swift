// libFuzzer target for the YAML parser, the configuration decoder and the SLO file imports.
//
// Build and run (see README):
//   swift build -c release --product fuzz-yaml --scratch-path .build-fuzz-yaml -Xswiftc -sanitize=fuzzer,address
//   SWIFT_BACKTRACE=enable=no .build-fuzz-yaml/release/fuzz-yaml CORPUS_COPY -max_total_time=60
// Seeds live in Tests/Fuzz/corpus/yaml; run on a copy so new inputs stay out of the repository.
import CFuzz
import Config
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct FuzzYAML {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = cfuzz_run(&argc, &argv) { data, size in
            let bytes = size == 0 || data == nil ? [] : [UInt8](UnsafeBufferPointer(start: data, count: size))
            // Parses YAML, then decodes the configuration, and the same bytes as an imported SLO
            // file (Sloth, OpenSLO: their PromQL queries): every input must give a value or an
            // error; a trap, a sanitizer report or a timeout is a finding.
            _ = ConfigLoader.parse(bytes, file: "fuzz")
            _ = SLOImport.parse([SLOImport.File(name: "fuzz", bytes: bytes)])
            return 0
        }
        exit(status)
    }
}
