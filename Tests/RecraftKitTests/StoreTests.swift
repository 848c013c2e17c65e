import FoundationEssentials
import Testing

@testable import RecraftKit

#if canImport(Glibc)
import Glibc
#endif

/// The shared store's transactions, straight against SQLite (PostgreSQL runs the same SQL:
/// bindings/python/tests/test_shared_store.py drives both engines across processes).
@Suite struct StoreTests {
    private func freshStore() -> (Store, String) {
        let path = "/tmp/recraft-store-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).sqlite3"
        return (Store.at(.sqlite(path: path)), path)
    }

    private func grant(_ store: Store, _ rules: [RateLimit], waiter: Int64? = nil) async throws -> GrantDecision {
        try await store.tryGrant(scope: "s", kind: "submit", rules: rules, waiter: waiter, holdMs: 60_000)
    }

    @Test func aSlotCountsFromItsGrantUntilItsReplyPlusTheWindow() async throws {
        let (store, _) = freshStore()
        let rules = [RateLimit(count: 3, window: .seconds(10))]
        var tickets: [Int64] = []
        for _ in 0..<3 {
            guard case .granted(let ticket) = try await grant(store, rules) else {
                Issue.record("expected a grant")
                return
            }
            tickets.append(ticket)
        }
        // All three are in flight: their ends are unknown, so the fourth looks again soon.
        guard case .wait(let soon, let place) = try await grant(store, rules) else {
            Issue.record("expected a wait")
            return
        }
        #expect(soon == Store.recheckMs)
        // The first reply came: the fourth may go a window (and a margin) after it.
        store.endSlot(scope: "s", kind: "submit", ticket: tickets[0], marginMs: 0)
        guard case .wait(let free, _) = try await grant(store, rules, waiter: place) else {
            Issue.record("expected a wait")
            return
        }
        #expect(free > 9_900 && free <= rules[0].spacingMs)
    }

    /// A synchronous request's slot ends provisionally when its body is on the wire (plus
    /// a margin); a reply before that moves the end earlier, and a waiter already asleep
    /// on the provisional end is woken to ask again (it slept the whole margin before:
    /// Recraft's 5/s ran at 5 per 1.4 s with this store). A 60 s margin here, so that
    /// only the wake can grant the second slot within 20 s, however busy the machine.
    @Test func aWaiterAsleepOnAProvisionalEndGoesWhenTheReplyMovesItEarlier() async throws {
        let (store, _) = freshStore()
        let limiter = RateLimiter(
            limits: [RateLimit(count: 1, window: .seconds(1))], kind: "submit", store: store, scope: "s", requestTimeout: .seconds(30),
            sentMarginMs: 60_000)
        let first = try await limiter.acquire()
        limiter.sent(first, connectTime: .milliseconds(1))  // provisional end: 60 s from now
        let second = Task { try await limiter.acquire() }
        try await Task.sleep(for: .milliseconds(100))  // the waiter asks, and sleeps on that end
        limiter.finished(first)  // the reply: the next slot is a window from now
        // Asleep on the provisional end, the waiter would sleep 61 s: give up after 20.
        let giveUp = Task {
            try await Task.sleep(for: .seconds(20))
            second.cancel()
        }
        defer { giveUp.cancel() }
        let ticket = try await second.value  // cancelled: throws, and the test fails
        limiter.finished(ticket)
    }

    @Test func everyRuleOfAKindHolds() async throws {
        let (store, _) = freshStore()
        let rules = [RateLimit(count: 5, window: .seconds(1)), RateLimit(count: 2, window: .seconds(60))]
        for _ in 0..<2 {
            guard case .granted(let ticket) = try await grant(store, rules) else {
                Issue.record("expected a grant")
                return
            }
            store.endSlot(scope: "s", kind: "submit", ticket: ticket, marginMs: 0)
        }
        // 5 per second has room; 2 per minute does not, for a minute.
        guard case .wait(let delay, _) = try await grant(store, rules) else {
            Issue.record("expected a wait")
            return
        }
        #expect(delay > 55_000)
    }

    @Test func waitersAreServedInOrder() async throws {
        let (store, _) = freshStore()
        let rules = [RateLimit(count: 1, window: .milliseconds(1))]
        guard case .granted(let first) = try await grant(store, rules) else {
            Issue.record("expected a grant")
            return
        }
        guard case .wait(_, let older) = try await grant(store, rules) else {
            Issue.record("expected a wait")
            return
        }
        store.endSlot(scope: "s", kind: "submit", ticket: first, marginMs: 0)
        try await Task.sleep(for: .milliseconds(50))
        // A newcomer finds a free slot, but the older waiter (alive) goes first.
        guard case .wait = try await grant(store, rules) else {
            Issue.record("the newcomer jumped the queue")
            return
        }
        guard case .granted = try await grant(store, rules, waiter: older) else {
            Issue.record("the older waiter got nothing")
            return
        }
    }

    @Test func aKilledWorkersSlotsAreFreedByItsHeartbeatNotItsLease() async throws {
        let (store, _) = freshStore()
        // A worker that stopped beating 10 s ago holds the only slot, with no end.
        try store.sync { connection, _ throws(StoreFailure) in
            try connection.execute(
                "INSERT INTO recraft_owners (owner, host, pid, heartbeat) VALUES ('ghost', 'elsewhere', 1, recraft_now() - 10000)", [])
            try connection.execute(
                """
                INSERT INTO recraft_slots (scope, kind, ticket, owner, granted_at, ended_at, hold_until)
                VALUES ('s', 'submit', 999999, 'ghost', recraft_now() - 10000, NULL, recraft_now() + 600000)
                """, [])
        }
        guard case .granted = try await grant(store, [RateLimit(count: 1, window: .seconds(1))]) else {
            Issue.record("a dead worker's slot still blocks")
            return
        }
    }

    @Test func theLedgerTellsWhatEachJobDidAndWhoHasIt() async throws {
        let (store, _) = freshStore()
        let fields = LedgerFields(provider: "kie", baseURL: "https://api.kie.ai", operation: "crisp_upscale", image: "/a.png", options: "{}", callbackURL: nil)
        #expect(try await store.ledgerClaim(scope: "s", ref: "r1", fields: fields) == nil)
        #expect(try await store.ledgerClaim(scope: "s", ref: "r1", fields: fields)?.ref == "r1")  // a second claim finds the first
        var entries = try store.ledgerEntries(scope: "s")
        #expect(entries.map(\.status) == [.notSent] && entries[0].live)
        try await store.ledgerSending(scope: "s", ref: "r1")
        #expect(try store.ledgerEntries(scope: "s")[0].status == .uncertain)
        try await store.ledgerAccepted(scope: "s", ref: "r1", taskId: "t1", operation: "crisp_upscale")
        entries = try store.ledgerEntries(scope: "s")
        #expect(entries[0].status == .inFlight && entries[0].taskId == "t1")
        // This process owns it: taking it over is a no-op that succeeds.
        #expect(try await store.ledgerTakeOver(scope: "s", ref: "r1"))
        let outcome = LedgerOutcome(state: "succeeded", taskId: "t1", operation: "crisp_upscale", results: #"["https://x/1.png"]"#, error: nil, errorCode: nil)
        try await store.ledgerFinished(scope: "s", ref: "r1", outcome: outcome)
        entries = try store.ledgerEntries(scope: "s")
        #expect(entries[0].status == .succeeded && entries[0].results == ["https://x/1.png"] && !entries[0].live)
    }

    @Test func aLiveWorkersJobCannotBeTakenOverButADeadOnesCan() async throws {
        let (store, _) = freshStore()
        try store.sync { connection, _ throws(StoreFailure) in
            for (owner, heartbeat) in [("alive-elsewhere", "recraft_now()"), ("dead-elsewhere", "recraft_now() - 60000")] {
                try connection.execute("INSERT INTO recraft_owners (owner, host, pid, heartbeat) VALUES (?, 'elsewhere', 1, \(heartbeat))", [.text(owner)])
                try connection.execute(
                    """
                    INSERT INTO recraft_jobs (scope, ref, state, attempts, owner, lease_until, created_at, updated_at)
                    VALUES ('s', ?, 'accepted', 1, ?, recraft_now() + 30000, 0, 0)
                    """, [.text(owner), .text(owner)])
            }
        }
        #expect(try await store.ledgerTakeOver(scope: "s", ref: "alive-elsewhere") == false)
        #expect(try await store.ledgerTakeOver(scope: "s", ref: "dead-elsewhere"))
    }

    @Test func anotherBootWaitsAWindowBeforeGranting() async throws {
        let (first, path) = freshStore()
        _ = try first.owner()
        try first.sync { connection, _ throws(StoreFailure) in
            try connection.execute("UPDATE recraft_meta SET value = 'a-previous-boot' WHERE key = 'boot_id'", [])
        }
        // A new process (another Store on the same file, by another spelling of its path)
        // after a "reboot": the old slot log means nothing, so it waits a window.
        let reopened = Store.at(.sqlite(path: path.replacingOccurrences(of: "/tmp/", with: "/tmp/./")))
        guard
            case .wait(let delay, _) = try await reopened.tryGrant(
                scope: "s", kind: "k", rules: [RateLimit(count: 5, window: .seconds(1))], waiter: nil, holdMs: 1000)
        else {
            Issue.record("granted at once after a reboot")
            return
        }
        #expect(delay > 900)
    }

    @Test func theUploadCacheIsKeyedByContentAndKeepsOnlyValidLinks() async throws {
        let (store, _) = freshStore()
        #expect(try await store.mayHaveUpload(scope: "s", size: 70, host: "https://up", validForMs: 0) == false)
        try await store.rememberUpload(scope: "s", sha256: "abc", size: 70, host: "https://up", url: "https://up/f.png")
        #expect(try await store.mayHaveUpload(scope: "s", size: 70, host: "https://up", validForMs: 3_600_000))
        #expect(try await store.mayHaveUpload(scope: "s", size: 71, host: "https://up", validForMs: 0) == false)
        #expect(try await store.mayHaveUpload(scope: "s", size: 70, host: "https://other", validForMs: 0) == false)
        #expect(try await store.mayHaveUpload(scope: "s", size: 70, host: "https://up", validForMs: Store.uploadLifetimeMs + 1000) == false)
        #expect(try await store.cachedUpload(scope: "s", sha256: "abc", host: "https://up", validForMs: 3_600_000) == "https://up/f.png")
        #expect(try await store.cachedUpload(scope: "s", sha256: "abd", host: "https://up", validForMs: 0) == nil)
        #expect(try await store.cachedUpload(scope: "s", sha256: "abc", host: "https://up", validForMs: Store.uploadLifetimeMs + 1000) == nil)
    }

    @Test func storeLocationsParse() throws {
        #expect(try StoreLocation.parse("memory") == .memory)
        #expect(try StoreLocation.parse("sqlite:/tmp/s.db") == .sqlite(path: "/tmp/s.db"))
        #expect(try StoreLocation.parse("/tmp/s.db") == .sqlite(path: "/tmp/s.db"))
        #expect(try StoreLocation.parse("postgresql://u:secret@h/db") == .postgresql(url: "postgresql://u:secret@h/db"))
        #expect(StoreLocation.postgresql(url: "postgresql://u:secret@h/db").description == "postgresql://u:***@h/db")
        #expect(throws: RecraftError.self) { try StoreLocation.parse("redis://h") }
        // The key itself never appears in the scope.
        let scope = StoreLocation.defaultScope(provider: .kie, baseURL: "https://api.kie.ai", apiKey: "sk-very-secret")
        #expect(!scope.contains("sk-very-secret") && scope.hasPrefix("kie:"))
    }

    @Test func aStoreThatCannotBeReachedFailsClosedWithItsCode() async throws {
        let store = Store.at(.postgresql(url: "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"))
        await #expect(throws: RecraftError.self) {
            _ = try await store.tryGrant(scope: "s", kind: "submit", rules: [RateLimit(count: 1, window: .seconds(1))], waiter: nil, holdMs: 1000)
        }
        do {
            _ = try store.owner()
            Issue.record("connected to nothing")
        } catch {
            #expect(error.code == .storeUnavailable && error.message.contains("no billed request was sent"))
        }
    }

    /// Writes queued together share one transaction, and one that fails fails alone: the
    /// batch is first tried without savepoints, then again with one per write.
    @Test func aFailingWriteInAGroupCommitFailsAlone() async throws {
        let (store, _) = freshStore()
        try await store.write { connection, _ throws(StoreFailure) in
            try connection.execute("CREATE TABLE IF NOT EXISTS group_test (n BIGINT PRIMARY KEY)", [])
        }
        // Hold the store's thread until all five writes are queued, so they form one batch.
        let held = Task {
            try await store.run { _, _ throws(StoreFailure) in
                let until = ContinuousClock.now + .seconds(30)
                while store.pendingWriteCount < 5 && ContinuousClock.now < until { usleep(1000) }
            }
        }
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for n in 0..<5 {
                group.addTask {
                    do {
                        try await store.write { connection, _ throws(StoreFailure) in
                            // Write 2 breaks the primary key: it inserts 0 again.
                            try connection.execute("INSERT INTO group_test (n) VALUES (?)", [.int(n == 2 ? 0 : Int64(n))])
                        }
                        return (n, true)
                    } catch {
                        return (n, false)
                    }
                }
            }
            var outcomes: [Int: Bool] = [:]
            for await (n, ok) in group { outcomes[n] = ok }
            return outcomes
        }
        try await held.value
        // Write 0 and write 2 race for the key; whichever the batch ran second failed.
        #expect(outcomes.values.filter { !$0 }.count == 1, "\(outcomes)")
        #expect(outcomes[1] == true && outcomes[3] == true && outcomes[4] == true)
        let rows = try await store.run { connection, _ throws(StoreFailure) in
            try connection.execute("SELECT n FROM group_test ORDER BY n", []).rows.compactMap { $0[0].int }
        }
        #expect(rows == [0, 1, 3, 4])
    }
}
