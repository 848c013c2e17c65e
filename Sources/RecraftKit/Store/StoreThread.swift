import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The store's one worker: a plain thread that runs the store's work in order, and the
/// heartbeat when it is idle (synchronous calls run on their caller's thread, in turn). Not a DispatchQueue: libdispatch's threads do not survive
/// fork(), and a child whose parent had started them waits forever on its first queue.
/// A thread of our own is simply made again in the child (see `submit`).
final class StoreThread: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    /// Held while any work runs, on the worker or in `sync`.
    private var execution = pthread_mutex_t()
    // Under `mutex`:
    private var work: [() -> Void] = []
    private var ownerPid: pid_t = 0
    private var running = false

    private let idleEvery: Int64
    /// Runs about every `idleEvery` ms on the thread, between pieces of work; set once,
    /// before the first `submit`.
    var idle: () -> Void = {}
    /// The process whose mutex this is: a forked child makes itself fresh ones, since a
    /// parent's thread may have held them at the fork.
    private let initializedPid = Atomic<Int32>(0)

    init(idleEveryMs: Int64) {
        self.idleEvery = idleEveryMs
        initialize()
    }

    private func initialize() {
        pthread_mutex_init(&mutex, nil)
        pthread_mutex_init(&execution, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
        initializedPid.store(getpid(), ordering: .releasing)
    }

    /// Queues `body` to run on the thread, starting the thread if this process has none
    /// (the first call, or the first in a forked child: the parent's queue is dropped,
    /// since whoever waited on it did not come along).
    func submit(_ body: @escaping () -> Void) {
        let pid = getpid()
        ensureInitialized()
        pthread_mutex_lock(&mutex)
        if ownerPid != pid {
            ownerPid = pid
            work = []
            running = false
        }
        work.append(body)
        let start = !running
        running = true
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
        if start { startThread(name: "recraft-store") { [self] in loop() } }
    }

    /// Runs `body` on the calling thread, in turn with the thread's work (the connection
    /// is only ever used under `execution`): no hop to the worker and back, and so no
    /// result crossing threads.
    func sync<T>(_ body: () -> T) -> T {
        ensureInitialized()
        pthread_mutex_lock(&execution)
        defer { pthread_mutex_unlock(&execution) }
        return body()
    }

    /// In a forked child, fresh mutexes and condition (a parent's thread may have held
    /// them at the fork), made once.
    private func ensureInitialized() {
        let pid = getpid()
        let seen = initializedPid.load(ordering: .acquiring)
        guard seen != pid else { return }
        if seen != -pid, initializedPid.compareExchange(expected: seen, desired: -pid, ordering: .acquiringAndReleasing).exchanged {
            initialize()
        }
        while initializedPid.load(ordering: .acquiring) != pid { sched_yield() }
    }

    private func loop() {
        let pid = getpid()
        var nextIdle = Self.nowMs() + idleEvery
        while true {
            pthread_mutex_lock(&mutex)
            while work.isEmpty && ownerPid == pid {
                let now = Self.nowMs()
                if now >= nextIdle { break }
                var deadline = timespec()
                clock_gettime(CLOCK_MONOTONIC, &deadline)
                let wait = nextIdle - now
                deadline.tv_sec += Int(wait / 1000)
                deadline.tv_nsec += Int(wait % 1000) * 1_000_000
                if deadline.tv_nsec >= 1_000_000_000 {
                    deadline.tv_sec += 1
                    deadline.tv_nsec -= 1_000_000_000
                }
                pthread_cond_timedwait(&condition, &mutex, &deadline)
            }
            guard ownerPid == pid else {
                pthread_mutex_unlock(&mutex)
                return
            }
            let batch = work
            work = []
            pthread_mutex_unlock(&mutex)
            pthread_mutex_lock(&execution)
            for body in batch { body() }
            if Self.nowMs() >= nextIdle {
                idle()
                nextIdle = Self.nowMs() + idleEvery
            }
            pthread_mutex_unlock(&execution)
        }
    }

    private static func nowMs() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}
