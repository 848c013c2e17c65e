// How a core error reads on the command line: its stable snake_case name (the C
// header's RECRAFT_ERR_* without the prefix), its family for the exit code, and advice
// that names the CLI's flags where the core's message names config keys.

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

    /// The core's message, reworded where it names a config key the CLI spells as a flag.
    static func message(_ error: RecraftError, preset: Preset? = nil) -> String {
        var text = error.message
        if error.code == .authentication, text.hasPrefix("no API key") {
            let variable = preset?.apiKeyVariable ?? "the provider's API key variable"
            return "no API key: set \(variable) or pass --api-key, or pass --provider sandbox to try it offline"
        }
        if error.code == .authentication, text.contains("check the API key") {
            text += "; or pass it with --api-key"
        }
        text = text.replacingOccurrences(of: "set \"allow_insecure_http\": true", with: "pass --allow-insecure-http")
        if error.code == .invalidConfig {
            text = text.replacingOccurrences(of: "base_url", with: "--base-url")
        }
        text = text.replacingOccurrences(of: "(job_timeout_ms)", with: "(--timeout)")
        text = text.replacingOccurrences(of: "reopen it by id later to collect it", with: "`recraft resume` collects it later")
        return text
    }
}
