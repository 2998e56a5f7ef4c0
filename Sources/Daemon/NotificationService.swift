import Alerting
import Config
import Exposition
import Foundation
import HTTP
import Platform
import Primitives

/// The notifier transport of the daemon: one HTTP/1.1 POST per attempt with slod's client.
struct HTTPNotifierTransport: NotifierTransport {
    func post(url: String, headers: [(name: String, value: String)], body: [UInt8], timeout: Duration) throws -> Int {
        let target = try HTTPURL(validating: url)
        let client = HTTPClient(connectTimeout: min(timeout, .seconds(5)), requestTimeout: timeout)
        let request = HTTPClientRequest(url: target, headers: [("Content-Type", "application/json")] + headers.map { ($0.name, $0.value) },
                                        body: body)
        return try client.send(request).status
    }
}

/// Delivers alert notices to the configured notifiers (`alerting.notifiers`), one outbox (queue
/// and thread) per destination URL, so a dead receiver never delays another or the evaluation:
///
/// - Alertmanager: every URL gets each alert that fires or resolves at once, and every firing
///   alert again every `resend_interval`, with `endsAt` 4 × max(evaluation interval, resend
///   interval) ahead, as Prometheus sends them.
/// - webhook and PagerDuty: one request per alert that fires or resolves.
///
/// Credentials and routing keys are read from their files when the service is built (start-up
/// and reload); a missing or empty file is an error naming the file.
final class NotificationService: @unchecked Sendable {
    struct Destination {
        let notifier: SlodConfiguration.Notifier
        let outbox: NotifierOutbox
        /// PagerDuty: the routing key.
        let secret: String
    }
    let destinations: [Destination]
    let evaluationInterval: Duration
    /// Alertmanager re-sends: the last time (Unix ns) firing alerts were re-sent, per notifier.
    private var lastResend: [String: Int64] = [:]
    private let source: String

    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    init(config: SlodConfiguration.Alerting, registry: MetricsRegistry?, transport: NotifierTransport = HTTPNotifierTransport()) throws(SetupError) {
        evaluationInterval = config.evaluationInterval
        source = "slod@" + (ProcessInfo.processInfo.hostName.isEmpty ? "localhost" : ProcessInfo.processInfo.hostName)
        var out: [Destination] = []
        for n in config.notifiers {
            var headers: [(name: String, value: String)] = []
            switch n.auth {
            case .none: break
            case .bearerTokenFile(let path):
                headers.append(("Authorization", "Bearer " + (try Self.secret(path, what: "bearer_token_file of notifier \(n.name)"))))
            case .basic(let user, let path):
                let password = try Self.secret(path, what: "basic_auth.password_file of notifier \(n.name)")
                headers.append(("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()))
            }
            let urls: [String]
            var secret = ""
            switch n.kind {
            case .alertmanager(let list, _): urls = list.map { $0 + "/api/v2/alerts" }
            case .webhook(let url): urls = [url]
            case .pagerDuty(let url, let keyFile):
                urls = [url]
                secret = try Self.secret(keyFile, what: "routing_key_file of notifier \(n.name)")
            }
            for url in urls {
                let labels = [("notifier", n.name), ("url", NotifierOutbox.redacted(url))]
                let metrics = registry.map { r in
                    NotifierMetrics(
                        sent: r.counter("slod_notifications_sent_total", help: "Alert notifications delivered (2xx).", labels: labels),
                        failedAttempts: r.counter("slod_notification_attempts_failed_total",
                                                  help: "Notification attempts without success (no response, 5xx, 429); they are retried.", labels: labels),
                        dropped: r.counter("slod_notifications_dropped_total",
                                           help: "Notifications given up: refused (4xx), retried for longer than retry_for, or pushed out of a full queue.",
                                           labels: labels),
                        latency: r.histogram("slod_notification_latency_seconds", help: "Seconds from an alert notice to its delivery.",
                                             labels: labels, bounds: NotifierMetrics.latencyBounds),
                        queueLength: r.gauge("slod_notification_queue_length", help: "Notifications waiting to be delivered.", labels: labels))
                } ?? NotifierMetrics()
                let outbox = NotifierOutbox(name: n.name, url: url, headers: headers, transport: transport,
                                            policy: RetryPolicy(maxAge: n.retryFor, timeout: n.timeout), capacity: n.queueCapacity,
                                            metrics: metrics)
                out.append(Destination(notifier: n, outbox: outbox, secret: secret))
            }
        }
        destinations = out
    }

    /// The contents of a secret file, trimmed of surrounding white space.
    static func secret(_ path: String, what: String) throws(SetupError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SetupError(description: "cannot read \(what): \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw SetupError(description: "\(what) is empty: \(path)") }
        return text
    }

    func start() throws(Errno) {
        for d in destinations { try d.outbox.start() }
    }

    /// Stops every outbox thread (each after its attempt in flight).
    func stop() {
        for d in destinations { d.outbox.stop() }
    }

    /// Hands one evaluation's notices (and, for Alertmanager re-sends, the firing alerts) to
    /// the outboxes. Never blocks on the network. `now` is Unix nanoseconds.
    func deliver(_ notices: [AlertNotice], firing: [Alert], now: Int64, externalURL: String) {
        guard !destinations.isEmpty else { return }
        for d in destinations {
            switch d.notifier.kind {
            case .alertmanager(_, let resend):
                let validFor = max(evaluationInterval, resend) * 4
                var batch = notices.map(\.alert)
                if lastResend[d.notifier.name].map({ now &- $0 >= Int64(resend.nanoseconds) }) ?? true {
                    let noticed = Set(batch.map(\.key))
                    batch += firing.filter { $0.phase == .firing && !noticed.contains($0.key) }
                }
                guard !batch.isEmpty else { continue }
                d.outbox.enqueue(NotifierPayload.alertmanager(batch, now: now, validForNanos: Int64(validFor.nanoseconds)))
            case .webhook:
                for n in notices {
                    d.outbox.enqueue(NotifierPayload.webhook(n.alert, status: n.transition, receiver: d.notifier.name,
                                                             externalURL: externalURL, now: now))
                }
            case .pagerDuty:
                for n in notices {
                    d.outbox.enqueue(NotifierPayload.pagerDuty(n.alert, status: n.transition, routingKey: d.secret, source: source))
                }
            }
        }
        // Re-send clocks advance per notifier once all its URLs were served.
        for d in destinations {
            if case .alertmanager(_, let resend) = d.notifier.kind,
               lastResend[d.notifier.name].map({ now &- $0 >= Int64(resend.nanoseconds) }) ?? true {
                lastResend[d.notifier.name] = now
            }
        }
    }
}
