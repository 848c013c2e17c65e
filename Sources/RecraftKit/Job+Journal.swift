#if canImport(Glibc)
import Glibc
#endif

/// The job's rows in the store's ledger, and its entries in the JSONL journal when the
/// client has one (`journal_path`).
extension Job {
    /// Before anything is sent: what was asked, so that a restart can tell what to do.
    /// Returns the ledger's first job when the caller's reference was submitted before.
    func journalSubmit(_ request: JobRequest) async throws(RecraftError) -> JournalEntry? {
        var event: [String: JSONValue] = [
            "event": "submit", "ref": .string(ref),
            "provider": .string(client.configuration.provider.rawValue),
            "base_url": .string(client.configuration.baseURL),
            "operation": .string(request.operation.rawValue),
            "image": .string(request.recordedImage),
            "options": .object(request.options)
        ]
        if let callback = request.callbackURL { event["callback_url"] = .string(callback) }
        let fields = LedgerFields(
            provider: client.configuration.provider.rawValue, baseURL: client.configuration.baseURL,
            operation: request.operation.rawValue, image: request.recordedImage,
            options: JSONValue.object(request.options).serialized(), callbackURL: request.callbackURL)
        let (store, scope, ref) = (client.store, client.scope, ref)
        let first = try await store.persistent(until: deadline) { () async throws(RecraftError) -> JournalEntry? in
            try await store.ledgerClaim(scope: scope, ref: ref, fields: fields)
        }
        if first != nil { return first }
        try await client.journal?.record(event)
        return nil
    }

    /// A relative input path is stored absolute, so that a restart from another directory
    /// can still find the file to submit again.
    static func absolute(_ image: ImageSource) -> String {
        guard case .file(let path) = image, !path.hasPrefix("/") else { return image.description }
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + path
    }

    /// Just before the billed request goes out: from here a crash leaves the task uncertain.
    func journalSending() async throws(RecraftError) {
        let (store, scope, ref) = (client.store, client.scope, ref)
        try await store.persistent(until: deadline) { () async throws(RecraftError) in try await store.ledgerSending(scope: scope, ref: ref) }
        try await client.journal?.record(["event": "sending", "ref": .string(ref)])
    }

    func journalAccepted(_ taskId: String) async throws(RecraftError) {
        let (store, scope, ref, operation) = (client.store, client.scope, ref, self.operation.rawValue)
        // The task exists now: its id must reach the ledger, so keep trying past the deadline a while.
        try await store.persistent(until: max(deadline, .now + .seconds(60))) { () async throws(RecraftError) in
            try await store.ledgerAccepted(scope: scope, ref: ref, taskId: taskId, operation: operation)
        }
        try await client.journal?.record([
            "event": "accepted", "ref": .string(ref), "task_id": .string(taskId),
            "operation": .string(operation)
        ])
    }

    /// At the end; `then` runs once the ledger row and the journal line (if there is a
    /// journal) are written, so that whoever waits for the job finds its end recorded.
    func journalFinished(then: @escaping @Sendable () -> Void) {
        let (state, taskId, results, error) = core.withLock { ($0.machine.state, $0.machine.taskId, $0.machine.results, $0.machine.error) }
        let urls = results.compactMap { if case .url(let url) = $0 { url } else { nil } }
        var event: [String: JSONValue] = [
            "event": "finished", "ref": .string(ref), "state": .string(state.description),
            "results": .array(urls.map(JSONValue.string))
        ]
        if let taskId { event["task_id"] = .string(taskId) }
        if let error {
            event["error"] = .string(error.message)
            event["error_code"] = .number(Double(error.code.rawValue))
        }
        let outcome = LedgerOutcome(
            state: state.description, taskId: taskId, operation: operation.rawValue,
            results: JSONValue.array(urls.map(JSONValue.string)).serialized(), error: error?.message,
            errorCode: error.map { Int64($0.code.rawValue) })
        let (store, scope, ref, journal, client) = (client.store, client.scope, ref, client.journal, client)
        Task {
            // A failure to write cannot undo the job's end; the entry then stays in flight
            // and a restart collects the result again, which costs nothing. Logged, so that
            // a store refusing every end (as PostgreSQL once did) does not go unseen.
            do throws(RecraftError) {
                try await store.persistent(until: .now + .seconds(10)) { () async throws(RecraftError) in
                    try await store.ledgerFinished(scope: scope, ref: ref, outcome: outcome)
                }
            } catch {
                client.log(.warning, "job \(ref.prefix(8)): its end was not recorded in the store (\(error.message)); `resume` will collect it again")
            }
            guard let journal else { return then() }
            journal.recordLater(event, then: then)
        }
    }
}
