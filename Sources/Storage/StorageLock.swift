import Platform

/// An exclusive lock on a storage directory (`DIR/lock`, `flock`), so two slod processes never
/// write one WAL. The holder writes its PID into the file; a second process is refused with an
/// error naming the directory and that PID. The lock goes with the process (also on `kill -9`).
public final class StorageLock {
    public let path: String
    private var fd: Int32

    public struct Refused: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Takes the lock of `directory` (which must exist), or throws.
    public init(directory: String) throws(Refused) {
        path = directory + "/lock"
        let f: Int32
        do throws(Errno) {
            f = try FD.open(path, [.readWrite, .create], permissions: 0o640)
        } catch {
            throw Refused(description: "cannot open \(path): \(error)")
        }
        let locked: Bool
        do throws(Errno) {
            locked = try FD.tryLockExclusive(f)
        } catch {
            FD.close(f)
            throw Refused(description: "cannot lock \(path): \(error)")
        }
        guard locked else {
            var holder = [UInt8](repeating: 0, count: 31)
            let n = holder.withUnsafeMutableBytes { buffer in (try? FD.read(f, into: buffer, at: 0)) ?? 0 }
            FD.close(f)
            let pid = n > 0 ? String(decoding: holder[..<n], as: UTF8.self).trimmingWhitespace : "unknown"
            throw Refused(description: "storage directory \(directory) is in use by another slod (pid \(pid)); give each slod its own --storage-path")
        }
        fd = f
        let pid = Array("\(CurrentProcess.id)\n".utf8)
        try? FD.truncate(f, to: 0)
        pid.withUnsafeBytes { bytes in try? FD.write(f, bytes, at: 0) }
    }

    /// Releases the lock (also released when the process exits).
    public func release() {
        if fd >= 0 { FD.close(fd) }
        fd = -1
    }

    deinit { release() }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\n" || c == "\t" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\n" || c == "\t" || c == "\r" { s.removeLast() }
        return String(s)
    }
}
