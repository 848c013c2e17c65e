import FoundationEssentials

/// What a callback said about a task.
public struct CallbackOutcome: Sendable {
    public let taskId: String
    public let state: JobState
    public let results: [JobResult]
    public let error: RecraftError?
}

extension CallbackOutcome {
    /// As recorded in the store.
    var json: JSONValue {
        .object([
            "state": .string(state.description),
            "results": .array(results.compactMap { if case .url(let url) = $0 { .string(url) } else { nil } }),
            "error": error.map { .object(["code": .number(Double($0.code.rawValue)), "message": .string($0.message)]) } ?? .null
        ])
    }

    init?(json text: String, taskId: String) {
        guard let value = JSONValue.parse(Array(text.utf8)), let name = value["state"]?.string else { return nil }
        let states: [JobState] = [.succeeded, .failed, .cancelled, .running]
        guard let state = states.first(where: { $0.description == name }) else { return nil }
        self.taskId = taskId
        self.state = state
        self.results = value["results"]?.array?.compactMap { $0.string.map(JobResult.url) } ?? []
        self.error = value["error"]?["message"]?.string.map { message in
            RecraftError(RecraftError.Code(rawValue: Int32(clamping: value["error"]?["code"]?.int ?? 10)), message)
        }
    }
}

extension Client {
    /// How far a callback's timestamp may be from now before it is taken for a replay.
    static let callbackTolerance: Int = 300

    /// Reads a callback request the provider POSTed to `callback_url`: checks kie's
    /// signature when `webhook_secret` is configured (`X-Webhook-Timestamp`,
    /// `X-Webhook-Signature` = base64 HMAC-SHA256 of taskId + "." + timestamp, compared in
    /// constant time, within ±5 minutes), decodes the task's state and results, and
    /// completes the client's job for that task at once, with no further polling.
    /// Idempotent: a repeated callback changes nothing.
    public func handleCallback(body: [UInt8], headers: [String: String], now: Date = Date()) throws(RecraftError) -> CallbackOutcome {
        guard provider.sendsCallbacks else {
            throw RecraftError(.unsupported, "\(configuration.provider.rawValue) sends no callbacks")
        }
        // Cheap checks first: whoever can reach the callback URL chooses these bytes.
        let signature = configuration.webhookSecret == nil ? nil : try signedHeaders(headers, now: now)
        guard body.count <= Self.callbackMaxBytes, let json = JSONValue.parse(body), json.object != nil else {
            throw RecraftError(.invalidArgument, "the callback body is not a JSON object of at most \(Self.callbackMaxBytes) bytes")
        }
        let data = json["data"] ?? .null
        let taskId = [data["task_id"], data["taskId"], json["taskId"]].compactMap { $0?.string }.first { !$0.isEmpty }
        guard let taskId else { throw RecraftError(.invalidArgument, "the callback names no task (no data.taskId)") }
        guard TaskIdentifier.isValid(taskId) else {
            throw RecraftError(.invalidArgument, "the callback's task id is too long or holds control characters or a slash")
        }
        if let secret = configuration.webhookSecret, let signature {
            try verifySignature(taskId: taskId, signed: signature, secret: secret)
        }
        let outcome: CallbackOutcome
        switch try provider.callbackStatus(data, service: configuration.provider.serviceName) {
        case .running: outcome = CallbackOutcome(taskId: taskId, state: .running, results: [], error: nil)
        case .succeeded(let results, _): outcome = CallbackOutcome(taskId: taskId, state: .succeeded, results: results, error: nil)
        case .failed(let error): outcome = CallbackOutcome(taskId: taskId, state: .failed, results: [], error: redacted(error))
        }
        let local = liveJob(taskId: taskId)
        if outcome.state.isTerminal {
            local?.handle(.callback(state: outcome.state, results: outcome.results, error: outcome.error))
            // For a job waited on in another process or on another machine.
            do throws(RecraftError) {
                try store.recordCallback(scope: scope, taskId: taskId, outcome: outcome.json.serialized())
            } catch  where local != nil {
                // This process had the job: it ended here, whatever the store says.
            }
        }
        return outcome
    }

    /// While jobs are live, reads the outcomes other processes recorded for them, four
    /// times a second: a callback received anywhere ends the job here within a second.
    func watchCallbacks() {
        let start = callbackWatch.withLock { watching -> Bool in
            defer { watching = true }
            return !watching
        }
        guard start else { return }
        Task.detached { [weak self] in
            var seq: Int64?
            while let client = self {
                if !client.hasLiveJobs {
                    let stop = client.callbackWatch.withLock { watching -> Bool in
                        if !client.hasLiveJobs { watching = false }
                        return !watching
                    }
                    if stop { return }
                }
                do throws(RecraftError) {
                    if seq == nil { seq = try await client.store.latestCallback(scope: client.scope) }
                    let (outcomes, latest) = try await client.store.callbacksSince(scope: client.scope, seq: seq ?? 0)
                    seq = latest
                    for (taskId, text) in outcomes {
                        guard let job = client.liveJob(taskId: taskId), let outcome = CallbackOutcome(json: text, taskId: taskId) else { continue }
                        job.handle(.callback(state: outcome.state, results: outcome.results, error: outcome.error))
                    }
                } catch {
                    // The store is down: the poll fallback still ends the jobs.
                }
                // PostgreSQL: a NOTIFY wakes this at once, and the read is a safety net.
                if case .postgresql(let url) = client.store.location {
                    client.store.callbackSignal.listen(url: url)
                    await client.store.callbackSignal.wait(timeout: .milliseconds(500))
                } else {
                    await client.store.callbackSignal.wait(timeout: .milliseconds(250))
                }
            }
        }
    }

    /// Callbacks are small; anything bigger is refused before it is parsed.
    static let callbackMaxBytes = 1 << 20

    /// The signature headers, checked for presence, form and freshness (not yet the HMAC,
    /// which needs the task id from the body).
    private func signedHeaders(_ headers: [String: String], now: Date) throws(RecraftError) -> (timestamp: String, signature: String) {
        let lower = Dictionary(headers.map { ($0.key.lowercased(), $0.value.trimmed) }, uniquingKeysWith: { $1 })
        guard let timestamp = lower["x-webhook-timestamp"], let signature = lower["x-webhook-signature"] else {
            throw RecraftError(
                .authentication, "the callback is not signed (no X-Webhook-Timestamp / X-Webhook-Signature) but webhook_secret is set: refuse it")
        }
        // Anyone who can reach the callback URL controls this header: compare without
        // arithmetic that could overflow (Int64.min has no absolute value).
        guard timestamp.utf8.count <= 20, let seconds = Int64(timestamp) else {
            throw RecraftError(.authentication, "the callback's X-Webhook-Timestamp \"\(timestamp.prefix(40))\" is not Unix seconds")
        }
        let clock = now.timeIntervalSince1970.rounded(.down)
        let current = clock.isFinite && abs(clock) < 1e15 ? Int64(clock) : 0
        let (difference, overflow) = current.subtractingReportingOverflow(seconds)
        guard !overflow, difference.magnitude <= UInt64(Self.callbackTolerance) else {
            throw RecraftError(.authentication, "the callback's timestamp is more than \(Self.callbackTolerance) s from now: a replay, or a clock to fix")
        }
        return (timestamp, signature)
    }

    private func verifySignature(taskId: String, signed: (timestamp: String, signature: String), secret: String) throws(RecraftError) {
        let expected = SHA256.hmac(key: Array(secret.utf8), message: Array("\(taskId).\(signed.timestamp)".utf8))
        let given = signed.signature.utf8.count <= 256 ? Data(base64Encoded: signed.signature).map { [UInt8]($0) } ?? [] : []
        guard constantTimeEqual(expected, given) else {
            throw RecraftError(.authentication, "the callback's signature does not match: check webhook_secret (kie's webhookHmacKey)")
        }
    }
}
