// `--max-credits N` / `--yes` for the operation commands: before a batch starts, its
// documented cost (the catalog's price per preset and operation, times the jobs to
// submit) is held against N and against the account's balance. Only the free balance
// request goes out; nothing billed is sent when it refuses.

import ArgumentParser
import RecraftKit

struct CostOptions: ParsableArguments {
    @Option(
        name: .customLong("max-credits"),
        help: ArgumentHelp(
            "Refuse to start when the batch's documented cost is above N, or above the account's balance (in the provider's unit: kie credits, Recraft API units).",
            valueName: "n"))
    var maxCredits: Double?

    @Flag(name: .customLong("yes"), help: "Skip the --max-credits check and start at once.")
    var yes = false

    func validate() throws {
        if let maxCredits, !(maxCredits.isFinite && maxCredits >= 0) { throw ValidationError("--max-credits must be a number >= 0") }
    }

    /// Throws a `CommandFailure` when the batch of `jobs` jobs may not start.
    func check(_ operation: RecraftKit.Operation, jobs: Int, preset: Preset, client: Client) async throws {
        guard let maxCredits, !yes, jobs > 0 else { return }
        let unit = Capabilities.creditUnit(preset)
        guard let price = Capabilities.cost(operation, preset: preset) else {
            throw CommandFailure(
                "\(preset.rawValue) documents no price for \(operation.rawValue), so --max-credits cannot be checked: "
                    + "pass --yes to start anyway, or leave --max-credits out", exitCode: .usage)
        }
        let total = price * Double(jobs)
        let said = "\(jobs) job(s) × \(Self.amount(price)) = \(Self.amount(total)) \(unit)"
        guard total <= maxCredits else {
            throw CommandFailure(
                "the batch would cost \(said), above --max-credits \(Self.amount(maxCredits)): nothing was sent; "
                    + "raise --max-credits, pass fewer inputs, or pass --yes", exitCode: .usage)
        }
        guard Capabilities.hasBalance(preset) else {
            Console.error("recraft: \(preset.rawValue) has no balance endpoint: checked \(said) against --max-credits only")
            return
        }
        let balance: Double
        do throws(RecraftError) { balance = try await client.credits() } catch {
            throw CommandFailure(
                "cannot read the balance to check --max-credits: \(ErrorAdvice.message(error, preset: preset)); nothing was sent; pass --yes to start anyway",
                exitCode: ErrorAdvice.isAccountProblem(error) ? .authentication : .someFailed)
        }
        guard total <= balance else {
            throw CommandFailure(
                "the batch would cost \(said), but the balance is \(Self.amount(balance)) \(unit): nothing was sent; "
                    + "top up the account or pass fewer inputs", exitCode: .authentication)
        }
    }

    /// 0.5, 4, 1250: no trailing ".0".
    static func amount(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
