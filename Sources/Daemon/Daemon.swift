import Config
import Platform
import SLO
#if canImport(Glibc)
import Glibc
#endif

/// The composition root: parses the command line, loads configuration, starts the server and
/// waits for a signal. The only place in slod that exits the process.
public enum Daemon {
    public static func main() -> Never {
        let args = Array(CommandLine.arguments.dropFirst())
        let command: Command
        do {
            command = try CommandLineParser.parse(args)
        } catch {
            printError("slod: \(error.message)")
            exit(2)
        }
        switch command {
        case .help:
            printOut(CommandLineParser.usage)
            exit(0)
        case .version:
            printOut("slod \(SlodVersion.version)")
            exit(0)
        case .checkConfig(let path):
            exit(checkConfig(path: path))
        case .rules(let path, let out):
            exit(rules(path: path, out: out))
        case .run(let options):
            exit(Runner(options: options).run())
        }
    }

    /// `slod check config FILE`: prints every error, one per line, and returns the exit status.
    static func checkConfig(path: String) -> Int32 {
        switch loadConfig(path: path) {
        case .success:
            printOut("\(path): OK")
            return 0
        case .failure(let message):
            printError(message.description)
            return 1
        }
    }

    /// `slod rules FILE [--out PATH]`: writes the Prometheus rules of FILE's SLOs to stdout, or
    /// replaces PATH atomically (`PATH.tmp`, fsync, rename). Exit 1 on config or write errors.
    static func rules(path: String, out: String?) -> Int32 {
        let config: SlodConfiguration
        switch loadConfig(path: path) {
        case .success(let c): config = c
        case .failure(let message):
            printError(message.description)
            return 1
        }
        let text = RuleGenerator(version: SlodVersion.version).yaml(for: config.slos)
        guard let out else {
            printOut(text)
            return 0
        }
        do {
            try FD.writeFileAtomically(out, Array(text.utf8))
            return 0
        } catch {
            printError("slod: cannot write \(out): \(error)")
            return 1
        }
    }

    /// Reads and validates a config file (or the embedded default when `path` is nil).
    static func loadConfig(path: String?) -> Result<SlodConfiguration, LoadFailureText> {
        let bytes: [UInt8]
        let file: String
        if let path {
            do {
                bytes = try FD.readFile(path, limit: 16 << 20)
            } catch {
                return .failure(LoadFailureText("\(path): cannot read: \(error)"))
            }
            file = path
        } else {
            bytes = Array(ConfigLoader.embeddedDefault.utf8)
            file = "<embedded default>"
        }
        // SLO periods may name IANA zones (read from the system zoneinfo) and `slo_files` are
        // imported relative to the config file; both through the same bounded reader.
        let zones = TimeZoneResolver.reading { path in try FD.readFile(path, limit: 1 << 20) }
        switch ConfigLoader.load(bytes, file: file, timeZones: zones, readFile: { path in try FD.readFile(path, limit: 16 << 20) }) {
        case .success(let c): return .success(c)
        case .failure(let errors): return .failure(LoadFailureText(errors.description))
        }
    }

    static func printOut(_ s: String) {
        let line = s.hasSuffix("\n") ? s : s + "\n"
        Array(line.utf8).withUnsafeBytes { try? FD.writeAll(1, $0) }
    }

    static func printError(_ s: String) {
        let line = s.hasSuffix("\n") ? s : s + "\n"
        Array(line.utf8).withUnsafeBytes { try? FD.writeAll(2, $0) }
    }
}

/// A config load failure rendered for humans (one error per line).
struct LoadFailureText: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
