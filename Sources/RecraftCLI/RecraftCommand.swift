// The `recraft` command line (product `recraft-cli`, installed as `recraft`). Each
// feature is a subcommand in its own file: one per operation (OperationCommand.swift),
// `resume`, `status`, `jobs`, and `sandbox`.

import ArgumentParser
import RecraftKit

@main
struct RecraftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recraft",
        abstract: "Run Recraft's image operations as jobs, or a local emulator of their providers.",
        discussion: """
            Try it offline, with no account:
              recraft crisp-upscale photo.png --provider sandbox
            With kie.ai:
              export KIE_API_KEY=…
              recraft crisp-upscale photos/ -o upscaled/

            \(ExitCodes.help)
            """,
        version: "recraft \(RecraftKitVersion.version)",
        subcommands: OperationCommands.all + [
            CreditsCommand.self, ReceiveCallbacksCommand.self, ResumeCommand.self, StatusCommand.self, JobsCommand.self, SandboxCommand.self
        ]
    )
}
