// `recraft status JOB_ID`: where one job stands, asked of the provider (reopened by task
// id, nothing submitted) and told by the journal.

import ArgumentParser
import Foundation
import RecraftKit

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show where a job stands: asked of the provider by task id, and as the journal tells it.",
        discussion: """
            JOB_ID is a task id or a journal ref (8 characters or more, from `recraft jobs`). A job the journal \
            knows is asked of the provider it ran on; for any other task id, pass --operation (and --provider).

            \(ExitCodes.help)
            """
    )

    @Argument(help: ArgumentHelp("A task id, or a journal ref from `recraft jobs`.", valueName: "job-id"))
    var id: String

    @Option(
        help: ArgumentHelp(
            "The operation of a task the journal does not know: "
                + RecraftKit.Operation.allCases.map(\.rawValue).joined(separator: ", ") + ".", valueName: "name"))
    var operation: String?

    @OptionGroup var client: ClientOptions
    @OptionGroup var journal: JournalOptions

    @Flag(help: "Wait for the job to end before showing it.")
    var wait = false

    @Flag(name: .customLong("journal-only"), help: "Show what the journal says; ask the provider nothing.")
    var journalOnly = false

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        if let operation, RecraftKit.Operation(name: operation) == nil {
            let names = RecraftKit.Operation.allCases.map(\.rawValue)
            throw ValidationError("--operation \(operation): use \(names.dropLast().joined(separator: ", ")) or \(names.last ?? "")")
        }
    }

    func run() async throws {
        try await CommandFailure.guarding("status") {
            let view = try JournalView.read(journal)
            let entry = view.entry(matching: id)
            var report = StatusReport(
                entry: entry, output: entry.flatMap(view.output(of:)),
                saved: entry.flatMap { view.sidecar.jobs[$0.ref]?.saved } != nil)
            let taskId = entry?.taskId ?? (entry == nil ? id : nil)
            let operationName = operation ?? entry?.operation
            if entry == nil && operationName == nil {
                throw ValidationError(
                    "\(id) is not in the journal \(Paths.display(view.path)): pass --operation (and --provider) "
                        + "to ask the provider about a task id, or find the job with `recraft jobs`")
            }
            var failure: CommandFailure?
            if !journalOnly, let taskId, let operationName, let operation = RecraftKit.Operation(name: operationName) {
                do {
                    report.live = try await ask(taskId: taskId, operation: operation, entry: entry, view: view)
                } catch let error as CommandFailure {
                    // The journal's view is still worth showing.
                    if entry == nil { throw error }
                    failure = error
                }
            }
            report.print(json: json)
            if let failure { throw failure }
        }
    }

    /// Reopens the task and waits for the provider's first answer (or the end, with --wait).
    private func ask(taskId: String, operation: RecraftKit.Operation, entry: JournalEntry?, view: JournalView) async throws -> Job {
        var settings = try client.settings()
        settings.store = try journal.storeLocation()
        if let entry, client.provider == nil, let preset = entry.provider.flatMap(Preset.init(rawValue:)) { settings.preset = preset }
        let record = entry.flatMap { view.sidecar.jobs[$0.ref]?.record }
        if settings.baseURL == nil { settings.baseURL = record?.baseURL }
        if settings.preset.dialect == .recraft {
            throw CommandFailure(
                "\(settings.preset.rawValue) answers at once and keeps no task to ask about; shown: what the journal knows",
                exitCode: .success)
        }
        if settings.runsEmbeddedSandbox {
            throw CommandFailure("a new built-in sandbox knows no jobs: pass the --base-url of the sandbox that ran it", exitCode: .usage)
        }
        // Only a job the journal knows records its end there.
        let pool = try await ClientPool.start(settings, journalPath: entry == nil ? nil : view.path)
        var endpoint = Endpoint(preset: settings.preset, baseURL: settings.baseURL, sandbox: record?.sandbox ?? false)
        if settings.preset == .sandbox, let baseURL = settings.baseURL { endpoint = .sandbox(at: baseURL, for: operation) }
        do throws(RecraftError) {
            let job = try pool.client(for: endpoint).open(operation: operation, id: taskId)
            if wait {
                _ = await job.wait()
            } else {
                let limit = ContinuousClock.now + .seconds(30)
                while !job.state.isTerminal && job.providerState == nil && job.polls < 2 && ContinuousClock.now < limit {
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }
            if job.state == .failed, let error = job.error, error.code == .notFound || ErrorAdvice.isAccountProblem(error) {
                throw error
            }
            return job
        } catch {
            let code: ExitCode = ErrorAdvice.isAccountProblem(error) ? .authentication : (ErrorAdvice.isUsageProblem(error) ? .usage : .someFailed)
            throw CommandFailure(
                "cannot ask \(endpoint.preset.rawValue) about \(taskId): " + ErrorAdvice.message(error, preset: endpoint.preset),
                exitCode: code)
        }
    }
}

/// What `status` shows.
struct StatusReport {
    var entry: JournalEntry?
    var output: String?
    var saved: Bool
    var live: Job?

    func print(json: Bool) {
        if json {
            Console.output(JSONValue.object(jsonObject).serialized())
            return
        }
        var rows: [(String, String)] = []
        if let entry { rows.append(("ref", entry.ref)) }
        if let id = live?.id ?? entry?.taskId { rows.append(("task id", id)) }
        if let operation = live?.operation.rawValue ?? entry?.operation { rows.append(("operation", operation)) }
        if let provider = entry?.provider { rows.append(("provider", provider)) }
        if let live {
            rows.append(("state", live.state.description + (live.providerState.map { " (provider: \($0))" } ?? "")))
        }
        if let entry { rows.append(("journal", entry.status.rawValue)) }
        if let image = entry?.image { rows.append(("input", Paths.display(image))) }
        if let output { rows.append(("output", Paths.display(output) + (saved ? "" : " (not saved yet)"))) }
        for (index, result) in results.enumerated() { rows.append((index == 0 ? "results" : "", result)) }
        if let error = live?.error.map({ ErrorAdvice.message($0) }) ?? entry?.error { rows.append(("error", error)) }
        if entry?.status == .inFlight || (entry?.status == .succeeded && !saved && output != nil) {
            rows.append(("next", "`recraft resume` saves it to its output"))
        }
        let width = rows.map(\.0.count).max() ?? 0
        Console.output(rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n"))
    }

    private var results: [String] {
        if let live, live.state == .succeeded {
            return live.results.map { if case .url(let url) = $0 { url } else { "(inline result)" } }
        }
        return entry?.results ?? []
    }

    private var jsonObject: [String: JSONValue] {
        var object: [String: JSONValue] = [
            "ref": entry.map { .string($0.ref) } ?? .null,
            "task_id": (live?.id ?? entry?.taskId).map(JSONValue.string) ?? .null,
            "operation": (live?.operation.rawValue ?? entry?.operation).map(JSONValue.string) ?? .null,
            "provider": entry?.provider.map(JSONValue.string) ?? .null,
            "state": live.map { .string($0.state.description) } ?? .null,
            "provider_state": live?.providerState.map(JSONValue.string) ?? .null,
            "journal_status": entry.map { .string($0.status.rawValue) } ?? .null,
            "input": entry?.image.map(JSONValue.string) ?? .null,
            "output": output.map(JSONValue.string) ?? .null,
            "saved": .bool(saved),
            "results": .array(results.map(JSONValue.string)),
            "error": .null
        ]
        if let error = live?.error {
            object["error"] = .object([
                "code": .number(Double(error.code.rawValue)), "name": .string(ErrorAdvice.name(error.code)),
                "message": .string(ErrorAdvice.message(error))
            ])
        } else if let message = entry?.error {
            object["error"] = .object(["message": .string(message)])
        }
        return object
    }
}
