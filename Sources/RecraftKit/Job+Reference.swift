/// A caller's reference submitted again (`JobRequest.reference`), from any process on the
/// account: the job follows the first one instead of paying again, as an idempotency key
/// does in Stripe's API.
extension Job {
    /// Follows `first`, the ledger's job with this reference. Returns false when this job
    /// is to submit after all: the first one was never sent and its worker is gone.
    func follow(_ first: JournalEntry) async throws(RecraftError) -> Bool {
        var entry = first
        while true {
            if let taskId = entry.taskId {
                if entry.status == .succeeded {
                    handle(.finishedSynchronously(taskId: taskId, results: entry.results.map(JobResult.url), receipt: TaskReceipt()))
                } else {
                    handle(.accepted(taskId: taskId))  // collected by polling (or a callback), paying nothing
                }
                return true
            }
            switch entry.status {
            case .uncertain where !entry.live:
                // The ledger says "uncertain" for a job whose billed request may be on its
                // way ("sending"); only once its worker is gone is that final. While the
                // worker lives, its answer is moments away: wait for it below.
                throw RecraftError(
                    .submitUncertain,
                    "the job with ref \(ref) was sent before and no answer was recorded: the provider may have it, so it is not sent again; check the provider's task list"
                )
            case .failed, .cancelled:
                throw RecraftError(
                    .jobFailed,
                    "the job with ref \(ref) already ended without a task (\(entry.error ?? entry.status.rawValue)); submit with a new ref to try again")
            case .notSent where !entry.live:
                if try await client.store.ledgerTakeOver(scope: client.scope, ref: ref) { return false }
            default:
                break
            }
            // Another live worker is submitting it: wait for its task id, within the deadline.
            guard ContinuousClock.now + .milliseconds(250) < deadline else {
                throw RecraftError(.timeout, "the job with ref \(ref) is being submitted by another worker and had no task id by the deadline; reopen it later")
            }
            do { try await Task.sleep(for: .milliseconds(250)) } catch { throw RecraftError(.cancelled, "the job was cancelled") }
            guard let next = try await client.store.ledgerEntry(scope: client.scope, ref: ref) else {
                throw RecraftError(.internal, "the job with ref \(ref) left the ledger")
            }
            entry = next
        }
    }
}
