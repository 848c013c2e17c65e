import FoundationEssentials
import RecraftKit
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The object behind a `recraft_client *`.
final class ClientHandle: Sendable {
    let client: Client
    /// Its jobs that ended, for recraft_client_event_fd and recraft_client_take_finished.
    let events = ClientEvents()
    init(_ client: Client) { self.client = client }
}

/// The object behind a `recraft_job *`: the job, its client (a job keeps its client
/// alive), and the C strings handed out as borrowed pointers, made once and freed with
/// the handle so they stay valid until recraft_job_free.
final class JobHandle: Sendable {
    let job: Job
    private let strings = Mutex(Strings())

    private struct Strings: ~Copyable {
        var id: UnsafeMutablePointer<CChar>?
        var results: [UnsafeMutablePointer<CChar>]?
        var errorMessage: UnsafeMutablePointer<CChar>?
        deinit {
            free(id)
            results?.forEach { free($0) }
            free(errorMessage)
        }
    }

    private let callbackState = Mutex((claimed: false, freed: false))
    /// Held while the C callback runs and while the handle is freed, so that a free on
    /// another thread either happens before the callback (which then does not run) or
    /// after it returns (never while it uses the job pointer).
    let callbackLock = RecursiveLock()
    /// Held while the C progress callback runs and while the handle is freed (as above).
    let progressLock = RecursiveLock()

    /// The client's finished-jobs list this job joins when it ends; true once freed.
    private let events: ClientEvents
    private let leftEvents = Mutex(false)

    init(_ job: Job, events: ClientEvents) {
        self.job = job
        self.events = events
    }

    /// The job ended: it joins the client's finished jobs, unless it was freed.
    func ended(_ address: UInt) {
        leftEvents.withLock { freed in if !freed { events.jobEnded(address) } }
    }

    /// recraft_job_free: the job is never reported again.
    func leaveEvents(_ address: UInt) {
        leftEvents.withLock { freed in
            freed = true
            events.forget(address)
        }
    }

    /// True the first time only: a job takes one C completion callback.
    func claimCallback() -> Bool {
        callbackState.withLock { state in
            defer { state.claimed = true }
            return !state.claimed
        }
    }

    /// After recraft_job_free the callback is not called: its job pointer would be dangling.
    func markFreed() { progressLock.withLock { callbackLock.withLock { callbackState.withLock { $0.freed = true } } } }
    var isFreed: Bool { callbackState.withLock { $0.freed } }

    var id: UnsafePointer<CChar>? {
        strings.withLock { strings in
            if strings.id == nil, let id = job.id { strings.id = strdup(id) }
            return strings.id.map { UnsafePointer($0) }
        }
    }

    /// The result URLs (a `data:` URL for inline results), once the job has succeeded.
    var results: [UnsafeMutablePointer<CChar>] {
        strings.withLock { strings in
            if let results = strings.results { return results }
            guard job.state == .succeeded else { return [] }
            let made = job.results.map { strdup($0.urlString) }.compactMap { $0 }
            strings.results = made
            return made
        }
    }

    var errorMessage: UnsafePointer<CChar> {
        strings.withLock { strings in
            if strings.errorMessage == nil {
                guard job.state.isTerminal else { return UnsafePointer(emptyCString) }
                strings.errorMessage = strdup((job.error?.message ?? "").replacingNUL())
            }
            return UnsafePointer(strings.errorMessage ?? emptyCString)
        }
    }
}

private nonisolated(unsafe) let emptyCString: UnsafeMutablePointer<CChar> = strdup("")

extension JobResult {
    var urlString: String {
        switch self {
        case .url(let url): url
        case .inline(let bytes, let mimeType): "data:\(mimeType);base64,\(Data(bytes).base64EncodedString())"
        }
    }
}

/// Every live handle, so that a NULL, freed or foreign pointer gives an error instead of
/// a crash (where the address has not been reused), and a double free is harmless.
enum Handles {
    private static let live = Mutex(Set<UInt>())  // addresses

    static func make<T: AnyObject & Sendable>(_ object: T) -> OpaquePointer {
        let pointer = Unmanaged.passRetained(object).toOpaque()
        let address = UInt(bitPattern: pointer)
        _ = live.withLock { $0.insert(address) }
        return OpaquePointer(pointer)
    }

    static func get<T: AnyObject & Sendable>(_ pointer: UnsafeRawPointer?, as type: T.Type, _ name: String) throws(RecraftError) -> T {
        guard let pointer else { throw RecraftError(.invalidArgument, "\(name) is NULL") }
        let address = UInt(bitPattern: pointer)
        let object = live.withLock { live -> T? in
            guard live.contains(address) else { return nil }
            return Unmanaged<AnyObject>.fromOpaque(pointer).takeUnretainedValue() as? T
        }
        guard let object else {
            throw RecraftError(.invalidArgument, "\(name) is not a live \(name) handle (already freed, or not from this library)")
        }
        return object
    }

    /// Releases the handle; returns its object (still retained by the caller's use) or nil
    /// when the pointer was not live.
    static func release<T: AnyObject & Sendable>(_ pointer: UnsafeRawPointer?, as type: T.Type) -> T? {
        guard let pointer else { return nil }
        let address = UInt(bitPattern: pointer)
        return live.withLock { live -> T? in
            guard live.remove(address) != nil else { return nil }
            return Unmanaged<AnyObject>.fromOpaque(pointer).takeRetainedValue() as? T
        }
    }
}
