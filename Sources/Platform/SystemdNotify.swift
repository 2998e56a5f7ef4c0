import CShims
#if canImport(Glibc)
import Glibc
#endif

/// The sd_notify protocol without libsystemd: datagrams like `READY=1` sent to the AF_UNIX socket
/// named by `$NOTIFY_SOCKET` (a path, or an abstract name starting with `@`).
public struct SystemdNotifier: Sendable {
    let path: [UInt8]?

    /// Reads `NOTIFY_SOCKET` from the environment; without it every send is a no-op.
    public init(environmentValue: String? = Environment.get("NOTIFY_SOCKET")) {
        if let v = environmentValue, !v.isEmpty, v.utf8.count < 108, v.hasPrefix("/") || v.hasPrefix("@") {
            path = Array(v.utf8)
        } else {
            path = nil
        }
    }

    public var isEnabled: Bool { path != nil }

    /// Sends one notification, e.g. `"READY=1\nSTATUS=listening"`. Returns false on failure
    /// (systemd not listening); never throws: notification is best effort.
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard let path else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { return false }
        defer { FD.close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { dst in
            for (i, b) in path.enumerated() { dst[i] = b }
            if path.first == UInt8(ascii: "@") { dst[0] = 0 }
        }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let bytes = Array(message.utf8)
        let n = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bytes.withUnsafeBytes { b in sendto(fd, b.baseAddress, b.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT), sa, len) }
            }
        }
        return n == bytes.count
    }

    /// The watchdog interval systemd expects pings at (`$WATCHDOG_USEC`, honouring
    /// `$WATCHDOG_PID`), or nil when the watchdog is off.
    public static func watchdogInterval() -> Duration? {
        guard let usec = Environment.get("WATCHDOG_USEC").flatMap({ UInt64($0) }), usec > 0 else { return nil }
        if let pid = Environment.get("WATCHDOG_PID").flatMap({ Int32($0) }), pid != getpid() { return nil }
        return .microseconds(Int64(clamping: usec))
    }
}

/// Environment variables (`getenv(3)`).
public enum Environment {
    public static func get(_ name: String) -> String? {
        guard let p = getenv(name) else { return nil }
        return String(cString: p)
    }
}
