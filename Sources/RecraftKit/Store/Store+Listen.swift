import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Wake-ups for the clients that watch for callback outcomes. With PostgreSQL a thread of
/// the process LISTENs on its own connection, and a NOTIFY (sent at the commit of a
/// recorded callback, by whichever process received it) wakes every watcher at once; the
/// watchers' periodic read stays the safety net, and the only mechanism with SQLite.
final class CallbackSignal: Sendable {
    private struct State {
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var next: UInt64 = 0
        var listenerPid: pid_t = 0
    }

    private let state = Mutex(State())

    /// Returns after `timeout`, or sooner when a notification comes.
    func wait(timeout: Duration) async {
        let id = state.withLock { state -> UInt64 in
            state.next += 1
            return state.next
        }
        await withCheckedContinuation { continuation in
            state.withLock { $0.waiters[id] = continuation }
            Task.detached { [self] in
                try? await Task.sleep(for: timeout)
                self.resume(id)
            }
        }
    }

    private func resume(_ id: UInt64) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
    }

    /// Wakes every watcher.
    func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume() }
    }

    /// Starts this process's LISTEN thread for `url`, once per process (again in a forked child).
    func listen(url: String) {
        let start = state.withLock { state -> Bool in
            guard state.listenerPid != getpid() else { return false }
            state.listenerPid = getpid()
            return true
        }
        guard start else { return }
        // A plain thread: the loop blocks in poll(), which Swift's cooperative pool must never do.
        startThread(name: "recraft-listen") { [self] in self.listenLoop(url: url) }
    }

    /// Connects, LISTENs and waits on the socket; reconnects (after a pause) when the
    /// connection is lost. Runs for the life of the process.
    private func listenLoop(url: String) {
        while true {
            if let connection = try? PostgresConnection(url: url), (try? connection.execute("LISTEN recraft_callbacks", [])) != nil {
                fire()  // anything recorded while there was no listener
                while true {
                    var descriptor = pollfd(fd: connection.socket, events: Int16(POLLIN), revents: 0)
                    let ready = poll(&descriptor, 1, 1000)
                    if ready < 0 && errno != EINTR { break }
                    guard ready > 0 else { continue }
                    guard let payloads = try? connection.notifications() else { break }
                    if !payloads.isEmpty { fire() }
                }
                connection.close()
            }
            usleep(500_000)
        }
    }
}
