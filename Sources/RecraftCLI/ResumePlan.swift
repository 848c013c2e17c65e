// What `recraft resume` will do with each job of a journal, from the journal's view of
// it and the sidecar's record of where its result goes:
//   in_flight         reopen by task id, wait, download (nothing is paid twice)
//   not_sent          submit again (the billed request never went out)
//   uncertain         report and leave: the provider may have it; submitting could pay twice
//   succeeded         download again only if the result was never saved
//   failed, cancelled nothing: a failure is retried by running the command again
// plus the inputs of an interrupted batch that were never submitted, and the jobs it
// submitted that died before their first journal line (never sent either).

import Foundation
import RecraftKit

struct ResumePlan {
    var items: [WorkItem] = []
    var uncertain: [(entry: JournalEntry, record: OutputRecord?)] = []
    /// Jobs a worker that is still running has: left to it.
    var running: [JournalEntry] = []
    /// Entries that cannot be resumed, with why.
    var unresumable: [String] = []

    var collecting: Int { items.count { if case .reopen = $0.action { true } else { false } } }
    var resubmitting: Int { items.count { $0.action == .submit && $0.resumedRef != nil } }
    var starting: Int { items.count { $0.action == .submit && $0.resumedRef == nil } }

    init(journal: JournalView, baseURL override: String?) {
        // Inputs planned but never recorded as submitted, by operation and image: a crash
        // between submit and the sidecar's line leaves a journal entry with no record,
        // which is matched to its plan here (so it is collected, not submitted twice).
        var plans = journal.sidecar.plans
        var planIndex: [String: Int] = [:]
        for (index, plan) in plans.enumerated() { planIndex[plan.record.operation + "\n" + plan.record.image] = index }
        var consumed = Set<Int>()

        for entry in journal.entries {
            let known = journal.sidecar.jobs[entry.ref]
            if journal.sidecar.replaced[entry.ref] != nil || journal.sidecar.forgotten.contains(entry.ref) { continue }
            var record = known?.record
            var planKey: String?
            if record == nil, let operation = entry.operation, let image = entry.image,
                let index = planIndex[operation + "\n" + image], !consumed.contains(index)
            {
                consumed.insert(index)
                record = plans[index].record
                planKey = plans[index].key
            }
            if entry.live && !entry.isTerminal {
                running.append(entry)
                continue
            }
            switch entry.status {
            case .inFlight:
                guard let taskId = entry.taskId else { continue }
                add(entry, record, .reopen(taskId: taskId), planKey: planKey, override: override)
            case .notSent:
                add(entry, record, .submit, planKey: planKey, override: override)
            case .uncertain:
                uncertain.append((entry, record))
            case .succeeded:
                // Collected again only when this tool meant to save it and never did: the
                // provider finished, but the process died before (or while) downloading.
                // The record is the sidecar's, or the batch plan's when the process died
                // before writing the sidecar's line for this job.
                guard let record, known?.saved == nil, let taskId = entry.taskId else { continue }
                let target = OutputTarget(path: record.output, exact: record.exact, force: record.force)
                guard target.existing() == nil else { continue }
                add(entry, record, .reopen(taskId: taskId), planKey: planKey, override: override)
            case .failed, .cancelled:
                continue
            }
        }
        addUnjournaled(journal, override: override)
        plans = plans.enumerated().filter { !consumed.contains($0.offset) }.map(\.element)
        for plan in plans {
            guard let item = WorkItem(record: plan.record, action: .submit, planKey: plan.key, baseURLOverride: override) else {
                unresumable.append("\(plan.record.image): unknown operation or provider in the sidecar; skipped")
                continue
            }
            items.append(item)
        }
    }

    /// Jobs the sidecar recorded as submitted that have no journal line at all: the
    /// process died between `submit` returning and the job's first journal line. Their
    /// billed request never went out (the journal's "sending" line comes before it), so
    /// they are submitted again, unless a live worker's ledger row says it has them.
    private mutating func addUnjournaled(_ journal: JournalView, override: String?) {
        let journaled = Set(journal.entries.map(\.ref))
        let unjournaled = journal.sidecar.jobs.filter { ref, job in
            !journaled.contains(ref) && job.saved == nil && journal.sidecar.replaced[ref] == nil && !journal.sidecar.forgotten.contains(ref)
        }
        for (ref, job) in unjournaled.sorted(by: { $0.value.record.image < $1.value.record.image }) {
            if let row = journal.ledgerOnly[ref], row.live && !row.isTerminal {
                running.append(row)
                continue
            }
            guard var item = WorkItem(record: job.record, action: .submit, resumedRef: ref, baseURLOverride: override) else {
                unresumable.append("\(job.record.image): unknown operation \(job.record.operation) or provider \(job.record.provider); skipped")
                continue
            }
            item.display = Paths.display(job.record.image)
            items.append(item)
        }
    }

    private mutating func add(
        _ entry: JournalEntry, _ record: OutputRecord?, _ action: WorkItem.Action, planKey: String?,
        override: String?
    ) {
        guard let record = record ?? Self.defaultRecord(for: entry, baseURL: override) else {
            unresumable.append("\(entry.image ?? entry.ref): the journal does not say which image, operation or provider; skipped")
            return
        }
        if record.provider == Preset.sandbox.rawValue && record.baseURL == nil && override == nil {
            unresumable.append("\(entry.image ?? entry.ref): ran on a sandbox whose URL is unknown; pass it with --base-url")
            return
        }
        guard var item = WorkItem(record: record, action: action, planKey: planKey, resumedRef: entry.ref, baseURLOverride: override) else {
            unresumable.append("\(entry.image ?? entry.ref): unknown operation \(record.operation) or provider \(record.provider); skipped")
            return
        }
        item.display = Paths.display(record.image)
        items.append(item)
    }

    /// For a job the sidecar has no record of (run by another program on this journal,
    /// or before the sidecar existed): saved next to its input, like the CLI does.
    static func defaultRecord(for entry: JournalEntry, baseURL: String?) -> OutputRecord? {
        guard let operation = entry.operation, let image = entry.image, let provider = entry.provider else { return nil }
        let isURL = image.lowercased().hasPrefix("http://") || image.lowercased().hasPrefix("https://")
        let directory = isURL ? FileManager.default.currentDirectoryPath : (image as NSString).deletingLastPathComponent
        // An operation this version does not know is skipped later, by WorkItem, saying so.
        let stem = RecraftKit.Operation(name: operation).map { OutputName.stem(input: image, operation: $0) } ?? operation
        return OutputRecord(
            operation: operation, image: image, output: directory + "/" + stem,
            exact: false, force: false, options: [:], provider: provider, baseURL: nil, sandbox: provider == "sandbox")
    }
}
