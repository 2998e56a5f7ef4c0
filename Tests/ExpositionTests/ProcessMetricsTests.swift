import Platform
import Testing
@testable import Exposition

@Suite struct ProcessMetricsTests {
    static let families: [(String, String)] = [
        ("process_cpu_seconds_total", "counter"), ("process_open_fds", "gauge"), ("process_max_fds", "gauge"),
        ("process_virtual_memory_bytes", "gauge"), ("process_resident_memory_bytes", "gauge"),
        ("process_start_time_seconds", "gauge"),
    ]

    @Test(arguments: families)
    func processFamilyIsRenderedWithGoClientNameAndType(_ name: String, _ type: String) {
        let r = MetricsRegistry()
        registerProcessMetrics(r)
        var out: [UInt8] = []
        r.render(into: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.contains("# HELP \(name) "))
        #expect(text.contains("# TYPE \(name) \(type)\n\(name) "))
    }

    @Test func unreadableSourcesAreOmittedNotZero() {
        var w = MetricsWriter()
        writeProcessMetrics(ProcessStats(openFDs: 7), into: &w)
        #expect(String(decoding: w.bytes, as: UTF8.self) == """
            # HELP process_open_fds Number of open file descriptors.
            # TYPE process_open_fds gauge
            process_open_fds 7

            """)
    }
}
