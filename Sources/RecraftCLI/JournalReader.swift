// Reading a journal and its sidecar together: what `resume`, `status` and `jobs` show.
//
// The core reads journals only through `Client.journalEntries()`, so this makes a
// client that never connects anywhere (sandbox preset, a loopback URL nothing is asked
// of) just to read one. A static reader in the core would spare that.

import ArgumentParser
import Foundation
import RecraftKit

struct JournalView {
    var path: String
    var entries: [JournalEntry]
    var sidecar: SidecarState
    var problems: [String]
    /// Ledger rows of this journal's own jobs (the sidecar knows their refs) that the JSONL
    /// journal has no line for: the process died between submitting a job and its first
    /// journal line (`ResumePlan` submits those again, unless a live worker has them).
    var ledgerOnly: [String: JournalEntry] = [:]

    /// Reads the journal at `options.path`. A missing journal is empty when it is the
    /// default one, and a usage error when the user named it.
    static func read(_ options: JournalOptions) throws -> JournalView {
        let path = options.path
        var view = JournalView(path: path, entries: [], sidecar: SidecarState(), problems: [])
        if Paths.exists(path) {
            do throws(RecraftError) {
                let (entries, problems) = try Journal.read(path: path)
                let sidecar = OutputSidecar.read(journal: path)
                view = JournalView(path: path, entries: entries, sidecar: sidecar, problems: problems + sidecar.problems)
            } catch {
                throw CommandFailure("cannot read the journal: \(error.message)", exitCode: .someFailed)
            }
        } else if options.journal != nil {
            throw CommandFailure("no journal at \(path): check --journal (runs record their jobs there as they go)", exitCode: .usage)
        }
        try view.merge(ledger: options)
        return view
    }

    /// Adds what the shared store's ledger knows: which jobs a live worker still has, and
    /// where each stands as every process on the account recorded it. With the default
    /// journal, the ledger's other jobs too (another process's, a Python or C program's).
    private mutating func merge(ledger options: JournalOptions) throws {
        let location = try options.storeLocation()
        let ledgerEntries: [JournalEntry]
        do throws(RecraftError) {
            ledgerEntries = try Ledger(location).entries()
        } catch {
            // Only the JSONL journal, then; say why.
            problems.append("the shared store is not readable (\(error.message)); showing the journal alone")
            return
        }
        var index: [String: Int] = [:]
        for (position, entry) in entries.enumerated() { index[entry.ref] = position }
        for entry in ledgerEntries {
            if let position = index[entry.ref] {
                entries[position] = entry
            } else if options.journal == nil {
                entries.append(entry)
            } else if sidecar.jobs[entry.ref] != nil {
                ledgerOnly[entry.ref] = entry
            }
        }
    }

    /// The entry `id` names: a ref, a task id, or a unique prefix of a ref (8 characters or more).
    func entry(matching id: String) -> JournalEntry? {
        if let exact = entries.last(where: { $0.ref == id || $0.taskId == id }) { return exact }
        guard id.count >= 8 else { return nil }
        let matches = entries.filter { $0.ref.hasPrefix(id) }
        return matches.count == 1 ? matches[0] : nil
    }

    /// Where the entry's result goes (or went): as saved, else as planned.
    func output(of entry: JournalEntry) -> String? {
        guard let job = sidecar.jobs[entry.ref] else { return nil }
        if let saved = job.saved { return saved }
        return job.record.exact ? job.record.output : job.record.output + ".*"
    }
}
