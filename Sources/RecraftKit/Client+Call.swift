import FoundationEssentials

extension Client: ProviderAPI {
    /// One authenticated exchange with the provider's own hosts, within the client's rate
    /// limit for its kind and the current job's deadline (`Deadline.current`). No retry
    /// here: callers wrap it in `retrying`, which knows whether a resend is safe.
    func call(_ request: HTTPRequest, kind: RequestKind) async throws(RecraftError) -> HTTPResponse {
        let limiter = limiter(for: kind)
        // A billed request's slot was taken before its "sending" record (see Job.submit).
        let held = kind == .submit ? HeldSlot.current : nil
        var ticket = held
        if ticket == nil { ticket = try await limiter?.acquire(before: Deadline.current) }
        defer { if let ticket { limiter?.finished(ticket) } }
        var request = request
        // A synchronous request (Recraft) replies only once the image is done, seconds after
        // the provider counted it: its slot ends when its body is on the wire (plus a round
        // trip) instead. An asynchronous create replies at once, and its reply is the exact
        // anchor: a busy server may read a request well after its last byte arrived, which
        // the fault suite's zero-429 tests showed for kie (1 in 15 on a loaded machine).
        if let limiter, let ticket, provider.isSynchronous {
            request.onSent = { connectTime in limiter.sent(ticket, connectTime: connectTime) }
        }
        request.headers.append(("Authorization", "Bearer \(configuration.apiKey)"))
        request.headers.append(("Accept", "application/json"))
        request.connectTimeout = configuration.connectTimeout
        // Nothing starts after the deadline. A billed request already on its way keeps its
        // whole timeout_ms, though: cutting it would not un-create the task, only turn a
        // task we could collect by id into an uncertain one.
        let capped = try Deadline.capped(configuration.requestTimeout)
        request.timeout = kind == .submit ? configuration.requestTimeout : capped
        request.stallTimeout = configuration.stallTimeout
        request.maxResponseBytes = configuration.maxResponseBytes
        request.freshConnection = kind == .submit
        if kind == .upload { request.minimumSpeed = Deadline.minimumSpeed }
        request.onProgress = TransferProgress.hook(for: kind, body: request.body)
        do {
            return try await performLogged(request, kind: kind)
        } catch {
            throw RetryPolicy.classify(error, kind: kind)
        }
    }

    /// Runs `operation`, trying again after failures that `RetryPolicy` says are safe to
    /// retry, waiting as it says, never past the current deadline.
    func retrying<T: Sendable>(_ kind: RequestKind, _ operation: () async throws(RecraftError) -> T) async throws(RecraftError) -> T {
        let policy = RetryPolicy(maxRetries: configuration.maxRetries, window: limiter(for: kind)?.window)
        var attempt = 0
        while true {
            do {
                return try await operation()
            } catch {
                switch policy.decide(error, kind: kind, attempt: attempt, now: .now, deadline: Deadline.current) {
                case .giveUp(let final):
                    throw final
                case .retry(let wait):
                    log(.info, "\(kind) failed (attempt \(attempt + 1)): \(error.message); retrying in \(wait.milliseconds) ms")
                    do { try await Task.sleep(for: wait) } catch { throw RecraftError(.cancelled, "cancelled while waiting to retry") }
                    attempt += 1
                }
            }
        }
    }

    /// The transport's `perform`, logged (`logExchange`).
    func performLogged(_ request: HTTPRequest, kind: RequestKind) async throws(TransportError) -> HTTPResponse {
        guard Log.enabled(.debug) else { return try await transport.perform(request) }
        let started = ContinuousClock.now
        let outcome: Result<HTTPResponse, TransportError>
        do throws(TransportError) { outcome = .success(try await transport.perform(request)) } catch { outcome = .failure(error) }
        logExchange(request, kind: kind, started: started, outcome: outcome)
        return try outcome.get()
    }

    func limiter(for kind: RequestKind) -> RateLimiter? {
        switch kind {
        case .submit: submitLimiter
        case .poll: pollLimiter
        case .upload, .download: nil
        }
    }

    /// Uploads the file at `path` (no checks but that it is a regular file).
    func upload(path: String) async throws(RecraftError) -> String {
        try await upload(try InputFile.open(path))
    }

    /// Uploads a checked input through the kie upload API and returns its public URL.
    /// Uploads are free and each gets a fresh name, so any failure may be retried.
    ///
    /// The same bytes are uploaded once while the link is good for a whole job: the store
    /// remembers each upload by content hash, for every worker of the account. The cache
    /// is a saving only: when the store cannot answer, the file is uploaded.
    ///
    /// The file is hashed before the upload only when the cache holds a file of its size;
    /// otherwise it cannot be there, and the hash is taken from the bytes as they are sent
    /// (`UploadDigest`), so that a new file is read once. With `upload_cache` false the
    /// cache is neither read nor written, and nothing is hashed.
    func upload(_ file: InputFile) async throws(RecraftError) -> String {
        let (cache, host) = (configuration.uploadCache, configuration.uploadURL)
        let validFor = configuration.jobTimeout.milliseconds + 10 * 60 * 1000
        var digest: String?
        if cache, (try? await store.mayHaveUpload(scope: scope, size: file.size, host: host, validForMs: validFor)) == true {
            digest = SHA256.hash(file)?.hex  // streamed: no copy of the file in memory
            if let digest, let url = try? await store.cachedUpload(scope: scope, sha256: digest, host: host, validForMs: validFor),
                await isStillServed(url)
            {
                return url
            }
        }
        let (url, sent) = try await retrying(.upload) { [digest] () async throws(RecraftError) -> (String, String?) in
            let hashing = cache && digest == nil ? UploadDigest.make() : nil
            let response = try await call(KieUpload.request(file: file, configuration: configuration, digest: hashing), kind: .upload)
            return (try KieUpload.decode(response, keyVariable: configuration.provider.apiKeyVariable), hashing?.finish(size: file.size))
        }
        if cache, let digest = digest ?? sent {
            try? await store.rememberUpload(scope: scope, sha256: digest, size: file.size, host: host, url: url)
        }
        return url
    }
}

/// The rate-limit slot the current task already holds for its billed request: the job
/// takes it before it records "sending", so a grant never waits behind that record and a
/// crash while waiting for the grant leaves the job "not sent", not "uncertain".
enum HeldSlot {
    @TaskLocal static var current: RateLimiter.Ticket?
}

extension Client {
    /// Whether the file host still serves `url` (a cached upload: the host may have dropped
    /// it early, and a task would then fail on it). One byte is asked for, without the key.
    func isStillServed(_ url: String) async -> Bool {
        guard (try? URLPolicy.check(url, allowInsecure: configuration.allowInsecureHTTP, what: "cached upload", code: .protocolError)) != nil else {
            return false
        }
        var request = HTTPRequest(.get, url)
        request.headers.append(("Range", "bytes=0-0"))
        request.connectTimeout = configuration.connectTimeout
        request.timeout = min(configuration.requestTimeout, .seconds(15))
        request.stallTimeout = configuration.stallTimeout
        request.maxResponseBytes = 64 << 10
        do {
            let response = try await transport.perform(request)
            return response.status == 200 || response.status == 206
        } catch {
            return error.kind == .tooLarge  // the host ignored Range and sent the file: it is there
        }
    }
}

/// What a request does, which decides its rate limit, its timeouts and whether resending
/// it is safe.
enum RequestKind: Sendable {
    /// Creates a task or runs a synchronous job: billed, so resent only when certainly not taken.
    case submit
    /// Reads a task's status.
    case poll
    /// Uploads an input (free; every upload gets a fresh name).
    case upload
    /// Fetches a file: a result, or an input a provider wants as bytes.
    case download

    var isIdempotent: Bool { self != .submit }
}

/// The deadline of the job (or download) the current task works for. Every request and
/// every wait under it (rate limit, retry, the request's own timeout) ends by then,
/// without passing it through each call.
enum Deadline {
    @TaskLocal static var current: ContinuousClock.Instant?

    /// A file transfer moving fewer bytes per second than this, averaged over
    /// `stall_timeout_ms`, fails (a host dripping a byte a second is not progressing).
    static let minimumSpeed = 1024

    /// `timeout`, or what is left until the current deadline if that is sooner. Throws
    /// when the deadline has passed.
    static func capped(_ timeout: Duration) throws(RecraftError) -> Duration {
        guard let deadline = current else { return timeout }
        let left = deadline - .now
        guard left > .zero else {
            throw RecraftError(.timeout, "the deadline passed before the request could be sent (job_timeout_ms or download_timeout_ms)")
        }
        return min(timeout, left)
    }
}
