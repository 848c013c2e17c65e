// Runs a batch: at most `concurrency` jobs in flight, each submitted (or reopened),
// waited for and downloaded to its target; progress as it goes. Ctrl-C stops submitting,
// waits (briefly) for submits already on the wire to be answered so their task ids reach
// the journal, then leaves every job still running to `recraft resume`.

import ArgumentParser
import Foundation
import RecraftKit
import Synchronization

final class BatchRunner: Sendable {
    enum Stop: Sendable {
        case signal(Int32)
        /// The key was refused or the credits ran out: every other job would fail too.
        case account(RecraftError)
        /// The command was wrong (an option the provider does not take): nothing was sent.
        case usage(RecraftError)
    }

    struct Summary: Sendable {
        var counts: ProgressReporter.Counts
        var stop: Stop?
        var leftInFlight: Int
        /// Left while their submit awaited an answer: the journal calls them uncertain.
        var leftUnanswered: Int
        var notStarted: Int
        var accountProblem: RecraftError?
        /// Jobs that failed by `--timeout` but whose task the provider still has.
        var timedOut: Int

        var exitCode: ExitCode {
            switch stop {
            case .signal(let number)?: return number == SIGTERM ? .terminated : .interrupted
            case .account?: return .authentication
            case .usage?: return .usage
            case nil: break
            }
            if accountProblem != nil { return .authentication }
            return counts.failed > 0 ? .someFailed : .allDone
        }
    }

    private let items: [WorkItem]
    private let pool: ClientPool
    private let sidecar: OutputSidecar?
    private let concurrency: Int
    private let reporter: ProgressReporter
    /// Stop the whole batch on a usage or account error (all items share one command line).
    private let stopOnSharedErrors: Bool
    /// How long Ctrl-C waits for submits on the wire before leaving them uncertain.
    private let settleLimit: Duration = .seconds(15)
    private let state = Mutex(State())
    /// With shared errors, the first submit goes alone: a wrong option or key then fails
    /// once, not once per worker. It opens as soon as that submit returns (it does not
    /// wait for the job), so it costs no time.
    private let firstSubmit: Gate

    private struct State {
        var next = 0
        var stop: Stop?
        var active: [Int: Active] = [:]
        var leftInFlight = 0
        var leftUnanswered = 0
        var accountProblem: RecraftError?
        var timedOut = 0
    }

    private struct Active {
        var job: Job?
        var downloading = false
    }

    init(
        items: [WorkItem], pool: ClientPool, sidecar: OutputSidecar?, concurrency: Int, reporter: ProgressReporter,
        stopOnSharedErrors: Bool
    ) {
        self.items = items
        self.pool = pool
        self.sidecar = sidecar
        self.concurrency = max(1, concurrency)
        self.reporter = reporter
        self.stopOnSharedErrors = stopOnSharedErrors
        self.firstSubmit = Gate(open: !stopOnSharedErrors)
    }

    func run() async -> Summary {
        let interrupts = Interrupts()
        reporter.begin()
        let workers = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<min(concurrency, items.count) {
                    group.addTask {
                        if worker > 0 { await self.firstSubmit.wait() }
                        await self.work()
                    }
                }
            }
        }
        let watcher = Task {
            guard let number = await interrupts.first() else { return }
            await settle(after: number, interrupts: interrupts)
            workers.cancel()
            firstSubmit.open()
        }
        await workers.value
        watcher.cancel()
        await watcher.value
        let counts = reporter.end(summary: true)
        return state.withLock { state in
            Summary(
                counts: counts, stop: state.stop, leftInFlight: state.leftInFlight, leftUnanswered: state.leftUnanswered,
                notStarted: items.count - state.next, accountProblem: state.accountProblem, timedOut: state.timedOut)
        }
    }

    /// After Ctrl-C: no new jobs; wait for submits and downloads under way, up to the limit
    /// or a second Ctrl-C.
    private func settle(after number: Int32, interrupts: Interrupts) async {
        state.withLock { $0.stop = .signal(number) }
        let deadline = ContinuousClock.now + settleLimit
        var told = false
        while !Task.isCancelled, interrupts.count < 2, ContinuousClock.now < deadline {
            let busy = state.withLock { state in
                state.active.values.filter { $0.downloading || $0.job == nil || $0.job?.state == .pending }.count
            }
            guard busy > 0 else { break }
            if !told {
                reporter.note(
                    "interrupted: submitting no more; waiting for \(busy) job(s) being sent or saved (Ctrl-C again to stop now)",
                    always: true)
                told = true
            }
            try? await Task.sleep(for: .milliseconds(25))
        }
    }

    private func work() async {
        defer { firstSubmit.open() }
        while let index = take() {
            let (outcome, started) = await process(index)
            state.withLock { _ = $0.active.removeValue(forKey: index) }
            if outcome.state == .inFlight {
                let unanswered = outcome.jobId == nil
                state.withLock { if unanswered { $0.leftUnanswered += 1 } else { $0.leftInFlight += 1 } }
                reporter.jobLeft()
                continue
            }
            // A wrong command line is said once, at the end, not per input.
            let saidAtTheEnd = state.withLock { state in
                if case .usage = state.stop { outcome.jobId == nil && outcome.error.map(ErrorAdvice.isUsageProblem) == true } else { false }
            }
            reporter.finished(outcome, wasStarted: started, silently: saidAtTheEnd)
        }
    }

    private func take() -> Int? {
        state.withLock { state in
            guard state.stop == nil, state.next < items.count else { return nil }
            defer { state.next += 1 }
            state.active[state.next] = Active()
            return state.next
        }
    }

    /// Runs one item; returns how it ended and whether it counted as started.
    private func process(_ index: Int) async -> (JobOutcome, Bool) {
        let item = items[index]
        if !item.target.force, let existing = item.target.existing() {
            if let plan = item.planKey { sidecar?.dropped(plans: [plan]) }
            return (JobOutcome(item: item, state: .skipped, output: existing), false)
        }
        reporter.jobStarted()
        let job: Job
        do throws(RecraftError) {
            let client = try pool.client(for: item.endpoint)
            switch item.action {
            case .submit:
                job = try client.submit(JobRequest(operation: item.operation, image: ImageSource(item.image), options: item.options))
                sidecar?.submitted(ref: job.ref, record: item.record, plan: item.planKey, replaces: item.resumedRef)
            case .reopen(let taskId):
                job = try client.open(operation: item.operation, id: taskId)
            }
        } catch {
            // Nothing was sent: this input will not run unless the command is run again.
            if let plan = item.planKey { sidecar?.dropped(plans: [plan]) }
            noteFailure(error, beforeSending: true)  // before the others may go: a usage error stops them
            firstSubmit.open()
            return (JobOutcome(item: item, state: .failed, ref: item.resumedRef, error: error), true)
        }
        state.withLock { $0.active[index]?.job = job }
        firstSubmit.open()
        let ref = item.action == .submit ? job.ref : (item.resumedRef ?? job.ref)
        var outcome = JobOutcome(item: item, state: .failed, jobId: job.id, ref: ref)

        let ended = await job.wait()
        outcome.jobId = job.id
        outcome.credits = job.creditsConsumed
        guard ended.isTerminal else {
            outcome.state = .inFlight
            return (outcome, true)
        }
        guard ended == .succeeded else {
            let error = job.error ?? RecraftError(.jobFailed, "the job \(ended) without saying why")
            noteFailure(error, beforeSending: false)
            if error.code == .timeout && job.id != nil { state.withLock { $0.timedOut += 1 } }
            outcome.error = error
            return (outcome, true)
        }
        state.withLock { $0.active[index]?.downloading = true }
        let path = item.target.file(for: job.results.first, input: item.image)
        if !item.target.force && Paths.exists(path) {
            outcome.error = RecraftError(.io, "\(Paths.display(path)) appeared while the job ran (another run?); it was kept: pass --force to overwrite it")
            return (outcome, true)
        }
        do throws(RecraftError) {
            try await job.download(0, to: path)
        } catch {
            // Cancelled by Ctrl-C: the result waits at the provider; `recraft resume` fetches it.
            if Task.isCancelled { outcome.state = .inFlight } else { outcome.error = error }
            return (outcome, true)
        }
        sidecar?.saved(ref: ref, path: path)
        outcome.state = .succeeded
        outcome.output = path
        return (outcome, true)
    }

    /// An account problem stops the batch (and sets exit code 3); a usage problem found
    /// before sending stops it too when every item shares the command line.
    private func noteFailure(_ error: RecraftError, beforeSending: Bool) {
        state.withLock { state in
            if ErrorAdvice.isAccountProblem(error) {
                state.accountProblem = state.accountProblem ?? error
                if stopOnSharedErrors && state.stop == nil { state.stop = .account(error) }
            } else if beforeSending && stopOnSharedErrors && ErrorAdvice.isUsageProblem(error) && state.stop == nil {
                state.stop = .usage(error)
            }
        }
    }

    /// Plans of the items never taken; dropped from the sidecar when the batch stopped for good.
    func unstartedPlans() -> [String] {
        let next = state.withLock { $0.next }
        return items[next...].compactMap(\.planKey)
    }
}

/// Opens once; tasks waiting on it go on then.
final class Gate: Sendable {
    private let state: Mutex<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>

    init(open: Bool) { state = Mutex((open, [])) }

    func open() {
        let waiters = state.withLock { state in
            defer { state = (true, []) }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if !state.isOpen { state.waiters.append(continuation) }
                return state.isOpen
            }
            if isOpen { continuation.resume() }
        }
    }
}
