/// Callback outcomes, for the worker that waits on the task wherever it runs: the process
/// that receives a callback records it here, and every client with live jobs reads what
/// is new (`callbacksSince`) a few times a second. PostgreSQL also NOTIFYs at commit.
extension Store {
    /// Records what a callback said about `taskId` (the last word wins; repeats are harmless).
    func recordCallback(scope: String, taskId: String, outcome: String) throws(RecraftError) {
        try sync { connection, _ throws(StoreFailure) in
            try connection.transaction(lock: "callbacks:" + scope) { () throws(StoreFailure) in
                let seq = try Store.next("callback", connection)
                try connection.execute(
                    """
                    INSERT INTO recraft_callbacks (scope, task_id, seq, outcome, received_at) VALUES (?, ?, ?, ?, recraft_now())
                    ON CONFLICT (scope, task_id) DO UPDATE SET seq = excluded.seq, outcome = excluded.outcome, received_at = excluded.received_at
                    """, [.text(scope), .text(taskId), .int(seq), .text(outcome)])
                if connection is PostgresConnection {
                    // Delivered at commit; ids only (NOTIFY payloads are capped at 8000 bytes).
                    try connection.execute("SELECT pg_notify('recraft_callbacks', ?)", [.text(taskId)])
                }
            }
        }
    }

    /// Outcomes recorded after `seq`, with the newest sequence number seen.
    func callbacksSince(scope: String, seq: Int64) async throws(RecraftError) -> (outcomes: [(taskId: String, outcome: String)], seq: Int64) {
        try await run { connection, _ throws(StoreFailure) -> (outcomes: [(taskId: String, outcome: String)], seq: Int64) in
            let rows = try connection.execute(
                "SELECT task_id, outcome, seq FROM recraft_callbacks WHERE scope = ? AND seq > ? ORDER BY seq LIMIT 1000",
                [.text(scope), .int(seq)]
            ).rows
            var latest = seq
            var outcomes: [(taskId: String, outcome: String)] = []
            for row in rows {
                guard let taskId = row[0].text, let outcome = row[1].text, let number = row[2].int else { continue }
                outcomes.append((taskId, outcome))
                latest = max(latest, number)
            }
            return (outcomes, latest)
        }
    }

    /// The newest callback sequence number of `scope`: a new client reads only what comes after.
    func latestCallback(scope: String) async throws(RecraftError) -> Int64 {
        try await run { connection, _ throws(StoreFailure) -> Int64 in
            try connection.execute("SELECT MAX(seq) FROM recraft_callbacks WHERE scope = ?", [.text(scope)]).rows.first?.first?.int ?? 0
        }
    }
}
