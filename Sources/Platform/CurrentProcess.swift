#if canImport(Glibc)
import Glibc
#endif

/// Facts about the running process.
public enum CurrentProcess {
    /// The process ID (`getpid(2)`).
    public static var id: Int32 { getpid() }
}
