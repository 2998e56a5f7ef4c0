import Config
import Platform
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
