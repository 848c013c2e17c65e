import Synchronization

/// How many of a client's new jobs are in their submit phase (ledger claim, upload, grant,
/// create request) at once; the rest wait here as a queued `Job`, with no task yet.
///
/// Why: every job's driver task keeps its async frames while it waits, about 16 KB a
/// job in the submit phase (massif, bench/ANALYSIS.md "Memory"), and 2,000 jobs
/// submitted at once all waited for the same transport (64 transfers) and the same store
/// queue (one statement at a time). Capping the phase keeps memory per queued job to the
/// `Job` itself and takes nothing from throughput: 256 submits in flight is far beyond
/// any provider's create limit (kie: 20 per 10 s) and keeps the store's group commits full.
/// A job leaves the phase once its task is accepted (or it failed), so polling, which can
/// last minutes, never holds a place.
final class SubmitAdmission: Sendable {
    static let defaultLimit = 256

    private struct Queue {
        var running = 0
        var waiting: [Job] = []
        /// The first waiting job: popping from the front of an array by index, not by
        /// `removeFirst`, keeps each start O(1).
        var head = 0
    }

    private let limit: Int
    private let queue = Mutex(Queue())

    init(limit: Int = SubmitAdmission.defaultLimit) { self.limit = max(1, limit) }

    /// Starts `job` now, or when a place frees.
    func enter(_ job: Job) {
        let now = queue.withLock { queue -> Bool in
            guard queue.running < limit else {
                queue.waiting.append(job)
                return false
            }
            queue.running += 1
            return true
        }
        if now { job.startDriver() }
    }

    /// A job left the submit phase: the next waiting one that has not ended meanwhile (a
    /// cancel) starts. Called once per job `enter` started.
    func leave() {
        while let next = queue.withLock({ queue -> Job? in
            guard queue.head < queue.waiting.count else {
                queue.running -= 1
                queue.waiting.removeAll(keepingCapacity: false)
                queue.head = 0
                return nil
            }
            let next = queue.waiting[queue.head]
            queue.head += 1
            if queue.head > 1024, queue.head * 2 > queue.waiting.count {  // drop the popped front now and then
                queue.waiting.removeFirst(queue.head)
                queue.head = 0
            }
            return next
        }) {
            guard next.state.isTerminal else { return next.startDriver() }
        }
    }

    /// Jobs waiting for a place (for tests and diagnostics).
    var waitingCount: Int { queue.withLock { $0.waiting.count - $0.head } }
}
