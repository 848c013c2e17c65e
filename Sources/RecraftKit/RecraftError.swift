/// An error from RecraftKit: a stable code, a message that says what happened and what to
/// do next, and what the provider said, when it said anything.
///
/// `Code` is a struct of static values rather than an enum so that codes can be added
/// without breaking callers that switch over them (AHC's `HTTPClientError` does the same).
/// The raw values are the C ABI's `recraft_status` values: append-only, never reused.
public struct RecraftError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        /// The code's name as in the C constants, in snake_case (`job_failed` for
        /// RECRAFT_ERR_JOB_FAILED), for JSON and scripts.
        public let name: String
        /// A short English name (`recraft_status_name`): "invalid argument".
        public let description: String

        /// The known code with this value, or one named `error_N` for a value this
        /// version does not know (a newer library's).
        public init(rawValue: Int32) {
            self = Self.all.first { $0.rawValue == rawValue } ?? Code(rawValue, "error_\(rawValue)", "error \(rawValue)")
        }

        private init(_ rawValue: Int32, _ name: String, _ description: String) {
            self.rawValue = rawValue
            self.name = name
            self.description = description
        }

        // The list of codes, written once: each line is the C ABI's number, the name
        // (RECRAFT_ERR_ + it in upper case) and the description. The C enum (Types.swift),
        // recraft_status_name and the Python bindings (errors.py) are checked against it
        // (StatusCodeTests, bindings/python/tests/test_catalog.py). A new code takes the next
        // number and goes at the end of `all` too; a number is never reused.

        /// A NULL, malformed or out-of-range argument or request field.
        public static let invalidArgument = Code(1, "invalid_argument", "invalid argument")
        /// The client configuration is invalid (unknown preset, missing base URL, bad value).
        public static let invalidConfig = Code(2, "invalid_config", "invalid configuration")
        /// The preset does not offer this operation or option.
        public static let unsupported = Code(3, "unsupported", "unsupported")
        /// The input image was refused before anything was sent (type, size, dimensions).
        public static let invalidInput = Code(4, "invalid_input", "invalid input")
        /// The provider refused the API key (or none was given).
        public static let authentication = Code(5, "authentication", "authentication failed")
        /// The account has no credits left for this operation.
        public static let insufficientCredits = Code(6, "insufficient_credits", "insufficient credits")
        /// The provider rejected the request for exceeding a rate or usage limit.
        public static let rateLimited = Code(7, "rate_limited", "rate limited")
        /// The provider is down, in maintenance or answered with a server error.
        public static let providerUnavailable = Code(8, "provider_unavailable", "provider unavailable")
        /// The provider does not know this task id.
        public static let notFound = Code(9, "not_found", "not found")
        /// The provider ran the task and it failed.
        public static let jobFailed = Code(10, "job_failed", "job failed")
        /// A deadline passed before the job finished; the job itself is not lost.
        public static let timeout = Code(11, "timeout", "timeout")
        /// The job was cancelled locally.
        public static let cancelled = Code(12, "cancelled", "cancelled")
        /// A network failure (connection refused, reset, TLS, DNS).
        public static let network = Code(13, "network", "network error")
        /// A local file could not be read or written.
        public static let io = Code(14, "io", "I/O error")
        /// The provider's reply could not be understood.
        public static let protocolError = Code(15, "protocol", "protocol error")
        /// The submit request went out but no reply came: the task may exist at the provider.
        public static let submitUncertain = Code(16, "submit_uncertain", "submit outcome unknown")
        /// The job has no result yet, or no result at that index.
        public static let notReady = Code(17, "not_ready", "not ready")
        /// A bug in RecraftKit; please report it.
        public static let `internal` = Code(18, "internal", "internal error")
        /// The shared store (`store`: SQLite file or PostgreSQL) could not be reached, so no
        /// billed request was sent: nothing was paid. Check the store and retry.
        public static let storeUnavailable = Code(19, "store_unavailable", "store unavailable")

        /// Every code, by number (1, 2, …; RECRAFT_OK is not an error).
        public static let all: [Code] = [
            .invalidArgument, .invalidConfig, .unsupported, .invalidInput, .authentication, .insufficientCredits,
            .rateLimited, .providerUnavailable, .notFound, .jobFailed, .timeout, .cancelled, .network, .io,
            .protocolError, .submitUncertain, .notReady, .internal, .storeUnavailable
        ]

        // A code is its number: the name and description follow from it.
        public static func == (lhs: Code, rhs: Code) -> Bool { lhs.rawValue == rhs.rawValue }
        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
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
