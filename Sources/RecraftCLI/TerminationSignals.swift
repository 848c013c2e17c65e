// Waiting for SIGINT or SIGTERM without dying of them, so the sandbox can shut down
// cleanly (close its listener, cancel pending callbacks) and exit 0.

import Dispatch
import Foundation
import Synchronization

final class TerminationSignals: Sendable {
    private let state = Mutex(State())
    /// Kept alive for the life of this object: a released source stops delivering.
    /// Only `init` touches them, so sharing the object across threads is safe.
    nonisolated(unsafe) private let sources: [any DispatchSourceSignal]

    private struct State {
        var received: Int32?
        var waiter: CheckedContinuation<Int32, Never>?
    }

    init(_ numbers: [Int32] = [SIGINT, SIGTERM]) {
        var sources = [any DispatchSourceSignal]()
        for number in numbers {
            signal(number, SIG_IGN)
            sources.append(DispatchSource.makeSignalSource(signal: number, queue: .global()))
        }
        self.sources = sources
        for (source, number) in zip(sources, numbers) {
            source.setEventHandler { [weak self] in
                let waiter = self?.state.withLock { state -> CheckedContinuation<Int32, Never>? in
                    if state.received == nil { state.received = number }
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume(returning: number)
            }
            source.resume()
        }
    }

    /// Returns the first signal received (at once if one already came).
    func next() async -> Int32 {
        await withCheckedContinuation { continuation in
            let already = state.withLock { state -> Int32? in
                if let received = state.received { return received }
                state.waiter = continuation
                return nil
            }
            if let already { continuation.resume(returning: already) }
        }
    }
}
