// `recraft jobs`: what the journal holds, as a table for people or JSON lines for scripts.

import ArgumentParser
import Foundation
import RecraftKit

struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List the jobs the journal holds: status, operation, provider, task id, input and output.",
        discussion: """
            Statuses: in_flight (the provider has it; `recraft resume` collects it), not_sent (never reached the \
            provider; `recraft resume` submits it), uncertain (may exist at the provider; see `recraft resume`), \
            succeeded, failed, cancelled.
            """
    )

    @OptionGroup var journal: JournalOptions

    @Flag(help: "One JSON object per job on stdout: ref, status, provider, operation, image, task_id, results, error, output, saved.")
    var json = false

    @Option(
        name: .customLong("status"),
        help: ArgumentHelp(
            "Only jobs with this status (repeatable); `unfinished` stands for in_flight, not_sent and uncertain.", valueName: "status"))
    var statuses: [String] = []

    @Option(help: ArgumentHelp("Only the last n jobs.", valueName: "n"))
    var limit: Int?

    func validate() throws {
        let known = ["in_flight", "not_sent", "uncertain", "succeeded", "failed", "cancelled", "unfinished"]
        if let wrong = statuses.first(where: { !known.contains($0) }) {
            throw ValidationError("--status \(wrong): use one of \(known.joined(separator: ", "))")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more") }
    }

    func run() throws {
        let view: JournalView
        do { view = try JournalView.read(journal) } catch let failure as CommandFailure {
            Console.error("recraft: \(failure.message)")
            throw failure.exitCode
        }
        view.problems.forEach { Console.error("recraft: note: \($0)") }
        let wanted = Set(statuses.flatMap { $0 == "unfinished" ? ["in_flight", "not_sent", "uncertain"] : [$0] })
        var entries = view.entries.filter { wanted.isEmpty || wanted.contains($0.status.rawValue) }
        if let limit { entries = Array(entries.suffix(limit)) }
        if json {
            for entry in entries { Console.output(jsonLine(entry, view)) }
            return
        }
        guard !entries.isEmpty else {
            Console.error(view.entries.isEmpty ? "no jobs in \(Paths.display(view.path)) yet" : "no jobs match in \(Paths.display(view.path))")
            return
        }
        Console.output(table(entries, view))
        Console.error(footer(view))
    }

    private func jsonLine(_ entry: JournalEntry, _ view: JournalView) -> String {
        var object = entry.json.object ?? [:]
        object["output"] = view.output(of: entry).map(JSONValue.string) ?? .null
        object["saved"] = .bool(view.sidecar.jobs[entry.ref]?.saved != nil)
        return JSONValue.object(object).serialized()
    }

    private func table(_ entries: [JournalEntry], _ view: JournalView) -> String {
        let header = ["REF", "STATUS", "OPERATION", "PROVIDER", "TASK ID", "INPUT", "OUTPUT"]
        let rows = entries.map { entry in
            [
                String(entry.ref.prefix(8)), entry.status.rawValue, entry.operation ?? "-", entry.provider ?? "-",
                entry.taskId ?? "-", Self.shortened(entry.image.map(Paths.display) ?? "-", to: 40),
                Self.shortened(view.output(of: entry).map(Paths.display) ?? "-", to: 40)
            ]
        }
        var widths = header.map(\.count)
        for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
        return ([header] + rows).map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    private func footer(_ view: JournalView) -> String {
        var counts: [JournalEntry.Status: Int] = [:]
        for entry in view.entries { counts[entry.status, default: 0] += 1 }
        let order: [JournalEntry.Status] = [.succeeded, .failed, .cancelled, .inFlight, .notSent, .uncertain]
        let parts = order.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }
        var text = "\(view.entries.count) job(s) in \(Paths.display(view.path)): " + parts.joined(separator: ", ")
        let unfinished = (counts[.inFlight] ?? 0) + (counts[.notSent] ?? 0) + (counts[.uncertain] ?? 0)
        if unfinished > 0 { text += "\nunfinished jobs: `recraft resume\(journal.flagForAdvice)` collects or reports them" }
        return text
    }

    /// `text`, cut from the left to `width` characters ("…/dir/photo.png").
    static func shortened(_ text: String, to width: Int) -> String {
        text.count <= width ? text : "…" + text.suffix(width - 1)
    }
}
