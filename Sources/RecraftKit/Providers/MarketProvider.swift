import FoundationEssentials

/// kie.ai's Market job API (and resellers that mirror it): `POST /api/v1/jobs/createTask`,
/// then `GET /api/v1/jobs/recordInfo?taskId=` until the state is `success` or `fail`.
struct MarketProvider: Provider {
    let preset: Preset
    var inputKind: InputKind { .url }
    var isSynchronous: Bool { false }
    var sendsCallbacks: Bool { true }
    func callbackStatus(_ data: JSONValue, service: String) throws(RecraftError) -> TaskStatus {
        try Self.decodeRecord(data, service: service)
    }
    var service: String { preset.serviceName }

    func submit(_ request: JobRequest, offer: Offer, through api: ProviderAPI) async throws(RecraftError) -> Submission {
        guard case .url(let image) = request.image else {
            throw RecraftError(.internal, "a local file reached the market submit without being uploaded")
        }
        var body: [String: JSONValue] = ["model": .string(offer.wireName), "input": .object(["image": .string(image)])]
        if let callback = request.callbackURL { body["callBackUrl"] = .string(callback) }
        var http = HTTPRequest(.post, api.configuration.baseURL + "/api/v1/jobs/createTask")
        http.body = .bytes(Array(JSONValue.object(body).serialized().utf8), contentType: "application/json")
        return .accepted(taskId: try KieEnvelope.taskId(try await api.call(http, kind: .submit), preset: preset))
    }

    func status(taskId: String, operation: Operation, through api: ProviderAPI) async throws(RecraftError) -> TaskStatus {
        let http = HTTPRequest(.get, api.configuration.baseURL + "/api/v1/jobs/recordInfo?taskId=" + taskId.percentEncodedQueryValue)
        let response = try await api.call(http, kind: .poll)
        let envelope = try KieEnvelope(response, service: service, keyVariable: preset.apiKeyVariable)
        return try Self.decodeRecord(envelope.data, service: service)
    }

    /// Reads `data` of a recordInfo reply (or of a callback, which has the same shape).
    static func decodeRecord(_ data: JSONValue, service: String) throws(RecraftError) -> TaskStatus {
        guard data.object != nil else {
            throw RecraftError(.protocolError, "\(service) sent a task record with no data")
        }
        let state = data["state"]?.string?.lowercased() ?? ""
        switch state {
        case "waiting", "queuing", "generating", "pending", "processing", "queued", "running":
            return .running(detail: state)
        case "success", "succeeded", "completed":
            let urls = KieEnvelope.resultURLs(data["resultJson"])
            guard !urls.isEmpty else {
                throw RecraftError(.protocolError, "\(service) reported success but sent no result URL")
            }
            return .succeeded(urls.map(JobResult.url), receipt: TaskReceipt(record: data))
        case "fail", "failed", "error":
            let code = data["failCode"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            let message = data["failMsg"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? "no reason given"
            return .failed(
                RecraftError(
                    .jobFailed, "the task failed at \(service)" + (code.map { " (code \($0))" } ?? "") + ": \(message)",
                    providerCode: code))
        default:
            // A state the dialect does not define: keep polling (the job's deadline bounds it).
            return .running(detail: state.isEmpty ? "unknown" : state)
        }
    }

}
