/// An error from RecraftKit: a stable code, a message that says what happened and what to
/// do next, and what the provider said, when it said anything.
///
/// `Code` is a struct of static values rather than an enum so that codes can be added
/// without breaking callers that switch over them (AHC's `HTTPClientError` does the same).
/// The raw values are the C ABI's `recraft_status` values: append-only, never reused.
public struct RecraftError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// A NULL, malformed or out-of-range argument or request field.
        public static let invalidArgument = Code(rawValue: 1)
        /// The client configuration is invalid (unknown preset, missing base URL, bad value).
        public static let invalidConfig = Code(rawValue: 2)
        /// The preset does not offer this operation or option.
        public static let unsupported = Code(rawValue: 3)
        /// The input image was refused before anything was sent (type, size, dimensions).
        public static let invalidInput = Code(rawValue: 4)
        /// The provider refused the API key (or none was given).
        public static let authentication = Code(rawValue: 5)
        /// The account has no credits left for this operation.
        public static let insufficientCredits = Code(rawValue: 6)
        /// The provider rejected the request for exceeding a rate or usage limit.
        public static let rateLimited = Code(rawValue: 7)
        /// The provider is down, in maintenance or answered with a server error.
        public static let providerUnavailable = Code(rawValue: 8)
        /// The provider does not know this task id.
        public static let notFound = Code(rawValue: 9)
        /// The provider ran the task and it failed.
        public static let jobFailed = Code(rawValue: 10)
        /// A deadline passed before the job finished; the job itself is not lost.
        public static let timeout = Code(rawValue: 11)
        /// The job was cancelled locally.
        public static let cancelled = Code(rawValue: 12)
        /// A network failure (connection refused, reset, TLS, DNS).
        public static let network = Code(rawValue: 13)
        /// A local file could not be read or written.
        public static let io = Code(rawValue: 14)
        /// The provider's reply could not be understood.
        public static let protocolError = Code(rawValue: 15)
        /// The submit request went out but no reply came: the task may exist at the provider.
        public static let submitUncertain = Code(rawValue: 16)
        /// The job has no result yet, or no result at that index.
        public static let notReady = Code(rawValue: 17)
        /// A bug in RecraftKit; please report it.
        public static let `internal` = Code(rawValue: 18)

        /// The code's name as in the C constants, in snake_case (`job_failed` for
        /// RECRAFT_ERR_JOB_FAILED), for JSON and scripts.
        public var name: String {
            switch self {
            case .invalidArgument: "invalid_argument"
            case .invalidConfig: "invalid_config"
            case .unsupported: "unsupported"
            case .invalidInput: "invalid_input"
            case .authentication: "authentication"
            case .insufficientCredits: "insufficient_credits"
            case .rateLimited: "rate_limited"
            case .providerUnavailable: "provider_unavailable"
            case .notFound: "not_found"
            case .jobFailed: "job_failed"
            case .timeout: "timeout"
            case .cancelled: "cancelled"
            case .network: "network"
            case .io: "io"
            case .protocolError: "protocol"
            case .submitUncertain: "submit_uncertain"
            case .notReady: "not_ready"
            case .internal: "internal"
            default: "error_\(rawValue)"
            }
        }

        public var description: String {
            switch self {
            case .invalidArgument: "invalid argument"
            case .invalidConfig: "invalid configuration"
            case .unsupported: "unsupported"
            case .invalidInput: "invalid input"
            case .authentication: "authentication failed"
            case .insufficientCredits: "insufficient credits"
            case .rateLimited: "rate limited"
            case .providerUnavailable: "provider unavailable"
            case .notFound: "not found"
            case .jobFailed: "job failed"
            case .timeout: "timeout"
            case .cancelled: "cancelled"
            case .network: "network error"
            case .io: "I/O error"
            case .protocolError: "protocol error"
            case .submitUncertain: "submit outcome unknown"
            case .notReady: "not ready"
            case .internal: "internal error"
            default: "error \(rawValue)"
            }
        }
    }

    public var code: Code
    /// What happened and what to do next. Never contains the API key.
    public var message: String
    /// The HTTP status of the reply that caused this error, if any.
    public var httpStatus: Int?
    /// The provider's own code (kie's body `code` or `failCode`), if any.
    public var providerCode: String?
    /// How long the provider asked us to wait (`Retry-After`), when it said.
    var retryAfter: Duration?

    public init(_ code: Code, _ message: String, httpStatus: Int? = nil, providerCode: String? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.providerCode = providerCode
    }

    public var description: String { "\(code): \(message)" }

    public static func == (lhs: RecraftError, rhs: RecraftError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.httpStatus == rhs.httpStatus && lhs.providerCode == rhs.providerCode
    }
}
