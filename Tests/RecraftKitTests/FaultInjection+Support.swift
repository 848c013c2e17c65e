import Foundation
import RecraftSandbox
import TestSupport
import Testing

@testable import RecraftKit

/// The provider shapes the fault-injection suite runs every fault against.
enum FaultDialect: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// The market dialect through the `sandbox` preset (no client-side limits).
    case market
    /// The market dialect through the `kie` preset (kie's limits, the submit window shortened).
    case kie
    /// kie's dedicated Recraft endpoints (`kie-recraft`).
    case dedicated
    /// Recraft's synchronous API (`recraft`, base_url `<sandbox>/v1`).
    case recraft
    /// A synchronous Recraft mirror (`recraft-mirror`).
    case mirror

    static let asynchronous: [FaultDialect] = [.market, .kie, .dedicated]
    static let synchronous: [FaultDialect] = [.recraft, .mirror]

    var testDescription: String { rawValue }

    var preset: Preset {
        switch self {
        case .market: .sandbox
        case .kie: .kie
        case .dedicated: .kieRecraft
        case .recraft: .recraft
        case .mirror: .recraftMirror
        }
    }

    var isSynchronous: Bool { self == .recraft || self == .mirror }
    var operation: RecraftKit.Operation { self == .mirror ? .clarityUpscale : .crispUpscale }
    /// The smallest side the preset takes for the operation.
    var inputSide: Int { self == .mirror ? 256 : 32 }

    /// The billed request: createTask, or the synchronous image request.
    var submitPath: String {
        switch self {
        case .market, .kie: "/api/v1/jobs/createTask"
        case .dedicated: "/api/v1/recraft/upscale"
        case .recraft: "/v1/images/crispUpscale"
        case .mirror: "/recraft/v1/images/clarityUpscale"
        }
    }

    /// The status request (nil: the dialect has none).
    var pollPath: String? {
        switch self {
        case .market, .kie: "/api/v1/jobs/recordInfo"
        case .dedicated: "/api/v1/recraft/upscale/record-info"
        case .recraft, .mirror: nil
        }
    }

    func baseURL(_ root: String) -> String { self == .recraft ? root + "/v1" : root }

    /// Submits the provider acted on: tasks created, or synchronous requests run.
    func accepted(_ stats: SandboxStats) -> Int { isSynchronous ? stats.syncRequests : stats.tasksCreated }

    /// The client settings every fault test starts from (values are JSON).
    var defaultSettings: [String: String] {
        var settings = ["poll_initial_ms": "20", "poll_max_ms": "100", "max_retries": "3", "job_timeout_ms": "20000"]
        // kie's default submit window is 10 s; a 429 without Retry-After waits a window out.
        if self == .kie || self == .dedicated { settings["submit_rate_limit"] = #""20/1s""# }
        return settings
    }
}

/// One sandbox, one input and one journal for a fault test.
struct FaultBench: Sendable {
    let dialect: FaultDialect
    let sandbox: Sandbox
    let input: String
    let journalPath: String

    /// Runs `body` against a fresh sandbox (tasks take 100 ms unless `configure` says otherwise).
    static func run(
        _ dialect: FaultDialect, sandbox configure: (inout SandboxConfiguration) -> Void = { _ in },
        _ body: (FaultBench) async throws -> Void
    ) async throws {
        var configuration = SandboxConfiguration()
        configuration.taskDuration = .milliseconds(100)
        configure(&configuration)
        let sandbox = try await Sandbox.start(configuration)
        let input = try TestImages.file(width: dialect.inputSide, height: dialect.inputSide)
        let bench = FaultBench(dialect: dialect, sandbox: sandbox, input: input, journalPath: input + ".journal")
        do { try await body(bench) } catch {
            await sandbox.shutdown()
            throw error
        }
        await sandbox.shutdown()
    }

    /// A client for the dialect, at the sandbox or at `root` (a proxy in front of it).
    func client(root: String? = nil, _ settings: [String: String] = [:]) throws -> Client {
        var all = dialect.defaultSettings.merging(settings) { $1 }
        all["provider"] = "\"\(dialect.preset.rawValue)\""
        all["api_key"] = #""test-key""#
        all["base_url"] = "\"\(dialect.baseURL(root ?? sandbox.baseURL))\""
        all["journal_path"] = "\"\(journalPath)\""
        let json = "{" + all.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
        return try Client(json: json)
    }

    func submit(_ client: Client, image: ImageSource? = nil) throws -> Job {
        try client.submit(JobRequest(operation: dialect.operation, image: image ?? .file(input)))
    }

    /// The input as a URL on the sandbox, so that the first request a job sends is its submit.
    func inputURL() async throws -> String {
        let uploader = try Client(json: #"{"provider": "sandbox", "base_url": "\#(sandbox.baseURL)"}"#)
        let url = try await uploader.upload(path: input)
        return url
    }

    var stats: SandboxStats { sandbox.stats() }
    /// Submits the provider acted on.
    var accepted: Int { dialect.accepted(stats) }
    /// Requests that reached the sandbox on `path`, faulted or not.
    func hits(_ path: String) -> Int { stats.requestsByPath[path] ?? 0 }
    var submitHits: Int { hits(dialect.submitPath) }

    /// Waits (a few seconds at most) for the provider to have acted on `count` submits, for
    /// faults that let the provider finish after the client gave up.
    func waitForAccepted(_ count: Int, within limit: Duration = .seconds(8)) async -> Int {
        let end = ContinuousClock.now + limit
        while accepted < count && ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(20)) }
        return accepted
    }

    /// What the client's journal says about `job`.
    func journalEntry(_ job: Job, in client: Client) throws -> JournalEntry? {
        let (entries, problems) = try client.journalEntries()
        #expect(problems.isEmpty, "\(problems)")
        return entries.first { $0.ref == job.ref }
    }

    /// The job succeeded; one submit was acted on.
    func expectSucceeded(_ job: Job, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        let state = await job.wait(timeout: .seconds(30))
        #expect(state == .succeeded, "\(dialect) \(context): \(job.error?.description ?? "no error")", sourceLocation: sourceLocation)
        #expect(job.id?.isEmpty == false, "\(dialect) \(context): no id", sourceLocation: sourceLocation)
        #expect(accepted == 1, "\(dialect) \(context): the provider acted on \(accepted) submits", sourceLocation: sourceLocation)
    }

    /// The job failed with `code`; its message says `advice`.
    func expectFailed(
        _ job: Job, _ code: RecraftError.Code, saying advice: [String], _ context: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        let state = await job.wait(timeout: .seconds(30))
        #expect(state == .failed, "\(dialect) \(context): ended \(state)", sourceLocation: sourceLocation)
        let error = job.error
        #expect(error?.code == code, "\(dialect) \(context): \(error?.description ?? "no error")", sourceLocation: sourceLocation)
        for words in advice {
            #expect(
                error?.message.contains(words) == true, "\(dialect) \(context): \"\(error?.message ?? "")\" lacks \"\(words)\"",
                sourceLocation: sourceLocation)
        }
    }
}
