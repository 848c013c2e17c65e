// `recraft sandbox`: runs the emulator in the foreground. The first line on stdout is
// exactly its base URL, flushed at once, so scripts and tests can read it and go.

import ArgumentParser
import Foundation
import RecraftSandbox

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a local emulator of every provider dialect (kie Market, kie dedicated, uploads, Recraft).",
        discussion: """
            Prints the base URL (e.g. http://127.0.0.1:43123) as the first line of stdout, then serves
            until SIGINT or SIGTERM. Use that URL as base_url (and upload_url) with provider "sandbox".
            """
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port = 0

    @Option(
        name: [.customLong("task-duration-ms"), .customLong("delay")],
        help: "Time in ms from create to the end of a Market or dedicated task (--delay for short).")
    var taskDurationMs = 300

    @Option(help: "Random spread of the task duration, as a fraction (0.2 = ±20%).")
    var spread = 0.0

    @Option(name: .customLong("sync-delay-ms"), help: "Extra latency of the synchronous Recraft endpoints.")
    var syncDelayMs = 0

    @Option(name: .customLong("api-key"), help: "Accept only this Bearer token (default: any non-empty token).")
    var apiKey: String?

    @Option(name: .customLong("webhook-secret"), help: "Sign callbacks with this key (kie's HMAC-SHA256 scheme).")
    var webhookSecret: String?

    @Flag(name: .customLong("use-message-key"), help: "kie envelopes say \"message\" instead of \"msg\".")
    var useMessageKey = false

    @Flag(name: .customLong("omit-upload-download-url"), help: "Upload replies carry \"fileUrl\" instead of \"downloadUrl\".")
    var omitUploadDownloadURL = false

    @Option(
        name: .customLong("fault"),
        help: ArgumentHelp(
            "A fault rule as JSON (repeatable), e.g. '{\"kind\":\"httpStatus\",\"path\":\"/api/v1/jobs/createTask\",\"status\":429,\"retryAfter\":2,\"times\":1}'.",
            valueName: "json"))
    var faults: [String] = []

    @Option(
        name: .customLong("rate-limit"),
        help: ArgumentHelp(
            "A rate limit PATH=LIMIT/WINDOW_MS (repeatable; PATH may end with *), e.g. /api/v1/jobs/createTask=20/10000.",
            valueName: "rule"))
    var rateLimits: [String] = []

    @Option(
        name: .customLong("limits"),
        help: ArgumentHelp(
            "\"documented\": enforce every limit the real providers document, at once (kie: 20 createTask per 10 s, "
                + "10 recordInfo per s; Recraft: 5 requests per s and 100 per minute), besides any --rate-limit.",
            valueName: "set"))
    var limits: String?

    @Flag(name: .customLong("rate-limit-retry-after"), help: "Rate-limited replies carry Retry-After.")
    var rateLimitRetryAfter = false

    @Flag(help: "Log each request to stderr.")
    var verbose = false

    @Option(
        name: .customLong("result-ttl"),
        help: ArgumentHelp("Refuse result links (HTTP 403) this many seconds after they were made, unless refreshed.", valueName: "seconds"))
    var resultTTL: Double?

    @Option(help: ArgumentHelp("The account's balance; each job is charged, and once it cannot pay, creates answer 402.", valueName: "N"))
    var credits: Double?

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard taskDurationMs >= 0 else { throw ValidationError("--task-duration-ms must not be negative") }
        guard syncDelayMs >= 0 else { throw ValidationError("--sync-delay-ms must not be negative") }
        guard spread.isFinite, (0...1).contains(spread) else { throw ValidationError("--spread must be between 0 and 1") }
        if apiKey?.isEmpty == true { throw ValidationError("--api-key must not be empty") }
        _ = try parsedFaults()
        _ = try parsedRateLimits()
        if let limits, limits != "documented", limits != "none" {
            throw ValidationError("--limits takes \"documented\" (or \"none\"), got \(limits)")
        }
        if let resultTTL, !(resultTTL.isFinite && resultTTL > 0 && resultTTL <= 31_536_000) {
            throw ValidationError("--result-ttl must be a number of seconds above 0, at most a year")
        }
        if let credits, !(credits.isFinite && credits >= 0 && credits <= 1e12) { throw ValidationError("--credits must be between 0 and 1e12") }
    }

    private func parsedFaults() throws -> [SandboxFault] {
        try faults.map { text in
            guard let fault = try? JSONDecoder().decode(SandboxFault.self, from: Data(text.utf8)) else {
                throw ValidationError("--fault is not a fault rule: \(text)")
            }
            if let problem = fault.validationProblem { throw ValidationError("--fault \(text): \(problem)") }
            return fault
        }
    }

    private func parsedRateLimits() throws -> [SandboxRateLimit] {
        try rateLimits.map { text in
            let parts = text.split(separator: "=", maxSplits: 1)
            let numbers = parts.count == 2 ? parts[1].split(separator: "/").compactMap { Int($0) } : []
            guard parts.count == 2, numbers.count == 2, numbers[0] >= 0, numbers[1] > 0 else {
                throw ValidationError("--rate-limit must look like PATH=LIMIT/WINDOW_MS, got \(text)")
            }
            return SandboxRateLimit(
                path: String(parts[0]), limit: numbers[0], windowMs: numbers[1],
                retryAfter: rateLimitRetryAfter)
        } + (limits == "documented" ? SandboxRateLimit.documented(retryAfter: rateLimitRetryAfter) : [])
    }

    func run() async throws {
        var configuration = SandboxConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.taskDuration = .milliseconds(taskDurationMs)
        configuration.durationSpread = spread
        configuration.syncDelay = .milliseconds(syncDelayMs)
        configuration.apiKey = apiKey
        configuration.webhookSecret = webhookSecret
        configuration.useMessageKey = useMessageKey
        configuration.omitUploadDownloadURL = omitUploadDownloadURL
        configuration.verbose = verbose
        configuration.faults = try parsedFaults()
        configuration.rateLimits = try parsedRateLimits()
        configuration.resultTTL = resultTTL.map { .milliseconds(Int(($0 * 1000).rounded())) }
        configuration.credits = credits

        // Ignore the signals before listening, so one that arrives early is not fatal.
        let signals = TerminationSignals()
        let sandbox = try await Sandbox.start(configuration)
        // Written straight to the file descriptor: nothing sits in a stdio buffer.
        FileHandle.standardOutput.write(Data("\(sandbox.baseURL)\n".utf8))
        let received = await signals.next()
        if verbose { FileHandle.standardError.write(Data("sandbox: signal \(received), shutting down\n".utf8)) }
        await sandbox.shutdown()
    }
}
