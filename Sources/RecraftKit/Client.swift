import Dispatch
import FoundationEssentials
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A connection to one provider. Safe to share between threads and tasks; every job it
/// submits keeps it alive. Its requests all go through one libcurl multi loop.
public final class Client: Sendable {
    public let configuration: Configuration
    /// Replaced in a forked child, whose parent's transport thread did not come along.
    private let transportBox: Mutex<CurlTransport>
    let provider: any Provider
    let submitLimiter: RateLimiter?
    let pollLimiter: RateLimiter?
    let journal: Journal?
    /// What this client shares with every process on its account (see `Store`).
    let store: Store
    /// This account's rows in the store.
    let scope: String
    /// How long this provider's tasks take, per operation, for the poll schedule.
    let durations = DurationStats()
    /// Where `Job.onEnd` handlers run: one at a time, off Swift's cooperative pool.
    let callbackQueue = DispatchQueue(label: "recraft-callbacks")
    /// Jobs with a task id that have not ended, so a callback can complete them at once.
    private let liveJobs = Mutex<[String: WeakJob]>([:])
    /// Whether `watchCallbacks` runs.
    let callbackWatch = Mutex(false)
    /// New jobs past the submit phase's cap wait here (see `SubmitAdmission`).
    let admission = SubmitAdmission()
    /// Saved results this client synced to disk (`durableDownloads`), for the tests.
    let filesSynced = Atomic<Int>(0)

    public init(_ configuration: Configuration) throws(RecraftError) {
        try configuration.validate()
        self.configuration = configuration
        self.transportBox = Mutex(try CurlTransport(userAgent: configuration.userAgent))
        self.provider = configuration.provider.provider
        let store = Store.at(try configuration.resolvedStore())
        let scope = configuration.resolvedScope
        self.store = store
        self.scope = scope
        let limiter = { (limits: [RateLimit], kind: String) -> RateLimiter? in
            limits.isEmpty
                ? nil : RateLimiter(limits: limits, kind: kind, store: store, scope: scope, requestTimeout: configuration.requestTimeout)
        }
        submitLimiter = limiter(configuration.submitRateLimits, "submit")
        pollLimiter = limiter(configuration.pollRateLimits, "poll")
        journal = try configuration.journalPath.map { path throws(RecraftError) in try Journal(path: path) }
    }

    /// What the journal (`journal_path`) holds: every job it recorded, with where it stands,
    /// and a note for each line that could not be read. After a crash, reopen the
    /// `.inFlight` entries by task id; `.notSent` ones are safe to submit again;
    /// `.uncertain` ones may exist at the provider (check before submitting again).
    ///
    /// With `journal_path` it reads that JSONL journal; otherwise this account's rows of
    /// the shared store's ledger, written by every process on the account.
    public func journalEntries() throws(RecraftError) -> (entries: [JournalEntry], problems: [String]) {
        guard let path = configuration.journalPath else {
            return (try store.ledgerEntries(scope: scope), [])
        }
        return try Journal.read(path: path)
    }

    /// A client from the JSON configuration the C API and the bindings use.
    public convenience init(json: String) throws(RecraftError) {
        try self.init(try Configuration(json: json))
    }

    deinit { transportBox.withLock { $0.shutdown() } }

    /// The transport of this process: after fork() a client makes itself a new one.
    var transport: CurlTransport {
        transportBox.withLock { current in
            if current.pid != getpid(), let fresh = try? CurlTransport(userAgent: configuration.userAgent) { current = fresh }
            return current
        }
    }

    /// Starts a job and returns at once; the work goes on in the background. Throws only
    /// for what can be known before anything is sent: unsupported operation or option,
    /// an unreadable or unacceptable input file.
    public func submit(_ request: JobRequest) throws(RecraftError) -> Job {
        let (request, offer) = try checked(request)
        try Lifetime.checkPool()
        return Job(client: self, request: request, offer: offer)
    }

    /// Runs every check `submit` makes (operation, options, the input file's type, size
    /// and dimensions) without submitting anything.
    public func validate(_ request: JobRequest) throws(RecraftError) {
        _ = try checked(request)
    }

    /// The request with its input checked and open, and what the preset offers for it.
    private func checked(_ request: JobRequest) throws(RecraftError) -> (JobRequest, Offer) {
        do throws(RecraftError) {
            let preset = configuration.provider
            let offer = try Catalog.offer(for: request, preset: preset)
            if request.callbackURL != nil && provider.isSynchronous {
                throw RecraftError(.unsupported, "\(preset.rawValue) is synchronous and sends no callbacks; leave callback_url out")
            }
            try JobRequest.checkReference(request.reference)
            var request = request
            if case .file(let path) = request.image {
                request.input = try InputCheck.check(path, against: offer.limits, preset: preset, operation: request.operation)
            }
            return (request, offer)
        } catch { throw redacted(error) }
    }

    /// Re-attaches to a task the provider already has (by the id `Job.id` gave), to
    /// wait for it and download its results. Nothing is submitted.
    public func open(operation: Operation, id: String) throws(RecraftError) -> Job {
        guard TaskIdentifier.isValid(id) else {
            throw RecraftError(
                .invalidArgument, "the job id is empty, longer than 256 bytes, or holds a control character or a slash: pass the id recraft_job_id gave")
        }
        guard !provider.isSynchronous else {
            throw RecraftError(.unsupported, "\(configuration.provider.rawValue) is synchronous: it keeps no task to reopen by id; submit the image again")
        }
        guard Catalog.offers(configuration.provider)[operation] != nil else {
            throw RecraftError(.unsupported, "\(configuration.provider.rawValue) does not offer \(operation.rawValue)")
        }
        try Lifetime.checkPool()
        return Job(client: self, operation: operation, taskId: id)
    }

    func register(_ job: Job, taskId: String) {
        liveJobs.withLock { $0[taskId] = WeakJob(job) }
        watchCallbacks()
    }

    var hasLiveJobs: Bool { liveJobs.withLock { !$0.isEmpty } }

    func unregister(taskId: String) {
        _ = liveJobs.withLock { $0.removeValue(forKey: taskId) }
    }

    func liveJob(taskId: String) -> Job? {
        liveJobs.withLock { $0[taskId]?.job }
    }

    /// Removes the API key from text that is about to leave the library.
    func redacted(_ error: RecraftError) -> RecraftError {
        let key = configuration.apiKey
        // The sandbox's stand-in key "sandbox" is no secret, and removing that word would
        // garble messages.
        guard key.utf8.count >= 4, key != Configuration.sandboxKey else { return error }
        var copy = error
        copy.message = Redaction.redact(error.message, secret: key)
        copy.providerCode = error.providerCode.map { Redaction.redact($0, secret: key) }
        return copy
    }
}

final class WeakJob: Sendable {
    weak let job: Job?
    init(_ job: Job) { self.job = job }
}
