// How a core error reads on the command line: its stable snake_case name (the C
// header's RECRAFT_ERR_* without the prefix), its family for the exit code, and advice
// that names the CLI's flags and commands. Decided by code, never by matching the core's
// messages (their wording is not part of any contract, docs/ABI.md).

import Foundation
import RecraftKit

enum ErrorAdvice {
    /// `authentication`, `insufficient_credits`, …: the names scripts match in `--json`.
    static func name(_ code: RecraftError.Code) -> String { code.name }

    /// The key was missing or refused, or the credits ran out: every other job would
    /// fail the same way, so a batch stops submitting and exits 3.
    static func isAccountProblem(_ error: RecraftError) -> Bool {
        error.code == .authentication || error.code == .insufficientCredits
    }

    /// The command itself is wrong (an option the provider does not take, a bad base
    /// URL): nothing was sent, and every other job would fail the same way (exit 64).
    static func isUsageProblem(_ error: RecraftError) -> Bool {
        error.code == .unsupported || error.code == .invalidArgument || error.code == .invalidConfig
    }

    /// The exit code a batch ends with when this error stopped it.
    static func exitCode(for error: RecraftError) -> ExitCodeClass {
        if isAccountProblem(error) { return .authentication }
        if isUsageProblem(error) { return .usage }
        return .failed
    }

    enum ExitCodeClass { case failed, authentication, usage }

    /// The core's message with what to do on the command line, chosen by the error's code
    /// (and whether a reply came), never by the message's wording, which is not stable.
    static func message(_ error: RecraftError, preset: Preset? = nil) -> String {
        let text = error.message
        let replied = error.httpStatus != nil || error.providerCode != nil
        switch error.code {
        case .authentication where !replied:
            // No reply: the key was refused before sending, because there is none.
            let variable = preset?.apiKeyVariable ?? "the provider's API key variable"
            return "no API key: set \(variable) or pass --api-key, or pass --provider sandbox to try it offline"
        case .authentication:
            return text + "; or pass it with --api-key"
        case .invalidConfig:
            return text + " (on the command line: base_url is --base-url, api_key --api-key, "
                + "allow_insecure_http --allow-insecure-http, job_timeout_ms --timeout)"
        case .timeout:
            return text + "; `recraft resume` collects it later (--timeout sets the limit)"
        default:
            return text
        }
    }
}
