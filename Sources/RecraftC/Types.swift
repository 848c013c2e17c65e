import RecraftKit

// The cases mirror RecraftError.Code.all, the one list of codes (number and name:
// errInvalidArgument = 1 is invalid_argument); Tests/RecraftCTests/StatusCodeTests.swift
// fails when they differ. A new code: its line in RecraftError.swift, then a case here.

/// What every fallible function returns: RECRAFT_OK (0) or an error code. Codes are
/// append-only and never reused. The message of the last error on the calling thread is
/// in recraft_last_error_message().
@c public enum recraft_status: Int32, Sendable {
    /// Success.
    case ok = 0
    /// A NULL, malformed or out-of-range argument (bad JSON, invalid UTF-8, unknown operation).
    case errInvalidArgument = 1
    /// The client configuration is invalid (unknown provider, missing base_url, bad value).
    case errInvalidConfig = 2
    /// The provider does not offer this operation or option; nothing was sent.
    case errUnsupported = 3
    /// The input image was refused before anything was sent (type, size, dimensions).
    case errInvalidInput = 4
    /// The provider refused the API key, or none was given.
    case errAuthentication = 5
    /// The account has no credits left.
    case errInsufficientCredits = 6
    /// A provider rate or usage limit was hit.
    case errRateLimited = 7
    /// The provider is down, in maintenance or answered with a server error.
    case errProviderUnavailable = 8
    /// The provider does not know the task id, or a result file is gone.
    case errNotFound = 9
    /// The provider ran the task and it failed.
    case errJobFailed = 10
    /// A deadline passed; the job is not lost and can be reopened by id.
    case errTimeout = 11
    /// The job was cancelled locally.
    case errCancelled = 12
    /// A network failure (connection refused, reset, TLS, DNS).
    case errNetwork = 13
    /// A local file could not be read or written.
    case errIo = 14
    /// The provider's reply could not be understood.
    case errProtocol = 15
    /// The submit request went out but no reply came: the task may exist at the provider.
    case errSubmitUncertain = 16
    /// The job has no result yet, or none at that index.
    case errNotReady = 17
    /// A bug in the library; please report it with the message.
    case errInternal = 18
    /// The shared store (SQLite file or PostgreSQL) could not be reached: no billed request
    /// was sent. Check the store (its path or URL is in the message) and retry.
    case errStoreUnavailable = 19
}

/// Where a job is in its life.
@c public enum recraft_state: Int32, Sendable {
    /// Accepted locally; the input is being uploaded or the task created.
    case pending = 0
    /// The provider has the task and is working on it.
    case running = 1
    /// Finished with results.
    case succeeded = 2
    /// Finished without results; recraft_job_error_code() and recraft_job_error_message() say why.
    case failed = 3
    /// Cancelled locally.
    case cancelled = 4
}

extension recraft_status {
    init(_ code: RecraftError.Code) {
        self = recraft_status(rawValue: code.rawValue) ?? .errInternal
    }
}

extension recraft_state {
    init(_ state: JobState) {
        self = recraft_state(rawValue: state.rawValue) ?? .failed
    }
}
