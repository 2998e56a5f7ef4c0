import Config
import Foundation
import Platform
import SLO
import Synchronization
import Testing
@testable import Daemon

/// A reload whose new SLOs cannot be applied fails like an invalid file: the running
/// configuration stays (so the same reload, tried again, applies them), and it is counted.
@Suite struct ReloaderTests {
    static func config(objective: String) -> String {
        """
        log:
          level: info
        slos:
          - service: checkout
            name: availability
            objective: \(objective)
            period: 30d
            sli:
              events:
                total: http_requests_total
                bad: 'http_requests_total{code="500"}'

        """
    }

    @Test func aReloadWhoseSLOsCannotBeAppliedFailsAndKeepsTheRunningConfiguration() throws {
        let path = NSTemporaryDirectory() + "slod-reload-\(UUID().uuidString).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.config(objective: "99").write(toFile: path, atomically: true, encoding: .utf8)
        let initial = try Daemon.loadConfig(path: path).get()
        let reloader = Reloader(configPath: path, logLevelOverride: nil, initial: initial, logger: Logger(fd: 2, level: .error))
        let applied = Mutex<[[SLOSpec]]>([])
        let engineFree = Atomic<Bool>(false)
        reloader.setSLOHandler { specs in
            guard engineFree.load(ordering: .acquiring) else { throw SLOService.ReconfigurationError.engineBusy(.seconds(10)) }
            applied.withLock { $0.append(specs) }
        }

        try Self.config(objective: "99.5").write(toFile: path, atomically: true, encoding: .utf8)
        guard case .failed(let why) = reloader.reload() else {
            Issue.record("a reload whose SLOs could not be applied succeeded")
            return
        }
        #expect(why.contains("held the SLO engine"), "\(why)")
        #expect(reloader.current.withLock { $0 } == initial, "the running configuration was replaced")
        #expect((reloader.succeeded.value, reloader.failed.value) == (0, 1))

        // Nothing was taken over, so the same file reloaded again applies the SLOs.
        engineFree.store(true, ordering: .releasing)
        #expect(reloader.reload() == .reloaded(restartNeeded: []))
        #expect(applied.withLock { $0.map { $0.map(\.objective.partsPerBillion) } } == [[995_000_000]])
        #expect(reloader.current.withLock { $0.slos } == applied.withLock { $0[0] })
        #expect((reloader.succeeded.value, reloader.failed.value) == (1, 1))
    }
}
