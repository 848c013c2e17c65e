// Ctrl-C and SIGTERM during a batch: caught instead of fatal, so the batch can stop
// submitting, let submits already on the wire get their answer (their task ids reach the
// journal), say how to resume, and exit 130. A second Ctrl-C stops waiting.

import Dispatch
import Foundation
import Synchronization

final class Interrupts: Sendable {
    private let state = Mutex(State())
    /// Kept alive for the life of this object: a released source stops delivering. Only
    /// `init` and `deinit` touch them.
    nonisolated(unsafe) private let sources: [any DispatchSourceSignal]

    private struct State {
        var received: [Int32] = []
        var waiters: [Int: CheckedContinuation<Int32?, Never>] = [:]
        var nextWaiter = 0
        var cancelled: Set<Int> = []
    }

    init(_ numbers: [Int32] = [SIGINT, SIGTERM]) {
        sources = numbers.map { number in
            signal(number, SIG_IGN)
            return DispatchSource.makeSignalSource(signal: number, queue: .global())
        }
        for (source, number) in zip(sources, numbers) {
            source.setEventHandler { [weak self] in self?.received(number) }
            source.resume()
        }
    }

    deinit { sources.forEach { $0.cancel() } }

    private func received(_ number: Int32) {
        let waiters = state.withLock { state in
            state.received.append(number)
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume(returning: number) }
    }

    /// How many signals have come.
    var count: Int { state.withLock { $0.received.count } }

    /// The first signal, once it comes; nil if the calling task is cancelled first.
    func first() async -> Int32? {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Int32?? in
                    if let first = state.received.first { return .some(first) }
                    if state.cancelled.remove(id) != nil { return .some(nil) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    state.cancelled.insert(id)
                    return nil as CheckedContinuation<Int32?, Never>?
                }
                return waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
