// `recraft credits`: the account's balance, asked of the provider (a free request).

import ArgumentParser
import RecraftKit

struct CreditsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credits",
        abstract: "Show the account's balance (kie credits, Recraft API units), asked of the provider.",
        discussion: """
            kie, apikley and the sandbox answer through kie's GET /api/v1/chat/credit, recraft through \
            GET /v1/users/me; kie-recraft and recraft-mirror document no balance endpoint (exit 64).

            \(ExitCodes.help)
            """
    )

    @OptionGroup var client: ClientOptions

    @Flag(help: "Print one JSON object on stdout: provider, balance, unit.")
    var json = false

    func run() async throws {
        try await CommandFailure.guarding("credits") {
            let settings = try client.settings()
            let pool = try await ClientPool.start(settings, journalPath: nil)
            let endpoint = pool.endpoint(for: .crispUpscale)
            let balance: Double
            do throws(RecraftError) { balance = try await pool.client(for: endpoint).credits() } catch {
                await pool.shutdown()
                let code: ExitCode =
                    ErrorAdvice.isAccountProblem(error) ? .authentication : error.code == .unsupported ? .usage : .someFailed
                throw CommandFailure(ErrorAdvice.message(error, preset: endpoint.preset), exitCode: code)
            }
            let unit = Capabilities.creditUnit(endpoint.preset)
            if json {
                Console.output(
                    JSONValue.object([
                        "provider": .string(endpoint.preset.rawValue), "balance": .number(balance), "unit": .string(unit)
                    ]).serialized())
            } else {
                Console.output("\(CostOptions.amount(balance)) \(unit)")
            }
            await pool.shutdown()
        }
    }
}
