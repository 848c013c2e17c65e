/// Where a job is in its life. The raw values are the C ABI's `recraft_state`.
public enum JobState: Int32, Sendable, CustomStringConvertible {
    /// Accepted locally; the input is being uploaded or the task created.
    case pending = 0
    /// The provider has the task and is working on it.
    case running = 1
    /// Finished with results.
    case succeeded = 2
    /// Finished without results; the job's error says why.
    case failed = 3
    /// Cancelled locally.
    case cancelled = 4

    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }

    public var description: String {
        switch self {
        case .pending: "pending"
        case .running: "running"
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .cancelled: "cancelled"
        }
    }
}

/// One result of a job: a URL to download, or bytes the provider sent inline (b64_json).
public enum JobResult: Sendable, Equatable {
    case url(String)
    case inline(bytes: [UInt8], mimeType: String)
}
