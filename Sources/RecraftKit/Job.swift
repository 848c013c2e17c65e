import Dispatch
import FoundationEssentials
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One image operation at a provider, from submit to result. Safe to use from any
/// thread. The work runs in the background; `state`, `wait` and `download` observe it.
public final class Job: Sendable {
    public let operation: Operation
    /// A local id for the journal, unique per job.
    public let ref: String
    let client: Client
    let request: JobRequest?
    /// What the preset offers for the request (nil for a reopened job).
    let offer: Offer?
    let deadline: ContinuousClock.Instant
    /// The process that submitted it: its work runs only there (see `Lifetime`).
    let pid = getpid()
    let core: Mutex<Core>
    /// Entered at creation, left once when the job ends: blocking waiters wait on it.
    let ended = DispatchGroup()

    struct Core {
        var state: JobState = .pending
        var taskId: String?
        var providerState: String?
        var results: [JobResult] = []
        var error: RecraftError?
        var polls = 0
        var driver: Task<Void, Never>?
        /// The checked input, open until the submit is over.
        var input: InputFile?
        /// True while the billed request may be on its way: a cancel then cannot know
        /// whether the task exists, so it ends the job *submit uncertain* and lets the
        /// request finish, to keep the task id if the reply brings one.
        var sending = false
        var cancelRequested = false
        /// Downloads in progress, so that `cancel` stops them.
        var downloads: [Int: Task<Result<String, RecraftError>, Never>] = [:]
        var nextDownload = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
        var expiredWaiters: Set<Int> = []
        var endHandlers: [@Sendable (JobState) -> Void] = []
        /// Set once the end is in the journal and waiters may be told: `wait`, `onEnd` and
        /// `waitBlocking` follow this, not `state`, so a waiter always finds the end recorded.
        var announced = false
    }

    /// A new submission.
    init(client: Client, request: JobRequest, offer: Offer) {
        self.operation = request.operation
        self.ref = UUID().uuidString.lowercased()
        self.client = client
        var request = request
        var core = Core()
        core.input = request.input
        request.input = nil
        self.request = request
        self.offer = offer
        self.deadline = .now + client.configuration.jobTimeout
        self.core = Mutex(core)
        start()
    }

    /// A task the provider already has.
    init(client: Client, operation: Operation, taskId: String) {
        self.operation = operation
        self.ref = UUID().uuidString.lowercased()
        self.client = client
        self.request = nil
        self.offer = nil
        self.deadline = .now + client.configuration.jobTimeout
        var core = Core()
        core.taskId = taskId
        core.state = .running
        self.core = Mutex(core)
        client.register(self, taskId: taskId)
        start()
    }

    deinit {
        // libdispatch traps when a group is freed while entered. The driver holds the job
        // until it ends, so this cannot happen today; keep it that way if that changes.
        if !core.withLock({ $0.announced }) { ended.leave() }
    }

    private func start() {
        ended.enter()
        let driver = Task { [self] in await drive() }
        core.withLock { $0.driver = driver }
    }

    /// The provider's task id; nil until the provider has accepted the task.
    public var id: String? { core.withLock { $0.taskId } }
    public var state: JobState { core.withLock { $0.state } }
    /// The provider's own word for the state (`queuing`, `generating`, …), if any.
    public var providerState: String? { core.withLock { $0.providerState } }
    /// The results, once the job has succeeded.
    public var results: [JobResult] { core.withLock { $0.results } }
    /// Why the job failed, was cancelled or timed out.
    public var error: RecraftError? { core.withLock { $0.error } }
    /// How many status requests the job has made.
    public var polls: Int { core.withLock { $0.polls } }

    /// Stops the job locally, from any thread: waiters return at once with `.cancelled`.
    /// The provider is not told (neither kie nor Recraft has a cancel call); a task it
    /// already accepted may still finish and be charged, and can be reopened by id.
    ///
    /// A cancel while the create request is on its way ends the job *submit uncertain*:
    /// the request is not cut off (that would not un-create the task), and if its reply
    /// brings a task id, `id` and the journal keep it. Also stops downloads in progress.
    public func cancel() {
        let (driver, sending, taskId, downloads) = core.withLock { core in
            core.cancelRequested = true
            defer { core.downloads = [:] }
            return (core.driver, core.sending, core.taskId, Array(core.downloads.values))
        }
        for download in downloads { download.cancel() }
        if sending {
            finish(.cancelled, error: RetryPolicy.uncertain(
                "The job was cancelled while its create request was on its way; its task id, if the reply brings one, is kept (job id, journal)",
                sent: true))
            return
        }
        finish(.cancelled, error: RecraftError(.cancelled, "the job was cancelled" +
            (taskId.map { "; the provider may still run task \($0): reopen it by id to collect it" } ?? "")))
        driver?.cancel()
    }

    /// Throws when this job belongs to another process: a forked child has none of the
    /// parent's work, so waiting on it there would never end.
    public func checkOwner() throws(RecraftError) {
        guard pid == getpid() else {
            throw RecraftError(.unsupported,
                "this job was submitted by process \(pid), before fork(); its work runs there, not here: reopen it by id in this process (\(id.map { "task \($0)" } ?? "it has no task id yet"))")
        }
    }

    /// Calls `handler` once with the final state when the job ends (at once if it has),
    /// on the client's callback queue: one handler at a time, never on a Swift concurrency
    /// thread, so it may block and may call any RecraftKit function.
    public func onEnd(_ handler: @escaping @Sendable (JobState) -> Void) {
        let ended = core.withLock { core -> JobState? in
            guard core.announced else { core.endHandlers.append(handler); return nil }
            return core.state
        }
        if let ended { client.callbackQueue.async { handler(ended) } }
    }

    /// Moves the job to a terminal state, once; later calls are ignored. Waiters and
    /// handlers hear of it (`announce`) once the journal has the end.
    func finish(_ state: JobState, results: [JobResult] = [], error: RecraftError? = nil) {
        let ending = core.withLock { core -> Bool in
            guard !core.state.isTerminal else { return false }
            core.state = state
            core.results = results
            core.error = error.map(client.redacted)
            core.driver = nil
            return true
        }
        guard ending else { return }
        if let taskId = id { client.unregister(taskId: taskId) }
        journalFinished { [self] in announce() }
    }

    private func announce() {
        let (state, waiters, handlers) = core.withLock { core in
            core.announced = true
            defer { core.waiters = [:]; core.endHandlers = [] }
            return (core.state, Array(core.waiters.values), core.endHandlers)
        }
        for handler in handlers { client.callbackQueue.async { handler(state) } }
        ended.leave()
        for waiter in waiters { waiter.resume() }
    }
}
