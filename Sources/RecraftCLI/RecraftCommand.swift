// The `recraft` command line (product `recraft-cli`, installed as `recraft`). Each
// feature is a subcommand in its own file; for now there is `recraft sandbox`.

import ArgumentParser

@main
struct RecraftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recraft",
        abstract: "Run Recraft's image operations as jobs, or a local emulator of their providers.",
        subcommands: [SandboxCommand.self]
    )
}
