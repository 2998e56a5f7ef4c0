@testable import Alerting
import Foundation
import Platform
import Testing

/// The notifiers' payloads against the receivers' documented shapes, and the outbox's
/// delivery: order, retries with backoff, refusals, a bounded queue, give-up age.
@Suite struct NotifierPayloadTests {
    static var firing: Alert {
        var a = AlertOutputTests.alert
        a.labels = [AlertLabel("alertname", "SLOBurnRate"), AlertLabel("route", "/pay"), AlertLabel("sloth_id", "checkout-availability"),
                    AlertLabel("sloth_service", "checkout"), AlertLabel("sloth_severity", "page"), AlertLabel("sloth_slo", "availability")]
        return a
    }

    static func json(_ bytes: [UInt8]) throws -> Any { try JSONSerialization.jsonObject(with: Data(bytes)) }

    @Test func alertmanagerV2Array() throws {
        var resolved = Self.firing
        resolved.phase = .inactive
        resolved.resolvedAt = 1_767_225_900_000_000_000
        let now: Int64 = 1_767_225_700_000_000_000
        let body = NotifierPayload.alertmanager([Self.firing, resolved], now: now, validForNanos: 240_000_000_000)
        let array = try #require(try Self.json(body) as? [[String: Any]])
        #expect(array.count == 2)
        #expect(Set(array[0].keys) == ["labels", "annotations", "startsAt", "endsAt", "generatorURL"])
        #expect((array[0]["labels"] as? [String: String])?["sloth_severity"] == "page")
        #expect(array[0]["startsAt"] as? String == "2026-01-01T00:00:52.000Z")
        #expect(array[0]["endsAt"] as? String == "2026-01-01T00:05:40.000Z")     // now + 4 min
        #expect(array[1]["endsAt"] as? String == "2026-01-01T00:05:00.000Z")     // resolution
    }

    @Test func webhookVersion4() throws {
        let body = NotifierPayload.webhook(Self.firing, status: .firing, receiver: "hook", externalURL: "http://127.0.0.1:4318", now: 0)
        let o = try #require(try Self.json(body) as? [String: Any])
        #expect(Set(o.keys) == ["version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels", "commonLabels",
                                "commonAnnotations", "externalURL", "alerts"])
        #expect(o["version"] as? String == "4" && o["status"] as? String == "firing" && o["receiver"] as? String == "hook")
        let alerts = try #require(o["alerts"] as? [[String: Any]])
        #expect(alerts.count == 1)
        #expect(Set(alerts[0].keys) == ["status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"])
        #expect((alerts[0]["fingerprint"] as? String)?.count == 16)
        var resolved = Self.firing
        resolved.resolvedAt = 1_767_225_900_000_000_000
        let r = try #require(try Self.json(NotifierPayload.webhook(resolved, status: .resolved, receiver: "hook", externalURL: "", now: 0)) as? [String: Any])
        #expect(r["status"] as? String == "resolved")
        #expect(((r["alerts"] as? [[String: Any]])?.first?["endsAt"]) as? String == "2026-01-01T00:05:00.000Z")
        #expect(r["groupKey"] as? String == o["groupKey"] as? String)
    }

    @Test func pagerDutyEventsV2() throws {
        let t = try #require(try Self.json(NotifierPayload.pagerDuty(Self.firing, status: .firing, routingKey: "KEY", source: "slod@host")) as? [String: Any])
        #expect(t["routing_key"] as? String == "KEY" && t["event_action"] as? String == "trigger")
        #expect(t["dedup_key"] as? String == "slod/checkout-availability//pay/page")
        let payload = try #require(t["payload"] as? [String: Any])
        #expect(payload["severity"] as? String == "critical" && payload["source"] as? String == "slod@host")
        #expect((payload["summary"] as? String)?.isEmpty == false)
        #expect(payload["component"] as? String == "checkout" && payload["group"] as? String == "availability"
                && payload["class"] as? String == "page", "\(payload)")
        let details = try #require(payload["custom_details"] as? [String: Any])
        #expect((details["labels"] as? [String: String])?["sloth_severity"] == "page", "\(details)")
        let r = try #require(try Self.json(NotifierPayload.pagerDuty(Self.firing, status: .resolved, routingKey: "KEY", source: "x")) as? [String: Any])
        #expect(Set(r.keys) == ["routing_key", "event_action", "dedup_key"] && r["event_action"] as? String == "resolve")
        #expect(r["dedup_key"] as? String == t["dedup_key"] as? String)
        func severity(_ labels: [AlertLabel]) -> String {
            var a = Self.firing
            a.labels = labels
            return NotifierPayload.pagerDutySeverity(a)
        }
        // A configured severity that PagerDuty knows wins; else the tier decides.
        #expect(severity([AlertLabel("sloth_severity", "ticket")]) == "warning")
        #expect(severity([AlertLabel("severity", "error"), AlertLabel("sloth_severity", "page")]) == "error")
        #expect(severity([AlertLabel("severity", "pageteam"), AlertLabel("sloth_severity", "page")]) == "critical")
        #expect(severity([AlertLabel("sloth_severity", "warning")]) == "warning")
        #expect(severity([AlertLabel("sloth_severity", "budget")]) == "info")
        var long = Self.firing
        long.key.groupValues = [String(repeating: "x", count: 400)]
        #expect(NotifierPayload.dedupKey(long).utf8.count <= 255)
    }
}

/// A transport that answers from a script and records what it was sent.
final class ScriptedTransport: NotifierTransport, @unchecked Sendable {
    let log = PThreadLocked<[(body: String, at: UInt64)]>([])
    let answers: PThreadLocked<[Result<Int, TransportFailure>]>
    let delay: Duration
    struct TransportFailure: Error, CustomStringConvertible { var description: String }

    init(_ answers: [Result<Int, TransportFailure>], delay: Duration = .zero) {
        self.answers = PThreadLocked(answers)
        self.delay = delay
    }

    func post(url: String, headers: [(name: String, value: String)], body: [UInt8], timeout: Duration) throws -> Int {
        if delay > .zero { usleep(UInt32(delay.nanoseconds / 1_000)) }
        log.withLock { $0.append((String(decoding: body, as: UTF8.self), Platform.Clock.monotonicNanos())) }
        let answer = answers.withLock { a -> Result<Int, TransportFailure> in a.isEmpty ? .success(200) : a.removeFirst() }
        return try answer.get()
    }

    var bodies: [String] { log.withLock { $0.map(\.body) } }
}


@Suite(.serialized) struct NotifierOutboxTests {
    static let fast = RetryPolicy(initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(80), maxAge: .seconds(10), timeout: .seconds(1))

    /// Polls `done` every 5 ms for at most `seconds`.
    static func waitFor(_ seconds: Double = 5, _ done: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !done() && Date() < deadline { usleep(5_000) }
        return done()
    }

    @Test func retriesWithBackoffAndKeepsTheOrder() throws {
        let t = ScriptedTransport([.failure(.init(description: "connect: refused")), .success(503), .success(200), .success(202)])
        let box = NotifierOutbox(name: "am", url: "http://127.0.0.1:1/api/v2/alerts", transport: t, policy: Self.fast)
        try box.start()
        defer { box.stop() }
        box.enqueue(Array("first".utf8))
        box.enqueue(Array("second".utf8))
        #expect(Self.waitFor { box.metrics.sent.value == 2 })
        #expect(t.bodies == ["first", "first", "first", "second"])
        #expect(box.metrics.failedAttempts.value == 2 && box.metrics.dropped.value == 0)
        let times = t.log.withLock { $0.map(\.at) }
        // Waits of 20 ms and 40 ms, each × [0.5, 1.5).
        #expect(times[1] - times[0] >= 10_000_000 && times[2] - times[1] >= 20_000_000)
        #expect(box.metrics.latency.snapshot().count == 2)
        #expect(box.pending == 0)
    }

    @Test func aRefusalIsDroppedAndTheNextGoesOn() throws {
        let t = ScriptedTransport([.success(400), .success(200)])
        let box = NotifierOutbox(name: "hook", url: "http://x/hook", transport: t, policy: Self.fast)
        try box.start()
        defer { box.stop() }
        box.enqueue(Array("bad".utf8))
        box.enqueue(Array("good".utf8))
        #expect(Self.waitFor { box.metrics.sent.value == 1 })
        #expect(t.bodies == ["bad", "good"] && box.metrics.dropped.value == 1)
    }

    @Test func logsShowURLsWithoutPathOrQuery() {
        #expect(NotifierOutbox.redacted("http://127.0.0.1:8080/hook?token=x") == "http://127.0.0.1:8080")
        #expect(NotifierOutbox.redacted("http://[::1]:9093") == "http://[::1]:9093")
        #expect(NotifierOutbox.redacted("http://h?k=v") == "http://h")
        #expect(NotifierOutbox.redacted("nonsense") == "<url>")
    }

    @Test func aFullQueueDropsTheOldest() {
        let box = NotifierOutbox(name: "am", url: "http://x", transport: ScriptedTransport([]), policy: Self.fast, capacity: 3)
        for i in 0..<5 { box.enqueue(Array("n\(i)".utf8)) }
        #expect(box.pending == 3 && box.metrics.dropped.value == 2)
        #expect(box.metrics.queueLength.value == 3)
    }

    @Test func aNotificationTooOldIsGivenUp() throws {
        let failing = (0..<1_000).map { _ in Result<Int, ScriptedTransport.TransportFailure>.success(500) }
        let t = ScriptedTransport(failing)
        let policy = RetryPolicy(initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(10), maxAge: .milliseconds(100), timeout: .seconds(1))
        let box = NotifierOutbox(name: "pd", url: "http://x", transport: t, policy: policy)
        try box.start()
        defer { box.stop() }
        box.enqueue(Array("doomed".utf8))
        #expect(Self.waitFor { box.metrics.dropped.value == 1 })
        #expect(box.metrics.sent.value == 0 && box.metrics.failedAttempts.value >= 3 && box.pending == 0)
    }

    /// A receiver taking 300 ms per request: enqueueing never waits for it.
    @Test func aSlowReceiverNeverBlocksEnqueue() throws {
        let t = ScriptedTransport([], delay: .milliseconds(300))
        let box = NotifierOutbox(name: "slow", url: "http://x", transport: t, policy: Self.fast)
        try box.start()
        defer { box.stop() }
        let start = Date()
        for i in 0..<50 { box.enqueue(Array("n\(i)".utf8)) }
        #expect(Date().timeIntervalSince(start) < 0.1)
        #expect(Self.waitFor { box.metrics.sent.value >= 1 })
    }
}
