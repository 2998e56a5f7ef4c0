/// What the command line asks for. Parsing is pure so it can be tested without a process.
enum Command: Equatable {
    case run(RunOptions)
    case checkConfig(path: String)
    /// `slod rules FILE [--out PATH]`: Prometheus rules for the SLOs of FILE, to stdout or PATH.
    case rules(path: String, out: String?)
    case version
    case help
}

struct RunOptions: Equatable {
    var configPath: String? = nil
    var listen: String? = nil
    var logLevel: String? = nil
    var storagePath: String? = nil
}

struct UsageError: Error, Equatable, CustomStringConvertible {
    var message: String
    var description: String { message }
}

enum CommandLineParser {
    static let usage = """
    slod — SLO telemetry daemon

    Usage:
      slod [--config FILE] [--listen HOST:PORT] [--log-level LEVEL] [--storage-path DIR]
      slod check config FILE
      slod rules FILE [--out PATH]
      slod --version
      slod --help

    Options:
      --config FILE         YAML configuration (default: the embedded default config,
                            see config/slod.yaml)
      --listen HOST:PORT    address to listen on; overrides server.listen
                            (port 0 picks a free port; the log line names it)
      --log-level LEVEL     debug, info, warn or error; overrides log.level
      --storage-path DIR    WAL and checkpoints; overrides storage.path (default ./data;
                            the systemd unit uses /var/lib/slod)
      --version             print the version and exit
      --help                print this help and exit

    Commands:
      check config FILE     validate FILE; print every error as file:line:column and exit
                            non-zero if there is any
      rules FILE            write Prometheus recording and alerting rules for the SLOs of
                            FILE (Sloth-compatible names, burn-rate alerts) to stdout, or
                            to PATH with --out (replaced atomically); check them with
                            `promtool check rules`

    Endpoints: POST /v1/metrics, GET /metrics, GET /api/v1/slos, GET /api/v1/alerts,
    GET /-/healthy, GET /-/ready, POST /-/reload.
    Signals: SIGTERM/SIGINT drain, write a checkpoint and exit 0; SIGHUP reloads.
    """

    /// Parses arguments (without the program name). Accepts `--flag value` and `--flag=value`.
    static func parse(_ args: [String]) throws(UsageError) -> Command {
        if args.first == "check" {
            guard args.count >= 2, args[1] == "config" else {
                throw UsageError(message: "unknown command \"check \(args.dropFirst().first ?? "")\"; did you mean \"check config FILE\"?")
            }
            guard args.count == 3 else { throw UsageError(message: "usage: slod check config FILE") }
            return .checkConfig(path: args[2])
        }
        if args.first == "rules" { return try parseRules(Array(args.dropFirst())) }
        var options = RunOptions()
        var i = 0
        func value(_ flag: String, _ inline: String?) throws(UsageError) -> String {
            if let inline { return inline }
            i += 1
            guard i < args.count, !args[i].hasPrefix("--") else { throw UsageError(message: "\(flag) needs a value") }
            return args[i]
        }
        while i < args.count {
            let arg = args[i]
            var flag = arg
            var inline: String? = nil
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                flag = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            switch flag {
            case "--help", "-h": return .help
            case "--version": return .version
            case "--config", "-c": options.configPath = try value(flag, inline)
            case "--listen": options.listen = try value(flag, inline)
            case "--log-level": options.logLevel = try value(flag, inline)
            case "--storage-path":
                let dir = try value(flag, inline)
                guard !dir.isEmpty else { throw UsageError(message: "--storage-path needs a directory") }
                options.storagePath = dir
            default:
                throw UsageError(message: "unknown argument \"\(arg)\" (see slod --help)")
            }
            i += 1
        }
        return .run(options)
    }

    /// `rules FILE [--out PATH]` (also `--out=PATH`, before or after FILE).
    static func parseRules(_ args: [String]) throws(UsageError) -> Command {
        let usage = UsageError(message: "usage: slod rules FILE [--out PATH]")
        var path: String? = nil
        var out: String? = nil
        var i = 0
        while i < args.count {
            let arg = args[i]
            if arg == "--out" {
                i += 1
                guard i < args.count, out == nil else { throw usage }
                out = args[i]
            } else if arg.hasPrefix("--out=") {
                guard out == nil else { throw usage }
                out = String(arg.dropFirst("--out=".count))
            } else if arg.hasPrefix("-") || path != nil {
                throw UsageError(message: "unexpected argument \"\(arg)\"; usage: slod rules FILE [--out PATH]")
            } else {
                path = arg
            }
            i += 1
        }
        guard let path, out?.isEmpty != true else { throw usage }
        return .rules(path: path, out: out)
    }
}
