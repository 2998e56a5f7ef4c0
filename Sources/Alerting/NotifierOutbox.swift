import Dispatch
import Platform
import Primitives

/// Sends one notification request. The daemon's transport is the HTTP module's client; tests
/// use a fake. Throws for a request that did not get a response (refused, timed out, …), with
/// a message naming what failed.
public protocol NotifierTransport: Sendable {
    /// POSTs `body` (JSON) to `url` with `headers`; returns the response status.
    func post(url: String, headers: [(name: String, value: String)], body: [UInt8], timeout: Duration) throws -> Int
}

/// How an outbox retries: exponential backoff from `initialBackoff` doubling up to
/// `maxBackoff`, each wait scaled by a random factor in [0.5, 1.5) (jitter, so a fleet of
/// slods does not retry in step), until the notification is `maxAge` old.
public struct RetryPolicy: Sendable, Equatable {
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    public var maxAge: Duration
    public var timeout: Duration

    public init(initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(30),
                maxAge: Duration = .seconds(3_600), timeout: Duration = .seconds(10)) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxAge = maxAge
        self.timeout = timeout
    }

    /// The wait before attempt `attempt + 1` (attempt ≥ 1), before jitter.
    func backoff(afterAttempt attempt: Int) -> Duration {
        let doublings = min(attempt - 1, 30)
        let nanos = min(Double(initialBackoff.nanoseconds) * Double(1 << doublings), Double(maxBackoff.nanoseconds))
        return .nanoseconds(Int64(nanos))
    }
}

/// Self-metrics of one notifier destination.
public final class NotifierMetrics: Sendable {
    /// Notifications delivered (2xx).
    public let sent: Counter
    /// Attempts that failed (no response, 5xx, 429), retried or not.
    public let failedAttempts: Counter
    /// Notifications given up: refused by the receiver (4xx other than 429), too old to retry,
    /// or pushed out of a full queue.
    public let dropped: Counter
    /// Seconds from enqueueing to delivery.
    public let latency: Histogram
    /// Notifications waiting.
    public let queueLength: Gauge

    public static let latencyBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    /// Instruments of its own, or the registry's (the daemon's self-metrics).
    public init(sent: Counter = Counter(), failedAttempts: Counter = Counter(), dropped: Counter = Counter(),
                latency: Histogram = Histogram(bounds: NotifierMetrics.latencyBounds), queueLength: Gauge = Gauge()) {
        self.sent = sent
        self.failedAttempts = failedAttempts
        self.dropped = dropped
        self.latency = latency
        self.queueLength = queueLength
    }
}

/// One destination's queue of notifications and the thread that delivers them: bounded (the
/// oldest is dropped when full, and counted), FIFO (a notification waiting for its retry holds
/// the later ones back, so a resolution never overtakes its firing), retried with backoff and
/// jitter, each attempt bounded by the policy's timeout. A slow or dead receiver only fills its
/// own queue: `enqueue` never blocks, and nothing else waits for this thread.
public final class NotifierOutbox: @unchecked Sendable {
    public let name: String
    public let url: String
    let headers: [(name: String, value: String)]
    let transport: NotifierTransport
    let policy: RetryPolicy
    let capacity: Int
    public let metrics: NotifierMetrics

    struct Job {
        /// Increasing per outbox: tells the job being attempted from one that replaced it at
        /// the head (when a full queue dropped the one in flight).
        var seq: UInt64
        var body: [UInt8]
        /// Monotonic nanoseconds.
        var enqueued: UInt64
        var attempts = 0
        var notBefore: UInt64 = 0
    }
    private let queue = PThreadLocked<(jobs: [Job], head: Int, stopping: Bool, nextSeq: UInt64)>(([], 0, false, 0))
    private let wake = DispatchSemaphore(value: 0)
    private var thread: OSThread?
    private var random = SplitMix64(seed: UInt64(truncatingIfNeeded: Platform.Clock.monotonicNanos()))

    /// `headers` may carry credentials: they are sent, never logged.
    public init(name: String, url: String, headers: [(name: String, value: String)] = [], transport: NotifierTransport,
                policy: RetryPolicy = RetryPolicy(), capacity: Int = 10_000, metrics: NotifierMetrics = NotifierMetrics()) {
        self.name = name
        self.url = url
        self.headers = headers
        self.transport = transport
        self.policy = policy
        self.capacity = max(1, capacity)
        self.metrics = metrics
    }

    /// Queues `body` for delivery; when the queue is full the oldest notification is dropped.
    public func enqueue(_ body: [UInt8]) {
        let now = Platform.Clock.monotonicNanos()
        let dropped = queue.withLock { q -> Bool in
            var dropped = false
            if q.jobs.count - q.head >= capacity {
                q.head += 1
                dropped = true
            }
            q.jobs.append(Job(seq: q.nextSeq, body: body, enqueued: now))
            q.nextSeq &+= 1
            if q.head > 1_024 && q.head * 2 > q.jobs.count {
                q.jobs.removeFirst(q.head)
                q.head = 0
            }
            return dropped
        }
        if dropped { metrics.dropped.add() }
        metrics.queueLength.set(Int64(pending))
        wake.signal()
    }

    /// Notifications waiting (including one being retried).
    public var pending: Int { queue.withLock { $0.jobs.count - $0.head } }

    public func start() throws(Errno) {
        thread = try OSThread.spawn(name: "slod-notify") { [self] in run() }
    }

    /// Stops the thread after the attempt in flight (at most the policy's timeout); what is
    /// still queued is not sent.
    public func stop() {
        queue.withLock { $0.stopping = true }
        wake.signal()
        thread?.join()
        thread = nil
    }

    private func run() {
        while true {
            let next = queue.withLock { q -> (Job?, Bool) in
                (q.head < q.jobs.count ? q.jobs[q.head] : nil, q.stopping)
            }
            if next.1 { return }
            guard var job = next.0 else {
                wake.wait()
                continue
            }
            let now = Platform.Clock.monotonicNanos()
            if job.notBefore > now {
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(min(job.notBefore - now, 1_000_000_000))))
                continue
            }
            job.attempts += 1
            let outcome = attempt(job)
            var done = true
            switch outcome {
            case .delivered:
                break
            case .refused(let status):
                Logger.shared.warn("notification refused", ["notifier": name, "url": Self.redacted(url), "status": String(status)])
            case .failed(let message):
                let age = Platform.Clock.monotonicNanos() &- job.enqueued
                if age >= UInt64(policy.maxAge.nanoseconds) {
                    Logger.shared.warn("notification given up", ["notifier": name, "url": Self.redacted(url), "attempts": String(job.attempts), "error": message])
                } else {
                    if job.attempts == 1 || job.attempts % 10 == 0 {
                        Logger.shared.warn("notification failed, retrying", ["notifier": name, "url": Self.redacted(url), "attempt": String(job.attempts), "error": message])
                    }
                    let base = Double(policy.backoff(afterAttempt: job.attempts).nanoseconds)
                    let jitter = 0.5 + Double(random.next() >> 11) / Double(1 << 53)
                    job.notBefore = Platform.Clock.monotonicNanos() &+ UInt64(base * jitter)
                    done = false
                }
            }
            // The queue first, then the counters: whoever sees a counter move sees the queue as
            // it is after this attempt.
            let stillHead = queue.withLock { q -> Bool in
                guard q.head < q.jobs.count, q.jobs[q.head].seq == job.seq else { return false }   // dropped meanwhile
                if done { q.head += 1 } else { q.jobs[q.head] = job }
                return true
            }
            metrics.queueLength.set(Int64(pending))
            switch outcome {
            case .delivered:
                metrics.sent.add()
                metrics.latency.observe(Double(Platform.Clock.monotonicNanos() &- job.enqueued) / 1e9)
            case .refused:
                if stillHead { metrics.dropped.add() }
            case .failed:
                metrics.failedAttempts.add()
                if done && stillHead { metrics.dropped.add() }
            }
        }
    }

    /// `scheme://host:port` of `url`: paths and queries may hold tokens, so logs never show them.
    public static func redacted(_ url: String) -> String {
        let bytes = Array(url.utf8)
        var start = 0
        while start + 2 < bytes.count, !(bytes[start] == 0x3A && bytes[start + 1] == 0x2F && bytes[start + 2] == 0x2F) { start += 1 }
        guard start + 2 < bytes.count else { return "<url>" }
        var end = start + 3
        while end < bytes.count, bytes[end] != 0x2F, bytes[end] != 0x3F, bytes[end] != 0x23 { end += 1 }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    enum Outcome { case delivered, refused(Int), failed(String) }

    private func attempt(_ job: Job) -> Outcome {
        do {
            let status = try transport.post(url: url, headers: headers, body: job.body, timeout: policy.timeout)
            switch status {
            case 200..<300: return .delivered
            case 429, 500...: return .failed("HTTP \(status)")
            default: return .refused(status)
            }
        } catch {
            return .failed("\(error)")
        }
    }
}
