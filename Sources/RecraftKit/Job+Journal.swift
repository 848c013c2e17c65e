#if canImport(Glibc)
import Glibc
#endif

/// The job's entries in the client's journal, if it has one.
extension Job {
    /// Before anything is sent: what was asked, so that a restart can tell what to do.
    func journalSubmit(_ request: JobRequest) async throws(RecraftError) {
        var event: [String: JSONValue] = [
            "event": "submit", "ref": .string(ref),
            "provider": .string(client.configuration.provider.rawValue),
            "base_url": .string(client.configuration.baseURL),
            "operation": .string(request.operation.rawValue),
            "image": .string(Self.absolute(request.image)),
            "options": .object(request.options)
        ]
        if let callback = request.callbackURL { event["callback_url"] = .string(callback) }
        try await client.journal?.record(event)
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
        try await client.journal?.record(["event": "sending", "ref": .string(ref)])
    }

    func journalAccepted(_ taskId: String) async throws(RecraftError) {
        try await client.journal?.record([
            "event": "accepted", "ref": .string(ref), "task_id": .string(taskId),
            "operation": .string(operation.rawValue)
        ])
    }

    /// At the end; `then` runs once the line is on disk (at once without a journal), so
    /// that whoever waits for the job finds its end in the journal. A failure to write
    /// cannot undo the job's end; the entry then stays in flight and a restart collects
    /// the result again, which costs nothing.
    func journalFinished(then: @escaping @Sendable () -> Void) {
        guard let journal = client.journal else { return then() }
        let (state, taskId, results, error) = core.withLock { ($0.machine.state, $0.machine.taskId, $0.machine.results, $0.machine.error) }
        var event: [String: JSONValue] = [
            "event": "finished", "ref": .string(ref), "state": .string(state.description),
            "results": .array(results.compactMap { if case .url(let url) = $0 { .string(url) } else { nil } })
        ]
        if let taskId { event["task_id"] = .string(taskId) }
        if let error {
            event["error"] = .string(error.message)
            event["error_code"] = .number(Double(error.code.rawValue))
        }
        journal.recordLater(event, then: then)
    }
}
