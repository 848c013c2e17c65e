// `recraft resume`: finishes what an interrupted (or crashed, or timed-out) run left in
// a journal. Jobs the provider has are reopened by task id and downloaded where the
// original run would have saved them; jobs never sent, and inputs never started, are
// submitted; jobs whose submit may or may not have reached the provider are reported,
// never submitted again.

import ArgumentParser
import Foundation
import RecraftKit

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Finish the jobs an interrupted run left: collect those still running, submit those never sent.",
        discussion: """
            Reads the journal (and the sidecar beside it that says where each result goes) and, for each job:
              in flight    reopened by task id, waited for and saved: nothing is paid twice
              never sent   submitted (the paid request never went out)
              not started  submitted (inputs of a batch stopped by Ctrl-C)
              uncertain    reported, never submitted again: the provider may have it and may charge for it
              succeeded    saved, if the run stopped before saving it
            Failed jobs are not retried here: run the original command again (saved outputs are skipped).
            Each job goes to the provider it was submitted to, with that provider's API key variable
            (or --api-key).

            \(ExitCodes.help)
            """
    )

    @OptionGroup var journal: JournalOptions

    @Option(
        name: .customLong("base-url"),
        help: ArgumentHelp(
            "Send every job here instead of where it was submitted (a sandbox that moved, a mirror).", valueName: "url"))
    var baseURL: String?

    @Option(
        name: .customLong("api-key"),
        help: ArgumentHelp(
            "API key for every job (default: each provider's environment variable, e.g. KIE_API_KEY).", valueName: "key"))
    var apiKey: String?

    @Option(help: ArgumentHelp("Seconds each job may take from now before it is left for the next resume.", valueName: "seconds"))
    var timeout: Double?

    @Flag(name: .customLong("allow-insecure-http"), help: "Accept a plain http --base-url to a host other than this machine.")
    var allowInsecureHTTP = false

    @Option(
        name: .customLong("forget"),
        help: ArgumentHelp(
            "Stop reporting this uncertain job (its ref or task id; repeatable) once you have checked the provider, then exit.",
            valueName: "ref"))
    var forget: [String] = []

    @OptionGroup var batch: BatchOptions

    func validate() throws {
        if let timeout, !(timeout.isFinite && timeout > 0) { throw ValidationError("--timeout must be a number of seconds above 0") }
    }

    func run() async throws {
        try await CommandFailure.guarding("resume") {
            let view = try JournalView.read(journal)
            view.problems.forEach { Console.error("recraft: note: \($0)") }
            if !forget.isEmpty { return try forget(in: view) }
            var plan = ResumePlan(journal: view, baseURL: baseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 })
            if !plan.running.isEmpty && !batch.quiet {
                Console.error("recraft: \(plan.running.count) job(s) belong to a worker that is still running; left to it")
            }
            try await claim(&plan, view: view)
            plan.unresumable.forEach { Console.error("recraft: cannot resume \($0)") }
            plan.uncertain.forEach { Console.error("recraft: " + uncertainAdvice($0.entry, $0.record)) }
            guard !plan.items.isEmpty else {
                if plan.uncertain.isEmpty && plan.unresumable.isEmpty && !batch.quiet {
                    Console.error("recraft: nothing to resume in \(Paths.display(view.path)): every job there has ended")
                }
                if !plan.uncertain.isEmpty || !plan.unresumable.isEmpty { throw ExitCode.someFailed }
                return
            }
            if !batch.quiet {
                Console.error(
                    "recraft: resuming from \(Paths.display(view.path)): \(plan.collecting) to collect, "
                        + "\(plan.resubmitting) never sent, \(plan.starting) never started")
            }
            try await run(plan, journalPath: view.path)
        }
    }

    private func run(_ plan: ResumePlan, journalPath: String) async throws {
        let settings = ClientSettings(
            preset: .kie, baseURL: baseURL, apiKey: apiKey, timeout: timeout, allowInsecureHTTP: allowInsecureHTTP,
            store: try journal.storeLocation())
        let pool = try await ClientPool.start(settings, journalPath: journalPath)
        // A missing key is said once, naming its variable, rather than once per job.
        for endpoint in Set(plan.items.map(\.endpoint)) {
            do throws(RecraftError) { _ = try pool.client(for: endpoint) } catch  where ErrorAdvice.isAccountProblem(error) {
                var message = ErrorAdvice.message(error, preset: endpoint.preset)
                if let range = message.range(of: ", or pass --provider sandbox to try it offline") { message.removeSubrange(range) }
                throw CommandFailure("\(message) (jobs to resume ran on \(endpoint.preset.rawValue))", exitCode: .authentication)
            } catch {
                continue  // the jobs concerned fail with it, each with its input named
            }
        }
        let sidecar = try OutputSidecar(journal: journalPath)
        let reporter = ProgressReporter(title: "resume", total: plan.items.count, style: .choose(quiet: batch.quiet), json: batch.json)
        let runner = BatchRunner(
            items: plan.items, pool: pool, sidecar: sidecar, concurrency: batch.concurrency,
            reporter: reporter, stopOnSharedErrors: false)
        let summary = await runner.run()
        await pool.shutdown()
        summary.advice(recording: .journal(journal)).forEach { Console.error("recraft: \($0)") }
        if summary.exitCode != .success { throw summary.exitCode }
        if !plan.uncertain.isEmpty || !plan.unresumable.isEmpty { throw ExitCode.someFailed }
    }

    /// Makes this process the worker of each ledger job it is about to resume, so that
    /// two resumes (or a resume and a live worker) never both act on one; a job resubmitted
    /// is marked replaced, and one left "sending" by a dead worker is marked uncertain.
    private func claim(_ plan: inout ResumePlan, view: JournalView) async throws {
        let byRef = Dictionary((view.entries + view.ledgerOnly.values).map { ($0.ref, $0) }, uniquingKeysWith: { first, _ in first })
        guard byRef.values.contains(where: { $0.scope != nil }) else { return }
        let location = try journal.storeLocation()
        let ledger: Ledger
        do throws(RecraftError) { ledger = try Ledger(location) } catch {
            throw CommandFailure("cannot resume: \(error.message)", exitCode: .someFailed)
        }
        var kept: [WorkItem] = []
        for item in plan.items {
            guard let ref = item.resumedRef, let entry = byRef[ref], entry.scope != nil else {
                kept.append(item)
                continue
            }
            do throws(RecraftError) {
                guard try await ledger.takeOver(entry) else {
                    plan.running.append(entry)
                    continue
                }
                if item.action == .submit { try await ledger.markReplaced(entry) }
                kept.append(item)
            } catch {
                throw CommandFailure("cannot resume: \(error.message)", exitCode: .someFailed)
            }
        }
        plan.items = kept
        for (entry, _) in plan.uncertain where entry.scope != nil {
            if (try? await ledger.takeOver(entry)) == true { try? await ledger.markUncertain(entry) }
        }
    }

    private func uncertainAdvice(_ entry: JournalEntry, _ record: OutputRecord?) -> String {
        let image = entry.image.map(Paths.display) ?? "an image"
        let operation = entry.operation ?? "a job"
        let provider = entry.provider ?? "the provider"
        let command = operation.replacingOccurrences(of: "_", with: "-")
        let output =
            record.map { record -> String in
                if record.exact { return " -o \(Paths.shellQuoted(Paths.display(record.output)))" }
                let folder = (record.output as NSString).deletingLastPathComponent
                return folder == (record.image as NSString).deletingLastPathComponent ? "" : " -o \(Paths.shellQuoted(Paths.display(folder) + "/"))"
            } ?? ""
        return "uncertain: \(operation) of \(image) (ref \(entry.ref.prefix(8))): the request went out but no answer was recorded, "
            + "so \(provider) may have the task and may charge for it; it is not submitted again. Look for it in \(provider)'s "
            + "task list; if it is not there, run `recraft \(command) \(Paths.shellQuoted(image))\(output)`. "
            + "Then `recraft resume\(journal.flagForAdvice) --forget \(entry.ref.prefix(8))` stops this note."
    }

    private func forget(in view: JournalView) throws {
        var refs: [String] = []
        for id in forget {
            guard let entry = view.entry(matching: id) else {
                throw ValidationError("no job \(id) in \(view.path): pass a ref (8 characters or more) or a task id from `recraft jobs`")
            }
            refs.append(entry.ref)
        }
        try OutputSidecar(journal: view.path).forgotten(refs: refs)
        if !batch.quiet { Console.error("recraft: resume will leave \(refs.count) job(s) alone from now on") }
    }
}
