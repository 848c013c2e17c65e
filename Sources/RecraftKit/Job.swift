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
    /// Opened once when the end is announced: blocking waiters wait on it.
    let ended = Latch()

    struct Core {
        /// State, task id, results, error: written only through `handle`.
        var machine: JobStateMachine
        var polls = 0
        var driver: Task<Void, Never>?
        /// The checked input, open until the submit is over.
        var input: InputFile?
        /// Downloads in progress, so that `cancel` stops them.
        var downloads: [Int: @Sendable () -> Void] = [:]  // each one's cancel
        var nextDownload = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
        var expiredWaiters: Set<Int> = []
        var endHandlers: [@Sendable (JobState) -> Void] = []
        var endObservers: [@Sendable (JobState) -> Void] = []
        /// Told of each upload's and download's progress; true from it stops the job.
        var progress: (@Sendable (TransferDirection, Int64, Int64) -> Bool)?
    }

    /// A new submission.
    init(client: Client, request: JobRequest, offer: Offer) {
        self.operation = request.operation
        self.ref = request.reference ?? UUID().uuidString.lowercased()
        self.client = client
        var request = request
        var core = Core(machine: JobStateMachine())
        core.input = request.input
        request.input = nil
        self.request = request
        self.offer = offer
        self.deadline = .now + client.configuration.jobTimeout
        self.core = Mutex(core)
        client.admission.enter(self)  // its driver starts when a submit place is free
    }

    /// A task the provider already has.
    init(client: Client, operation: Operation, taskId: String) {
        self.operation = operation
        self.ref = UUID().uuidString.lowercased()
        self.client = client
        self.request = nil
        self.offer = nil
        self.deadline = .now + client.configuration.jobTimeout
        self.core = Mutex(Core(machine: JobStateMachine(reopened: taskId)))
        client.register(self, taskId: taskId)
        startDriver()  // nothing to submit: it polls at once
    }

    func startDriver() {
        let driver = Task { [self] in await TransferProgress.$job.withValue(WeakJob(self)) { await drive() } }
        core.withLock { $0.driver = driver }
    }

    /// The provider's task id; nil until the provider has accepted the task.
    public var id: String? { core.withLock { $0.machine.taskId } }
    public var state: JobState { core.withLock { $0.machine.state } }
    /// The provider's own word for the state (`queuing`, `generating`, …), if any.
    public var providerState: String? { core.withLock { $0.machine.providerState } }
    /// The results, once the job has succeeded.
    public var results: [JobResult] { core.withLock { $0.machine.results } }
    /// Why the job failed, was cancelled or timed out.
    public var error: RecraftError? { core.withLock { $0.machine.error } }
    /// The credits the job consumed, in the provider's unit (kie credits, Recraft API
    /// units), when the provider said (kie's `creditsConsumed`, Recraft's `credits`).
    public var creditsConsumed: Double? { core.withLock { $0.machine.receipt.credits } }
    /// How many status requests the job has made.
    public var polls: Int { core.withLock { $0.polls } }

    /// Stops the job locally, from any thread: waiters return at once with `.cancelled`.
    /// The provider is not told (neither kie nor Recraft has a cancel call); a task it
    /// already accepted may still finish and be charged, and can be reopened by id.
    ///
    /// A cancel while the create request is on its way ends the job *submit uncertain*:
    /// the request is not cut off (that would not un-create the task), and if its reply
    /// brings a task id, `id` and the journal keep it. Also stops downloads in progress.
    public func cancel() { handle(.cancel) }

    /// Feeds an event to the state machine and carries out what it answers; returns the
    /// actions, for the caller that needs one (`.send` / `.abandonSend`).
    @discardableResult
    func handle(_ event: JobStateMachine.Event) -> [JobStateMachine.Action] {
        let event = redacted(event)
        let (actions, driver, downloads, change) = core.withLock { core in
            let before = core.machine.state
            let actions = core.machine.handle(event)
            let change = before == core.machine.state ? nil : (before, core.machine.state, core.machine.taskId, core.machine.error)
            let downloads = actions.contains(.cancelDownloads) ? Array(core.downloads.values) : []
            if actions.contains(.cancelDownloads) { core.downloads = [:] }
            let driver = core.driver
            if core.machine.isTerminal { core.driver = nil }  // the driver no longer needs the job
            return (actions, driver, downloads, change)
        }
        if let (before, after, taskId, error) = change { logStateChange(from: before, to: after, taskId: taskId, error: error) }
        for action in actions {
            switch action {
            case .send, .abandonSend: break
            case .register(let taskId): client.register(self, taskId: taskId)
            case .unregister(let taskId): client.unregister(taskId: taskId)
            case .journalEnd: journalFinished { [self] in handle(.journaled) }
            case .announce: announce()
            case .cancelDriver: driver?.cancel()
            case .cancelDownloads: for cancelDownload in downloads { cancelDownload() }
            }
        }
        return actions
    }

    /// `job 1a2b3c4d (task abc): pending -> running`, with the reason for a failure.
    private func logStateChange(from before: JobState, to after: JobState, taskId: String?, error: RecraftError?) {
        let level: LogLevel = after == .failed ? .warning : .info
        client.log(
            level,
            {
                let task = taskId.map { ", task \($0)" } ?? ""
                let reason = error.map { ": \($0.code.description): \($0.message)" } ?? ""
                return "job \(ref.prefix(8)) (\(operation.rawValue)\(task)): \(before) -> \(after)\(reason)"
            }())
    }

    /// Errors leave the library without the API key.
    private func redacted(_ event: JobStateMachine.Event) -> JobStateMachine.Event {
        switch event {
        case .failed(let error): .failed(client.redacted(error))
        case .polled(.failed(let error)): .polled(.failed(client.redacted(error)))
        case .callback(let state, let results, let error?): .callback(state: state, results: results, error: client.redacted(error))
        default: event
        }
    }

    private func announce() {
        let (state, waiters, handlers, observers) = core.withLock { core in
            defer {
                core.waiters = [:]
                core.endHandlers = []
                core.endObservers = []
            }
            return (core.machine.state, Array(core.waiters.values), core.endHandlers, core.endObservers)
        }
        for handler in handlers { client.callbackQueue.async { handler(state) } }
        ended.open()
        for observer in observers { observer(state) }
        for waiter in waiters { waiter.resume() }
    }

    /// Throws when this job belongs to another process: a forked child has none of the
    /// parent's work, so waiting on it there would never end.
    public func checkOwner() throws(RecraftError) {
        guard pid == getpid() else {
            throw RecraftError(
                .unsupported,
                "this job was submitted by process \(pid), before fork(); its work runs there, not here: reopen it by id in this process (\(id.map { "task \($0)" } ?? "it has no task id yet"))"
            )
        }
    }

    /// True once the job's end is announced (journaled, waiters woken): what `wait` waits for.
    public var hasEnded: Bool { core.withLock { $0.machine.announced } }

    /// Calls `observer` once with the final state when the end is announced (at once, on
    /// this thread, if it was), on the thread that announces it, after the waiters are
    /// woken. It must be quick and must not block: it is for waking a waiter (the C API's
    /// recraft_wait_any and client event fd), not for work.
    public func observeEnd(_ observer: @escaping @Sendable (JobState) -> Void) {
        let ended = core.withLock { core -> JobState? in
            guard core.machine.announced else {
                core.endObservers.append(observer)
                return nil
            }
            return core.machine.state
        }
        if let ended { observer(ended) }
    }

    /// Sets (nil: removes) what is told of the job's transfers: the input's upload and each
    /// result's download, as bytes done and total (0 while unknown). It runs on the
    /// transport's thread, so it must be quick; returning true stops the transfer, as
    /// libcurl's XFERINFOFUNCTION does: a stopped upload cancels the job, a stopped
    /// download fails as cancelled (and may be tried again).
    public func setProgressHandler(_ handler: (@Sendable (TransferDirection, Int64, Int64) -> Bool)?) {
        core.withLock { $0.progress = handler }
    }

    /// Calls `handler` once with the final state when the job ends (at once if it has),
    /// on the client's callback queue: one handler at a time, never on a Swift concurrency
    /// thread, so it may block and may call any RecraftKit function.
    public func onEnd(_ handler: @escaping @Sendable (JobState) -> Void) {
        let ended = core.withLock { core -> JobState? in
            guard core.machine.announced else {
                core.endHandlers.append(handler)
                return nil
            }
            return core.machine.state
        }
        if let ended { client.callbackQueue.async { handler(ended) } }
    }
}
