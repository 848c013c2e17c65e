import Dispatch

extension Job {
    /// Waits until the job ends or `timeout` passes (nil: no limit but the job's own
    /// deadline). Returns the state then; on timeout the job goes on and can be waited on again.
    public func wait(timeout: Duration? = nil) async -> JobState {
        let id = core.withLock { core -> Int? in
            guard !core.machine.announced else { return nil }
            core.nextWaiter += 1
            return core.nextWaiter
        }
        guard let id else { return state }
        let timer = timeout.map { timeout in
            Task { [self] in
                try? await Task.sleep(for: timeout)
                resumeWaiter(id)
            }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let registered = core.withLock { core -> Bool in
                    // The timer or a cancellation may have fired before we got here.
                    guard !core.machine.announced, core.expiredWaiters.remove(id) == nil else { return false }
                    core.waiters[id] = continuation
                    return true
                }
                if !registered { continuation.resume() }
            }
        } onCancel: {
            resumeWaiter(id)
        }
        timer?.cancel()
        core.withLock { _ = $0.expiredWaiters.remove(id) }
        return state
    }

    private func resumeWaiter(_ id: Int) {
        let waiter = core.withLock { core in
            guard let waiter = core.waiters.removeValue(forKey: id) else {
                core.expiredWaiters.insert(id)
                return nil as CheckedContinuation<Void, Never>?
            }
            return waiter
        }
        waiter?.resume()
    }

    /// Blocks the calling thread until the job ends or `timeout` passes; for the C API.
    /// Must not be called from a Swift concurrency thread.
    public func waitBlocking(timeout: Duration? = nil) -> JobState {
        ended.wait(timeout: timeout)
        return state
    }
}
