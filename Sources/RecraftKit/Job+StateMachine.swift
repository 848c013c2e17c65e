/// A job's lifecycle as a value: it takes events and returns the actions the job must
/// carry out. It is the only writer of a job's state, task id, results and error, and the
/// one place that knows what "terminal" means; it does no I/O, so it is tested event by
/// event (`JobStateMachineTests`), as async-http-client tests its `Transaction+StateMachine`.
///
///     pending ──accepted──▶ running ──polled(success|fail) / callback──▶ succeeded | failed
///        │  └─finishedSynchronously──────────────────────────────────▶ succeeded
///        └─ cancel / failed(error) ──────────────────────────────────▶ cancelled | failed
///
/// Terminal states are sticky. The end is *announced* (waiters woken, handlers called) only
/// after `journaled`, so whoever waits finds the end in the journal.
struct JobStateMachine: Sendable {
    enum Event: Sendable {
        /// The billed request is about to go out: allowed unless the job ended or was cancelled.
        case sending
        /// The billed request came back, either way.
        case sent
        /// A synchronous provider's request is running: the job runs with it.
        case runningSynchronously
        /// The provider took the task.
        case accepted(taskId: String)
        /// A synchronous provider finished the work in its reply.
        case finishedSynchronously(taskId: String, results: [JobResult], receipt: TaskReceipt = TaskReceipt())
        /// A status poll's answer.
        case polled(TaskStatus)
        /// A callback said the task ended.
        case callback(state: JobState, results: [JobResult], error: RecraftError?)
        /// The caller cancelled the job (or freed its handle).
        case cancel
        /// The driver failed: an error, a deadline, nothing more to try.
        case failed(RecraftError)
        /// The end is in the journal (or there is none).
        case journaled
    }

    enum Action: Sendable, Equatable {
        /// The billed request may go out.
        case send
        /// It may not: the job ended or was cancelled before it left.
        case abandonSend
        /// Route callbacks for this task to the job.
        case register(taskId: String)
        /// Stop routing callbacks to it.
        case unregister(taskId: String)
        /// Record the end in the journal, then report `journaled`.
        case journalEnd
        /// Wake the waiters and call the end handlers.
        case announce
        /// Stop the driver (nothing billed is on its way).
        case cancelDriver
        /// Stop downloads in progress.
        case cancelDownloads
    }

    private(set) var state: JobState
    private(set) var taskId: String?
    private(set) var providerState: String?
    private(set) var results: [JobResult] = []
    private(set) var error: RecraftError?
    /// What the provider said the finished task cost, and when it finished.
    private(set) var receipt = TaskReceipt()
    /// True while the billed request may be on its way.
    private(set) var sending = false
    private(set) var cancelRequested = false
    /// True once the end was announced.
    private(set) var announced = false
    /// True while callbacks for the task are routed to the job.
    private(set) var registered = false

    /// A new submission.
    init() { state = .pending }

    /// A task the provider already has.
    /// A task the provider already has; the job registers it for callbacks at once.
    init(reopened taskId: String) {
        state = .running
        self.taskId = taskId
        registered = true
    }

    var isTerminal: Bool { state.isTerminal }

    mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .sending:
            guard !isTerminal, !cancelRequested else { return [.abandonSend] }
            sending = true
            return [.send]
        case .sent:
            sending = false
            return []
        case .runningSynchronously:
            if state == .pending { state = .running }
            return []
        case .accepted(let id):
            taskId = id  // kept even after a cancel: the task exists
            guard !isTerminal else { return [] }
            state = .running
            registered = true
            return [.register(taskId: id)]
        case .finishedSynchronously(let id, let results, let receipt):
            taskId = id
            if !isTerminal { self.receipt = receipt }
            return end(.succeeded, results: results)
        case .polled(.running(let detail)):
            if !isTerminal { providerState = detail }
            return []
        case .polled(.succeeded(let results, let receipt)):
            if !isTerminal {
                providerState = "success"
                self.receipt = receipt
            }
            return end(.succeeded, results: results)
        case .polled(.failed(let error)):
            if !isTerminal { providerState = "fail" }
            return end(.failed, error: error)
        case .callback(let state, let results, let error):
            guard state.isTerminal else { return [] }
            return end(state, results: results, error: error)
        case .cancel:
            cancelRequested = true
            guard !isTerminal else { return [.cancelDownloads] }
            if sending {
                // The request is on its way: cutting it would not un-create the task. Let it
                // finish (its task id is kept) and end the job as uncertain.
                return end(
                    .cancelled,
                    error: RetryPolicy.uncertain(
                        "The job was cancelled while its create request was on its way; its task id, if the reply brings one, is kept (job id, journal)",
                        sent: true)) + [.cancelDownloads]
            }
            let reopen = taskId.map { "; the provider may still run task \($0): reopen it by id to collect it" } ?? ""
            return end(.cancelled, error: RecraftError(.cancelled, "the job was cancelled" + reopen)) + [.cancelDriver, .cancelDownloads]
        case .failed(let error):
            return end(.failed, error: error)
        case .journaled:
            guard isTerminal, !announced else { return [] }
            announced = true
            return [.announce]
        }
    }

    private mutating func end(_ final: JobState, results: [JobResult] = [], error: RecraftError? = nil) -> [Action] {
        guard !isTerminal else { return [] }
        state = final
        self.results = results
        self.error = error
        guard registered, let taskId else { return [.journalEnd] }
        registered = false
        return [.unregister(taskId: taskId), .journalEnd]
    }
}
