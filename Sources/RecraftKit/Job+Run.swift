#if canImport(Glibc)
import Glibc
#endif

/// The job's background work: upload if needed, create the task, poll until it ends.
extension Job {
    func drive() async {
        // Every request and wait below ends by the job's deadline.
        await Deadline.$current.withValue(deadline) { await run() }
    }

    private func run() async {
        do {
            if let request, let offer {
                defer { client.admission.leave() }  // accepted or failed: the next queued job starts
                try await submit(request, offer: offer)
            }
            if state == .running { try await pollUntilDone() }
        } catch {
            // At exit nothing may end: the journal keeps the job as it was, for resume.
            if Lifetime.isExiting { return }
            handle(.failed(error))  // ignored when the job ended already (a cancel, say)
        }
    }

    private func submit(_ request: JobRequest, offer: Offer) async throws(RecraftError) {
        let provider = client.provider
        // The input is open only for the submit.
        let input = core.withLock { $0.input }
        defer { core.withLock { $0.input = nil } }
        if let first = try await journalSubmit(request), try await follow(first) { return }
        var request = request
        request.input = input
        var downloaded: String?
        defer { if let downloaded { unlink(downloaded) } }
        switch (request.image, provider.inputKind) {
        case (.file, .url):
            guard let input else { throw RecraftError(.internal, "a local input reached the upload without being checked") }
            request.image = .url(try await client.upload(input))
            request.input = nil
        case (.url(let url), .file):
            // The provider takes bytes only: fetch the image (without the API key), check it.
            let path = try await client.fetchInput(url)
            downloaded = path
            request.input = try InputCheck.check(path, against: offer.limits, preset: client.configuration.provider, operation: operation)
            request.image = .file(path)
        default:
            break
        }
        if provider.isSynchronous { handle(.runningSynchronously) }
        let submission = try await client.retrying(.submit) { () async throws(RecraftError) -> Submission in
            // A billed request goes out only after a grant and a durable "sending" record.
            let limiter = client.submitLimiter
            let slot = try await limiter?.acquire(before: Deadline.current)
            defer { if let slot { limiter?.finished(slot) } }  // at the reply; a second end changes nothing
            try await journalSending()
            guard handle(.sending).contains(.send) else {
                throw RecraftError(.cancelled, "the job was cancelled before its create request went out")
            }
            defer { handle(.sent) }
            do throws(RecraftError) {
                let outcome: Result<Submission, RecraftError> = await HeldSlot.$current.withValue(slot) {
                    do throws(RecraftError) {
                        return .success(try await provider.submit(request, offer: offer, through: client))
                    } catch {
                        return .failure(error)
                    }
                }
                return try outcome.get()
            } catch {
                throw RetryPolicy.afterSubmit(error)
            }
        }
        switch submission {
        case .accepted(let taskId):
            try? await journalAccepted(taskId)  // the task exists now: never let a full disk lose it
            handle(.accepted(taskId: taskId))
        case .finished(let taskId, let results, let receipt):
            try? await journalAccepted(taskId)
            handle(.finishedSynchronously(taskId: taskId, results: results, receipt: receipt))
        }
    }

    private func pollUntilDone() async throws(RecraftError) {
        guard let taskId = id else { return }
        let configuration = client.configuration
        // With a callback on its way, polling is only the fallback (callbacks can be lost).
        let schedule =
            request?.callbackURL == nil
            ? PollSchedule(
                initial: configuration.pollInitial, maximum: configuration.pollMax,
                expected: client.durations.summary(for: operation))
            : PollSchedule(initial: .seconds(30), maximum: max(configuration.pollMax, .seconds(60)))
        let started = ContinuousClock.now
        var lastRunning = started
        var unknownStreak = 0
        while !state.isTerminal {
            try await sleepBeforePoll(schedule.next(elapsed: .now - started), taskId: taskId)
            let status: TaskStatus
            do {
                status = try await client.retrying(.poll) { () async throws(RecraftError) -> TaskStatus in
                    core.withLock { $0.polls += 1 }
                    return try await client.provider.status(taskId: taskId, operation: operation, through: client)
                }
                unknownStreak = 0
            } catch {
                switch RetryPolicy.afterPolls(error, freshlyCreated: request != nil, unknownStreak: unknownStreak) {
                case .keepPolling:
                    if error.code == .notFound { unknownStreak += 1 }
                    continue
                case .giveUp(let final) where final.code == .notFound:
                    throw final  // the provider does not know the task: nothing to reopen
                case .giveUp(let final):
                    throw RecraftError(
                        final.code, "\(final.message); task \(taskId) may still finish: reopen it by id to collect it",
                        httpStatus: final.httpStatus, providerCode: final.providerCode)
                }
            }
            if case .running = status { lastRunning = .now }
            if case .succeeded = status, request != nil {
                // It ended between the last two polls; the midpoint is the best guess.
                client.durations.record((lastRunning - started) + (.now - lastRunning) / 2, for: operation)
            }
            handle(.polled(status))
        }
    }

    /// Sleeps `wait`, or fails the job with a timeout when its deadline comes first.
    private func sleepBeforePoll(_ wait: Duration, taskId: String) async throws(RecraftError) {
        let now = ContinuousClock.now
        if now + wait > deadline {
            if deadline > now { try await sleep(until: deadline) }
            let limit = Double(client.configuration.jobTimeout.milliseconds) / 1000
            throw RecraftError(
                .timeout,
                "the job did not finish within \(limit) s (job_timeout_ms); task \(taskId) is not lost: reopen it by id later to collect it")
        }
        try await sleep(until: now + wait)
    }

    private func sleep(until instant: ContinuousClock.Instant) async throws(RecraftError) {
        do { try await Task.sleep(until: instant, clock: .continuous) } catch {
            throw RecraftError(.cancelled, "the job was cancelled")
        }
    }
}
