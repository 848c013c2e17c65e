// What the journal cannot hold: where each job's result goes, and which inputs of an
// interrupted batch were never submitted. The core's journal records jobs, not the
// CLI's output paths, so `recraft resume` reads this file beside it:
// `<journal>.outputs.jsonl`.
//
// Append-only JSON Lines, like the journal and for the same reasons: each event is one
// write(2), so a crash loses at most a torn last line (skipped on reading), never the
// file; appends cost the same for the ten-thousandth job as for the first, where a map
// rewritten whole would cost O(n) per job; and two commands sharing a journal cannot
// undo each other's writes. Events:
//   planned   {key: "plan-…", job}       an input about to be run (written for the whole batch first)
//   submitted {key: ref, plan?, replaces?, job}   the job the journal knows as `ref`
//   saved     {key: ref, path}           its result is on disk
//   dropped   {key: "plan-…"}            an input that will not be run (the batch stopped for good)
//   forgotten {key: ref}                 an uncertain job the user settled (`recraft resume --forget`)

import Foundation
import RecraftKit
import Synchronization

/// One input and its output, as the sidecar records it.
struct OutputRecord: Codable, Sendable, Equatable {
    var operation: String
    var image: String
    var output: String
    var exact: Bool
    var force: Bool
    var options: [String: JSONValue]
    var provider: String
    var baseURL: String?
    var sandbox: Bool

    enum CodingKeys: String, CodingKey {
        case operation, image, output, exact, force, options, provider, sandbox
        case baseURL = "base_url"
    }
}

struct SidecarEvent: Codable, Sendable {
    var event: String
    var key: String
    var plan: String?
    var replaces: String?
    var job: OutputRecord?
    var path: String?
}

/// The sidecar folded: the journal's refs with their records, and the inputs never submitted.
struct SidecarState {
    struct Entry {
        var record: OutputRecord
        var saved: String?
    }

    var jobs: [String: Entry] = [:]
    /// Ref → the ref of the job submitted in its place (a `not_sent` entry resumed).
    var replaced: [String: String] = [:]
    /// Refs the user told `resume` to leave alone.
    var forgotten: Set<String> = []
    private var planOrder: [String] = []
    private var planRecords: [String: OutputRecord] = [:]
    /// Lines that could not be read.
    var problems: [String] = []

    /// Planned inputs not yet submitted, in the order they were planned.
    var plans: [(key: String, record: OutputRecord)] {
        planOrder.compactMap { key in planRecords[key].map { (key, $0) } }
    }

    mutating func removePlan(_ key: String) { planRecords[key] = nil }

    mutating func apply(_ event: SidecarEvent) {
        switch event.event {
        case "planned":
            if let job = event.job, planRecords.updateValue(job, forKey: event.key) == nil { planOrder.append(event.key) }
        case "submitted":
            if let plan = event.plan { planRecords[plan] = nil }
            if let job = event.job { jobs[event.key] = Entry(record: job) }
            if let old = event.replaces { replaced[old] = event.key }
        case "saved":
            jobs[event.key]?.saved = event.path
        case "dropped":
            planRecords[event.key] = nil
        case "forgotten":
            forgotten.insert(event.key)
        default:
            break
        }
    }
}

final class OutputSidecar: Sendable {
    let path: String
    private let fd: Mutex<Int32>

    static func path(forJournal journal: String) -> String { journal + ".outputs.jsonl" }

    init(journal: String) throws {
        path = Self.path(forJournal: journal)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw CommandFailure(
                "cannot open \(path): \(String(cString: strerror(errno))); pass --journal PATH elsewhere",
                exitCode: .someFailed)
        }
        self.fd = Mutex(fd)
    }

    deinit { fd.withLock { _ = close($0) } }

    func planned(_ records: [(key: String, record: OutputRecord)]) {
        append(records.map { SidecarEvent(event: "planned", key: $0.key, job: $0.record) })
    }

    func submitted(ref: String, record: OutputRecord, plan: String?, replaces: String?) {
        append([SidecarEvent(event: "submitted", key: ref, plan: plan, replaces: replaces, job: record)])
    }

    func saved(ref: String, path: String) {
        append([SidecarEvent(event: "saved", key: ref, path: path)])
    }

    func dropped(plans: [String]) {
        append(plans.map { SidecarEvent(event: "dropped", key: $0) })
    }

    func forgotten(refs: [String]) {
        append(refs.map { SidecarEvent(event: "forgotten", key: $0) })
    }

    /// Writes the events in one write(2) and flushes them to disk. A failure is not
    /// fatal: the journal still has every job; only where to save it would be guessed.
    private func append(_ events: [SidecarEvent]) {
        guard !events.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8] = []
        for event in events {
            guard let line = try? encoder.encode(event) else { continue }
            bytes += line
            bytes.append(UInt8(ascii: "\n"))
        }
        fd.withLock { fd in
            guard writeAll(fd, bytes) == nil else { return }
            fsync(fd)
        }
    }

    /// The sidecar of `journal` folded; empty when there is none.
    static func read(journal: String) -> SidecarState {
        var state = SidecarState()
        guard let data = FileManager.default.contents(atPath: path(forJournal: journal)) else { return state }
        let decoder = JSONDecoder()
        for (number, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            guard let event = try? decoder.decode(SidecarEvent.self, from: Data(line)) else {
                state.problems.append("\(path(forJournal: journal)) line \(number + 1): unreadable (torn by a crash?); skipped")
                continue
            }
            state.apply(event)
        }
        return state
    }
}
