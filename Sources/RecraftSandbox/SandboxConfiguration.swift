// The public knobs of the sandbox and the counters it reports.

import Synchronization

/// How a sandbox behaves. Every field has the default a test wants most often.
public struct SandboxConfiguration: Sendable {
    /// Address to bind; loopback by default.
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 picks a free one (read it back from `Sandbox.port`).
    public var port: Int = 0
    /// nil: any non-empty Bearer token is accepted; set: the token must match exactly.
    public var apiKey: String? = nil
    /// Market and dedicated tasks: time from create to the terminal state.
    public var taskDuration: Duration = .milliseconds(300)
    /// Random spread of `taskDuration`, as a ± fraction (0.2 = ±20 %).
    public var durationSpread: Double = 0
    /// Extra latency of the synchronous Recraft endpoints, on top of the real work.
    public var syncDelay: Duration = .zero
    /// When set, callbacks carry kie's `X-Webhook-Timestamp` and `X-Webhook-Signature`.
    public var webhookSecret: String? = nil
    /// Market envelopes say "message" instead of "msg" (a quirk of kie's doc example).
    public var useMessageKey: Bool = false
    /// Upload replies carry only "fileUrl", not "downloadUrl" (the older doc shape).
    public var omitUploadDownloadURL: Bool = false
    /// Log one line per request to stderr.
    public var verbose: Bool = false
    /// Fault rules in force from the start (see `SandboxFault`); invalid ones are ignored.
    public var faults: [SandboxFault] = []
    /// Rate limits in force from the start; requests over them get 429 and are dropped.
    public var rateLimits: [SandboxRateLimit] = []
    /// Result links older than this are refused (HTTP 403) unless refreshed through
    /// `POST /api/v1/common/download-url`; nil: they never expire.
    public var resultTTL: Duration? = nil
    /// The account's balance, charged per job (kie credits, Recraft units); once it cannot
    /// pay, creates answer 402. nil: `unlimitedCredits`.
    public var credits: Double? = nil
    public static let unlimitedCredits: Double = 1_000_000

    public init() {}
}

/// What the sandbox has seen since it started (or since `POST /sandbox/reset`).
public struct SandboxStats: Sendable, Codable, Equatable {
    /// Market and dedicated tasks accepted.
    public var tasksCreated: Int = 0
    /// Recraft and mirror image requests accepted.
    public var syncRequests: Int = 0
    public var uploads: Int = 0
    /// recordInfo / record-info requests.
    public var pollRequests: Int = 0
    public var fileDownloads: Int = 0
    /// Result-file GETs that carried an Authorization header (a client must never send one).
    public var fileDownloadsWithAuthorization: Int = 0
    public var callbacksSent: Int = 0
    /// Fault rules applied (one request may meet several).
    public var faultsInjected: Int = 0
    /// Requests dropped with 429 by a rate limit.
    public var rateLimited: Int = 0
    /// Every request, by path without its query (all of `/files/…` under "/files/*").
    public var requestsByPath: [String: Int] = [:]
    /// `POST /api/v1/common/download-url` requests.
    public var linkRefreshes: Int = 0
    /// Result-file GETs refused because the link had expired (`resultTTL`).
    public var expiredLinkRefusals: Int = 0

    public init() {}
}

/// The counters behind `SandboxStats`, safe to bump from any thread.
final class StatsRecorder: Sendable {
    private let stats = Mutex(SandboxStats())

    func record(_ update: (inout SandboxStats) -> Void) {
        stats.withLock { update(&$0) }
    }

    func snapshot() -> SandboxStats { stats.withLock { $0 } }

    func reset() { stats.withLock { $0 = SandboxStats() } }
}
