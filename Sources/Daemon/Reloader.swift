import Config
import SLO
import Dispatch
import Platform
import Primitives
import Synchronization

/// Re-reads the configuration on `POST /-/reload` or SIGHUP and applies what can change
/// without a restart (the log level, the SLOs). Server settings (listen address, limits,
/// timeouts, event loops) need a restart; a reload that changes them succeeds but logs a
/// warning naming them. An invalid file, or new SLOs that cannot be applied, fail the reload:
/// the running configuration stays untouched, every error is reported and logged, and the
/// failure is counted (`slod_config_reloads_total{result="failure"}`). Reloads run one at a time.
final class Reloader: Sendable {
    let configPath: String?
    let logLevelOverride: String?
    let logger: Logger
    let current: Mutex<SlodConfiguration>
    let queue = DispatchQueue(label: "slod.reload")
    /// Applies a changed SLO list (the daemon's `SLOService.reconfigure`); nil: SLO changes
    /// need a restart.
    private let sloHandler = Mutex<(@Sendable ([SLOSpec]) throws -> Void)?>(nil)
    /// Held for a whole reload (SIGHUP and `POST /-/reload` may come together).
    private let reloading = Mutex(())
    let succeeded = Counter()
    let failed = Counter()

    func setSLOHandler(_ handler: @escaping @Sendable ([SLOSpec]) throws -> Void) {
        sloHandler.withLock { $0 = handler }
    }

    init(configPath: String?, logLevelOverride: String?, initial: SlodConfiguration, logger: Logger) {
        self.configPath = configPath
        self.logLevelOverride = logLevelOverride
        self.logger = logger
        current = Mutex(initial)
    }

    enum Outcome: Sendable, Equatable {
        case reloaded(restartNeeded: [String])
        case failed(String)
    }

    /// Reloads synchronously (blocking file I/O: call off the event loops).
    func reload() -> Outcome {
        reloading.withLock { _ in
            let outcome = apply(Daemon.loadConfig(path: configPath))
            switch outcome {
            case .reloaded: succeeded.add()
            case .failed: failed.add()
            }
            return outcome
        }
    }

    private func apply(_ loaded: Result<SlodConfiguration, LoadFailureText>) -> Outcome {
        let new: SlodConfiguration
        switch loaded {
        case .failure(let text):
            logger.error("reload failed; keeping the running configuration", ["errors": text.description])
            return .failed(text.description)
        case .success(let c): new = c
        }
        let old = current.withLock { $0 }
        var restart: [String] = []
        // The SLOs first: the one change that can fail after the file checked out.
        if old.slos != new.slos {
            if let handler = sloHandler.withLock({ $0 }) {
                do {
                    try handler(new.slos)
                } catch {
                    logger.error("reload failed: cannot apply the new SLOs; keeping the running configuration", ["error": "\(error)"])
                    return .failed("cannot apply the new SLOs: \(error)")
                }
            } else {
                restart.append("slos")
            }
        }
        current.withLock { $0 = new }
        if logLevelOverride == nil, let level = Platform.LogLevel(name: new.log.level.description) {
            logger.setLevel(level)
        }
        if old.server.listen != new.server.listen { restart.append("server.listen") }
        if old.server.eventLoops != new.server.eventLoops { restart.append("server.event_loops") }
        if old.server.maxConnections != new.server.maxConnections { restart.append("server.max_connections") }
        if old.server.limits != new.server.limits { restart.append("server.limits") }
        if old.server.timeouts != new.server.timeouts { restart.append("server.timeouts") }
        if old.ingest != new.ingest { restart.append("ingest") }
        if old.aggregation != new.aggregation { restart.append("aggregation") }
        if old.alerting != new.alerting { restart.append("alerting") }
        if restart.isEmpty {
            logger.info("configuration reloaded", ["config": configPath ?? "<embedded default>"])
        } else {
            logger.warn("configuration reloaded; some changes take effect only after a restart",
                        ["config": configPath ?? "<embedded default>", "restart_needed": restart.joined(separator: ",")])
        }
        return .reloaded(restartNeeded: restart)
    }

    /// Reloads on the reload queue and calls `done` there.
    func reloadAsync(_ done: @escaping @Sendable (Outcome) -> Void) {
        queue.async { done(self.reload()) }
    }
}
