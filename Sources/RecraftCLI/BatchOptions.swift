// The flags every batch shares (the operations and `recraft resume`), and what a batch
// says when it ends: how to resume, what to fix, which code it exits with.

import ArgumentParser
import RecraftKit

struct BatchOptions: ParsableArguments {
    @Option(help: ArgumentHelp("How many jobs may be in flight at once.", valueName: "n"))
    var concurrency = 4

    @Flag(
        help:
            "Print one JSON object per finished job on stdout: input, operation, output, state (succeeded, failed or skipped), job_id, ref, credits_consumed, error {code, name, message}."
    )
    var json = false

    @Flag(name: .shortAndLong, help: "Print only failures and what to do about them (no progress).")
    var quiet = false

    func validate() throws {
        guard (1...1000).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 1000") }
    }
}

/// Where the batch's jobs were recorded, for the closing advice.
enum Recording {
    case journal(JournalOptions)
    /// The command ran its own sandbox: its tasks end with it.
    case embeddedSandbox
    case none
}

extension BatchRunner.Summary {
    /// What to tell the user once the batch has ended (printed even with `--quiet`).
    func advice(recording: Recording) -> [String] {
        var lines: [String] = []
        switch stop {
        case .signal?:
            if leftInFlight + leftUnanswered + notStarted == 0 {
                lines.append("interrupted after every job had ended")
                break
            }
            var what = "\(leftInFlight) job(s) still running at the provider, "
            if leftUnanswered > 0 { what += "\(leftUnanswered) whose submit had no answer yet (resume sorts them out; nothing is sent twice), " }
            what += "\(notStarted) not started"
            switch recording {
            case .journal(let journal):
                lines.append("interrupted: \(what); finish them with: recraft resume\(journal.flagForAdvice)")
            case .embeddedSandbox:
                lines.append("interrupted: \(what); the built-in sandbox stops with this command, so run the same command again (saved outputs are skipped)")
            case .none:
                lines.append("interrupted: \(what); without a journal they cannot be resumed: run the same command again (saved outputs are skipped)")
            }
        case .account(let error)?:
            // The failed jobs' lines said what and why; this says what it left undone.
            if notStarted > 0 {
                lines.append(
                    "stopped (\(ErrorAdvice.name(error.code))): \(notStarted) input(s) were not submitted; "
                        + "once that is fixed, run the same command again (saved outputs are skipped)")
            }
        case .usage(let error)?:
            lines.append("stopped before sending anything more: \(ErrorAdvice.message(error))")
        case nil:
            if counts.failed > 0 {
                lines.append("\(counts.failed) job(s) failed (see above): run the same command again to retry them; saved outputs are skipped")
            }
            if timedOut > 0, case .journal(let journal) = recording {
                lines.append("\(timedOut) of them timed out but are still at the provider: `recraft resume\(journal.flagForAdvice)` collects them")
            }
        }
        return lines
    }
}
