import Foundation
import Synchronization
import Testing

/// `server.limits.max_body_memory`: more concurrent OTLP requests than the budget holds. Every
/// request is answered 200, or 503 with `Retry-After` (the body refused before being read, the
/// sender not cut off mid-body), `/-/healthy` answers throughout, and the budget is given back.
extension Integration {
    @Suite struct Overload {
        @Test func concurrentPostsOverATinyBudgetGet200Or503WithRetryAfter() throws {
            // One 300 KB body at a time; 16 clients posting at once.
            let server = try SlodServer(config: testConfig(limits: ["max_body_bytes": "512KiB", "max_body_memory": "512KiB"]))
            defer { server.stop() }
            let body = try OTLPStatus.fixture("metrics_medium.pb")
            let statuses = Mutex<[Int: Int]>([:])
            let problems = Mutex<[String]>([])
            let loading = Atomic<Bool>(true)
            let probes = Mutex<(answered: Int, slowest: Double, failures: [String])>((0, 0, []))

            let group = DispatchGroup()
            group.enter()
            Thread {
                defer { group.leave() }
                while loading.load(ordering: .relaxed) {
                    let start = Time.now()
                    do {
                        let r = try server.get("/-/healthy", timeout: 2)
                        let seconds = Time.now() - start
                        probes.withLock { p in
                            p.answered += 1
                            p.slowest = max(p.slowest, seconds)
                            if r.status != 200 { p.failures.append("status \(r.status)") }
                        }
                    } catch {
                        probes.withLock { $0.failures.append("\(error)") }
                    }
                    Time.sleep(0.05)
                }
            }.start()
            // Threads of their own (a dispatch pool would run only as many as there are cores).
            let senders = DispatchGroup()
            for _ in 0..<16 {
                senders.enter()
                Thread {
                    defer { senders.leave() }
                    for _ in 0..<8 {
                        do {
                            let r = try OTLPStatus.post(server, contentType: OTLPStatus.pb, body: body)
                            let forMemory = r.text.contains("server.limits.max_body_memory")
                            statuses.withLock { $0[r.status == 503 && forMemory ? -503 : r.status, default: 0] += 1 }
                            if r.status == 503 && r.header("Retry-After") == nil {
                                problems.withLock { $0.append("503 without Retry-After: \(r)") }
                            } else if r.status != 200 && r.status != 503 {
                                problems.withLock { $0.append("unexpected answer: \(r)") }
                            }
                        } catch {
                            problems.withLock { $0.append("no answer: \(error)") }
                        }
                    }
                }.start()
            }
            senders.wait()
            loading.store(false, ordering: .relaxed)
            group.wait()

            let counts = statuses.withLock { $0 }
            #expect(problems.withLock { $0 }.isEmpty, "\(problems.withLock { $0.prefix(5) })")
            #expect(counts.values.reduce(0, +) == 128)
            #expect((counts[200] ?? 0) > 0, "\(counts)")
            // -503: refused for memory (the message names the budget); 503: the shards were behind.
            #expect((counts[-503] ?? 0) > 0, "16 concurrent bodies against a budget of one were never refused: \(counts)")
            let refused = try server.metric("slod_http_limit_rejections_total", "reason=\"body_memory\"")
            #expect(refused == Double(counts[-503] ?? 0))

            let p = probes.withLock { $0 }
            #expect(p.answered > 0 && p.failures.isEmpty, "health probes: \(p.answered) answered, failures \(p.failures.prefix(3))")
            #expect(p.slowest < 1, "slowest /-/healthy during the load: \(p.slowest) s")

            #expect(Time.eventually(timeout: 5) { (try? server.metric("slod_http_body_memory_bytes")) == 0 },
                    "the budget was not given back after the load")
            #expect(try server.metric("slod_http_body_memory_limit_bytes") == Double(512 << 10))
        }
    }
}
