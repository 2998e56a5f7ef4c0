import Platform

/// Registers a collector that writes the standard `process_*` families at every scrape, with the
/// names, types and help texts of the Prometheus Go client: `process_cpu_seconds_total`,
/// `process_open_fds`, `process_max_fds`, `process_virtual_memory_bytes`,
/// `process_resident_memory_bytes`, `process_start_time_seconds`.
///
/// A value that cannot be read (no `/proc`) is omitted from that scrape. Each scrape costs a read
/// of `/proc/self/stat` and a listing of `/proc/self/fd`. Call once per registry.
public func registerProcessMetrics(_ registry: MetricsRegistry) {
    registry.register(families: processMetricFamilyNames) { writer in
        writeProcessMetrics(ProcessStats.current(), into: &writer)
    }
}

/// The families `registerProcessMetrics` writes (counters with `_total`).
public let processMetricFamilyNames: [String] = [
    "process_cpu_seconds_total", "process_open_fds", "process_max_fds", "process_virtual_memory_bytes",
    "process_resident_memory_bytes", "process_start_time_seconds",
]

/// Writes the families for the fields of `stats` that are present.
func writeProcessMetrics(_ stats: ProcessStats, into w: inout MetricsWriter) {
    if let v = stats.cpuSeconds {
        w.family("process_cpu_seconds_total", type: .counter, help: "Total user and system CPU time spent in seconds.")
        w.sample("process_cpu_seconds_total", value: v)
    }
    if let v = stats.openFDs {
        w.family("process_open_fds", type: .gauge, help: "Number of open file descriptors.")
        w.sample("process_open_fds", value: v)
    }
    if let v = stats.maxFDs {
        w.family("process_max_fds", type: .gauge, help: "Maximum number of open file descriptors.")
        w.sample("process_max_fds", value: v)
    }
    if let v = stats.virtualMemoryBytes {
        w.family("process_virtual_memory_bytes", type: .gauge, help: "Virtual memory size in bytes.")
        w.sample("process_virtual_memory_bytes", value: v)
    }
    if let v = stats.residentMemoryBytes {
        w.family("process_resident_memory_bytes", type: .gauge, help: "Resident memory size in bytes.")
        w.sample("process_resident_memory_bytes", value: v)
    }
    if let v = stats.startTimeSeconds {
        w.family("process_start_time_seconds", type: .gauge, help: "Start time of the process since unix epoch in seconds.")
        w.sample("process_start_time_seconds", value: v)
    }
}
