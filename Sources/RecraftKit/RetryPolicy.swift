/// Whether and when a failed request is tried again, and when a failure means the task
/// may exist ("uncertain"), decided here and nowhere else.
///
/// Creates (`.submit`) are billed: resent only when the provider certainly did not take
/// them (no connection, 429, maintenance, a 5xx reply); once the request may have gone
/// out and no readable reply came, the job ends *submit uncertain* and is never resent.
/// Everything else is retried on any transient failure. Waits are exponential with full
/// jitter, or what `Retry-After` says, never past the deadline.
struct RetryPolicy: Sendable {
    enum Decision: Equatable {
        case retry(after: Duration)
        /// Stop and throw this (the error, perhaps with a note why no retry was made).
        case giveUp(RecraftError)
    }

    let maxRetries: Int
    /// The limiter's window for this kind of request: a 429 without Retry-After waits it out.
    let window: Duration?

    func decide(
        _ error: RecraftError, kind: RequestKind, attempt: Int, now: ContinuousClock.Instant,
        deadline: ContinuousClock.Instant?, random: Double = Double.random(in: 0...1)
    ) -> Decision {
        guard attempt < maxRetries, Self.isRetryable(error, kind: kind) else { return .giveUp(error) }
        var wait = retryDelay(attempt: attempt, random: random)
        if let asked = error.retryAfter {
            wait = min(asked, RetryAfter.longest)
        } else if error.code == .rateLimited, let window {
            // A 429 with no Retry-After: the provider drops, not queues, so wait out its window.
            wait = max(wait, window)
        }
        if let deadline, now + wait > deadline {
            var late = error
            late.message += " (a retry would have to wait \(wait.milliseconds / 1000) s, past the \(kind == .download ? "download" : "job")'s deadline)"
            return .giveUp(late)
        }
        return .retry(after: wait)
    }

    enum PollDecision: Equatable {
        /// Ask again on the poll schedule (the job's deadline still bounds it).
        case keepPolling
        case giveUp(RecraftError)
    }

    /// After a status request failed even with its retries: the task is still the
    /// provider's, so an outage means asking again on the schedule until the deadline
    /// rather than giving the task up. kie answers "recordInfo is null" (not found) for a
    /// task created a moment ago, so a fresh task gets three such answers before it is
    /// called unknown.
    static func afterPolls(_ error: RecraftError, freshlyCreated: Bool, unknownStreak: Int) -> PollDecision {
        if error.code == .notFound { return freshlyCreated && unknownStreak < 3 ? .keepPolling : .giveUp(error) }
        return isRetryable(error, kind: .poll) ? .keepPolling : .giveUp(error)
    }

    /// True for failures that a later attempt may not meet.
    static func isRetryable(_ error: RecraftError, kind: RequestKind) -> Bool {
        switch error.code {
        case .rateLimited: return error.providerCode != "433"  // a usage cap does not lift in seconds
        case .providerUnavailable, .network: return true
        case .timeout, .protocolError: return kind.isIdempotent
        default: return false
        }
    }

    /// The error for a request that got no reply.
    static func classify(_ error: TransportError, kind: RequestKind) -> RecraftError {
        switch error.kind {
        case .cancelled: return RecraftError(.cancelled, error.message)
        case .tooLarge: return RecraftError(.protocolError, error.message)
        case .file: return RecraftError(.io, error.message)
        case .connect, .timeout, .stalled, .tooSlow, .other:
            if error.mayHaveBeenSent && !kind.isIdempotent { return uncertain(error.message, sent: true) }
            let timedOut = error.kind == .timeout || error.kind == .stalled || error.kind == .tooSlow
            return RecraftError(timedOut ? .timeout : .network, error.message)
        }
    }

    /// The error for a create request whose reply came but could not be read (the
    /// provider got it, so it may have made the task); other errors pass through.
    static func afterSubmit(_ error: RecraftError) -> RecraftError {
        guard error.code == .protocolError else { return error }
        var uncertain = uncertain(error.message, sent: false)
        uncertain.httpStatus = error.httpStatus
        uncertain.providerCode = error.providerCode
        return uncertain
    }

    /// *submit uncertain*: what happened, and what to do.
    static func uncertain(_ what: String, sent: Bool) -> RecraftError {
        let why =
            sent
            ? "The request went out but no reply came"
            : "The provider received the request but its reply could not be read"
        return RecraftError(
            .submitUncertain,
            "\(what). \(why), so the task may exist at the provider and may be charged; it was not sent again. Check the provider's dashboard or task list before submitting again"
        )
    }
}
