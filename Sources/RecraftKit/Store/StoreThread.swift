import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The store's one worker: a plain thread that runs the store's work in order, and the
/// heartbeat when it is idle. Not a DispatchQueue: libdispatch's threads do not survive
/// fork(), and a child whose parent had started them waits forever on its first queue.
/// A thread of our own is simply made again in the child (see `submit`).
final class StoreThread: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
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
        let seen = initializedPid.load(ordering: .acquiring)
        if seen != pid, seen != -pid {
            if initializedPid.compareExchange(expected: seen, desired: -pid, ordering: .acquiringAndReleasing).exchanged {
                initialize()
            }
            while initializedPid.load(ordering: .acquiring) != pid { sched_yield() }
        }
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
        if start { startThread() }
    }

    /// Runs `body` on the thread and waits for it.
    func sync<T>(_ body: @escaping () -> T) -> T {
        var result: T?
        var done = false
        var doneMutex = pthread_mutex_t()
        var doneCondition = pthread_cond_t()
        pthread_mutex_init(&doneMutex, nil)
        pthread_cond_init(&doneCondition, nil)
        withUnsafeMutablePointer(to: &doneMutex) { lock in
            withUnsafeMutablePointer(to: &doneCondition) { signal in
                submit {
                    let value = body()
                    pthread_mutex_lock(lock)
                    result = value
                    done = true
                    pthread_cond_signal(signal)
                    pthread_mutex_unlock(lock)
                }
                pthread_mutex_lock(lock)
                while !done { pthread_cond_wait(signal, lock) }
                pthread_mutex_unlock(lock)
            }
        }
        pthread_cond_destroy(&doneCondition)
        pthread_mutex_destroy(&doneMutex)
        return result!  // set before `done`, which the loop above waited for
    }

    private func startThread() {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let box = Unmanaged.passRetained(self).toOpaque()
        pthread_create(
            &thread, &attributes,
            { pointer in
                guard let pointer else { return nil }
                Unmanaged<StoreThread>.fromOpaque(pointer).takeRetainedValue().loop()
                return nil
            }, box)
        pthread_attr_destroy(&attributes)
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
            for body in batch { body() }
            if Self.nowMs() >= nextIdle {
                idle()
                nextIdle = Self.nowMs() + idleEvery
            }
        }
    }

    private static func nowMs() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}
