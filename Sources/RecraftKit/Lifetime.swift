import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The process around the library: exit and fork, which a library loaded into someone
/// else's program does not choose.
///
/// - Exit. `exit()` (or a return from `main`) runs the atexit handlers while library
///   threads may still be inside libcurl; OpenSSL's handler then frees what they use and
///   the process crashes. Ours is registered after libcurl's global init, so it runs
///   before OpenSSL's: it stops every transport loop of this process, waits (a bounded
///   time) until they have freed their libcurl handles, and from then on no request
///   starts or completes. Jobs in flight end nowhere, so the journal keeps them as they
///   were (in flight with their task id, or uncertain) for `resume`.
/// - Fork. A child has only the thread that forked. A client's transport thread stays in
///   the parent, so a client used in a child makes itself a new transport; jobs of the
///   parent refuse (`checkOwner`). Swift's task thread pool does not survive a fork once
///   it has started, so a child of a process that ran jobs refuses to start new ones,
///   with an error that says why, instead of hanging.
enum Lifetime {
    private static let exiting = Atomic<Bool>(false)
    /// The process that first started library work on Swift's thread pool (0: none yet).
    private static let poolOwner = Atomic<Int32>(0)
    private static let loops = LoopRegistry()

    /// True once the process has begun to exit.
    static var isExiting: Bool { exiting.load(ordering: .acquiring) }

    private static let installed: Bool = {
        atexit { Lifetime.processExiting() }
        pthread_atfork({ Lifetime.loops.lock() }, { Lifetime.loops.unlock() }, { Lifetime.loops.unlock() })
        return true
    }()

    /// Registers the exit and fork handlers, once; call after libcurl's global init.
    static func install() { _ = installed }

    /// Call before starting work on Swift's thread pool (a job, a blocking download).
    /// Throws in a forked child whose parent had started that pool: its threads did not
    /// come along, and work given to it would never run.
    static func checkPool() throws(RecraftError) {
        let me = getpid()
        let owner = poolOwner.compareExchange(expected: 0, desired: me, ordering: .acquiringAndReleasing).original
        guard owner == 0 || owner == me else {
            throw RecraftError(
                .unsupported,
                "this process was forked (fork()) from process \(owner) after it had run RecraftKit jobs, and Swift's task threads do not survive a fork, so jobs cannot run here; run no job before forking (create clients in the workers), or use the 'spawn' or 'forkserver' start method"
            )
        }
    }

    // MARK: Transport loops

    static func loopStarted(_ transport: CurlTransport) { loops.add(transport) }
    static func loopEnded(_ transport: CurlTransport) { loops.remove(transport) }

    /// Keeps an abandoned request (and its continuation) alive for the rest of the process.
    static func park(_ transfer: Transfer) { parked.withLock { $0.append(transfer) } }
    private static let parked = Mutex<[Transfer]>([])

    // MARK: libcrypto

    /// Threads inside OpenSSL's functions now (`OpenSSLSHA256`, hashing an upload on
    /// Swift's pool, not on a transport thread). OpenSSL's atexit handler frees what they
    /// use, so ours waits for them to leave, and from then on none enters.
    private static let libcryptoUsers = Atomic<Int>(0)

    /// Runs `body` unless the process is exiting; false when it did not run. Sequentially
    /// consistent on both sides: a thread counts itself in before it looks at `exiting`,
    /// the exit handler sets `exiting` before it looks at the count, so one of the two
    /// always sees the other.
    static func usingLibcrypto(_ body: () -> Void) -> Bool {
        libcryptoUsers.add(1, ordering: .sequentiallyConsistent)
        defer { libcryptoUsers.subtract(1, ordering: .sequentiallyConsistent) }
        guard !exiting.load(ordering: .sequentiallyConsistent) else { return false }
        body()
        return true
    }

    private static func processExiting() {
        exiting.store(true, ordering: .sequentiallyConsistent)
        let me = getpid()
        for transport in loops.transports(of: me) { transport.shutdown() }
        // Wait for the loops to free their handles and for hashes to leave OpenSSL;
        // bounded, so that a thread stuck in a system call cannot keep the process from exiting.
        let giveUp = ContinuousClock.now + .seconds(5)
        while (loops.count(of: me) > 0 || libcryptoUsers.load(ordering: .sequentiallyConsistent) > 0) && ContinuousClock.now < giveUp {
            var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            nanosleep(&pause, nil)
        }
    }
}

/// The transport loops running, per process, under a pthread mutex that the fork
/// handlers hold across fork() (so a child never inherits it locked).
private final class LoopRegistry: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t> = {
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        return mutex
    }()
    private var running: [(pid: pid_t, transport: CurlTransport)] = []

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    private func locked<T>(_ body: () -> T) -> T {
        lock()
        defer { unlock() }
        return body()
    }

    func add(_ transport: CurlTransport) { locked { running.append((transport.pid, transport)) } }
    func remove(_ transport: CurlTransport) { locked { running.removeAll { $0.transport === transport } } }
    func transports(of pid: pid_t) -> [CurlTransport] { locked { running.filter { $0.pid == pid }.map(\.transport) } }
    func count(of pid: pid_t) -> Int { locked { running.filter { $0.pid == pid }.count } }
}
