import CShims
#if canImport(Glibc)
import Glibc
#endif

/// Monotonic and wall clocks (`clock_gettime(2)`, vDSO: ~40 ns).
public enum Clock {
    /// Nanoseconds on `CLOCK_MONOTONIC`; only differences are meaningful.
    @inlinable public static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// CPU time the calling thread has used (`CLOCK_THREAD_CPUTIME_ID`), in nanoseconds: set
    /// against a `monotonicNanos` difference, it tells work from time the thread was not running.
    public static func threadCPUNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Seconds since the Unix epoch (`CLOCK_REALTIME`) as a Double.
    public static func wallSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Unix nanoseconds (`CLOCK_REALTIME`).
    public static func wallNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }

    /// Current wall time split into seconds and nanoseconds.
    public static func wallTimespec() -> (seconds: Int, nanos: Int) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return (ts.tv_sec, ts.tv_nsec)
    }

    /// Broken-down UTC time for `seconds` (`gmtime_r`).
    public static func utc(_ seconds: Int) -> tm {
        var t = time_t(seconds)
        var out = tm()
        gmtime_r(&t, &out)
        return out
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    public var nanoseconds: UInt64 {
        let (s, a) = components
        if s < 0 { return 0 }
        let (m, o) = UInt64(s).multipliedReportingOverflow(by: 1_000_000_000)
        if o { return UInt64.max }
        return m &+ UInt64(a / 1_000_000_000)
    }
    /// The duration in milliseconds (saturating to Int).
    public var milliseconds: Int { Int(clamping: nanoseconds / 1_000_000) }
    /// The duration in seconds as a Double.
    public var seconds: Double { Double(nanoseconds) / 1e9 }
}
