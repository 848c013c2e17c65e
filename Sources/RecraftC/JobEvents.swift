import RecraftKit
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Wakes every recraft_wait_any caller when any job of the C API ends: one process-wide
/// mutex and condition, taken by the waiter while it checks its jobs, so that no end is
/// missed between its check and its sleep. Every waiter re-checks its own jobs.
enum EndSignal {
    private nonisolated(unsafe) static let mutex: UnsafeMutablePointer<pthread_mutex_t> = {
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        return mutex
    }()
    private nonisolated(unsafe) static let condition: UnsafeMutablePointer<pthread_cond_t> = {
        let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
        return condition
    }()

    static func broadcast() {
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Calls `check` (under the mutex) until it returns a value or `timeout` passes (nil:
    /// no limit); nil on timeout.
    static func wait<T>(timeout: Duration?, _ check: () -> T?) -> T? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        var deadline = now
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            deadline.tv_sec += Int(min(max(0, seconds), Int64(Int32.max)))
            deadline.tv_nsec += Int(max(0, attoseconds) / 1_000_000_000)
            if deadline.tv_nsec >= 1_000_000_000 {
                deadline.tv_sec += 1
                deadline.tv_nsec -= 1_000_000_000
            }
        }
        while true {
            if let found = check() { return found }
            if timeout == nil {
                pthread_cond_wait(condition, mutex)
            } else if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT {
                return check()
            }
        }
    }
}

/// A client's finished jobs, for callers that drive jobs from their own event loop: an
/// eventfd, readable while jobs that ended wait here to be taken (recraft_client_event_fd,
/// recraft_client_take_finished). Holds the caller's job pointers, never a freed one:
/// recraft_job_free takes its job out first.
final class ClientEvents: @unchecked Sendable {
    private struct State {
        var finished: [UInt] = []  // job handle addresses, in the order they ended
        var fd: Int32 = -1
    }
    private let state = Mutex(State())

    deinit {
        state.withLock { if $0.fd >= 0 { close($0.fd) } }
    }

    /// The eventfd, made on first use (readable at once if jobs already wait).
    func descriptor() throws(RecraftError) -> Int32 {
        let result = state.withLock { state -> Int32 in
            if state.fd < 0 {
                state.fd = makeEventDescriptor()
                if state.fd >= 0, !state.finished.isEmpty { signal(state.fd) }
            }
            return state.fd
        }
        guard result >= 0 else {
            throw RecraftError(.io, "cannot create the client's event descriptor: \(String(cString: strerror(errno)))")
        }
        return result
    }

    func jobEnded(_ address: UInt) {
        state.withLock { state in
            state.finished.append(address)
            if state.fd >= 0 { signal(state.fd) }
        }
    }

    /// Takes up to `capacity` finished jobs, oldest first; the descriptor stops being
    /// readable once none is left.
    func take(_ capacity: Int) -> [UInt] {
        state.withLock { state in
            let taken = Array(state.finished.prefix(capacity))
            state.finished.removeFirst(taken.count)
            if state.finished.isEmpty, state.fd >= 0 {
                var count: UInt64 = 0
                _ = read(state.fd, &count, 8)
            }
            return taken
        }
    }

    /// A job being freed: it is no longer reported.
    func forget(_ address: UInt) {
        state.withLock { state in
            state.finished.removeAll { $0 == address }
            if state.finished.isEmpty, state.fd >= 0 {
                var count: UInt64 = 0
                _ = read(state.fd, &count, 8)
            }
        }
    }

    private func signal(_ fd: Int32) {
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }
}

/// A new job handle for `job`, submitted or opened through `client`: it wakes
/// recraft_wait_any callers and joins the client's finished jobs when it ends.
func makeJobHandle(_ job: Job, client: ClientHandle) -> OpaquePointer {
    let handle = JobHandle(job, events: client.events)
    let pointer = Handles.make(handle)
    let address = UInt(bitPattern: UnsafeRawPointer(pointer))
    job.observeEnd { [weak handle] _ in
        if let handle { handle.ended(address) }
        EndSignal.broadcast()
    }
    return pointer
}
