import Foundation
import Testing
import Platform
import Synchronization
@testable import HTTP

/// Responders of deferred requests, answered when the test says so.
final class HeldResponders: Sendable {
    let responders = Mutex<[HTTPResponder]>([])
    let calls = Atomic<Int>(0)

    func hold(_ r: HTTPResponder) {
        calls.wrappingAdd(1, ordering: .relaxed)
        responders.withLock { $0.append(r) }
    }

    var count: Int { responders.withLock { $0.count } }

    func answerAll() {
        for r in responders.withLock({ l -> [HTTPResponder] in defer { l = [] }; return l }) {
            r.respond(.text(.ok, "applied\n"))
        }
    }
}

/// Polls `condition` for up to 5 s.
func eventually(_ condition: () -> Bool) -> Bool {
    for _ in 0..<500 {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

@Suite(.serialized) struct BodyMemoryBudgetTests {
    @Test func reservationsStayWithinTheLimitAndAreReleased() {
        let budget = BodyMemoryBudget(limitBytes: 100)
        #expect(budget.tryReserve(60))
        #expect(!budget.tryReserve(41))
        #expect(budget.heldBytes == 60)
        #expect(budget.tryReserve(40))
        #expect(!budget.tryReserve(1))
        budget.release(60)
        #expect(budget.heldBytes == 40)
        #expect(budget.tryReserve(60))
        budget.release(100)
        #expect(budget.heldBytes == 0)
    }

    @Test func concurrentReservationsNeverOvershoot() throws {
        let budget = BodyMemoryBudget(limitBytes: 30)
        let overshoot = Atomic<Int>(0)
        let granted = Atomic<Int>(0)
        let threads = try (0..<4).map { i in
            try OSThread.spawn(name: "budget-\(i)") {
                for _ in 0..<20_000 {
                    guard budget.tryReserve(7) else { continue }
                    granted.wrappingAdd(1, ordering: .relaxed)
                    if budget.heldBytes > 30 { overshoot.wrappingAdd(1, ordering: .relaxed) }
                    budget.release(7)
                }
            }
        }
        for t in threads { t.join() }
        #expect(overshoot.load(ordering: .relaxed) == 0)
        #expect(granted.load(ordering: .relaxed) > 0)
        #expect(budget.heldBytes == 0)
    }

    /// A server whose budget holds one 40 KiB body: `/hold` keeps its requests (and bodies)
    /// until the test answers them.
    func withHoldingServer(_ body: (HTTPServer, UInt16, HeldResponders) throws -> Void) throws {
        let held = HeldResponders()
        try withServer({ b in
            b.add("/hold", methods: [.post]) { _, responder in
                held.hold(responder)
                return .deferred
            }
            b.add("/-/healthy", methods: [.get]) { _, _ in .response(.text(.ok, "healthy\n")) }
        }, config: { $0.maxBodyMemory = 64 << 10 }) { server, port in
            try body(server, port, held)
        }
    }

    static let bodyBytes = 40 << 10
    static let head = "POST /hold HTTP/1.1\r\nHost: x\r\nContent-Length: \(bodyBytes)\r\n\r\n"

    @Test func aBodyOverTheBudgetIsRefusedBeforeItIsRead() throws {
        try withHoldingServer { server, port, held in
            let first = try TestClient(port: port)
            first.send(Self.head)
            first.sendAll([UInt8](repeating: 0x61, count: Self.bodyBytes))
            #expect(eventually { held.count == 1 })
            #expect(server.bodyMemory.heldBytes == Self.bodyBytes)

            // Only the head: the answer comes without a byte of the body having been sent.
            let second = try TestClient(port: port)
            second.send(Self.head)
            let refusal = second.read { $0.contains("\n\n") || $0.hasSuffix("retry after 1s\n") }
            #expect(refusal.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"), "\(refusal)")
            #expect(refusal.contains("\r\nRetry-After: 1\r\n"))
            #expect(refusal.contains("\r\nConnection: close\r\n"))
            #expect(refusal.contains("budget of 65536 bytes of request bodies"))
            #expect(refusal.contains("server.limits.max_body_memory"))
            #expect(held.calls.load(ordering: .relaxed) == 1)
            let reason = HTTPServerMetrics.limitReasons.firstIndex(of: "body_memory")!
            #expect(server.metrics.limitRejections[reason].value == 1)
            #expect(server.bodyMemory.heldBytes == Self.bodyBytes)

            // The body still sent is read and dropped; then the connection closes.
            second.sendAll([UInt8](repeating: 0x62, count: Self.bodyBytes))
            #expect(second.readToEOF() == "")

            // Requests without a body are not refused.
            let probe = try TestClient(port: port)
            probe.send("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(probe.read { $0.hasSuffix("healthy\n") }.hasPrefix("HTTP/1.1 200 OK\r\n"))

            // Answering the held request releases its body: the next one is admitted.
            held.answerAll()
            #expect(first.read { $0.hasSuffix("applied\n") }.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(eventually { server.bodyMemory.heldBytes == 0 })
            let third = try TestClient(port: port)
            third.send(Self.head)
            third.sendAll([UInt8](repeating: 0x63, count: Self.bodyBytes))
            #expect(eventually { held.count == 1 })
            held.answerAll()
            #expect(third.read { $0.hasSuffix("applied\n") }.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(eventually { server.bodyMemory.heldBytes == 0 })
        }
    }

    @Test func aRefusedBodyIsDrainedOnlyUpToTheLingerBound() throws {
        let held = HeldResponders()
        try withServer({ b in
            b.add("/hold", methods: [.post]) { _, responder in
                held.hold(responder)
                return .deferred
            }
        }, config: { $0.maxBodyMemory = 64 << 10; $0.limits.maxBodyBytes = 64 << 20 }) { server, port in
            let c = try TestClient(port: port)
            c.send("POST /hold HTTP/1.1\r\nHost: x\r\nContent-Length: \(64 << 20)\r\n\r\n")
            #expect(c.read { $0.contains("retry after 1s\n") }.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
            // slod stops reading after maxDiscardBytes and closes: the rest of the 64 MiB cannot
            // be sent (the socket buffers hold a few MiB at most).
            let sent = c.sendCounting([UInt8](repeating: 0x61, count: 64 << 20))
            #expect(sent < 32 << 20, "\(sent) bytes of a refused body were taken")
            #expect(held.calls.load(ordering: .relaxed) == 0)
            #expect(server.bodyMemory.heldBytes == 0)
        }
    }

    @Test func aConnectionClosedMidBodyReleasesItsReservation() throws {
        try withHoldingServer { server, port, held in
            do {
                let c = try TestClient(port: port)
                c.send(Self.head)
                c.sendAll([UInt8](repeating: 0x61, count: 1000))
                #expect(eventually { server.bodyMemory.heldBytes == Self.bodyBytes })
            }
            #expect(eventually { server.bodyMemory.heldBytes == 0 })
            #expect(held.calls.load(ordering: .relaxed) == 0)
        }
    }

    @Test func aChunkedBodyIsRefusedOnceItOutgrowsTheBudget() throws {
        try withHoldingServer { server, port, held in
            let c = try TestClient(port: port)
            c.send("POST /hold HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            let chunk = "4000\r\n" + String(repeating: "z", count: 0x4000) + "\r\n"
            // 8 chunks of 16 KiB: past the 64 KiB budget before the body ends.
            for _ in 0..<8 { c.send(chunk) }
            let out = c.read { $0.contains("retry after 1s\n") }
            #expect(out.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"), "\(out)")
            #expect(out.contains("\r\nRetry-After: 1\r\n"))
            c.send("0\r\n\r\n")
            #expect(held.calls.load(ordering: .relaxed) == 0)
            #expect(eventually { server.bodyMemory.heldBytes == 0 })
        }
    }
}
