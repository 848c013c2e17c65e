/// What the store said to a process asking for a slot.
enum GrantDecision: Sendable {
    case granted(ticket: Int64)
    /// Ask again in `delayMs`; `waiter` is this process's place in the queue.
    case wait(delayMs: Int64, waiter: Int64)
}

extension Store {
    /// How often a process asks again while the slot it waits for has no known end (a
    /// request still in flight elsewhere, or an older waiter ahead).
    static let recheckMs: Int64 = 20

    /// Grants a slot of `kind` to this process if every rule allows one now and no older
    /// live waiter is ahead of it; else puts it in the queue (once) and says when to look
    /// again. One transaction under the account's lock.
    ///
    /// A slot is active for a rule while it has no end, or its end plus the rule's spacing
    /// is still to come. Its end is the recorded one; for a slot whose owner stopped its
    /// heartbeat (killed), the last heartbeat plus the stale time; and at the latest its
    /// hold limit (a request's whole timeout), should its end never be written.
    func tryGrant(scope: String, kind: String, rules: [RateLimit], waiter: Int64?, holdMs: Int64) async throws(RecraftError) -> GrantDecision {
        try await run { connection, owner throws(StoreFailure) -> GrantDecision in
            try connection.transaction(lock: "slots:" + scope) { () throws(StoreFailure) -> GrantDecision in
                let now = try Store.now(connection)
                let maxSpacing = rules.map(\.spacingMs).max() ?? 0
                let ticket: Int64
                if let waiter { ticket = waiter } else { ticket = try Store.enqueue(scope: scope, kind: kind, owner: owner, connection) }
                let epochEnd = self.epoch + maxSpacing
                if now < epochEnd { return .wait(delayMs: epochEnd - now, waiter: ticket) }
                let behindOthers = try Store.olderWaiterAlive(scope: scope, kind: kind, ticket: ticket, now: now, connection)
                let slots = try connection.execute(
                    """
                    SELECT s.ticket, s.granted_at, s.ended_at, s.hold_until, o.heartbeat FROM recraft_slots s
                    LEFT JOIN recraft_owners o ON o.owner = s.owner WHERE s.scope = ? AND s.kind = ?
                    """, [.text(scope), .text(kind)]
                ).rows
                var ends: [Int64?] = []
                var expired: [Int64] = []
                for row in slots {
                    guard let id = row[0].int, let granted = row[1].int, let hold = row[3].int else { continue }
                    var end = row[2].int
                    let heartbeat = row[4].int ?? granted
                    if end == nil && heartbeat < now - Store.ownerStaleMs { end = heartbeat + Store.ownerStaleMs }
                    if end == nil && hold < now { end = hold }
                    if let end, end + maxSpacing <= now {
                        expired.append(id)
                    } else {
                        ends.append(end)
                    }
                }
                for id in expired {
                    try connection.execute(
                        "DELETE FROM recraft_slots WHERE scope = ? AND kind = ? AND ticket = ?", [.text(scope), .text(kind), .int(id)])
                }
                var delay: Int64 = 0
                for rule in rules {
                    let active = ends.filter { end in end.map { $0 + rule.spacingMs > now } ?? true }
                    guard active.count >= rule.count else { continue }
                    // Free once enough ended slots have left the window; an open one has no
                    // known end, so look again soon.
                    let freeing = active.compactMap { $0.map { $0 + rule.spacingMs } }.sorted()
                    let needed = active.count - rule.count + 1
                    let wait = freeing.count >= needed ? freeing[needed - 1] - now : Store.recheckMs
                    delay = max(delay, max(1, wait))
                }
                // Behind a live older waiter: it takes the next slot, so look again when
                // that slot frees, not every recheck (with K processes queued, each asked
                // 50 times a second, a write transaction each: bench/ANALYSIS.md).
                if behindOthers { return .wait(delayMs: max(delay, Store.recheckMs), waiter: ticket) }
                if delay > 0 { return .wait(delayMs: delay, waiter: ticket) }
                let slot = try Store.next("ticket", connection)
                try connection.execute(
                    "INSERT INTO recraft_slots (scope, kind, ticket, owner, granted_at, ended_at, hold_until) VALUES (?, ?, ?, ?, ?, NULL, ?)",
                    [.text(scope), .text(kind), .int(slot), .text(owner), .int(now), .int(now + holdMs)])
                try connection.execute(
                    "DELETE FROM recraft_waiters WHERE scope = ? AND kind = ? AND ticket = ?", [.text(scope), .text(kind), .int(ticket)])
                return .granted(ticket: slot)
            }
        }
    }

    /// Records that the provider has read the slot's request `marginMs` from now at the
    /// latest (its reply came: 0; its body is on the wire: a round trip). Only ever moves
    /// the end earlier. Not awaited: a lost write only holds the slot until its hold limit.
    func endSlot(scope: String, kind: String, ticket: Int64, marginMs: Int64) {
        later { connection, _ throws(StoreFailure) in
            try connection.execute(
                """
                UPDATE recraft_slots SET ended_at = recraft_now() + ?
                WHERE scope = ? AND kind = ? AND ticket = ? AND (ended_at IS NULL OR ended_at > recraft_now() + ?)
                """, [.int(marginMs), .text(scope), .text(kind), .int(ticket), .int(marginMs)])
        }
    }

    /// Leaves the queue (nobody in this process waits any more).
    func leaveQueue(scope: String, kind: String, waiter: Int64) {
        later { connection, _ throws(StoreFailure) in
            try connection.execute(
                "DELETE FROM recraft_waiters WHERE scope = ? AND kind = ? AND ticket = ?", [.text(scope), .text(kind), .int(waiter)])
        }
    }

    private static func enqueue(scope: String, kind: String, owner: String, _ connection: any SQLConnection) throws(StoreFailure) -> Int64 {
        let ticket = try next("ticket", connection)
        try connection.execute(
            "INSERT INTO recraft_waiters (scope, kind, ticket, owner) VALUES (?, ?, ?, ?)", [.text(scope), .text(kind), .int(ticket), .text(owner)])
        return ticket
    }

    /// Whether a process that is still alive queued before `ticket`; drops dead ones' places.
    private static func olderWaiterAlive(scope: String, kind: String, ticket: Int64, now: Int64, _ connection: any SQLConnection) throws(StoreFailure) -> Bool {
        let older = try connection.execute(
            """
            SELECT w.ticket, o.heartbeat FROM recraft_waiters w LEFT JOIN recraft_owners o ON o.owner = w.owner
            WHERE w.scope = ? AND w.kind = ? AND w.ticket < ?
            """, [.text(scope), .text(kind), .int(ticket)]
        ).rows
        var alive = false
        for row in older {
            if let heartbeat = row[1].int, heartbeat >= now - ownerStaleMs {
                alive = true
            } else if let dead = row[0].int {
                try connection.execute(
                    "DELETE FROM recraft_waiters WHERE scope = ? AND kind = ? AND ticket = ?", [.text(scope), .text(kind), .int(dead)])
            }
        }
        return alive
    }
}
