import FoundationEssentials

/// What a callback said about a task.
public struct CallbackOutcome: Sendable {
    public let taskId: String
    public let state: JobState
    public let results: [JobResult]
    public let error: RecraftError?
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
        guard provider is MarketProvider || provider is DedicatedProvider else {
            throw RecraftError(.unsupported, "\(configuration.provider.rawValue) sends no callbacks")
        }
        guard body.count <= configuration.maxResponseBytes, let json = JSONValue.parse(body), json.object != nil else {
            throw RecraftError(.invalidArgument, "the callback body is not a JSON object")
        }
        let data = json["data"] ?? .null
        let taskId = [data["task_id"], data["taskId"], json["taskId"]].compactMap { $0?.string }.first { !$0.isEmpty }
        guard let taskId else { throw RecraftError(.invalidArgument, "the callback names no task (no data.taskId)") }
        if let secret = configuration.webhookSecret {
            try verifySignature(taskId: taskId, headers: headers, secret: secret, now: now)
        }
        let service = configuration.provider.serviceName
        let status = provider is DedicatedProvider
            ? try DedicatedProvider.decodeRecord(data, service: service)
            : try MarketProvider.decodeRecord(data, service: service)
        let outcome: CallbackOutcome
        switch status {
        case .running: outcome = CallbackOutcome(taskId: taskId, state: .running, results: [], error: nil)
        case .succeeded(let results): outcome = CallbackOutcome(taskId: taskId, state: .succeeded, results: results, error: nil)
        case .failed(let error): outcome = CallbackOutcome(taskId: taskId, state: .failed, results: [], error: redacted(error))
        }
        if outcome.state.isTerminal, let job = liveJob(taskId: taskId) {
            job.finish(outcome.state, results: outcome.results, error: outcome.error)
        }
        return outcome
    }

    private func verifySignature(taskId: String, headers: [String: String], secret: String, now: Date) throws(RecraftError) {
        let lower = Dictionary(headers.map { ($0.key.lowercased(), $0.value.trimmed) }, uniquingKeysWith: { $1 })
        guard let timestamp = lower["x-webhook-timestamp"], let signature = lower["x-webhook-signature"] else {
            throw RecraftError(.authentication, "the callback is not signed (no X-Webhook-Timestamp / X-Webhook-Signature) but webhook_secret is set: refuse it")
        }
        guard let seconds = Int(timestamp) else {
            throw RecraftError(.authentication, "the callback's X-Webhook-Timestamp \"\(timestamp.prefix(40))\" is not Unix seconds")
        }
        guard abs(Int(now.timeIntervalSince1970) - seconds) <= Self.callbackTolerance else {
            throw RecraftError(.authentication, "the callback's timestamp is more than \(Self.callbackTolerance) s from now: a replay, or a clock to fix")
        }
        let expected = SHA256.hmac(key: Array(secret.utf8), message: Array("\(taskId).\(timestamp)".utf8))
        let given = Data(base64Encoded: signature).map { [UInt8]($0) } ?? []
        guard constantTimeEqual(expected, given) else {
            throw RecraftError(.authentication, "the callback's signature does not match: check webhook_secret (kie's webhookHmacKey)")
        }
    }
}
