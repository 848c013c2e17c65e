// The exit codes every `recraft` command uses, and the one error type commands throw to
// end with a message and a code of their own. The table is printed in `--help`.

import ArgumentParser
import Foundation

extension ExitCode {
    /// Every job succeeded (or its output already existed and was skipped).
    static let allDone = ExitCode.success
    /// At least one job failed; the others were saved.
    static let someFailed = ExitCode(1)
    /// The provider refused the API key, none was found, or the account ran out of credits.
    static let authentication = ExitCode(3)
    /// A usage error: a bad flag, option or input path (ArgumentParser's own code).
    static let usage = ExitCode.validationFailure
    /// Stopped by Ctrl-C (SIGINT); the unfinished jobs can be resumed.
    static let interrupted = ExitCode(130)
    /// Stopped by SIGTERM; same as Ctrl-C otherwise.
    static let terminated = ExitCode(143)
}

enum ExitCodes {
    /// The table shown in `--help`.
    static let help = """
        EXIT CODES
          0    every job is done (existing outputs are skipped)
          1    some jobs failed; the others were saved
          3    no API key, a refused key, or no credits left
          64   usage error (a bad flag, option or path); nothing was sent
          130  interrupted by Ctrl-C; `recraft resume` finishes the rest
          143  terminated by SIGTERM; as 130
        """
}

/// A command ended with a message for the user (what happened and what to do next) and
/// an exit code. Commands throw it; `CommandFailure.guarding` prints it and exits.
struct CommandFailure: Error {
    var message: String
    var exitCode: ExitCode

    init(_ message: String, exitCode: ExitCode) {
        self.message = message
        self.exitCode = exitCode
    }

    /// Runs `body`, turning a `CommandFailure` into its message on stderr and its exit
    /// code. A `ValidationError` found while running (a missing input file) becomes exit 64
    /// with a pointer to the command's help: thrown from here, ArgumentParser would print
    /// the root command's usage instead of this one's.
    static func guarding(_ command: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as CommandFailure {
            Console.error(Console.failure("recraft: \(failure.message)"))
            throw failure.exitCode
        } catch let error as ValidationError {
            Console.error(Console.failure("recraft: \(error.message)") + "\n(see `recraft \(command) --help`)")
            throw ExitCode.usage
        }
    }
}
