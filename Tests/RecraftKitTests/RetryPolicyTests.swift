import Testing

@testable import RecraftKit

/// Every fault the fault suite injects, as the error it becomes, and what `RetryPolicy`
/// decides for it per kind of request: the table the suite's behaviour rests on.
@Suite struct RetryPolicyTests {
    enum Expect: CustomStringConvertible {
        case retry, giveUp, uncertain
        var description: String { "\(self == .retry ? "retry" : self == .giveUp ? "give up" : "uncertain")" }
    }

    static func kieReply(status: Int, body: String, retryAfter: String? = nil) -> RecraftError {
        let response = HTTPResponse(status: status, headers: retryAfter.map { ["retry-after": $0] } ?? [:], body: Array(body.utf8), bytesWritten: 0)
        do { _ = try KieEnvelope(response, service: "kie", keyVariable: "KIE_API_KEY") } catch { return error }
        return RecraftError(.internal, "no error")
    }

    static func recraftReply(status: Int) -> RecraftError {
        RecraftProvider.error(HTTPResponse(status: status, headers: [:], body: Array("no".utf8), bytesWritten: 0), service: "recraft", keyVariable: nil)
    }

    static func transport(_ kind: TransportError.Kind, sent: Bool, for request: RequestKind) -> RecraftError {
        RetryPolicy.classify(TransportError(kind: kind, message: "x", mayHaveBeenSent: sent), kind: request)
    }

    /// (fault, the error for a create, the error for a poll/upload, create, poll, upload)
    static let table: [(String, RecraftError, RecraftError, Expect, Expect, Expect)] = {
        var rows: [(String, RecraftError, RecraftError, Expect, Expect, Expect)] = []
        func reply(_ name: String, _ error: RecraftError, _ submit: Expect, _ poll: Expect, _ upload: Expect) {
            rows.append((name, error, error, submit, poll, upload))
        }
        reply("HTTP 429", kieReply(status: 429, body: "{}"), .retry, .retry, .retry)
        reply("HTTP 429 Retry-After 2", kieReply(status: 429, body: "{}", retryAfter: "2"), .retry, .retry, .retry)
        reply("body 429", kieReply(status: 200, body: #"{"code":429,"msg":"slow"}"#), .retry, .retry, .retry)
        reply("body 433 (usage cap)", kieReply(status: 200, body: #"{"code":433,"msg":"cap"}"#), .giveUp, .giveUp, .giveUp)
        reply("body 455 (maintenance)", kieReply(status: 200, body: #"{"code":455,"msg":"m"}"#), .retry, .retry, .retry)
        reply("body 500", kieReply(status: 200, body: #"{"code":500,"msg":"e"}"#), .retry, .retry, .retry)
        for status in [500, 502, 503, 504] { reply("HTTP \(status)", kieReply(status: status, body: ""), .retry, .retry, .retry) }
        for code in [401, 402, 404, 422, 501, 505] {
            reply("body \(code)", kieReply(status: 200, body: #"{"code":\#(code),"msg":"no"}"#), .giveUp, .giveUp, .giveUp)
        }
        for status in [400, 401, 402, 403, 404] { reply("HTTP \(status)", kieReply(status: status, body: ""), .giveUp, .giveUp, .giveUp) }
        // The provider answered, so it got the create, but the reply cannot be read.
        reply("malformed JSON", kieReply(status: 200, body: "{nope"), .uncertain, .retry, .retry)
        reply("no code", kieReply(status: 200, body: "{}"), .uncertain, .retry, .retry)
        reply("Recraft 429", recraftReply(status: 429), .retry, .retry, .retry)
        reply("Recraft 503", recraftReply(status: 503), .retry, .retry, .retry)
        reply("Recraft 400", recraftReply(status: 400), .giveUp, .giveUp, .giveUp)
        // Below HTTP: whether the request may have gone out decides a create.
        rows.append(
            ("connection refused", transport(.connect, sent: false, for: .submit), transport(.connect, sent: false, for: .poll), .retry, .retry, .retry))
        rows.append(
            ("reset before a byte was read", transport(.other, sent: false, for: .submit), transport(.other, sent: false, for: .poll), .retry, .retry, .retry))
        rows.append(
            (
                "reset after the request went out", transport(.other, sent: true, for: .submit), transport(.other, sent: true, for: .poll), .uncertain, .retry,
                .retry
            ))
        rows.append(
            ("timeout after sending", transport(.timeout, sent: true, for: .submit), transport(.timeout, sent: true, for: .poll), .uncertain, .retry, .retry))
        rows.append(("stall", transport(.stalled, sent: true, for: .submit), transport(.stalled, sent: true, for: .poll), .uncertain, .retry, .retry))
        rows.append(("too slow", transport(.tooSlow, sent: true, for: .submit), transport(.tooSlow, sent: true, for: .upload), .uncertain, .retry, .retry))
        rows.append(
            ("reply too large", transport(.tooLarge, sent: true, for: .submit), transport(.tooLarge, sent: true, for: .poll), .uncertain, .retry, .retry))
        rows.append(("cancelled", transport(.cancelled, sent: true, for: .submit), transport(.cancelled, sent: true, for: .poll), .giveUp, .giveUp, .giveUp))
        return rows
    }()

    static func decision(_ error: RecraftError, _ kind: RequestKind) -> Expect {
        // A create whose reply was unreadable goes through afterSubmit first, as in Job+Run.
        let error = kind == .submit ? RetryPolicy.afterSubmit(error) : error
        if error.code == .submitUncertain { return .uncertain }
        let policy = RetryPolicy(maxRetries: 3, window: .seconds(10))
        switch policy.decide(error, kind: kind, attempt: 0, now: .now, deadline: nil, random: 0.5) {
        case .retry: return .retry
        case .giveUp: return .giveUp
        }
    }

    @Test(arguments: 0..<table.count)
    func everyInjectedFault(row: Int) {
        let (name, submitError, otherError, submit, poll, upload) = Self.table[row]
        #expect(Self.decision(submitError, .submit) == submit, "\(name): create")
        #expect(Self.decision(otherError, .poll) == poll, "\(name): poll")
        #expect(Self.decision(otherError, .upload) == upload, "\(name): upload")
        #expect(Self.decision(otherError, .download) == upload, "\(name): download")
    }

    @Test func waitsFollowRetryAfterTheWindowAndTheDeadline() {
        let policy = RetryPolicy(maxRetries: 3, window: .seconds(10))
        let now = ContinuousClock.now
        let asked = Self.kieReply(status: 429, body: "{}", retryAfter: "2")
        #expect(policy.decide(asked, kind: .submit, attempt: 0, now: now, deadline: nil, random: 0.5) == .retry(after: .seconds(2)))
        // A 429 without Retry-After waits out the limiter's window: kie drops, not queues.
        let bare = Self.kieReply(status: 429, body: "{}")
        #expect(policy.decide(bare, kind: .submit, attempt: 0, now: now, deadline: nil, random: 0.5) == .retry(after: .seconds(10)))
        // Past the deadline: give up now, saying why.
        guard case .giveUp(let late) = policy.decide(asked, kind: .submit, attempt: 0, now: now, deadline: now + .seconds(1)) else {
            Issue.record("a wait past the deadline must give up")
            return
        }
        #expect(late.message.contains("past the job's deadline"))
        // The attempts run out.
        guard case .giveUp = policy.decide(bare, kind: .poll, attempt: 3, now: now, deadline: nil) else {
            Issue.record("max_retries must bound the attempts")
            return
        }
    }

    @Test func pollsKeepGoingThroughOutagesButNotThroughRefusals() {
        let outage = RecraftError(.providerUnavailable, "503")
        #expect(RetryPolicy.afterPolls(outage, freshlyCreated: true, unknownStreak: 0) == .keepPolling)
        let unknown = RecraftError(.notFound, "recordInfo is null")
        #expect(RetryPolicy.afterPolls(unknown, freshlyCreated: true, unknownStreak: 2) == .keepPolling)
        #expect(RetryPolicy.afterPolls(unknown, freshlyCreated: true, unknownStreak: 3) == .giveUp(unknown))
        #expect(RetryPolicy.afterPolls(unknown, freshlyCreated: false, unknownStreak: 0) == .giveUp(unknown), "a reopened id the provider does not know")
        let refused = RecraftError(.authentication, "401")
        #expect(RetryPolicy.afterPolls(refused, freshlyCreated: true, unknownStreak: 0) == .giveUp(refused))
    }
}
