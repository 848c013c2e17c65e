import FoundationEssentials

/// A connection to one provider. Safe to share between threads and tasks; every job it
/// submits keeps it alive. Its requests all go through one libcurl multi loop.
public final class Client: Sendable {
    public let configuration: Configuration
    let transport: CurlTransport
    let provider: any Provider

    public init(_ configuration: Configuration) throws(RecraftError) {
        self.configuration = configuration
        self.transport = try CurlTransport(userAgent: configuration.userAgent)
        self.provider = configuration.provider.provider
    }

    /// A client from the JSON configuration the C API and the bindings use.
    public convenience init(json: String) throws(RecraftError) {
        try self.init(try Configuration(json: json))
    }

    deinit { transport.shutdown() }

    /// Starts a job and returns at once; the work goes on in the background. Throws only
    /// for what can be known before anything is sent: unsupported operation or option,
    /// an unreadable or unacceptable input file.
    public func submit(_ request: JobRequest) throws(RecraftError) -> Job {
        do throws(RecraftError) {
            try provider.validate(request)
            if case .file(let path) = request.image { try InputCheck.readable(path) }
        } catch { throw redacted(error) }
        return Job(client: self, request: request)
    }

    /// Re-attaches to a task the provider already has (by the id `Job.id` gave), to
    /// wait for it and download its results. Nothing is submitted.
    public func open(operation: Operation, id: String) throws(RecraftError) -> Job {
        guard !id.isEmpty, id.count <= 256, !id.contains(where: { $0.isNewline || $0 == "\0" }) else {
            throw RecraftError(.invalidArgument, "the job id is empty, too long or has a line break: pass the id recraft_job_id gave")
        }
        return Job(client: self, operation: operation, taskId: id)
    }

    /// Removes the API key from text that is about to leave the library.
    func redacted(_ error: RecraftError) -> RecraftError {
        let key = configuration.apiKey
        guard key.count >= 4, error.message.contains(key) else { return error }
        var copy = error
        copy.message = copy.message.replacingAll(key, with: "[redacted]")
        return copy
    }
}
