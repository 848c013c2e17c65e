/// What a provider reports about a task.
enum TaskStatus: Equatable, Sendable {
    /// Still working; `detail` is the provider's own word for it (`queuing`, …).
    case running(detail: String)
    case succeeded([JobResult], receipt: TaskReceipt = TaskReceipt())
    case failed(RecraftError)
}

/// What submitting gave: a task to poll, or (synchronous providers) the finished work.
enum Submission: Sendable {
    case accepted(taskId: String)
    case finished(taskId: String, results: [JobResult], receipt: TaskReceipt = TaskReceipt())
}

/// How a provider takes the input image.
enum InputKind: Sendable {
    /// Only a public URL: local files are uploaded first.
    case url
    /// Only the file's bytes: URLs are downloaded first.
    case file
    /// Either, as given.
    case either
}

/// A provider dialect: encodes a submit, decodes a status, classifies an error. What a
/// preset offers is in `Catalog`; retry, polling, upload and download are shared, in
/// `Client` and `Job`.
protocol Provider: Sendable {
    var inputKind: InputKind { get }
    /// True when the submit reply holds the result (no task to poll).
    var isSynchronous: Bool { get }
    /// Creates the task (or, for a synchronous provider, runs it).
    func submit(_ request: JobRequest, offer: Offer, through api: ProviderAPI) async throws(RecraftError) -> Submission
    /// Asks for a task's status once.
    func status(taskId: String, operation: Operation, through api: ProviderAPI) async throws(RecraftError) -> TaskStatus
    /// True when the dialect POSTs results to a `callback_url`.
    var sendsCallbacks: Bool { get }
    /// Decodes the `data` of a callback the provider POSTed (only if `sendsCallbacks`).
    func callbackStatus(_ data: JSONValue, service: String) throws(RecraftError) -> TaskStatus
}

extension Provider {
    var sendsCallbacks: Bool { false }
    func callbackStatus(_ data: JSONValue, service: String) throws(RecraftError) -> TaskStatus {
        throw RecraftError(.unsupported, "\(service) sends no callbacks")
    }
}

/// What a task id from a provider may be before it is used in URLs, file names, C
/// strings and the journal: short, printable, no slash.
enum TaskIdentifier {
    static func isValid(_ id: String) -> Bool {
        guard !id.isEmpty && id.utf8.count <= 256 else { return false }
        // Provider ids are ASCII: bytes decide at once (Unicode properties cost 10 K
        // instructions a job, callgrind); the rest goes through the general category.
        if id.utf8.allSatisfy({ $0 < 0x80 }) {
            return id.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "\\") }
        }
        return id.unicodeScalars.allSatisfy { scalar in
            scalar != "/" && scalar != "\\" && !scalar.properties.generalCategory.isControlOrFormat
        }
    }
}

extension Unicode.GeneralCategory {
    fileprivate var isControlOrFormat: Bool {
        switch self {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned: true
        default: false
        }
    }
}

/// What a provider may do on the wire: authenticated calls to its own hosts.
protocol ProviderAPI: Sendable {
    var configuration: Configuration { get }
    /// Sends a request to the provider with its credentials, within its rate limit; no retry here.
    func call(_ request: HTTPRequest, kind: RequestKind) async throws(RecraftError) -> HTTPResponse
}

extension Preset {
    var provider: any Provider {
        switch self {
        case .kie, .apikley, .sandbox: MarketProvider(preset: self)
        case .kieRecraft: DedicatedProvider(preset: self)
        case .recraft, .recraftMirror: RecraftProvider(preset: self)
        }
    }

    /// How the provider names itself in messages.
    var serviceName: String { self == .sandbox ? "the sandbox" : rawValue }
}
