import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// The job ledger: the journal's events as one row per job, shared by every worker of the
/// account, with the worker that owns the job and its lease. States:
///   claimed    recorded; the billed request has not gone out
///   sending    the billed request may be on its way
///   accepted   the provider has the task (task_id)
///   succeeded, failed, cancelled   ended
///   uncertain  sending, and its worker died: never resent
extension Store {
    /// What a job asked, recorded before anything is sent. Returns the existing row when
    /// `ref` is already known (a caller's own reference submitted twice).
    func ledgerClaim(scope: String, ref: String, fields: LedgerFields) async throws(RecraftError) -> JournalEntry? {
        try await write { connection, owner throws(StoreFailure) -> JournalEntry? in
            let inserted = try connection.execute(
                """
                INSERT INTO recraft_jobs (scope, ref, provider, base_url, operation, image, options, callback_url, state, attempts,
                    owner, lease_until, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'claimed', 0, ?, recraft_now() + ?, ?, ?)
                ON CONFLICT (scope, ref) DO NOTHING
                """,
                [
                    .text(scope), .text(ref), .text(fields.provider), .text(fields.baseURL), .text(fields.operation), .text(fields.image),
                    .text(fields.options), SQLValue(fields.callbackURL), .text(owner), .int(Store.leaseMs), .int(Store.wallMs()),
                    .int(Store.wallMs())
                ])
            if inserted.changes > 0 { return nil }
            return try Store.entries(scope: scope, where: "ref = ?", [.text(ref)], connection).first
        }
    }

    /// Durable before it returns: the billed request goes out next. The sync is a second
    /// turn of the store's queue, so the records of the jobs queued meanwhile share it.
    func ledgerSending(scope: String, ref: String) async throws(RecraftError) {
        try await update(scope: scope, ref: ref, "state = 'sending', attempts = attempts + 1", [])
        // Only a SQLite file commits without syncing (synchronous=NORMAL); PostgreSQL's
        // COMMIT is durable and memory has nothing to sync, so they skip the second turn.
        guard case .sqlite = location else { return }
        try await run { connection, _ throws(StoreFailure) in try connection.makeDurable() }
    }

    func ledgerAccepted(scope: String, ref: String, taskId: String, operation: String) async throws(RecraftError) {
        try await write { connection, owner throws(StoreFailure) in
            let changed = try connection.execute(
                "UPDATE recraft_jobs SET state = 'accepted', task_id = ?, operation = ?, updated_at = ? WHERE scope = ? AND ref = ?",
                [.text(taskId), .text(operation), .int(Store.wallMs()), .text(scope), .text(ref)])
            if changed.changes == 0 {
                // A job reopened by task id whose first record lives elsewhere (a JSONL journal).
                try Store.insertReopened(scope: scope, ref: ref, taskId: taskId, operation: operation, owner: owner, connection)
            }
        }
    }

    /// The job ended. A reopened job (no ref of its own in the ledger) ends the row of its task.
    func ledgerFinished(scope: String, ref: String, outcome: LedgerOutcome) async throws(RecraftError) {
        try await write { connection, owner throws(StoreFailure) in
            let values: [SQLValue] = [
                .text(outcome.state), .text(outcome.results), SQLValue(outcome.error), SQLValue(outcome.errorCode), .int(Store.wallMs()),
                .text(scope)
            ]
            // One indexed UPDATE per key, not one with "ref = ? OR task_id = ?": SQLite does
            // not use either index for that OR and scanned all the account's rows at every
            // job's end (a quarter of a 200-job run's instructions, growing with the ledger).
            let set = "UPDATE recraft_jobs SET state = ?, results = ?, error = ?, error_code = ?, updated_at = ?, owner = NULL, lease_until = 0"
            var changes = try connection.execute(set + " WHERE scope = ? AND ref = ?", values + [.text(ref)]).changes
            if let taskId = outcome.taskId {
                // Other rows of the same task (a job reopened by `resume` has a row of its
                // own); the job's own row was ended above, so it is not written twice.
                changes += try connection.execute(set + " WHERE scope = ? AND task_id = ? AND ref <> ?", values + [.text(taskId), .text(ref)]).changes
            }
            if changes == 0, let taskId = outcome.taskId {
                try Store.insertReopened(scope: scope, ref: ref, taskId: taskId, operation: outcome.operation, owner: owner, connection)
                try connection.execute(
                    "UPDATE recraft_jobs SET state = ?, results = ?, error = ?, error_code = ?, owner = NULL, lease_until = 0 WHERE scope = ? AND ref = ?",
                    [.text(outcome.state), .text(outcome.results), SQLValue(outcome.error), SQLValue(outcome.errorCode), .text(scope), .text(ref)])
            }
        }
    }

    /// Takes over a job whose worker is gone (its lease ran out), or one this process
    /// already owns. False when a live worker still has it.
    func ledgerTakeOver(scope: String, ref: String) async throws(RecraftError) -> Bool {
        try await run { connection, owner throws(StoreFailure) -> Bool in
            try connection.transaction(lock: "jobs:" + scope) { () throws(StoreFailure) -> Bool in
                let row = try connection.execute(
                    """
                    SELECT j.owner, j.lease_until, o.heartbeat, recraft_now() FROM recraft_jobs j
                    LEFT JOIN recraft_owners o ON o.owner = j.owner WHERE j.scope = ? AND j.ref = ?
                    """, [.text(scope), .text(ref)]
                ).rows.first
                guard let row else { return false }
                let current = row[0].text
                if let current, current != owner,
                    Store.isAlive(owner: current, leaseUntil: row[1].int ?? 0, heartbeat: row[2].int, now: row[3].int ?? 0)
                {
                    return false
                }
                try connection.execute(
                    "UPDATE recraft_jobs SET owner = ?, lease_until = recraft_now() + ? WHERE scope = ? AND ref = ?",
                    [.text(owner), .int(Store.leaseMs), .text(scope), .text(ref)])
                return true
            }
        }
    }

    /// Whether the worker `owner` still has its job: its lease runs, its heartbeat is
    /// fresh, and, when it ran on this machine, its process still exists (so a job of a
    /// killed process is free at once, not after the stale time).
    static func isAlive(owner: String, leaseUntil: Int64, heartbeat: Int64?, now: Int64) -> Bool {
        guard leaseUntil >= now, let heartbeat, heartbeat >= now - ownerStaleMs else { return false }
        let parts = owner.split(separator: ":")
        if parts.count >= 3, String(parts[parts.count - 3]) == hostName(), let pid = Int32(parts[parts.count - 2]) {
            return kill(pid, 0) == 0 || errno == EPERM
        }
        return true
    }

    /// Marks a job replaced by a new submission of the same input (`recraft resume`
    /// resubmitting one that was never sent), so it is not submitted again.
    func ledgerMarkReplaced(scope: String, ref: String) async throws(RecraftError) {
        try await update(scope: scope, ref: ref, "state = 'replaced', owner = NULL, lease_until = 0", [])
    }

    /// Marks a job whose worker died while its billed request was out: it may exist at the
    /// provider, so it is never sent again.
    func ledgerMarkUncertain(scope: String, ref: String) async throws(RecraftError) {
        try await update(scope: scope, ref: ref, "state = 'uncertain', owner = NULL, lease_until = 0", [])
    }

    /// The job `ref` of `scope`, if the ledger has it.
    func ledgerEntry(scope: String, ref: String) async throws(RecraftError) -> JournalEntry? {
        try await run { connection, _ throws(StoreFailure) -> JournalEntry? in
            try Store.entries(scope: scope, where: "ref = ?", [.text(ref)], connection).first
        }
    }

    /// Every job of `scope` (nil: of every scope), oldest first.
    func ledgerEntries(scope: String?) throws(RecraftError) -> [JournalEntry] {
        try sync { connection, _ throws(StoreFailure) -> [JournalEntry] in
            if let scope { return try Store.entries(scope: scope, where: "1 = 1", [], connection) }
            return try Store.entries(scope: nil, where: "1 = 1", [], connection)
        }
    }

    private func update(scope: String, ref: String, _ assignments: String, _ values: [SQLValue]) async throws(RecraftError) {
        try await write { connection, _ throws(StoreFailure) in
            try connection.execute(
                "UPDATE recraft_jobs SET \(assignments), updated_at = ? WHERE scope = ? AND ref = ?",
                values + [.int(Store.wallMs()), .text(scope), .text(ref)])
        }
    }

    private static func insertReopened(
        scope: String, ref: String, taskId: String, operation: String?, owner: String, _ connection: any SQLConnection
    ) throws(StoreFailure) {
        try connection.execute(
            """
            INSERT INTO recraft_jobs (scope, ref, operation, state, attempts, owner, lease_until, task_id, created_at, updated_at)
            VALUES (?, ?, ?, 'accepted', 0, ?, recraft_now() + ?, ?, ?, ?) ON CONFLICT (scope, ref) DO NOTHING
            """,
            [.text(scope), .text(ref), SQLValue(operation), .text(owner), .int(Store.leaseMs), .text(taskId), .int(wallMs()), .int(wallMs())])
    }

    private static func entries(
        scope: String?, where condition: String, _ values: [SQLValue], _ connection: any SQLConnection
    ) throws(StoreFailure)
        -> [JournalEntry]
    {
        let scopeCondition = scope == nil ? "" : "scope = ? AND "
        let rows = try connection.execute(
            """
            SELECT ref, state, provider, base_url, operation, image, options, callback_url, task_id, results, error, error_code,
                j.owner, j.lease_until, recraft_now(), scope, attempts, o.heartbeat
            FROM recraft_jobs j LEFT JOIN recraft_owners o ON o.owner = j.owner
            WHERE \(scopeCondition)\(condition) AND state <> 'replaced' ORDER BY created_at, ref
            """, (scope.map { [SQLValue.text($0)] } ?? []) + values
        ).rows
        return rows.compactMap(JournalEntry.init(ledgerRow:))
    }

    /// Milliseconds since 1970 on this machine: for records people read, never for limits.
    static func wallMs() -> Int64 {
        let seconds = Date().timeIntervalSince1970
        return seconds.isFinite ? Int64(seconds * 1000) : 0
    }
}

/// What `ledgerClaim` records about a job.
struct LedgerFields: Sendable {
    var provider: String
    var baseURL: String
    var operation: String
    var image: String
    /// The options as a JSON object.
    var options: String
    var callbackURL: String?
}

/// How a job ended, for the ledger.
struct LedgerOutcome: Sendable {
    var state: String
    var taskId: String?
    var operation: String?
    /// The result URLs as a JSON array.
    var results: String
    var error: String?
    var errorCode: Int64?
}

extension JournalEntry {
    /// A ledger row as the journal would tell it. A job still owned by a live worker is
    /// `live`; a "sending" job whose worker is gone is uncertain.
    init?(ledgerRow row: [SQLValue]) {
        guard row.count >= 18, let ref = row[0].text, let state = row[1].text else { return nil }
        self.init(ref: ref)
        provider = row[2].text
        baseURL = row[3].text
        operation = row[4].text
        image = row[5].text
        options = row[6].text.flatMap { JSONValue.parse(Array($0.utf8))?.object } ?? [:]
        callbackURL = row[7].text
        taskId = row[8].text
        results = row[9].text.flatMap { JSONValue.parse(Array($0.utf8))?.array?.compactMap(\.string) } ?? []
        error = row[10].text
        let leaseUntil = row[13].int ?? 0
        let now = row[14].int ?? 0
        scope = row[15].text
        live = row[12].text.map { Store.isAlive(owner: $0, leaseUntil: leaseUntil, heartbeat: row[17].int, now: now) } ?? false
        switch state {
        case "claimed": status = .notSent
        case "sending", "uncertain": status = .uncertain
        case "accepted": status = .inFlight
        case "succeeded": status = .succeeded
        case "cancelled": status = .cancelled
        default: status = .failed
        }
        if status == .failed || status == .cancelled, taskId != nil, let code = row[11].int,
            code != Int64(RecraftError.Code.jobFailed.rawValue), code != Int64(RecraftError.Code.notFound.rawValue)
        {
            // As in the journal: the provider has the task and did not say it failed.
            status = code == Int64(RecraftError.Code.submitUncertain.rawValue) ? .uncertain : .inFlight
        }
        if row[11].int == Int64(RecraftError.Code.submitUncertain.rawValue) { status = .uncertain }
    }
}
