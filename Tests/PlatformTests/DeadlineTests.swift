import Testing
@testable import Platform

/// Bounded waits: a wait whose condition never holds ends at its deadline (not before, not
/// much after), and a wait whose condition is signalled ends when it is, long before.
@Suite struct DeadlineTests {
    static func take(_ inUse: inout Bool) -> Bool {
        if inUse { return false }
        inUse = true
        return true
    }

    static func elapsedMillis(since start: UInt64) -> UInt64 { (Clock.monotonicNanos() - start) / 1_000_000 }

    @Test func remainingTimeCountsDownToZero() {
        let d = Deadline.after(.milliseconds(500))
        #expect(d.remainingNanos > 400_000_000 && d.remainingNanos <= 500_000_000)
        #expect(!d.hasPassed)
        let past = Deadline.after(.zero)
        #expect(past.hasPassed && past.remainingNanos == 0)
        #expect(past < d)
        #expect(Deadline.after(.seconds(Int64.max)).nanos == UInt64.max, "saturates instead of wrapping")
    }

    @Test func pollThatNeverHoldsReturnsFalseAtItsDeadline() {
        let start = Clock.monotonicNanos()
        var checks = 0
        let held = Deadline.after(.milliseconds(200)).poll(every: .milliseconds(20)) {
            checks += 1
            return false
        }
        let waited = Self.elapsedMillis(since: start)
        #expect(!held)
        #expect(waited >= 200 && waited < 1_000, "waited \(waited) ms for a 200 ms deadline")
        #expect(checks >= 2 && checks <= 12, "\(checks) checks at 20 ms intervals in 200 ms")
    }

    @Test func pollReturnsTrueOnTheCheckThatHolds() {
        var checks = 0
        let held = Deadline.after(.seconds(10)).poll(every: .milliseconds(1)) {
            checks += 1
            return checks == 3
        }
        #expect(held)
        #expect(checks == 3)
    }

    @Test func conditionWaitThatNeverHoldsReturnsFalseAtItsDeadline() {
        let value = ConditionLocked(0)
        let start = Clock.monotonicNanos()
        let held = value.wait(until: .after(.milliseconds(200))) { $0 == 1 }
        let waited = Self.elapsedMillis(since: start)
        #expect(!held)
        #expect(waited >= 200 && waited < 1_000, "waited \(waited) ms for a 200 ms deadline")
    }

    @Test func signalledConditionWaitReturnsEarly() throws {
        let value = ConditionLocked(0)
        let setter = try OSThread.spawn(name: "test-setter") {
            let pause = Deadline.after(.milliseconds(50))
            _ = pause.poll(every: .milliseconds(50)) { pause.hasPassed }
            value.withLock { $0 = 1 }
        }
        let start = Clock.monotonicNanos()
        let held = value.wait(until: .after(.seconds(30))) { $0 == 1 }
        let waited = Self.elapsedMillis(since: start)
        setter.join()
        #expect(held)
        #expect(waited < 5_000, "a 30 s wait signalled after 50 ms took \(waited) ms")
    }

    @Test func aConditionThatTakesATokenLetsOnlyOneWaiterHaveIt() throws {
        let busy = ConditionLocked(true)
        let winners = ConditionLocked(0)
        let waiters = try (0..<2).map { i in
            try OSThread.spawn(name: "test-waiter-\(i)") {
                if busy.wait(until: .after(.milliseconds(500)), Self.take) { winners.withLock { $0 += 1 } }
            }
        }
        busy.withLock { $0 = false }
        for w in waiters { w.join() }
        #expect(winners.withLock { $0 } == 1, "the token went to exactly one waiter")
        #expect(busy.withLock { $0 }, "the winner holds it")
        #expect(!busy.wait(until: .after(.milliseconds(10)), Self.take))
    }

    @Test func answerArrivesFromAnotherThread() throws {
        let start = Clock.monotonicNanos()
        var thread: OSThread? = nil
        let answer: Int? = Deadline.after(.seconds(30)).answer { done in
            thread = try? OSThread.spawn(name: "test-answer") { done(42) }
        }
        thread?.join()
        #expect(answer == 42)
        #expect(Self.elapsedMillis(since: start) < 5_000)
    }

    @Test func answerThatNeverComesIsNilAtTheDeadline() {
        let start = Clock.monotonicNanos()
        let answer: Int? = Deadline.after(.milliseconds(150)).answer { _ in }
        let waited = Self.elapsedMillis(since: start)
        #expect(answer == nil)
        #expect(waited >= 150 && waited < 1_000, "waited \(waited) ms for a 150 ms deadline")
    }
}
