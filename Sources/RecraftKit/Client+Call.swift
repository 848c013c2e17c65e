import FoundationEssentials

extension Client: ProviderAPI {
    /// One authenticated exchange with the provider's own hosts, within the client's rate
    /// limit for its kind. No retry here: callers wrap it in `retrying`, which knows
    /// whether a resend is safe.
    func call(_ request: HTTPRequest, kind: RequestKind) async throws(RecraftError) -> HTTPResponse {
        let limiter = limiter(for: kind)
        let ticket = try await limiter?.acquire()
        defer { if let ticket { limiter?.finished(ticket) } }
        let idempotent = kind.isIdempotent
        var request = request
        request.headers.append(("Authorization", "Bearer \(configuration.apiKey)"))
        request.headers.append(("Accept", "application/json"))
        request.connectTimeout = configuration.connectTimeout
        request.timeout = configuration.requestTimeout
        request.stallTimeout = configuration.stallTimeout
        request.maxResponseBytes = configuration.maxResponseBytes
        request.followRedirects = false  // a redirect must not carry the key elsewhere
        request.freshConnection = kind == .submit
        do {
            return try await transport.perform(request)
        } catch let error as TransportError {
            throw Self.classify(error, idempotent: idempotent)
        } catch {
            throw RecraftError(.internal, "unexpected transport error: \(error)")
        }
    }

    static func classify(_ error: TransportError, idempotent: Bool) -> RecraftError {
        switch error.kind {
        case .cancelled: return RecraftError(.cancelled, error.message)
        case .tooLarge: return RecraftError(.protocolError, error.message)
        case .file: return RecraftError(.io, error.message)
        case .connect, .timeout, .stalled, .other:
            if error.mayHaveBeenSent && !idempotent {
                return RecraftError(.submitUncertain,
                    "\(error.message). The request went out but no reply came, so the task may exist at the provider and may be charged; it was not sent again. Check the provider's dashboard or task list before submitting again")
            }
            return RecraftError(error.kind == .timeout || error.kind == .stalled ? .timeout : .network, error.message)
        }
    }

    /// Runs `operation`, trying again after failures that are safe to retry: for requests
    /// that create something (`.submit`), only when the provider certainly did not take it
    /// (no connection, 429, maintenance, a 5xx reply). Waits with exponential backoff and
    /// full jitter, or as long as `Retry-After` says, but never past `deadline`.
    func retrying<T: Sendable>(_ kind: RequestKind, deadline: ContinuousClock.Instant? = nil,
                               _ operation: () async throws(RecraftError) -> T) async throws(RecraftError) -> T {
        var attempt = 0
        while true {
            do {
                return try await operation()
            } catch {
                guard attempt < configuration.maxRetries, Self.isRetryable(error, idempotent: kind.isIdempotent) else { throw error }
                var wait = retryDelay(attempt: attempt)
                if let asked = error.retryAfter {
                    wait = asked
                } else if error.code == .rateLimited, let window = limiter(for: kind)?.window {
                    // A 429 with no Retry-After: the provider drops, not queues, so wait out its window.
                    wait = max(wait, window)
                }
                if let deadline, ContinuousClock.now + wait > deadline {
                    var late = error
                    late.message += " (a retry would have to wait \(wait.milliseconds / 1000) s, past the job's deadline)"
                    throw late
                }
                do { try await Task.sleep(for: wait) } catch { throw RecraftError(.cancelled, "cancelled while waiting to retry") }
                attempt += 1
            }
        }
    }

    func limiter(for kind: RequestKind) -> RateLimiter? {
        switch kind {
        case .submit: submitLimiter
        case .poll: pollLimiter
        case .upload: nil
        }
    }

    static func isRetryable(_ error: RecraftError, idempotent: Bool) -> Bool {
        switch error.code {
        case .rateLimited: return error.providerCode != "433"  // a usage cap does not lift in seconds
        case .providerUnavailable, .network: return true
        case .timeout, .protocolError: return idempotent
        default: return false
        }
    }

    /// Uploads a local file through the kie upload API and returns its public URL.
    /// Uploads are free and each gets a fresh name, so any failure may be retried.
    func upload(path: String) async throws(RecraftError) -> String {
        let mimeType = InputCheck.mimeType(ofFile: path)
        return try await retrying(.upload) { () async throws(RecraftError) -> String in
            let response = try await call(KieUpload.request(path: path, configuration: configuration, mimeType: mimeType), kind: .upload)
            return try KieUpload.decode(response, keyVariable: configuration.provider.apiKeyVariable)
        }
    }
}

/// What a request does, which decides its rate limit and whether resending it is safe.
enum RequestKind: Sendable {
    /// Creates a task or runs a synchronous job: billed, so resent only when certainly not taken.
    case submit
    /// Reads a task's status.
    case poll
    /// Uploads an input (free; every upload gets a fresh name) or fetches a file.
    case upload

    var isIdempotent: Bool { self != .submit }
}
