import Platform
import Primitives
import Synchronization

/// Server settings. Every field has a default.
public struct HTTPServerConfiguration: Sendable {
    /// How connections reach the loops.
    public enum AcceptMode: Sendable {
        /// Each loop has its own listening socket on the port (`SO_REUSEPORT`); the kernel
        /// spreads connections by hash. The default: measured faster (Benchmarks/RESULTS.md).
        case reusePort
        /// One listening socket in every loop's epoll with `EPOLLEXCLUSIVE`.
        case sharedListener
    }

    public var address: SocketAddress
    public var acceptMode: AcceptMode = .reusePort
    /// Event loop threads (each with its own `SO_REUSEPORT` listener).
    public var eventLoops: Int
    public var maxConnections: Int
    public var limits: HTTPLimits
    /// Bytes of request bodies all loops together hold at most (`BodyMemoryBudget`); a request
    /// whose body does not fit is answered 503 with `Retry-After` before its body is read.
    public var maxBodyMemory: Int
    public var headerReadTimeout: Duration
    public var bodyReadTimeout: Duration
    public var idleTimeout: Duration
    public var writeTimeout: Duration
    public var shutdownGrace: Duration

    public init(address: SocketAddress, eventLoops: Int = 1, maxConnections: Int = 10_000, limits: HTTPLimits = .default,
                maxBodyMemory: Int = HTTPServerConfiguration.defaultMaxBodyMemory, headerReadTimeout: Duration = .seconds(10), bodyReadTimeout: Duration = .seconds(30),
                idleTimeout: Duration = .seconds(75), writeTimeout: Duration = .seconds(30), shutdownGrace: Duration = .seconds(10)) {
        self.address = address
        self.eventLoops = max(1, eventLoops)
        self.maxConnections = maxConnections
        self.limits = limits
        self.maxBodyMemory = maxBodyMemory
        self.headerReadTimeout = headerReadTimeout
        self.bodyReadTimeout = bodyReadTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.shutdownGrace = shutdownGrace
    }

    /// 256 MiB: 16 bodies of the default `max_body_bytes`, or ~85 of the 3 MB OTLP exports a
    /// busy SDK sends; about a second of the aggregator's work at full speed. Bodies beyond what
    /// the shards can work off soon only wait in line (adding latency, not throughput) while
    /// holding memory, so they are better told to come back.
    public static let defaultMaxBodyMemory = 256 << 20
}

/// Immutable state the loops share, plus the global connection count.
final class HTTPServerShared: Sendable {
    let router: HTTPRouter
    let metrics: HTTPServerMetrics
    let logger: Logger
    let limits: HTTPLimits
    let maxConnections: Int
    let headerTimeout: UInt64
    let bodyTimeout: UInt64
    let idleTimeout: UInt64
    let writeTimeout: UInt64
    let shutdownGrace: UInt64
    let open = Atomic<Int>(0)
    let bodyMemory: BodyMemoryBudget
    /// The `503` for a request whose body does not fit in `bodyMemory` (built once).
    let bodyMemoryRefusal: HTTPResponse
    /// The metrics handler index used when no route applies.
    let noneHandler: Int

    init(configuration c: HTTPServerConfiguration, router: HTTPRouter, metrics: HTTPServerMetrics, logger: Logger) {
        self.router = router
        self.metrics = metrics
        self.logger = logger
        limits = c.limits
        maxConnections = c.maxConnections
        headerTimeout = c.headerReadTimeout.nanoseconds
        bodyTimeout = c.bodyReadTimeout.nanoseconds
        idleTimeout = c.idleTimeout.nanoseconds
        writeTimeout = c.writeTimeout.nanoseconds
        shutdownGrace = c.shutdownGrace.nanoseconds
        bodyMemory = BodyMemoryBudget(limitBytes: c.maxBodyMemory)
        bodyMemoryRefusal = .text(.serviceUnavailable, message: "slod holds its budget of \(c.maxBodyMemory) bytes of request bodies in memory (server.limits.max_body_memory); this body was not read; retry after 1s\n",
                                  headers: [("Retry-After", "1")], close: true)
        noneHandler = router.routeNames.count
    }

    func tryReserveConnection() -> Bool {
        let n = open.wrappingAdd(1, ordering: .relaxed).newValue
        if n > maxConnections {
            open.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func releaseConnection() { open.wrappingSubtract(1, ordering: .relaxed) }
}

/// An HTTP/1.1 server: N epoll loops, each on its own thread with its own listener on one port.
///
/// Lifecycle: `start()` binds and spawns the loops; `shutdown()` stops accepting and lets
/// in-flight requests finish up to the grace period; `wait()` joins the loop threads.
public final class HTTPServer: Sendable {
    public let configuration: HTTPServerConfiguration
    public let metrics: HTTPServerMetrics
    let shared: HTTPServerShared
    let state = Mutex<(loops: [EventLoop], threads: [OSThread], sharedListener: Int32)>(([], [], -1))

    public init(configuration: HTTPServerConfiguration, router: HTTPRouter, logger: Logger = .shared) {
        self.configuration = configuration
        metrics = HTTPServerMetrics(routeNames: router.routeNames)
        shared = HTTPServerShared(configuration: configuration, router: router, metrics: metrics, logger: logger)
    }

    /// Binds the listeners and starts the loops. Returns the bound address (the real port when
    /// the configured port was 0).
    public func start() throws(Errno) -> SocketAddress {
        var address = configuration.address
        var listeners: [Int32] = []
        let shared = configuration.acceptMode == .sharedListener
        if !shared && address.port != 0 {
            // With SO_REUSEPORT a second process (another slod, a stale one) could bind the same
            // port and silently take a share of the connections. A bind without it fails with
            // EADDRINUSE while anyone listens there, so probe first.
            FD.close(try Socket.listen(address, backlog: 1, reusePort: false))
        }
        do throws(Errno) {
            for i in 0..<(shared ? 1 : configuration.eventLoops) {
                let fd = try Socket.listen(address, backlog: 4096, reusePort: !shared)
                listeners.append(fd)
                if i == 0 { address = try Socket.localAddress(fd) }
            }
        } catch {
            for fd in listeners { FD.close(fd) }
            throw error
        }
        if shared {
            listeners = Array(repeating: listeners[0], count: configuration.eventLoops)
            state.withLock { $0.sharedListener = listeners[0] }
        }
        var loops: [EventLoop] = []
        var threads: [OSThread] = []
        do throws(Errno) {
            for (i, fd) in listeners.enumerated() {
                loops.append(try EventLoop(id: i, server: self.shared, listener: fd, shared: shared))
            }
            for loop in loops {
                threads.append(try OSThread.spawn(name: "slod-http-\(loop.id)") { loop.run() })
            }
        } catch {
            for loop in loops { loop.requestShutdown() }
            for t in threads { t.join() }
            if shared { FD.close(listeners[0]) }
            throw error
        }
        state.withLock { $0.loops = loops; $0.threads = threads }
        return address
    }

    /// Stops accepting new connections; open ones finish their current request (answered with
    /// `Connection: close`) within the grace period, idle ones close now. Safe to call twice.
    public func shutdown() {
        let loops = state.withLock { $0.loops }
        for l in loops { l.requestShutdown() }
    }

    /// Blocks until every loop has exited (after `shutdown()`).
    public func wait() {
        let threads = state.withLock { s -> [OSThread] in
            let t = s.threads
            s.threads = []
            return t
        }
        for t in threads { t.join() }
        let listener = state.withLock { s -> Int32 in
            let l = s.sharedListener
            s.sharedListener = -1
            return l
        }
        if listener >= 0 { FD.close(listener) }
    }

    /// Whether every loop has completed an iteration within the last `nanos` (loops wake at
    /// least every 100 ms, so a stale heartbeat means a loop is stuck).
    public func isResponsive(withinNanos nanos: UInt64) -> Bool {
        let loops = state.withLock { $0.loops }
        let now = Clock.monotonicNanos()
        return loops.allSatisfy { now &- $0.heartbeat.load(ordering: .relaxed) < nanos }
    }

    /// Input buffers of at least this many bytes are kept by the loops between requests
    /// (`LargeBufferPool`) and are worth their own mappings (`MemoryAllocator`).
    public static var largeBufferThreshold: Int { LargeBufferPool.threshold }

    /// Request bodies held in memory by all loops, against `maxBodyMemory`.
    public var bodyMemory: BodyMemoryBudget { shared.bodyMemory }

    /// Connections currently open across all loops.
    public var openConnections: Int { shared.open.load(ordering: .relaxed) }
}
