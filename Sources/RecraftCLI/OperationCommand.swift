// `recraft crisp-upscale | creative-upscale | clarity-upscale | remove-background |
// vectorize IMAGE…`: a command per operation of the core's catalog, one implementation.
// Each input becomes a job; results are saved next to the inputs (or under -o); the
// journal records every job for `recraft resume`.

import ArgumentParser
import Foundation
import RecraftKit

/// The arguments and the run shared by the operation commands.
struct OperationArguments: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "Images: files, folders of images (.png, .jpg, .jpeg, .webp; not recursive) or http(s) URLs.",
            valueName: "image"))
    var images: [String]

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Where to save: a file (one input) or a folder (created if missing). Default: next to each input as "
                + "NAME.<command>.<ext>, the extension from the result; for a URL, in the current folder.",
            valueName: "path"))
    var output: String?

    @Flag(help: "Overwrite outputs that already exist (default: skip those inputs).")
    var force = false

    @Option(
        name: .customLong("option"),
        help: ArgumentHelp(
            "An operation option as key=value, repeatable: scale=2, output_format=png, response_format=url. "
                + "Which keys and values each provider takes is checked before anything is sent.",
            valueName: "key=value"))
    var options: [String] = []

    @OptionGroup var client: ClientOptions
    @OptionGroup var journal: JournalOptions

    @Flag(name: .customLong("no-journal"), help: "Record nothing: the jobs cannot be resumed. (The built-in sandbox records nothing anyway.)")
    var noJournal = false

    @OptionGroup var batch: BatchOptions
    @OptionGroup var cost: CostOptions

    func validate() throws {
        _ = try parsedOptions()
    }

    /// `--option key=value` as JSON values: whole numbers and true/false as such, the rest as text.
    func parsedOptions() throws -> [String: JSONValue] {
        var parsed: [String: JSONValue] = [:]
        for text in options {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw ValidationError("--option \(text): write it as key=value, e.g. --option scale=2")
            }
            let key = String(text[..<equals])
            let value = String(text[text.index(after: equals)...])
            guard parsed[key] == nil else { throw ValidationError("--option \(key) is given twice") }
            if let number = Int(value) {
                parsed[key] = .number(Double(number))
            } else if value == "true" || value == "false" {
                parsed[key] = .bool(value == "true")
            } else {
                parsed[key] = .string(value)
            }
        }
        return parsed
    }

    func run(_ operation: RecraftKit.Operation, name: String) async throws {
        try await CommandFailure.guarding(name) {
            let inputs = try BatchPlan(operation: operation, output: output, force: force).inputs(images)
            var settings = try client.settings()
            settings.store = try journal.storeLocation()
            let journalPath: String? = noJournal || (settings.runsEmbeddedSandbox && journal.journal == nil) ? nil : journal.path
            if journalPath != nil { try journal.prepare() }
            let pool = try await ClientPool.start(settings, journalPath: journalPath)
            do {
                try await run(operation, name: name, inputs: inputs, pool: pool, journalPath: journalPath)
            } catch {
                await pool.shutdown()
                throw error
            }
            await pool.shutdown()
        }
    }

    private func run(
        _ operation: RecraftKit.Operation, name: String, inputs: [PlannedInput], pool: ClientPool,
        journalPath: String?
    ) async throws {
        let endpoint = pool.endpoint(for: operation)
        // A missing key or a bad URL is known now: say so once, before anything else.
        do throws(RecraftError) { _ = try pool.client(for: endpoint) } catch {
            let code: ExitCode = ErrorAdvice.isAccountProblem(error) ? .authentication : .usage
            throw CommandFailure(ErrorAdvice.message(error, preset: endpoint.preset), exitCode: code)
        }
        let optionValues = try parsedOptions()
        let sidecar = try journalPath.map { try OutputSidecar(journal: $0) }
        var items = inputs.map {
            WorkItem(display: $0.display, operation: operation, image: $0.image, options: optionValues, target: $0.target, endpoint: endpoint)
        }
        if let sidecar {
            // The whole batch first, so inputs never submitted are known to `recraft resume`.
            for index in items.indices where items[index].target.force || items[index].target.existing() == nil {
                items[index].planKey = "plan-" + UUID().uuidString.lowercased()
            }
            sidecar.planned(items.compactMap { item in item.planKey.map { ($0, item.record) } })
        }
        let toSubmit = items.filter { $0.target.force || $0.target.existing() == nil }.count
        try await cost.check(operation, jobs: toSubmit, preset: endpoint.preset, client: try pool.client(for: endpoint))
        let reporter = ProgressReporter(title: name, total: items.count, style: .choose(quiet: batch.quiet), json: batch.json)
        let runner = BatchRunner(
            items: items, pool: pool, sidecar: sidecar, concurrency: batch.concurrency,
            reporter: reporter, stopOnSharedErrors: true)
        let summary = await runner.run()
        switch summary.stop {
        case .account?, .usage?: sidecar?.dropped(plans: runner.unstartedPlans())
        case .signal?, nil: break
        }
        let recording: Recording = journalPath != nil ? .journal(journal) : (pool.embedded != nil ? .embeddedSandbox : .none)
        summary.advice(recording: recording).forEach { Console.error("recraft: \($0)") }
        if summary.exitCode != .success { throw summary.exitCode }
    }
}

/// One command per operation: `OperationCommand<CrispUpscale>` is `recraft crisp-upscale`.
/// Its name, abstract and help come from the core's catalog (Catalog.swift).
struct OperationCommand<Kind: OperationKind>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        let operation = Kind.operation
        return CommandConfiguration(
            commandName: operation.commandName, abstract: operation.summary,
            discussion: OperationHelp.discussion(operation))
    }

    @OptionGroup var arguments: OperationArguments

    func run() async throws { try await arguments.run(Kind.operation, name: Kind.operation.commandName) }
}

/// A type per operation, because ArgumentParser takes commands as types. `all` lists them;
/// Tests/RecraftCLITests/CommandCatalogTests.swift checks that `recraft --help` shows a
/// command for every `Operation.allCases`, so a new operation without one fails.
protocol OperationKind { static var operation: RecraftKit.Operation { get } }

enum CrispUpscale: OperationKind { static let operation = RecraftKit.Operation.crispUpscale }
enum CreativeUpscale: OperationKind { static let operation = RecraftKit.Operation.creativeUpscale }
enum ClarityUpscale: OperationKind { static let operation = RecraftKit.Operation.clarityUpscale }
enum RemoveBackground: OperationKind { static let operation = RecraftKit.Operation.removeBackground }
enum Vectorize: OperationKind { static let operation = RecraftKit.Operation.vectorize }

enum OperationCommands {
    static let all: [any ParsableCommand.Type] = [
        OperationCommand<CrispUpscale>.self, OperationCommand<CreativeUpscale>.self, OperationCommand<ClarityUpscale>.self,
        OperationCommand<RemoveBackground>.self, OperationCommand<Vectorize>.self
    ]
}

enum OperationHelp {
    static func discussion(_ operation: RecraftKit.Operation) -> String {
        let command = operation.commandName
        let offered = operation.presets.map(\.rawValue).joined(separator: ", ")
        return """
            \(operation.resultDescription) Offered by: \(offered)\(Endpoint.sandboxServes(operation) ? " (and the built-in sandbox)" : "").

            Each input becomes a job at the provider; at most --concurrency run at once. Results are saved next to \
            their inputs (photo.png → \(OutputName.stem(input: "photo.png", operation: operation)).png) unless -o says \
            otherwise, and an existing output is never overwritten without --force: running the same command again skips \
            what is done. Every job is recorded in the journal; after Ctrl-C, `recraft resume` collects the jobs left \
            running and submits the ones never sent.

            Try it offline, with no account:
              recraft \(command) photo.png --provider sandbox

            \(ExitCodes.help)
            """
    }
}
