/// What a provider reports about a task.
enum TaskStatus: Equatable, Sendable {
    /// Still working; `detail` is the provider's own word for it (`queuing`, …).
    case running(detail: String)
    case succeeded([JobResult])
    case failed(RecraftError)
}

/// What submitting gave: a task to poll, or (synchronous providers) the finished work.
enum Submission: Sendable {
    case accepted(taskId: String)
    case finished(taskId: String, results: [JobResult])
}

/// A provider dialect: encodes a submit, decodes a status, classifies an error.
/// Everything else (retry, polling, upload, download) is shared, in `Client` and `Job`.
protocol Provider: Sendable {
    /// True when the provider takes only URLs, so local files are uploaded first.
    var takesURLInput: Bool { get }
    /// Throws when the preset does not offer the request's operation or options.
    /// Nothing has been sent when it throws.
    func validate(_ request: JobRequest) throws(RecraftError)
    /// Creates the task (or, for a synchronous provider, runs it).
    func submit(_ request: JobRequest, through api: ProviderAPI) async throws(RecraftError) -> Submission
    /// Asks for a task's status once.
    func status(taskId: String, operation: Operation, through api: ProviderAPI) async throws(RecraftError) -> TaskStatus
}

/// What a provider may do on the wire: authenticated calls to its own hosts.
protocol ProviderAPI: Sendable {
    var configuration: Configuration { get }
    /// Sends a request to the provider with its credentials; `idempotent` requests are
    /// retried on any failure, others only when they certainly did not arrive.
    func call(_ request: HTTPRequest, idempotent: Bool) async throws(RecraftError) -> HTTPResponse
}

extension Preset {
    var provider: any Provider {
        switch dialect {
        case .market: MarketProvider(preset: self)
        case .kieRecraft, .recraft: UnimplementedDialect(preset: self)
        }
    }
}

/// Stands in for the dialects that a later change adds: refuses every request up front.
struct UnimplementedDialect: Provider {
    let preset: Preset
    var takesURLInput: Bool { true }
    func validate(_ request: JobRequest) throws(RecraftError) {
        throw RecraftError(.unsupported, "provider \"\(preset.rawValue)\" is not supported by this version yet; use kie, apikley or sandbox")
    }
    func submit(_ request: JobRequest, through api: ProviderAPI) async throws(RecraftError) -> Submission {
        try validate(request)
        throw RecraftError(.internal, "unreachable")
    }
    func status(taskId: String, operation: Operation, through api: ProviderAPI) async throws(RecraftError) -> TaskStatus {
        throw RecraftError(.unsupported, "provider \"\(preset.rawValue)\" is not supported by this version yet")
    }
}
