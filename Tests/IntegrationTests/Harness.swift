// Test harness for the integration tests: starts the real `slod` binary on 127.0.0.1, runs
// peer programs (curl, python3, promtool) with bounded waits, and talks raw HTTP/1.1 over
// blocking sockets. Every process is started with posix_spawn and stopped by its PID.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// All integration suites nest in this one so `.serialized` applies to every test: each test
/// blocks its thread (sockets, waitpid polling), and the cooperative pool has only 2 threads.
@Suite(.serialized) enum Integration {}

// MARK: - Errors

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

// MARK: - Locating binaries and peers

enum Paths {
    /// Repository root: this file is <root>/Tests/IntegrationTests/Harness.swift.
    static func repoRoot(_ file: String = #filePath) -> URL {
        URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `$SLOD_BINARY`, else `slod` next to the running test executable (the same build
    /// directory, whatever `--scratch-path` was), else `<root>/.build/debug/slod`.
    static func slodBinary() throws -> String {
        let env = ProcessInfo.processInfo.environment
        if let override = env["SLOD_BINARY"], !override.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: override) else {
                throw HarnessError("SLOD_BINARY=\(override) is not an executable file; build it with `swift build --product slod`")
            }
            return override
        }
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("slod").path)
        }
        candidates.append(repoRoot().appendingPathComponent(".build/debug/slod").path)
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) { return c }
        throw HarnessError("slod binary not found (tried \(candidates.joined(separator: ", "))); run `swift build --product slod` or set SLOD_BINARY")
    }

    /// True when the peer program exists. Otherwise prints a skip reason (the caller returns),
    /// or records a failure when `SLOD_REQUIRE_PEERS=1`.
    static func peer(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if FileManager.default.isExecutableFile(atPath: path) { return true }
        let reason = "\(path) not found"
        if ProcessInfo.processInfo.environment["SLOD_REQUIRE_PEERS"] == "1" {
            Issue.record("\(reason), but SLOD_REQUIRE_PEERS=1", sourceLocation: sourceLocation)
        } else {
            print("SKIP: \(reason); skipping this test")
        }
        return false
    }

    static let curl = "/usr/bin/curl"
    static let python3 = "/usr/bin/python3"
    static let promtool = "/usr/bin/promtool"
}

// MARK: - Time

enum Time {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func sleep(_ seconds: Double) {
        var ts = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var rem = timespec()
        while nanosleep(&ts, &rem) == -1 && errno == EINTR { ts = rem }
    }

    /// Polls `condition` every `interval` seconds until it is true or `timeout` passes.
    @discardableResult
    static func eventually(timeout: Double, interval: Double = 0.05, _ condition: () -> Bool) -> Bool {
        let deadline = now() + timeout
        while true {
            if condition() { return true }
            if now() >= deadline { return false }
            sleep(interval)
        }
    }
}

// MARK: - Temporary directories

final class TempDir: @unchecked Sendable {
    let path: String
    init() throws {
        var template = Array((NSTemporaryDirectory() + "/slod-integ-XXXXXX").utf8CString)
        guard let p = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw HarnessError("mkdtemp failed: errno \(errno)")
        }
        path = String(cString: p)
    }
    func file(_ name: String) -> String { path + "/" + name }
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, Array(text.utf8))
    }
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }
    func read(_ name: String) -> String {
        (try? String(contentsOfFile: file(name), encoding: .utf8)) ?? ""
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

// MARK: - Child processes

enum ExitStatus: Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)
    var description: String {
        switch self {
        case .exited(let c): return "exit \(c)"
        case .signaled(let s): return "killed by signal \(s)"
        }
    }
}

/// A child started with posix_spawn: stdio redirected to files, signal mask and the usual
/// signal dispositions reset, stopped by PID only.
final class Child: @unchecked Sendable {
    let pid: pid_t
    let executable: String
    private(set) var status: ExitStatus?

    init(_ executable: String, _ arguments: [String], stdin: String? = nil, stdout: String, stderr: String,
         environment: [String: String]? = nil) throws {
        self.executable = executable
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let env = environment ?? ProcessInfo.processInfo.environment
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attr, argv, envp)
        guard rc == 0 else { throw HarnessError("posix_spawn \(executable) failed: \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    /// Non-blocking reap.
    @discardableResult
    func poll() -> ExitStatus? {
        if let status { return status }
        var raw: Int32 = 0
        let r = waitpid(pid, &raw, WNOHANG)
        guard r == pid else { return nil }
        let sig = raw & 0x7f
        status = sig == 0 ? .exited((raw >> 8) & 0xff) : .signaled(sig)
        return status
    }

    /// Waits up to `timeout` seconds for the child to exit.
    func wait(timeout: Double) -> ExitStatus? {
        Time.eventually(timeout: timeout, interval: 0.01) { poll() != nil }
        return status
    }

    func signal(_ sig: Int32) {
        if poll() == nil { kill(pid, sig) }
    }

    /// SIGTERM, then SIGKILL after `grace` seconds; always reaps.
    @discardableResult
    func stop(grace: Double = 5) -> ExitStatus? {
        if poll() != nil { return status }
        kill(pid, SIGTERM)
        if wait(timeout: grace) != nil { return status }
        kill(pid, SIGKILL)
        return wait(timeout: 5)
    }

    deinit { stop(grace: 1) }
}

struct ToolResult: CustomStringConvertible {
    var status: ExitStatus?   // nil: timed out (and was killed)
    var stdout: String
    var stderr: String
    var exitCode: Int32? { if case .exited(let c) = status { return c } else { return nil } }
    var description: String {
        "status: \(status.map(\.description) ?? "TIMED OUT")\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)"
    }
}

/// Runs a program to completion (bounded by `timeout`, then SIGKILL) and collects its output.
func runTool(_ executable: String, _ arguments: [String], stdin: String? = nil, timeout: Double = 20) throws -> ToolResult {
    let dir = try TempDir()
    let child = try Child(executable, arguments, stdin: stdin, stdout: dir.file("stdout"), stderr: dir.file("stderr"))
    var status = child.wait(timeout: timeout)
    if status == nil {
        child.stop(grace: 1)
        status = nil
    }
    return ToolResult(status: status, stdout: dir.read("stdout"), stderr: dir.read("stderr"))
}

// MARK: - The slod server under test

/// A running `slod --config FILE --listen 127.0.0.1:0` with its stderr captured to a file.
/// Call `stop()` in a `defer`; `deinit` also stops it (SIGTERM, then SIGKILL).
final class SlodServer: @unchecked Sendable {
    let dir: TempDir
    let configPath: String
    let child: Child
    let port: UInt16
    var pid: pid_t { child.pid }

    /// The storage directory (`--storage-path`).
    let storagePath: String

    /// Starts slod with `config` (YAML text) and waits (≤ 10 s) for its `msg="listening"` line
    /// (logged once recovery is done and ingestion is open). `storage`: the storage directory
    /// (reuse one to restart slod on the same state); default: a new one inside the server's
    /// own temporary directory.
    init(config: String, extraArguments: [String] = ["--log-level", "debug"], storage: String? = nil) throws {
        let binary = try Paths.slodBinary()
        dir = try TempDir()
        configPath = try dir.write("slod.yaml", config)
        storagePath = storage ?? dir.file("data")
        child = try Child(binary, ["--config", configPath, "--listen", "127.0.0.1:0", "--storage-path", storagePath] + extraArguments,
                          stdout: dir.file("stdout"), stderr: dir.file("stderr"))
        var found: UInt16? = nil
        let dir = self.dir, child = self.child
        Time.eventually(timeout: 10, interval: 0.02) {
            if let p = SlodServer.listeningPort(in: dir.read("stderr")) { found = p; return true }
            return child.poll() != nil
        }
        guard let found else {
            child.stop(grace: 2)
            throw HarnessError("slod did not log msg=\"listening\" within 10 s (\(child.status.map(\.description) ?? "still running"))\n--- stderr ---\n\(dir.read("stderr"))")
        }
        port = found
    }

    /// Parses `address=HOST:PORT` from the line with `msg="listening"`.
    static func listeningPort(in log: String) -> UInt16? {
        for line in log.split(separator: "\n") where line.contains("msg=\"listening\"") {
            for field in line.split(separator: " ") where field.hasPrefix("address=") {
                let value = field.dropFirst("address=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if let colon = value.lastIndex(of: ":"), let p = UInt16(value[value.index(after: colon)...]) { return p }
            }
        }
        return nil
    }

    var log: String { dir.read("stderr") }
    var url: String { "http://127.0.0.1:\(port)" }

    @discardableResult
    func stop(grace: Double = 5) -> ExitStatus? { child.stop(grace: grace) }

    var isRunning: Bool { child.poll() == nil }

    /// GET on a fresh connection (`Connection: close`).
    func get(_ path: String, timeout: Double = 5) throws -> HTTPResponse {
        let c = try RawClient(port: port)
        defer { c.close() }
        try c.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        return try c.readResponse(timeout: timeout)
    }

    /// The /metrics body as text.
    func metrics() throws -> String {
        let r = try get("/metrics")
        guard r.status == 200 else { throw HarnessError("GET /metrics answered \(r.status)") }
        return r.text
    }

    /// One sample from /metrics, e.g. `metric("slod_http_limit_rejections_total", #"reason="syntax""#)`.
    func metric(_ name: String, _ labels: String? = nil) throws -> Double {
        let text = try metrics()
        guard let v = Metrics.value(text, name, labels) else {
            throw HarnessError("no sample \(name)\(labels.map { "{\($0)}" } ?? "") in /metrics:\n\(text)")
        }
        return v
    }

    /// Asserts the server still answers /-/healthy.
    func expectHealthy(_ context: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let r = try get("/-/healthy")
            #expect(r.status == 200 && r.text == "slod is healthy\n", "healthy check \(context): got \(r.status) \(r.text.debugDescription)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("healthy check \(context) failed: \(error)\n--- slod stderr ---\n\(log)", sourceLocation: sourceLocation)
        }
    }

    deinit { child.stop(grace: 2) }
}

enum Metrics {
    /// The value of the series `name{labels}` (exact label text) in Prometheus text format.
    static func value(_ text: String, _ name: String, _ labels: String? = nil) -> Double? {
        let key = name + (labels.map { "{\($0)}" } ?? "") + " "
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let rest = line.dropFirst(key.count).split(separator: " ").first ?? ""
            switch rest {
            case "+Inf": return .infinity
            case "-Inf": return -.infinity
            case "NaN": return .nan
            default: return Double(rest)
            }
        }
        return nil
    }
}

// MARK: - Raw HTTP/1.1 client

struct HTTPResponse: CustomStringConvertible {
    var version: String
    var status: Int
    var reason: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
    var text: String { String(decoding: body, as: UTF8.self) }
    var closes: Bool { header("Connection")?.lowercased().contains("close") ?? false }
    var description: String {
        "\(version) \(status) \(reason)\n" + headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
            + "\n\n" + String(text.prefix(500))
    }
}

enum ReadEnd: Equatable, CustomStringConvertible {
    case eof, reset, timeout
    var description: String {
        switch self {
        case .eof: return "EOF"
        case .reset: return "connection reset"
        case .timeout: return "timeout"
        }
    }
}

/// A blocking TCP client to 127.0.0.1 with bounded reads (poll), buffered for pipelining.
final class RawClient: @unchecked Sendable {
    private(set) var fd: Int32
    private var buffer: [UInt8] = []
    /// Set when a read saw the end of the stream.
    private(set) var ended: ReadEnd?

    /// Connects; throws with the errno when the connection is refused.
    init(port: UInt16, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: errno \(errno)") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 {
            let e = errno
            Glibc.close(fd)
            fd = -1
            throw ConnectError(errno: e)
        }
    }

    struct ConnectError: Error, CustomStringConvertible {
        var errno: Int32
        var description: String { "connect: \(String(cString: strerror(errno))) (errno \(errno))" }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    /// Makes `close()` send RST instead of FIN.
    func setLingerZero() {
        var l = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends everything (blocking); throws on EPIPE/ECONNRESET.
    func send(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HarnessError("send: \(String(cString: strerror(errno)))")
            }
            off += n
        }
    }

    /// Non-blocking send of as much as fits now; returns bytes sent (0 when the socket is full),
    /// or nil when the connection is broken.
    func trySend(_ bytes: [UInt8], from offset: Int = 0) -> Int? {
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
        if n >= 0 { return n }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return 0 }
        return nil
    }

    /// Waits until the socket is writable (or broken), up to `timeout` seconds.
    func waitWritable(timeout: Double) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        return Glibc.poll(&p, 1, Int32(timeout * 1000)) > 0
    }

    /// Reads once into the buffer, waiting at most until `deadline`. Returns false at the end.
    private func fill(deadline: Double) -> Bool {
        if ended != nil { return false }
        let remaining = deadline - Time.now()
        if remaining <= 0 { return false }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let r = Glibc.poll(&p, 1, Int32(max(1, remaining * 1000)))
        if r == 0 { return false }
        if r < 0 { return errno == EINTR }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        if n > 0 {
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
        if n == 0 { ended = .eof; return false }
        if errno == EINTR || errno == EAGAIN { return true }
        ended = errno == ECONNRESET ? .reset : .eof
        return false
    }

    /// Whether some bytes or the end of the stream arrive within `timeout` seconds.
    func hasInput(timeout: Double) -> Bool {
        if !buffer.isEmpty || ended != nil { return true }
        _ = fill(deadline: Time.now() + timeout)
        return !buffer.isEmpty || ended != nil
    }

    /// Reads until the peer closes (EOF or reset) or `timeout`; returns the unread bytes too.
    func readToEnd(timeout: Double) -> (bytes: [UInt8], end: ReadEnd) {
        let deadline = Time.now() + timeout
        while fill(deadline: deadline) {}
        let out = buffer
        buffer.removeAll()
        return (out, ended ?? .timeout)
    }

    /// Reads one response. Interim 1xx responses are skipped unless `interim` is true.
    /// `head: true` for responses to HEAD (no body).
    func readResponse(timeout: Double = 5, head: Bool = false, interim: Bool = false) throws -> HTTPResponse {
        let deadline = Time.now() + timeout
        while true {
            let sep: [UInt8] = [13, 10, 13, 10]
            var headEnd: Int? = nil
            while headEnd == nil {
                headEnd = find(sep, in: buffer)
                if headEnd == nil, !fill(deadline: deadline) {
                    throw HarnessError("no complete response head (\(ended.map(\.description) ?? "timeout after \(timeout) s")); got \(buffer.count) bytes: \(String(decoding: buffer.prefix(300), as: UTF8.self).debugDescription)")
                }
            }
            let headText = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
            buffer.removeFirst(headEnd! + 4)
            var lines = headText.components(separatedBy: "\r\n")
            let statusLine = lines.removeFirst()
            let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, let status = Int(parts[1]) else { throw HarnessError("bad status line \(statusLine.debugDescription)") }
            var headers: [(name: String, value: String)] = []
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { throw HarnessError("bad header line \(line.debugDescription)") }
                headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            var response = HTTPResponse(version: String(parts[0]), status: status, reason: parts.count > 2 ? String(parts[2]) : "", headers: headers, body: [])
            if status / 100 == 1 {
                if interim { return response }
                continue
            }
            if head || status == 204 || status == 304 { return response }
            if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
                response.body = try readChunked(deadline: deadline)
            } else if let cl = response.header("Content-Length").flatMap({ Int($0) }) {
                while buffer.count < cl {
                    if !fill(deadline: deadline) { throw HarnessError("body ended after \(buffer.count) of \(cl) bytes (\(ended.map(\.description) ?? "timeout"))") }
                }
                response.body = Array(buffer[0..<cl])
                buffer.removeFirst(cl)
            } else {
                while fill(deadline: deadline) {}
                response.body = buffer
                buffer.removeAll()
            }
            return response
        }
    }

    private func readChunked(deadline: Double) throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var lineEnd = find([13, 10], in: buffer)
            while lineEnd == nil {
                if !fill(deadline: deadline) { throw HarnessError("chunked body truncated") }
                lineEnd = find([13, 10], in: buffer)
            }
            let sizeText = String(decoding: buffer[0..<lineEnd!], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { throw HarnessError("bad chunk size \(sizeText)") }
            buffer.removeFirst(lineEnd! + 2)
            if size == 0 {
                // trailers until an empty line
                while true {
                    var e = find([13, 10], in: buffer)
                    while e == nil {
                        if !fill(deadline: deadline) { throw HarnessError("chunked trailer truncated") }
                        e = find([13, 10], in: buffer)
                    }
                    buffer.removeFirst(e! + 2)
                    if e == 0 { return body }
                }
            }
            while buffer.count < size + 2 {
                if !fill(deadline: deadline) { throw HarnessError("chunk truncated") }
            }
            body.append(contentsOf: buffer[0..<size])
            buffer.removeFirst(size + 2)
        }
    }

    private func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        var i = 0
        while i <= hay.count - needle.count {
            if hay[i] == needle[0] {
                var ok = true
                for j in 1..<needle.count where hay[i + j] != needle[j] { ok = false; break }
                if ok { return i }
            }
            i += 1
        }
        return nil
    }

    deinit { close() }
}

/// A config for tests: defaults below, overridden key by key. Values are YAML scalars.
func testConfig(server: [String: String] = [:], limits: [String: String] = [:], timeouts: [String: String] = [:]) -> String {
    let s = ["listen": "\"127.0.0.1:4318\"", "event_loops": "2"].merging(server) { $1 }
    let l = ["max_body_bytes": "1MiB"].merging(limits) { $1 }
    let t = ["shutdown_grace": "5s"].merging(timeouts) { $1 }
    func lines(_ d: [String: String], _ indent: String) -> String {
        d.keys.sorted().map { "\(indent)\($0): \(d[$0]!)\n" }.joined()
    }
    return "server:\n" + lines(s, "  ") + "  limits:\n" + lines(l, "    ") + "  timeouts:\n" + lines(t, "    ")
        + "log:\n  level: debug\n"
}

// MARK: - /metrics helpers

extension SlodServer {
    /// GET with extra request header fields (e.g. `Accept`), on a fresh connection.
    func get(_ path: String, headers: [(String, String)], timeout: Double = 5) throws -> HTTPResponse {
        let c = try RawClient(port: port)
        defer { c.close() }
        let fields = headers.map { "\($0.0): \($0.1)\r\n" }.joined()
        try c.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(fields)Connection: close\r\n\r\n")
        return try c.readResponse(timeout: timeout)
    }
}

/// Structural checks of a live `/metrics` body, in the format its `Content-Type` names. Lighter
/// than the unit tests' `ExpositionChecker` (which this target cannot import) but aimed at what
/// breaks a whole scrape: a family that is not one contiguous block (its `# TYPE`/`# HELP` seen
/// twice), a sample outside its family's block or before its `# TYPE`, an OpenMetrics counter
/// family named with `_total`, blank lines or stray comments in OpenMetrics, and `# EOF` missing,
/// repeated or not last.
enum ExpositionShape {
    /// The `Accept` header Prometheus 2.42 sends on every scrape.
    static let prometheus242Accept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    /// The problems found (empty: none), each naming its line.
    static func problems(_ text: String, openMetrics om: Bool) -> [String] {
        guard text.hasSuffix("\n") else { return ["the body does not end with a newline"] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        if om {
            guard lines.last == "# EOF" else { return ["the last line is not # EOF"] }
            lines = lines.dropLast()
        }
        var problems: [String] = []
        var started = Set<String>()
        var family = "", type = ""
        for (i, line) in lines.enumerated() {
            let n = i + 1
            if line.isEmpty {
                if om { problems.append("line \(n): blank line") }
                continue
            }
            if line.hasPrefix("#") {
                let f = line.split(separator: " ")
                guard f.count >= 3, ["TYPE", "HELP", "UNIT"].contains(f[1]) else {
                    if om { problems.append("line \(n): \(line) (only # TYPE/UNIT/HELP, and # EOF last)") }
                    continue
                }
                let name = String(f[2])
                if name != family {
                    if !started.insert(name).inserted { problems.append("line \(n): family \(name) is not contiguous") }
                    family = name
                    type = ""
                }
                if f[1] == "TYPE" {
                    type = f.count > 3 ? String(f[3]) : ""
                    if om, type == "counter", name.hasSuffix("_total") { problems.append("line \(n): OpenMetrics counter family \(name) ends in _total") }
                }
                continue
            }
            let sample = String(line.prefix { $0 != "{" && $0 != " " })
            let suffixes: [String]
            switch type {
            case "counter": suffixes = om ? ["_total", "_created"] : [""]
            case "histogram": suffixes = ["_bucket", "_sum", "_count"] + (om ? ["_created"] : [])
            case "summary": suffixes = ["", "_sum", "_count"] + (om ? ["_created"] : [])
            case "info": suffixes = ["_info"]
            case "": suffixes = []
            default: suffixes = [""]
            }
            if !suffixes.contains(where: { family + $0 == sample }) {
                problems.append("line \(n): sample \(sample) is outside its family's block (current: \(family), type \(type.isEmpty ? "none" : type))")
            }
        }
        return problems
    }
}
