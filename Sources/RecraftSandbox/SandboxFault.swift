// Misbehaviour on request, so tests can prove a client copes: rules that match
// requests by path and make the sandbox answer as a provider having a bad day, and
// per-path rate limits that drop what goes over them. Given in the configuration, added
// at run time (`Sandbox.addFault`), or posted as JSON to `/sandbox/faults`.

/// One fault rule. JSON form: `{"kind":"httpStatus","path":"/api/v1/jobs/createTask","status":429,"retryAfter":2,"times":1}`.
public struct SandboxFault: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Bare HTTP `status` (kie paths: with a kie JSON envelope; others: text/plain),
        /// with `Retry-After: retryAfter` when set. `status` 404 on `/files/results/*` is a
        /// result file that went missing.
        case httpStatus
        /// HTTP 200 carrying kie's body `code` = `status` (429, 433, 455, 500, 501, 505…) and `message`.
        case bodyCode
        /// The connection is reset (RST) without a reply.
        case resetConnection
        /// The request waits `delayMs` before it is handled (a slow or stalled server).
        case stall
        /// The real reply's head, then half its body, then the connection closes.
        case truncateBody
        /// HTTP 200 with a body that is not valid JSON.
        case malformedJSON
        /// recordInfo answers `state` as the task's state (record-info: `Int(state)` as status).
        case unknownState
        /// A task created by this request ends `fail` with `failCode` and `message`
        /// (dedicated: status 2), whatever its input.
        case failTask
    }

    public var kind: Kind
    /// The request path it applies to: exact, or a prefix when it ends with `*`.
    /// nil: every provider API path (not `/files/` nor `/sandbox/`).
    public var path: String?
    /// Applies this many times, then is removed; nil: every time.
    public var times: Int?
    /// Lets this many matching requests through first.
    public var skip: Int?
    /// Applies to a matching request with this probability (0...1); nil: always.
    public var probability: Double?
    public var status: Int?
    public var retryAfter: Int?
    public var message: String?
    public var delayMs: Int?
    public var state: String?
    public var failCode: String?

    public init(
        _ kind: Kind, path: String? = nil, times: Int? = nil, skip: Int? = nil, probability: Double? = nil,
        status: Int? = nil, retryAfter: Int? = nil, message: String? = nil, delayMs: Int? = nil,
        state: String? = nil, failCode: String? = nil
    ) {
        self.kind = kind
        self.path = path
        self.times = times
        self.skip = skip
        self.probability = probability
        self.status = status
        self.retryAfter = retryAfter
        self.message = message
        self.delayMs = delayMs
        self.state = state
        self.failCode = failCode
    }

    /// Whether this rule's path pattern covers `path`.
    func matches(path requestPath: String, isAPI: Bool) -> Bool {
        guard let pattern = path else { return isAPI }
        if pattern.hasSuffix("*") { return requestPath.hasPrefix(String(pattern.dropLast())) }
        return requestPath == pattern
    }

    /// A message for a rule that cannot work, or nil.
    public var validationProblem: String? {
        switch kind {
        case .httpStatus where !(400...599).contains(status ?? 0): "httpStatus needs a status between 400 and 599"
        case .bodyCode where status == nil: "bodyCode needs a status (the body code)"
        case .stall where (delayMs ?? -1) < 0: "stall needs delayMs >= 0"
        case .unknownState where (state ?? "").isEmpty: "unknownState needs a state"
        default: (probability.map { (0...1).contains($0) } ?? true) ? nil : "probability must be between 0 and 1"
        }
    }
}

/// At most `limit` requests per `windowMs` on matching paths; the rest get 429 and are
/// dropped, not queued (kie's createTask: 20 per 10 s).
public struct SandboxRateLimit: Sendable, Codable, Equatable {
    /// Exact path, or a prefix when it ends with `*`.
    public var path: String
    public var limit: Int
    public var windowMs: Int
    /// Send `Retry-After` (seconds until the window has room) with each 429.
    public var retryAfter: Bool

    /// Every limit the real providers document, at once (`recraft sandbox --limits
    /// documented`): kie's 20 createTask per 10 s and 10 recordInfo per s (Market and the
    /// dedicated Recraft API), and Recraft's 5 requests per s and 100 per minute (its own
    /// API and the mirror's).
    public static func documented(retryAfter: Bool = false) -> [SandboxRateLimit] {
        let kieCreates = ["/api/v1/jobs/createTask", "/api/v1/recraft/upscale", "/api/v1/recraft/remove-background"]
        let kiePolls = ["/api/v1/jobs/recordInfo", "/api/v1/recraft/upscale/record-info", "/api/v1/recraft/remove-background/record-info"]
        return kieCreates.map { SandboxRateLimit(path: $0, limit: 20, windowMs: 10_000, retryAfter: retryAfter) }
            + kiePolls.map { SandboxRateLimit(path: $0, limit: 10, windowMs: 1000, retryAfter: retryAfter) }
            + ["/v1/images/*", "/recraft/v1/images/*"].flatMap { path in
                [
                    SandboxRateLimit(path: path, limit: 5, windowMs: 1000, retryAfter: retryAfter),
                    SandboxRateLimit(path: path, limit: 100, windowMs: 60_000, retryAfter: retryAfter)
                ]
            }
    }

    public init(path: String, limit: Int, windowMs: Int, retryAfter: Bool = false) {
        self.path = path
        self.limit = limit
        self.windowMs = windowMs
        self.retryAfter = retryAfter
    }
}
